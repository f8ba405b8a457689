"""Speed and accuracy of the exact signal distributions of chapter 3 (a benchmark, not a test).

Run: .venv/bin/python benchmarks/bench_exact.py
Target (issue 5): the exact distribution for N = 1000, L = 100 in under 2 s.  "Build" constructs the
distribution object (Chernoff window, Mellin transform, Fourier coefficients, or the grid recursion
with biases); "use" adds what a chapter does with it: pdf and cdf on 1000 points and the median.
The last columns report accuracy: |total probability - 1| (pdf integrated on the log scale over the
window, plus the atom) and |cdf(median) - 1/2|.  (Moments are closed forms; integrating them from the
density is ill-conditioned where the mean is carried by events rarer than the window's 1e-18 tails,
which is the heavy-tail effect of the chapter.)
"""


import numpy as np

from initdyn import exact
from _timing import best_of  # benchmarks/_timing.py (this folder is on sys.path when run as a script)


def use(d):
    t = np.linspace(d.t_lo, d.t_hi, 1000)
    d.pdf_log(t), d.cdf_log(t), d.median()
    return d


def accuracy(d):
    t = np.linspace(d.t_lo, d.t_hi, 20001)
    f = d.pdf_log(t)
    total = np.trapezoid(f, t) + d.p_zero
    med = d.median()
    return abs(total - 1), abs(d.cdf(med) - 0.5) if med > 0 else float("nan")


def main():
    cases = [
        ("N=1000, L=100, sigma_b2=0", dict(width=1000, depth=100, sigma_w2=2.0), 2.0),
        ("N=1000, L=1000, sigma_b2=0", dict(width=1000, depth=1000, sigma_w2=2.0), None),
        ("N=10, L=100, sigma_b2=0", dict(width=10, depth=100, sigma_w2=2.0), None),
        ("N=10000, L=10, sigma_b2=0", dict(width=10000, depth=10, sigma_w2=2.0), None),
        ("N=1000, L=100, sigma_b2=0.05", dict(width=1000, depth=100, sigma_w2=2.0, sigma_b2=0.05), 2.0),
        ("N=10, L=10, sigma_b2=0.1", dict(width=10, depth=10, sigma_w2=2.0, sigma_b2=0.1), None),
    ]
    print(f"{'distribution':30s} {'build (s)':>10s} {'build+use (s)':>14s} {'target (s)':>11s}"
          f" {'|P_total-1|':>12s} {'|F(med)-1/2|':>13s}")
    for name, kw, target in cases:
        t_build, d = best_of(lambda: exact.squared_norm_ratio(**kw))
        t_use, _ = best_of(lambda: use(exact.squared_norm_ratio(**kw)))
        err_p, err_m = accuracy(d)
        tgt = f"{target:.1f}" if target else "-"
        flag = "" if target is None or t_use < target else "  SLOWER THAN TARGET"
        print(f"{name:30s} {t_build:10.4f} {t_use:14.4f} {tgt:>11s} {err_p:12.1e} {err_m:13.1e}{flag}")
    t_sh, _ = best_of(lambda: use(exact.shared_squared_norm_ratio(width=1000, depth=100)))
    print(f"{'shared, N=1000, L=100':30s} {'':10s} {t_sh:14.4f} {'-':>11s}")
    t_sim, _ = best_of(lambda: exact.simulate_squared_norm_ratio(width=30, depth=30, sigma_w2=2.0,
                                                                 n_samples=1000, rng=0), repeat=1)
    print(f"{'Monte Carlo, 1000 nets N=L=30':30s} {'':10s} {t_sim:14.4f} {'-':>11s}")


if __name__ == "__main__":
    main()
