"""The rendered book, tested the way a reader meets it.

`python3 dev.py test` builds the book (executing every chapter with the machine's default threading)
before running pytest, and sets INITDYN_REQUIRE_BOOK=1 so that a missing build fails here instead of
skipping.  The checks:

* the build's own executed copies of the chapters print exactly what the stored notebooks print
  (nbval re-executes them single-threaded: together the two runs cover both threading set-ups);
* every page opened in headless Chromium, served from localhost with the network cut off: no console
  errors, no failed or external requests, every image loaded, every math element typeset by the
  MathJax copy shipped in the build, every internal link resolving, Binder buttons pointing at the
  page's own notebook; a screenshot of each page goes to _build/screenshots/ for a person to look at.

The browser test is skipped, saying why, only when no Chromium can be found (CI installs Debian's).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
EXECUTED = ROOT / "_build" / "jupyter_execute"
SHOTS = ROOT / "_build" / "screenshots"
TOC = ROOT / "_toc.yml"


def chapters() -> list[str]:
    return re.findall(r"file:\s*(notebooks/[\w\-]+)", TOC.read_text())


@pytest.fixture(scope="module")
def book():
    if not (HTML / "index.html").is_file():
        msg = "the book is not built (python3 dev.py test builds it before running pytest)"
        if os.environ.get("INITDYN_REQUIRE_BOOK"):
            pytest.fail(msg)
        pytest.skip(msg)
    return HTML


# --- configuration guards --------------------------------------------------------------------------

def test_config_executes_fresh_and_fails_on_errors():
    cfg = (ROOT / "_config.yml").read_text()
    # 'force': no execution cache, so a change in lib/ always re-executes the chapters (no stale outputs)
    assert re.search(r"^\s*execute_notebooks:\s*force\s*$", cfg, re.M)
    assert re.search(r"^\s*nb_execution_raise_on_error:\s*true\s*$", cfg, re.M)
    assert re.search(r"^\s*nb_merge_streams:\s*true\s*$", cfg, re.M)  # one output box per stream
    assert re.search(r"^\s*only_build_toc_files:\s*true\s*$", cfg, re.M)
    assert re.search(r"^\s*mathjax_path:\s*mathjax/tex-mml-chtml\.js\s*$", cfg, re.M)
    assert "thebe: false" in cfg and "intersphinx" not in cfg
    assert "--warningiserror" in (ROOT / "dev.py").read_text()


def test_repository_url_is_set_once_and_chapters_install_the_library_when_missing():
    """The repository URL lives in _config.yml; each chapter's first code cell installs initdyn from it,
    pinned to this version, only when the library is not importable (so stored outputs are unchanged)."""
    cfg = (ROOT / "_config.yml").read_text()
    url = re.search(r"^repository:\s*\n\s*url:\s*(\S+)", cfg, re.M).group(1)
    version = re.search(r'^version\s*=\s*"([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    assert re.search(r"^\s*binderhub_url:\s*https://mybinder\.org", cfg, re.M)
    assert re.search(r"^\s*colab_url:\s*https://colab\.research\.google\.com", cfg, re.M)
    for name in chapters():
        nb = json.loads((ROOT / f"{name}.ipynb").read_text())
        first = next(c for c in nb["cells"] if c["cell_type"] == "code")
        src = "".join(first["source"])
        assert "try:\n    import initdyn" in src and "except ImportError:" in src, f"{name}: no install cell"
        assert f'%pip install --quiet "initdyn @ git+{url}@v{version}"' in src, f"{name}: install cell not pinned"
        assert not [o for o in first.get("outputs", []) if o["output_type"] != "execute_result"], name
    for path in [*ROOT.glob("*.md"), *ROOT.glob("book/**/*.md"), *ROOT.glob("*.yml"), *ROOT.glob("lib/**/*.py")]:
        if path.name != "_config.yml":
            assert url not in path.read_text(), f"{path.relative_to(ROOT)} repeats the repository URL"


def test_every_chapter_in_the_toc_exists():
    names = chapters()
    assert names, "no chapters in _toc.yml"
    for name in names:
        assert (ROOT / f"{name}.ipynb").is_file(), name
    stored = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert stored == sorted(Path(n).name for n in names), "every notebook is in the toc and vice versa"


# --- the build reproduces the stored outputs ---------------------------------------------------------

def _sanitizers():
    text = (ROOT / "tests" / "sanitize.cfg").read_text()
    return [(re.compile(r), rep) for r, rep in re.findall(r"regex:\s*(.+)\nreplace:\s*(.*)", text)]


def _text_outputs(path: Path, *, merged_by_build: bool = False) -> list[str]:
    """The text a reader sees of each code cell, streams coalesced per name as the book shows them.

    ``nb_merge_streams`` renders all chunks of one stream (stdout, stderr) as one box at the place of
    the first; how a kernel splits a stream into chunks depends on timing, so chunks are joined here.
    In the build's executed copy MyST-NB has already appended the later chunks to the first one (and
    left them in place), so there the first chunk of each stream is the whole stream.
    """
    nb = json.loads(path.read_text())
    subs = _sanitizers()
    out = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        parts, first = [], {}
        for o in cell.get("outputs", []):
            if o["output_type"] == "stream":
                text = "".join(o["text"])
                if o["name"] in first:
                    if not merged_by_build:
                        parts[first[o["name"]]] += text
                    continue
                first[o["name"]] = len(parts)
                parts.append(f"[{o['name']}]" + text)
            elif "data" in o:
                for mime in ("text/plain", "text/html", "text/latex"):
                    if mime in o["data"]:
                        parts.append(f"[{mime}]" + "".join(o["data"][mime]))
            elif o["output_type"] == "error":
                parts.append(f"[error]{o['ename']}")
        text = "".join(parts)
        for rx, rep in subs:
            text = rx.sub(rep, text)
        out.append(text)
    return out


@pytest.mark.parametrize("name", chapters())
def test_build_reproduces_stored_outputs(book, name):
    executed = EXECUTED / f"{name}.ipynb"
    assert executed.is_file(), f"{executed} missing: was the book built with execution?"
    stored, fresh = _text_outputs(ROOT / f"{name}.ipynb"), _text_outputs(executed, merged_by_build=True)
    assert len(stored) == len(fresh)
    for i, (a, b) in enumerate(zip(stored, fresh)):
        assert a == b, f"{name}: code cell {i} printed something else in the build:\n{b}\n--- stored:\n{a}"


def test_html_loads_nothing_from_the_internet(book):
    pattern = re.compile(r"<(?:script|link|img|iframe)\b[^>]*(?:src|href)=\"(https?:)?//", re.I)
    for page in book.rglob("*.html"):
        assert not pattern.search(page.read_text(errors="replace")), f"{page} loads a remote resource"
    assert (book / "_static" / "mathjax" / "tex-mml-chtml.js").is_file()


# --- a real browser --------------------------------------------------------------------------------

def _chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(book):
    handler = functools.partial(_Quiet, directory=str(book))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    exe = _chromium()
    if exe is None:
        pytest.skip("no Chromium found (install Debian's 'chromium' or set CHROMIUM=/path): browser test skipped")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=exe,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield b
        b.close()


def _pages(book: Path) -> list[str]:
    return sorted(str(p.relative_to(book)) for p in book.rglob("*.html") if "_static" not in p.parts
                  and p.name not in {"genindex.html"})


def _page_ids():
    return _pages(HTML) if (HTML / "index.html").is_file() else ["(book not built)"]


@pytest.mark.parametrize("rel", _page_ids())
def test_page_in_browser(book, server, browser, rel):
    page_url = f"{server}/{rel}"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors, failed, external = [], [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: failed.append(r.url))

    def route(r):
        if r.request.url.startswith(server):
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(page_url, wait_until="load")
    page.wait_for_load_state("networkidle")
    n_math = page.locator(".math").count()
    if n_math:
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20000)
        page.evaluate("() => MathJax.startup.promise")
        untypeset = page.evaluate(
            "() => [...document.querySelectorAll('.math')].filter(e => !e.querySelector('mjx-container')).length")
        assert untypeset == 0, f"{rel}: {untypeset} of {n_math} math elements not typeset"
        assert page.locator("mjx-merror").count() == 0, f"{rel}: MathJax reported a TeX error"
    broken = page.evaluate("() => [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
    assert not broken, f"{rel}: images not loaded: {broken}"
    links = page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))")
    landed = urlparse(page.url).path.lstrip("/") or "index.html"  # index.html redirects to the intro
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / (rel.replace("/", "__").removesuffix(".html") + ".png")), full_page=True)
    page.close()
    assert not errors, f"{rel}: console errors {errors}"
    assert not failed, f"{rel}: failed requests {failed}"
    assert not external, f"{rel}: tried to reach the internet: {external}"

    rel = landed
    here = (book / rel).parent
    for href in links:
        parsed = urlparse(href)
        if parsed.scheme in ("http", "https", "mailto"):
            if "mybinder.org" in href:
                m = re.search(r"urlpath=(?:lab/)?tree/(.+\.ipynb)", unquote(href))
                assert m, f"{rel}: Binder link without a notebook path: {href}"
                assert m.group(1) == rel.replace(".html", ".ipynb"), f"{rel}: Binder opens {m.group(1)}"
                assert (ROOT / m.group(1)).is_file()
            continue
        if not parsed.path:
            target = book / rel
        else:
            target = (here / unquote(parsed.path)).resolve()
        assert target.exists(), f"{rel}: internal link {href} points nowhere"
        if parsed.fragment and target.suffix == ".html":
            html = target.read_text(errors="replace")
            assert f'id="{parsed.fragment}"' in html, f"{rel}: anchor #{parsed.fragment} missing in {target.name}"


_LAYOUT_JS = """() => {
  const page = document.documentElement.scrollWidth - window.innerWidth;
  const code = [...document.querySelectorAll('div.cell_input pre, div.highlight pre')]
    .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1).length;
  const math = [...document.querySelectorAll('mjx-container[display="true"]')].map(e => {
    const box = e.closest('div.math, .math-wrapper') || e;
    const style = getComputedStyle(box);
    return {wide: e.scrollWidth > box.clientWidth + 1,
            scrolls: ['auto', 'scroll'].includes(style.overflowX) || ['auto', 'scroll'].includes(getComputedStyle(e).overflowX),
            tex: (e.getAttribute('aria-label') || e.textContent).slice(0, 60)};
  });
  return {page, code, math};
}"""


def _typeset(page):
    if page.locator(".math").count():
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20000)
        page.evaluate("() => MathJax.startup.promise")


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("name", chapters())
def test_chapter_as_a_reader_meets_it(book, server, browser, name, width):
    """A chapter at laptop and phone width: nothing widens the page, no code line or equation is cut at
    1280 px (on a phone an equation scrolls in its own box), figures are numbered with real alt text,
    headings carry one number each, and folded code cells open."""
    rel = f"{name}.html"
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{server}/{rel}", wait_until="load")
    _typeset(page)
    layout = page.evaluate(_LAYOUT_JS)
    assert layout["page"] <= 1, f"{rel} at {width}px: the page is {layout['page']}px wider than the screen"
    if width >= 1280:
        assert layout["code"] == 0, f"{rel}: {layout['code']} code blocks scroll sideways at {width}px"
    cut = [m["tex"] for m in layout["math"] if m["wide"] and (width >= 1280 or not m["scrolls"])]
    assert not cut, f"{rel} at {width}px: display equations cut off: {cut}"

    figures = page.evaluate("""() => [...document.querySelectorAll('figure')].map(f => ({
        number: (f.querySelector('.caption-number') || {}).textContent || '',
        alt: [...f.querySelectorAll('img')].map(i => i.getAttribute('alt') || '')}))""")
    assert figures, f"{rel}: no numbered figures"
    for fig in figures:
        assert re.match(r"Fig\.\s*\d+\.\d+", fig["number"].strip()), f"{rel}: a figure without a number: {fig}"
        for alt in fig["alt"]:
            assert len(alt.split()) >= 4 and not re.fullmatch(r"[0-9a-f]{16,}", alt), f"{rel}: alt text {alt!r}"
    headings = page.evaluate("() => [...document.querySelectorAll('h1, h2, h3')].map(h => h.textContent.trim())")
    doubled = [h for h in headings if re.match(r"^\d+(\.\d+)*\.?\s+\d+\.", h)]
    assert not doubled, f"{rel}: headings numbered twice: {doubled}"
    refs = page.evaluate("""() => [...document.querySelectorAll('a.reference.internal span.std-numref, '
                          + 'a.reference.internal span.std-ref, span.eqno, a.reference.internal.eqref')]
                          .map(e => e.textContent.trim())""")
    assert not [r for r in refs if "?" in r or "%s" in r], f"{rel}: unresolved references {refs}"

    folded = page.locator("details.hide.above-input")
    if width >= 1280:
        assert folded.count() > 0, f"{rel}: no folded (hide-input) cell"
    if folded.count():
        first = folded.first
        first.locator("summary").click()
        assert first.evaluate("d => d.open"), f"{rel}: a folded cell does not open"
        assert first.locator("pre").first.is_visible(), f"{rel}: the opened cell shows no code"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{Path(name).name}-{width}px.png"), full_page=True)
    page.close()


def test_every_figure_and_equation_reference_in_the_sources_has_a_label():
    """{numref} and {eq} roles in the chapters point at labels defined in the chapters (the build would
    warn too; this names the culprit without a build)."""
    labels, uses = set(), []
    for name in chapters():
        nb = json.loads((ROOT / f"{name}.ipynb").read_text())
        for cell in nb["cells"]:
            src = "".join(cell["source"])
            fig = cell.get("metadata", {}).get("mystnb", {}).get("figure", {})
            if fig.get("name"):
                labels.add(fig["name"])
            labels.update(re.findall(r"^\$\$\s*\((eq-[\w-]+)\)", src, re.M))
            labels.update(re.findall(r"^\(([\w-]+)\)=", src, re.M))
            uses += [(name, lab) for lab in re.findall(r"\{(?:numref|eq|ref)\}`(?:[^<`]*<)?([\w-]+)>?`", src)]
    missing = [(n, lab) for n, lab in uses if lab not in labels]
    assert not missing, f"references to labels that no chapter defines: {missing}"


def test_execution_costs_page_lists_every_chapter(book):
    # The numbers themselves are a benchmark (benchmarks/bench_notebooks.py), not a pass/fail criterion.
    rows = {r["chapter"]: r for r in json.loads((ROOT / "_build" / "execution-costs.json").read_text())}
    # every chapter, and besides them only the executed pages of the back matter (the scaling-up page)
    assert sorted(r for r in rows if r.startswith("notebooks/")) == sorted(chapters())
    assert set(rows) - set(chapters()) <= {"book/scaling"}, sorted(rows)
    for name, r in rows.items():
        assert r["runtime_s"] is not None and r["runtime_s"] > 0, name
        assert r["peak_memory_mb"] is None or r["peak_memory_mb"] > 10, name
    page = (book / "book" / "execution.html").read_text()
    for name in chapters():
        assert f"{Path(name).name}.html" in page, f"{name} missing from the execution-costs page"
