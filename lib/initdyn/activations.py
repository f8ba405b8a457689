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

from . import _gauss

__all__ = ["Activation", "get_activation", "ACTIVATIONS", "linear", "relu", "tanh", "hard_tanh", "erf"]

_SQRT_2PI = np.sqrt(2 * np.pi)


@dataclass(frozen=True)
class Activation:
    r"""A pointwise nonlinearity :math:`\phi` with what mean-field theory needs of it.

    Parameters
    ----------
    name : str
    phi, dphi, d2phi : callable
        :math:`\phi`, :math:`\phi'` and :math:`\phi''` (elementwise on arrays).
        At a kink the derivative takes one of its one-sided values and the
        second derivative only its smooth part.
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
    d2phi: Callable | None = None
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
    d2phi=lambda x: np.zeros_like(np.asarray(x, dtype=float)),
    features=(),
    homogeneous=True,
    e_phi2=lambda q: np.asarray(q, dtype=float) * 1.0,
    e_phi2_dq=lambda q: np.ones_like(np.asarray(q, dtype=float)),
    e_dphi2=lambda q: np.ones_like(np.asarray(q, dtype=float)),
    e_phiphi=lambda q1, q2, c: c * np.sqrt(q1 * q2),
    e_dphidphi=lambda q1, q2, c: np.ones(np.broadcast(q1, q2, c).shape),
)


# --- ReLU: arc-cosine kernels -----------------------------------------------

def _relu_phiphi(q1, q2, c):
    theta = np.arccos(np.clip(c, -1.0, 1.0))
    return np.sqrt(q1 * q2) / (2 * np.pi) * (np.sin(theta) + (np.pi - theta) * np.cos(theta))


def _relu_dphidphi(q1, q2, c):
    theta = np.arccos(np.clip(c, -1.0, 1.0))
    return (np.pi - theta) / (2 * np.pi) + 0.0 * (q1 + q2)


relu = Activation(
    name="relu",
    phi=lambda x: np.maximum(np.asarray(x, dtype=float), 0.0),
    dphi=lambda x: (np.asarray(x, dtype=float) > 0).astype(float),
    d2phi=lambda x: np.zeros_like(np.asarray(x, dtype=float)),
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
    d2phi=lambda x: -4 / np.sqrt(np.pi) * np.asarray(x, dtype=float) * np.exp(-np.asarray(x, dtype=float) ** 2),
    features=(0.0,),
    e_phi2=lambda q: 2 / np.pi * np.arcsin(2 * np.asarray(q, dtype=float) / (1 + 2 * np.asarray(q, dtype=float))),
    e_phi2_dq=lambda q: 4 / np.pi / ((1 + 2 * np.asarray(q, dtype=float)) * np.sqrt(1 + 4 * np.asarray(q, dtype=float))),
    e_dphi2=lambda q: 4 / np.pi / np.sqrt(1 + 4 * np.asarray(q, dtype=float)),
    e_phiphi=_erf_phiphi,
    e_dphidphi=_erf_dphidphi,
)


# --- tanh: smooth, numerical kernels ----------------------------------------

def _tanh_d2(x):
    t = np.tanh(np.asarray(x, dtype=float))
    return -2 * t * (1 - t * t)


tanh = Activation(
    name="tanh",
    phi=lambda x: np.tanh(np.asarray(x, dtype=float)),
    dphi=lambda x: 1 - np.tanh(np.asarray(x, dtype=float)) ** 2,
    d2phi=_tanh_d2,
    features=(0.0,),
)


# --- hard-tanh: truncated-normal moments --------------------------------------

def _ht_e_phi2(q):
    q = np.asarray(q, dtype=float)
    a = 1 / np.sqrt(np.where(q > 0, q, 1.0))  # the q = 0 limit is taken by np.where below
    pdf = np.exp(-0.5 * a * a) / _SQRT_2PI
    a_pdf = a * pdf
    inner = 2 * _gauss.normal_cdf(a) - 1 - 2 * a_pdf  # E[z^2; |z| < a]
    return np.where(q > 0, q * inner + 2 * _gauss.normal_cdf(-a), 0.0)


def _ht_e_phi2_dq(q):
    q = np.asarray(q, dtype=float)
    a = 1 / np.sqrt(np.where(q > 0, q, 1.0))  # the q = 0 limit is taken by np.where below
    pdf = np.exp(-0.5 * a * a) / _SQRT_2PI
    a_pdf = a * pdf
    return np.where(q > 0, 2 * _gauss.normal_cdf(a) - 1 - 2 * a_pdf, 1.0)


def _ht_e_dphi2(q):
    q = np.asarray(q, dtype=float)
    a = 1 / np.sqrt(np.where(q > 0, q, 1.0))
    return np.where(q > 0, 2 * _gauss.normal_cdf(a) - 1, 1.0)


def _clip_gauss_mean(m, s):
    """E[clip(m + s Z, -1, 1)] for s > 0 (truncated-normal first moment)."""
    alpha = (-1 - m) / s
    beta = (1 - m) / s
    pa = np.exp(-0.5 * alpha**2) / _SQRT_2PI
    pb = np.exp(-0.5 * beta**2) / _SQRT_2PI
    inside = m * (_gauss.normal_cdf(beta) - _gauss.normal_cdf(alpha)) + s * (pa - pb)
    return inside + _gauss.normal_cdf(-beta) - _gauss.normal_cdf(alpha)


def _clip_gauss_inside(m, s):
    """P(|m + s Z| < 1) for s > 0."""
    return _gauss.normal_cdf((1 - m) / s) - _gauss.normal_cdf((-1 - m) / s)


def _ht_2d(q1, q2, c, outer, inner):
    """E_z1[outer(u1) * inner(m, s)] with u2 | z1 ~ N(m, s^2): one quadrature, inner in closed form."""
    q1, q2, c = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (q1, q2, c)))
    sq1, sq2 = np.sqrt(q1), np.sqrt(q2)
    s = sq2 * np.sqrt(np.clip(1 - c * c, 0.0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        k1 = np.where(sq1 > 0, 1 / sq1, _gauss.Z_MAX)
        k2 = np.where(np.abs(sq2 * c) > 0, 1 / np.abs(sq2 * c), _gauss.Z_MAX)
    split = np.stack([-k1, k1, -k2, k2], axis=-1)
    z, w = _gauss.nodes(split)
    u1 = sq1[..., None] * z
    m = (sq2 * c)[..., None] * z
    s_ = s[..., None]
    safe = np.where(s_ > 0, s_, 1.0)
    val = np.where(s_ > 0, inner(m, safe), inner(m, None))
    return np.sum(w * outer(u1) * val, axis=-1)


def _ht_phiphi(q1, q2, c):
    def inner(m, s):
        return np.clip(m, -1, 1) if s is None else _clip_gauss_mean(m, s)

    return _ht_2d(q1, q2, c, lambda u: np.clip(u, -1, 1), inner)


def _ht_dphidphi(q1, q2, c):
    def inner(m, s):
        return (np.abs(m) < 1).astype(float) if s is None else _clip_gauss_inside(m, s)

    return _ht_2d(q1, q2, c, lambda u: (np.abs(u) < 1).astype(float), inner)


hard_tanh = Activation(
    name="hard_tanh",
    phi=lambda x: np.clip(np.asarray(x, dtype=float), -1.0, 1.0),
    dphi=lambda x: (np.abs(np.asarray(x, dtype=float)) < 1).astype(float),
    d2phi=lambda x: np.zeros_like(np.asarray(x, dtype=float)),
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
