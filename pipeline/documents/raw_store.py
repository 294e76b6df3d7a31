"""Raw store: fetched bytes kept gzip-compressed under their sha256, so pages can be re-extracted.

Layout: `<root>/<hh>/<sha256>.gz` plus a JSON sidecar `<sha256>.json` (url, headers,
fetched_at, ...). Every file is written to a temporary name and moved into place with
`os.replace`, so a reader never sees half a file and a crash leaves at most a stray temp.
gzip rather than zstd: zstandard is not a dependency and pages are small.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline.errors import StoreError

REF_PREFIX = "sha256:"


def content_address(data: bytes) -> str:
    """Return the ref of some bytes: 'sha256:' and their hex digest."""
    return REF_PREFIX + hashlib.sha256(data).hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write bytes to a path through a temp file in the same directory and os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class RawStoreError(StoreError):
    """A raw response is missing or does not match its address."""


class RawStore:
    """Content-addressed, compressed raw responses under one directory."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _digest(self, ref: str) -> str:
        digest = ref.removeprefix(REF_PREFIX)
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise RawStoreError(f"not a raw-store ref: {ref!r} (expected 'sha256:<64 hex>')")
        return digest

    def blob_path(self, ref: str) -> Path:
        """Return where the compressed bytes of a ref live."""
        digest = self._digest(ref)
        return self.root / digest[:2] / f"{digest}.gz"

    def meta_path(self, ref: str) -> Path:
        """Return where the JSON sidecar of a ref lives."""
        digest = self._digest(ref)
        return self.root / digest[:2] / f"{digest}.json"

    def put(self, data: bytes, meta: Mapping[str, Any] | None = None) -> str:
        """Store bytes (once) and their sidecar (if none yet); return the ref."""
        ref = content_address(data)
        blob = self.blob_path(ref)
        if not blob.exists():
            write_atomic(blob, gzip.compress(data, compresslevel=6, mtime=0))
        sidecar = self.meta_path(ref)
        if not sidecar.exists():
            body = {"ref": ref, "size": len(data), **dict(meta or {})}
            text = json.dumps(body, ensure_ascii=False, sort_keys=True, default=str, indent=1)
            write_atomic(sidecar, text.encode("utf-8"))
        return ref

    def get(self, ref: str) -> bytes:
        """Return the bytes of a ref; raise RawStoreError if missing or corrupt."""
        blob = self.blob_path(ref)
        try:
            data = gzip.decompress(blob.read_bytes())
        except FileNotFoundError as err:
            raise RawStoreError(f"raw response {ref} not in {self.root}") from err
        except (OSError, EOFError, gzip.BadGzipFile) as err:
            raise RawStoreError(f"raw response {ref} is unreadable: {err}") from err
        if content_address(data) != ref:
            raise RawStoreError(f"raw response {ref} does not match its content")
        return data

    def meta(self, ref: str) -> dict[str, Any]:
        """Return the sidecar of a ref ({} when it has none)."""
        try:
            return json.loads(self.meta_path(ref).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def exists(self, ref: str) -> bool:
        """Return True when the bytes of a ref are stored."""
        return self.blob_path(ref).exists()
