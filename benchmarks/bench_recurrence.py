"""Speed of the log-domain linear recurrences of chapter 4 (a benchmark, not a test).

Run: .venv/bin/python benchmarks/bench_recurrence.py [steps]
Target (issue 6): an ensemble of 64 trajectories at n = 1024 over 10^4 steps "in a few seconds", and
the ratio to the bare matrix products (``H = H @ A.T`` in a loop, no norms, which overflows for an
unstable A: the recurrence cannot be run that way, it only measures the floor).  The recurrence costs
one matrix product per step plus O(k n) for the norms; the ratio shows what the renormalisation adds.
Absolute times are those of the BLAS at hand: 64 x 1024^2 x 2 x 10^4 = 1.3e12 flops is a few seconds
only at a few hundred GFLOP/s; on the shared 2-core development machine (one BLAS thread) it took
31 s against 29 s for the bare products (ratio 1.07).
Set OPENBLAS_NUM_THREADS to compare thread counts.
"""

import sys
import time

import numpy as np

from initdyn import recurrence as rec


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def bare_single(A, H, steps):
    at = A.T
    for _ in range(steps):
        H = H @ at
    return H


def bare_stack(A, H, steps):
    at = np.ascontiguousarray(np.swapaxes(A, 1, 2))
    for _ in range(steps):
        H = H @ at
    return H


def main():
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    gen = np.random.default_rng(0)
    rows = []

    n, k = 1024, 64
    A = gen.standard_normal((n, n)) / np.sqrt(n) / 1.05  # stable, so the bare loop does not overflow
    H = gen.standard_normal((k, n))
    t_traj, out = timed(lambda: rec.log_norm_trajectory(A, H, steps))
    t_bare, _ = timed(lambda: bare_single(A, H, steps))
    rows.append((f"one matrix n={n}, {k} states, {steps} steps", t_traj, t_bare, np.isfinite(out).all()))

    m, n2, s2 = 64, 256, max(1, steps // 10)
    A2 = gen.standard_normal((m, n2, n2)) / np.sqrt(n2) / 1.05
    H2 = gen.standard_normal((m, 1, n2))
    t_traj, out = timed(lambda: rec.log_norm_trajectory(A2, H2, s2))
    t_bare, _ = timed(lambda: bare_stack(A2, H2, s2))
    rows.append((f"stack of {m} matrices n={n2}, 1 state each, {s2} steps", t_traj, t_bare, np.isfinite(out).all()))

    t_traj, out = timed(lambda: rec.log_norm_trajectory(2.0 * np.eye(4), np.ones(4), 100_000))
    err = abs(out[-1] - out[0] - 100_000 * np.log(2.0)) / (100_000 * np.log(2.0))
    rows.append(("A = 2I, n=4, 1e5 steps (rel. error %.1e)" % err, t_traj, float("nan"), np.isfinite(out).all()))

    t_rad, _ = timed(lambda: rec.glorot_radii(1024, 4, rng=1, method="arnoldi"))
    t_den, _ = timed(lambda: rec.glorot_radii(1024, 4, rng=1, method="dense"))
    rows.append(("spectral radius n=1024: Arnoldi vs dense (x4)", t_rad, t_den, True))

    print(f"{'case':58s} {'initdyn (s)':>12s} {'bare/dense (s)':>15s} {'ratio':>7s} {'finite':>7s}")
    for name, a, b, ok in rows:
        ratio = a / b if np.isfinite(b) else float("nan")
        print(f"{name:58s} {a:12.3f} {b:15.3f} {ratio:7.2f} {str(bool(ok)):>7s}")


if __name__ == "__main__":
    main()
