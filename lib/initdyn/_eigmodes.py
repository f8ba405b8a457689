r"""The eigen-decomposition method of :func:`initdyn.recurrence.log_norm_trajectory` (``method="eig"``).

Private: the diagonalisation :math:`A = V\,\mathrm{diag}(\lambda)\,V^{-1}` of one matrix with an
estimate of :math:`\mathrm{cond}_1(V)` (:func:`_eig_modes`), the work estimate that ``method="auto"``
compares with the power method (:func:`_eig_active_steps`), and the log-domain evaluation of
:math:`\log\|V(\lambda^t \odot c)\|` in blocks of steps (:func:`_eig_log_norms`).  The formula, its
cost and its accuracy are documented on :func:`initdyn.recurrence.log_norm_trajectory`
(chapter 4, :doc:`/notebooks/04-glorot-recurrences`).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import linalg

# modes whose term |lambda_i|^t |c_i| is below eps / sqrt(n) times the largest one are dropped: the
# dropped part of ||V z|| is then at most cond(V) * eps relative, the accuracy of the method itself.
_EPS = float(np.finfo(float).eps)


def _eig_modes(A):
    """Eigen-decomposition of one real matrix, LU of ``V`` and an estimate of ``cond_1(V)``."""
    lam, V = np.linalg.eig(A)
    lam = lam.astype(complex, copy=False)
    V = V.astype(complex, copy=False)
    with warnings.catch_warnings():  # an exactly singular V (defective A) is reported below
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        lu = linalg.lu_factor(V, check_finite=False)
    gecon = linalg.lapack.get_lapack_funcs("gecon", (lu[0],))
    rcond, _ = gecon(lu[0], float(np.abs(V).sum(axis=0).max()), norm="1")
    cond = math.inf if not rcond > 0 else 1.0 / float(rcond)
    return lam, V, lu, cond


def _eig_active_steps(lam, steps: int) -> int:
    """Estimated number of (mode, step) pairs ``method="eig"`` works on (for ``method="auto"``)."""
    with np.errstate(divide="ignore"):
        gap = np.max(np.log(np.abs(lam))) - np.log(np.abs(lam))
    reach = -math.log(_EPS / math.sqrt(lam.size)) + 10.0  # + 10: spread of log|c_i| (a heuristic)
    with np.errstate(divide="ignore"):
        horizon = np.where(gap > 0, reach / np.where(gap > 0, gap, 1.0), np.inf)
    return int(np.minimum(float(steps), np.floor(horizon)).sum())


def _eig_log_norms(lam, V, lu, X, steps: int, out, budget_bytes: float = 64e6) -> None:
    r"""Fill ``out[:, 1:]`` (shape (k, steps + 1)) with :math:`\log\|V \Lambda^t V^{-1} x_j\|`.

    Real ``A``: conjugate pairs are folded, :math:`h_t = \sum_{\text{real}} v_i z_i +
    2\,\mathrm{Re}\sum_{\mathrm{Im}\lambda_i>0} v_i z_i`, so each block is one real product
    ``[Re V, -Im V] @ [Re z; Im z]``.  Per state and step the largest term
    :math:`\log(|c_i||\lambda_i|^t)` is factored out, so nothing overflows or underflows.
    """
    n, k = X.shape[1], X.shape[0]
    c = linalg.lu_solve(lu, X.T.astype(complex), check_finite=False)  # (n, k)
    keep = lam.imag >= 0
    lam, c, V = lam[keep], c[keep] * np.where(lam[keep].imag > 0, 2.0, 1.0)[:, None], V[:, keep]
    with np.errstate(divide="ignore"):
        loglam, logc = np.log(np.abs(lam)), np.log(np.abs(c))
    arg, argc = np.angle(lam), np.angle(c)
    log_thr = math.log(_EPS / math.sqrt(n))
    t0, p, idx, W = 1, lam.size, None, None
    while t0 <= steps:
        tb = int(max(1, min(steps + 1 - t0, budget_bytes // (8.0 * k * (6 * p + 2 * n)))))
        t1 = t0 + tb - 1
        # mode i can be dropped on [t0, t1] if, for every state j, L_ij(t) - L_lj(t) < log_thr at both
        # ends, where l = argmax_i L_ij(t1): the difference is linear in t, and L_lj(t) <= max_i L_ij(t)
        with np.errstate(invalid="ignore"):
            L0, L1 = logc + t0 * loglam[:, None], logc + t1 * loglam[:, None]
            top = np.argmax(L1, axis=0)
            cols = np.arange(k)
            active = np.any((L0 - L0[top, cols] >= log_thr) | (L1 - L1[top, cols] >= log_thr), axis=1)
        new = np.flatnonzero(active)
        if idx is None or not np.array_equal(new, idx):
            idx, p = new, new.size
            W = np.concatenate([V.real[:, idx], -V.imag[:, idx]], axis=1)  # (n, 2p)
        t = np.arange(t0, t1 + 1, dtype=float)
        if p == 0:  # every state has been mapped exactly to zero
            out[:, t0:t1 + 1] = -np.inf
            t0 = t1 + 1
            continue
        L = logc[idx, :, None] + t * loglam[idx, None, None]  # (p, k, tb)
        M = L.max(axis=0)  # (k, tb)
        alive = np.isfinite(M)
        Ms = np.where(alive, M, 0.0)
        with np.errstate(invalid="ignore"):
            mag = np.exp(L - Ms)
        mag = np.where(alive, mag, 0.0)
        ph = argc[idx, :, None] + t * arg[idx, None, None]
        Z = np.concatenate([mag * np.cos(ph), mag * np.sin(ph)], axis=0).reshape(2 * p, k * tb)
        r = np.linalg.norm(W @ Z, axis=0).reshape(k, tb)
        with np.errstate(divide="ignore"):
            out[:, t0:t1 + 1] = np.where(alive & (r > 0), Ms + np.log(np.where(r > 0, r, 1.0)), -np.inf)
        t0 = t1 + 1
