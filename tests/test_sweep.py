"""initdyn.sweep: reproducible grid sweeps on any executor, failures, cache resume, bad input."""

import ast
import concurrent.futures
import functools
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import initdyn.sweep as sweep_mod
from initdyn import chaos as ch
from initdyn import meanfield as mf
from initdyn.sweep import SweepError, SweepResult, sweep

SEED = 20240611
PHASE_GRID = {"sigma_w2": [1.0, 1.5, 2.0, 2.5], "sigma_b2": [0.0, 0.05]}
CHAOS_GRID = {"width": [4, 8]}


# Module-level point functions: a ProcessPoolExecutor (and dask) must pickle them.

def phase_point(rng, sigma_w2, sigma_b2):
    """chi_1 of a tanh network plus a small Monte Carlo term, so the seed matters."""
    chi = mf.chi1(sigma_w2=sigma_w2, sigma_b2=sigma_b2, activation="tanh")
    return chi + rng.standard_normal(1000).mean()


def chaos_point(rng, width):
    """Fraction of 200 random He ReLU maps with a point of period 3 (Li-Yorke chaos)."""
    return ch.random_relu_map(width=width, init="he", n_samples=200, rng=rng).has_period3().mean()


def moments_point(rng, n):
    x = rng.standard_normal(n)
    return np.array([x.mean(), x.var(), x.max()])


def flaky_point(rng, sigma_w2, sigma_b2, calls=None):
    if calls is not None:
        calls.append((sigma_w2, sigma_b2))
    if sigma_w2 == 2.0:
        raise ValueError(f"boom at {sigma_w2}")
    return phase_point(rng, sigma_w2, sigma_b2)


def sleepy_point(rng, x, marker=None, delay=0.25):
    """``2 * delay`` s per point; with ``marker``, the first attempt at x == 3 kills its worker process."""
    time.sleep(delay)
    if marker is not None and x == 3:
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            pass  # the retry on another (or a restarted) worker
        else:
            os.close(fd)
            os._exit(1)  # the worker dies in the middle of its task
    time.sleep(delay)
    return x + rng.standard_normal()


# Behaviour of cached_point, switched by the cache tests: "ok", "fail" (any call fails) or "fail-odd".
CACHED_MODE = {"mode": "ok", "calls": 0}


def cached_point(rng, x):
    CACHED_MODE["calls"] += 1
    if CACHED_MODE["mode"] == "fail" or (CACHED_MODE["mode"] == "fail-odd" and x % 2):
        raise RuntimeError(f"cached_point called for x={x}")
    return np.sqrt(x) + rng.standard_normal()


def _serial(fn, grid):
    return sweep(fn, grid, seed=SEED, progress=False)


def _bounded(call, timeout=90):
    """Run ``call()`` in a thread and fail the test (instead of hanging) if it takes too long."""
    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:
        return pool.submit(call).result(timeout=timeout)
    finally:
        pool.shutdown(wait=False)


# --- the result ----------------------------------------------------------------------------------

def test_dict_grid_result_is_labelled_and_each_point_has_its_own_child_seed():
    res = _serial(phase_point, PHASE_GRID)
    assert isinstance(res, SweepResult)
    assert res.values.shape == (4, 2) and res.values.dtype == np.float64
    assert list(res.axes) == ["sigma_w2", "sigma_b2"]
    np.testing.assert_array_equal(res.axes["sigma_w2"], [1.0, 1.5, 2.0, 2.5])
    assert res.points[:3] == [{"sigma_w2": 1.0, "sigma_b2": 0.0}, {"sigma_w2": 1.0, "sigma_b2": 0.05},
                              {"sigma_w2": 1.5, "sigma_b2": 0.0}]
    assert res.seeds == [(SEED, (i,)) for i in range(8)]
    children = np.random.SeedSequence(SEED).spawn(8)
    for i, params in enumerate(res.points):
        expected = phase_point(np.random.default_rng(children[i]), **params)
        assert res.values.reshape(-1)[i] == expected
        assert phase_point(res.generator(i), **params) == expected
    # The seed matters, and the values are chi_1 up to the Monte Carlo term (sd 1/sqrt(1000)).
    assert not np.array_equal(res.values, sweep(phase_point, PHASE_GRID, seed=SEED + 1).values)
    chi = np.array([[mf.chi1(sigma_w2=w, sigma_b2=b, activation="tanh") for b in (0.0, 0.05)]
                    for w in (1.0, 1.5, 2.0, 2.5)])
    assert np.max(np.abs(res.values - chi)) < 0.2


def test_list_grid_and_array_valued_fn():
    grid = [{"n": 10}, {"n": 100}, {"n": 1000}]
    res = _serial(moments_point, grid)
    assert res.axes is None and res.points == grid
    assert res.values.shape == (3, 3)
    res2 = _serial(moments_point, {"n": [10, 100]})
    assert res2.values.shape == (2, 3)
    np.testing.assert_array_equal(res2.values, res.values[:2])  # same points, same indices, same seeds


def test_to_dataframe_is_tidy():
    pd = pytest.importorskip("pandas")
    df = _serial(phase_point, PHASE_GRID).to_dataframe()
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["sigma_w2", "sigma_b2", "value"] and len(df) == 8
    assert df.iloc[1].to_dict()["sigma_b2"] == 0.05
    df2 = _serial(moments_point, [{"n": 10}, {"n": 20}]).to_dataframe()
    assert list(df2.columns) == ["n", "value_0", "value_1", "value_2"]


def test_to_dataframe_without_pandas_raises_a_clear_import_error(monkeypatch):
    res = _serial(phase_point, PHASE_GRID)
    monkeypatch.setattr(sweep_mod, "_import_optional", lambda name: None)
    with pytest.raises(ImportError, match="pandas"):
        res.to_dataframe()


# --- executors: bit-for-bit the serial result ------------------------------------------------------

@pytest.fixture(scope="module")
def thread_pool():
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        yield pool


@pytest.fixture(scope="module")
def process_pool():
    with concurrent.futures.ProcessPoolExecutor(2) as pool:
        yield pool


CASES = [(phase_point, PHASE_GRID), (chaos_point, CHAOS_GRID)]


@pytest.mark.parametrize("fn, grid", CASES, ids=["phase-diagram", "chaos-probability"])
@pytest.mark.parametrize("pool", ["thread_pool", "process_pool"])
def test_pools_reproduce_the_serial_sweep_bit_for_bit(fn, grid, pool, request):
    executor = request.getfixturevalue(pool)
    serial = _serial(fn, grid)
    parallel = sweep(fn, grid, seed=SEED, executor=executor, progress=False)
    assert np.array_equal(serial.values, parallel.values)
    assert parallel.points == serial.points and parallel.seeds == serial.seeds


def test_chaos_probability_is_a_probability():
    res = _serial(chaos_point, CHAOS_GRID)
    assert res.values.shape == (2,) and np.all((res.values >= 0) & (res.values <= 1))


def test_process_pool_rejects_an_unpicklable_fn(process_pool):
    with pytest.raises(TypeError, match="fn: a ProcessPoolExecutor needs a picklable fn"):
        sweep(lambda rng, x: x, {"x": [1, 2]}, seed=0, executor=process_pool)


# --- dask.distributed --------------------------------------------------------------------------------

def _local_cluster(distributed):
    return distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR,
    )


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("dask.distributed")
    cluster = _local_cluster(distributed)
    client = distributed.Client(cluster, timeout="30s")
    yield client
    client.close(timeout=10)
    cluster.close(timeout=10)


@pytest.mark.slow
@pytest.mark.parametrize("fn, grid", CASES, ids=["phase-diagram", "chaos-probability"])
def test_dask_reproduces_the_serial_sweep_bit_for_bit(fn, grid, dask_client):
    serial = _serial(fn, grid)
    res = _bounded(lambda: sweep(fn, grid, seed=SEED, executor=dask_client, progress=False))
    assert np.array_equal(serial.values, res.values)


@pytest.mark.slow
def test_dask_failures_are_collected(dask_client):
    with pytest.raises(SweepError) as info:
        _bounded(lambda: sweep(flaky_point, PHASE_GRID, seed=SEED, executor=dask_client, progress=False))
    assert len(info.value.errors) == 2 and all(isinstance(e, ValueError) for _, e in info.value.errors)
    assert np.isnan(info.value.partial.values[2]).all() and np.isfinite(info.value.partial.values[[0, 1, 3]]).all()


@pytest.mark.slow
def test_dask_reschedules_the_points_of_a_killed_worker(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    grid = {"x": list(range(8))}
    serial = sweep(functools.partial(sleepy_point, delay=0.0), grid, seed=SEED, progress=False)
    marker = tmp_path / "killed"
    with _local_cluster(distributed) as cluster, distributed.Client(cluster, timeout="30s") as client:
        fn = functools.partial(sleepy_point, marker=str(marker))
        res = _bounded(lambda: sweep(fn, grid, seed=SEED, executor=client, progress=False), timeout=120)
    assert marker.exists()  # a worker process really died mid-sweep (os._exit in its running task)
    assert np.array_equal(res.values, serial.values)


# --- failures --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("pool", [None, "thread_pool"])
def test_a_failed_point_does_not_stop_the_others(pool, request):
    executor = None if pool is None else request.getfixturevalue(pool)
    calls = []
    fn = functools.partial(flaky_point, calls=calls)
    with pytest.raises(SweepError) as info:
        sweep(fn, PHASE_GRID, seed=SEED, executor=executor, progress=False)
    err = info.value
    assert isinstance(err, RuntimeError)
    assert len(calls) == 8  # every point ran, including those after the failures
    msg = str(err)
    assert "2 of 8" in msg and "sigma_w2=2.0, sigma_b2=0.0" in msg and "sigma_w2=2.0, sigma_b2=0.05" in msg
    assert "ValueError('boom at 2.0')" in msg
    assert [p for p, _ in err.errors] == [{"sigma_w2": 2.0, "sigma_b2": 0.0}, {"sigma_w2": 2.0, "sigma_b2": 0.05}]
    assert all(isinstance(e, ValueError) for _, e in err.errors)
    full = _serial(phase_point, PHASE_GRID).values
    partial = err.partial.values
    assert np.isnan(partial[2]).all()
    keep = [0, 1, 3]
    assert np.array_equal(partial[keep], full[keep])  # nothing already computed is lost


def test_bad_return_values_are_failed_points():
    with pytest.raises(SweepError, match="shape"):
        _serial(lambda rng, n: np.zeros((n, 2)), {"n": [1, 2]})
    with pytest.raises(SweepError) as info:
        _serial(lambda rng, n: np.zeros(n), {"n": [3, 3, 4]})
    assert [p for p, _ in info.value.errors] == [{"n": 4}]
    assert info.value.partial.values.shape == (3, 3)
    with pytest.raises(SweepError, match="real number"):
        _serial(lambda rng, n: "text", {"n": [1]})


# --- cache and resume -----------------------------------------------------------------------------------

@pytest.fixture
def cached_mode():
    CACHED_MODE.update(mode="ok", calls=0)
    yield CACHED_MODE
    CACHED_MODE.update(mode="ok", calls=0)


def test_cache_resume_loads_finished_points(tmp_path, cached_mode):
    grid = {"x": [1, 2, 3, 4, 5]}
    first = sweep(cached_point, grid, seed=SEED, cache_dir=tmp_path, progress=False)
    assert cached_mode["calls"] == 5 and len(list(tmp_path.glob("point-*.npy"))) == 5
    cached_mode["mode"] = "fail"  # any call would now raise: every point must come from the cache
    again = sweep(cached_point, grid, seed=SEED, cache_dir=str(tmp_path), progress=False)
    assert np.array_equal(first.values, again.values) and cached_mode["calls"] == 5
    # Another seed is another sweep: nothing is reused.
    with pytest.raises(SweepError):
        sweep(cached_point, grid, seed=SEED + 1, cache_dir=tmp_path, progress=False)


def test_an_interrupted_sweep_resumes(tmp_path, cached_mode, thread_pool):
    grid = {"x": list(range(8))}
    reference = _serial(cached_point, grid).values
    cached_mode["mode"] = "fail-odd"
    with pytest.raises(SweepError) as info:
        sweep(cached_point, grid, seed=SEED, cache_dir=tmp_path, executor=thread_pool, progress=False)
    assert len(info.value.errors) == 4 and len(list(tmp_path.glob("point-*.npy"))) == 4
    cached_mode.update(mode="ok", calls=0)
    res = sweep(cached_point, grid, seed=SEED, cache_dir=tmp_path, executor=thread_pool, progress=False)
    assert cached_mode["calls"] == 4  # only the missing (odd) points were computed
    assert np.array_equal(res.values, reference)


def test_cache_files_are_validated(tmp_path, cached_mode):
    grid = {"x": [1, 2, 3]}
    first = sweep(cached_point, grid, seed=SEED, cache_dir=tmp_path, progress=False)
    name = sweep_mod._fn_name(cached_point)
    paths = [sweep_mod._cache_path(str(tmp_path), name, p, SEED, i) for i, p in enumerate(first.points)]
    assert all(os.path.isfile(p) for p in paths)
    # A corrupt file is recomputed (and rewritten) ...
    Path(paths[0]).write_bytes(b"not an npy file")
    cached_mode["calls"] = 0
    again = sweep(cached_point, grid, seed=SEED, cache_dir=tmp_path, progress=False)
    assert cached_mode["calls"] == 1 and np.array_equal(again.values, first.values)
    # ... a value of the wrong shape is reported, naming its file.
    np.save(paths[2], np.zeros(3))
    with pytest.raises(SweepError, match="delete that file") as info:
        sweep(cached_point, grid, seed=SEED, cache_dir=tmp_path, progress=False)
    assert os.path.basename(paths[2]) in str(info.value)
    assert np.array_equal(info.value.partial.values[:2], first.values[:2])


# --- validation ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "grid, exc, match",
    [
        ({}, ValueError, "grid: expected at least one axis"),
        ({"a": []}, ValueError, r"grid\['a'\]: expected a non-empty axis"),
        ({"a": [[1, 2], [3, 4]]}, ValueError, r"grid\['a'\]: expected a 1-D .* shape \(2, 2\)"),
        ({"a": np.ones((2, 2))}, ValueError, r"grid\['a'\]: expected a 1-D"),
        ({"a": 3.0}, TypeError, r"grid\['a'\]: expected a 1-D sequence .* got float"),
        ({"a": "abc"}, TypeError, r"grid\['a'\]"),
        ({"rng": [1]}, ValueError, "reserved"),
        ({1: [1]}, ValueError, "identifiers"),
        ([], ValueError, "grid: expected a non-empty list"),
        ([{"a": 1}, 2], TypeError, r"grid\[1\]: expected a dict"),
        ("a", TypeError, "grid: expected a dict of axes .* got str"),
        ((1, 2), TypeError, "grid: .* got tuple"),
        (None, TypeError, "grid: .* got NoneType"),
    ],
)
def test_bad_grid(grid, exc, match):
    with pytest.raises(exc, match=match):
        sweep(phase_point, grid, seed=0)


@pytest.mark.parametrize(
    "seed, exc, match",
    [
        (-1, ValueError, r"seed: expected a non-negative integer \(>= 0\), got -1"),
        (1.5, TypeError, r"seed: expected a non-negative integer, got 1\.5 \(float\)"),
        (1.0, TypeError, "seed"),
        (True, TypeError, "seed"),
        ("1", TypeError, "seed"),
        (None, TypeError, "seed"),
    ],
)
def test_bad_seed(seed, exc, match):
    with pytest.raises(exc, match=match):
        sweep(phase_point, PHASE_GRID, seed=seed)


def test_seed_accepts_numpy_integers():
    a = sweep(phase_point, PHASE_GRID, seed=np.int64(SEED)).values
    assert np.array_equal(a, _serial(phase_point, PHASE_GRID).values)


@pytest.mark.parametrize("executor", [object(), "threads", 2, concurrent.futures.ThreadPoolExecutor])
def test_bad_executor(executor):
    with pytest.raises(TypeError, match="executor: expected None, a concurrent.futures.Executor .* got"):
        sweep(phase_point, PHASE_GRID, seed=0, executor=executor)


def test_other_bad_arguments(tmp_path):
    with pytest.raises(TypeError, match="fn: expected a callable"):
        sweep("phase_point", PHASE_GRID, seed=0)
    with pytest.raises(TypeError, match="progress: expected True, False or None"):
        sweep(phase_point, PHASE_GRID, seed=0, progress="yes")
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(ValueError, match="cache_dir: expected a directory"):
        sweep(phase_point, PHASE_GRID, seed=0, cache_dir=afile)
    with pytest.raises(TypeError, match="cache_dir"):
        sweep(phase_point, PHASE_GRID, seed=0, cache_dir=3)
    res = _serial(phase_point, PHASE_GRID)
    with pytest.raises(ValueError, match=r"index: expected an integer in \[0, 8\), got 8"):
        res.generator(8)


# --- progress -------------------------------------------------------------------------------------------

def test_progress_true_prints_to_stderr(capsys):
    sweep(phase_point, {"sigma_w2": [1.0, 2.0], "sigma_b2": [0.0]}, seed=0, progress=True)
    captured = capsys.readouterr()
    assert captured.err.strip() and not captured.out


def test_progress_false_prints_nothing(capsys):
    sweep(phase_point, {"sigma_w2": [1.0] * 30, "sigma_b2": [0.0]}, seed=0, progress=False)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_progress_default_only_for_long_sweeps(capsys):
    sweep(moments_point, {"n": [2] * 20}, seed=0)
    assert capsys.readouterr().err == ""
    sweep(moments_point, {"n": [2] * 21}, seed=0)
    assert capsys.readouterr().err.strip()


def test_progress_without_tqdm_prints_a_plain_counter(capsys, monkeypatch):
    monkeypatch.setattr(sweep_mod, "_import_optional", lambda name: None)
    sweep(moments_point, {"n": [2] * 40}, seed=0, progress=True)
    lines = capsys.readouterr().err.splitlines()
    assert lines[-1] == "sweep: 40/40 points (100%)"
    assert 10 <= len(lines) <= 12  # about every 10%


# --- the core stays light ------------------------------------------------------------------------------

def test_importing_sweep_imports_no_optional_extra():
    code = ("import sys, initdyn.sweep; "
            "print(sorted(m for m in ('dask', 'distributed', 'pandas', 'tqdm') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_the_only_import_inside_a_function_is_the_optional_helper():
    tree = ast.parse(Path(sweep_mod.__file__).read_text())
    module_level = {id(node) for node in tree.body}
    nested = [node for node in ast.walk(tree)
              if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in module_level]
    assert nested == []
    # ... and importlib.import_module appears only in _import_optional.
    calls = [f.name for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
             for n in ast.walk(f) if isinstance(n, ast.Attribute) and n.attr == "import_module"]
    assert calls == ["_import_optional"]


def test_a_cache_write_failure_keeps_the_value(tmp_path, monkeypatch, cached_mode):
    def broken_store(path, value):
        raise OSError("disk full")

    monkeypatch.setattr(sweep_mod, "_store_cached", broken_store)
    with pytest.warns(UserWarning, match="cache_dir: could not save point"):
        res = sweep(cached_point, {"x": [1, 2]}, seed=SEED, cache_dir=tmp_path, progress=False)
    assert np.array_equal(res.values, _serial(cached_point, {"x": [1, 2]}).values)
