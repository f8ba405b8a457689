"""Sphinx extension: make the rendered book readable offline.

MathJax normally loads from a CDN when a page opens.  This extension copies
MathJax 3 (the ``es5`` bundle shipped by the PyPI package
``django-static-mathjax``, pinned in pyproject.toml) into ``_static/mathjax``
of the HTML output, and ``_config.yml`` points ``mathjax_path`` there, so
every page typesets its math without network.  The build fails with a clear
message if the package is missing.
"""

from __future__ import annotations

import re
import shutil
from importlib import metadata
from pathlib import Path

from sphinx.errors import ExtensionError

MATHJAX_DIST = "django-static-mathjax"
ENTRY = "tex-mml-chtml.js"


def mathjax_es5() -> Path:
    try:
        dist = metadata.distribution(MATHJAX_DIST)
    except metadata.PackageNotFoundError as exc:
        raise ExtensionError(
            f"initdyn_offline: the package {MATHJAX_DIST} is not installed; it serves MathJax from the build "
            "(pip install -e '.[book]')"
        ) from exc
    root = Path(dist.locate_file("mathjax/static/mathjax/es5"))
    if not (root / ENTRY).is_file():
        raise ExtensionError(f"initdyn_offline: {root / ENTRY} not found in {MATHJAX_DIST}")
    return root


def check_config(app, config):
    expected = f"mathjax/{ENTRY}"
    if config.mathjax_path != expected:
        raise ExtensionError(f"initdyn_offline: set sphinx.config.mathjax_path to {expected!r} in _config.yml")
    mathjax_es5()


def copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    shutil.copytree(mathjax_es5(), target, dirs_exist_ok=True)


_INLINE_SCRIPT = re.compile(r"[ \t]*<script>[^<]*</script>\n?")


def dedupe_inline_scripts(html: str) -> str:
    """Remove repeated, identical inline ``<script>`` blocks, keeping the first.

    sphinx-thebe adds its ``const THEBE_JS_URL = ...`` block on every
    ``env-before-read-docs``, which fires more than once in a Jupyter Book
    build; the second ``const`` declaration is a console error on every page.
    """
    seen = set()

    def keep_first(match):
        block = match.group(0).strip()
        if block in seen:
            return ""
        seen.add(block)
        return match.group(0)

    return _INLINE_SCRIPT.sub(keep_first, html)


def tidy_pages(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        tidy = dedupe_inline_scripts(text)
        if tidy != text:
            page.write_text(tidy, encoding="utf-8")


def setup(app):
    app.connect("config-inited", check_config)
    app.connect("build-finished", tidy_pages)
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
