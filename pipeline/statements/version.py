"""The extractor's version: the code's version plus a digest of the data the extractor reads.

A vocabulary, the actor registry or the classifier's weights change what the extractor
finds as surely as its code does. Deriving the version from their bytes means every data
change gives a new version, so reprocessing supersedes the old extractions, with no
number to remember to bump.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from pipeline.settings import DATA_DIR

# What the extractor reads under the data root: these files, and these folders whole.
EXTRACTOR_DATA_FILES = ("actors.yaml", "cues.yaml", "topics.yaml")
EXTRACTOR_DATA_FOLDERS = ("models",)
DIGEST_LENGTH = 10


def extractor_version(code_version: str, data_root: Path = DATA_DIR) -> str:
    """Return the code's version with the digest of the extractor's data: "0.1.1+3f0c9a12be"."""
    return f"{code_version}+{_cached_digest(data_root)}"


@lru_cache(maxsize=4)
def _cached_digest(data_root: Path) -> str:
    # Once per process: a version must not change under a running extractor.
    return data_digest(data_root)


def data_digest(data_root: Path = DATA_DIR) -> str:
    """Hash the extractor's data files, in sorted path order, each as its path and bytes."""
    digest = hashlib.sha256()
    for relative, path in sorted(_extractor_data(data_root)):
        content = path.read_bytes()
        # Path and length first, so no two different sets of files hash the same stream.
        digest.update(f"{relative}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()[:DIGEST_LENGTH]


def _extractor_data(data_root: Path) -> Iterator[tuple[str, Path]]:
    """Yield (path relative to the root, path) for each data file the extractor reads."""
    for name in EXTRACTOR_DATA_FILES:
        yield name, data_root / name  # a missing vocabulary fails loudly when read
    for folder in EXTRACTOR_DATA_FOLDERS:
        for path in (data_root / folder).rglob("*"):
            if path.is_file():
                yield path.relative_to(data_root).as_posix(), path
