#!/usr/bin/env python3
"""The two commands of the README, with nothing but Python 3.11 and pip installed.

    python3 dev.py book   # set up .venv, build the book into _build/html (executes every notebook)
    python3 dev.py test   # set up .venv, build the book, run pytest --nbval over notebooks/ and tests/

Set-up is a local virtual environment in .venv with the library installed in
editable mode and the pinned extras of pyproject.toml; it is redone only when
pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".initdyn-installed"


def env() -> dict:
    """The environment the tools run in: the venv first on PATH, a headless plotting backend."""
    e = dict(os.environ)
    e["PATH"] = f"{BIN}{os.pathsep}{e.get('PATH', '')}"
    e["VIRTUAL_ENV"] = str(VENV)
    e.setdefault("PYTHONHASHSEED", "0")
    e.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return e


def run(*cmd, **kw) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], cwd=ROOT, env=env(), check=True, **kw)


def setup() -> None:
    if sys.version_info[:2] != (3, 11):
        print(f"warning: initdyn pins Python 3.11; this is {sys.version.split()[0]}", file=sys.stderr)
    if not PY.exists():
        print(f"creating {VENV.relative_to(ROOT)}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    run(PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", ".[book,test]")
    STAMP.write_text(digest)


def build() -> None:
    """Build the HTML book, executing every chapter; any warning or cell error fails the build."""
    run(BIN / "jupyter-book", "build", ".", "--warningiserror", "--nitpick", "--keep-going")


def book() -> None:
    setup()
    build()
    print(f"\nThe book is built: open {ROOT / '_build' / 'html' / 'index.html'}")


#: The nbval run is single-threaded; the book build before it used the machine's default
#: threading, and tests/test_book.py checks that the build printed what the stored notebooks print.
SINGLE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def test(extra: list[str]) -> None:
    setup()
    build()
    env_ = {**env(), **SINGLE_THREAD, "INITDYN_REQUIRE_BOOK": "1"}
    cmd = [PY, "-m", "pytest", "--nbval", "--nbval-current-env", "--nbval-sanitize-with", "tests/sanitize.cfg",
           "notebooks", "tests", *extra]
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], cwd=ROOT, env=env_, check=True)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"book", "test", "setup"}:
        print(__doc__)
        return 2
    try:
        {"book": lambda: book(), "test": lambda: test(argv[1:]), "setup": lambda: setup()}[argv[0]]()
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
