r"""Input-driven linear recurrences :math:`h_t = W h_{t-1} + U x_t` (chapter 4).

The autonomous recurrence :math:`h_t = A h_{t-1}` of :mod:`initdyn.recurrence` with i.i.d. Gaussian
inputs :math:`x_t \sim \mathcal N(0, I_d)` fed through input weights :math:`U` (shape
``(fan_out, fan_in) = (n, d)``), from :math:`h_0 = 0`.  This module owns

* :func:`driven_log_norm_trajectory`: :math:`\log\|h_t\|` of ensembles of input sequences for fixed
  :math:`W, U`, kept in the log domain so nothing overflows or underflows at any length;
* :func:`driven_log_variance`: the exact conditional second moment
  :math:`\mathbb E[\|h_t\|^2 \mid W, U] = \sum_{k<t}\|W^kU\|_F^2` at every step;
* :func:`stationary_variance`: its limit, from the discrete Lyapunov equation, finite iff
  :math:`\rho(W) < 1` (the spectral radius is :func:`initdyn.ginibre.spectral_radius`).

For :math:`\rho(W) > 1` the conditional variance grows like :math:`\rho^{2t}`: the explosion of the
autonomous Glorot recurrence (Bar, Seleznova, Alexander, Kutyniok & Giryes 2025, arXiv 2505.19827)
carries over to the input-driven one.

Argument checks: every argument is checked where it enters, with a ``ValueError`` or ``TypeError`` that
names it; requests whose arrays would exceed 4 GiB or whose work would not finish in a bounded time are
refused up front with the estimate and what to reduce.  ``W`` and ``U`` may lie anywhere in the float
range (they are split exactly into a power of two times a matrix of entries below one).

Defined in chapter 4.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import linalg

from ._validate import as_rng, check_count, check_finite_array, check_int, check_nbytes, check_work
from .ginibre import spectral_radius

__all__ = [
    "driven_log_norm_trajectory",
    "driven_log_variance",
    "stationary_variance",
]


def _pow2_split(M, axes):
    """``M = 2**e * M'`` with ``max|M'|`` in [1/2, 1) per matrix (``e`` 0 for a zero matrix), exactly."""
    big = np.max(np.abs(M), axis=axes, keepdims=True)
    e = np.frexp(np.where(big > 0, big, 1.0))[1]
    return np.ldexp(M, -e), e


def _check_driven(W, U):
    """Validate ``W`` (n, n) or (m, n, n) and ``U`` (n, d) or (m, n, d); return them as 3-D stacks."""
    W = check_finite_array(W, "W", ndim=(2, 3))
    if W.shape[-1] != W.shape[-2] or W.shape[-1] == 0 or (W.ndim == 3 and W.shape[0] == 0):
        raise ValueError(f"W: expected non-empty square matrices (n, n) or a stack (m, n, n), got shape {W.shape}")
    U = check_finite_array(U, "U", ndim=(2, 3))
    n = W.shape[-1]
    if U.shape[-2] != n or U.shape[-1] == 0:
        raise ValueError(f"U: expected input weights of shape (n, d) = ({n}, d >= 1) (fan_out, fan_in), "
                         f"got shape {U.shape}")
    if U.ndim == 3 and (W.ndim != 3 or U.shape[0] != W.shape[0]):
        raise ValueError(f"U: a (m, n, d) stack needs a stack W of the same m, got U {U.shape} and W {W.shape}")
    Ws = W if W.ndim == 3 else W[None]
    Us = U if U.ndim == 3 else np.broadcast_to(U, (Ws.shape[0],) + U.shape)
    return W, U, Ws, Us


def driven_log_norm_trajectory(W, U, steps, n_samples, *, rng=None) -> np.ndarray:
    r""":math:`\log\|h_t\|` of the input-driven recurrence :math:`h_t = W h_{t-1} + U x_t`, :math:`h_0 = 0`.

    Implements the recurrence of equation ``eq-ch4-driven`` of chapter 4
    (:doc:`/notebooks/04-glorot-recurrences`).

    The inputs :math:`x_t \sim \mathcal N(0, I_d)` are i.i.d. over steps and over the ``n_samples``
    input sequences (drawn from ``rng``); ``W`` and ``U`` are fixed.  The state is kept as
    :math:`h_t = e^{L_t} u_t` with :math:`\|u_t\| = 1`: with :math:`W = 2^{e}W'` and :math:`U = 2^{f}U'`
    (exact power-of-two splits),

    .. math:: h_t = e^{\ell_1}\,\hat w + e^{\ell_2}\,\hat z,\qquad
              \ell_1 = L_{t-1} + e\log 2 + \log\|W'u_{t-1}\|,\quad
              \ell_2 = f\log 2 + \log\|U'x_t\|,

    and :math:`L_t = M + \log\|e^{\ell_1 - M}\hat w + e^{\ell_2 - M}\hat z\|`, :math:`M = \max(\ell_1,
    \ell_2)`: no term exceeds one, so nothing overflows or underflows however far the state grows or
    decays (a Glorot ``W`` at :math:`10^5` steps, or entries near the ends of the float range).  Cost: one
    (batched) product of the ``(n_samples, n)`` states with :math:`W^T` and one with :math:`U^T` per step.

    Parameters
    ----------
    W : array_like, shape (n, n) or (m, n, n)
        Recurrent weights (shape ``(fan_out, fan_in) = (n, n)``), or a stack of ``m``.
    U : array_like, shape (n, d) or (m, n, d)
        Input weights, shape ``(fan_out, fan_in) = (n, d)``, shared by a stack ``W`` or one per matrix.
    steps : int >= 0
    n_samples : int >= 1
        Independent input sequences per matrix.
    rng : numpy.random.Generator, int seed or None

    Returns
    -------
    ndarray, shape (n_samples, steps + 1) for one ``W``, (m, n_samples, steps + 1) for a stack
        ``-inf`` at :math:`t = 0` (:math:`h_0 = 0`); finite afterwards (almost surely, for ``U != 0``).
    """
    W, U, Ws, Us = _check_driven(W, U)
    steps = check_count(steps, "steps", minimum=0)
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    m, n, d = Ws.shape[0], Ws.shape[-1], Us.shape[-1]
    check_work(2 * m * n_samples * n * (n + d) * steps, "steps", steps,
               what=f"{steps} steps of {m * n_samples} states of size {n}", reduce="steps, n_samples or n")
    check_nbytes(8 * m * n_samples * (steps + 1), "steps", steps,
                 what=f"the output of {m * n_samples} trajectories of {steps} + 1 log-norms", reduce="steps or n_samples")
    check_nbytes(8 * m * n_samples * (4 * n + d), "n_samples", n_samples,
                 what=f"the work arrays of {m * n_samples} states of size {n}", reduce="n_samples")
    gen = as_rng(rng)
    Wp, e_w = _pow2_split(Ws, (-2, -1))
    Up, e_u = _pow2_split(Us, (-2, -1))
    wt = np.ascontiguousarray(np.swapaxes(Wp, -1, -2))
    ut = np.ascontiguousarray(np.swapaxes(Up, -1, -2))
    log2 = math.log(2.0)
    cw = e_w[:, :, 0] * log2  # (m, 1)
    cu = e_u[:, :, 0] * log2
    out = np.empty((m, n_samples, steps + 1))
    out[..., 0] = -np.inf
    L = np.full((m, n_samples), -np.inf)
    u = np.zeros((m, n_samples, n))
    for t in range(1, steps + 1):
        x = gen.standard_normal((m, n_samples, d))
        w = u @ wt
        z = x @ ut
        rw = np.linalg.norm(w, axis=-1)
        rz = np.linalg.norm(z, axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            l1 = np.where(rw > 0, L + cw + np.log(np.where(rw > 0, rw, 1.0)), -np.inf)
            l2 = np.where(rz > 0, cu + np.log(np.where(rz > 0, rz, 1.0)), -np.inf)
            M = np.maximum(l1, l2)
            alive = np.isfinite(M)
            Ms = np.where(alive, M, 0.0)
            a1 = np.where(rw > 0, np.exp(l1 - Ms) / np.where(rw > 0, rw, 1.0), 0.0)
            a2 = np.where(rz > 0, np.exp(l2 - Ms) / np.where(rz > 0, rz, 1.0), 0.0)
        v = a1[..., None] * w + a2[..., None] * z
        r = np.linalg.norm(v, axis=-1)
        ok = alive & (r > 0)
        with np.errstate(divide="ignore"):
            L = np.where(ok, Ms + np.log(np.where(ok, r, 1.0)), -np.inf)
        u = np.where(ok[..., None], v / np.where(ok, r, 1.0)[..., None], 0.0)
        out[..., t] = L
    return out[0] if W.ndim == 2 else out


def driven_log_variance(W, U, steps) -> np.ndarray:
    r""":math:`\log\mathbb E[\|h_t\|^2 \mid W, U]` of :math:`h_t = W h_{t-1} + U x_t`, :math:`h_0 = 0`, :math:`t = 0..T`.

    Implements equation ``eq-ch4-driven`` of chapter 4 (:doc:`/notebooks/04-glorot-recurrences`).

    With i.i.d. :math:`x_t \sim \mathcal N(0, I_d)`, :math:`h_t = \sum_{k=0}^{t-1} W^k U x_{t-k}` is
    Gaussian with covariance :math:`\Sigma_t = \sum_{k<t} W^k U U^T W^{kT}`, so

    .. math:: \mathbb E[\|h_t\|^2 \mid W, U] = \operatorname{tr}\Sigma_t = \sum_{k=0}^{t-1}\|W^k U\|_F^2,

    exactly, for every :math:`W` (what :func:`driven_log_norm_trajectory` samples).  Bounded as
    :math:`t \to \infty` iff :math:`\rho(W) < 1` (the limit is :func:`stationary_variance`); for
    :math:`\rho > 1` it grows like :math:`\rho^{2t}`.  The powers are accumulated with a renormalised
    :math:`P_k = W^k U` and the sum as a running log-sum-exp, so nothing overflows at any length.  Cost:
    :math:`O(n^2 d)` per step and matrix.

    Parameters
    ----------
    W : array_like, shape (n, n) or (m, n, n)
    U : array_like, shape (n, d) or (m, n, d)
    steps : int >= 0

    Returns
    -------
    ndarray, shape (steps + 1,) or (m, steps + 1); ``-inf`` at :math:`t = 0`.
    """
    W, U, Ws, Us = _check_driven(W, U)
    steps = check_count(steps, "steps", minimum=0)
    m, n, d = Ws.shape[0], Ws.shape[-1], Us.shape[-1]
    check_work(2 * m * n * n * d * steps, "steps", steps, what=f"{steps} products W^k U of size {n} x {d}",
               reduce="steps or the size of W and U")
    check_nbytes(8 * m * (steps + 1), "steps", steps, what=f"the output of {m} x ({steps} + 1) log-moments",
                 reduce="steps")
    check_nbytes(8 * m * n * d * 3, "U", f"shape {U.shape}", what="the work arrays of the powers W^k U",
                 reduce="the size of W or U")
    Wp, e_w = _pow2_split(Ws, (-2, -1))
    P, e_u = _pow2_split(Us, (-2, -1))
    log2 = math.log(2.0)
    c = e_u[:, 0, 0] * log2  # log-scale of P_k = e^c P
    cw = e_w[:, 0, 0] * log2
    terms = np.empty((m, steps))  # log ||W^k U||_F^2, k = 0..steps-1
    for k in range(steps):
        f = np.linalg.norm(P, axis=(-2, -1))
        with np.errstate(divide="ignore"):
            terms[:, k] = np.where(f > 0, 2.0 * (c + np.log(np.where(f > 0, f, 1.0))), -np.inf)
        if k + 1 < steps:
            P = Wp @ (P / np.where(f > 0, f, 1.0)[:, None, None])
            c = np.where(f > 0, c + np.log(np.where(f > 0, f, 1.0)) + cw, -np.inf)
    out = np.empty((m, steps + 1))
    out[:, 0] = -np.inf
    if steps:
        out[:, 1:] = np.logaddexp.accumulate(terms, axis=-1)
    return out[0] if W.ndim == 2 else out


def stationary_variance(W, U) -> np.ndarray:
    r"""The stationary :math:`\lim_{t\to\infty}\mathbb E[\|h_t\|^2 \mid W, U]` of :math:`h_t = W h_{t-1} + U x_t`.

    Implements the limit in equation ``eq-ch4-driven`` of chapter 4
    (:doc:`/notebooks/04-glorot-recurrences`).

    For :math:`\rho(W) < 1` the covariance of :func:`driven_log_variance` converges to the solution of the
    discrete Lyapunov equation :math:`\Sigma = W\Sigma W^T + UU^T` (``scipy.linalg.solve_discrete_lyapunov``),
    and the result is :math:`\operatorname{tr}\Sigma = \sum_{k\ge0}\|W^kU\|_F^2`; for :math:`\rho(W) \ge 1`
    the sum diverges and the result is ``inf``.  At infinite width, for :math:`W = sG/\sqrt n` and
    :math:`U` with :math:`\mathbb E\,UU^T = q I`, the planar (Wick) term gives
    :math:`\operatorname{tr}\Sigma/n \to q/(1 - s^2)`.  ``U`` is split exactly as :math:`2^f U'`, so only a
    trace beyond the float range gives ``inf`` for :math:`\rho < 1`.  Cost: :math:`O(n^3)` per matrix
    (dense eigenvalues and a Schur-based Lyapunov solve).

    Parameters
    ----------
    W : array_like, shape (n, n) or (m, n, n)
    U : array_like, shape (n, d) or (m, n, d)

    Returns
    -------
    float, or ndarray of shape (m,) for a stack
    """
    W, U, Ws, Us = _check_driven(W, U)
    m, n = Ws.shape[0], Ws.shape[-1]
    check_nbytes(8 * n * n * 12, "W", f"shape {W.shape}", what="the Lyapunov solver's work arrays for one matrix",
                 reduce="n")
    rho = np.atleast_1d(spectral_radius(Ws, method="dense"))
    out = np.full(m, np.inf)
    for i in range(m):
        if not rho[i] < 1:
            continue
        Up, e_u = _pow2_split(Us[i], (-2, -1))
        S = linalg.solve_discrete_lyapunov(Ws[i], Up @ Up.T)
        with np.errstate(over="ignore"):
            out[i] = np.ldexp(float(np.trace(S)), 2 * int(e_u[0, 0]))
    return float(out[0]) if W.ndim == 2 else out
