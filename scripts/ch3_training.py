"""Chapter 3, "Training with initial parameter sharing": every run of He against isometric sharing.

Trains ``n_draws`` ReLU networks of width 128 initialized by He (:func:`initdyn.init.he_normal`) and by
the isometric parameter sharing of Burkholz & Dubatovka 2019 (:func:`initdyn.init.isometric_sharing`:
a non-square mirrored input layer, square mirrored orthogonal hidden layers), at each depth and each
learning rate of the grid, on scikit-learn's digits (:func:`initdyn.datasets.digits_task`) through
:func:`initdyn.comparison.initializer_grid` (one seed per (initializer, depth, draw)), and writes the
training-loss and test-accuracy histories, with the parameters and provenance, to
``lib/initdyn/data/ch3_training.npz`` (read by the chapter through :func:`initdyn.precomputed.load`).
The chapter recomputes a few of these runs live and ``tests/test_ch3_training.py`` others; both must
agree with the file.  About 6 minutes on one core:

    OPENBLAS_NUM_THREADS=1 .venv/bin/python scripts/ch3_training.py
"""

from __future__ import annotations

import datetime
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import initdyn
from initdyn import comparison, datasets, precomputed

#: The chapter's parameters (its parameter cell must state the same values; the chapter checks).
PARAMS = dict(seed=1806, n_test=597, width=128, depths=[10, 50, 100], n_draws=3, steps=300, batch_size=32,
              eval_every=50, lrs=[3e-4, 1e-3, 3e-3, 1e-2])


def task_and_setups(params):
    """The digits split and the two initializers (both with ReLU), as the chapter builds them."""
    task = datasets.digits_task(n_test=params["n_test"], rng=np.random.default_rng([params["seed"], 1]))
    setups = {  # name: (activation, initializer, gain, sigma_b2)
        "He": ("relu", "he_normal", 1.0, 0.0),
        "isometric sharing": ("relu", "isometric_sharing", 1.0, 0.0),
    }
    return task, setups


def grid(params, points=None, setups=None):
    """The grid (or the runs ``points`` of it); ``setups`` replaces the chapter's (e.g. with nudged gains)."""
    task, default = task_and_setups(params)
    return comparison.initializer_grid(task, setups=setups or default, depths=params["depths"],
                                       n_draws=params["n_draws"], width=params["width"], lrs=params["lrs"],
                                       steps=params["steps"], seed=params["seed"], batch_size=params["batch_size"],
                                       eval_every=params["eval_every"], points=points)


def main() -> None:
    start = datetime.datetime.now(datetime.timezone.utc)
    cpu = time.process_time()
    result = grid(PARAMS)
    root = Path(__file__).resolve().parent.parent
    commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no", "--", "lib", "scripts"],
                           capture_output=True, text=True).stdout.strip()
    provenance = dict(script="scripts/ch3_training.py", params=PARAMS, setups=list(result.setups),
                      initdyn=initdyn.__version__, git_commit=commit or "unknown",
                      uncommitted_changes=bool(dirty), numpy=np.__version__,
                      python=sys.version.split()[0], machine=platform.machine(), processor=platform.processor(),
                      started=start.isoformat(timespec="seconds"),
                      seconds=round((datetime.datetime.now(datetime.timezone.utc) - start).total_seconds()),
                      cpu_seconds=round(time.process_time() - cpu))
    path = precomputed.save("ch3_training", dict(depths=result.depths, lrs=result.lrs, steps=result.steps,
                                                 train_loss=result.train_loss, test_accuracy=result.test_accuracy),
                            provenance)
    print(f"wrote {path} in {provenance['seconds']} s ({provenance['cpu_seconds']} s of CPU)")


if __name__ == "__main__":
    main()
