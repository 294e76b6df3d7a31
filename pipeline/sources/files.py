"""Local `file` sources: confined to allowed folders, regular files only, read with a size cap.

A sources file may name local files, and whatever they hold goes into the append-only log
and the BI views. So a file source must resolve (symlinks followed) inside the sources
file's own folder or a folder the file names in `file_roots:`; `../../etc/passwd`,
`/etc/shadow` or a link pointing there is refused. It must be a regular file: a FIFO would
block the reader for ever and `/dev/zero` never ends. And it is read with the same cap as a
fetched page (`fetch.max_bytes`), never whole into memory first.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from pipeline.errors import InputError

_READ_STEP = 1 << 20


class FileRefused(InputError):
    """A local file that may not be read; `reason` is a fetch failure reason."""

    def __init__(self, path: Path, reason: str, detail: str) -> None:
        self.path = path
        self.reason = reason
        self.detail = detail
        super().__init__(f"{path}: {detail}")


def confine(path: Path, roots: Sequence[Path]) -> Path:
    """Return the real path of `path` (symlinks resolved) if it lies inside one of `roots`;
    raise FileRefused ("refused-path") otherwise."""
    real = Path(os.path.realpath(path))
    for root in roots:
        base = Path(os.path.realpath(root))
        if real == base or base in real.parents:
            return real
    shown = ", ".join(str(root) for root in roots) or "(no folder allowed)"
    raise FileRefused(
        real,
        "refused-path",
        f"outside the folders file sources may be read from ({shown}); move the file there"
        " or name its folder under file_roots: in the sources file",
    )


def _open_regular(path: Path, max_bytes: int) -> tuple[int, int]:
    """Open a regular file without blocking and return (fd, size); refuse anything else."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_NOFOLLOW", 0)  # the path is already resolved: a link now is a swap
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(path, "not-a-file", f"not a regular file ({_kind(info.st_mode)})")
        if info.st_size > max_bytes:
            raise FileRefused(
                path, "too-large", f"{info.st_size} bytes, more than the cap of {max_bytes}"
            )
    except BaseException:
        os.close(fd)
        raise
    return fd, info.st_size


def check_local_file(path: Path, roots: Sequence[Path], max_bytes: int) -> Path:
    """Return the confined real path of a readable regular file within the cap, or raise
    FileRefused (OSError when it is missing or unreadable)."""
    real = confine(path, roots)
    fd, _ = _open_regular(real, max_bytes)
    os.close(fd)
    return real


def read_local_file(path: Path, roots: Sequence[Path], max_bytes: int) -> bytes:
    """Read a confined regular file of at most `max_bytes` (FileRefused or OSError else)."""
    return read_regular_file(confine(path, roots), max_bytes)


def read_regular_file(path: Path, max_bytes: int) -> bytes:
    """Read a regular file of at most `max_bytes`, links followed (FileRefused or OSError
    else): for files the operator names, such as the sources file itself."""
    real = Path(os.path.realpath(path))
    fd, _ = _open_regular(real, max_bytes)
    try:
        parts: list[bytes] = []
        total = 0
        while True:
            piece = os.read(fd, _READ_STEP)
            if not piece:
                break
            total += len(piece)
            if total > max_bytes:  # it grew while we read
                raise FileRefused(real, "too-large", f"more than the cap of {max_bytes} bytes")
            parts.append(piece)
    finally:
        os.close(fd)
    return b"".join(parts)


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"
