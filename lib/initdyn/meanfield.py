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

Dropout.  Every function takes ``keep_prob`` :math:`\rho \in (0, 1]` (default 1: no
dropout), the keep probability of inverted dropout on the post-activations,
:math:`h^l = W^l (m^l \odot \phi(h^{l-1}))/\rho + b^l` with :math:`m^l_j \sim \mathrm{Bernoulli}(\rho)`
drawn independently for each input (Schoenholz et al. 2017, the section on dropout; Srivastava et al. 2014).
Then :math:`\mathbb E[m^2]/\rho^2 = 1/\rho` on the diagonal and :math:`\mathbb E[m_a m_b]/\rho^2 = 1` off it:

.. math::

   q^l = \frac{\sigma_w^2}{\rho}\,\mathbb E_z[\phi(\sqrt{q^{l-1}}\,z)^2] + \sigma_b^2, \qquad
   c^l = \frac{\sigma_w^2\,\mathbb E[\phi(u_1)\phi(u_2)] + \sigma_b^2}{q^*}, \qquad
   \chi_1 = \frac{\sigma_w^2}{\rho}\,\mathbb E_z[\phi'(\sqrt{q^*}\,z)^2],

with :math:`q^*` the fixed point of the first map.  The correlation map sends :math:`c = 1` to
:math:`1 - (1/\rho - 1)\,\sigma_w^2\mathbb E[\phi^2]/q^* < 1`, so :math:`c^* < 1` for every
:math:`\rho < 1`, its slope there :math:`\sigma_w^2\,\mathbb E[\phi'(u_1)\phi'(u_2)]|_{c^*}` is below 1 and
:math:`\xi_c` is finite everywhere: there is no critical line (Schoenholz et al. 2017, the section on dropout).
``keep_prob`` broadcasts like ``sigma_w2``; ``keep_prob=1`` gives exactly the results without it.

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

from . import _cstar
from ._validate import (check_broadcast, check_correlation, check_int, check_memory, check_positive,
                        check_probability, check_real, check_scalar_variance, check_tol, check_variance, describe)
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

def _params(sigma_w2, sigma_b2, activation, keep_prob=1.0):
    """Checked ``(sigma_w2, sigma_b2, activation, keep_prob)``; the arrays must broadcast together."""
    out = (
        check_variance(sigma_w2, "sigma_w2"),
        check_variance(sigma_b2, "sigma_b2"),
        get_activation(activation),
        check_probability(keep_prob, "keep_prob", open_low=True),
    )
    check_broadcast(sigma_w2=out[0], sigma_b2=out[1], keep_prob=out[3])
    return out


def _where(sw2, sb2, act, rho):
    """The parameters, for error messages (keep_prob only when there is dropout)."""
    text = f"activation={act.name}, sigma_w2={sw2:g}, sigma_b2={sb2:g}"
    return text if rho == 1 else f"{text}, keep_prob={rho:g}"


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


def q_map(q, *, sigma_w2, sigma_b2, activation, keep_prob=1.0):
    r"""Length map :math:`q \mapsto \sigma_w^2\,\mathbb E_z[\phi(\sqrt q\,z)^2] + \sigma_b^2`.

    Poole et al. 2016, eq. (3): the squared length per unit of the
    pre-activations of the next layer.  ``q``, ``sigma_w2``, ``sigma_b2`` broadcast
    together; a value beyond the float range (:math:`> 1.8 \times 10^{308}`) is ``inf``.
    ``keep_prob`` (:math:`\\rho`, in (0, 1], default 1) is the keep probability of dropout on the
    post-activations: the map becomes :math:`q \\mapsto (\\sigma_w^2/\\rho)\\,\\mathbb E[\\phi^2] + \\sigma_b^2`
    (Schoenholz et al. 2017, the diagonal map of their dropout section), and broadcasts with the other arguments.

    Implements equation ``eq-ch1-qmap`` of chapter 1 (:doc:`/notebooks/01-mean-field`), and with dropout
    equation ``eq-ch1-dropout``.
    """
    sigma_w2, sigma_b2, act, rho = _params(sigma_w2, sigma_b2, activation, keep_prob)
    q = _q_array(q)
    check_broadcast(q=q, sigma_w2=sigma_w2, sigma_b2=sigma_b2, keep_prob=rho)
    with np.errstate(over="ignore"):
        return _as_output(sigma_w2 / rho * _phi2(act, q) + sigma_b2)


def q_trajectory(q0, depth, *, sigma_w2, sigma_b2, activation, keep_prob=1.0):
    """The q-map iterated ``depth`` times from ``q0``: an array ``[q^0, q^1, ..., q^depth]``.

    ``q0`` broadcasts with ``sigma_w2``, ``sigma_b2`` and ``keep_prob`` (dropout's keep probability, in
    (0, 1], default 1; the map is then that of :func:`q_map` with ``keep_prob``).  Where q grows past the
    float range (ReLU or linear above their critical ``sigma_w2``, after ~1000 layers) it is ``inf``
    from there on.  ``depth`` is at most 1e7.

    Implements equation ``eq-ch1-qmap`` of chapter 1 (:doc:`/notebooks/01-mean-field`), iterated.
    """
    depth = _check_depth(depth)
    sigma_w2, sigma_b2, act, rho = _params(sigma_w2, sigma_b2, activation, keep_prob)
    q = _q_array(q0, "q0")
    shape = check_broadcast(q0=q, sigma_w2=sigma_w2, sigma_b2=sigma_b2, keep_prob=rho)
    sigma_w2 = sigma_w2 / rho  # the diagonal map sees sigma_w2 / keep_prob (exactly sigma_w2 without dropout)
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


def q_star(*, sigma_w2, sigma_b2, activation, keep_prob=1.0, q0: float = 1.0, tol: float = 1e-13,
           max_iter: int = 500):
    r"""Fixed point :math:`q^*` of the length map reached from ``q0`` (Poole et al. 2016, Sec. 2).

    Safeguarded Newton iteration on :math:`q_\mathrm{map}(q) - q`, falling back
    on plain iteration of the map when a Newton step would not reduce the
    residual, so the result is the stable fixed point that iterating the
    map from ``q0`` reaches.  Homogeneous activations (linear, ReLU) use
    the closed form :math:`q^* = \sigma_b^2/(1 - \sigma_w^2 k)` with
    :math:`k = \mathbb E[\phi(z)^2]`; at :math:`\sigma_w^2 k = 1`,
    :math:`\sigma_b^2 = 0` every q is fixed and ``q0`` is returned.

    ``q0`` is a scalar >= 0, ``tol`` > 0 the residual tolerance (relative to ``1 + q``),
    ``max_iter`` >= 1 the iteration budget.  With dropout (``keep_prob`` :math:`\rho < 1`, broadcasting
    with ``sigma_w2``) it is the fixed point of the map of :func:`q_map` with ``keep_prob``, that is
    :math:`q^*` at :math:`\sigma_w^2/\rho` without dropout (Schoenholz et al. 2017, dropout section).

    Implements the fixed point of equation ``eq-ch1-qmap`` of chapter 1 (:doc:`/notebooks/01-mean-field`)
    (with dropout, of equation ``eq-ch1-dropout``).

    Raises
    ------
    ConvergenceError
        When the map has no finite stable fixed point (e.g. ReLU with
        :math:`\sigma_w^2 \ge 2` and :math:`\sigma_b^2 > 0`), or the iteration
        has not converged after ``max_iter`` steps, or its residual has stopped
        decreasing above ``tol`` (for 1000 steps: ``tol`` is below rounding).
    """
    sigma_w2, sigma_b2, act, rho = _params(sigma_w2, sigma_b2, activation, keep_prob)
    q0 = check_scalar_variance(q0, "q0")
    tol = check_tol(tol, "tol")
    max_iter = check_int(max_iter, "max_iter", minimum=1)

    def solve(sw2_given, sb2, rho):
        sw2 = sw2_given / rho  # the diagonal map sees sigma_w2 / keep_prob (exactly sigma_w2 without dropout)
        drop = "" if rho == 1 else f", keep_prob={rho:g}"
        if act.homogeneous and act.e_phi2 is not None:
            slope = sw2 * float(act.e_phi2(1.0))
            if slope < 1:
                return sb2 / (1 - slope)
            if slope == 1 and sb2 == 0:
                return q0
            raise ConvergenceError(
                f"q_star: the {act.name} length map with sigma_w2={sw2_given:g}, sigma_b2={sb2:g}{drop} has "
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
                        f"tol={tol:g}) for {_where(sw2_given, sb2, act, rho)}: "
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
            f"{_where(sw2_given, sb2, act, rho)} (last q={q:.6g}, residual={resid:.2e})"
        )

    return _scalar_loop(solve, sigma_w2, sigma_b2, rho)


def chi1(*, sigma_w2, sigma_b2, activation, q=None, keep_prob=1.0):
    r""":math:`\chi_1 = \sigma_w^2\,\mathbb E_z[\phi'(\sqrt{q^*}\,z)^2]`.

    Poole et al. 2016, eq. (7); Schoenholz et al. 2017, eq. (6): the slope of
    the correlation map at :math:`c = 1` and the mean squared singular value
    of one layer's Jacobian.  :math:`\chi_1 < 1` is the ordered phase,
    :math:`\chi_1 > 1` the chaotic one.  ``q`` defaults to :math:`q^*`; for
    homogeneous activations (ReLU, linear) :math:`\chi_1` does not depend on
    it, so it is defined even where :math:`q^*` is not.  A given ``q`` (>= 0)
    broadcasts with ``sigma_w2``, ``sigma_b2`` and ``keep_prob``.

    With dropout of keep probability ``keep_prob`` :math:`\rho` (in (0, 1], default 1) the backward pass
    goes through the same mask as the forward one, :math:`\delta^l = \phi'(h^l) \odot m^l \odot
    (W^{l+1})^T\delta^{l+1}/\rho`, so the mean squared gradient grows per layer by
    :math:`\chi_1 = (\sigma_w^2/\rho)\,\mathbb E_z[\phi'(\sqrt{q^*}\,z)^2]` at the dropout :math:`q^*`
    (the diagonal dropout map of Schoenholz et al. 2017 carried through their mean-field backward pass); this
    is what is returned.  It is then no longer the slope of the correlation map at :math:`c = 1`, which
    (independent masks for two inputs) is :math:`\rho\,\chi_1`.

    Implements equation ``eq-ch1-chi1`` of chapter 1 (:doc:`/notebooks/01-mean-field`) (with dropout,
    equation ``eq-ch1-dropout``), and the :math:`\chi_1` of equation ``eq-ch5-lyapunov-chi1`` of chapter 5
    (:doc:`/notebooks/05-li-yorke-chaos`).
    """
    sigma_w2, sigma_b2, act, rho = _params(sigma_w2, sigma_b2, activation, keep_prob)
    if q is None:
        if act.homogeneous:
            q = 1.0
        else:
            q = q_star(sigma_w2=sigma_w2, sigma_b2=sigma_b2, activation=act, keep_prob=rho)
    q = _q_array(q)
    check_broadcast(q=q, sigma_w2=sigma_w2, sigma_b2=sigma_b2, keep_prob=rho)
    with np.errstate(over="ignore"):
        return _as_output(sigma_w2 / rho * _dphi2(act, q))


def c_map(c, *, sigma_w2, sigma_b2, activation, q=None, keep_prob=1.0):
    r"""Correlation map :math:`c \mapsto (\sigma_w^2\,\mathbb E[\phi(u_1)\phi(u_2)] + \sigma_b^2)/q`.

    Poole et al. 2016, eq. (5), with both inputs at the length fixed point
    (``q`` defaults to :math:`q^*`, which must be > 0).  Broadcasts over ``c``
    (in [-1, 1]), ``q`` (> 0), ``sigma_w2``, ``sigma_b2`` and ``keep_prob``.

    With dropout of keep probability ``keep_prob`` :math:`\rho` (in (0, 1], default 1) the two inputs
    have independent masks, so the numerator has no :math:`1/\rho` (Schoenholz et al. 2017, the
    off-diagonal map of their dropout section) while ``q`` defaults to the dropout :math:`q^*` of :func:`q_star` with
    ``keep_prob``: the map sends 1 below 1.  ``keep_prob`` enters only through that default ``q``.

    Implements equation ``eq-ch1-cmap`` of chapter 1 (:doc:`/notebooks/01-mean-field`) (with dropout,
    equation ``eq-ch1-dropout``); for ReLU it is the arc-cosine kernel, whose expansion at :math:`c = 1`
    is equation ``eq-ch1-relu-expansion``.
    """
    sigma_w2, sigma_b2, act, rho = _params(sigma_w2, sigma_b2, activation, keep_prob)
    c = check_correlation(c, "c", slack=True)
    if q is None:
        q = q_star(sigma_w2=sigma_w2, sigma_b2=sigma_b2, activation=act, keep_prob=rho)
        _q_star_zero(q, sigma_w2, sigma_b2, act)
    q = check_positive(q, "q")
    check_broadcast(c=c, q=q, sigma_w2=sigma_w2, sigma_b2=sigma_b2, keep_prob=rho)
    c = np.asarray(c, dtype=float)
    return _as_output((sigma_w2 * gauss_phiphi(act, q, q, c) + sigma_b2) / q)


def c_trajectory(c0, depth, *, sigma_w2, sigma_b2, activation, q=None, keep_prob=1.0):
    r"""The c-map iterated ``depth`` times from ``c0`` (at ``q = q*``): ``[c^0, ..., c^depth]``.

    ``c0`` in [-1, 1] broadcasts with ``q`` (> 0, default :math:`q^*`), ``sigma_w2``,
    ``sigma_b2`` and ``keep_prob`` (dropout, as in :func:`c_map`: it sets the default ``q``);
    ``depth`` is at most 1e7.

    Implements equation ``eq-ch1-cmap`` of chapter 1 (:doc:`/notebooks/01-mean-field`), iterated; for ReLU at
    :math:`\sigma_w^2 = 2`, :math:`\sigma_b^2 = 0` the iterates approach the asymptote of equation
    ``eq-ch1-relu-asymptote``.
    """
    depth = _check_depth(depth)
    sigma_w2, sigma_b2, act, rho = _params(sigma_w2, sigma_b2, activation, keep_prob)
    c_checked = check_correlation(c0, "c0", slack=True)
    if q is None:
        q = q_star(sigma_w2=sigma_w2, sigma_b2=sigma_b2, activation=act, keep_prob=rho)
        _q_star_zero(q, sigma_w2, sigma_b2, act)
    q = check_positive(q, "q")
    shape = check_broadcast(c0=c_checked, q=q, sigma_w2=sigma_w2, sigma_b2=sigma_b2, keep_prob=rho)
    check_memory((depth + 1) * float(np.prod(shape, dtype=float)), "depth, c0")
    c = np.asarray(c0, dtype=float)
    if c.shape != shape:
        c = np.broadcast_to(c, shape).copy()
    out = [c]
    for _ in range(depth):
        c = np.clip(np.asarray(c_map(c, sigma_w2=sigma_w2, sigma_b2=sigma_b2, activation=act, q=q)), -1, 1)
        out.append(c)
    return np.stack(out)


def _homogeneous_limit(act, rho):
    r"""The correlation map of a positively homogeneous network without bias, with dropout ``rho`` < 1.

    :math:`q^l_{ab} = \sigma_w^2 q^{l-1} K(c)` and :math:`q^l = (\sigma_w^2/\rho)\,q^{l-1} K(1)` with
    :math:`K(c) = \mathbb E[\phi(u_1)\phi(u_2)]` at unit variances, so :math:`c^l = \rho K(c)/K(1)` at every
    layer whatever :math:`\sigma_w^2` and :math:`q` (ReLU: :math:`\rho` times the arc-cosine map), with slope
    :math:`\rho\,\mathbb E[\phi'(u_1)\phi'(u_2)]/K(1)`.  Returns the map and its slope as functions of c.
    """
    k1 = float(gauss_phiphi(act, 1.0, 1.0, 1.0))
    return (lambda c: rho * gauss_phiphi(act, 1.0, 1.0, c) / k1,
            lambda c: rho * float(gauss_dphidphi(act, 1.0, 1.0, c)) / k1)


def _no_fixed_length(act, sw2, sb2, rho):
    """Where q^l -> 0 or infinity or every q is fixed, so the c-map must be taken in the limit (see depth_scales)."""
    if act.homogeneous:
        return sb2 == 0 or sw2 / rho * float(gauss_phi2_dq(act, 1.0)) >= 1
    return sb2 == 0 and sw2 / rho * float(act.dphi(np.zeros(1))[0]) ** 2 <= 1


def c_star(*, sigma_w2, sigma_b2, activation, keep_prob=1.0, c0: float = 0.5, tol: float = 1e-12,
           max_iter: int = 500):
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

    With dropout (``keep_prob`` :math:`\rho < 1`, broadcasting with ``sigma_w2``) :math:`c = 1` is not a
    fixed point: the map of :func:`c_map` with ``keep_prob`` sends 1 below 1 and -1 above -1, and
    :math:`c^* < 1` is its root on :math:`[-1, 1]`, found by Brent's method (``c0`` is not used)
    (Schoenholz et al. 2017, dropout section).  Without a finite :math:`q^* > 0` the map is taken in its limit, as
    in :func:`depth_scales`: a homogeneous activation (ReLU, linear) without bias has
    :math:`c \mapsto \rho K(c)/K(1)` at every layer (:math:`K(c) = \mathbb E[\phi(u_1)\phi(u_2)]` at unit
    variances), and an activation whose :math:`q^l \to 0` becomes linear, :math:`c \mapsto \rho c`, so
    :math:`c^* = 0`.

    Implements the fixed point of equation ``eq-ch1-cmap`` of chapter 1 (:doc:`/notebooks/01-mean-field`)
    (with dropout, of equation ``eq-ch1-dropout``).

    Raises
    ------
    ConvergenceError
        If the iteration has not converged after ``max_iter`` (>= 1) steps and no root could be
        bracketed below 1, or (with dropout) Brent's method needs more than ``max_iter`` steps.
    """
    sigma_w2, sigma_b2, act, rho = _params(sigma_w2, sigma_b2, activation, keep_prob)
    c0 = check_real(c0, "c0", low=-1.0, high=1.0)
    tol = check_tol(tol, "tol")
    max_iter = check_int(max_iter, "max_iter", minimum=1)

    def solve(sw2, sb2, rho):
        if rho == 1:
            x1 = chi1(sigma_w2=sw2, sigma_b2=sb2, activation=act)
            if x1 <= 1 + 1e-12:
                return 1.0
        elif _no_fixed_length(act, sw2, sb2, rho):
            if not act.homogeneous:
                return 0.0  # q^l -> 0: the network becomes linear and c -> rho c
            if sb2 == 0:
                return _cstar.bracketed_root(_homogeneous_limit(act, rho)[0], tol, max_iter,
                                             _where(sw2, sb2, act, rho))
        q = q_star(sigma_w2=sw2, sigma_b2=sb2, activation=act, keep_prob=rho)
        if q <= 0:
            _q_star_zero(q, sw2, sb2, act)
        if rho == 1:
            return _cstar.chaotic_root(act, q, sw2, sb2, c0, tol, max_iter)
        return _cstar.bracketed_root(lambda c: (sw2 * gauss_phiphi(act, q, q, c) + sb2) / q, tol, max_iter,
                                     _where(sw2, sb2, act, rho))

    try:
        return _scalar_loop(solve, sigma_w2, sigma_b2, rho)
    except _cstar.NoRoot as exc:
        raise ConvergenceError(str(exc)) from None


def critical_sigma_w2(*, sigma_b2, activation, keep_prob=1.0, tol: float = 1e-13):
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

    With dropout (``keep_prob`` :math:`\rho < 1`, broadcasting with ``sigma_b2``) the diagonal map and
    :math:`\chi_1` (:func:`chi1` with ``keep_prob``) are those without dropout at :math:`\sigma_w^2/\rho`,
    so the line :math:`\chi_1 = 1` is :math:`\rho` times the one without dropout: :math:`\sigma_b^2(q)` above
    does not change and :math:`\sigma_w^2(q) = \rho/\mathbb E[\phi'^2]`.  There it marks where the mean squared
    gradient neither grows nor shrinks, no longer an order-to-chaos transition: :math:`c^* < 1` and
    :math:`\xi_c` is finite on both sides (Schoenholz et al. 2017, dropout section).

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
    rho = check_probability(keep_prob, "keep_prob", open_low=True)
    shape = check_broadcast(sigma_b2=sb2, keep_prob=rho)
    tol = check_tol(tol, "tol")
    if not np.all(rho == 1):  # rho times the line without dropout (exactly that line where rho = 1)
        return _as_output(rho * np.broadcast_to(critical_sigma_w2(sigma_b2=sb2, activation=act, tol=tol), shape))
    sb2 = np.broadcast_to(sb2, shape)
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


def depth_scales(*, sigma_w2, sigma_b2, activation, keep_prob=1.0):
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

    With dropout (``keep_prob`` :math:`\rho < 1`, broadcasting with ``sigma_w2``; Schoenholz et al. 2017,
    dropout section) :math:`q^*` and :math:`c^* < 1` are those of :func:`q_star` and :func:`c_star` with ``keep_prob``,
    the slope of the length map is :math:`(\sigma_w^2/\rho)\,\partial_q\mathbb E[\phi^2]` and that of the
    correlation map :math:`\sigma_w^2\,\mathbb E[\phi'(u_1)\phi'(u_2)]|_{c^*} < 1`: :math:`\xi_c` is finite
    everywhere, also on the line :math:`\chi_1 = 1`, and grows without bound only as :math:`\rho \to 1`.  In
    the three cases without a length fixed point the limiting correlation map is then a contraction and
    :math:`\xi_c` finite: for a homogeneous activation :math:`c \mapsto \rho K(c)/K(1)` (see
    :func:`c_star`), for :math:`q^l \to 0` the linear network's :math:`c \mapsto \rho c`, so
    :math:`\xi_c = -1/\log\rho`.  The largest trainable depth is about :math:`6\xi_c` (Schoenholz et al. 2017,
    experiments), so dropout bounds it.
    """
    sigma_w2, sigma_b2, act, rho = _params(sigma_w2, sigma_b2, activation, keep_prob)

    def scale(slope):
        return float("inf") if slope >= 1 else (-1.0 / np.log(slope) if slope > 0 else 0.0)

    def limit_slope(sw2, sb2, rho):  # the homogeneous network's c-map where q* is 0, infinite or arbitrary
        cmap, slope = _homogeneous_limit(act, rho)
        try:
            return slope(_cstar.bracketed_root(cmap, 1e-12, 500, _where(sw2, sb2, act, rho)))
        except _cstar.NoRoot as exc:  # pragma: no cover - Brent's method converges in ~40 steps on [-1, 1]
            raise ConvergenceError(str(exc)) from None

    def solve(sw2, sb2, rho):
        kw = dict(sigma_w2=sw2, sigma_b2=sb2, activation=act, keep_prob=rho)
        if act.homogeneous:
            slope_q = sw2 / rho * float(gauss_phi2_dq(act, 1.0))  # the q-map is affine: q' = slope q + sb2
            if sb2 == 0 or slope_q >= 1:
                return scale(slope_q), (float("inf") if rho == 1 else scale(limit_slope(sw2, sb2, rho)))
            if rho == 1:
                return scale(slope_q), scale(chi1(sigma_w2=sw2, sigma_b2=sb2, activation=act))
            q, cs = q_star(**kw), c_star(**kw)
            return scale(slope_q), scale(sw2 * float(gauss_dphidphi(act, q, q, cs)))
        slope0 = sw2 / rho * float(act.dphi(np.zeros(1))[0]) ** 2  # slope of the q-map at q = 0
        if sb2 == 0 and slope0 <= 1:
            return scale(slope0), (float("inf") if rho == 1 else scale(rho))  # the linear network: c -> rho c
        q, cs = q_star(**kw), c_star(**kw)
        return scale(sw2 / rho * float(gauss_phi2_dq(act, q))), scale(sw2 * float(gauss_dphidphi(act, q, q, cs)))

    done = {}  # each point is solved once for both scales

    def both(*args):
        if args not in done:
            done[args] = solve(*args)
        return done[args]

    out = _scalar_loop(lambda *a: both(*a)[0], sigma_w2, sigma_b2, rho)
    return out, _scalar_loop(lambda *a: both(*a)[1], sigma_w2, sigma_b2, rho)
