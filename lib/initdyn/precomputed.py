"""Results too costly for a chapter run, precomputed by the scripts in ``scripts/`` and shipped with the library.

A chapter that shows a large grid (every learning rate of a training experiment, a heat map) loads it
with :func:`load`, checks that the file's parameters are the ones it states, and recomputes a random
subset of its points live; a test does the same on the machine that runs it.  Each file is a numpy
``.npz`` archive in ``initdyn/data`` holding the arrays and, under the key ``provenance``, a JSON
object: the parameters and seed of the computation, the script that wrote it, the library version and
the git commit it ran at, the numpy version, the machine and the date.  Nothing here downloads: the
files ship with the library, so an installed ``initdyn`` (Binder, Colab) has them too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

__all__ = ["DATA_DIR", "available", "load", "save"]

#: Where the data files live (inside the installed package).
DATA_DIR = Path(__file__).resolve().parent / "data"

_NAME = re.compile(r"^[a-z0-9_]+$")


def _check_name(name) -> str:
    if not isinstance(name, str):
        raise TypeError(f"name: expected a str, got {type(name).__name__}")
    if not _NAME.match(name):
        raise ValueError(f"name: expected lower-case letters, digits and '_' only, got {name!r}")
    return name


def available() -> list[str]:
    """Names of the shipped data files, sorted."""
    return sorted(p.stem for p in DATA_DIR.glob("*.npz"))


def load(name):
    """The arrays and the provenance of the data file ``name``.

    Returns
    -------
    arrays : dict of numpy.ndarray
    provenance : dict
        Parsed from the file's JSON ``provenance`` entry; ``provenance["params"]`` holds the parameters.

    Raises
    ------
    ValueError
        If no data file of that name exists (the message lists those that do).
    """
    name = _check_name(name)
    path = DATA_DIR / f"{name}.npz"
    if not path.is_file():
        raise ValueError(f"name: no data file {name!r} in {DATA_DIR}; available: {available()}")
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files if key != "provenance"}
        provenance = json.loads(str(data["provenance"]))
    return arrays, provenance


def save(name, arrays, provenance, *, directory=None) -> Path:
    """Write ``arrays`` (a dict of numeric numpy arrays) and ``provenance`` (a JSON-ready dict) as ``name``.

    Used by the scripts in ``scripts/``; ``directory`` (an existing directory) defaults to :data:`DATA_DIR`.
    Returns the path written.
    """
    name = _check_name(name)
    if directory is None:
        directory = DATA_DIR
    elif not isinstance(directory, (str, Path)) or not Path(directory).is_dir():
        raise ValueError(f"directory: expected an existing directory, got {directory!r}")
    if not isinstance(arrays, dict) or "provenance" in arrays:
        raise TypeError("arrays: expected a dict of arrays without a 'provenance' key")
    if not isinstance(provenance, dict):
        raise TypeError(f"provenance: expected a dict, got {type(provenance).__name__}")
    clean = {}
    for key, value in arrays.items():
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"arrays[{key!r}]: expected a numeric array, got dtype {arr.dtype}")
        clean[key] = arr
    path = Path(directory) / f"{name}.npz"
    np.savez_compressed(path, provenance=np.array(json.dumps(provenance, indent=1, sort_keys=True)), **clean)
    return path
