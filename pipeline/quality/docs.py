"""Great Expectations Data Docs: the HTML report ops staff open, under <GX folder>/gx.

GX writes pages that load bootstrap, jquery, popper, bootstrap-table, bootstrap-datepicker,
font-awesome, bootstrap-dark and vega from public CDNs, and their logo from GX's web bucket
(with the data context's id in the query string). Offline those pages stay blank, and online
every view tells third parties it was opened. So each page GX writes is rewritten here to load
the same files from the site itself: the exact versions GX 1.x names, vendored in
`docs_assets/` (see its README: sources and licences), copied to `static/vendor/` in the site.
Links a reader may click (GX's documentation) are left as they are: they load nothing.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path

from pipeline.settings import Settings

DOCS_SITE = "local_site"
ASSETS_DIR = Path(__file__).resolve().parent / "docs_assets"
VENDOR = Path("static") / "vendor"
LOGO = Path("static") / "images" / "logo-long.png"  # shipped in the site by GX itself
log = logging.getLogger(__name__)

# Each CDN address GX 1.x's templates load, and the vendored file that replaces it.
CDN_ASSETS = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
        "bootstrap-4.3.1/bootstrap.min.css"
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        "bootstrap-4.3.1/bootstrap.min.js"
    ),
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": (
        "popper.js-1.12.9/popper.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        "bootstrap-table-1.19.1/bootstrap-table.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        "bootstrap-table-1.19.1/bootstrap-table.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js": (
        "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css": (
        "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css": (
        "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css": ("bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.css"),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js": ("bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
        "fontawesome-free-6.6.0/css/all.min.css"
    ),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
    "bootstrap-prefers-dark.css": ("bootstrap-dark-1.1.0/bootstrap-prefers-dark.min.css"),
    "https://cdn.jsdelivr.net/npm/vega@5": "vega-5.33.1/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite-5.23.0/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed-6.29.0/vega-embed.min.js",
}
# GX's logo (and its dark variant) from its web bucket, query string and all.
_GX_WEB_ASSETS = re.compile(r"https://great-expectations-web-assets\.s3[^\s\"')]*")
# An address a page would load by itself: in src/href of script, link, img, or CSS url().
_LOADED = re.compile(
    r"""<(?:script|img|source)\b[^>]*?\b(?:src|srcset)=["'](https?://[^"']+)"""
    r"""|<link\b[^>]*?\bhref=["'](https?://[^"']+)"""
    r"""|url\(\s*["']?(https?://[^"')]+)""",
    re.IGNORECASE,
)
_HOSTS = ("cdn", "unpkg.com", "code.jquery.com", "great-expectations-web-assets")


def docs_index_path(settings: Settings) -> Path:
    """Return where the Data Docs front page is (it exists once a suite has run)."""
    return settings.gx_project_dir / "gx" / "uncommitted" / "data_docs" / DOCS_SITE / "index.html"


def build_data_docs(settings: Settings) -> Path:
    """Rebuild the Data Docs site from every stored validation result; return index.html."""
    from pipeline.quality.context import quality_context

    return quality_context(settings).build_docs()


def localise_site(site: Path) -> int:
    """Make every page of the Data Docs site at `site` load its assets from the site: copy the
    vendored files into `static/vendor/` (once) and rewrite the CDN addresses GX wrote. Return
    how many pages were rewritten; log any external address still loaded (a GX upgrade that
    names new assets: add them to CDN_ASSETS and docs_assets/)."""
    if not site.is_dir():
        return 0
    vendor = site / VENDOR
    if not (vendor / ".complete").exists():
        shutil.copytree(ASSETS_DIR, vendor, dirs_exist_ok=True)
        (vendor / ".complete").write_text("copied from pipeline/quality/docs_assets\n")
    rewritten = 0
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if not any(host in text for host in _HOSTS):
            continue
        local = localise_page(text, page.parent, site)
        if local != text:
            _write(page, local)
            rewritten += 1
        left = sorted({next(g for g in m.groups() if g) for m in _LOADED.finditer(local)})
        if left:
            log.warning("%s still loads from outside: %s", page, ", ".join(left))
    return rewritten


def localise_page(html: str, folder: Path, site: Path) -> str:
    """Rewrite one page's CDN addresses to the vendored files (paths relative to `folder`)."""
    for address, asset in CDN_ASSETS.items():
        local = os.path.relpath(site / VENDOR / asset, folder)
        html = html.replace(f'"{address}"', f'"{local}"').replace(f"'{address}'", f"'{local}'")
    logo = os.path.relpath(site / LOGO, folder)
    return _GX_WEB_ASSETS.sub(logo, html)


def _write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
