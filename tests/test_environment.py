"""environment.yml (Binder) must name what a reader runs, at the versions pinned in pyproject.toml."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pins(requirements):
    pins = {}
    for req in requirements:
        m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*==\s*([A-Za-z0-9_.\-+]+)\s*", req)
        assert m, f"not an exact pin: {req!r} (pin every dependency with ==)"
        pins[m.group(1).lower()] = m.group(2)
    return pins


def pyproject_pins(extras=None):
    """Pins of the dependencies plus the named extras (all extras when None)."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(meta["dependencies"])
    for name, extra in meta["optional-dependencies"].items():
        if extras is None or name in extras:
            reqs += extra
    return _pins(sorted(set(reqs)))


def environment_pip_section():
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if re.fullmatch(r"\s*- pip:\s*", line))
    indent = len(lines[start + 1]) - len(lines[start + 1].lstrip())
    items = []
    for line in lines[start + 1:]:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if len(line) - len(line.lstrip()) < indent:
            break
        items.append(line.strip()[1:].strip())
    return items


def test_environment_pins_match_pyproject():
    items = environment_pip_section()
    assert "-e ." in items, "Binder must install the library itself: '-e .' under pip:"
    # a reader's environment: the library's dependencies and the `notebook` extra, nothing of the
    # book or test toolchains (jupyter-book, nbval, playwright, pytest)
    assert _pins([i for i in items if i != "-e ."]) == pyproject_pins(["notebook"])
    everything = pyproject_pins()
    for name in ("jupyter-book", "nbval", "pytest", "playwright"):
        assert name in everything and name not in _pins([i for i in items if i != "-e ."])


def test_environment_pins_python_311():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^\s*- python=3\.11\s*$", text, re.M)
    assert 'requires-python = ">=3.11,<3.12"' in (ROOT / "pyproject.toml").read_text()


def test_jupyter_book_pinned_below_2():
    version = pyproject_pins()["jupyter-book"]
    assert int(version.split(".")[0]) < 2
