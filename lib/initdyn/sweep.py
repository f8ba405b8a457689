"""Reproducible parameter sweeps on any executor.

:func:`sweep` evaluates ``fn(rng, **params)`` at every point of a parameter grid and returns a
:class:`SweepResult` shaped like the grid.  Each point draws its random numbers from its own
generator, built from the point's child of one :class:`numpy.random.SeedSequence` (one child per
point, in grid order), so the result is bit-for-bit the same whether the sweep runs serially, on a
thread or process pool, or on a ``dask.distributed`` cluster, whatever the number of workers and the
order in which points finish.

A failed point does not stop the others: once every point is done, :class:`SweepError` reports the
failures and carries the partial result.  With ``cache_dir`` every finished point is written to disk
as it completes, so an interrupted sweep resumes where it stopped.

The core needs numpy only; ``dask.distributed`` (a ``Client`` as executor), ``pandas``
(:meth:`SweepResult.to_dataframe`) and ``tqdm`` (progress bar) are optional and imported only when used.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import importlib
import itertools
import json
import numbers
import os
import pickle
import sys
import tempfile
import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

__all__ = ["sweep", "SweepResult", "SweepError"]

#: ``progress=None`` shows progress only for sweeps with more points than this.
PROGRESS_THRESHOLD = 20

#: At most this many failed points are spelled out in a :class:`SweepError` message.
_MAX_LISTED_ERRORS = 10


def _import_optional(name: str):
    """Import the optional module ``name``, or return None when it is not installed.

    This is the one place in :mod:`initdyn` that imports inside a function.  The library's core
    depends on numpy and scipy alone, so the optional extras used here -- ``distributed`` (only
    when a ``dask.distributed.Client`` is passed as executor), ``pandas`` (only in
    :meth:`SweepResult.to_dataframe`) and ``tqdm`` (only to draw a progress bar) -- must not be
    imported when :mod:`initdyn.sweep` is.
    """
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


# ---------------------------------------------------------------------------
# Result and error types
# ---------------------------------------------------------------------------

@dataclass
class SweepResult:
    """The values of a sweep, labelled by the grid.

    Attributes
    ----------
    values : numpy.ndarray
        Float array shaped like the grid: ``tuple(len(axis) for axis in axes)`` for a dict grid,
        ``(len(points),)`` for a list of points, plus a trailing axis of length ``k`` when ``fn``
        returns 1-D arrays of length ``k``.  Failed points (see :class:`SweepError`) hold NaN.
    points : list of dict
        The parameters of every point, in grid order (C order of ``values`` for a dict grid).
    seeds : list of tuple
        ``(entropy, spawn_key)`` of each point's child :class:`numpy.random.SeedSequence`, in grid
        order: ``numpy.random.default_rng(numpy.random.SeedSequence(entropy, spawn_key=spawn_key))``
        is the generator that point received (see :meth:`generator`).
    axes : dict or None
        For a dict grid, each axis name and its values, in the order of the dimensions of
        ``values``; None for a list of points.
    """

    values: np.ndarray
    points: list[dict]
    seeds: list[tuple]
    axes: dict[str, np.ndarray] | None = None

    def generator(self, index: int) -> np.random.Generator:
        """A fresh copy of the generator point ``index`` (flat, grid order) received.

        Parameters
        ----------
        index : int
            Flat index of the point, ``0 <= index < len(points)``.

        Returns
        -------
        numpy.random.Generator
            Re-running ``fn(result.generator(i), **result.points[i])`` reproduces point ``i``.
        """
        if isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise TypeError(f"index: expected an integer, got {index!r} ({type(index).__name__})")
        if not 0 <= index < len(self.seeds):
            raise ValueError(f"index: expected an integer in [0, {len(self.seeds)}), got {index}")
        entropy, spawn_key = self.seeds[index]
        return np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=spawn_key))

    def to_dataframe(self):
        """The result as a tidy :class:`pandas.DataFrame`: one row per point, in grid order.

        Columns are the parameters, then ``value`` (scalar ``fn``) or ``value_0 .. value_{k-1}``
        (``fn`` returning arrays of length ``k``).

        Raises
        ------
        ImportError
            If pandas is not installed.
        """
        pd = _import_optional("pandas")
        if pd is None:
            raise ImportError(
                "SweepResult.to_dataframe needs pandas, which is not installed; "
                "install it (pip install pandas) or use .values, .axes and .points directly"
            )
        n = len(self.points)
        flat = self.values.reshape(n, -1)
        names = ["value"] if flat.shape[1] == 1 and self.values.ndim == self._grid_ndim() else [
            f"value_{j}" for j in range(flat.shape[1])
        ]
        rows = []
        for params, vals in zip(self.points, flat):
            row = dict(params)
            row.update(zip(names, vals.tolist()))
            rows.append(row)
        return pd.DataFrame(rows)

    def _grid_ndim(self) -> int:
        return len(self.axes) if self.axes is not None else 1


class SweepError(RuntimeError):
    """Some points of a :func:`sweep` raised; every other point was still computed.

    Attributes
    ----------
    partial : SweepResult
        The result, with NaN at the failed points.
    errors : list of (dict, BaseException)
        The parameters of each failed point and the exception it raised, in grid order.
    """

    def __init__(self, message: str, *, partial: SweepResult, errors: list[tuple[dict, BaseException]]):
        super().__init__(message)
        self.partial = partial
        self.errors = errors


# ---------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------

def _check_fn(fn) -> Callable:
    if not callable(fn):
        raise TypeError(f"fn: expected a callable fn(rng, **params), got {fn!r} ({type(fn).__name__})")
    return fn


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed: expected a non-negative integer, got {seed!r} ({type(seed).__name__})")
    seed = int(seed)
    if seed < 0:
        raise ValueError(f"seed: expected a non-negative integer (>= 0), got {seed}")
    return seed


def _check_param_name(name, where: str) -> str:
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"grid: expected parameter names that are identifiers, got {name!r} in {where}")
    if name == "rng":
        raise ValueError(f"grid: the parameter name 'rng' is reserved for fn's generator (in {where})")
    return name


def _check_axis(name: str, axis) -> tuple[list, np.ndarray]:
    """An axis as (list of its original values, 1-D numpy array of them)."""
    if isinstance(axis, (str, bytes, dict)) or not hasattr(axis, "__len__") or not hasattr(axis, "__iter__"):
        raise TypeError(
            f"grid[{name!r}]: expected a 1-D sequence of values (list, tuple, range or 1-D array), "
            f"got {type(axis).__name__}"
        )
    arr = np.asarray(axis)
    if arr.ndim != 1:
        raise ValueError(f"grid[{name!r}]: expected a 1-D sequence of scalars, got an array of shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"grid[{name!r}]: expected a non-empty axis (length >= 1), got length 0")
    return list(axis), arr


def _expand_grid(grid) -> tuple[list[dict], dict[str, np.ndarray] | None, tuple[int, ...]]:
    """(points, axes, grid shape) of a dict of axes or a list of points."""
    if isinstance(grid, dict):
        if not grid:
            raise ValueError("grid: expected at least one axis (a non-empty dict of name -> 1-D sequence), got {}")
        names, lists, axes = [], [], {}
        for name, axis in grid.items():
            _check_param_name(name, "the axis names")
            values, arr = _check_axis(name, axis)
            names.append(name)
            lists.append(values)
            axes[name] = arr
        points = [dict(zip(names, combo)) for combo in itertools.product(*lists)]
        return points, axes, tuple(len(v) for v in lists)
    if isinstance(grid, list):
        if not grid:
            raise ValueError("grid: expected a non-empty list of points (dicts of name -> value), got []")
        points = []
        for i, point in enumerate(grid):
            if not isinstance(point, dict):
                raise TypeError(f"grid[{i}]: expected a dict of parameter name -> value, got {type(point).__name__}")
            for name in point:
                _check_param_name(name, f"grid[{i}]")
            points.append(dict(point))
        return points, None, (len(points),)
    raise TypeError(
        "grid: expected a dict of axes {name: 1-D sequence} or a list of points [{name: value}, ...], "
        f"got {type(grid).__name__}"
    )


def _is_dask_client(obj) -> bool:
    """True for a ``distributed.Client`` (or subclass), detected without importing dask."""
    return any(
        cls.__name__ == "Client" and cls.__module__.split(".")[0] == "distributed" for cls in type(obj).__mro__
    ) and callable(getattr(obj, "submit", None))


def _check_executor(executor) -> str:
    if executor is None:
        return "serial"
    if isinstance(executor, concurrent.futures.Executor):
        return "futures"
    if _is_dask_client(executor):
        return "dask"
    raise TypeError(
        "executor: expected None, a concurrent.futures.Executor (ThreadPoolExecutor, ProcessPoolExecutor) "
        f"or a dask.distributed.Client, got {type(executor).__name__}"
    )


def _check_progress(progress, n_points: int) -> bool:
    if progress is None:
        return n_points > PROGRESS_THRESHOLD
    if not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"progress: expected True, False or None, got {progress!r} ({type(progress).__name__})")
    return bool(progress)


def _check_cache_dir(cache_dir) -> str | None:
    if cache_dir is None:
        return None
    if not isinstance(cache_dir, (str, os.PathLike)):
        raise TypeError(f"cache_dir: expected None, a str or an os.PathLike path, got {type(cache_dir).__name__}")
    path = os.fspath(cache_dir)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if os.path.exists(path) and not os.path.isdir(path):
        raise ValueError(f"cache_dir: expected a directory (or a path to create), got the file {path!r}")
    os.makedirs(path, exist_ok=True)
    return path


# ---------------------------------------------------------------------------
# Point values, cache files
# ---------------------------------------------------------------------------

def _run_point(fn, seed_seq, params):
    """Evaluate one point: what every executor runs (module level, so process pools can pickle it)."""
    return fn(np.random.default_rng(seed_seq), **params)


def _as_value(raw) -> np.ndarray:
    """fn's return value as a 0-D or 1-D float array, or raise ValueError/TypeError."""
    arr = np.asarray(raw)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer) or arr.dtype == bool
    ):
        raise TypeError(f"fn: expected a real number or a 1-D array of real numbers, got {type(raw).__name__} "
                        f"(dtype {arr.dtype})")
    if arr.ndim > 1:
        raise ValueError(f"fn: expected a real number or a 1-D array, got an array of shape {arr.shape}")
    return arr.astype(float)


def _json_ready(value):
    """Params as JSON for the cache key: numpy scalars as Python ones, other objects by repr."""
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value  # json writes floats exactly (shortest repr), NaN and inf as bare words
    return {"repr": repr(value)}


def _fn_name(fn) -> str:
    """A name for fn that is stable across runs (no memory addresses)."""
    inner = getattr(fn, "func", None)  # functools.partial
    if inner is not None and callable(inner) and hasattr(fn, "args") and hasattr(fn, "keywords"):
        return json.dumps([_fn_name(inner), _json_ready(list(fn.args)), _json_ready(dict(fn.keywords))])
    module = getattr(fn, "__module__", None) or type(fn).__module__
    qualname = getattr(fn, "__qualname__", None) or type(fn).__qualname__
    return f"{module}.{qualname}"


def _cache_path(cache_dir: str, fn_name: str, params: dict, seed: int, index: int) -> str:
    key = json.dumps({"fn": fn_name, "params": _json_ready(params), "seed": seed, "index": index},
                     sort_keys=True)
    return os.path.join(cache_dir, f"point-{hashlib.sha256(key.encode()).hexdigest()}.npy")


def _load_cached(path: str) -> np.ndarray | None:
    """The value stored at ``path``, or None if absent or not a valid point file (then it is recomputed)."""
    if not os.path.isfile(path):
        return None
    try:
        arr = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    if not isinstance(arr, np.ndarray) or arr.dtype != np.float64 or arr.ndim > 1:
        return None
    return arr


def _store_cached(path: str, value: np.ndarray) -> None:
    """Write atomically (temporary file, then rename), so an interrupted write leaves no half file."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-", suffix=".npy")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, value, allow_pickle=False)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


# ---------------------------------------------------------------------------
# Progress
# ---------------------------------------------------------------------------

class _Progress:
    """A tqdm bar on stderr when tqdm is installed, else a plain counter printed every ~10%."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.done, self.enabled = total, 0, enabled
        self._bar = None
        self._next_report = 0
        if not enabled:
            return
        tqdm = _import_optional("tqdm")
        if tqdm is not None:
            self._bar = tqdm.tqdm(total=total, desc="sweep", unit="pt", file=sys.stderr, leave=True)

    def update(self, n: int = 1) -> None:
        if not self.enabled or n <= 0:
            return
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
            return
        percent = 100 * self.done // self.total
        if percent >= self._next_report or self.done == self.total:
            print(f"sweep: {self.done}/{self.total} points ({percent}%)", file=sys.stderr, flush=True)
            self._next_report = (percent // 10 + 1) * 10

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


# ---------------------------------------------------------------------------
# Executors
# ---------------------------------------------------------------------------

def _run_serial(fn, tasks, on_done):
    for index, seed_seq, params in tasks:
        try:
            on_done(index, _run_point(fn, seed_seq, params), None)
        except Exception as exc:
            on_done(index, None, exc)


def _drain(futures: dict, completed, on_done, cancel):
    """Hand each finished future to on_done as it completes; cancel the rest on interruption."""
    try:
        for fut in completed:
            index = futures[fut]
            try:
                raw = fut.result()
            except Exception as exc:
                on_done(index, None, exc)
            else:
                on_done(index, raw, None)
    except BaseException:
        cancel()
        raise


def _run_futures(executor: concurrent.futures.Executor, fn, tasks, on_done):
    if isinstance(executor, concurrent.futures.ProcessPoolExecutor):
        try:
            pickle.dumps(fn)
        except Exception as exc:
            raise TypeError(
                "fn: a ProcessPoolExecutor needs a picklable fn (a module-level function, not a lambda or "
                f"a local function); pickling {fn!r} failed with {exc!r}"
            ) from exc
    futures = {}
    try:
        for index, seed_seq, params in tasks:
            futures[executor.submit(_run_point, fn, seed_seq, params)] = index
    except BaseException:
        for fut in futures:
            fut.cancel()
        raise

    def cancel():
        for fut in futures:
            fut.cancel()

    _drain(futures, concurrent.futures.as_completed(futures), on_done, cancel)


def _run_dask(client, fn, tasks, on_done):
    distributed = _import_optional("distributed")
    if distributed is None:  # pragma: no cover - a Client exists, so distributed is importable
        raise ImportError("executor: a dask.distributed.Client was given but distributed cannot be imported")
    futures = {}
    try:
        for index, seed_seq, params in tasks:
            # pure=False: never merge two points into one task, whatever their arguments.
            futures[client.submit(_run_point, fn, seed_seq, params, pure=False)] = index
    except BaseException:
        client.cancel(list(futures))
        raise
    _drain(futures, distributed.as_completed(list(futures)), on_done, lambda: client.cancel(list(futures)))


# ---------------------------------------------------------------------------
# The sweep
# ---------------------------------------------------------------------------

def _describe(params: dict) -> str:
    return "{" + ", ".join(f"{k}={v!r}" for k, v in params.items()) + "}"


def sweep(fn: Callable[..., Any], grid, *, seed, executor=None, progress=None, cache_dir=None) -> SweepResult:
    """Evaluate ``fn`` at every point of a parameter grid, reproducibly, on any executor.

    Parameters
    ----------
    fn : callable
        ``fn(rng, **params)`` returning a real number or a 1-D array of real numbers whose length is
        the same at every point.  ``rng`` is a :class:`numpy.random.Generator` seeded from the point's
        own child seed; draw every random number from it.  With a ``ProcessPoolExecutor`` ``fn``
        must be picklable (a module-level function or a ``functools.partial`` of one).
    grid : dict or list of dict
        Either a dict of axes ``{name: 1-D sequence}``, swept as the full Cartesian product with the
        axes in the order given (the last axis varies fastest), or a list of points
        ``[{name: value, ...}, ...]``.  Names are keyword arguments of ``fn`` (``"rng"`` is reserved).
    seed : int
        Non-negative root seed.  ``numpy.random.SeedSequence(seed)`` spawns one child per point, in
        grid order, so point ``i`` gets the same random stream whatever the executor, the number of
        workers or the order in which points finish.
    executor : None, concurrent.futures.Executor or dask.distributed.Client, optional
        Where to run the points: None runs them serially in this process; a thread or process pool
        or a dask ``Client`` runs them concurrently.  The executor is not shut down.
    progress : bool or None, optional
        Print progress to stderr (a tqdm bar if tqdm is installed, else a counter every ~10%).
        None (default) shows it for sweeps of more than ``PROGRESS_THRESHOLD`` (20) points.
    cache_dir : str or os.PathLike, optional
        Directory (created if needed) where each finished point is saved as it completes, as
        ``point-<sha256>.npy`` named by fn's qualified name, the point's parameters, ``seed`` and the
        point's index.  A later call with the same directory loads those points instead of
        recomputing them, so an interrupted sweep resumes.  Only fn's *name* enters the key: clear the
        directory after changing what fn computes.

    Returns
    -------
    SweepResult
        ``values`` shaped like the grid (plus a trailing axis for array-valued ``fn``), ``axes``
        (dict grids), ``points`` and ``seeds``.

    Raises
    ------
    SweepError
        After every point has finished, if any point raised (or returned a value of the wrong kind or
        shape, or its cached value has the wrong shape).  ``.partial`` holds the result with NaN at
        the failed points; ``.errors`` lists ``(params, exception)``.
    TypeError, ValueError
        For a bad argument, naming it.

    Examples
    --------
    >>> res = sweep(lambda rng, a, b: a * b + rng.standard_normal(), {"a": [1.0, 2.0], "b": [0.0, 1.0, 2.0]},
    ...             seed=0)
    >>> res.values.shape
    (2, 3)
    """
    fn = _check_fn(fn)
    seed = _check_seed(seed)
    points, axes, grid_shape = _expand_grid(grid)
    kind = _check_executor(executor)
    n = len(points)
    show = _check_progress(progress, n)
    cache_dir = _check_cache_dir(cache_dir)

    children = np.random.SeedSequence(seed).spawn(n)
    seeds = [(child.entropy, tuple(child.spawn_key)) for child in children]

    values: list[np.ndarray | None] = [None] * n
    errors: dict[int, BaseException] = {}
    from_cache: set[int] = set()
    paths: list[str | None] = [None] * n
    fn_name = _fn_name(fn) if cache_dir is not None else ""

    tasks = []
    for i, params in enumerate(points):
        if cache_dir is not None:
            paths[i] = _cache_path(cache_dir, fn_name, params, seed, i)
            cached = _load_cached(paths[i])
            if cached is not None:
                values[i] = cached
                from_cache.add(i)
                continue
        tasks.append((i, children[i], params))

    bar = _Progress(n, show)
    bar.update(len(from_cache))

    def on_done(index: int, raw, exc: BaseException | None) -> None:
        if exc is None:
            try:
                value = _as_value(raw)
            except (TypeError, ValueError) as bad:
                exc = bad
            else:
                values[index] = value
                if paths[index] is not None:
                    try:
                        _store_cached(paths[index], value)
                    except OSError as io_error:  # keep the value; only its reuse is lost
                        warnings.warn(f"cache_dir: could not save point {index} to {paths[index]!r} "
                                      f"({io_error!r}); it will be recomputed next time", UserWarning,
                                      stacklevel=2)
        if exc is not None:
            errors[index] = exc
        bar.update(1)

    try:
        if tasks:
            if kind == "serial":
                _run_serial(fn, tasks, on_done)
            elif kind == "futures":
                _run_futures(executor, fn, tasks, on_done)
            else:
                _run_dask(executor, fn, tasks, on_done)
    finally:
        bar.close()

    # Every value must have one shape: that of the first freshly computed point (else the first cached).
    order = [i for i in range(n) if values[i] is not None and i not in from_cache]
    order += [i for i in range(n) if values[i] is not None and i in from_cache]
    ref_shape = values[order[0]].shape if order else ()
    for i in range(n):
        if values[i] is not None and values[i].shape != ref_shape:
            where = f" (cached in {paths[i]!r}; delete that file to recompute it)" if i in from_cache else ""
            errors[i] = ValueError(
                f"fn: expected every point to return shape {ref_shape}, got {values[i].shape} at point {i}{where}"
            )
            values[i] = None

    out = np.full(grid_shape + ref_shape, np.nan)
    flat = out.reshape((n,) + ref_shape)
    for i, value in enumerate(values):
        if value is not None:
            flat[i] = value
    result = SweepResult(values=out, points=points, seeds=seeds, axes=axes)

    if errors:
        failed = [(points[i], errors[i]) for i in sorted(errors)]
        lines = [f"  {_describe(params)}: {exc!r}" for params, exc in failed[:_MAX_LISTED_ERRORS]]
        if len(failed) > _MAX_LISTED_ERRORS:
            lines.append(f"  ... and {len(failed) - _MAX_LISTED_ERRORS} more (see .errors)")
        message = (f"{len(failed)} of {n} sweep points failed (the others finished; "
                   f".partial holds them, NaN at the failures):\n" + "\n".join(lines))
        raise SweepError(message, partial=result, errors=failed)
    return result
