"""The sources file: which feeds, pages and files to read, the topic filter, fetch settings.

The format is the one in the interfaces spec (`sources:`, `keywords:`, `fetch:`).
Loading validates everything up front and names the file and the entry at fault, so
a bad sources file fails before any request is made.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from pipeline.errors import InputError
from pipeline.sources.files import FileRefused, confine, read_regular_file
from pipeline.sources.urls import InvalidUrl, check_url, parse_host_entry, shorten

SOURCE_KINDS = ("feed", "page", "file")
DEFAULT_USER_AGENT = (
    "UkraineGuaranteesMonitor/0.1 (+https://github.com/ukraine-guarantees-monitor/monitor)"
)
DEFAULT_MAX_BYTES = 5_000_000

_TOP_LEVEL_KEYS = {"sources", "keywords", "fetch", "file_roots", "offline_corpus"}
_SOURCE_KEYS = {"name", "url", "kind", "language", "keywords"}


class SourcesConfigError(InputError):
    """The sources file cannot be used; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How the HTTP client behaves: limits, politeness and which private hosts are allowed."""

    allow_hosts: tuple[str, ...] = ()
    user_agent: str = DEFAULT_USER_AGENT
    max_bytes: int = DEFAULT_MAX_BYTES
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 30.0
    total_timeout_s: float = 90.0
    max_redirects: int = 5
    per_host_delay_s: float = 1.0
    retries: int = 2
    backoff_s: float = 1.0
    # The longest one response's Retry-After (or backoff) is waited for ...
    max_retry_after_s: float = 60.0
    # ... and the most all the retry waits for one host may add up to in one run.
    max_host_wait_s: float = 180.0
    # After this many failed fetches in a row from one host, its circuit opens: the rest of
    # the run's URLs on that host fail at once as `circuit-open`, to be tried next run.
    circuit_failures: int = 3
    # The fetch stage stops starting fetches after this long; what is left is `deferred`
    # (recorded, and fetched first thing next run). Below the fetch task's 1 h time limit.
    stage_budget_s: float = 2400.0


@dataclass(frozen=True, slots=True)
class Source:
    """One entry of the sources file; `keywords` None means "use the file's keywords"."""

    name: str
    url: str
    kind: str
    language: str | None = None
    keywords: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class SourcesConfig:
    """A validated sources file."""

    sources: tuple[Source, ...]
    keywords: tuple[str, ...] = ()
    fetch: FetchSettings = field(default_factory=FetchSettings)
    path: Path | None = None
    # Further folders `file` sources may be read from (the sources file's own always may).
    file_roots: tuple[Path, ...] = ()
    # Serve the bundled offline corpus (seeds/offline/site) on 127.0.0.1:8123 while this
    # file's sources are read: `offline_corpus: true`, wherever the file lives.
    offline_corpus: bool = False

    def keywords_for(self, source: Source) -> tuple[str, ...]:
        """Return the topic keywords that apply to a source (its own, else the file's)."""
        return self.keywords if source.keywords is None else source.keywords

    def allowed_file_roots(self) -> tuple[Path, ...]:
        """Return the folders `file` sources may be read from."""
        own = (self.path.parent,) if self.path else ()
        return own + self.file_roots

    def file_path(self, source: Source) -> Path:
        """Return the real local path of a `file` source (relative paths taken from the
        sources file's folder); raise FileRefused when it lies outside the allowed folders."""
        path = resolve_file_path(source.url, self.path.parent if self.path else None)
        return confine(path, self.allowed_file_roots())


def resolve_file_path(url: str, base_dir: Path | None = None) -> Path:
    """Turn a `file` source's url (a path or a file:// URI) into a path."""
    if url.startswith("file://"):
        return Path(unquote(urlsplit(url).path))
    path = Path(url).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return path


MAX_NAME_CHARS = 200  # a source's name is in every event about it
# A sources file is a page of YAML; anything far bigger is a mistake or an attack.
SOURCES_MAX_BYTES = 1_000_000


class _NoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing aliases (`*name`): a few lines of anchors and aliases
    expand to billions of values ("billion laughs") as soon as anything walks them."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed: write the value out", event.start_mark
            )
        return super().compose_node(parent, index)


def load_yaml_input(text: str) -> Any:
    """Parse YAML from outside: safe types only, no aliases; yaml.YAMLError when refused."""
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except RecursionError:
        raise yaml.YAMLError("nested too deeply") from None


def shown(value: Any, limit: int = 60) -> str:
    """Show an outside value in a message: short strings and scalars as they are, long ones
    cut, and lists or mappings only by their type, never whole."""
    if isinstance(value, str):
        return repr(shorten(value, limit))
    if value is None or isinstance(value, bool | int | float):
        return shorten(repr(value), limit)
    return f"a {type(value).__name__}"


def load_sources(path: Path | str) -> SourcesConfig:
    """Read and validate a sources YAML file."""
    path = Path(path)
    try:
        text = read_regular_file(path, SOURCES_MAX_BYTES).decode("utf-8")
    except FileNotFoundError:
        raise SourcesConfigError(f"{path}: sources file not found") from None
    except FileRefused as exc:
        raise SourcesConfigError(f"{path}: cannot read sources file: {exc.detail}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourcesConfigError(f"{path}: cannot read sources file: {exc}") from None
    try:
        data = load_yaml_input(text)
    except yaml.YAMLError as exc:
        raise SourcesConfigError(f"{path}: not valid YAML: {shorten(str(exc), 500)}") from None
    return parse_sources(data, origin=str(path), path=path)


def parse_sources(data: Any, origin: str = "<sources>", path: Path | None = None) -> SourcesConfig:
    """Validate already-parsed YAML data and build the typed config."""
    if not isinstance(data, Mapping):
        raise SourcesConfigError(
            f"{origin}: expected a mapping with a 'sources:' list at the top level"
        )
    unknown = _unknown_keys(data, _TOP_LEVEL_KEYS)
    if unknown:
        raise SourcesConfigError(
            f"{origin}: unknown top-level key(s) {unknown}: "
            f"use {', '.join(sorted(_TOP_LEVEL_KEYS))}"
        )
    raw_sources = data.get("sources")
    if not isinstance(raw_sources, list) or not raw_sources:
        raise SourcesConfigError(f"{origin}: 'sources:' must be a non-empty list of entries")
    keywords = _keywords(data.get("keywords"), f"{origin}: keywords")
    fetch = _fetch_settings(data.get("fetch"), origin)
    base = path.parent if path else None
    file_roots = _file_roots(data.get("file_roots"), origin, base)
    sources: list[Source] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(raw_sources):
        source = _source(entry, f"{origin}: sources[{index}]")
        if source.name in seen:
            raise SourcesConfigError(
                f"{origin}: sources[{index}] ({shown(source.name)}): duplicate name, already used"
                f" by sources[{seen[source.name]}]: names must be unique"
            )
        seen[source.name] = index
        sources.append(source)
    offline = data.get("offline_corpus", False)
    if not isinstance(offline, bool):
        raise SourcesConfigError(f"{origin}: offline_corpus must be true or false")
    config = SourcesConfig(
        sources=tuple(sources),
        keywords=keywords,
        fetch=fetch,
        path=path,
        file_roots=file_roots,
        offline_corpus=offline,
    )
    for index, source in enumerate(config.sources):
        if source.kind == "file":
            try:
                config.file_path(source)
            except FileRefused as exc:
                raise SourcesConfigError(
                    f"{origin}: sources[{index}] ({shown(source.name)}): file"
                    f" {shorten(source.url, 100)!r} resolves to {exc}"
                ) from None
    return config


def _file_roots(value: Any, origin: str, base: Path | None) -> tuple[Path, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise SourcesConfigError(
            f"{origin}: file_roots must be a list of folders (relative to the sources file)"
        )
    roots = []
    for entry in value:
        root = resolve_file_path(entry.strip(), base)
        if not root.is_dir():
            raise SourcesConfigError(
                f"{origin}: file_roots entry {shorten(entry, 100)!r} is not a folder ({root})"
            )
        roots.append(root)
    return tuple(roots)


def _unknown_keys(data: Mapping[Any, Any], known: set[str]) -> str:
    """Name the keys not in `known`, each shown short, at most five ("" when none)."""
    unknown = sorted(
        shorten(key, 40) if isinstance(key, str) else shown(key, 40)
        for key in data
        if not (isinstance(key, str) and key in known)
    )
    return ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")


def _source(entry: Any, where: str) -> Source:
    if not isinstance(entry, Mapping):
        raise SourcesConfigError(f"{where}: expected a mapping with name, url and kind")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SourcesConfigError(f"{where}: missing 'name' (a unique non-empty string)")
    name = name.strip()
    if len(name) > MAX_NAME_CHARS or "\n" in name:
        raise SourcesConfigError(
            f"{where} ({shown(name)}): a name is one line of at most {MAX_NAME_CHARS} characters"
        )
    where = f"{where} ({shown(name)})"
    unknown = _unknown_keys(entry, _SOURCE_KEYS)
    if unknown:
        raise SourcesConfigError(
            f"{where}: unknown key(s) {unknown}: use {', '.join(sorted(_SOURCE_KEYS))}"
        )
    kind = entry.get("kind")
    if not isinstance(kind, str) or kind not in SOURCE_KINDS:
        raise SourcesConfigError(
            f"{where}: unknown kind {shown(kind)}: use one of {', '.join(SOURCE_KINDS)}"
        )
    url = entry.get("url")
    if not isinstance(url, str) or not url.strip():
        raise SourcesConfigError(f"{where}: missing 'url'")
    url = url.strip()
    if kind in ("feed", "page"):
        try:
            check_url(url)
        except InvalidUrl as exc:
            raise SourcesConfigError(
                f"{where}: url {shown(url, 100)} must be an absolute http(s) URL for kind"
                f" {kind!r}: {exc}"
            ) from None
    language = entry.get("language")
    if language is not None and (not isinstance(language, str) or not language.strip()):
        raise SourcesConfigError(f"{where}: 'language' must be a string such as 'en'")
    keywords = None
    if "keywords" in entry:
        keywords = _keywords(entry.get("keywords"), f"{where}: keywords")
    return Source(
        name=name,
        url=url,
        kind=kind,
        language=language.strip() if language else None,
        keywords=keywords,
    )


def _keywords(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(k, str) and k.strip() for k in value):
        raise SourcesConfigError(f"{where}: must be a list of non-empty strings")
    return tuple(dict.fromkeys(k.strip() for k in value))


_FETCH_NUMBERS: dict[str, tuple[type, float]] = {
    # key: (type, smallest allowed value)
    "max_bytes": (int, 1),
    "connect_timeout_s": (float, 0.001),
    "read_timeout_s": (float, 0.001),
    "total_timeout_s": (float, 0.001),
    "max_redirects": (int, 0),
    "per_host_delay_s": (float, 0),
    "retries": (int, 0),
    "backoff_s": (float, 0),
    "max_retry_after_s": (float, 0),
    "max_host_wait_s": (float, 0),
    "circuit_failures": (int, 1),
    "stage_budget_s": (float, 1),
}


def _fetch_settings(value: Any, origin: str) -> FetchSettings:
    if value is None:
        return FetchSettings()
    where = f"{origin}: fetch"
    if not isinstance(value, Mapping):
        raise SourcesConfigError(f"{where}: expected a mapping")
    known = {"allow_hosts", "user_agent", *_FETCH_NUMBERS}
    unknown = _unknown_keys(value, known)
    if unknown:
        raise SourcesConfigError(
            f"{where}: unknown key(s) {unknown}: use {', '.join(sorted(known))}"
        )
    options: dict[str, Any] = {}
    if "allow_hosts" in value:
        hosts = value["allow_hosts"] or []
        if not isinstance(hosts, list):
            raise SourcesConfigError(
                f"{where}: allow_hosts must be a list of 'host' or 'host:port' strings"
            )
        for index, host in enumerate(hosts):
            try:
                parse_host_entry(host)
            except ValueError as exc:
                raise SourcesConfigError(
                    f"{where}: allow_hosts[{index}] {shown(host)}: {exc}; write 'host' or"
                    " 'host:port' (port 1-65535), an IPv6 address as '[::1]' or '[::1]:8080'"
                ) from None
        options["allow_hosts"] = tuple(h.strip().lower() for h in hosts)
    if "user_agent" in value:
        agent = value["user_agent"]
        if not isinstance(agent, str) or not agent.strip() or "\n" in agent or "\r" in agent:
            raise SourcesConfigError(f"{where}: user_agent must be a one-line non-empty string")
        options["user_agent"] = agent.strip()
    for key, (kind, minimum) in _FETCH_NUMBERS.items():
        if key not in value:
            continue
        number = value[key]
        valid = isinstance(number, int | float) and not isinstance(number, bool)
        if valid and kind is int:
            valid = isinstance(number, int) or float(number).is_integer()
        if not valid or not math.isfinite(number) or number < minimum:
            raise SourcesConfigError(
                f"{where}: {key} must be a {'whole ' if kind is int else ''}number "
                f">= {minimum:g}, got {shown(number)}"
            )
        options[key] = kind(number)
    return FetchSettings(**options)
