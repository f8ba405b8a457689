#!/usr/bin/env python3
"""The two commands of the README, with nothing but Python 3.11 and pip installed.

    python3 dev.py book   # set up .venv, build the book into _build/html (executes every notebook)
    python3 dev.py test   # set up .venv, build the book, run pytest --nbval over notebooks/ and tests/,
                          # then nbval again under two other OpenBLAS kernel families (1 and 2 threads)

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


def threads(n: int) -> dict:
    """Environment variables that fix the BLAS/OpenMP thread count to ``n``."""
    return {name: str(n) for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


#: OpenBLAS kernel families of x86-64 (names for OPENBLAS_CORETYPE), oldest first, with the CPU flags
#: each one's instructions need.  numpy's wheels pick one at run time; their last bits differ.
KERNEL_FAMILIES = [
    ("Nehalem", {"sse4_2"}),
    ("Sandybridge", {"avx"}),
    ("Haswell", {"avx2", "fma"}),
    ("SkylakeX", {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"}),
]


def cpu_flags() -> set:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    line = next((ln for ln in text.splitlines() if ln.startswith("flags")), "")
    return set(line.partition(":")[2].split())


def kernel_checks() -> list[tuple[str, int]]:
    """The (kernel family, threads) pairs that nbval re-checks besides the machine's own default.

    The machine's default family runs in the book build (default threading) and in the main pytest
    run (one thread); here come up to two more families that this CPU can execute, newest first, one
    at 2 threads and one at 1.  A reader runs the same on their machine with
    ``OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=2 .venv/bin/python -m pytest --nbval ... notebooks``.
    """
    flags = cpu_flags()
    runnable = [name for name, need in KERNEL_FAMILIES if need <= flags]
    native = runnable[-1] if runnable else None
    others = [name for name in reversed(runnable) if name != native][:2]
    return [(name, 2 if k == 0 else 1) for k, name in enumerate(others)]


NBVAL = ["-m", "pytest", "--nbval", "--nbval-current-env", "--nbval-sanitize-with", "tests/sanitize.cfg"]


def test(extra: list[str]) -> None:
    """Build the book, run pytest --nbval over notebooks/ and tests/ single-threaded, then (for a full run,
    i.e. without extra pytest arguments) nbval again under other OpenBLAS kernel families and threads."""
    setup()
    build()
    env_ = {**env(), **threads(1), "INITDYN_REQUIRE_BOOK": "1"}
    # A full run checks the chapters three times besides: the build (machine's kernels, default threads;
    # tests/test_book.py compares its executed copies with the stored ones) and nbval under two other
    # kernel families below (2 and 1 threads), so this pytest run takes tests/ only.  With extra pytest
    # arguments (a quick loop) it takes notebooks/ too, and the kernel runs are skipped.
    cmd = [PY, *NBVAL, *(["notebooks"] if extra else []), "tests", *extra]
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], cwd=ROOT, env=env_, check=True)
    if extra:
        print("(extra pytest arguments given: the runs under other OpenBLAS kernel families are skipped)")
        return
    checks = kernel_checks()
    if not checks:
        print("no other OpenBLAS kernel family known for this CPU: only its own was checked")
    for family, n in checks:
        print(f"+ OPENBLAS_CORETYPE={family} OPENBLAS_NUM_THREADS={n}", flush=True)
        env_k = {**env(), **threads(n), "OPENBLAS_CORETYPE": family}
        subprocess.run([str(PY), *NBVAL, "-p", "no:cacheprovider", "-q", "notebooks"], cwd=ROOT, env=env_k,
                       check=True)


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
