"""Chapter 1, "Depth scales set the trainable depth": the trainability heat map over (sigma_w2, depth).

Trains one tanh network per point of the grid on scikit-learn's digits (:func:`initdyn.datasets.digits_task`)
through :func:`initdyn.trainability.trainability_grid` (one child seed per point) and writes the loss and
accuracy histories, with the parameters and provenance, to ``lib/initdyn/data/ch1_trainability.npz``.
The chapter and ``tests/test_trainability.py`` recompute random points alone
(:func:`initdyn.trainability.point_generator`).  A few minutes on one core:

    .venv/bin/python scripts/ch1_trainability.py
"""

from __future__ import annotations

import datetime
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np

import initdyn
from initdyn import datasets, precomputed, trainability

#: The chapter's parameters (its parameter cell states the same values; the chapter checks).
PARAMS = dict(seed=2017, sigma_b2=0.05, activation="tanh", width=64, steps=800, lr=2e-3, batch_size=32,
              momentum=0.9, eval_every=100, n_test=597,
              sigma_w2s=[round(float(v), 2) for v in np.linspace(0.5, 4.0, 15)],
              depths=[5, 10, 15, 20, 30, 40, 50, 60, 80])


def task(params):
    """The digits split the chapter trains on."""
    return datasets.digits_task(n_test=params["n_test"], rng=np.random.default_rng([params["seed"], 1]))


def options(params):
    """Keyword arguments of :func:`initdyn.trainability.trainability_point` besides the grid."""
    return {k: params[k] for k in ("activation", "width", "steps", "lr", "batch_size", "momentum", "eval_every")}


def main() -> None:
    start = datetime.datetime.now(datetime.timezone.utc)
    result = trainability.trainability_grid(task(PARAMS), sigma_w2s=PARAMS["sigma_w2s"], depths=PARAMS["depths"],
                                            sigma_b2=PARAMS["sigma_b2"], seed=PARAMS["seed"], progress=True,
                                            **options(PARAMS))
    root = Path(__file__).resolve().parent.parent
    commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no", "--", "lib",
                            "scripts"], capture_output=True, text=True).stdout.strip()
    provenance = dict(script="scripts/ch1_trainability.py", params=PARAMS, initdyn=initdyn.__version__,
                      git_commit=commit or "unknown", uncommitted_changes=bool(dirty), numpy=np.__version__,
                      python=sys.version.split()[0], machine=platform.machine(),
                      started=start.isoformat(timespec="seconds"),
                      seconds=round((datetime.datetime.now(datetime.timezone.utc) - start).total_seconds()))
    n_eval = PARAMS["steps"] // PARAMS["eval_every"] + 1
    path = precomputed.save("ch1_trainability", dict(train_loss=result.values[..., :n_eval],
                                                     test_accuracy=result.values[..., n_eval:]), provenance)
    print(f"wrote {path} in {provenance['seconds']} s")


if __name__ == "__main__":
    main()
