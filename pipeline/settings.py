"""Settings: one typed options object, read from the environment (and an optional settings
file) in one place, `load_settings`; everything else receives the Settings object."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

from pipeline.errors import InputError

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
DATA_DIR = PACKAGE_DIR / "data"
SQL_DIR = PROJECT_DIR / "sql"
EXPECTATIONS_DIR = PROJECT_DIR / "expectations"
SEEDS_DIR = PROJECT_DIR / "seeds"
DEFAULT_SOURCES = SEEDS_DIR / "offline" / "sources.yaml"


def default_snapshot_path(db_path: Path | str) -> Path | None:
    """Where the views of the log at `db_path` are published when no path is set:
    `<log folder>/snapshot/<log name>_bi.duckdb` (None for an in-memory log)."""
    if str(db_path) == ":memory:":
        return None
    path = Path(db_path)
    return path.parent / "snapshot" / f"{path.stem}_bi.duckdb"


DUCKDB_SCHEME, DUCKLAKE_SCHEME = "duckdb", "ducklake"
# A name that goes into a libpq connection string as it is: no quoting needed, nothing
# injected (a space or a quote would start another keyword).
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass(frozen=True, slots=True)
class StoreLocation:
    """Where the event log lives, parsed from a store URL (see `parse_store_url`).

    `duckdb`: a DuckDB file at `path` (or ':memory:'). `ducklake`: a DuckLake catalog in the
    PostgreSQL database `database` at `host`:`port` as `user`, its Parquet files in
    `data_path`."""

    url: str
    kind: str
    path: Path | str | None = None
    user: str | None = None
    host: str | None = None
    port: int | None = None
    database: str | None = None
    data_path: Path | None = None

    @property
    def libpq(self) -> str:
        """The PostgreSQL connection string of a DuckLake catalog (key=value form)."""
        return f"dbname={self.database} host={self.host} port={self.port} user={self.user}"

    def __str__(self) -> str:
        return self.url


def duckdb_url(db_path: Path | str) -> str:
    """The store URL of a DuckDB file (an absolute path: duckdb:///abs/path.duckdb)."""
    if str(db_path) == ":memory:":
        return "duckdb://:memory:"
    return f"duckdb://{Path(db_path).absolute()}"


def parse_store_url(url: str) -> StoreLocation:
    """Parse MONITOR_STORE_URL: `duckdb:///path/monitor.duckdb` or
    `ducklake:postgresql://USER@HOST:PORT/DB?data_path=DIR`. Raise InputError naming the
    URL and what is wrong with it."""

    def bad(why: str) -> InputError:
        return InputError(
            f"MONITOR_STORE_URL {url!r}: {why}; expected duckdb:///path/monitor.duckdb or"
            " ducklake:postgresql://USER@HOST:PORT/DB?data_path=DIR"
        )

    scheme, sep, rest = url.partition(":")
    if not sep or scheme not in (DUCKDB_SCHEME, DUCKLAKE_SCHEME):
        raise bad(f"unknown store kind {scheme!r} (duckdb or ducklake)")
    if scheme == DUCKDB_SCHEME:
        if rest == "//:memory:":
            return StoreLocation(url, DUCKDB_SCHEME, path=":memory:")
        if not rest.startswith("///") or rest == "///":
            raise bad("a DuckDB store is a file path after duckdb:// (three slashes)")
        path = Path(unquote(rest[2:]))
        if path.suffix != ".duckdb":
            raise bad(f"the DuckDB file {str(path)!r} should end in .duckdb")
        return StoreLocation(url, DUCKDB_SCHEME, path=path)
    parts = urlsplit(rest)
    if parts.scheme not in ("postgresql", "postgres"):
        raise bad("a DuckLake catalog lives in PostgreSQL: ducklake:postgresql://...")
    try:
        port = parts.port or 5432
    except ValueError:
        raise bad("the port is not a number") from None
    user, host = parts.username or "", parts.hostname or ""
    database = parts.path.lstrip("/")
    for name, value in (("user", user), ("host", host), ("database", database)):
        if not value:
            raise bad(f"no {name} given")
        if not _PLAIN_NAME.match(value):
            raise bad(f"the {name} {value!r} may hold only letters, digits, '_', '.', '-'")
    if parts.password:
        raise bad("put no password in the URL (use ~/.pgpass or trust authentication)")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - {"data_path"})
    if unknown:
        raise bad(f"unknown option(s) {', '.join(unknown)} (only data_path)")
    data_path = (query.get("data_path") or [""])[-1]
    if not data_path:
        raise bad("no data_path=DIR given (the folder of the lake's Parquet files)")
    return StoreLocation(
        url,
        DUCKLAKE_SCHEME,
        user=user,
        host=host,
        port=port,
        database=database,
        data_path=Path(data_path),
    )


@dataclass(frozen=True)
class Settings:
    """Where things live and how the pipeline behaves; passed down, never global."""

    db_path: Path = PROJECT_DIR / "warehouse" / "monitor.duckdb"
    # Where the event log lives (MONITOR_STORE_URL): None is the DuckDB file at db_path; a
    # ducklake: URL puts it in a DuckLake (catalog in PostgreSQL). The warehouse folder (run
    # folders, raw pages, the views file) stays beside db_path either way.
    store_url: str | None = None
    snapshot_path: Path | None = None
    raw_dir: Path | None = None
    # Where Great Expectations keeps its results and Data Docs (<docs_dir>/gx/...; default
    # the warehouse): compose puts them on a volume of their own that a static server reads.
    docs_dir: Path | None = None
    # Where `monitor report` and the rebuild_views DAG write the static HTML report
    # (default <warehouse>/report): a link to the latest complete site, swapped atomically.
    report_dir: Path | None = None
    sources_path: Path = DEFAULT_SOURCES
    quarantine_threshold: float = 0.2
    # The gate fails only when the refused rows come from at least this many documents: the
    # threshold guards against a broken extractor, not against one bad article.
    quarantine_min_documents: int = 3
    # How long a command waits for another process (a reader or a writer) to release the
    # event log before it gives up: DuckDB lets no writer in while anyone has the file open.
    lock_wait_s: float = 60.0
    # A run whose feeds (or article fetches) fail beyond this share, or all of them, fails
    # its task after recording each failure: an outage must not look like a quiet day.
    source_failure_threshold: float = 0.8
    # Growth without news: run folders older than this are removed after each append, and
    # Great Expectations keeps results and Data Docs pages of this many runs (0: keep all).
    run_retention_days: float = 14.0
    docs_keep_runs: int = 30
    # Stance-change alerts (pipeline/alerts): a Slack-compatible webhook URL and/or the
    # addresses mailed a digest through the SMTP server below; none set: no alert is sent.
    alert_webhook: str | None = None
    alert_email: tuple[str, ...] = ()
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_sender: str = "monitor@localhost"
    # How long one delivery (a webhook POST, an SMTP session) may take before it counts as
    # failed and is retried on the next run.
    alert_timeout_s: float = 10.0
    # At most this many changes per channel and run (oldest first; the rest wait for the next
    # run): a first run over a long log, or a reprocess, must not post hundreds at once.
    alert_max_per_run: int = 50
    # A failed task's own alert (the DAGs' failure callback): how long its webhook POST may
    # take, and how often it tries to record the failure in a busy log (waiting 2, 4, 8 s...).
    failure_alert_timeout_s: float = 5.0
    failure_record_attempts: int = 5
    # Airflow: the schedule of ingest_news (None: manual runs only), a cap on every task's
    # retries (`make run` sets 0 so a failure shows at once), the writer pool's size (more
    # than 1 only on the DuckLake store, which takes concurrent writers).
    schedule: str | None = "@daily"
    retries_cap: int | None = None
    writer_pool_slots: int = 1
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def store(self) -> StoreLocation:
        """Where the event log lives, parsed (see `parse_store_url`)."""
        return parse_store_url(self.store_url or duckdb_url(self.db_path))

    @property
    def warehouse_dir(self) -> Path:
        return self.db_path.parent

    @property
    def bi_snapshot_path(self) -> Path:
        """The views file: built aside by every rebuild and renamed into place; BI tools and
        the CLI open it read-only."""
        return self.snapshot_path or default_snapshot_path(self.db_path)

    @property
    def gx_project_dir(self) -> Path:
        """The folder holding Great Expectations' `gx/` (results, Data Docs)."""
        return self.docs_dir or self.warehouse_dir

    @property
    def report_path(self) -> Path:
        """The static HTML report built from the BI snapshot (see pipeline/report)."""
        return self.report_dir or self.warehouse_dir / "report"

    @property
    def raw_store_dir(self) -> Path:
        """Content-addressed raw HTTP responses, so documents can be re-extracted."""
        return self.raw_dir or self.warehouse_dir / "raw"

    def with_db(self, db_path: Path | str | None) -> Settings:
        """These settings with the event log in the DuckDB file `db_path` (--db): a log
        named by path is that file, whatever MONITOR_STORE_URL says."""
        if db_path is None:
            return self
        return replace(self, db_path=Path(db_path), store_url=None)


# -- reading the environment and the settings file -------------------------------------------
# The only place that reads either (a test holds every other module to it). Each variable
# names the Settings field it sets and how its text is read; a value that cannot be read is
# an InputError naming the variable, the value and what was expected.


def _path(raw: str) -> Path:
    return Path(raw)


def _text(raw: str) -> str:
    return raw


def _number(low: float) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        value = float(raw)
        if not value >= low:  # also refuses nan
            raise ValueError(f"expected a number, {low:g} or more")
        return value

    parse.expects = f"a number, {low:g} or more"  # type: ignore[attr-defined]
    return parse


def _whole(low: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        if not raw.strip().lstrip("-").isdigit() or int(raw) < low:
            raise ValueError
        return int(raw)

    parse.expects = f"a whole number, {low} or more"  # type: ignore[attr-defined]
    return parse


def _addresses(raw: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in raw.split(",") if a.strip())


def _schedule(raw: str) -> str | None:
    return None if raw.lower() in ("", "none", "manual") else raw


# name: (Settings field, how its text is read). Empty values are unset, except for
# MONITOR_SCHEDULE, where "" (like "none") means manual runs only.
ENVIRONMENT: dict[str, tuple[str, Callable[[str], Any]]] = {
    "MONITOR_DB": ("db_path", _path),
    "MONITOR_SNAPSHOT": ("snapshot_path", _path),
    "MONITOR_RAW_DIR": ("raw_dir", _path),
    "MONITOR_DOCS_DIR": ("docs_dir", _path),
    "MONITOR_REPORT_DIR": ("report_dir", _path),
    "MONITOR_SOURCES": ("sources_path", _path),
    "MONITOR_QUARANTINE_THRESHOLD": ("quarantine_threshold", _number(0)),
    "MONITOR_QUARANTINE_MIN_DOCUMENTS": ("quarantine_min_documents", _whole(0)),
    "MONITOR_RUN_RETENTION_DAYS": ("run_retention_days", _number(0)),
    "MONITOR_DOCS_KEEP_RUNS": ("docs_keep_runs", _whole(0)),
    "MONITOR_SOURCE_FAILURE_THRESHOLD": ("source_failure_threshold", _number(0)),
    "MONITOR_LOCK_WAIT": ("lock_wait_s", _number(0)),
    "MONITOR_ALERT_WEBHOOK": ("alert_webhook", _text),
    "MONITOR_ALERT_EMAIL": ("alert_email", _addresses),
    "MONITOR_SMTP_HOST": ("smtp_host", _text),
    "MONITOR_SMTP_PORT": ("smtp_port", _whole(1)),
    "MONITOR_SMTP_SENDER": ("smtp_sender", _text),
    "MONITOR_ALERT_MAX_PER_RUN": ("alert_max_per_run", _whole(1)),
    "MONITOR_ALERT_TIMEOUT": ("alert_timeout_s", _number(0.001)),
    "MONITOR_FAILURE_ALERT_TIMEOUT": ("failure_alert_timeout_s", _number(0.001)),
    "MONITOR_FAILURE_RECORD_ATTEMPTS": ("failure_record_attempts", _whole(1)),
    "MONITOR_SCHEDULE": ("schedule", _schedule),
    "MONITOR_RETRIES": ("retries_cap", _whole(0)),
    "MONITOR_WRITER_POOL_SLOTS": ("writer_pool_slots", _whole(1)),
}
_KEEPS_EMPTY = frozenset({"MONITOR_SCHEDULE"})


def load_settings(env: Mapping[str, str] | None = None, file: Path | str | None = None) -> Settings:
    """Build the settings: defaults, then the settings `file` (a YAML mapping of the same
    MONITOR_* names, for values an operator keeps in a file), then the environment (`env`,
    default os.environ), which wins. Raise InputError naming the variable (and the file)
    and why its value is refused."""
    env = os.environ if env is None else env
    values: dict[str, tuple[str, str]] = {}  # name -> (raw text, where it came from)
    if file is not None:
        values.update(
            (name, (raw, f"{name} in {file}")) for name, raw in _read_settings_file(Path(file))
        )
    for name in ENVIRONMENT.keys() | {"MONITOR_STORE_URL"}:
        if name in env:
            values[name] = (env[name], name)
    changes: dict[str, Any] = {}
    for name, (raw, where) in values.items():
        raw = raw.strip()
        if name == "MONITOR_STORE_URL" or (not raw and name not in _KEEPS_EMPTY):
            continue
        field_name, parse = ENVIRONMENT[name]
        try:
            changes[field_name] = parse(raw)
        except ValueError as error:
            expects = getattr(parse, "expects", None) or str(error) or "another value"
            raise InputError(f"{where}={raw!r}: expected {expects}") from None
    settings = replace(Settings(), **changes)
    store_url = values.get("MONITOR_STORE_URL", ("", ""))[0].strip()
    if store_url:
        location = parse_store_url(store_url)  # a bad URL fails here, named
        if location.kind == DUCKDB_SCHEME and location.path != ":memory:":
            settings = replace(settings, db_path=Path(location.path))
        else:
            settings = replace(settings, store_url=location.url)
    if settings.writer_pool_slots > 1 and settings.store.kind != DUCKLAKE_SCHEME:
        raise InputError(
            f"MONITOR_WRITER_POOL_SLOTS={settings.writer_pool_slots}: the DuckDB store allows"
            " one writing process per file, so its pool keeps 1 slot; more slots need the"
            " DuckLake store (MONITOR_STORE_URL=ducklake:...)"
        )
    return settings


def _read_settings_file(path: Path) -> list[tuple[str, str]]:
    """The MONITOR_* names and values of a settings file (YAML mapping)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise InputError(f"settings file {path}: cannot be read ({error})") from None
    if data is None:
        return []
    if not isinstance(data, Mapping):
        raise InputError(f"settings file {path}: expected a mapping of MONITOR_* names")
    known = ENVIRONMENT.keys() | {"MONITOR_STORE_URL"}
    unknown = sorted(str(name) for name in data if name not in known)
    if unknown:
        raise InputError(f"settings file {path}: unknown setting(s) {', '.join(unknown)}")
    return [(str(name), "" if value is None else str(value)) for name, value in data.items()]
