"""Export the public views of the BI snapshot to CSV or Parquet files, for analysts without
a BI tool. Names are checked against the view files' public relations before DuckDB sees
them; the files are written through DuckDB's relation API (no SQL is assembled here)."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from pipeline.errors import InputError, StoreError
from pipeline.store.duckdb_store import connect
from pipeline.store.views import public_relations

EXPORT_FORMATS = ("csv", "parquet")


def check_view_name(name: str) -> str:
    """Return `name` if it is a public view of the snapshot, else raise InputError listing
    them."""
    names = public_relations()
    if name not in names:
        raise InputError(f"unknown view {name!r}; one of: {', '.join(names)}")
    return name


def export_views(
    snapshot: Path, out: Path, fmt: str, view: str | None = None
) -> list[tuple[str, Path]]:
    """Write one view (`out` is then the file) or every public view (`out` is a folder, one
    `<view>.<fmt>` each) from the snapshot; return (view, file) pairs. Each file is written
    aside and renamed into place, so a reader never opens half a file."""
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"unknown export format {fmt!r}; one of: {', '.join(EXPORT_FORMATS)}")
    names = [check_view_name(view)] if view else public_relations()
    if not snapshot.exists():
        raise StoreError(f"{snapshot}: no BI snapshot yet; run `monitor views`")
    targets = [(out if view else out / f"{name}.{fmt}") for name in names]
    con = connect(snapshot, read_only=True)
    written = []
    try:
        for name, target in zip(names, targets, strict=True):
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            relation = con.table(name)
            try:
                if fmt == "csv":
                    relation.write_csv(str(temporary), header=True)
                else:
                    relation.write_parquet(str(temporary))
                os.replace(temporary, target)
            except (duckdb.Error, OSError) as err:
                temporary.unlink(missing_ok=True)
                raise StoreError(f"{target}: cannot export view {name}: {err}") from err
            written.append((name, target))
    finally:
        con.close()
    return written
