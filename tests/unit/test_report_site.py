"""Publishing a report: a complete site behind a link switched in one rename."""

from __future__ import annotations

import os

import pytest

from pipeline.errors import MonitorError
from pipeline.report.site import KEEP_SITES, MARKER, publish_site


def site(version):
    return {"index.html": f"<p>v{version}</p>", "topics/a.html": "<p>a</p>", MARKER: "x"}


def test_a_report_is_a_link_to_a_complete_site(tmp_path):
    out = tmp_path / "warehouse" / "report"
    publish_site(site(1), out)
    assert out.is_symlink() and not os.path.isabs(os.readlink(out))
    assert (out / "index.html").read_text() == "<p>v1</p>"
    assert (out / "topics" / "a.html").exists()
    assert not list(out.parent.glob(".report.*.tmp")) and not list(out.parent.glob("*.link"))


def test_a_new_report_replaces_the_old_and_keeps_only_the_newest_sites(tmp_path):
    out = tmp_path / "report"
    for version in range(1, 5):
        publish_site(site(version), out)
        assert (out / "index.html").read_text() == f"<p>v{version}</p>"
    kept = [p for p in tmp_path.iterdir() if p.name.startswith(".report.")]
    assert len(kept) == KEEP_SITES
    assert out.resolve() in [p.resolve() for p in kept]


def test_an_open_file_of_the_previous_site_stays_readable(tmp_path):
    out = tmp_path / "report"
    publish_site(site(1), out)
    with (out / "index.html").open() as reader:
        publish_site(site(2), out)
        assert reader.read() == "<p>v1</p>"
    assert (out / "index.html").read_text() == "<p>v2</p>"


def test_an_empty_folder_or_an_earlier_report_folder_is_replaced(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    publish_site(site(1), empty)
    assert empty.is_symlink() and (empty / "index.html").exists()
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    (earlier / MARKER).write_text("x")
    (earlier / "index.html").write_text("old")
    publish_site(site(2), earlier)
    assert (earlier / "index.html").read_text() == "<p>v2</p>"


def test_a_folder_that_is_not_a_report_is_left_alone_with_a_clear_error(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(MonitorError, match="mine: exists and is not a report.*--out"):
        publish_site(site(1), out)
    assert (out / "notes.txt").read_text() == "keep me"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".mine.")]


def test_a_page_path_cannot_leave_the_site(tmp_path):
    with pytest.raises(MonitorError, match="inside the site"):
        publish_site({"../escape.html": "x"}, tmp_path / "report")
    assert not (tmp_path / "escape.html").exists()
    assert not (tmp_path / "report").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".report.")]


def test_monitor_report_without_a_snapshot_fails_naming_it(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    result = CliRunner().invoke(app, ["report", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert "none_bi.duckdb: no BI snapshot here" in message and "monitor views" in message
    assert not (tmp_path / "report").exists()
