"""Speed of the exact periodic-point machinery of chapter 5 (a benchmark, not a test).

Run: .venv/bin/python benchmarks/bench_chaos.py
Target (issue 7): exact period-3 detection for 10^5 random width-16 maps in under 30 s.
"""

import time

import numpy as np

from initdyn import chaos, piecewise


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main():
    rng = np.random.default_rng(0)
    rows = []

    t_draw, he = timed(lambda: chaos.random_relu_map(width=16, init="he", n_samples=100_000, rng=rng))
    rows.append(("draw 10^5 width-16 He maps", t_draw, None, ""))
    t_vec, hits = timed(lambda: he.has_period3())
    rows.append(("exact period 3, 10^5 width-16 He maps, vectorized", t_vec, 30.0, f"{hits.mean():.2%} have period 3"))
    ens = chaos.random_relu_map(width=16, init="he", gain=1.5, n_samples=100_000, rng=rng)
    t_vec, hits = timed(lambda: ens.has_period3())
    rows.append(("same at gain 1.5 (more pieces)", t_vec, 30.0, f"{hits.mean():.2%} have period 3"))

    sub = 2000
    t_loop, loop = timed(lambda: np.array([ens[i].has_period(3) for i in range(sub)]))
    agree = np.array_equal(loop, hits[:sub])
    rows.append((f"same, per-map composition, {sub} maps", t_loop, None,
                 f"x{100_000 / sub:.0f} = {t_loop * 100_000 / sub:.0f} s; agrees: {agree}"))

    for width in (64, 256, 1024):
        m = chaos.random_relu_map(width=width, init="he", gain=1.5, n_samples=200, rng=rng)
        t, _ = timed(lambda: [m[i].has_period(3) for i in range(200)])
        pieces = np.mean([m[i].power(3).n_pieces for i in range(20)])
        rows.append((f"exact period 3, width {width}, per map", t / 200, None, f"f^3 has {pieces:.0f} pieces on average"))

    f = piecewise.ReluMap(a=[1.0, -1.0, -3.0], w=[1.0, -1.0, 1.0], b=[0.0, 0.0, -1.0], c=1.0)
    t, pts = timed(lambda: f.periodic_points(16))
    rows.append(("3-cycle map: all points of least period 16", t, None, f"{pts.size} points"))

    W, b = chaos.random_rnn(width=200, sigma_w2=2.5, sigma_b2=0.05, n_samples=4, rng=rng)
    t, _ = timed(lambda: chaos.rnn_lyapunov(W, b, activation="tanh", n_steps=300, n_discard=200, rng=rng))
    rows.append(("top Lyapunov exponent, 4 tanh RNNs N=200, 500 steps", t, None, ""))
    W, b = chaos.random_rnn(width=64, sigma_w2=2.5, sigma_b2=0.05, n_samples=1, rng=rng)
    t, _ = timed(lambda: chaos.rnn_lyapunov(W, b, activation="tanh", n_steps=400, n_discard=200, n_exponents=64, rng=rng))
    rows.append(("full spectrum, tanh RNN N=64, 600 QR steps", t, None, ""))

    print(f"{'computation':55s} {'time (s)':>10s} {'target (s)':>11s}  note")
    for name, t, target, note in rows:
        tgt = f"{target:.1f}" if target else "-"
        flag = "  SLOWER THAN TARGET" if target is not None and t > target else ""
        print(f"{name:55s} {t:10.4f} {tgt:>11s}  {note}{flag}")


if __name__ == "__main__":
    main()
