"""Data-quality gates: the Great Expectations suites in expectations/, run on batches and views.

Import from the submodules (gates, quarantine, docs); Great Expectations itself loads only
when a suite runs, because importing it takes seconds.
"""

import logging

# GX logs some 280 INFO lines per pipeline run (its docs decorators as it is imported, its
# fluent datasources, the file context); task logs are for what ops staff act on, so only
# its warnings are kept. Set here, before any submodule imports GX: most come from the
# import itself.
logging.getLogger("great_expectations").setLevel(logging.WARNING)
