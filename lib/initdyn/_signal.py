r"""Machinery shared by the exact laws of chapter 3 (private; the public API is in :mod:`initdyn.exact`
and :mod:`initdyn.preactivation`).

* :class:`Chi2Mixture`: the law of :math:`G = \chi^2_K`, :math:`K \sim \mathrm{Bin}(N, 1/2)`, of one
  layer's squared-norm factor (equation ``eq-ch3-recursion`` of chapter 3,
  :doc:`/notebooks/03-exact-distributions`), with its Mellin transform, the density and CDF of
  :math:`\log G`, and exact samples.
* :func:`window`: Chernoff bounds on a sum of i.i.d. :math:`\log G`, the integration window of both the
  Fourier inversion (:mod:`initdyn.exact`) and the biased grid recursion (``initdyn._biasgrid``).
* :func:`check_params`, :func:`check_size`, :func:`exp_or_inf`: the argument checks and the overflow
  convention (``inf`` beyond the float range) that every law of the chapter shares.

Defined in chapter 3.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from ._validate import check_int, check_memory, check_variance, describe

#: Tail mass left outside the integration window (Chernoff bound), per side.
TAIL = 1e-18


# ---------------------------------------------------------------------------
# The mixture of chi-square laws, G = chi^2_K
# ---------------------------------------------------------------------------

class Chi2Mixture:
    """G = chi^2_K with K on ``k`` with (sub-)probabilities ``w`` (the rest is an atom at 0)."""

    def __init__(self, k, w):
        self.k = np.asarray(k, dtype=float)
        self.w = np.asarray(w, dtype=float)
        self.half = 0.5 * self.k
        self.logw = np.log(self.w)
        self.mass = float(self.w.sum())
        self.kmin = float(self.k.min())

    def log_mellin(self, s):
        r""":math:`\log \mathbb E[G^s; G > 0]` for complex ``s`` (real part > -kmin/2), vectorised."""
        s = np.asarray(s)
        z = (self.logw + s[..., None] * math.log(2.0) + special.loggamma(self.half + s[..., None])
             - special.gammaln(self.half))
        m = np.max(z.real, axis=-1, keepdims=True)
        return m[..., 0] + np.log(np.sum(np.exp(z - m), axis=-1))

    def logpdf_log(self, t):
        """Log density of log G (continuous part, integrates to ``mass``) at ``t``."""
        t = np.asarray(t, dtype=float)[..., None]
        z = self.logw + self.half * (t - math.log(2.0)) - 0.5 * np.exp(t) - special.gammaln(self.half)
        return special.logsumexp(z, axis=-1)

    def cdf_log(self, t):
        """P(0 < G <= e^t) (sub-probability)."""
        t = np.asarray(t, dtype=float)[..., None]
        return np.sum(self.w * special.gammainc(self.half, 0.5 * np.exp(t)), axis=-1)

    def sample(self, gen, size, width):
        k = gen.binomial(width, 0.5, size=size)
        return 2.0 * gen.standard_gamma(0.5 * k)


def window(mix, depth, tail=TAIL):
    """Chernoff bounds on S = sum of ``depth`` copies of log G (given G > 0) at tail mass ``tail``."""
    log_mass = math.log(mix.mass)
    cum = lambda s: depth * (mix.log_mellin(s).real - log_mass)  # noqa: E731  (cumulant of S)
    up = np.geomspace(1e-4, 1e5, 500)
    t_hi = np.min((cum(up) - math.log(tail)) / up)
    down = 0.5 * mix.kmin * (1.0 - np.geomspace(1e-6, 1.0, 400))
    down = down[down > 0]
    t_lo = np.max((math.log(tail) - cum(-down)) / down)
    return float(t_lo), float(t_hi)


# ---------------------------------------------------------------------------
# Shared checks and the overflow convention
# ---------------------------------------------------------------------------

_LOG_MAX = math.log(np.finfo(float).max)  # 709.78: exp of more overflows


def exp_or_inf(x):
    """exp(x) as a float, ``inf`` where it exceeds the float range (no OverflowError)."""
    return math.exp(x) if x < _LOG_MAX else float("inf")


def check_size(size, per_sample, what):
    """``size`` (int or tuple of ints >= 1) as a tuple; refuse samples that would not fit in memory."""
    if isinstance(size, (int, np.integer)) and not isinstance(size, (bool, np.bool_)):
        size = (check_int(size, "size", minimum=1),)
    elif isinstance(size, (tuple, list)) and len(size) > 0:
        size = tuple(check_int(s, "size", minimum=1) for s in size)
    else:
        raise TypeError(f"size: expected an integer >= 1 or a non-empty tuple of them, got {describe(size)}")
    check_memory(float(np.prod(size, dtype=float)) * per_sample, f"size (times {what})")
    return size


def check_params(width, depth, sigma_w2, sigma_b2, q0):
    width = check_int(width, "width", minimum=1)
    depth = check_int(depth, "depth", minimum=1)
    sigma_w2 = check_variance(sigma_w2, "sigma_w2", positive=True)
    sigma_b2 = check_variance(sigma_b2, "sigma_b2")
    q0 = check_variance(q0, "q0", positive=True)
    for name, val in (("sigma_w2", sigma_w2), ("sigma_b2", sigma_b2), ("q0", q0)):
        if not isinstance(val, float):
            raise TypeError(f"{name}: expected a scalar, got an array")
    return width, depth, sigma_w2, sigma_b2, q0
