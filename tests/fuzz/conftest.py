"""Hypothesis profiles for the property and fuzz tests: bounded, no deadline, reproducible in CI.

`ci` (chosen when the CI environment variable is set) derandomizes, so a CI run always
tries the same examples and keeps no example database; `dev` explores new examples on
each run. Each test still sets its own (small) max_examples.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "print_blob": True,
}
settings.register_profile("ci", derandomize=True, database=None, **_COMMON)
settings.register_profile("dev", **_COMMON)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)
