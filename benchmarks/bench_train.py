"""Cost of the deep-MLP training of chapter 2, section 5 (a benchmark, not a test).

Run: .venv/bin/python benchmarks/bench_train.py
For the chapter's network (depth 96, width 64, batch 32) it times one SGD step of ``initdyn.train``
(forward, backward, update) against the bare matrix products such a step must do (3 per layer: forward,
weight gradient, backpropagated error), i.e. the library's overhead, and times one network's share of
section 5 (``best_learning_rate`` over 2 rates x 300 steps with 13 evaluations); the section runs 3.
The paper's scale (depth 200, width 400) is shown for the step only.
"""


import numpy as np

from initdyn import train
from _timing import best_of  # benchmarks/_timing.py (this folder is on sys.path when run as a script)


def main():
    print(f"{'depth':>5} {'width':>5} {'step [ms]':>10} {'bare matmuls [ms]':>18} {'ratio':>6} {'one net of sec. 5 [s]':>22}")
    for depth, width in [(96, 64), (200, 400)]:
        task = train.teacher_task(n_train=512, n_test=512, dim=16, n_classes=4, rng=0)
        mlp = train.init_mlp(dim=16, width=width, depth=depth, n_classes=4, sigma_w2=1.0, sigma_b2=0.0,
                             weights="orthogonal", rng=1)
        n_steps = 20
        step = best_of(lambda: train.train(mlp, task, activation="tanh", steps=n_steps, lr=1e-4,
                                           batch_size=32, eval_every=10**9, rng=0))[0] / n_steps
        gen = np.random.default_rng(2)
        W, a, d = gen.standard_normal((width, width)), gen.standard_normal((32, width)), gen.standard_normal((32, width))

        def bare():
            for _ in range(depth):
                a @ W.T, d.T @ a, d @ W
        t_bare = best_of(bare)[0]
        share = "" if width > 64 else f"{best_of(lambda: train.best_learning_rate(mlp, task, activation='tanh', lrs=[3e-4, 1e-3], steps=300, batch_size=32, eval_every=25, rng=0), repeat=1)[0]:22.1f}"
        print(f"{depth:5d} {width:5d} {1e3 * step:10.2f} {1e3 * t_bare:18.2f} {step / t_bare:6.1f} {share:>22}")


if __name__ == "__main__":
    main()
