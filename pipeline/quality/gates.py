"""Data-quality gates: run the suites on a batch before it is appended, and on the store.

A gate splits a batch: rows that meet every expectation are accepted, the others are
quarantined with the suite and expectation they broke. It raises QualityGateError only
when the failing share of rows exceeds the threshold and the failing rows come from at
least `quarantine_min_documents` documents (a broken extractor breaks many documents; one
bad article, say an undated one, must not hold back the rest of the batch). The error
carries the gate's result so the quarantined rows can still be recorded. Nothing is dropped
without a row saying why.

An event already in the log is refused (the store would skip it anyway) and quarantined
under `event_id_not_in_log`, but it does not count towards the failing share: a re-run
that repeats logged events is not a quality failure.

Great Expectations is imported lazily (it takes seconds), so importing this module is cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import MonitorError
from pipeline.events import DOCUMENT_INGESTED, STATEMENT_EXTRACTED, Event
from pipeline.quality.quarantine import (
    QuarantinedRow,
    append_validation_summaries,
    run_validations_path,
)
from pipeline.quality.suites import BATCH_EVENTS, DOCUMENTS, STATEMENT_EVENTS, VIEW_SUITES
from pipeline.settings import Settings

if TYPE_CHECKING:
    import pandas as pd

    from pipeline.quality.context import SuiteRun
    from pipeline.store import EventRecorder

ALREADY_LOGGED = "expect_column_values_to_be_in_set:event_id_not_in_log"


@dataclass(frozen=True, slots=True)
class GateReport:
    """What a gate ran: one summary per suite, the Data Docs front page, and the counts."""

    validations: tuple[SuiteRun, ...] = ()
    docs_index: Path | None = None
    rows: int = 0
    already_logged: int = 0

    def summary(self) -> str:
        """Say in one line what the gate found."""
        failed = sorted({f.label for v in self.validations for f in v.failures})
        where = f"; report: {self.docs_index}" if self.docs_index else ""
        if not failed:
            return f"{self.rows} rows, all expectations met{where}"
        return f"{self.rows} rows, failed: {', '.join(failed)}{where}"


@dataclass(frozen=True, slots=True)
class GateResult:
    """A gated batch: the events to append and the rows refused, with why."""

    accepted: list[Event]
    quarantined: list[QuarantinedRow]
    failing_share: float
    report: GateReport = field(default_factory=GateReport)
    failing_documents: int = 0


class QualityGateError(MonitorError):
    """Too large a share of a batch failed its suite; `result` still holds every row."""

    def __init__(self, message: str, result: GateResult | None = None) -> None:
        super().__init__(message)
        self.result = result

    @property
    def quarantined(self) -> list[QuarantinedRow]:
        return list(self.result.quarantined) if self.result else []


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One line of `monitor check`: a check's name, whether it passed, and a detail."""

    name: str
    ok: bool
    detail: str


# -- batch gates -------------------------------------------------------------------------------


def gate_statement_batch(
    events: Sequence[Event],
    doc_texts: Mapping[str, str],
    known_event_ids: Collection[str],
    run_id: str,
    settings: Settings,
    threshold: float | None = None,
    *,
    actor_ids: Collection[str] | None = None,
    today: date | None = None,
    min_documents: int | None = None,
) -> GateResult:
    """Gate statement events (and the extraction events beside them) before append."""
    from pipeline.quality.frames import event_frame, load_actor_ids, statement_frame

    actors = load_actor_ids() if actor_ids is None else actor_ids
    known = set(known_event_ids)
    parts = [
        (
            STATEMENT_EVENTS,
            lambda batch: statement_frame(batch, doc_texts, known, actors),
            lambda e: e.event_type == STATEMENT_EXTRACTED,
        ),
        (BATCH_EVENTS, lambda batch: event_frame(batch, known), None),
    ]
    return _gate(events, parts, run_id, settings, (threshold, min_documents), today, "statement")


def gate_document_batch(
    events: Sequence[Event],
    known_event_ids: Collection[str],
    known_content_hashes: Collection[str],
    run_id: str,
    settings: Settings,
    threshold: float | None = None,
    *,
    today: date | None = None,
    min_documents: int | None = None,
) -> GateResult:
    """Gate document_ingested events before append."""
    from pipeline.quality.frames import document_frame, event_frame

    known, hashes = set(known_event_ids), set(known_content_hashes)
    parts = [
        (
            DOCUMENTS,
            lambda batch: document_frame(batch, known, hashes),
            lambda e: e.event_type == DOCUMENT_INGESTED,
        ),
        (BATCH_EVENTS, lambda batch: event_frame(batch, known), None),
    ]
    return _gate(events, parts, run_id, settings, (threshold, min_documents), today, "document")


_Part = tuple[str, Callable[[Sequence[Event]], "pd.DataFrame"], Callable[[Event], bool] | None]


def _gate(
    events: Sequence[Event],
    parts: list[_Part],
    run_id: str,
    settings: Settings,
    limits: tuple[float | None, int | None],
    today: date | None,
    kind: str,
) -> GateResult:
    threshold, min_documents = limits
    limit = settings.quarantine_threshold if threshold is None else threshold
    min_documents = settings.quarantine_min_documents if min_documents is None else min_documents
    if not events:
        return GateResult(accepted=[], quarantined=[], failing_share=0.0)
    from pipeline.quality.context import quality_context

    context = quality_context(settings)
    parameters = {"today": today or datetime.now(UTC).date()}
    failures: dict[int, list[tuple[str, str, str]]] = {}  # position -> (suite, label, reason)
    runs = []
    remaining = list(range(len(events)))
    for suite, build, selects in parts:
        positions = [p for p in remaining if selects is None or selects(events[p])]
        taken = set(positions)
        remaining = [p for p in remaining if p not in taken]
        if not positions:
            continue
        batch = [events[p] for p in positions]
        frame = build(batch)
        run = context.run(suite, frame, run_id, parameters)
        runs.append(run)
        for row, label, reason in _row_failures(run, frame, batch):
            failures.setdefault(positions[row], []).append((suite, label, reason))
    accepted, quarantined, only_logged = [], [], 0
    failing_documents: set[str] = set()
    for position, event in enumerate(events):
        broken = failures.get(position)
        if not broken:
            accepted.append(event)
            continue
        suite, label, _ = broken[0]
        detail = "; ".join(f"{lab}: {why}" for _, lab, why in broken)
        quarantined.append(QuarantinedRow(event, suite, label, detail))
        if all(lab == ALREADY_LOGGED for _, lab, _ in broken):
            only_logged += 1
        else:
            failing_documents.add(document_of(event))
    considered = len(events) - only_logged
    failing = len(quarantined) - only_logged
    share = failing / considered if considered else 0.0
    append_validation_summaries(
        run_validations_path(context.root, run_id), (r.to_dict() for r in runs)
    )
    report = GateReport(tuple(runs), context.docs_index, len(events), only_logged)
    result = GateResult(accepted, quarantined, share, report, len(failing_documents))
    if share > limit and len(failing_documents) >= min_documents:
        raise QualityGateError(
            f"{kind} batch of run {run_id}: {failing} of {considered} rows failed the data-quality"
            f" suites ({share:.0%} > threshold {limit:.0%}), from {len(failing_documents)}"
            f" documents; nothing was appended. Failed: {_failed_expectations(quarantined)}."
            f" The refused rows are in the run's quarantine.jsonl; see {context.docs_index},"
            " or raise MONITOR_QUARANTINE_THRESHOLD if this share is expected",
            result,
        )
    return result


def _failed_expectations(rows: Sequence[QuarantinedRow]) -> str:
    """Each broken expectation with its suite and how many rows broke it, most first."""
    counts: dict[str, int] = {}
    for row in rows:
        for part in row.detail.split("; "):
            label = part.partition(": ")[0]
            if label and label != ALREADY_LOGGED:
                key = f"{row.suite} {label}"
                counts[key] = counts.get(key, 0) + 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{key} ({n} rows)" for key, n in ranked)


def document_of(event: Event) -> str:
    """The document an event is about (its own id when it names none): the unit the gate
    counts when it asks whether failures are spread over several documents."""
    doc_id = event.payload.get("doc_id")
    return str(doc_id) if doc_id else event.event_id


def _row_failures(
    run: SuiteRun, frame: pd.DataFrame, batch: Sequence[Event]
) -> list[tuple[int, str, str]]:
    """List (row, expectation, reason) for every broken expectation of every row."""
    reasons: dict[str, dict[int, str]] = frame.attrs.get("reasons", {})
    found = []
    for failure in run.failures:
        column = failure.label.partition(":")[2]
        rows = range(len(frame)) if failure.rows is None else failure.rows
        for row in rows:
            if failure.rows is None:
                reason = failure.message
            elif column in reasons:
                reason = reasons[column].get(row, "rule not met")
            else:
                reason = f"{column}={_raw_value(batch[row], column)!r}"
            found.append((row, failure.label, reason))
    return found


def _raw_value(event: Event, column: str) -> Any:
    if column in ("event_id", "event_type", "stream", "producer"):
        return getattr(event, column)
    value = event.payload.get(column)
    return value[:120] if isinstance(value, str) else value


# -- checks over the store -----------------------------------------------------------------------


def check_views(
    recorder: EventRecorder,
    settings: Settings,
    run_id: str | None = None,
    *,
    raise_on_failure: bool = True,
) -> list[CheckResult]:
    """Run the view suites on the rebuilt view tables; raise QualityGateError if one fails."""
    from pipeline.quality.context import quality_context

    context = quality_context(settings)
    run_id = run_id or _check_run_id("views")
    n_events = recorder.count_events()
    results, runs = [], []
    for suite in VIEW_SUITES:
        name = f"{suite} view"
        frame = recorder.view_frame(suite)
        if frame is None:
            ok = n_events == 0
            detail = "not built yet" if ok else "table missing: run `monitor views` to rebuild"
            results.append(CheckResult(name, ok, detail))
            continue
        parameters = _view_parameters(recorder)
        run = context.run(suite, frame, run_id, parameters)
        runs.append(run)
        results.append(CheckResult(name, run.success, _describe(run, "rows")))
    _record(recorder, runs)
    failed = [r for r in results if not r.ok]
    if failed and raise_on_failure:
        lines = "; ".join(f"{r.name}: {r.detail}" for r in failed)
        raise QualityGateError(f"view checks failed: {lines}")
    return results


def run_store_checks(recorder: EventRecorder, settings: Settings) -> list[CheckResult]:
    """Check the log for `monitor check`: hash chain, document and statement suites, views."""
    from pipeline.quality.context import quality_context
    from pipeline.quality.frames import document_frame, load_actor_ids, statement_frame

    results = []
    chain = recorder.verify_chain()
    if chain.ok:
        results.append(CheckResult("hash chain", True, f"{chain.checked} events verified"))
    else:
        results.append(
            CheckResult(
                "hash chain",
                False,
                f"broken at position {chain.first_broken_seq}: {chain.reason}"
                f" ({chain.checked} events verified before it)",
            )
        )
    context = quality_context(settings)
    run_id = _check_run_id("check")
    parameters = {"today": datetime.now(UTC).date()}
    documents = [r.event for r in recorder.read(event_types=[DOCUMENT_INGESTED])]
    statements = [r.event for r in recorder.read(event_types=[STATEMENT_EXTRACTED])]
    texts: dict[str, str] = {}
    for event in documents:
        doc_id, text = event.payload.get("doc_id"), event.payload.get("text")
        if isinstance(doc_id, str) and isinstance(text, str):
            texts.setdefault(doc_id, text)
    runs = [
        context.run(DOCUMENTS, document_frame(documents, (), ()), run_id, parameters),
        context.run(
            STATEMENT_EVENTS,
            statement_frame(statements, texts, (), load_actor_ids()),
            run_id,
            parameters,
        ),
    ]
    results.append(CheckResult("documents suite", runs[0].success, _describe(runs[0], "docs")))
    results.append(
        CheckResult("statement_events suite", runs[1].success, _describe(runs[1], "statements"))
    )
    _record(recorder, runs)
    results.extend(check_views(recorder, settings, run_id, raise_on_failure=False))
    results.append(CheckResult("data docs", True, str(context.docs_index)))
    return results


def _describe(run: SuiteRun, noun: str) -> str:
    if run.success:
        return f"{run.n_rows} {noun}, all {run.evaluated} expectations met"
    parts = []
    for failure in run.failures:
        count = "table" if failure.rows is None else f"{len(failure.rows)} rows"
        parts.append(f"{failure.label} ({count})")
    where = f"; see {run.docs_path}" if run.docs_path else ""
    return f"{run.n_rows} {noun}, {run.unsuccessful} expectations failed: {', '.join(parts)}{where}"


def _view_parameters(recorder: EventRecorder) -> dict[str, int]:
    return {
        "statement_events": recorder.count_events(STATEMENT_EXTRACTED),
        "current_statements": recorder.current_statement_count(),
    }


def _record(recorder: EventRecorder, runs: Sequence[SuiteRun]) -> None:
    """Add a validation_results row per run (a read-only store, as `check` opens it, adds none)."""
    if runs:
        recorder.record_validations([r.to_dict() for r in runs])


def _check_run_id(prefix: str) -> str:
    return f"{prefix}__{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}"
