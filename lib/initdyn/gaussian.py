r"""Gaussian expectations of an activation: the integrals of mean-field theory.

For centred Gaussians :math:`u = \sqrt q\,z` (one variable) and :math:`(u_1, u_2)` with variances
:math:`q_1, q_2` and correlation :math:`c` (two variables) this module evaluates

.. math::

   \mathbb E[\phi(u)^2], \quad \partial_q\mathbb E[\phi(u)^2], \quad \mathbb E[\phi'(u)^2], \quad
   \mathbb E[\phi(u_1)\phi(u_2)], \quad \mathbb E[\phi'(u_1)\phi'(u_2)],

the integrals in the length and correlation maps, in :math:`\chi_1` and in the depth scales of
:mod:`initdyn.meanfield` (chapter 1, :doc:`/notebooks/01-mean-field`: equations ``eq-ch1-qmap``,
``eq-ch1-cmap``, ``eq-ch1-chi1`` and ``eq-ch1-depth-scales``).  Each uses the activation's closed form
where it has one (:mod:`initdyn.activations`) and otherwise kink-aware composite Gauss-Legendre
quadrature (``initdyn._gauss``), accurate to about 1e-12; a closed form that overflows (erf at
:math:`q \sim 10^{300}`) is replaced by the quadrature.  Above :math:`q = 10^{10}` the quadrature also
splits the line at :math:`\pm\{1/4, 1, 4, 16\}/\sqrt q` around each feature of the activation.

Variances must be finite and >= 0, correlations finite and in [-1, 1], and array arguments broadcast
together; anything else raises a ``ValueError`` or ``TypeError`` naming the argument.
"""

from __future__ import annotations

import numpy as np

from . import _gauss
from ._validate import check_broadcast, check_correlation, check_variance
from .activations import Activation, get_activation

__all__ = ["gauss_phi2", "gauss_phi2_dq", "gauss_dphi2", "gauss_phiphi", "gauss_dphidphi"]


def _q_array(q, name="q"):
    q = check_variance(q, name)
    return np.asarray(q, dtype=float)


#: Above this q the panels of ``_gauss`` (finest: 1e-6 of a piece, ~1e-5 in z) no longer resolve
#: phi(sqrt(q) z) near a feature (tanh: 1e-5 relative error at q = 1e11, 100% at 1e14), so the
#: quadrature also splits at features +- _FINE_STEPS / sqrt(q).  Below it nothing changes.
_Q_FINE = 1e10
_FINE_STEPS = (0.25, 1.0, 4.0, 16.0)
#: The same for the nested two-dimensional quadrature, whose cost grows with the square of the pieces:
#: two offsets keep it to ~0.07 s per (q1, q2, c) with the same accuracy (1e-14 against asymptotics at 1e20).
_FINE_STEPS_2D = (2.0, 20.0)


def _split_1d(act: Activation, q):
    feats = np.asarray(act.features, dtype=float)
    sq = np.sqrt(q)[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        split = np.where(sq > 0, feats / np.where(sq > 0, sq, 1.0), np.sign(feats) * _gauss.Z_MAX)
    return np.broadcast_to(split, q.shape + feats.shape)


def _fine_centres(features):
    feats = np.asarray(features, dtype=float)
    return feats if feats.size else np.zeros(1)


def _split_fine(act: Activation, q):
    """Split points for q > _Q_FINE (1-d ``q``): each feature and feature +- t for t in _FINE_STEPS, over sqrt(q)."""
    centres = _fine_centres(act.features)
    offsets = np.concatenate([[0.0], np.asarray(_FINE_STEPS), -np.asarray(_FINE_STEPS)])
    pts = (centres[:, None] + offsets[None, :]).ravel()
    return pts[None, :] / np.sqrt(q)[:, None]


def _expect_1d(act: Activation, q, integrand):
    r""":math:`\mathbb E_z[\mathrm{integrand}(\sqrt q z, z)]` by kink-aware quadrature, shape of ``q``."""
    sq = np.sqrt(q)[..., None]
    out = _gauss.expect(lambda z: integrand(sq * z, z), _split_1d(act, q))
    big = q > _Q_FINE
    if np.any(big):
        out = np.array(out, dtype=float)
        qb = np.asarray(q[big], dtype=float).ravel()
        sqb = np.sqrt(qb)[:, None]
        out[big] = _gauss.expect(lambda z: integrand(sqb * z, z), _split_fine(act, qb))
    return out


def _closed_form(closed, quadrature, *args):
    """A closed-form kernel; entries where it is not finite (overflow at q ~ 1e300) by ``quadrature``."""
    with np.errstate(all="ignore"):
        out = np.asarray(closed(*args), dtype=float)
    bad = ~np.isfinite(out)
    if np.any(bad):
        out = np.array(out, dtype=float)
        sub = [np.asarray(np.broadcast_to(a, out.shape)[bad], dtype=float) for a in args]
        out[bad] = quadrature(*sub)
    return out


def _phi2(act: Activation, q):
    if act.e_phi2 is not None:
        return _closed_form(act.e_phi2, lambda qq: _phi2_quad(act, qq), q)
    return _phi2_quad(act, q)


def _phi2_quad(act, q):
    return _expect_1d(act, q, lambda u, z: act.phi(u) ** 2)


def _phi2_dq(act: Activation, q):
    if act.e_phi2_dq is not None:
        return _closed_form(act.e_phi2_dq, lambda qq: _phi2_dq_quad(act, qq), q)
    return _phi2_dq_quad(act, q)


def _phi2_dq_quad(act, q):
    pos = _expect_1d(act, q, lambda u, z: z * act.phi(u) * act.dphi(u))
    at_zero = np.asarray(act.dphi(np.zeros(1)))[0] ** 2  # limit q -> 0 for smooth phi with phi(0)=0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(q > 0, pos / np.where(q > 0, np.sqrt(q), 1.0), at_zero)


def _dphi2(act: Activation, q):
    if act.e_dphi2 is not None:
        return _closed_form(act.e_dphi2, lambda qq: _dphi2_quad(act, qq), q)
    return _dphi2_quad(act, q)


def _dphi2_quad(act, q):
    return _expect_1d(act, q, lambda u, z: act.dphi(u) ** 2)


def gauss_phi2(activation, q):
    r""":math:`\mathbb E_z[\phi(\sqrt q\,z)^2]`, :math:`z \sim \mathcal N(0,1)` (broadcasts over ``q``).

    The Gaussian integral of the length map: implements the integral of equation ``eq-ch1-qmap`` of
    chapter 1 (:doc:`/notebooks/01-mean-field`).
    """
    act, q = get_activation(activation), _q_array(q)
    return _phi2(act, q)


def gauss_phi2_dq(activation, q):
    r""":math:`\partial_q \mathbb E_z[\phi(\sqrt q z)^2] = \mathbb E_z[z\,\phi(\sqrt q z)\phi'(\sqrt q z)]/\sqrt q`.

    Equivalently :math:`\mathbb E[\phi'^2] + \mathbb E[\phi\phi'']` (Gaussian
    integration by parts), the quantity in Schoenholz et al. 2017, eq. 5;
    this form needs no second derivative, so kinks cause no delta terms.
    Implements the derivative in :math:`\xi_q` of equation ``eq-ch1-depth-scales`` of chapter 1
    (:doc:`/notebooks/01-mean-field`).
    """
    act, q = get_activation(activation), _q_array(q)
    return _phi2_dq(act, q)


def gauss_dphi2(activation, q):
    r""":math:`\mathbb E_z[\phi'(\sqrt q\,z)^2]` (broadcasts over ``q``).

    Implements the integral of equation ``eq-ch1-chi1`` of chapter 1 (:doc:`/notebooks/01-mean-field`).
    """
    act, q = get_activation(activation), _q_array(q)
    return _dphi2(act, q)


def _bivariate(f, g, feats_f, feats_g, q1, q2, c):
    """E[f(u1) g(u2)] for one (q1, q2, c) by nested kink-aware quadrature."""
    sq1, sq2 = np.sqrt(q1), np.sqrt(q2)
    s = np.sqrt(max(1.0 - c * c, 0.0))
    ff = np.asarray(feats_f, dtype=float)
    fg = np.asarray(feats_g, dtype=float)
    big = _gauss.Z_MAX
    fine = max(q1, q2) > _Q_FINE  # also split at features +- t/sqrt(q) (see _Q_FINE)
    steps = np.concatenate([[0.0], np.asarray(_FINE_STEPS_2D), -np.asarray(_FINE_STEPS_2D)])
    outer_split = list(ff / sq1 if sq1 > 0 else np.sign(ff) * big)
    if sq2 * abs(c) > 0:
        outer_split += list(fg / (sq2 * c))
    if fine:
        if sq1 > 0:
            outer_split += list((_fine_centres(ff)[:, None] + steps).ravel() / sq1)
        if sq2 * abs(c) > 0:
            outer_split += list((_fine_centres(fg)[:, None] + steps).ravel() / (sq2 * c))
        outer_split = np.unique(outer_split)
    else:
        outer_split = np.unique(np.round(outer_split, 14)) if outer_split else np.zeros(0)
    z1, w1 = _gauss.nodes(outer_split)
    if s == 0.0:
        return float(np.sum(w1 * f(sq1 * z1) * g(sq2 * c * z1)))
    inner_feats = (_fine_centres(fg)[:, None] + steps).ravel() if fine else fg
    if sq2 > 0 and inner_feats.size:
        inner_split = (inner_feats[None, :] / sq2 - c * z1[:, None]) / s
    else:
        inner_split = np.zeros((z1.size, 0))
    z2, w2 = _gauss.nodes(inner_split)
    inner = np.sum(w2 * g(sq2 * (c * z1[:, None] + s * z2)), axis=-1)
    return float(np.sum(w1 * f(sq1 * z1) * inner))


def _bivariate_args(q1, q2, c):
    q1 = _q_array(q1, "q1")
    q2 = _q_array(q2, "q2")
    # A correlation a few ulps above 1 (computed as a ratio) is let through as before: (c + 1)/2 rounds to 1.
    c = check_correlation(c, "c", slack=True)
    check_broadcast(q1=q1, q2=q2, c=c)
    # The round trip through (c + 1)/2 is how c has always been checked here; kept so values stay bit-for-bit.
    c = np.asarray(((np.asarray(c, dtype=float) + 1) / 2) * 2 - 1)
    return np.broadcast_arrays(q1, q2, c)


def _bivariate_quad(f, g, act, q1, q2, c):
    out = np.empty(q1.shape)
    for idx in np.ndindex(q1.shape):
        out[idx] = _bivariate(f, g, act.features, act.features, q1[idx], q2[idx], c[idx])
    return out


def _phiphi(act: Activation, q1, q2, c):
    quad = lambda a, b, cc: _bivariate_quad(act.phi, act.phi, act, a, b, cc)  # noqa: E731
    if act.e_phiphi is not None:
        return _closed_form(act.e_phiphi, quad, q1, q2, c)
    return quad(q1, q2, c)


def _dphidphi(act: Activation, q1, q2, c):
    quad = lambda a, b, cc: _bivariate_quad(act.dphi, act.dphi, act, a, b, cc)  # noqa: E731
    if act.e_dphidphi is not None:
        return _closed_form(act.e_dphidphi, quad, q1, q2, c)
    return quad(q1, q2, c)


def gauss_phiphi(activation, q1, q2, c):
    r""":math:`\mathbb E[\phi(u_1)\phi(u_2)]` for centred Gaussians with variances q1, q2 and correlation c.

    ``q1``, ``q2`` >= 0 and ``c`` in [-1, 1] broadcast together.  Implements the integral of the
    correlation map, equation ``eq-ch1-cmap`` of chapter 1 (:doc:`/notebooks/01-mean-field`).
    """
    act = get_activation(activation)
    q1, q2, c = _bivariate_args(q1, q2, c)
    return _phiphi(act, q1, q2, c)


def gauss_dphidphi(activation, q1, q2, c):
    r""":math:`\mathbb E[\phi'(u_1)\phi'(u_2)]`; times :math:`\sigma_w^2` it is the slope of the c-map.

    Implements the integral in :math:`\xi_c` of equation ``eq-ch1-depth-scales`` of chapter 1
    (:doc:`/notebooks/01-mean-field`).
    """
    act = get_activation(activation)
    q1, q2, c = _bivariate_args(q1, q2, c)
    return _dphidphi(act, q1, q2, c)
