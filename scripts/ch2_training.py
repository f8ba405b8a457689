"""Chapter 2, "Why it matters: the speed of learning": the full grid of training runs.

Trains every initialization of the chapter ``TRAIN_DRAWS`` times at every learning rate of its grid and
writes the training-loss and test-accuracy histories, with the parameters and provenance, to
``lib/initdyn/data/ch2_training.npz`` (read by the chapter through :func:`initdyn.precomputed.load`).
The chapter recomputes a random subset of these runs live and ``tests/test_train.py`` another; both
must agree with the file.  About 6 minutes on one core:

    .venv/bin/python scripts/ch2_training.py
"""

from __future__ import annotations

import datetime
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np

import initdyn
from initdyn import freeprob, precomputed, train

#: The chapter's parameters (its parameter cell must state the same values; the chapter checks).
PARAMS = dict(seed=2017, q_star=0.05, width=64, depth=96, steps=300, n_draws=5, batch_size=32, eval_every=50,
              lrs=[1e-4, 3e-4, 1e-3, 3e-3, 1e-2], n_train=512, n_test=512, dim=16, n_classes=4)


def task_and_setups(params):
    """The data set and the three initializations, exactly as the chapter builds them."""
    task = train.teacher_task(n_train=params["n_train"], n_test=params["n_test"], dim=params["dim"],
                              n_classes=params["n_classes"], rng=np.random.default_rng([params["seed"], 4]))
    sw2, sb2 = freeprob.critical_point(params["q_star"], activation="tanh")
    setups = {"tanh, orthogonal": ("tanh", "orthogonal", sw2, sb2),
              "tanh, Gaussian": ("tanh", "gaussian", sw2, sb2),
              "ReLU, He": ("relu", "gaussian", 2.0, 0.0)}
    return task, setups


def grid(params, points=None):
    task, setups = task_and_setups(params)
    return train.learning_rate_grid(task, setups=setups, lrs=params["lrs"], n_draws=params["n_draws"],
                                    width=params["width"], depth=params["depth"], steps=params["steps"],
                                    seed=params["seed"], batch_size=params["batch_size"],
                                    eval_every=params["eval_every"], points=points)


def main() -> None:
    start = datetime.datetime.now(datetime.timezone.utc)
    result = grid(PARAMS)
    root = Path(__file__).resolve().parent.parent
    commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no", "--", "lib", "scripts"],
                           capture_output=True, text=True).stdout.strip()
    provenance = dict(script="scripts/ch2_training.py", params=PARAMS, setups=list(result.setups),
                      initdyn=initdyn.__version__, git_commit=commit or "unknown",
                      uncommitted_changes=bool(dirty), numpy=np.__version__,
                      python=sys.version.split()[0], machine=platform.machine(), processor=platform.processor(),
                      started=start.isoformat(timespec="seconds"),
                      seconds=round((datetime.datetime.now(datetime.timezone.utc) - start).total_seconds()))
    path = precomputed.save("ch2_training", dict(lrs=result.lrs, steps=result.steps, train_loss=result.train_loss,
                                                 test_accuracy=result.test_accuracy), provenance)
    print(f"wrote {path} in {provenance['seconds']} s")


if __name__ == "__main__":
    main()
