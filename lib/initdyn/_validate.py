"""Argument checks shared by every module.

Each helper raises ``TypeError`` (wrong kind of object) or ``ValueError``
(right kind, bad value) with a message that names the argument, says what
was expected and shows (a short form of) what was received, so bad input
never turns into a silent NaN or a cryptic numpy error further down.

Resource limits.  Functions that allocate arrays whose size the caller
chooses (``width``, ``depth``, ``n_grid``, ``size``, ...) call
:func:`check_memory` first, which refuses a request whose main arrays would
exceed :data:`MEMORY_LIMIT` (4 GiB) with a ``ValueError`` that gives the
estimate and the arguments to reduce, instead of a ``MemoryError`` (or an
hour of swapping) half-way through.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "MEMORY_LIMIT",
    "as_rng",
    "check_int",
    "check_variance",
    "check_positive",
    "check_probability",
    "check_shape",
    "check_finite_array",
    "check_real",
    "check_correlation",
    "check_scalar_variance",
    "check_choice",
    "check_tol",
    "check_broadcast",
    "check_memory",
    "describe",
]

#: Largest memory (bytes) that the main arrays of one call may take: 4 GiB.
MEMORY_LIMIT = 4 * 2**30


def describe(value, limit: int = 80) -> str:
    """A short ``repr`` of ``value`` for error messages (arrays by shape and dtype when long)."""
    if isinstance(value, np.ndarray) and value.size > 8:
        return f"array of shape {value.shape} and dtype {value.dtype}"
    try:
        text = repr(value)
    except Exception:  # pragma: no cover - objects whose repr fails
        text = f"<{type(value).__name__}>"
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


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


def check_int(value, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Check that ``value`` is an integer (not a bool, not a float) >= ``minimum`` (and <= ``maximum``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected an integer, got {describe(value)} ({type(value).__name__})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name}: expected an integer <= {maximum}, got {value}")
    return value


def _as_float_array(value, name: str) -> np.ndarray:
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name}: expected a real number or array of real numbers, got {describe(value)}")
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        try:
            float(value)
        except OverflowError:
            raise ValueError(
                f"{name}: expected a finite real number, got {describe(value)} (too large for a float)"
            ) from None
    try:
        arr = np.asarray(value)
    except Exception as exc:
        raise TypeError(
            f"{name}: expected a real number or a (rectangular) array of real numbers, got {describe(value)}"
        ) from exc
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{name}: expected real numbers, got dtype {arr.dtype} ({describe(value)})")
    return arr.astype(float, copy=False)


def check_variance(value, name: str, *, positive: bool = False, what: str = "variance"):
    """Check a variance (scalar or array): finite and >= 0 (> 0 if ``positive``).

    ``what`` names the kind of quantity in the message.  Returns a float for scalar input, a float
    array otherwise.
    """
    arr = _as_float_array(value, name)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: expected a finite {what}, got {describe(value)}")
    if positive and np.any(arr <= 0):
        raise ValueError(f"{name}: expected a {what} > 0, got {describe(value)}")
    if np.any(arr < 0):
        raise ValueError(f"{name}: expected a {what} >= 0, got {describe(value)}")
    return float(arr) if arr.ndim == 0 else arr


def check_positive(value, name: str):
    """Check a finite, strictly positive real number (scalar or array)."""
    return check_variance(value, name, positive=True, what="real number")


def check_probability(value, name: str, *, open_low: bool = False):
    """Check a probability in [0, 1] (or (0, 1] with ``open_low``)."""
    arr = _as_float_array(value, name)
    low_bad = arr <= 0 if open_low else arr < 0
    if not np.all(np.isfinite(arr)) or np.any(low_bad) or np.any(arr > 1):
        interval = "(0, 1]" if open_low else "[0, 1]"
        raise ValueError(f"{name}: expected a value in {interval}, got {describe(value)}")
    return float(arr) if arr.ndim == 0 else arr


def check_shape(shape, name: str = "shape", *, min_dims: int = 2) -> tuple[int, ...]:
    """Check a weight shape: a tuple of positive ints with at least ``min_dims`` entries."""
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)):
        raise TypeError(f"{name}: expected a tuple of positive integers, got {describe(shape)}")
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


def _interval(low, high, low_open, high_open) -> str:
    lo = "-inf" if low is None else f"{low:g}"
    hi = "inf" if high is None else f"{high:g}"
    return f"{'(' if low_open or low is None else '['}{lo}, {hi}{')' if high_open or high is None else ']'}"


def check_real(value, name: str, *, low=None, high=None, low_open: bool = False, high_open: bool = False,
               allow_inf: bool = False) -> float:
    """Check one real number (not a bool, str, complex or array) in an interval; return it as a float.

    ``low``/``high`` bound it (``None``: unbounded), open with ``low_open``/``high_open``.
    NaN is always refused, infinities unless ``allow_inf`` (and the interval admits them).
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.ndarray)):
        raise TypeError(f"{name}: expected a real number, got {describe(value)} ({type(value).__name__})")
    if isinstance(value, np.ndarray):
        if value.ndim != 0 or value.dtype == bool or not (
                np.issubdtype(value.dtype, np.integer) or np.issubdtype(value.dtype, np.floating)):
            raise TypeError(f"{name}: expected a real number (a scalar), got {describe(value)}")
        value = value[()]
    try:
        x = float(value)
    except OverflowError:
        raise ValueError(
            f"{name}: expected a finite real number, got {describe(value)} (too large for a float)"
        ) from None
    where = _interval(low, high, low_open, high_open)
    if math.isnan(x) or (math.isinf(x) and not allow_inf):
        raise ValueError(f"{name}: expected a finite real number in {where}, got {x!r}")
    if (low is not None and (x < low or (low_open and x == low))) or (
            high is not None and (x > high or (high_open and x == high))):
        raise ValueError(f"{name}: expected a value in {where}, got {x!r}")
    return x


def check_tol(value, name: str = "tol") -> float:
    """Check a tolerance: a finite real number > 0."""
    return check_real(value, name, low=0.0, low_open=True)


def check_scalar_variance(value, name: str, *, positive: bool = False) -> float:
    """:func:`check_variance` for one number: a ``TypeError`` for arrays of any size."""
    if isinstance(value, np.ndarray) and value.ndim > 0 or isinstance(value, (list, tuple)):
        raise TypeError(f"{name}: expected a scalar, got {describe(value)}")
    out = check_variance(value, name, positive=positive)
    if not isinstance(out, float):  # pragma: no cover - arrays are refused above
        raise TypeError(f"{name}: expected a scalar, got {describe(value)}")
    return out


def check_correlation(value, name: str, *, slack: bool = False):
    """Check a correlation (scalar or array): finite and in [-1, 1].

    With ``slack`` a value a few ulps above 1 that rounds to ``(c + 1)/2 == 1`` is let through
    (correlations computed as ratios often land there); callers clip or round-trip it.
    Returns a float for scalar input, a float array otherwise.
    """
    arr = _as_float_array(value, name)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: expected a finite correlation in [-1, 1], got {describe(value)}")
    if slack:
        half = (arr + 1) / 2
        bad = np.any(half < 0) or np.any(half > 1)
    else:
        bad = np.any(arr < -1) or np.any(arr > 1)
    if bad:
        raise ValueError(f"{name}: expected a correlation in [-1, 1], got {describe(value)}")
    return float(arr) if arr.ndim == 0 else arr


def check_choice(value, name: str, choices) -> str:
    """Check that ``value`` is one of the strings ``choices``."""
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected one of {tuple(choices)}, got {describe(value)} ({type(value).__name__})")
    if value not in choices:
        raise ValueError(f"{name}: expected one of {tuple(choices)}, got {value!r}")
    return value


def check_broadcast(**arrays) -> tuple[int, ...]:
    """The broadcast shape of the named arrays, or a ``ValueError`` naming them and their shapes."""
    shapes = {k: np.shape(v) for k, v in arrays.items()}
    try:
        return np.broadcast_shapes(*shapes.values())
    except ValueError:
        names = ", ".join(shapes)
        listed = ", ".join(f"{k} {s}" for k, s in shapes.items())
        raise ValueError(f"{names}: shapes do not broadcast together ({listed})") from None


def _fmt_bytes(n: float) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} bytes"


def check_memory(n_floats, what: str, *, itemsize: int = 8, limit: int | None = None) -> None:
    """Refuse up front a computation whose main arrays would hold more than ``limit`` bytes.

    Parameters
    ----------
    n_floats : int or float
        Number of array elements the call will allocate (an estimate; Python ints of any size).
    what : str
        The arguments that set the size, e.g. ``"width, depth"``: the message starts with them.
    itemsize : int
        Bytes per element (8 for float64, 16 for complex128).
    limit : int, optional
        Bytes allowed; :data:`MEMORY_LIMIT` (4 GiB) by default.

    Raises
    ------
    ValueError
        Giving the estimate, the limit and the arguments to reduce.
    """
    limit = MEMORY_LIMIT if limit is None else limit
    need = float(n_floats) * itemsize
    if not need <= limit:
        raise ValueError(
            f"{what}: the arrays would need about {_fmt_bytes(need)} of memory, more than the "
            f"{_fmt_bytes(limit)} limit; reduce {what}"
        )


#: Largest count of a Python-level loop (steps, iterations, compositions): at least ~1 us each,
#: so a run is bounded by minutes, not unbounded.
MAX_ITERATIONS = 10**7

#: Largest number of elementary floating-point operations a vectorised loop may be asked for
#: (about a minute or two of numpy on one core).
MAX_WORK = 1e11


def _sci(x) -> str:
    """``f"{x:.3g}"`` also for Python ints beyond the float range."""
    try:
        return f"{float(x):.3g}"
    except OverflowError:
        return f"1e{int(math.log10(x))}"


def check_nbytes(nbytes, name: str, value, *, what: str, reduce: str) -> None:
    """Refuse (``ValueError``) when ``what`` would need more than 4 GiB, before allocating anything.

    ``nbytes`` may be a Python int of any size (estimates from unchecked sizes are computed with ints);
    ``name`` is the argument blamed, ``value`` what it received, ``reduce`` what to make smaller.
    """
    if nbytes > MEMORY_LIMIT:
        what = what if len(what) <= 160 else what[:157] + "..."
        raise ValueError(
            f"{name}: {what} would need about {_sci(nbytes / 2**30 if nbytes < 1e300 else nbytes // 2**30)} GiB of "
            f"memory, above the limit of {MEMORY_LIMIT / 2**30:g} GiB (got {name}={describe(value)}); "
            f"reduce {reduce}"
        )


def check_work(ops, name: str, value, *, what: str, reduce: str) -> None:
    """Refuse (``ValueError``) a computation of more than :data:`MAX_WORK` elementary operations."""
    if ops > MAX_WORK:
        what = what if len(what) <= 160 else what[:157] + "..."
        raise ValueError(
            f"{name}: {what} would take about {_sci(ops)} floating-point operations, above the limit of "
            f"{MAX_WORK:.0e} (minutes of work) (got {name}={describe(value)}); reduce {reduce}"
        )


def check_count(value, name: str, *, minimum: int = 0, maximum: int = MAX_ITERATIONS) -> int:
    """An integer (not bool, not float) in ``[minimum, maximum]``; ``maximum`` bounds a loop's run time."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected an integer, got {describe(value)} ({type(value).__name__})")
    value = int(value)
    if value < minimum or (maximum is not None and value > maximum):
        top = "" if maximum is None else f", at most {maximum:.0e}".replace("e+0", "e").replace("e+", "e")
        raise ValueError(f"{name}: expected an integer >= {minimum}{top}, got {value}")
    return value


def check_flag(value, name: str) -> bool:
    """A boolean (Python or numpy), returned as a Python bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected True or False, got {describe(value)} ({type(value).__name__})")
    return bool(value)


def check_callable(value, name: str, what: str):
    if not callable(value):
        raise TypeError(f"{name}: expected {what}, got {describe(value)} ({type(value).__name__})")
    return value


def check_real_array(value, name: str) -> np.ndarray:
    """An array of real numbers (ints or floats; not bool, complex, str or object), as floats; NaN/inf allowed."""
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError(f"{name}: expected real numbers, got {describe(value)}")
    try:
        arr = np.asarray(value)
    except Exception as exc:
        raise TypeError(f"{name}: expected real numbers, got {type(value).__name__} ({exc})") from None
    if arr.dtype == bool or arr.dtype.kind not in "iuf":
        raise TypeError(f"{name}: expected real numbers, got dtype {arr.dtype}")
    return arr
