"""Speed of the mean-field computations chapter 1 relies on (a benchmark, not a test).

Run: .venv/bin/python benchmarks/bench_meanfield.py
Target (issue 2): the tanh critical line over 200 values of sigma_b2 in under 1 s.
"""


import numpy as np

from initdyn import meanfield as mf
from _timing import best_of  # benchmarks/_timing.py (this folder is on sys.path when run as a script)


def main():
    sb2 = np.linspace(0.0, 2.0, 200)
    rows = [
        ("critical_sigma_w2, tanh, 200 sigma_b2", lambda: mf.critical_sigma_w2(sigma_b2=sb2, activation="tanh"), 1.0),
        ("critical_sigma_w2, hard_tanh, 200 sigma_b2", lambda: mf.critical_sigma_w2(sigma_b2=sb2, activation="hard_tanh"), 1.0),
        ("q_star, tanh, one point", lambda: mf.q_star(sigma_w2=1.5, sigma_b2=0.05, activation="tanh"), None),
        ("chi1, tanh, 21 x 36 grid", lambda: mf.chi1(sigma_w2=np.linspace(0.5, 4, 36)[None, :],
                                                     sigma_b2=np.linspace(0, 0.5, 21)[:, None], activation="tanh"), None),
        ("c_star, tanh, chaotic point", lambda: mf.c_star(sigma_w2=2.5, sigma_b2=0.05, activation="tanh"), None),
        ("depth_scales, tanh, 40 sigma_w2", lambda: mf.depth_scales(sigma_w2=np.linspace(0.9, 3.8, 40), sigma_b2=0.05,
                                                                     activation="tanh"), None),
    ]
    print(f"{'computation':48s} {'best of 5 (s)':>14s} {'target (s)':>11s}")
    for name, fn, target in rows:
        t = best_of(fn, repeat=5 if "depth_scales" not in name else 1)[0]
        tgt = f"{target:.1f}" if target else "-"
        flag = "" if target is None or t < target else "  SLOWER THAN TARGET"
        print(f"{name:48s} {t:14.4f} {tgt:>11s}{flag}")


if __name__ == "__main__":
    main()
