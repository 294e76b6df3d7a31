"""The `monitor` command line: run the pipeline, extract statements, query stances.

Exit status: 0 success, 1 a failure the message explains, 2 a usage error.
"""

from __future__ import annotations

import errno
import json
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
)
err_console = Console(stderr=True)

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB event log (default warehouse/monitor.duckdb or $MONITOR_DB)"),
]


class OutputFormat(StrEnum):
    table = "table"
    jsonl = "jsonl"


def _settings(db: Path | None, sources: Path | None = None) -> Settings:
    settings = load_settings().with_db(db)
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
    sources: Annotated[Path | None, typer.Option(help="sources YAML file")] = None,
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
    sources: Annotated[Path, typer.Option(help="sources YAML file")],
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
    files: Annotated[list[Path], typer.Argument(help="plain-text articles")],
    published: Annotated[
        str | None, typer.Option(help="publication date YYYY-MM-DD for every file")
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Extract statement events from plain-text articles (touches no database)."""
    from pipeline.documents.normalise import normalise_text
    from pipeline.stages import load_file_manifest, statement_workers
    from pipeline.statements import load_extractor
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
    actor: Annotated[str | None, typer.Option(help="actor id or part of a name")] = None,
    topic: Annotated[str | None, typer.Option(help="topic code")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="YYYY-MM-DD")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
) -> None:
    """Print current (or as-of) stances."""
    from pipeline.statements.model import TOPICS

    if topic is not None and topic not in TOPICS:
        err_console.print(f"error: unknown topic {topic!r}; one of: {', '.join(TOPICS)}")
        raise typer.Exit(2)
    day = _parse_date(as_of, "--as-of") if as_of else None
    _print_stances(_settings(db), actor=actor, topic=topic, as_of=day, fmt=fmt)


@app.command()
def check(db: DbOption = None) -> None:
    """Verify the hash chain and run the data-quality suites on the store."""
    from pipeline.store import open_store

    settings = _settings(db)
    failed = False
    try:
        # It reads the live log (the chain is there, not in the snapshot): while the
        # pipeline writes, it waits its turn instead of failing.
        with open_store(
            settings.db_path,
            read_only=True,
            views_path=settings.bi_snapshot_path,
            wait=settings.lock_wait_s,
        ) as store:
            report = store.verify_chain()
            if report.ok:
                typer.echo(f"ok    hash chain: {report.checked} events verified")
            else:
                failed = True
                typer.echo(
                    f"FAIL  hash chain broken at position {report.first_broken_seq}:"
                    f" {report.reason} ({report.checked} events verified before it)"
                )
            for name, result in (
                ("checkpoint", store.check_checkpoint()),
                ("id file", store.check_id_index()),
            ):
                failed = failed or not result.ok
                typer.echo(f"{'ok  ' if result.ok else 'FAIL'}  {name}: {result.detail}")
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
    from pipeline.store.runs import run_states

    lines: list[tuple[Any, str, str]] = []
    for state in run_states(store):
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
        rows = current_stances(settings, actor=actor, topic=topic, as_of=as_of)
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


def _print_table(title: str, columns: list[str], rows: list[dict[str, Any]]) -> None:
    console = Console(width=200 if not sys.stdout.isatty() else None)
    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold", max_width=70 if column == "evidence" else None)
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    console.print(table)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return text if len(text) <= 160 else text[:157] + "..."


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
