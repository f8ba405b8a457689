r"""Activation functions, their derivatives, and their Gaussian kernels.

An :class:`Activation` carries the pointwise function :math:`\phi` with its
first and second derivatives, the points where it is not smooth, and, where
they exist, closed forms of the Gaussian expectations that mean-field theory
needs (:mod:`initdyn.meanfield` falls back on kink-aware quadrature
otherwise).  With :math:`u = \sqrt{q}\,z`, :math:`z \sim \mathcal N(0,1)`, and
:math:`(u_1, u_2)` centred Gaussian with variances :math:`q_1, q_2` and
correlation :math:`c`, the kernels are

* ``e_phi2(q)``      :math:`= \mathbb E[\phi(u)^2]`
* ``e_phi2_dq(q)``   :math:`= \tfrac{d}{dq}\mathbb E[\phi(u)^2] = \mathbb E[z\,\phi(u)\phi'(u)]/\sqrt q`
* ``e_dphi2(q)``     :math:`= \mathbb E[\phi'(u)^2]`
* ``e_phiphi(q1, q2, c)``   :math:`= \mathbb E[\phi(u_1)\phi(u_2)]`
* ``e_dphidphi(q1, q2, c)`` :math:`= \mathbb E[\phi'(u_1)\phi'(u_2)]`

In chapter 1 (:doc:`/notebooks/01-mean-field`) ``e_phi2`` is the integral of equation ``eq-ch1-qmap``,
``e_phiphi`` that of equation ``eq-ch1-cmap``, ``e_dphi2`` that of equation ``eq-ch1-chi1``, and
``e_phi2_dq`` and ``e_dphidphi`` those of equation ``eq-ch1-depth-scales``.

Closed forms: ReLU is the arc-cosine kernel of degree 1 and 0 (Cho & Saul
2009, eqs. 6-7); erf is Williams 1997 ("Computing with infinite networks",
eq. 11); hard-tanh's one-dimensional kernels are truncated-normal moments.
Defined in chapter 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from scipy.special import erf as _erf
from scipy.special import erfc as _erfc

from . import _gauss

__all__ = ["Activation", "get_activation", "ACTIVATIONS", "linear", "relu", "tanh", "hard_tanh", "erf"]

_SQRT_2PI = np.sqrt(2 * np.pi)


@dataclass(frozen=True)
class Activation:
    r"""A pointwise nonlinearity :math:`\phi` with what mean-field theory needs of it.

    Parameters
    ----------
    name : str
    phi, dphi : callable
        :math:`\phi` and :math:`\phi'` (elementwise on arrays).  At a kink the
        derivative takes one of its one-sided values.
    features : tuple of float
        Points in pre-activation space where :math:`\phi` has a kink or varies
        fastest (``(0.0,)`` for tanh); quadrature is split there.
    homogeneous : bool
        True if :math:`\phi(a x) = a\,\phi(x)` for :math:`a > 0` (linear, ReLU):
        then :math:`\mathbb E[\phi'(u)^2]` does not depend on :math:`q`.
    e_phi2, e_phi2_dq, e_dphi2, e_phiphi, e_dphidphi : callable or None
        Closed-form Gaussian kernels (see the module docstring); ``None`` means
        :mod:`initdyn.meanfield` integrates numerically.
    """

    name: str
    phi: Callable
    dphi: Callable
    features: tuple = (0.0,)
    homogeneous: bool = False
    e_phi2: Callable | None = field(default=None, repr=False)
    e_phi2_dq: Callable | None = field(default=None, repr=False)
    e_dphi2: Callable | None = field(default=None, repr=False)
    e_phiphi: Callable | None = field(default=None, repr=False)
    e_dphidphi: Callable | None = field(default=None, repr=False)

    def __post_init__(self):
        if not isinstance(self.name, str):
            raise TypeError(f"name: expected a str, got {type(self.name).__name__}")
        for attr in ("phi", "dphi"):
            if not callable(getattr(self, attr)):
                raise TypeError(f"{attr}: expected a callable, got {getattr(self, attr)!r}")
        feats = tuple(float(f) for f in self.features)
        if not all(np.isfinite(feats)):
            raise ValueError(f"features: expected finite numbers, got {self.features!r}")
        object.__setattr__(self, "features", feats)

    def __call__(self, x):
        return self.phi(x)


# --- linear -----------------------------------------------------------------

linear = Activation(
    name="linear",
    phi=lambda x: np.asarray(x, dtype=float) * 1.0,
    dphi=lambda x: np.ones_like(np.asarray(x, dtype=float)),
    features=(),
    homogeneous=True,
    e_phi2=lambda q: np.asarray(q, dtype=float) * 1.0,
    e_phi2_dq=lambda q: np.ones_like(np.asarray(q, dtype=float)),
    e_dphi2=lambda q: np.ones_like(np.asarray(q, dtype=float)),
    e_phiphi=lambda q1, q2, c: c * np.sqrt(q1 * q2),
    e_dphidphi=lambda q1, q2, c: np.ones(np.broadcast(q1, q2, c).shape),
)


# --- ReLU: arc-cosine kernels -----------------------------------------------

# Arc-cosine kernel of degree 1: the ReLU correlation map, equation ``eq-ch1-cmap`` of chapter 1
# (/notebooks/01-mean-field), whose expansion at c = 1 is equation ``eq-ch1-relu-expansion``.
def _relu_phiphi(q1, q2, c):
    theta = np.arccos(np.clip(c, -1.0, 1.0))
    return np.sqrt(q1 * q2) / (2 * np.pi) * (np.sin(theta) + (np.pi - theta) * np.cos(theta))


# Degree 0: the slope of the ReLU c-map (the integral in xi_c of equation ``eq-ch1-depth-scales`` of
# chapter 1; 1/2 at c = 1, the E[phi'^2] of equation ``eq-ch1-chi1``).
def _relu_dphidphi(q1, q2, c):
    theta = np.arccos(np.clip(c, -1.0, 1.0))
    return (np.pi - theta) / (2 * np.pi) + 0.0 * (q1 + q2)


relu = Activation(
    name="relu",
    phi=lambda x: np.maximum(np.asarray(x, dtype=float), 0.0),
    dphi=lambda x: (np.asarray(x, dtype=float) > 0).astype(float),
    features=(0.0,),
    homogeneous=True,
    e_phi2=lambda q: np.asarray(q, dtype=float) / 2,
    e_phi2_dq=lambda q: np.full_like(np.asarray(q, dtype=float), 0.5),
    e_dphi2=lambda q: np.full_like(np.asarray(q, dtype=float), 0.5),
    e_phiphi=_relu_phiphi,
    e_dphidphi=_relu_dphidphi,
)


# --- erf: Williams' kernel ---------------------------------------------------

def _erf_phiphi(q1, q2, c):
    arg = 2 * c * np.sqrt(q1 * q2) / np.sqrt((1 + 2 * q1) * (1 + 2 * q2))
    return 2 / np.pi * np.arcsin(np.clip(arg, -1.0, 1.0))


def _erf_dphidphi(q1, q2, c):
    return 4 / np.pi / np.sqrt((1 + 2 * q1) * (1 + 2 * q2) - 4 * c**2 * q1 * q2)


erf = Activation(
    name="erf",
    phi=lambda x: _erf(np.asarray(x, dtype=float)),
    dphi=lambda x: 2 / np.sqrt(np.pi) * np.exp(-np.asarray(x, dtype=float) ** 2),
    features=(0.0,),
    e_phi2=lambda q: 2 / np.pi * np.arcsin(2 * np.asarray(q, dtype=float) / (1 + 2 * np.asarray(q, dtype=float))),
    e_phi2_dq=lambda q: 4 / np.pi / ((1 + 2 * np.asarray(q, dtype=float)) * np.sqrt(1 + 4 * np.asarray(q, dtype=float))),
    e_dphi2=lambda q: 4 / np.pi / np.sqrt(1 + 4 * np.asarray(q, dtype=float)),
    e_phiphi=_erf_phiphi,
    e_dphidphi=_erf_dphidphi,
)


# --- tanh: smooth, numerical kernels ----------------------------------------



tanh = Activation(
    name="tanh",
    phi=lambda x: np.tanh(np.asarray(x, dtype=float)),
    dphi=lambda x: 1 - np.tanh(np.asarray(x, dtype=float)) ** 2,
    features=(0.0,),
)


# --- hard-tanh: truncated-normal moments --------------------------------------
#
# Every form below is a sum of terms of one sign (or of terms whose sum is bounded below by the
# largest of them), each computed to a few ulps, so the kernels keep their relative accuracy from
# q -> 0 to q -> infinity.  The naive truncated-normal formulas do not: at large q they subtract
# numbers near 1/2 (``2 Phi(a) - 1 - 2 a pdf(a)`` with a = 1/sqrt(q)) and lose everything by
# q ~ 1e12.  Measured against 50-digit mpmath (tests/test_extremes.py): at most 7e-16 relative for
# the one-dimensional kernels on q in [1e-8, 1e20]; at most 1.3e-15 for the bivariate ones over
# q1, q2 in [1e-8, 1e20] and |c| up to 1 - 1e-15.

_SQRT2 = np.sqrt(2.0)
_CLIP_Z = 40.0  # |z| beyond which Phi(-|z|) = 3.6e-350 underflows: clipping there changes nothing
_GL_X, _GL_W = np.polynomial.legendre.leggauss(8)
_SERIES_TERMS = 30  # the series of _trunc_second_moment for x = a^2/2 <= 2: term 30 is < 1e-25 of the sum


def _trunc_second_moment(a):
    r""":math:`\mathbb E[Z^2;\,|Z| < a]` for :math:`a \ge 0` (``inf`` allowed), to a few ulps.

    Parameters
    ----------
    a : array_like
        Truncation point(s), ``a >= 0``.

    Returns
    -------
    ndarray
        :math:`P(3/2, a^2/2)`, the regularised lower incomplete gamma function
        (:math:`Z^2 \sim \chi^2_1` and :math:`x f_{\chi^2_1}(x) = f_{\chi^2_3}(x)`).

    Notes
    -----
    For :math:`a \le 2` the positive-term series
    :math:`\gamma(s, x) = x^s e^{-x}\sum_n x^n/(s(s+1)\cdots(s+n))` (Abramowitz & Stegun
    6.5.29) with :math:`s = 3/2`, :math:`x = a^2/2`: no cancellation, relative accuracy at
    any small :math:`a` (the textbook :math:`\operatorname{erf}(a/\sqrt2) - 2a\varphi(a)`
    cancels to nothing there, and ``scipy.special.gammainc`` is only good to ~1e-14 in this
    range).  For :math:`a > 2` that difference is used: its second term is below 30% of the first.
    """
    a = np.asarray(a, dtype=float)
    out = np.empty(a.shape)
    small = a <= 2.0
    As = a[small]
    x = 0.5 * As * As
    term = np.ones_like(x)
    total = np.ones_like(x)
    for n in range(1, _SERIES_TERMS):
        term = term * x / (1.5 + n)
        total = total + term
    out[small] = As**3 * np.exp(-x) * (2.0 / (3.0 * _SQRT_2PI)) * total
    Ab = np.minimum(a[~small], 1e150)  # a = inf (q = 0): the tail term is exactly 0 from a ~ 40 on anyway
    out[~small] = _erf(Ab / _SQRT2) - 2.0 * Ab * np.exp(-0.5 * Ab * Ab) / _SQRT_2PI
    return out


def _inv_sqrt(q):
    """(q, 1/sqrt(q)) as float arrays, with 1/sqrt(0) = inf and no warning."""
    q = np.asarray(q, dtype=float)
    with np.errstate(divide="ignore"):
        return q, 1.0 / np.sqrt(q)


def _ht_e_phi2(q):
    r""":math:`\mathbb E[\phi(\sqrt q Z)^2]` for hard-tanh, in :math:`[0, 1]`.

    Parameters
    ----------
    q : array_like
        Variance(s), ``q >= 0``.

    Returns
    -------
    ndarray
        :math:`q\,P(3/2, 1/(2q)) + \operatorname{erfc}(1/\sqrt{2q})`: the inner second moment
        (:func:`_trunc_second_moment`) plus the mass outside :math:`|u| < 1`, both
        positive, so no cancellation anywhere (the complementary error function keeps the
        second term accurate when it is tiny, at small q, and when it is near 1, at large q).
    """
    q, a = _inv_sqrt(q)
    inner = np.where(q > 0, q * _trunc_second_moment(a), 0.0)
    return np.clip(inner + _erfc(a / _SQRT2), 0.0, 1.0)


def _ht_e_phi2_dq(q):
    r""":math:`\tfrac{d}{dq}\mathbb E[\phi(\sqrt q Z)^2] = \mathbb E[Z^2;\,|Z| < 1/\sqrt q]` for hard-tanh, in :math:`[0, 1]`.

    Parameters
    ----------
    q : array_like
        Variance(s), ``q >= 0``; the value at q = 0 is the limit 1.

    Returns
    -------
    ndarray
        :math:`P(3/2, 1/(2q))` by :func:`_trunc_second_moment` (positive-term series at
        large q, where it is :math:`\approx \tfrac{2}{3\sqrt{2\pi}}q^{-3/2}`).
    """
    q, a = _inv_sqrt(q)
    return np.clip(_trunc_second_moment(a), 0.0, 1.0)


def _ht_e_dphi2(q):
    r""":math:`\mathbb E[\phi'(\sqrt q Z)^2] = P(|Z| < 1/\sqrt q) = \operatorname{erf}(1/\sqrt{2q})`, in :math:`[0, 1]`.

    Parameters
    ----------
    q : array_like
        Variance(s), ``q >= 0``.

    Returns
    -------
    ndarray
        ``erf`` directly (not ``2 Phi(a) - 1``, which cancels to nothing as q grows).
    """
    q, a = _inv_sqrt(q)
    return np.clip(_erf(a / _SQRT2), 0.0, 1.0)


def _normal_mass(lo, hi, mid, half):
    r""":math:`P(lo < Z < hi)` to a few ulps relative, however narrow or far out the interval.

    Parameters
    ----------
    lo, hi : array_like
        Interval ends, ``lo <= hi``, each computed to a few ulps of itself by the caller.
    mid, half : array_like
        The same interval as centre and half-width (:math:`(lo + hi)/2`, :math:`(hi - lo)/2`),
        also computed directly by the caller: for a narrow interval far from 0,
        ``hi - lo`` would cancel (2/s out of values near m/s: 5e-11 relative lost at s = 1e6).
        All four broadcast together; infinite values allowed.

    Returns
    -------
    ndarray

    Notes
    -----
    Intervals below 0 are reflected above it, and ends are clipped to :math:`\pm 40`, beyond
    which :math:`\Phi(-|z|)` underflows (an interval beyond 40 has mass 0).  Then

    * an interval that contains 0: :math:`(\operatorname{erf}(hi/\sqrt2) + \operatorname{erf}(-lo/\sqrt2))/2`,
      two non-negative terms;
    * :math:`0 \le lo`, wide (:math:`(hi - lo)\max(lo, 1) \ge 1`): the difference of
      complementary error functions, whose ratio is then below :math:`e^{-0.79}` (the Mills
      ratio bound :math:`\varphi(x)/\Phi(-x) > \max(x, 0.79)` for :math:`x \ge 0`), so
      cancellation costs less than a factor 2;
    * :math:`0 \le lo`, narrow: :math:`\varphi(\mu)\int_{-h}^{h} e^{-\mu t - t^2/2}\,dt` with
      :math:`\mu` = ``mid``, :math:`h` = ``half``, the integrand even-symmetrised to
      :math:`2\cosh(\mu t)e^{-t^2/2}` on :math:`[0, h]` and integrated by 8-point
      Gauss-Legendre; there :math:`\mu h < 3/4` and :math:`h < 1/2`, where the rule is exact
      to far below double precision (its error is of the order of the 16th Taylor term).
    """
    lo, hi, mid, half = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (lo, hi, mid, half)))
    lo = np.clip(lo, -_CLIP_Z, _CLIP_Z)
    hi = np.clip(hi, -_CLIP_Z, _CLIP_Z)
    below = hi <= 0
    lo, hi, mid = np.where(below, -hi, lo), np.where(below, -lo, hi), np.abs(mid)
    out = np.empty(lo.shape)
    across = lo < 0
    out[across] = 0.5 * (_erf(hi[across] / _SQRT2) + _erf(-lo[across] / _SQRT2))
    wide = ~across & (2.0 * half * np.maximum(lo, 1.0) >= 1.0)
    out[wide] = 0.5 * (_erfc(lo[wide] / _SQRT2) - _erfc(hi[wide] / _SQRT2))
    far = ~across & ~wide & (lo >= _CLIP_Z)  # the mass underflows; and mid may be huge there
    out[far] = 0.0
    narrow = ~across & ~wide & ~far
    mu = mid[narrow][..., None]
    h = half[narrow][..., None]
    t = 0.5 * h * (_GL_X + 1.0)
    core = np.sum(_GL_W * np.cosh(mu * t) * np.exp(-0.5 * t * t), axis=-1) * h[..., 0]  # 2 * (h/2) * sum
    out[narrow] = np.exp(-0.5 * mu[..., 0] ** 2) / _SQRT_2PI * core
    return out


def _clip_gauss_mean(m, s):
    r""":math:`\mathbb E[\operatorname{clip}(m + sZ, -1, 1)]` for :math:`s > 0`, relatively accurate.

    Parameters
    ----------
    m, s : array_like
        Mean and standard deviation (broadcast together), ``s > 0``.

    Returns
    -------
    ndarray
        In :math:`[-1, 1]`, odd in ``m``.

    Notes
    -----
    With :math:`m \ge 0` (odd symmetry), :math:`\alpha = -(1 + m)/s`, :math:`\beta = (1 - m)/s`,
    the mean is :math:`T_1 + T_2 + T_3`:
    :math:`T_1 = m\,P(\alpha < Z < \beta) \ge 0`,
    :math:`T_2 = s(\varphi(\alpha) - \varphi(\beta)) = s\varphi(\beta)\operatorname{expm1}(-2m/s^2) \le 0`,
    :math:`T_3 = P(Z > \beta) - P(Z < \alpha) = P(\alpha < Z < -\beta) \ge 0`.
    :math:`T_1 + T_2 = \mathbb E[X;\,|X|<1] \ge 0`, so the sum is at least each
    :math:`|T_i|` and its relative error is a few times that of the terms, which
    :func:`_normal_mass` and ``expm1`` give to a few ulps.  (Written as differences of
    ``normal_cdf`` values, as before, the terms lost ~s ulps: 1e-10 at s = 1e6.)
    """
    m, s = np.broadcast_arrays(np.asarray(m, dtype=float), np.asarray(s, dtype=float))
    sign = np.where(m < 0, -1.0, 1.0)
    m = np.abs(m)
    with np.errstate(over="ignore"):  # m/s, 1/s and m/s^2 may overflow for tiny s; inf is the right limit
        ms, inv = m / s, 1.0 / s
        alpha = -(1.0 + m) / s
        beta = (1.0 - m) / s
        ratio = 2.0 * ms / s
    t1 = m * _normal_mass(alpha, beta, -ms, inv)
    bc = np.clip(beta, -_CLIP_Z, _CLIP_Z)
    t2 = s * (np.exp(-0.5 * bc * bc) / _SQRT_2PI) * np.expm1(-ratio)
    t3 = _normal_mass(alpha, -beta, -inv, ms)
    return sign * np.clip(t1 + t2 + t3, 0.0, 1.0)


def _clip_gauss_inside(m, s):
    r""":math:`P(|m + sZ| < 1)` for :math:`s > 0`: :func:`_normal_mass` of :math:`((-1 - |m|)/s, (1 - |m|)/s)`.

    Parameters
    ----------
    m, s : array_like
        Mean and standard deviation (broadcast together), ``s > 0``.

    Returns
    -------
    ndarray
        In :math:`[0, 1]`, relatively accurate even when it is tiny (far or narrow window).
    """
    m = np.abs(np.asarray(m, dtype=float))
    with np.errstate(over="ignore"):
        mass = _normal_mass(-(1.0 + m) / s, (1.0 - m) / s, -m / s, 1.0 / s)
    return np.clip(mass, 0.0, 1.0)


_TRANSITION_WIDTHS = 8.0  # Phi(-8) = 6e-16: past 8 widths an inner transition is flat to double precision


def _ht_2d(q1, q2, c, outer, inner):
    r""":math:`\mathbb E_{z_1}[\mathrm{outer}(u_1)\,\mathrm{inner}(m, s)]` with :math:`u_2 \mid z_1 \sim \mathcal N(m, s^2)`.

    Parameters
    ----------
    q1, q2, c : array_like
        Variances and correlation (broadcast together).
    outer : callable
        :math:`\phi` or :math:`\phi'` of :math:`u_1 = \sqrt{q_1} z_1`.
    inner : callable
        ``inner(m, s)``: the closed-form conditional expectation over :math:`u_2`
        (``s = None`` where :math:`s = 0`).

    Returns
    -------
    ndarray
        One composite Gauss-Legendre quadrature over :math:`z_1` (``_gauss.nodes``).

    Notes
    -----
    The integrand has kinks at :math:`z_1 = \pm k_1 = \pm 1/\sqrt{q_1}` and, through
    :math:`m = \sqrt{q_2}\,c\,z_1`, smooth transitions centred at :math:`\pm k_2 = \pm 1/(\sqrt{q_2}|c|)`
    of width :math:`w = \sqrt{1 - c^2}/|c|` in :math:`z_1` (they merge into one bump of width
    :math:`w` about 0 when :math:`w \gg k_2`, i.e. :math:`s \gg 1`).  Splitting at
    :math:`\pm k_1`, :math:`\pm k_2` and :math:`\pm k_2 \pm 8w` puts each transition on pieces
    scaled to its own width.  Without the last four points the Gaussian flanks of a narrow
    bump fell on panels as wide as their distance from it and cost up to 5e-11 relative
    (q1 = 1e-6, q2 = 1e12, c = -0.999); with them the error against 50-digit mpmath is at most
    4.4e-16 over q1, q2 in {1e-6, 1, 1e6, 1e12}, c in {-0.999, 0, 0.5, 0.999999}, and 1.3e-15
    over 116 further points with q up to 1e20 and |c| up to 1 - 1e-15 (tests/test_extremes.py
    runs a subset).
    """
    q1, q2, c = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (q1, q2, c)))
    sq1, sq2 = np.sqrt(q1), np.sqrt(q2)
    root = np.sqrt(np.clip((1 - c) * (1 + c), 0.0, None))  # not 1 - c*c: that loses 1e-10 relative at c = 0.999999
    s = sq2 * root
    big = _gauss.Z_MAX
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        k1 = np.where(sq1 > 0, 1 / sq1, big)
        k2 = np.where(np.abs(sq2 * c) > 0, 1 / np.abs(sq2 * c), big)
        width = np.where(np.abs(c) > 0, root / np.abs(c), big)
    # Split points beyond +-Z_MAX are clipped by _gauss.nodes; keep them finite for the arithmetic.
    k1, k2, width = (np.minimum(v, 2 * big) for v in (k1, k2, width))
    reach = _TRANSITION_WIDTHS * width
    split = np.stack([-k1, k1, -k2, k2, -k2 - reach, -k2 + reach, k2 - reach, k2 + reach], axis=-1)
    z, w = _gauss.nodes(split)
    u1 = sq1[..., None] * z
    m = (sq2 * c)[..., None] * z
    s_ = s[..., None]
    safe = np.where(s_ > 0, s_, 1.0)
    val = np.where(s_ > 0, inner(m, safe), inner(m, None))
    return np.sum(w * outer(u1) * val, axis=-1)


def _ht_phiphi(q1, q2, c):
    r""":math:`\mathbb E[\phi(u_1)\phi(u_2)]` for hard-tanh: :func:`_ht_2d` with :func:`_clip_gauss_mean` inside.

    Parameters
    ----------
    q1, q2, c : array_like
        Variances and correlation (broadcast together).

    Returns
    -------
    ndarray
    """

    def inner(m, s):
        return np.clip(m, -1, 1) if s is None else _clip_gauss_mean(m, s)

    return _ht_2d(q1, q2, c, lambda u: np.clip(u, -1, 1), inner)


def _ht_dphidphi(q1, q2, c):
    r""":math:`\mathbb E[\phi'(u_1)\phi'(u_2)] = P(|u_1| < 1, |u_2| < 1)`: :func:`_ht_2d` with :func:`_clip_gauss_inside`.

    Parameters
    ----------
    q1, q2, c : array_like
        Variances and correlation (broadcast together).

    Returns
    -------
    ndarray
        In :math:`[0, 1]`.
    """

    def inner(m, s):
        return (np.abs(m) < 1).astype(float) if s is None else _clip_gauss_inside(m, s)

    return _ht_2d(q1, q2, c, lambda u: (np.abs(u) < 1).astype(float), inner)


hard_tanh = Activation(
    name="hard_tanh",
    phi=lambda x: np.clip(np.asarray(x, dtype=float), -1.0, 1.0),
    dphi=lambda x: (np.abs(np.asarray(x, dtype=float)) < 1).astype(float),
    features=(-1.0, 1.0),
    e_phi2=_ht_e_phi2,
    e_phi2_dq=_ht_e_phi2_dq,
    e_dphi2=_ht_e_dphi2,
    e_phiphi=_ht_phiphi,
    e_dphidphi=_ht_dphidphi,
)


#: Built-in activations by name.
ACTIVATIONS = {a.name: a for a in (linear, relu, tanh, hard_tanh, erf)}


def get_activation(activation) -> Activation:
    """Return the :class:`Activation` for a name (see ``ACTIVATIONS``) or pass one through.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the known ones).
    TypeError
        For anything that is neither a str nor an :class:`Activation`.
    """
    if isinstance(activation, Activation):
        return activation
    if isinstance(activation, str):
        key = activation.lower().replace("-", "_")
        aliases = {"hardtanh": "hard_tanh", "identity": "linear"}
        key = aliases.get(key, key)
        if key not in ACTIVATIONS:
            raise ValueError(
                f"activation: unknown name {activation!r}; expected one of {sorted(ACTIVATIONS)} "
                "or an initdyn.activations.Activation"
            )
        return ACTIVATIONS[key]
    raise TypeError(
        f"activation: expected a name or an initdyn.activations.Activation, got {type(activation).__name__}"
    )
