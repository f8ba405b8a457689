"""Chapter 4, "A learning result": linear recurrent networks trained on delayed recall.

Trains ``n_draws`` linear recurrent networks (:func:`initdyn.rnntrain.train_recall`) at every width,
delay and initialization (Glorot, rescaled Glorot) of the grid, the two initializations of a grid point
sharing their draws (data, Gaussian matrix, input and readout weights: only the scale of ``W`` differs),
and writes the training-loss histories, held-out recall errors and spectral radii, with the parameters
and provenance, to ``lib/initdyn/data/ch4_learning.npz`` (read by the chapter through
:func:`initdyn.precomputed.load`).  The chapter recomputes a random subset of the grid live and
``tests/test_rnntrain.py`` another; both must agree with the file.  A few minutes on one core:

    OPENBLAS_NUM_THREADS=1 .venv/bin/python scripts/ch4_learning.py
"""

from __future__ import annotations

import datetime
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np

import initdyn
from initdyn import precomputed, rnntrain

#: The chapter's parameters (its parameter cell must state the same values; the chapter checks).
#: Widths are squares so that the delays are whole multiples of sqrt(n).
PARAMS = dict(seed=2505, widths=[16, 36, 64], delay_multiples=[1, 2, 4], length_multiple=8, n_draws=6,
              steps=300, lr=0.05, clip=1.0, n_train=32, n_test=256, inits=["glorot", "rescaled"])


def point(params, i_n, i_k, init):
    """One grid point: ``n_draws`` models at width ``widths[i_n]``, delay multiple ``delay_multiples[i_k]``."""
    n = params["widths"][i_n]
    root = int(round(np.sqrt(n)))
    delay = params["delay_multiples"][i_k] * root
    length = params["length_multiple"] * root
    return rnntrain.train_recall(n, delay, length, init=init, n_samples=params["n_draws"], steps=params["steps"],
                                 lr=params["lr"], clip=params["clip"], n_train=params["n_train"],
                                 n_test=params["n_test"], rng=np.random.default_rng([params["seed"], i_n, i_k]))


def grid(params):
    shape = (len(params["widths"]), len(params["delay_multiples"]), len(params["inits"]), params["n_draws"])
    out = dict(train_loss=np.empty(shape + (params["steps"] + 1,)), test_loss=np.empty(shape),
               test_loss_init=np.empty(shape), rho=np.empty(shape + (2,)), scale=np.empty(shape[:3]))
    for i_n in range(shape[0]):
        for i_k in range(shape[1]):
            for i_i, init in enumerate(params["inits"]):
                r = point(params, i_n, i_k, init)
                idx = (i_n, i_k, i_i)
                out["train_loss"][idx] = r.train_loss
                out["test_loss"][idx] = r.test_loss
                out["test_loss_init"][idx] = r.test_loss_init
                out["rho"][idx] = r.rho
                out["scale"][idx] = r.scale
                print(f"n={params['widths'][i_n]} k={params['delay_multiples'][i_k]}sqrt(n) {init}: "
                      f"test {np.round(r.test_loss, 4)}", flush=True)
    return out


def main() -> None:
    start = datetime.datetime.now(datetime.timezone.utc)
    result = grid(PARAMS)
    root = Path(__file__).resolve().parent.parent
    commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no", "--", "lib", "scripts"],
                           capture_output=True, text=True).stdout.strip()
    provenance = dict(script="scripts/ch4_learning.py", params=PARAMS,
                      axes=["width", "delay multiple", "init", "draw"],
                      initdyn=initdyn.__version__, git_commit=commit or "unknown",
                      uncommitted_changes=bool(dirty), numpy=np.__version__,
                      python=sys.version.split()[0], machine=platform.machine(), processor=platform.processor(),
                      started=start.isoformat(timespec="seconds"),
                      seconds=round((datetime.datetime.now(datetime.timezone.utc) - start).total_seconds()))
    path = precomputed.save("ch4_learning", result, provenance)
    print(f"wrote {path} in {provenance['seconds']} s")


if __name__ == "__main__":
    main()
