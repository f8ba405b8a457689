"""Chapter 2, "Learning speed against depth": orthogonal vs Gaussian critical tanh on real data.

Trains the two critical tanh initializations of the chapter (orthogonal and Gaussian weights at the same
small fixed point ``q_star`` on the tanh critical line) on scikit-learn's handwritten digits
(:func:`initdyn.datasets.digits_task`) at every depth of ``depths``: ``n_draws`` networks per
initialization, each at every learning rate of ``lrs``, by :func:`initdyn.train.learning_rate_grid`
(one grid per depth, seeded ``seed * 1000 + depth``).  Writes the training-loss and test-accuracy
histories, with the parameters and provenance, to ``lib/initdyn/data/ch2_depth.npz`` (read by the
chapter through :func:`initdyn.precomputed.load`).  The chapter recomputes a few rounding-insensitive
runs live and ``tests/test_ch2_depth.py`` others; both must agree with the file.  About 7 minutes on
one core:

    .venv/bin/python scripts/ch2_depth.py
"""

from __future__ import annotations

import datetime
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np

import initdyn
from initdyn import datasets, freeprob, precomputed, train

#: The chapter's parameters (its parameter cell must state the same values; the chapter checks).
PARAMS = dict(seed=2017, q_star=0.05, width=64, depths=[16, 64, 128], steps=400, n_draws=4, batch_size=32,
              eval_every=20, lrs=[3e-4, 1e-3, 3e-3], n_test=597)


def task_and_setups(params):
    """The digits task and the two initializations, exactly as the chapter builds them."""
    task = datasets.digits_task(n_test=params["n_test"], rng=np.random.default_rng([params["seed"], 7]))
    sw2, sb2 = freeprob.critical_point(params["q_star"], activation="tanh")
    setups = {"tanh, orthogonal": ("tanh", "orthogonal", sw2, sb2),
              "tanh, Gaussian": ("tanh", "gaussian", sw2, sb2)}
    return task, setups


def grid(params, depth, points=None, setups=None):
    """The :class:`~initdyn.train.RateGrid` of one depth (``setups`` replaces the chapter's, e.g. nudged)."""
    task, default = task_and_setups(params)
    return train.learning_rate_grid(task, setups=setups or default, lrs=params["lrs"], n_draws=params["n_draws"],
                                    width=params["width"], depth=depth, steps=params["steps"],
                                    seed=params["seed"] * 1000 + depth, batch_size=params["batch_size"],
                                    eval_every=params["eval_every"], points=points)


def main() -> None:
    start = datetime.datetime.now(datetime.timezone.utc)
    results = [grid(PARAMS, depth) for depth in PARAMS["depths"]]
    root = Path(__file__).resolve().parent.parent
    commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no", "--", "lib", "scripts"],
                           capture_output=True, text=True).stdout.strip()
    provenance = dict(script="scripts/ch2_depth.py", params=PARAMS, setups=list(results[0].setups),
                      initdyn=initdyn.__version__, git_commit=commit or "unknown",
                      uncommitted_changes=bool(dirty), numpy=np.__version__,
                      python=sys.version.split()[0], machine=platform.machine(), processor=platform.processor(),
                      started=start.isoformat(timespec="seconds"),
                      seconds=round((datetime.datetime.now(datetime.timezone.utc) - start).total_seconds()))
    arrays = dict(depths=np.array(PARAMS["depths"]), lrs=results[0].lrs, steps=results[0].steps,
                  train_loss=np.stack([r.train_loss for r in results]),
                  test_accuracy=np.stack([r.test_accuracy for r in results]))
    path = precomputed.save("ch2_depth", arrays, provenance)
    print(f"wrote {path} in {provenance['seconds']} s")


if __name__ == "__main__":
    main()
