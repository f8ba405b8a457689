r"""Mean-field signal propagation in deep random networks.

A fully connected network with :math:`W^l_{ij} \sim \mathcal N(0, \sigma_w^2/N)`,
:math:`b^l_i \sim \mathcal N(0, \sigma_b^2)` and pre-activations
:math:`h^l = W^l \phi(h^{l-1}) + b^l` has, as :math:`N \to \infty`,
layer-wise statistics that follow deterministic maps (Poole et al. 2016,
"Exponential expressivity in deep neural networks through transient chaos",
eqs. 3-5; Schoenholz et al. 2017, "Deep information propagation", eqs. 2-9):

.. math::

   q^l = \sigma_w^2\,\mathbb E_z[\phi(\sqrt{q^{l-1}}\,z)^2] + \sigma_b^2, \qquad
   c^l = \frac{\sigma_w^2\,\mathbb E[\phi(u_1)\phi(u_2)] + \sigma_b^2}{q^*}, \qquad
   \chi_1 = \sigma_w^2\,\mathbb E_z[\phi'(\sqrt{q^*}\,z)^2],

with depth scales :math:`\xi_q^{-1} = -\log(\sigma_w^2\,\partial_q\mathbb E[\phi^2]|_{q^*})`
and :math:`\xi_c^{-1} = -\log(\sigma_w^2\,\mathbb E[\phi'(u_1)\phi'(u_2)]|_{c^*})`.
Every function takes the keywords ``sigma_w2``, ``sigma_b2`` and
``activation`` (a name or an :class:`~initdyn.activations.Activation`), and
broadcasts over array-valued ``sigma_w2``/``sigma_b2``.

Gaussian expectations come from :mod:`initdyn.gaussian` (closed forms where they exist,
otherwise kink-aware composite Gauss-Legendre quadrature accurate to about 1e-12).  Defined in chapter 1 (:doc:`/notebooks/01-mean-field`): the network is its
equation ``eq-ch1-network``, the maps are equations ``eq-ch1-qmap`` and ``eq-ch1-cmap``, the slope
:math:`\chi_1` is equation ``eq-ch1-chi1``, the critical line equation ``eq-ch1-critical-line`` and the
depth scales equation ``eq-ch1-depth-scales``.

Arguments and limits.  Variances (``q``, ``sigma_w2``, ``sigma_b2``) must be finite and >= 0,
correlations finite and in [-1, 1]; array arguments must broadcast together.  Anything else raises a
``ValueError`` or ``TypeError`` naming the argument.  Iteration controls (``tol`` > 0 finite,
``max_iter`` >= 1) are checked the same way, and an iteration that stops making progress
(``tol`` below what double precision can reach) ends early with :class:`ConvergenceError` naming
``tol``, instead of running out ``max_iter``.  Above :math:`q = 10^{10}` the quadrature splits the
line also at :math:`\pm\{1/4, 1, 4, 16\}/\sqrt q` around each feature (below, its finest panel
no longer resolves :math:`\phi(\sqrt q z)`), and a closed form that overflows (e.g. erf at
:math:`q \sim 10^{300}`) is replaced by the quadrature.  Maps whose value exceeds the float range
(:math:`\sigma_w^2 q > 10^{308}` for ReLU) return ``inf``.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from ._validate import (check_broadcast, check_correlation, check_int, check_memory, check_positive,
                        check_real, check_scalar_variance, check_tol, check_variance, describe)
from .activations import get_activation
from .gaussian import (_dphi2, _phi2, _phi2_dq, _q_array, gauss_dphi2, gauss_dphidphi, gauss_phi2,
                       gauss_phi2_dq, gauss_phiphi)

__all__ = [
    "ConvergenceError",
    "q_map",
    "q_star",
    "c_map",
    "c_star",
    "chi1",
    "critical_sigma_w2",
    "depth_scales",
    "q_trajectory",
    "c_trajectory",
]


class ConvergenceError(RuntimeError):
    """A fixed-point iteration or root search did not converge; the message says where."""


# ---------------------------------------------------------------------------
# Maps and fixed points
# ---------------------------------------------------------------------------

def _params(sigma_w2, sigma_b2, activation):
    out = (
        check_variance(sigma_w2, "sigma_w2"),
        check_variance(sigma_b2, "sigma_b2"),
        get_activation(activation),
    )
    check_broadcast(sigma_w2=out[0], sigma_b2=out[1])
    return out


#: Iterations without a new smallest residual after which a fixed-point search is declared stalled
#: (the residual has reached its rounding floor above ``tol``); only matters for max_iter > 1000.
_STALL = 1000
#: Longest Python-level loop (layers of a trajectory) a call may ask for: 1e7 steps take hours.
_MAX_STEPS = 10**7


def _check_depth(depth, name="depth", minimum=0):
    depth = check_int(depth, name, minimum=minimum)
    if depth > _MAX_STEPS:
        raise ValueError(
            f"{name}: {depth} layers is more than the {_MAX_STEPS:.0e} this loop over layers is allowed "
            "(it would run for hours); use a smaller depth"
        )
    return depth


def _q_star_zero(q, sigma_w2, sigma_b2, act):
    """Refuse q* = 0 (the signal dies out) where the correlation map needs q > 0."""
    if np.any(np.asarray(q) <= 0):
        raise ValueError(
            f"q: the length fixed point q* is 0 for activation={act.name}, sigma_w2={describe(sigma_w2)}, "
            f"sigma_b2={describe(sigma_b2)} (the signal dies out and the correlation map is undefined there); "
            "pass q > 0 explicitly"
        )


def _scalar_loop(fn, *arrays):
    """Apply a scalar function over broadcast arrays; returns a float for scalar input."""
    arrs = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in arrays))
    if arrs[0].ndim == 0:
        return fn(*(float(a) for a in arrs))
    out = np.empty(arrs[0].shape)
    for idx in np.ndindex(out.shape):
        out[idx] = fn(*(float(a[idx]) for a in arrs))
    return out


def _as_output(x):
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


def q_map(q, *, sigma_w2, sigma_b2, activation):
    r"""Length map :math:`q \mapsto \sigma_w^2\,\mathbb E_z[\phi(\sqrt q\,z)^2] + \sigma_b^2`.

    Poole et al. 2016, eq. (3): the squared length per unit of the
    pre-activations of the next layer.  ``q``, ``sigma_w2``, ``sigma_b2`` broadcast
    together; a value beyond the float range (:math:`> 1.8 \times 10^{308}`) is ``inf``.

    Implements equation ``eq-ch1-qmap`` of chapter 1 (:doc:`/notebooks/01-mean-field`).
    """
    sigma_w2, sigma_b2, act = _params(sigma_w2, sigma_b2, activation)
    q = _q_array(q)
    check_broadcast(q=q, sigma_w2=sigma_w2, sigma_b2=sigma_b2)
    with np.errstate(over="ignore"):
        return _as_output(sigma_w2 * _phi2(act, q) + sigma_b2)


def q_trajectory(q0, depth, *, sigma_w2, sigma_b2, activation):
    """The q-map iterated ``depth`` times from ``q0``: an array ``[q^0, q^1, ..., q^depth]``.

    ``q0`` broadcasts with ``sigma_w2``, ``sigma_b2``.  Where q grows past the float range
    (ReLU or linear above their critical ``sigma_w2``, after ~1000 layers) it is ``inf``
    from there on.  ``depth`` is at most 1e7.

    Implements equation ``eq-ch1-qmap`` of chapter 1 (:doc:`/notebooks/01-mean-field`), iterated.
    """
    depth = _check_depth(depth)
    sigma_w2, sigma_b2, act = _params(sigma_w2, sigma_b2, activation)
    q = _q_array(q0, "q0")
    shape = check_broadcast(q0=q, sigma_w2=sigma_w2, sigma_b2=sigma_b2)
    check_memory((depth + 1) * float(np.prod(shape, dtype=float)), "depth, q0")
    if q.shape != shape:
        q = np.broadcast_to(q, shape).copy()
    out = [q]
    for _ in range(depth):
        finite = np.isfinite(q)
        if np.all(finite):
            with np.errstate(over="ignore"):
                q = np.asarray(_as_output(sigma_w2 * _phi2(act, q) + sigma_b2))
        else:  # q has overflowed to inf somewhere: it stays there
            nxt = np.full(q.shape, np.inf)
            sw2 = np.broadcast_to(sigma_w2, q.shape)[finite]
            sb2 = np.broadcast_to(sigma_b2, q.shape)[finite]
            with np.errstate(over="ignore"):
                nxt[finite] = sw2 * _phi2(act, q[finite]) + sb2
            q = nxt
        out.append(q)
    return np.stack(out)


def q_star(*, sigma_w2, sigma_b2, activation, q0: float = 1.0, tol: float = 1e-13, max_iter: int = 500):
    r"""Fixed point :math:`q^*` of the length map reached from ``q0`` (Poole et al. 2016, Sec. 2).

    Safeguarded Newton iteration on :math:`q_\mathrm{map}(q) - q`, falling back
    on plain iteration of the map when a Newton step would not reduce the
    residual, so the result is the stable fixed point that iterating the
    map from ``q0`` reaches.  Homogeneous activations (linear, ReLU) use
    the closed form :math:`q^* = \sigma_b^2/(1 - \sigma_w^2 k)` with
    :math:`k = \mathbb E[\phi(z)^2]`; at :math:`\sigma_w^2 k = 1`,
    :math:`\sigma_b^2 = 0` every q is fixed and ``q0`` is returned.

    ``q0`` is a scalar >= 0, ``tol`` > 0 the residual tolerance (relative to ``1 + q``),
    ``max_iter`` >= 1 the iteration budget.

    Implements the fixed point of equation ``eq-ch1-qmap`` of chapter 1 (:doc:`/notebooks/01-mean-field`).

    Raises
    ------
    ConvergenceError
        When the map has no finite stable fixed point (e.g. ReLU with
        :math:`\sigma_w^2 \ge 2` and :math:`\sigma_b^2 > 0`), or the iteration
        has not converged after ``max_iter`` steps, or its residual has stopped
        decreasing above ``tol`` (for 1000 steps: ``tol`` is below rounding).
    """
    sigma_w2, sigma_b2, act = _params(sigma_w2, sigma_b2, activation)
    q0 = check_scalar_variance(q0, "q0")
    tol = check_tol(tol, "tol")
    max_iter = check_int(max_iter, "max_iter", minimum=1)

    def solve(sw2, sb2):
        if act.homogeneous and act.e_phi2 is not None:
            slope = sw2 * float(act.e_phi2(1.0))
            if slope < 1:
                return sb2 / (1 - slope)
            if slope == 1 and sb2 == 0:
                return q0
            raise ConvergenceError(
                f"q_star: the {act.name} length map with sigma_w2={sw2:g}, sigma_b2={sb2:g} has "
                f"slope {slope:g} >= 1 and no finite stable fixed point (q grows without bound)"
            )
        q = q0
        best, since = float("inf"), 0
        for _ in range(max_iter):
            qm = float(sw2 * _phi2(act, np.asarray(q, dtype=float)) + sb2)
            resid = qm - q
            if abs(resid) <= tol * (1 + q):
                return qm
            if abs(resid) < best:
                best, since = abs(resid), 0
            else:
                since += 1
                if since >= _STALL:
                    raise ConvergenceError(
                        f"q_star: the residual stopped decreasing at {best:.2e} (> tol * (1 + q) with "
                        f"tol={tol:g}) for activation={act.name}, sigma_w2={sw2:g}, sigma_b2={sb2:g}: "
                        "tol is below what double precision reaches here; use a larger tol"
                    )
            slope = float(sw2 * _phi2_dq(act, np.asarray(q, dtype=float)))
            candidate = qm
            if slope < 1 - 1e-12:
                newton = q - resid / (slope - 1)
                if newton >= 0:
                    r_new = float(sw2 * _phi2(act, np.asarray(newton, dtype=float)) + sb2) - newton
                    if abs(r_new) < abs(resid):
                        candidate = newton
            q = candidate
        raise ConvergenceError(
            f"q_star: no convergence after {max_iter} iterations (max_iter={max_iter}, tol={tol:g}) for "
            f"activation={act.name}, sigma_w2={sw2:g}, sigma_b2={sb2:g} (last q={q:.6g}, residual={resid:.2e})"
        )

    return _scalar_loop(solve, sigma_w2, sigma_b2)


def chi1(*, sigma_w2, sigma_b2, activation, q=None):
    r""":math:`\chi_1 = \sigma_w^2\,\mathbb E_z[\phi'(\sqrt{q^*}\,z)^2]`.

    Poole et al. 2016, eq. (7); Schoenholz et al. 2017, eq. (6): the slope of
    the correlation map at :math:`c = 1` and the mean squared singular value
    of one layer's Jacobian.  :math:`\chi_1 < 1` is the ordered phase,
    :math:`\chi_1 > 1` the chaotic one.  ``q`` defaults to :math:`q^*`; for
    homogeneous activations (ReLU, linear) :math:`\chi_1` does not depend on
    it, so it is defined even where :math:`q^*` is not.  A given ``q`` (>= 0)
    broadcasts with ``sigma_w2``, ``sigma_b2``.

    Implements equation ``eq-ch1-chi1`` of chapter 1 (:doc:`/notebooks/01-mean-field`), and the :math:`\chi_1` of
    equation ``eq-ch5-lyapunov-chi1`` of chapter 5 (:doc:`/notebooks/05-li-yorke-chaos`).
    """
    sigma_w2, sigma_b2, act = _params(sigma_w2, sigma_b2, activation)
    if q is None:
        if act.homogeneous:
            q = 1.0
        else:
            q = q_star(sigma_w2=sigma_w2, sigma_b2=sigma_b2, activation=act)
    q = _q_array(q)
    check_broadcast(q=q, sigma_w2=sigma_w2, sigma_b2=sigma_b2)
    with np.errstate(over="ignore"):
        return _as_output(sigma_w2 * _dphi2(act, q))


def c_map(c, *, sigma_w2, sigma_b2, activation, q=None):
    r"""Correlation map :math:`c \mapsto (\sigma_w^2\,\mathbb E[\phi(u_1)\phi(u_2)] + \sigma_b^2)/q`.

    Poole et al. 2016, eq. (5), with both inputs at the length fixed point
    (``q`` defaults to :math:`q^*`, which must be > 0).  Broadcasts over ``c``
    (in [-1, 1]), ``q`` (> 0), ``sigma_w2`` and ``sigma_b2``.

    Implements equation ``eq-ch1-cmap`` of chapter 1 (:doc:`/notebooks/01-mean-field`); for ReLU it is the
    arc-cosine kernel, whose expansion at :math:`c = 1` is equation ``eq-ch1-relu-expansion``.
    """
    sigma_w2, sigma_b2, act = _params(sigma_w2, sigma_b2, activation)
    c = check_correlation(c, "c", slack=True)
    if q is None:
        q = q_star(sigma_w2=sigma_w2, sigma_b2=sigma_b2, activation=act)
        _q_star_zero(q, sigma_w2, sigma_b2, act)
    q = check_positive(q, "q")
    check_broadcast(c=c, q=q, sigma_w2=sigma_w2, sigma_b2=sigma_b2)
    c = np.asarray(c, dtype=float)
    return _as_output((sigma_w2 * gauss_phiphi(act, q, q, c) + sigma_b2) / q)


def c_trajectory(c0, depth, *, sigma_w2, sigma_b2, activation, q=None):
    r"""The c-map iterated ``depth`` times from ``c0`` (at ``q = q*``): ``[c^0, ..., c^depth]``.

    ``c0`` in [-1, 1] broadcasts with ``q`` (> 0, default :math:`q^*`), ``sigma_w2`` and
    ``sigma_b2``; ``depth`` is at most 1e7.

    Implements equation ``eq-ch1-cmap`` of chapter 1 (:doc:`/notebooks/01-mean-field`), iterated; for ReLU at
    :math:`\sigma_w^2 = 2`, :math:`\sigma_b^2 = 0` the iterates approach the asymptote of equation
    ``eq-ch1-relu-asymptote``.
    """
    depth = _check_depth(depth)
    sigma_w2, sigma_b2, act = _params(sigma_w2, sigma_b2, activation)
    c_checked = check_correlation(c0, "c0", slack=True)
    if q is None:
        q = q_star(sigma_w2=sigma_w2, sigma_b2=sigma_b2, activation=act)
        _q_star_zero(q, sigma_w2, sigma_b2, act)
    q = check_positive(q, "q")
    shape = check_broadcast(c0=c_checked, q=q, sigma_w2=sigma_w2, sigma_b2=sigma_b2)
    check_memory((depth + 1) * float(np.prod(shape, dtype=float)), "depth, c0")
    c = np.asarray(c0, dtype=float)
    if c.shape != shape:
        c = np.broadcast_to(c, shape).copy()
    out = [c]
    for _ in range(depth):
        c = np.clip(np.asarray(c_map(c, sigma_w2=sigma_w2, sigma_b2=sigma_b2, activation=act, q=q)), -1, 1)
        out.append(c)
    return np.stack(out)


def c_star(*, sigma_w2, sigma_b2, activation, c0: float = 0.5, tol: float = 1e-12, max_iter: int = 500):
    r"""Stable fixed point :math:`c^*` of the correlation map.

    Where :math:`\chi_1 \le 1` the fixed point :math:`c = 1` is stable and
    :math:`c^* = 1` (Poole et al. 2016, Sec. 3; exact to the letter for the
    odd sigmoids and ReLU of this library).  Where :math:`\chi_1 > 1` it is
    unstable and :math:`c^* < 1` is found from ``c0`` (in [-1, 1]) by safeguarded Newton
    iteration, the slope being :math:`\sigma_w^2\,\mathbb E[\phi'(u_1)\phi'(u_2)]`.
    An iteration that settles within ``tol`` (> 0) of the unstable :math:`c = 1` (from ``c0``
    at or next to 1) is not accepted: the stable root below it is bracketed instead.

    The map is increasing in :math:`c` and :math:`c^*` is its only root below 1, so every evaluation
    narrows a bracket around :math:`c^*`; a Newton step that leaves the bracket, or a plain step that
    gains less than a factor 2 (the map's slope near 1, as for tanh without bias at
    :math:`\sigma_w^2 \approx 2.5`-5), is replaced by bisection: at most ~45 steps to ``tol = 1e-12``.

    Implements the fixed point of equation ``eq-ch1-cmap`` of chapter 1 (:doc:`/notebooks/01-mean-field`).

    Raises
    ------
    ConvergenceError
        If the iteration has not converged after ``max_iter`` (>= 1) steps and no root could be
        bracketed below 1.
    """
    sigma_w2, sigma_b2, act = _params(sigma_w2, sigma_b2, activation)
    c0 = check_real(c0, "c0", low=-1.0, high=1.0)
    tol = check_tol(tol, "tol")
    max_iter = check_int(max_iter, "max_iter", minimum=1)

    def solve(sw2, sb2):
        x1 = chi1(sigma_w2=sw2, sigma_b2=sb2, activation=act)
        if x1 <= 1 + 1e-12:
            return 1.0
        q = q_star(sigma_w2=sw2, sigma_b2=sb2, activation=act)
        if q <= 0:
            _q_star_zero(q, sw2, sb2, act)
        c, last = float(c0), float("inf")
        best, since = float("inf"), 0
        # The map is increasing in c, and its stable root c* is the only one below 1: a point c > c*
        # maps to c* < map(c) < c, a point c < c* to c < map(c) < c*.  So each evaluation tightens a
        # bracket (lo, hi) around c*, and a Newton step that leaves it is replaced by bisection.
        lo, hi = -1.0, 1.0
        for _ in range(max_iter):
            cm = float((sw2 * gauss_phiphi(act, q, q, c) + sb2) / q)
            resid = cm - c
            if resid < 0:
                hi = min(hi, cm)
            elif resid > 0:
                lo = max(lo, cm)
            if abs(resid) <= tol:
                if cm > 1 - 1e-6 and float(sw2 * gauss_dphidphi(act, q, q, min(cm, 1.0))) > 1 + 1e-9:
                    break  # settled on the unstable fixed point c = 1: bracket the stable one below
                return cm
            if abs(resid) < best:
                best, since = abs(resid), 0
            else:
                since += 1
                if since >= _STALL:
                    break  # stalled above tol: the bracketing below does not depend on where it stopped
            step = min(max(cm, -1.0), 1.0)  # plain iteration of the map: always safe
            if abs(resid) < last:  # Newton only while it keeps reducing the residual
                slope = float(sw2 * gauss_dphidphi(act, q, q, c))
                if slope < 1 - 1e-12:
                    newton = c - resid / (slope - 1)
                    if -1 <= newton < 1:
                        step = newton
            if not lo <= step <= hi or (abs(resid) > 0.5 * last and lo < hi < 1):
                step = 0.5 * (lo + hi)  # Newton left the bracket, or plain iteration crawls: bisect
            last = abs(resid)
            c = step
        # The iteration can stall where the map is nearly flat in c (odd activations without bias, whose
        # fixed point c* = 0 is approached slowly): bracket the stable root below the unstable c = 1 and
        # solve by Brent's method instead.  g(c) = map(c) - c < 0 just below 1 (slope chi1 > 1 there).
        grid = np.concatenate([np.linspace(-1.0, 0.99, 200), 1.0 - np.logspace(-2, -12, 41)])[::-1]
        g = (sw2 * np.asarray(gauss_phiphi(act, q, q, grid)) + sb2) / q - grid
        above = np.flatnonzero(g >= 0)
        if above.size and above[0] > 0 and g[0] < 0:
            k = above[0]
            try:
                root = brentq(lambda x: float((sw2 * gauss_phiphi(act, q, q, x) + sb2) / q) - x,
                              grid[k], grid[k - 1], xtol=tol, rtol=4 * np.finfo(float).eps, maxiter=max_iter)
            except RuntimeError as exc:
                raise ConvergenceError(
                    f"c_star: Brent's method did not converge in max_iter={max_iter} steps (tol={tol:g}) for "
                    f"activation={act.name}, sigma_w2={sw2:g}, sigma_b2={sb2:g}: {exc}"
                ) from None
            return root
        raise ConvergenceError(
            f"c_star: no convergence after {max_iter} iterations (max_iter={max_iter}, tol={tol:g}) for "
            f"activation={act.name}, sigma_w2={sw2:g}, sigma_b2={sb2:g} (last c={c:.6g}, residual={resid:.2e})"
        )

    return _scalar_loop(solve, sigma_w2, sigma_b2)


def critical_sigma_w2(*, sigma_b2, activation, tol: float = 1e-13):
    r"""The :math:`\sigma_w^2` at which :math:`\chi_1 = 1` for the given :math:`\sigma_b^2` (the critical line).

    On the critical line both :math:`q^* = \sigma_w^2\mathbb E[\phi^2] + \sigma_b^2`
    and :math:`\sigma_w^2\,\mathbb E[\phi'^2] = 1` hold, so it is parametrised
    by :math:`q^*` in closed form:

    .. math:: \sigma_w^2(q) = 1/\mathbb E[\phi'(\sqrt q z)^2], \qquad
              \sigma_b^2(q) = q - \sigma_w^2(q)\,\mathbb E[\phi(\sqrt q z)^2].

    The :math:`q` that gives the requested :math:`\sigma_b^2` is bracketed on a
    logarithmic grid and refined by the Illinois method, all vectorised over
    ``sigma_b2`` (Poole et al. 2016, Fig. 2; Schoenholz et al. 2017, Fig. 1).
    For homogeneous activations :math:`\mathbb E[\phi'^2]` is constant and the
    line is vertical (ReLU: 2, linear: 1).

    ``tol`` (> 0) is the tolerance on :math:`\sigma_b^2(q)`, relative to :math:`1 + \sigma_b^2`.

    Implements equation ``eq-ch1-critical-line`` of chapter 1 (:doc:`/notebooks/01-mean-field`), the line
    :math:`\chi_1 = 1` of equation ``eq-ch1-chi1``.

    Raises
    ------
    ConvergenceError
        If the requested :math:`\sigma_b^2` is beyond the range the line reaches
        for :math:`q^* \le 10^8`, or the refinement does not converge.
    """
    act = get_activation(activation)
    sb2 = np.asarray(check_variance(sigma_b2, "sigma_b2"), dtype=float)
    tol = check_tol(tol, "tol")
    if act.homogeneous:
        return _as_output(np.broadcast_to(1.0 / gauss_dphi2(act, 1.0), sb2.shape).copy())

    def branch(q):
        sw2 = 1.0 / gauss_dphi2(act, q)
        return sw2, q - sw2 * gauss_phi2(act, q)

    flat = sb2.ravel()
    # Below q = 1e-4 sigma_b2(q) = O(q^2) is lost to cancellation; q = 0 (sigma_b2 = 0) closes the bracket.
    grid = np.concatenate([[0.0], np.logspace(-4, 8, 241)])
    _, sb_grid = branch(grid)
    if np.any(np.diff(sb_grid) < -1e-12 * (1 + np.abs(sb_grid[1:]))):
        raise ConvergenceError(
            f"critical_sigma_w2: sigma_b2(q*) is not increasing along the critical line of {act.name}; "
            "this parametrisation does not apply"
        )
    if np.any(flat > sb_grid[-1]):
        raise ConvergenceError(
            f"critical_sigma_w2: sigma_b2 > {sb_grid[-1]:.3g} is beyond q* = 1e8 on the critical line of {act.name}"
        )
    k = np.clip(np.searchsorted(sb_grid, flat, side="left"), 1, grid.size - 1)
    lo, hi = grid[k - 1], grid[k]
    f_lo, f_hi = sb_grid[k - 1] - flat, sb_grid[k] - flat
    exact = f_lo == 0
    side = np.zeros(flat.shape, dtype=int)
    q = lo.copy()
    for _ in range(100):
        q = np.where(f_hi != f_lo, (lo * f_hi - hi * f_lo) / np.where(f_hi != f_lo, f_hi - f_lo, 1.0), lo)
        q = np.clip(q, lo, hi)
        _, f = branch(q)
        f = f - flat
        done = (np.abs(f) <= tol * (1 + flat)) | exact | (hi - lo <= 1e-15 * (1 + hi))
        if np.all(done):
            break
        left = np.sign(f) == np.sign(f_lo)
        # Illinois: halve the retained end's value when the same end is kept twice.
        f_hi = np.where(left & (side == 1), f_hi / 2, f_hi)
        f_lo = np.where(~left & (side == -1), f_lo / 2, f_lo)
        lo, f_lo = np.where(left, q, lo), np.where(left, f, f_lo)
        hi, f_hi = np.where(left, hi, q), np.where(left, f_hi, f)
        side = np.where(left, 1, -1)
    else:
        raise ConvergenceError("critical_sigma_w2: the root refinement did not converge in 100 steps")
    q = np.where(exact, lo, q)
    sw2, _ = branch(q)
    return _as_output(sw2.reshape(sb2.shape))


def depth_scales(*, sigma_w2, sigma_b2, activation):
    r"""Depth scales :math:`(\xi_q, \xi_c)` over which lengths and correlations approach their fixed points.

    Schoenholz et al. 2017, eqs. (5) and (9); implements equation ``eq-ch1-depth-scales`` of chapter 1
    (:doc:`/notebooks/01-mean-field`):

    .. math::
       \xi_q^{-1} = -\log\big(\sigma_w^2\,\partial_q\mathbb E[\phi(\sqrt q z)^2]\big|_{q^*}\big),
       \qquad
       \xi_c^{-1} = -\log\big(\sigma_w^2\,\mathbb E[\phi'(u_1)\phi'(u_2)]\big|_{c^*}\big).

    In the ordered phase :math:`c^* = 1` and :math:`\xi_c = -1/\log\chi_1`, which
    diverges on the critical line :math:`\chi_1 = 1`.  A slope of 1 or more
    (a marginal or unstable fixed point) gives ``inf``.

    The formula for :math:`\xi_c` assumes a length fixed point :math:`0 < q^* < \infty`.  Where there
    is none, correlations converge as a power law, not exponentially, and :math:`\xi_c = \infty`:

    * :math:`\sigma_b^2 = 0` with a positively homogeneous activation (ReLU, linear): the c-map
      does not depend on :math:`q` and has slope exactly 1 at :math:`c = 1` (for ReLU the arc-cosine
      map, :math:`1 - c' \approx 1 - c - \tfrac{2\sqrt2}{3\pi}(1-c)^{3/2}`), whatever :math:`\sigma_w^2`;
    * :math:`\sigma_b^2 = 0` with :math:`\sigma_w^2\phi'(0)^2 \le 1` (tanh, erf, hard-tanh in the
      ordered phase): :math:`q^l \to 0`, where the network is linear and its c-map the identity;
    * a homogeneous activation with :math:`\sigma_w^2\mathbb E[\phi(z)^2] \ge 1`: :math:`q^l \to \infty`,
      where the bias no longer counts and the previous case applies.

    In the second case :math:`\xi_q = -1/\log(\sigma_w^2\phi'(0)^2)`, the rate at which
    :math:`q^l \to 0`.
    """
    sigma_w2, sigma_b2, act = _params(sigma_w2, sigma_b2, activation)

    def scale(slope):
        return float("inf") if slope >= 1 else (-1.0 / np.log(slope) if slope > 0 else 0.0)

    def solve(sw2, sb2):
        if act.homogeneous:
            slope_q = sw2 * float(gauss_phi2_dq(act, 1.0))  # the q-map is affine: q' = slope q + sb2
            if sb2 == 0 or slope_q >= 1:
                return scale(slope_q), float("inf")
            return scale(slope_q), scale(chi1(sigma_w2=sw2, sigma_b2=sb2, activation=act))
        slope0 = sw2 * float(act.dphi(np.zeros(1))[0]) ** 2  # slope of the q-map at q = 0
        if sb2 == 0 and slope0 <= 1:
            return scale(slope0), float("inf")
        q = q_star(sigma_w2=sw2, sigma_b2=sb2, activation=act)
        cs = c_star(sigma_w2=sw2, sigma_b2=sb2, activation=act)
        return scale(sw2 * float(gauss_phi2_dq(act, q))), scale(sw2 * float(gauss_dphidphi(act, q, q, cs)))

    out = _scalar_loop(lambda sw2, sb2: solve(sw2, sb2)[0], sigma_w2, sigma_b2)
    return out, _scalar_loop(lambda sw2, sb2: solve(sw2, sb2)[1], sigma_w2, sigma_b2)
