"""Local file sources as documents: the text, and what the folder's `manifest.yaml` says of
it (title, publisher, author, published date)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from pipeline.documents.model import Document, optional_date
from pipeline.errors import InputError

MANIFEST_MAX_BYTES = 1_000_000
FROM_FILE_TIME = "file modification time (no published date in manifest.yaml)"


def load_file_manifest(folder: Path) -> dict[str, dict[str, Any]]:
    """Read `manifest.yaml` beside local files (title, publisher, date per file), if any."""
    from pipeline.sources.config import load_yaml_input
    from pipeline.sources.files import read_local_file

    manifest = folder / "manifest.yaml"
    if not manifest.exists():
        return {}
    try:
        text = read_local_file(manifest, (folder,), MANIFEST_MAX_BYTES).decode("utf-8")
        data = load_yaml_input(text) or {}
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{manifest}: cannot read ({err})") from err
    except yaml.YAMLError as err:
        raise InputError(f"{manifest}: not valid YAML ({str(err)[:500]})") from err
    if not isinstance(data, dict) or not isinstance(data.get("documents", []), list):
        raise InputError(f"{manifest}: expected a mapping with a 'documents:' list")
    entries = {}
    for entry in data.get("documents", []):
        if isinstance(entry, dict) and "file" in entry:
            entries[str(entry["file"])] = {
                **entry,
                "published": optional_date(entry.get("published")),
            }
    return entries


def document_from_file(
    path: Path, source: str, roots: tuple[Path, ...] | None = None, max_bytes: int | None = None
) -> Document:
    """Read a local file source as a document, using its folder's manifest when present.

    The file is read only inside `roots` (default: its own folder), only if it is a regular
    file, and only up to `max_bytes` (pipeline.sources.files). A file the manifest gives no
    date (or that has no manifest) is dated by its modification time (UTC), and the
    document records that fallback in `published_inferred_from`."""
    from pipeline.documents.extract import document_from_text_file
    from pipeline.sources.config import DEFAULT_MAX_BYTES
    from pipeline.sources.files import read_local_file

    raw = read_local_file(path, roots or (path.parent,), max_bytes or DEFAULT_MAX_BYTES)
    entry = load_file_manifest(path.parent).get(path.name, {})
    document = document_from_text_file(
        path,
        source,
        published=entry.get("published"),
        language=entry.get("language") or "en",
        raw=raw,
    )
    inferred = document.published_inferred_from
    if entry.get("date_inferred_from"):
        inferred = " ".join(str(entry["date_inferred_from"]).split())
    if document.published is None:
        modified = datetime.fromtimestamp(path.stat().st_mtime, UTC).date()
        document = replace(document, published=modified)
        inferred = FROM_FILE_TIME
    return replace(
        document,
        title=entry.get("title") or document.title,
        publisher=entry.get("publisher") or document.publisher,
        author=entry.get("author") or document.author,
        published_inferred_from=inferred,
    )
