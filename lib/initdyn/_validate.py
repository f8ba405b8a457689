"""Argument checks shared by every module.

Each helper raises ``TypeError`` (wrong kind of object) or ``ValueError``
(right kind, bad value) with a message that names the argument and says what
was expected, so bad input never turns into a silent NaN further down.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "as_rng",
    "check_int",
    "check_variance",
    "check_positive",
    "check_probability",
    "check_shape",
    "check_finite_array",
]


def as_rng(rng) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from ``rng``.

    ``rng`` may be a Generator (returned as is), an int seed, or ``None``
    (a fresh, unseeded generator; notebooks and tests always pass a seed).
    """
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"rng: an int seed must be non-negative, got {rng}")
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"rng: expected a numpy.random.Generator, an int seed or None, got {type(rng).__name__}"
    )


def check_int(value, name: str, *, minimum: int | None = None) -> int:
    """Check that ``value`` is an integer (not a bool, not a float) >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value}")
    return value


def _as_float_array(value, name: str) -> np.ndarray:
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name}: expected a real number or array of real numbers, got {value!r}")
    try:
        arr = np.asarray(value)
    except Exception as exc:  # pragma: no cover - exotic objects
        raise TypeError(f"{name}: expected a real number or array, got {type(value).__name__}") from exc
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{name}: expected real numbers, got dtype {arr.dtype}")
    return arr.astype(float, copy=False)


def check_variance(value, name: str, *, positive: bool = False):
    """Check a variance (scalar or array): finite and >= 0 (> 0 if ``positive``).

    Returns a float for scalar input, a float array otherwise.
    """
    arr = _as_float_array(value, name)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: expected a finite variance, got {value!r}")
    if positive and np.any(arr <= 0):
        raise ValueError(f"{name}: expected a variance > 0, got {value!r}")
    if np.any(arr < 0):
        raise ValueError(f"{name}: expected a variance >= 0, got {value!r}")
    return float(arr) if arr.ndim == 0 else arr


def check_positive(value, name: str):
    """Check a finite, strictly positive real number (scalar or array)."""
    return check_variance(value, name, positive=True)


def check_probability(value, name: str, *, open_low: bool = False):
    """Check a probability in [0, 1] (or (0, 1] with ``open_low``)."""
    arr = _as_float_array(value, name)
    low_bad = arr <= 0 if open_low else arr < 0
    if not np.all(np.isfinite(arr)) or np.any(low_bad) or np.any(arr > 1):
        interval = "(0, 1]" if open_low else "[0, 1]"
        raise ValueError(f"{name}: expected a value in {interval}, got {value!r}")
    return float(arr) if arr.ndim == 0 else arr


def check_shape(shape, name: str = "shape", *, min_dims: int = 2) -> tuple[int, ...]:
    """Check a weight shape: a tuple of positive ints with at least ``min_dims`` entries."""
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)):
        raise TypeError(f"{name}: expected a tuple of positive integers, got {shape!r}")
    dims = tuple(check_int(s, f"{name}[{i}]", minimum=1) for i, s in enumerate(shape))
    if len(dims) < min_dims:
        raise ValueError(
            f"{name}: expected at least {min_dims} dimensions (fan_out, fan_in, *kernel), got {dims}"
        )
    return dims


def check_finite_array(value, name: str, *, ndim: int | tuple[int, ...] | None = None) -> np.ndarray:
    """Check a finite float array, optionally of a given number of dimensions."""
    arr = _as_float_array(value, name)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            raise ValueError(f"{name}: expected an array with ndim in {allowed}, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: expected finite values, found NaN or inf")
    return arr
