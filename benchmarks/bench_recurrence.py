"""Speed of the log-domain linear recurrences of chapter 4 (a benchmark, not a test).

Run: .venv/bin/python benchmarks/bench_recurrence.py [steps]
Target (issue 6): an ensemble of 64 trajectories at n = 1024 over 10^4 steps "in a few seconds", and
the ratio to the bare matrix products (``H = H @ A.T`` in a loop, no norms, which overflows for an
unstable A: the recurrence cannot be run that way, it only measures the floor).  The recurrence costs
one matrix product per step plus O(k n) for the norms; the ratio shows what the renormalisation adds.
Absolute times are those of the BLAS at hand: 64 x 1024^2 x 2 x 10^4 = 1.3e12 flops is a few seconds
only at a few hundred GFLOP/s; on the shared 2-core development machine (one BLAS thread) it took
31 s against 29 s for the bare products (ratio 1.07).
``method="eig"`` (diagonalise once, then log-domain powers of the eigenvalues; modes negligible at
step t dropped) is timed against both, with the largest |difference| of the log-norms to the power
method; an orthogonal matrix (no mode ever negligible) shows its worst case.  Measured on the shared
2-core machine with OPENBLAS_NUM_THREADS=1 (10^4 steps): n = 1024, 64 states: power 27.7 s, eig 3.6 s
(0.13 of power, 0.14 of the bare products; the eigen-decomposition is ~2 s of it), max |difference| of
the log-norms 2.6e-11; stack of 64 matrices n = 256 over 10^3 steps: eig 1.6x slower (64 decompositions);
orthogonal n = 256: eig 2.4x slower; A = 2I over 10^5 steps: eig 0.012 s against 0.71 s.
Set OPENBLAS_NUM_THREADS to compare thread counts.
"""

import sys
import time

import numpy as np

from initdyn import ginibre as gin, recurrence as rec


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

    def compare(name, A, H, s, bare):
        t_pow, out = timed(lambda: rec.log_norm_trajectory(A, H, s))
        t_eig, out_e = timed(lambda: rec.log_norm_trajectory(A, H, s, method="eig"))
        t_bare = timed(lambda: bare(A, H, s))[0] if bare is not None else float("nan")
        diff = float(np.max(np.abs(out_e - out)))
        rows.append((name, t_pow, t_eig, t_bare, diff, bool(np.isfinite(out).all() and np.isfinite(out_e).all())))

    n, k = 1024, 64
    A = gen.standard_normal((n, n)) / np.sqrt(n) / 1.05  # stable, so the bare loop does not overflow
    compare(f"one matrix n={n}, {k} states, {steps} steps", A, gen.standard_normal((k, n)), steps, bare_single)

    m, n2, s2 = 64, 256, max(1, steps // 10)
    A2 = gen.standard_normal((m, n2, n2)) / np.sqrt(n2) / 1.05
    compare(f"stack of {m} matrices n={n2}, 1 state each, {s2} steps", A2, gen.standard_normal((m, 1, n2)), s2,
            bare_stack)

    Q = np.linalg.qr(gen.standard_normal((n2, n2)))[0]  # orthogonal: every |lambda| = 1
    compare(f"orthogonal n={n2}, {k} states, {s2} steps (eig worst case)", Q, gen.standard_normal((k, n2)), s2,
            bare_single)

    big = 100_000
    t_pow, out = timed(lambda: rec.log_norm_trajectory(2.0 * np.eye(4), np.ones(4), big))
    t_eig, out_e = timed(lambda: rec.log_norm_trajectory(2.0 * np.eye(4), np.ones(4), big, method="eig"))
    exact = np.log(2.0) + np.arange(big + 1) * np.log(2.0)
    err = max(np.max(np.abs(out - exact) / exact), np.max(np.abs(out_e - exact) / exact))
    rows.append(("A = 2I, n=4, 1e5 steps (max rel. error %.1e)" % err, t_pow, t_eig, float("nan"),
                 float(np.max(np.abs(out_e - out))), bool(np.isfinite(out).all() and np.isfinite(out_e).all())))

    print(f"{'case':62s} {'power (s)':>9s} {'eig (s)':>8s} {'bare (s)':>9s} {'pow/bare':>8s} {'eig/pow':>7s} "
          f"{'eig/bare':>8s} {'max|diff|':>9s} {'finite':>6s}")
    for name, a, e, b, d, ok in rows:
        print(f"{name:62s} {a:9.3f} {e:8.3f} {b:9.3f} {a / b:8.2f} {e / a:7.2f} {e / b:8.2f} {d:9.1e} {str(ok):>6s}")

    t_rad, _ = timed(lambda: gin.glorot_radii(1024, 4, rng=1, method="arnoldi"))
    t_den, _ = timed(lambda: gin.glorot_radii(1024, 4, rng=1, method="dense"))
    print(f"\nspectral radius n=1024 (x4): Arnoldi {t_rad:.3f} s, dense {t_den:.3f} s, ratio {t_rad / t_den:.2f}")


if __name__ == "__main__":
    main()
