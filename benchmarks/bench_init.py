"""Speed of the chapter-6 initializers and of the atlas (a benchmark, not a test).

Run: .venv/bin/python benchmarks/bench_init.py
Targets (issue 8): ``sparse_orthogonal`` for 1024 x 1024 at density 0.1 in under 1 s; the atlas of every
initializer (the chapter's settings) in under 90 s.  The table also gives the number of Givens rotations,
the achieved density and the orthogonality error max |W W^T - I|, and, for comparison, the dense Haar
``orthogonal`` (one QR) and the public code's loop (one rotation at a time, recounting the non-zeros
after each: quadratic work per rotation, where the library tracks the count incrementally).  Times are the best of a few runs; on a loaded machine multithreaded BLAS can be
many times slower than with OPENBLAS_NUM_THREADS=1.
"""

import math
import time

import numpy as np

from initdyn import atlas, init
from _timing import best_of  # benchmarks/_timing.py (this folder is on sys.path when run as a script)


def sequential_givens(m, density, gen):
    """The public code's loop: one rotation at a time, recounting the density after each (reference only)."""
    a = np.eye(m)
    while np.count_nonzero(a) < density * m * m:
        i = gen.integers(0, m)
        j = (i + 1 + gen.integers(0, m - 1)) % m
        th = gen.uniform(0, 2 * math.pi)
        c, s = math.cos(th), math.sin(th)
        a[:, [i, j]] = np.stack([c * a[:, i] + s * a[:, j], -s * a[:, i] + c * a[:, j]], axis=1)
    return a


def main():
    print(f"{'case':34s} {'time (s)':>9s} {'target (s)':>10s} {'rotations':>9s} {'density':>8s} {'|WW^T-I|':>9s}")
    cases = [((1024, 1024), 0.1, 1.0), ((1024, 1024), 0.5, None), ((2048, 512), 0.1, None),
             ((256, 256), 0.125, None), ((128, 128), 0.125, None), ((100, 100), 0.125, None)]
    for shape, d, target in cases:
        t, (w, info) = best_of(lambda: init.sparse_orthogonal(shape, density=d, rng=0, return_info=True))
        gram = w.T @ w if shape[0] >= shape[1] else w @ w.T
        err = np.abs(gram - np.eye(min(shape))).max()
        flag = "" if target is None or t < target else "  SLOWER THAN TARGET"
        tgt = f"{target:.1f}" if target else "-"
        print(f"{'sparse_orthogonal ' + str(shape) + f' d={d}':34s} {t:9.4f} {tgt:>10s} {info.n_rotations:9d}"
              f" {info.density:8.4f} {err:9.1e}{flag}")
    t, w = best_of(lambda: init.orthogonal((1024, 1024), rng=0))
    print(f"{'orthogonal (1024, 1024), QR':34s} {t:9.4f} {'-':>10s} {'-':>9s} {1.0:8.4f}"
          f" {np.abs(w @ w.T - np.eye(1024)).max():9.1e}")
    t, w = best_of(lambda: sequential_givens(1024, 0.1, np.random.default_rng(0)), repeat=1)
    print(f"{'sequential loop (1024, 1024) d=0.1':34s} {t:9.4f} {'-':>10s} {'-':>9s} {np.count_nonzero(w) / w.size:8.4f}"
          f" {np.abs(w @ w.T - np.eye(1024)).max():9.1e}")
    t, _ = best_of(lambda: init.idinit((4096, 1024)))
    print(f"{'idinit (4096, 1024)':34s} {t:9.4f}")
    t, _ = best_of(lambda: init.idinit((256, 64, 3, 3)))
    print(f"{'idinit (256, 64, 3, 3)':34s} {t:9.4f}")

    print("\natlas (the chapter's settings), per initializer and total; target 90 s")
    settings = dict(seed=6, width=100, depth=100, map_width=16, n_samples=dict(spread=3, survival=10, recurrence=20, period3=400))
    total = 0.0
    for name, fn in atlas.default_initializers().items():
        t0 = time.perf_counter()
        atlas.atlas_table({name: fn}, **settings)
        dt = time.perf_counter() - t0
        total += dt
        print(f"  {name:20s} {dt:7.2f} s")
    print(f"  {'total':20s} {total:7.2f} s{'' if total < 90 else '  SLOWER THAN TARGET'}")


if __name__ == "__main__":
    main()
