"""Overhead of initdyn.sweep against a bare loop over the same points (a benchmark, not a test).

Run: .venv/bin/python benchmarks/bench_sweep.py
Target (issue 17): for points of at least 50 ms, a serial sweep costs at most 5% more than a bare Python loop
that builds the same per-point generators and calls the same function; the per-point overhead in
milliseconds is printed too.  With dask installed, the same sweep on a 2-worker LocalCluster is timed beside
it (wall time, one run; it includes shipping the function and results, not the cluster's start-up).
"""

import numpy as np

from initdyn.sweep import sweep
from _timing import best_of  # benchmarks/_timing.py (this folder is on sys.path when run as a script)


def work(rng, size):
    """A point of realistic cost: the singular values of one Gaussian matrix of the given size."""
    return np.linalg.svd(rng.standard_normal((size, size)), compute_uv=False)[:3]


def bare(sizes, seed):
    children = np.random.SeedSequence(seed).spawn(len(sizes))
    return np.array([work(np.random.default_rng(c), s) for c, s in zip(children, sizes)])


def main():
    print(f"{'point size':>10s} {'points':>6s} {'ms/point':>9s} {'bare (s)':>9s} {'sweep (s)':>10s} "
          f"{'ratio':>6s} {'overhead ms/pt':>15s} {'goal':>6s}")
    for size, n in [(100, 200), (400, 40), (700, 20)]:
        sizes = [size] * n
        t_bare, ref = best_of(lambda: bare(sizes, 7))
        t_sweep, res = best_of(lambda: sweep(work, [{"size": s} for s in sizes], seed=7, progress=False))
        assert np.array_equal(res.values, ref), "sweep and the bare loop disagree"
        per = t_bare / n * 1e3
        goal = "<=1.05" if per >= 50 else "-"
        print(f"{size:10d} {n:6d} {per:9.1f} {t_bare:9.3f} {t_sweep:10.3f} {t_sweep / t_bare:6.3f} "
              f"{(t_sweep - t_bare) / n * 1e3:15.3f} {goal:>6s}")
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        print("\ndask.distributed not installed: LocalCluster timing skipped")
        return
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        sizes = [700] * 20
        t_bare, ref = best_of(lambda: bare(sizes, 7), repeat=1)
        t_dask, res = best_of(lambda: sweep(work, [{"size": s} for s in sizes], seed=7, executor=client,
                                            progress=False), repeat=1)
        assert np.array_equal(res.values, ref)
        print(f"\n2-worker LocalCluster, 20 points of size 700: serial {t_bare:.2f} s, cluster {t_dask:.2f} s "
              f"(identical values)")


if __name__ == "__main__":
    main()
