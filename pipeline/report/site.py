"""Rendering the pages and writing the site: the report's only I/O.

A site is built complete into a new folder beside the report's path, then the path (a
symbolic link) is switched to it in one rename: a reader, a static server or a browser,
sees the previous site or the new one, never half of one. The two newest sites are kept,
so a reader in the middle of the previous one can finish.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import jinja2

from pipeline.errors import MonitorError
from pipeline.report.pages import Page

TEMPLATES_DIR = Path(__file__).with_name("templates")
STATIC_DIR = Path(__file__).with_name("static")
# A file in every site this module writes: a folder without it is not replaced.
MARKER = ".monitor-report"
KEEP_SITES = 2
# A build folder untouched this long was left by a killed build (a live one writes on).
STALE_BUILD_S = 3600.0


def template_environment() -> jinja2.Environment:
    """The templates of pipeline/report/templates, every value HTML-escaped."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and Vega-Embed in one classic script (it sets window.vegaEmbed),
    from the vl-convert-python package: nothing is downloaded."""
    import vl_convert

    versions = (
        f"Vega {vl_convert.get_vega_version()}, Vega-Lite {vl_convert.get_vegalite_versions()[-1]},"
        f" Vega-Embed {vl_convert.get_vega_embed_version()}"
    )
    header = f"/* {versions} (BSD-3-Clause, the Vega project), bundled by vl-convert-python. */\n"
    return header + vl_convert.javascript_bundle()


def render_site(pages: Iterable[Page]) -> Iterator[tuple[str, str]]:
    """Every file of the site as (path inside it, text): the pages, rendered one at a time
    as they come, then the assets."""
    env = template_environment()
    for page in pages:
        yield page.path, env.get_template(page.template).render(page.context)
    yield "assets/vega-bundle.js", vega_bundle()
    for name in ("report.js", "report.css"):
        yield f"assets/{name}", (STATIC_DIR / name).read_text(encoding="utf-8")
    yield MARKER, "Written by `monitor report`; replaced whole by the next report.\n"


def publish_site(files: Iterable[tuple[str, str]] | Mapping[str, str], out: Path) -> Path:
    """Write `files` ((path, text) pairs) as a new site and switch `out` (a symbolic link)
    to it atomically; return `out`. `out` may be missing, a link, an empty folder or an
    earlier report."""
    out = Path(out)
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    existing = _replaceable(out)
    _remove_stale_builds(parent, out.name)
    stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}.{os.getpid()}"
    building = parent / f".{out.name}.{stamp}.tmp"
    site = parent / f".{out.name}.{stamp}"
    pairs = files.items() if isinstance(files, Mapping) else files
    try:
        building.mkdir()
        root = building.resolve()
        for relative, text in pairs:
            target = building / relative
            if root not in target.resolve().parents:
                raise MonitorError(f"{relative}: a report page must stay inside the site")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        building.rename(site)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    link = parent / f".{out.name}.{stamp}.link"
    os.symlink(site.name, link)  # relative: the site moves with its folder (a volume)
    if existing == "folder":  # an earlier report written as a plain folder: kept as an old site
        out.rename(parent / f".{out.name}.00000000T000000000000.{os.getpid()}")
    elif existing == "empty":
        out.rmdir()
    os.replace(link, out)
    _prune_sites(parent, out)
    return out


def _replaceable(out: Path) -> str:
    """How `out` is replaced ("missing", "link", "empty", "folder"); anything else is not
    ours to replace."""
    if out.is_symlink():
        return "link"
    if not out.exists():
        return "missing"
    if out.is_dir():
        if not any(out.iterdir()):
            return "empty"
        if (out / MARKER).exists():
            return "folder"
    raise MonitorError(
        f"{out}: exists and is not a report written by `monitor report`;"
        " remove it or pass another --out"
    )


def _sites(parent: Path, name: str) -> list[Path]:
    pattern = re.compile(rf"^\.{re.escape(name)}\.\d{{8}}T\d{{12}}\.\d+$")
    return sorted(p for p in parent.iterdir() if pattern.match(p.name) and p.is_dir())


def _prune_sites(parent: Path, out: Path) -> None:
    current = out.resolve()
    for old in _sites(parent, out.name)[:-KEEP_SITES]:
        if old.resolve() != current:
            shutil.rmtree(old, ignore_errors=True)


def _remove_stale_builds(parent: Path, name: str) -> None:
    cutoff = time.time() - STALE_BUILD_S
    for pattern in (f".{name}.*.tmp", f".{name}.*.link"):
        for leftover in parent.glob(pattern):
            if leftover.lstat().st_mtime < cutoff:
                if leftover.is_dir() and not leftover.is_symlink():
                    shutil.rmtree(leftover, ignore_errors=True)
                else:
                    leftover.unlink(missing_ok=True)
