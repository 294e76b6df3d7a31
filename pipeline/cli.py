"""The `monitor` command line: run the pipeline, extract statements, query stances.

Exit status: 0 success, 1 a failure the message explains, 2 a usage error.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pipeline.errors import MonitorError
from pipeline.settings import Settings, load_settings

app = typer.Typer(
    help="Monitor who says what about security guarantees for Ukraine.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help: the metavars set below (PATH, YYYY-MM-DD, ...), nothing after a flag.
    rich_markup_mode=None,
)
err_console = Console(stderr=True)

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        metavar="PATH",
        help="DuckDB event log (default warehouse/monitor.duckdb, $MONITOR_DB, or the log"
        " $MONITOR_STORE_URL names)",
    ),
]
SourcesOption = Annotated[Path | None, typer.Option(metavar="FILE", help="sources YAML file")]


class OutputFormat(StrEnum):
    table = "table"
    jsonl = "jsonl"


FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table or JSON lines")]


def _version(value: bool) -> None:
    if not value:
        return
    from importlib.metadata import PackageNotFoundError, version

    from pipeline import __version__
    from pipeline.statements.rules import RuleExtractor

    try:
        package = version("ukraine-guarantees-monitor")
    except PackageNotFoundError:  # run from a source tree that is not installed
        package = __version__
    typer.echo(f"monitor {package} (extractor {RuleExtractor.name} {RuleExtractor.version})")
    raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="print the versions and exit"
        ),
    ] = False,
) -> None:
    """Monitor who says what about security guarantees for Ukraine."""


def _settings(db: Path | None, sources: Path | None = None) -> Settings:
    try:
        settings = load_settings().with_db(db)
    except MonitorError as error:  # a bad setting (MONITOR_STORE_URL, ...): one line
        _fail(error)
    if sources is not None:
        from dataclasses import replace

        settings = replace(settings, sources_path=sources)
    return settings


def error_line(error: BaseException) -> str:
    """An error as the one line the CLI prints: a file error names the file and the reason."""
    if isinstance(error, OSError) and not isinstance(error, MonitorError):
        where = f"{error.filename}: " if error.filename else ""
        why = error.strerror or str(error)
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            why = f"disk full ({why})"
        elif error.errno == errno.EFBIG:
            why = f"disk full (file-size limit reached: {why})"
        text = f"{where}{why}"
    else:
        text = str(error)
    return " ".join(text.split())


def _fail(error: Exception) -> None:
    err_console.print(
        f"[red]error:[/red] {escape(error_line(error))}", highlight=False, soft_wrap=True
    )
    raise typer.Exit(1)


@app.command()
def run(
    db: DbOption = None,
    sources: SourcesOption = None,
) -> None:
    """One full pass: discover, fetch, extract, dedupe, statements, validate, append, views."""
    from pipeline.runner import run_pipeline

    try:
        summary = run_pipeline(_settings(db, sources), rebuild=True, progress=_progress())
    except MonitorError as error:
        _fail(error)
    _print_summary(summary)
    _print_stances(_settings(db), actor=None, topic=None, as_of=None, fmt=OutputFormat.table)


@app.command()
def ingest(
    sources: Annotated[Path, typer.Option(metavar="FILE", help="sources YAML file")],
    db: DbOption = None,
) -> None:
    """The same pass as `run` without the view rebuild."""
    from pipeline.runner import run_pipeline

    try:
        summary = run_pipeline(_settings(db, sources), rebuild=False, progress=_progress())
    except MonitorError as error:
        _fail(error)
    _print_summary(summary)


@app.command()
def statements(
    files: Annotated[list[Path], typer.Argument(metavar="FILE", help="plain-text articles")],
    published: Annotated[
        str | None,
        typer.Option(metavar="YYYY-MM-DD", help="publication date of every file"),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Extract statement events from plain-text articles (touches no database)."""
    from pipeline.documents.file_sources import load_file_manifest
    from pipeline.documents.normalise import normalise_text
    from pipeline.statements import load_extractor
    from pipeline.statements.batch import statement_workers
    from pipeline.statements.model import ArticleText

    day = _parse_date(published, "--published") if published else None
    texts, dates = [], []
    for path in files:
        try:
            raw = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            _fail(MonitorError(f"{path}: cannot read as UTF-8 text ({error})"))
        entry = load_file_manifest(path.parent).get(path.name, {})
        texts.append(normalise_text(raw))
        dates.append(day or entry.get("published"))
    # Many files are extracted on both cores (a pool of forked processes, closed below).
    extractor = load_extractor(workers=statement_workers(len(files)))
    articles = [ArticleText(text=t, published=d) for t, d in zip(texts, dates, strict=True)]
    rows = []
    try:
        for path, found in zip(files, extractor.extract_many(articles), strict=True):
            rows.extend(_statement_row(path, s, extractor) for s in found)
    finally:
        getattr(extractor, "close", lambda: None)()
    if fmt is OutputFormat.jsonl:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    columns = ["doc", "actor", "topic", "stance", "stated_on", "confidence", "evidence"]
    _print_table(f"{len(rows)} statements", columns, rows)


def _statement_row(path: Path, s: Any, extractor: Any) -> dict[str, Any]:
    return {
        "doc": path.name,
        "actor": s.actor.name,
        "actor_id": s.actor.actor_id,
        "actor_kind": s.actor.kind,
        "country": s.actor.country,
        "role": s.actor.role,
        "topic": s.topic,
        "stance": s.stance,
        "evidence": s.evidence,
        "start": s.start,
        "end": s.end,
        "stated_on": s.stated_on.isoformat() if s.stated_on else None,
        "confidence": s.confidence,
        "needs_review": s.actor.needs_review,
        "extractor": f"{extractor.name}/{extractor.version}",
    }


@app.command()
def views(
    db: DbOption = None,
    replace_snapshot: Annotated[
        bool,
        typer.Option(
            "--replace-snapshot",
            help="publish even over views of another, longer or non-empty log",
        ),
    ] = False,
) -> None:
    """Rebuild every view from the event log and publish the BI snapshot."""
    from pipeline.stages import rebuild_stage

    settings = _settings(db)
    try:
        counts = rebuild_stage(settings, replace_snapshot=replace_snapshot)
    except MonitorError as error:
        _fail(error)
    for name, count in counts.items():
        typer.echo(f"{name:24} {count:>8} rows")
    typer.echo(f"BI snapshot: {settings.bi_snapshot_path}")


@app.command()
def report(
    db: DbOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="where the site goes (default warehouse/report or $MONITOR_REPORT_DIR)",
        ),
    ] = None,
) -> None:
    """Write the static HTML report (overview, topics, actors, runs) from the BI snapshot."""
    from pipeline.report import write_report

    try:
        summary = write_report(_settings(db), out)
    except MonitorError as error:
        _fail(error)
    typer.echo(f"report: {summary.pages} pages ({summary.topics} topics, {summary.actors} actors)")
    typer.echo(f"open {summary.index}")


@app.command()
def stance(
    db: DbOption = None,
    actor: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="actor id, a name or alias the registry knows, or part of a name",
        ),
    ] = None,
    topic: Annotated[str | None, typer.Option(metavar="CODE", help="topic code")] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", metavar="YYYY-MM-DD", help="stances on that day")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Print current (or as-of) stances."""
    from pipeline.statements.model import TOPICS

    if topic is not None and topic not in TOPICS:
        err_console.print(f"error: unknown topic {topic!r}; one of: {', '.join(TOPICS)}")
        raise typer.Exit(2)
    day = _parse_date(as_of, "--as-of") if as_of else None
    _print_stances(_settings(db), actor=actor, topic=topic, as_of=day, fmt=fmt)


class ExportFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"


@app.command()
def export(
    fmt: Annotated[ExportFormat, typer.Option("--format", help="file format")],
    view: Annotated[
        str | None,
        typer.Option(metavar="NAME", help="one view (default: every public view)"),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            metavar="PATH",
            help="the file (with --view) or folder to write (default <warehouse>/export/)",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Export views of the BI snapshot to CSV or Parquet files."""
    from pipeline.store.export import export_views

    settings = _settings(db)
    folder = settings.warehouse_dir / "export"
    target = out or (folder / f"{view}.{fmt.value}" if view else folder)
    try:
        written = export_views(settings.bi_snapshot_path, target, fmt.value, view)
    except MonitorError as error:
        _fail(error)
    for name, path in written:
        typer.echo(f"{name:24} {path}")


@app.command()
def alerts(
    db: DbOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="show what would be sent; send and record nothing")
    ] = False,
) -> None:
    """Send each stance change not alerted yet to the webhook and/or by e-mail, once."""
    from pipeline.alerts import plan_alerts, send_alerts
    from pipeline.alerts.messages import change_summary

    settings = _settings(db)
    try:
        plan = plan_alerts(settings)
    except MonitorError as error:
        _fail(error)
    if not plan.channels:
        typer.echo(
            "no alert channel set (MONITOR_ALERT_WEBHOOK, MONITOR_ALERT_EMAIL);"
            f" {len(plan.unsent)} stance changes not alerted yet:"
        )
        for change in plan.unsent:
            typer.echo(f"  {change_summary(change)}")
        return
    for channel in plan.channels:
        verb = "would send" if dry_run else "sending"
        more = f" ({channel.waiting} more wait for later runs)" if channel.waiting else ""
        typer.echo(f"{channel.channel} ({channel.target}): {verb} {len(channel.changes)}{more}")
        for change in channel.changes:
            failed = channel.failures.get(change.key)
            retry = f"  [retry: failed {failed[0]}x, last: {failed[1]}]" if failed else ""
            typer.echo(f"  {change_summary(change)}{retry}")
    if dry_run:
        return
    try:
        report = send_alerts(settings, plan=plan)
    except MonitorError as error:
        _fail(error)
    for channel, count in report.sent.items():
        typer.echo(f"{channel}: sent {count}, failed {report.failed[channel]}")
    if not report.ok:
        _fail(MonitorError("; ".join(f"{c}: {e}" for c, e in report.errors.items())))


@app.command()
def actors(fmt: FormatOption = OutputFormat.table) -> None:
    """List the actors the registry knows (pipeline/data/actors.yaml)."""
    from pipeline.statements.actors import load_registry

    registry = load_registry()
    rows = [
        {
            "actor_id": actor.actor_id,
            "name": actor.name,
            "kind": actor.kind,
            "country": actor.country,
            "role": actor.role,
            "known_as": ", ".join(
                sorted(alias for alias, target in registry.aliases.items() if target == actor_id)
            ),
        }
        for actor_id, actor in sorted(registry.actors.items())
    ]
    _print_rows(f"{len(rows)} actors", rows, fmt)


@app.command()
def topics(fmt: FormatOption = OutputFormat.table) -> None:
    """List the topics statements are classified into (pipeline/data/topics.yaml)."""
    from pipeline.statements.topics import load_topic_names, read_topics_file

    specs = read_topics_file()["topics"]
    rows = [
        {"topic": name, "cues": len((specs.get(name) or {}).get("cues") or [])}
        for name in load_topic_names()
    ]
    _print_rows(f"{len(rows)} topics", rows, fmt)


def _print_rows(title: str, rows: list[dict[str, Any]], fmt: OutputFormat) -> None:
    if fmt is OutputFormat.jsonl:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        return
    _print_table(title, list(rows[0]) if rows else [], rows)


sources_app = typer.Typer(
    help="Work with sources files.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(sources_app, name="sources")


@sources_app.command("validate")
def sources_validate(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="sources YAML file")],
) -> None:
    """Check a sources file without fetching anything; exit 1 naming the file and reason."""
    from pipeline.sources.config import load_sources

    try:
        config = load_sources(file)
    except MonitorError as error:
        _fail(error)
    kinds: dict[str, int] = {}
    for source in config.sources:
        kinds[source.kind] = kinds.get(source.kind, 0) + 1
    counted = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    typer.echo(f"ok  {file}: {len(config.sources)} sources ({counted})")


@app.command()
def reprocess(
    since: Annotated[
        str | None, typer.Option(metavar="YYYY-MM-DD", help="first published date")
    ] = None,
    until: Annotated[
        str | None, typer.Option(metavar="YYYY-MM-DD", help="last published date")
    ] = None,
    extractor_version: Annotated[
        str | None,
        typer.Option(metavar="VERSION", help="fail unless the installed extractor is this one"),
    ] = None,
    db: DbOption = None,
) -> None:
    """Re-extract stored documents' statements, as the reprocess DAG does; rebuild views."""
    from pipeline.run_folder import new_run_id
    from pipeline.stages import rebuild_stage, reprocess_stage

    for value, option in ((since, "--since"), (until, "--until")):
        if value:
            _parse_date(value, option)
    settings = _settings(db)
    try:
        counts = reprocess_stage(
            settings,
            new_run_id("reprocess"),
            since=since,
            until=until,
            extractor_version=extractor_version,
        )
        _print_summary(counts)
        if int(counts.get("appended") or 0) > 0:
            rebuild_stage(settings)
            typer.echo(f"BI snapshot: {settings.bi_snapshot_path}")
    except MonitorError as error:
        _fail(error)


@app.command()
def check(db: DbOption = None) -> None:
    """Verify the hash chain and run the data-quality suites on the store."""
    from pipeline.store import open_store

    settings = _settings(db)
    failed = False
    try:
        # It reads the live log (the chain is there, not in the snapshot): while the
        # pipeline writes, it waits its turn instead of failing.
        with open_store(settings, read_only=True) as store:
            report = store.verify_chain()
            if report.ok:
                typer.echo(f"ok    hash chain: {report.checked} events verified")
            else:
                failed = True
                typer.echo(
                    f"FAIL  hash chain broken at position {report.first_broken_seq}:"
                    f" {report.reason} ({report.checked} events verified before it)"
                )
            for result in store.integrity_checks():
                failed = failed or not result.ok
                typer.echo(f"{'ok  ' if result.ok else 'FAIL'}  {result.name}: {result.detail}")
            for result in _quality_checks(store, settings):
                failed = failed or not result.ok
                typer.echo(f"{'ok  ' if result.ok else 'FAIL'}  {result.name}: {result.detail}")
            for ok, name, detail in _last_runs(store):
                failed = failed or not ok
                typer.echo(f"{ok if isinstance(ok, str) else 'ok  ' if ok else 'FAIL'}"
                           f"  {name}: {detail}")  # fmt: skip
    except MonitorError as error:
        _fail(error)
    if failed:
        raise typer.Exit(1)


def _last_runs(store: Any) -> list[tuple[Any, str, str]]:
    """Lines saying how the last ingest and views runs ended: (ok, name, detail), where ok
    is True, False (the run failed: check fails) or "note" (worth reading, not a failure)."""
    lines: list[tuple[Any, str, str]] = []
    for state in store.run_states():
        name = f"last {state.kind} run"
        last = state.last_ok
        finished = (
            f"{last['run_id']} finished at {last['recorded_at']:%Y-%m-%d %H:%M:%S} UTC"
            f" (appended {last['appended']}, log at position {last['last_seq']})"
            if last
            else None
        )
        if state.failed:
            latest = state.failures[-1]
            since = f"since {finished}" if finished else "and none has finished yet"
            lines.append(
                (
                    False,
                    name,
                    f"{latest['dag_id']}.{latest['task_id']} failed in run {latest['run_id']}"
                    f" at {latest['recorded_at']:%Y-%m-%d %H:%M:%S} UTC: {latest['error']}"
                    f" ({len(state.failures)} failed task(s) {since})",
                )
            )
        else:
            lines.append((True, name, finished or "none recorded yet"))
        if state.quarantined:
            total = sum(n for _, _, n in state.quarantined)
            parts = ", ".join(f"{suite} {label} {n}" for suite, label, n in state.quarantined[:6])
            lines.append(
                ("note", "quarantine", f"{total} rows refused by the last run or since: {parts}")
            )
    return lines


def _quality_checks(store: Any, settings: Settings) -> list[Any]:
    try:
        from pipeline.quality.gates import run_store_checks
    except ImportError:
        return []
    return [r for r in run_store_checks(store, settings) if r.name != "hash chain"]


# -- output helpers ---------------------------------------------------------------------------


def _progress() -> Any:
    """A progress callback that draws on a terminal and stays quiet otherwise."""
    if not err_console.is_terminal:
        return None

    def report(stage: str, detail: str) -> None:
        err_console.print(f"[dim]{stage:>12}[/dim] {detail}", highlight=False)

    return report


def _print_summary(summary: dict[str, Any]) -> None:
    for key, value in summary.items():
        typer.echo(f"{key:24} {value}")


def _print_stances(
    settings: Settings,
    actor: str | None,
    topic: str | None,
    as_of: date | None,
    fmt: OutputFormat,
) -> None:
    from pipeline.store.query import current_stances

    try:
        rows = current_stances(
            settings, actor=actor, topic=topic, as_of=as_of, actor_ids=_registry_ids(actor)
        )
    except MonitorError as error:
        _fail(error)
    if fmt is OutputFormat.jsonl:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        return
    title = f"Stances as of {as_of}" if as_of else "Current stances"
    columns = ["actor_name", "country", "topic", "stance", "last_seen", "n_statements"]
    columns.append("latest_evidence")
    _print_table(f"{title} ({len(rows)} actor-topic pairs)", columns, rows)


def _registry_ids(name: str | None) -> tuple[str, ...]:
    """The actor ids the registry resolves a name or alias to ("Zelenskyy", "the Kremlin")."""
    if not name:
        return ()
    from pipeline.statements.actors import load_registry, lookup_name

    actor = lookup_name(load_registry(), name)
    return (actor.actor_id,) if actor else ()


# Column headings, and the columns whose values are codes or numbers: never wrapped nor cut
# (a topic code broken mid-word reads as two codes). Text columns wrap to fit the terminal.
HEADINGS = {
    "actor_name": "actor",
    "n_statements": "statements",
    "latest_evidence": "latest evidence",
}
CODE_COLUMNS = frozenset(
    {"actor_id", "country", "topic", "stance", "last_seen", "stated_on", "n_statements",
     "kind", "confidence", "cues"}
)  # fmt: skip
# A text column is never narrower than this; on a terminal too narrow for every column,
# these are left out, in this order.
TEXT_MIN_WIDTH = 10
DROPPED_FIRST = ("n_statements", "confidence", "last_seen", "stated_on", "country", "doc")
# Evidence is cut to this many characters in a table (the full text: --format jsonl).
TABLE_EVIDENCE_MAX = 240


def _print_table(title: str, columns: list[str], rows: list[dict[str, Any]]) -> None:
    """Print a table as wide as the terminal (or $COLUMNS; 200 when piped): codes whole,
    text wrapped, evidence cut to TABLE_EVIDENCE_MAX characters."""
    width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 200
    console = Console(width=width)
    widths = {}
    for column in columns:
        heading = HEADINGS.get(column, column)
        if column in CODE_COLUMNS:
            widths[column] = max([len(_cell(row.get(column))) for row in rows] + [len(heading)])
        else:
            widths[column] = TEXT_MIN_WIDTH
    # On a narrow terminal the least needed columns go first, so the codes stay whole.
    for column in DROPPED_FIRST:
        if sum(widths.values()) + 3 * len(widths) + 1 <= console.width:
            break
        widths.pop(column, None)
    columns = [column for column in columns if column in widths]
    table = Table(title=title, show_lines=False)
    for column in columns:
        if column in CODE_COLUMNS:
            table.add_column(HEADINGS.get(column, column), no_wrap=True, min_width=widths[column])
        else:
            table.add_column(
                HEADINGS.get(column, column), overflow="fold", ratio=1, min_width=TEXT_MIN_WIDTH
            )
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    console.print(table)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return text if len(text) <= TABLE_EVIDENCE_MAX else text[: TABLE_EVIDENCE_MAX - 3] + "..."


def _parse_date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        err_console.print(f"error: {option} {value!r} is not a date YYYY-MM-DD")
        raise typer.Exit(2) from None


def main() -> None:
    """Entry point of the `monitor` script. A failure of the machine around us (disk full,
    permissions) is one line and exit status 1, like every failure the message explains."""
    try:
        app()
    except OSError as error:
        err_console.print(
            f"[red]error:[/red] {escape(error_line(error))}", highlight=False, soft_wrap=True
        )
        sys.exit(1)
