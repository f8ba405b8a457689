"""Speed of the Jacobian spectra of chapter 2 (a benchmark, not a test).

Run: .venv/bin/python benchmarks/bench_spectra.py
Targets (issue 4):
* the theoretical density at 1,000 points for depth up to 1,000 in under 1 s;
* the simulated spectrum of one network of width 1000 and depth 128 close to the cost of its matrix
  products and one SVD: the ratio to a bare numpy loop (draw, scale, product, elementwise D, final SVD)
  is reported.
The accuracy column of the density is the largest relative deviation from the Fuss-Catalan closed
form (linear Gaussian only).
"""


import numpy as np

from initdyn import freeprob, spectra
from initdyn.init import orthogonal
from _timing import best_of  # benchmarks/_timing.py (this folder is on sys.path when run as a script)


def bare_loop(width, depth, weights, sigma_w2, activation, seed=0):
    gen = np.random.default_rng(seed)
    x = np.tanh(gen.standard_normal(width)) if activation == "tanh" else np.maximum(gen.standard_normal(width), 0)
    J = np.eye(width)
    for _ in range(depth):
        W = gen.standard_normal((width, width)) * np.sqrt(sigma_w2 / width) if weights == "gaussian" \
            else orthogonal((width, width), rng=gen) * np.sqrt(sigma_w2)
        h = W @ x
        x = np.tanh(h) if activation == "tanh" else np.maximum(h, 0)
        d = 1 - x * x if activation == "tanh" else (h > 0).astype(float)
        J = d[:, None] * (W @ J)
    return np.linalg.svd(J, compute_uv=False)


def main():
    print("Theoretical density on 1000 points")
    print(f"{'setting':34s} {'depth':>6s} {'time (s)':>9s} {'target':>7s} {'max rel err vs FC':>18s}")
    tanh_point = freeprob.critical_point(1 / 64, activation="tanh")
    cases = [("linear gaussian", dict(sigma_w2=1.0, sigma_b2=0.0, activation="linear", weights="gaussian")),
             ("relu orthogonal", dict(sigma_w2=2.0, sigma_b2=0.0, activation="relu", weights="orthogonal")),
             ("tanh orthogonal q*=1/64", dict(sigma_w2=tanh_point[0], sigma_b2=tanh_point[1], activation="tanh",
                                              weights="orthogonal")),
             ("tanh gaussian q*=1/64", dict(sigma_w2=tanh_point[0], sigma_b2=tanh_point[1], activation="tanh",
                                            weights="gaussian"))]
    for name, kw in cases:
        for depth in [2, 128, 1000]:
            if name.startswith("linear"):
                lam, rho = freeprob.fuss_catalan_density(1000, depth=depth)
            else:
                edge = freeprob.jacobian_spectrum_edge(depth=depth, **kw)
                lam, rho = edge * np.logspace(-8, -1e-4, 1000), None
            t, got = best_of(lambda: freeprob.jacobian_spectrum_density(lam, depth=depth, **kw))
            err = f"{np.max(np.abs(got / rho - 1)):.1e}" if rho is not None else "-"
            flag = "" if t < 1.0 else "  SLOWER THAN TARGET"
            print(f"{name:34s} {depth:6d} {t:9.3f} {'1.0':>7s} {err:>18s}{flag}")

    print("\nSimulated spectrum, width 1000, depth 128 (one network, one SVD)")
    print(f"{'setting':34s} {'library (s)':>12s} {'bare loop (s)':>14s} {'ratio':>6s}")
    for name, weights, sw2, act in [("relu gaussian", "gaussian", 2.0, "relu"),
                                    ("tanh orthogonal", "orthogonal", 1.03, "tanh")]:
        t_lib, _ = best_of(lambda: spectra.jacobian_singular_values(width=1000, depth=128, sigma_w2=sw2,
                                                                    sigma_b2=0.0, activation=act,
                                                                    weights=weights, rng=0), repeat=2)
        t_bare, _ = best_of(lambda: bare_loop(1000, 128, weights, sw2, act), repeat=2)
        print(f"{name:34s} {t_lib:12.2f} {t_bare:14.2f} {t_lib / t_bare:6.2f}")


if __name__ == "__main__":
    main()
