"""The table `make bench` prints: one row per scalar figure, breakdowns listed below it."""

from __future__ import annotations

from bench.__main__ import summary


def test_targets_are_judged_and_missing_required_figures_are_flagged():
    text = summary({"replay_1m_s": 4.27, "replay_10m_s": 61.0}, {})
    rows = {line.split()[0]: line.split() for line in text.splitlines() if line.strip()}
    assert rows["replay_1m_s"][-1] == "yes"
    assert rows["replay_10m_s"][-1] == "NO"
    assert rows["e2e_docs_per_s"][-1] == "missing"


def test_a_breakdown_is_listed_below_the_table_and_does_not_widen_it():
    share = {"statements": 0.4785295026479745, "fetch": 0.17385213054552262}
    text = summary({"e2e_docs_per_s": 77.5, "e2e_stage_share": share}, {})
    lines = text.splitlines()
    table = lines[: next(i for i, line in enumerate(lines) if line.startswith("e2e_stage_share"))]
    assert max(len(line) for line in table) < 60
    assert "e2e_stage_share: statements 0.479, fetch 0.174" in text
    assert not any(line.startswith("e2e_stage_share ") for line in table)
