"""Sources: the sources file, the one HTTP client, robots.txt, feeds and discovery.

Data flows one way: `load_sources` -> `discover` (feeds polled, entries deduplicated
and filtered) -> candidates that the fetch stage reads with `fetch_candidate`.
"""

from pipeline.sources.config import (
    FetchSettings,
    Source,
    SourcesConfig,
    SourcesConfigError,
    load_sources,
    parse_sources,
)
from pipeline.sources.discover import (
    Candidate,
    DiscoverResult,
    discover,
    fetch_candidate,
    read_candidates_jsonl,
    write_candidates_jsonl,
)
from pipeline.sources.feeds import (
    FeedEntry,
    ParsedFeed,
    feed_state_from_events,
    filter_on_topic,
    match_topic,
    parse_feed,
)
from pipeline.sources.http import (
    FETCH_FAILURE_REASONS,
    FetchError,
    FetchResponse,
    HttpClient,
    fetch_failed_event,
)
from pipeline.sources.urls import (
    canonical_from_html,
    canonicalize_url,
    is_forbidden_address,
    resolve_article_url,
)

__all__ = [
    "FETCH_FAILURE_REASONS",
    "Candidate",
    "DiscoverResult",
    "FeedEntry",
    "FetchError",
    "FetchResponse",
    "FetchSettings",
    "HttpClient",
    "ParsedFeed",
    "Source",
    "SourcesConfig",
    "SourcesConfigError",
    "canonical_from_html",
    "canonicalize_url",
    "discover",
    "feed_state_from_events",
    "fetch_candidate",
    "fetch_failed_event",
    "filter_on_topic",
    "is_forbidden_address",
    "load_sources",
    "match_topic",
    "parse_feed",
    "parse_sources",
    "read_candidates_jsonl",
    "resolve_article_url",
    "write_candidates_jsonl",
]
