r"""Exact finite-width signal distributions of random ReLU networks (no mean field).

Burkholz & Dubatovka 2019, "Initialization of ReLUs for Dynamical Isometry"
(NeurIPS; arXiv 1806.06362), the exact signal propagation.  Defined in chapter 3 of the book.

Convention (the one of :mod:`initdyn.network`)
----------------------------------------------
A network of ``depth`` :math:`L` layers of ``width`` :math:`N` units maps an
input :math:`x^0 \in \mathbb R^N` to

.. math:: h^l = W^l x^{l-1} + b^l, \qquad x^l = \mathrm{relu}(h^l), \qquad l = 1, \dots, L,

with :math:`W^l_{ij} \sim \mathcal N(0, \sigma_w^2/N)`, :math:`b^l_i \sim \mathcal N(0, \sigma_b^2)`.
This is exactly :func:`initdyn.network.forward` (``h[l]`` there is :math:`h^l`
here, and the ReLU is not applied to the input).  The *signal* is the
post-activation :math:`x^l`, as in the paper's setting of Gaussian weights
and biases; every statement below is derived, and tested against
:func:`initdyn.network.forward`, under this convention.  We write
:math:`q_0 = \|x^0\|^2/N`.

The recursion (the paper's derivation)
--------------------------------------
Given :math:`x^{l-1}`, the pre-activations :math:`h^l_i` are i.i.d.
:math:`\mathcal N(0, v_l)` with :math:`v_l = \sigma_w^2\|x^{l-1}\|^2/N + \sigma_b^2`.
So the number :math:`K_l` of active units is :math:`\mathrm{Bin}(N, 1/2)`,
independent of everything before, and given :math:`K_l = k`,
:math:`\|x^l\|^2 = v_l\,\chi^2_k` (a sum of :math:`k` squared half-normals).
Writing :math:`G_l = \chi^2_{K_l}` (a binomial mixture of chi-square laws with
an atom at 0 of mass :math:`2^{-N}`),

.. math:: \|x^l\|^2 = \Big(\frac{\sigma_w^2}{N}\|x^{l-1}\|^2 + \sigma_b^2\Big)\, G_l .

Without biases the ratio is a product of independent factors,
:math:`R = \|x^L\|^2/\|x^0\|^2 = (\sigma_w^2/N)^L \prod_l G_l`, so
:math:`\log R` is a sum of i.i.d. terms whose characteristic function is the
Mellin transform :math:`\mathbb E[\chi_k^{2\,i\omega}] = 2^{i\omega}\Gamma(k/2+i\omega)/\Gamma(k/2)`.
:func:`squared_norm_ratio` inverts it by a Fourier series on a window chosen
from Chernoff bounds (tail mass below 1e-18), so the CDF and the density of
:math:`\log R` are exact to about 1e-12 in absolute terms: the periodised
Fourier series converges exponentially because the density of
:math:`\log\chi^2_k` is analytic.  (Absolute, not relative: far in the tails,
where the density is below ~1e-15 of its peak, it is not resolved; moments
are therefore computed from closed forms, not by integrating the density.)
With biases the recursion is a Markov chain in :math:`v_l`;
:func:`squared_norm_ratio` integrates its transition kernel (a closed-form
density) numerically, layer by layer.

Closed forms (derived in chapter 3, section "The exact recursion", equation ``eq-ch3-closed``):
:math:`\mathbb E[G] = N/2`, :math:`\mathbb E[G^2] = N^2/4 + 5N/4`, hence for
:math:`\sigma_b^2 = 0`

.. math:: \mathbb E[R] = (\sigma_w^2/2)^L, \qquad
          \mathrm{Var}[R] = (\sigma_w^2/2)^{2L}\big[(1 + 5/N)^L - 1\big], \qquad
          P(R = 0) = 1 - (1 - 2^{-N})^L .
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special, stats
from scipy.interpolate import CubicSpline

from ._validate import (as_rng, check_finite_array, check_int, check_memory, check_real, check_scalar_variance,
                        check_variance, describe)
from .network import RandomNetwork, forward, random_network

__all__ = [
    "SignalDistribution",
    "squared_norm_ratio",
    "shared_squared_norm_ratio",
    "OutputPreactivation",
    "output_preactivation",
    "active_units_pmf",
    "death_probability",
    "simulate_squared_norm_ratio",
    "simulate_output_preactivation",
]

#: Tail mass left outside the integration window (Chernoff bound), per side.
_TAIL = 1e-18
#: Binomial weights below this (relative) are dropped from the mixtures.
_PMF_CUT = 1e-22
#: Largest grid of the biased recursion (its kernel has _MAX_GRID**2 float64 entries: 128 MB).
_MAX_GRID = 4000


# ---------------------------------------------------------------------------
# The mixture of chi-square laws, G = chi^2_K
# ---------------------------------------------------------------------------

def active_units_pmf(width):
    r"""Law of the number of active ReLU units, :math:`K \sim \mathrm{Bin}(N, 1/2)`.

    Implements the law of the active count :math:`K_l` in equation ``eq-ch3-recursion`` of chapter 3
    (:doc:`/notebooks/03-exact-distributions`); the per-layer moments of equation ``eq-ch3-logmoments``
    average over it.

    Returns ``(k, pmf)`` restricted to :math:`k \ge 1` and to the weights above
    1e-22 of the largest (the dropped mass is below ``width * 1e-22``); ``pmf``
    is *not* renormalised: it sums to :math:`1 - 2^{-N}` up to that cut.
    (The signs of i.i.d. symmetric pre-activations; Burkholz & Dubatovka 2019.)
    """
    width = check_int(width, "width", minimum=1)
    check_memory(6 * width, "width")
    k = np.arange(1, width + 1)
    logp = stats.binom.logpmf(k, width, 0.5)
    keep = logp >= logp.max() + math.log(_PMF_CUT)
    return k[keep], np.exp(logp[keep])


def death_probability(*, width, depth, sigma_b2=0.0):
    r"""Probability that the output signal is exactly zero, :math:`P(x^L = 0)` (closed form).

    Implements :math:`P(R = 0)` of equation ``eq-ch3-closed`` of chapter 3
    (:doc:`/notebooks/03-exact-distributions`).

    Without biases the signal dies once some layer has no active unit and stays dead:
    :math:`1 - (1 - 2^{-N})^L` (computed as ``-expm1(L log1p(-2^-N))``).  With
    biases a dead layer is revived by the next biases, so only the last layer
    counts: :math:`2^{-N}`.  ``depth`` may be an integer array (values below 2**63);
    ``sigma_b2`` is a scalar >= 0.
    """
    width = check_int(width, "width", minimum=1)
    sigma_b2 = check_scalar_variance(sigma_b2, "sigma_b2")
    if isinstance(depth, int) and not isinstance(depth, bool) and not -2**63 <= depth < 2**63:
        raise ValueError(f"depth: expected integers below 2**63, got {describe(depth)}")
    try:
        depth_arr = np.asarray(depth)
    except Exception:
        raise TypeError(f"depth: expected an integer or a (rectangular) integer array, got {describe(depth)}") from None
    if depth_arr.dtype == bool or not np.issubdtype(depth_arr.dtype, np.integer):
        raise TypeError(f"depth: expected an integer or an integer array, got {describe(depth)}")
    if np.any(depth_arr < 1):
        raise ValueError(f"depth: expected integers >= 1, got {describe(depth)}")
    p_dead = 2.0 ** (-width) if width < 2000 else 0.0  # 2^-N underflows to 0 from N = 1075 on
    if sigma_b2 > 0:
        out = np.full(depth_arr.shape, p_dead)
    else:
        out = -np.expm1(depth_arr * math.log1p(-p_dead))
    return out if out.ndim else float(out)


class _Chi2Mixture:
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


# ---------------------------------------------------------------------------
# The distribution object
# ---------------------------------------------------------------------------

_LOG_MAX = math.log(np.finfo(float).max)  # 709.78: exp of more overflows


def _exp_or_inf(x):
    """exp(x) as a float, ``inf`` where it exceeds the float range (no OverflowError)."""
    return math.exp(x) if x < _LOG_MAX else float("inf")


def _check_size(size, per_sample, what):
    """``size`` (int or tuple of ints >= 1) as a tuple; refuse samples that would not fit in memory."""
    if isinstance(size, (int, np.integer)) and not isinstance(size, (bool, np.bool_)):
        size = (check_int(size, "size", minimum=1),)
    elif isinstance(size, (tuple, list)) and len(size) > 0:
        size = tuple(check_int(s, "size", minimum=1) for s in size)
    else:
        raise TypeError(f"size: expected an integer >= 1 or a non-empty tuple of them, got {describe(size)}")
    check_memory(float(np.prod(size, dtype=float)) * per_sample, f"size (times {what})")
    return size


class SignalDistribution:
    r"""Law of a non-negative ratio :math:`R` with an atom at 0, in the style of a frozen ``scipy.stats`` law.

    ``pdf`` is the density of the continuous part (it integrates to
    ``1 - p_zero``); ``cdf(r)`` includes the atom for ``r >= 0``.  Built by
    :func:`squared_norm_ratio` or :func:`shared_squared_norm_ratio`; the work
    happens on the scale of :math:`\log R`, where ``pdf_log`` and
    ``cdf_log`` give the density and CDF of :math:`\log R` (continuous part);
    ``t_lo``, ``t_hi`` bound the window of :math:`\log R` outside which less
    than 1e-18 of the probability lies on either side.

    Values beyond the float range.  Deep or wide-variance networks have moments, quantiles and
    samples beyond :math:`1.8\times10^{308}` (e.g. width 4, depth :math:`10^5`: :math:`\mathbb E[R^2]
    = (1 + 5/4)^{10^5}`).  Those are computed in the log domain and returned as ``inf``, meaning
    "larger than the largest float" (never an ``OverflowError``); :meth:`log_moment` gives their
    logarithm.  Values below :math:`10^{-308}` are 0.  ``var`` is never negative (it is computed as
    :math:`\mathbb E[R^2] - \mathbb E[R]^2`, so its absolute accuracy is ~1e-16 of :math:`\mathbb E[R^2]`).
    """

    def __init__(self, *, p_zero, t_lo, t_hi, pdf_log, cdf_log, moment, sampler, description,
                 log_moment=None, sample_floats=1):
        self.p_zero = float(p_zero)
        self.t_lo, self.t_hi = float(t_lo), float(t_hi)
        self._pdf_log, self._cdf_log = pdf_log, cdf_log
        self._moment, self._sampler = moment, sampler
        self._log_moment = log_moment
        self._sample_floats = sample_floats
        self.description = description

    def __repr__(self):
        return f"SignalDistribution({self.description})"

    # -- log scale ------------------------------------------------------
    def pdf_log(self, t):
        """Density of :math:`\\log R` on ``R > 0`` (integrates to ``1 - p_zero``); 0 outside the window."""
        t = check_finite_array(t, "t")
        out = np.zeros(t.shape)
        inside = (t > self.t_lo) & (t < self.t_hi)
        if np.any(inside):
            out[inside] = np.maximum(self._pdf_log(t[inside]), 0.0)
        return out if out.ndim else float(out)

    def cdf_log(self, t):
        """:math:`P(0 < R \\le e^t)` (without the atom)."""
        t = check_finite_array(t, "t")
        out = np.where(t >= self.t_hi, 1.0 - self.p_zero, 0.0)
        inside = (t > self.t_lo) & (t < self.t_hi)
        if np.any(inside):
            out[inside] = np.clip(self._cdf_log(t[inside]), 0.0, 1.0 - self.p_zero)
        return out if out.ndim else float(out)

    # -- ratio scale ----------------------------------------------------
    def pdf(self, r):
        """Density of the continuous part of :math:`R` at ``r`` (0 for ``r <= 0``)."""
        r = check_finite_array(r, "r")
        out = np.zeros(r.shape)
        pos = r > 0
        if np.any(pos):
            with np.errstate(over="ignore"):  # the density at a tiny r can exceed the float range: inf
                out[pos] = self.pdf_log(np.log(r[pos])) / r[pos]
        return out if out.ndim else float(out)

    def cdf(self, r):
        """:math:`P(R \\le r)`, including the atom at 0."""
        r = check_finite_array(r, "r")
        out = np.where(r >= 0, self.p_zero, 0.0)
        pos = r > 0
        if np.any(pos):
            out[pos] += self.cdf_log(np.log(r[pos]))
        return out if out.ndim else float(out)

    def sf(self, r):
        """:math:`P(R > r)`."""
        return 1.0 - self.cdf(r)

    def ppf(self, p):
        """Quantile function: the smallest ``r`` with ``cdf(r) >= p`` (0 if ``p <= p_zero``; ``inf`` beyond 1.8e308)."""
        p = check_finite_array(p, "p")
        if np.any((p < 0) | (p > 1)):
            raise ValueError(f"p: expected probabilities in [0, 1], got {describe(p)}")
        out = np.zeros(p.shape)
        target = p - self.p_zero
        live = target > 0
        if np.any(live):
            lo = np.full(int(live.sum()), self.t_lo)
            hi = np.full(lo.shape, self.t_hi)
            goal = target[live]
            for _ in range(200):  # bisection on log r, to 1e-13 in log r
                if np.max(hi - lo) < 1e-13:
                    break
                mid = 0.5 * (lo + hi)
                below = self._cdf_log(mid) < goal
                lo = np.where(below, mid, lo)
                hi = np.where(below, hi, mid)
            with np.errstate(over="ignore"):
                out[live] = np.exp(0.5 * (lo + hi))
        out[p >= 1] = np.inf
        return out if out.ndim else float(out)

    def median(self):
        """The median of :math:`R` (0 when the signal dies with probability >= 1/2)."""
        return self.ppf(0.5)

    @staticmethod
    def _check_order(n):
        return check_real(n, "n", low=0.0, low_open=True)

    def moment(self, n):
        r""":math:`\mathbb E[R^n]` from the closed-form Mellin transform (``n`` > 0, finite).

        ``inf`` where it exceeds the float range (see :meth:`log_moment`).
        """
        n = self._check_order(n)
        return float(self._moment(n))

    def log_moment(self, n):
        r""":math:`\log\mathbb E[R^n]` (``n`` > 0): finite where :meth:`moment` overflows to ``inf``."""
        n = self._check_order(n)
        if self._log_moment is not None:
            return float(self._log_moment(n))
        m = float(self._moment(n))  # pragma: no cover - every constructor here passes log_moment
        return math.log(m) if m > 0 else float("-inf")

    def mean(self):
        """:math:`\\mathbb E[R]` (closed form).

        For :func:`squared_norm_ratio` without biases this is :math:`(\\sigma_w^2/2)^L`, equation
        ``eq-ch3-closed`` of chapter 3 (:doc:`/notebooks/03-exact-distributions`).
        """
        return self.moment(1)

    def var(self):
        """:math:`\\mathrm{Var}[R]` (closed form); ``inf`` where it exceeds the float range.

        For :func:`squared_norm_ratio` without biases this is equation ``eq-ch3-closed`` of chapter 3
        (:doc:`/notebooks/03-exact-distributions`).
        """
        m1 = self.moment(1)
        v = self.moment(2) - m1 * m1
        if math.isfinite(v):
            return max(v, 0.0)
        lm1, lm2 = self.log_moment(1), self.log_moment(2)
        gap = 2 * lm1 - lm2  # log(E[R]^2 / E[R^2]) <= 0
        if not gap < 0:
            return 0.0
        return _exp_or_inf(lm2 + math.log(-math.expm1(gap)))

    def std(self):
        """Standard deviation (``inf`` where the variance is)."""
        return math.sqrt(self.var())

    def prob_outside(self, low, high):
        """:math:`P(R < \\mathrm{low}) + P(R > \\mathrm{high})` (e.g. far from the mean-field value).

        ``0 < low <= high``; ``high`` may be ``inf``.
        """
        low = check_real(low, "low", low=0.0, low_open=True)
        high = check_real(high, "high", low=0.0, low_open=True, allow_inf=True)
        if not low <= high:
            raise ValueError(f"low, high: expected 0 < low <= high, got {low}, {high}")
        upper = 0.0 if math.isinf(high) else self.sf(high)
        return float(self.cdf(low) + upper)

    def rvs(self, size=1, rng=None):
        """Exact samples of :math:`R` from the recursion (binomial counts, chi-square norms); ``inf`` beyond 1.8e308."""
        size = _check_size(size, self._sample_floats, "the floats one sample needs")
        gen = as_rng(rng)
        with np.errstate(over="ignore"):
            return self._sampler(gen, size)


# ---------------------------------------------------------------------------
# Zero bias: products of independent chi-square mixtures, by Fourier inversion
# ---------------------------------------------------------------------------

def _window(mix, depth, tail=_TAIL):
    """Chernoff bounds on S = sum of ``depth`` copies of log G (given G > 0) at tail mass ``tail``."""
    log_mass = math.log(mix.mass)
    cum = lambda s: depth * (mix.log_mellin(s).real - log_mass)  # noqa: E731  (cumulant of S)
    up = np.geomspace(1e-4, 1e5, 500)
    t_hi = np.min((cum(up) - math.log(tail)) / up)
    down = 0.5 * mix.kmin * (1.0 - np.geomspace(1e-6, 1.0, 400))
    down = down[down > 0]
    t_lo = np.max((math.log(tail) - cum(-down)) / down)
    return float(t_lo), float(t_hi)


class _FourierSum:
    """Density and CDF of S = sum of ``depth`` i.i.d. log G (given G > 0) by a Fourier series."""

    def __init__(self, mix, depth, tail=_TAIL):
        self.t_lo, self.t_hi = _window(mix, depth, tail)
        span = self.t_hi - self.t_lo
        # pad the period so that the periodised copies sit beyond both tails
        self.T = 1.1 * span
        self.a = self.t_lo - 0.05 * span
        log_mass = math.log(mix.mass)
        # number of terms: |phi_G(w)|^depth below tail (the terms then decay at least exponentially)
        dw = 2 * np.pi / self.T
        n_max, target = 16, math.log(tail) - 3.0
        while True:
            logabs = depth * (mix.log_mellin(1j * dw * n_max).real - log_mass)
            if logabs < target:
                break
            if n_max > 2**20:
                raise ValueError(f"width, depth: the Fourier inversion needs more than {n_max} terms "
                                 f"(|phi|^L still above 1e-18 at depth={depth}): the law of log R is too close to a "
                                 "point mass to invert; use a smaller width or a larger depth")
            n_max *= 2
        n = np.arange(1, n_max + 1)
        self.omega = dw * n
        logphi = depth * (mix.log_mellin(1j * self.omega) - log_mass)
        keep = logphi.real > target - 10
        last = np.nonzero(keep)[0].max() + 1 if np.any(keep) else 1
        self.omega = self.omega[:last]
        self.phi = np.exp(logphi[:last])
        self.n_terms = last

    def _series(self, t, integrate):
        t = np.asarray(t, dtype=float)
        flat = t.ravel()
        out = np.empty(flat.size)
        step = max(1, 2_000_000 // max(self.n_terms, 1))
        for i in range(0, flat.size, step):
            tt = flat[i:i + step, None]
            e = np.exp(-1j * self.omega * (tt - self.a))
            if integrate:
                terms = self.phi * np.exp(-1j * self.omega * self.a) * (e - 1.0) / (-1j * self.omega)
                out[i:i + step] = ((tt[:, 0] - self.a) + 2 * np.sum(terms.real, axis=-1)) / self.T
            else:
                terms = self.phi * np.exp(-1j * self.omega * self.a) * e
                out[i:i + step] = (1.0 + 2 * np.sum(terms.real, axis=-1)) / self.T
        return out.reshape(t.shape)

    def pdf(self, t):
        return self._series(t, integrate=False)

    def cdf(self, t):
        return self._series(t, integrate=True)


def _product_distribution(mix, depth, log_scale, p_zero, sampler, description, *, log_surv, sample_floats):
    """R = exp(log_scale) * prod of ``depth`` i.i.d. G, zero with probability p_zero = 1 - exp(log_surv)."""
    fs = _FourierSum(mix, depth)
    surv = 1.0 - p_zero
    log_mass = math.log(mix.mass)

    def log_moment(n):
        return log_surv + n * log_scale + depth * (float(mix.log_mellin(n).real) - log_mass)

    def moment(n):
        try:
            out = surv * math.exp(n * log_scale + depth * (float(mix.log_mellin(n).real) - log_mass))
        except OverflowError:
            out = None
        if out is None or surv == 0.0:  # past the float range, or p_zero rounded to 1: in the log domain
            return _exp_or_inf(log_moment(n))
        return out

    return SignalDistribution(
        p_zero=p_zero,
        t_lo=fs.t_lo + log_scale,
        t_hi=fs.t_hi + log_scale,
        pdf_log=lambda t: surv * fs.pdf(t - log_scale),
        cdf_log=lambda t: surv * fs.cdf(t - log_scale),
        moment=moment,
        sampler=sampler,
        description=description,
        log_moment=log_moment,
        sample_floats=sample_floats,
    )


# ---------------------------------------------------------------------------
# Public constructors
# ---------------------------------------------------------------------------

def _check_params(width, depth, sigma_w2, sigma_b2, q0):
    width = check_int(width, "width", minimum=1)
    depth = check_int(depth, "depth", minimum=1)
    sigma_w2 = check_variance(sigma_w2, "sigma_w2", positive=True)
    sigma_b2 = check_variance(sigma_b2, "sigma_b2")
    q0 = check_variance(q0, "q0", positive=True)
    for name, val in (("sigma_w2", sigma_w2), ("sigma_b2", sigma_b2), ("q0", q0)):
        if not isinstance(val, float):
            raise TypeError(f"{name}: expected a scalar, got an array")
    return width, depth, sigma_w2, sigma_b2, q0


def squared_norm_ratio(*, width, depth, sigma_w2, sigma_b2=0.0, q0=1.0) -> SignalDistribution:
    r"""Exact law of :math:`R = \|x^L\|^2/\|x^0\|^2` for a random ReLU network (module docstring).

    Implements equation ``eq-ch3-recursion`` of chapter 3 (:doc:`/notebooks/03-exact-distributions`);
    without biases its mean, variance and ``p_zero`` are the closed forms of equation ``eq-ch3-closed``.

    Parameters
    ----------
    width, depth : int
        :math:`N \ge 1` units per layer, :math:`L \ge 1` layers.
    sigma_w2 : float
        Weight variance times fan-in, > 0 (2 is He initialisation).
    sigma_b2 : float
        Bias variance, >= 0.
    q0 : float
        Squared input length per unit, :math:`\|x^0\|^2/N > 0` (irrelevant when ``sigma_b2 == 0``).

    Returns
    -------
    SignalDistribution
        ``pdf``, ``cdf``, ``sf``, ``ppf``, ``median``, ``mean``, ``var``,
        ``moment``, ``rvs`` and ``p_zero``, the probability that the signal
        is exactly zero at the output (some layer with no active unit when
        ``sigma_b2 == 0``: :math:`1 - (1-2^{-N})^L`; the last layer with no
        active unit when ``sigma_b2 > 0``: :math:`2^{-N}`).

    Notes
    -----
    Burkholz & Dubatovka 2019 (binomially many active units, scaled
    chi-square norms).  Zero bias: Fourier inversion of the Mellin transform
    of the product (CDF exact to ~1e-12).  Biases: the Markov recursion for the
    pre-activation variance :math:`v_l` integrated numerically on a grid in
    :math:`u = \log(v_l - \sigma_b^2)`, where the transition density is the
    closed-form density of :math:`\log\chi^2_K` shifted by
    :math:`\log(\sigma_w^2/N) + \log(\sigma_b^2 + e^u)` (trapezoidal rule with a
    step of a quarter of its width, cubic splines of the closed forms; CDF
    accurate to ~1e-8).  The atom of :math:`G` at 0 (no active unit) resets
    :math:`v` to :math:`\sigma_b^2` and is carried exactly.
    """
    width, depth, sigma_w2, sigma_b2, q0 = _check_params(width, depth, sigma_w2, sigma_b2, q0)
    k, w = active_units_pmf(width)
    mix = _Chi2Mixture(k, w)
    desc = f"width={width}, depth={depth}, sigma_w2={sigma_w2:g}, sigma_b2={sigma_b2:g}, q0={q0:g}"
    if sigma_b2 == 0.0:
        def sampler(gen, size):
            g = mix.sample(gen, size + (depth,), width)
            with np.errstate(divide="ignore"):
                s = np.sum(np.log(g), axis=-1)
            return np.exp(s + depth * math.log(sigma_w2 / width))

        p_zero = death_probability(width=width, depth=depth)
        return _product_distribution(mix, depth, depth * math.log(sigma_w2 / width), p_zero, sampler, desc,
                                     log_surv=depth * math.log1p(-(2.0 ** (-width) if width < 2000 else 0.0)),
                                     sample_floats=4 * depth)
    return _biased(mix, width, depth, sigma_w2, sigma_b2, q0, desc)


def shared_squared_norm_ratio(*, width, depth) -> SignalDistribution:
    r"""Exact law of :math:`\|x^L\|^2/\|x^0\|^2` under :func:`initdyn.init.gaussian_submatrix` (no biases).

    Implements equation ``eq-ch3-sharing`` of chapter 3 (:doc:`/notebooks/03-exact-distributions`).

    With :math:`W = \begin{pmatrix} W_0 & -W_0 \\ -W_0 & W_0\end{pmatrix}`, the
    pre-activation is :math:`h = (z, -z)` with :math:`z = W_0(u - v)` for
    :math:`x = (u, v)`, and :math:`\mathrm{relu}(z) - \mathrm{relu}(-z) = z`:
    the network is the *linear* network :math:`z^l = W_0^l z^{l-1}` and
    :math:`\|x^l\|^2 = \|z^l\|^2`.  For a mirrored input
    :math:`x^0 = (\mathrm{relu}(z^0), \mathrm{relu}(-z^0))` (so that
    :math:`\|x^0\| = \|u^0 - v^0\|`) and :math:`W_0` with i.i.d.
    :math:`\mathcal N(0, 2/N)` entries, each layer multiplies the squared norm by
    :math:`\chi^2_{N/2}/(N/2)`: no binomial factor, no atom at zero.  Burkholz &
    Dubatovka 2019 (Gaussian submatrix initialisation).  (With a Haar-orthogonal :math:`W_0`,
    :func:`initdyn.init.looks_linear`, the ratio is exactly 1.)
    """
    width = check_int(width, "width", minimum=2)
    depth = check_int(depth, "depth", minimum=1)
    if width % 2:
        raise ValueError(f"width: the mirrored initialisation needs an even width, got {width}")
    half = width // 2
    mix = _Chi2Mixture([half], [1.0])

    def sampler(gen, size):
        g = 2.0 * gen.standard_gamma(0.5 * half, size=size + (depth,))
        return np.exp(np.sum(np.log(g), axis=-1) + depth * math.log(1.0 / half))

    return _product_distribution(mix, depth, depth * math.log(1.0 / half), 0.0, sampler,
                                 f"gaussian_submatrix, width={width}, depth={depth}", log_surv=0.0,
                                 sample_floats=3 * depth)


# ---------------------------------------------------------------------------
# The joint law of the output pre-activations: a Gaussian scale mixture
# ---------------------------------------------------------------------------

class OutputPreactivation:
    r"""Exact law of the last pre-activations :math:`h^L \in \mathbb R^N`: a Gaussian scale mixture.

    Implements equation ``eq-ch3-mixture`` of chapter 3 (:doc:`/notebooks/03-exact-distributions`);
    :meth:`kurtosis` is equation ``eq-ch3-kurtosis``.

    Given :math:`x^{L-1}`, the :math:`h^L_i` are i.i.d. :math:`\mathcal N(0, v_L)` with
    :math:`v_L = \sigma_w^2 q_0 R_{L-1} + \sigma_b^2` and :math:`R_{L-1}` the
    squared-length ratio after :math:`L - 1` layers (:func:`squared_norm_ratio`), so

    .. math:: p(h^L) = \int \prod_{i=1}^N \mathcal N(h^L_i; 0, v)\, dP(v) .

    The units are uncorrelated but not independent, and each is a scale
    mixture of Gaussians: its variance :math:`\mathbb E[v_L]` is the
    mean-field :math:`q^L` exactly, but its kurtosis is
    :math:`3\,\mathbb E[v_L^2]/\mathbb E[v_L]^2 > 3` (for :math:`\sigma_b^2 = 0`:
    :math:`3(1 + 5/N)^{L-1}`), where mean field predicts a Gaussian.  Without
    biases, :math:`h^L = 0` exactly with probability ``p_zero`` (a dead layer
    before the last), and the density of one unit diverges logarithmically at
    0 (:math:`\mathbb E[R_{L-1}^{-1/2}] = \infty` because of the layers with a single
    active unit), so ``pdf`` near 0 is only as fine as the grid.  Built by :func:`output_preactivation`; the mixture over
    :math:`v` is integrated with the trapezoidal rule on the log scale of
    :math:`R_{L-1}` (spectrally accurate: the density vanishes at both ends).

    Where :math:`v_L` exceeds the float range, ``var`` is ``inf`` and ``kurtosis`` is computed from
    the logarithms of the moments (finite unless it exceeds 1.8e308 itself).
    """

    def __init__(self, *, v_nodes, v_weights, v_atom, p_atom, mean_v, mean_v2, width, sampler, description,
                 log_moments=None, sample_floats=None):
        self.v_nodes, self.v_weights = v_nodes, v_weights
        self._v_atom, self._p_atom = v_atom, p_atom
        self._mean_v, self._mean_v2 = mean_v, mean_v2
        self._log_moments = log_moments
        self._sample_floats = width + 1 if sample_floats is None else sample_floats
        self.width = width
        self._sampler = sampler
        self.description = description
        self.p_zero = p_atom if v_atom == 0.0 else 0.0

    def __repr__(self):
        return f"OutputPreactivation({self.description})"

    def pdf(self, h):
        """Density of one unit :math:`h^L_i` (continuous part; integrates to ``1 - p_zero``)."""
        h = check_finite_array(h, "h")
        check_memory(3 * h.size * self.v_nodes.size, "h (times the number of nodes)")
        hh = h[..., None]
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            terms = self.v_weights * np.exp(-0.5 * hh**2 / self.v_nodes) / np.sqrt(2 * np.pi * self.v_nodes)
        zero = self.v_nodes == 0  # variances that underflowed (R ~ 1e-400): point masses at 0
        if np.any(zero):
            terms = np.where(zero, np.where(hh == 0, np.inf, 0.0), terms)
        out = np.sum(terms, axis=-1)
        if self._v_atom > 0:
            out = out + self._p_atom * np.exp(-0.5 * h**2 / self._v_atom) / math.sqrt(2 * np.pi * self._v_atom)
        return out if out.ndim else float(out)

    def cdf(self, h):
        r""":math:`P(h^L_i \le h)`, including the atom at 0 when there is one (at most 1: quadrature excess is cut)."""
        h = check_finite_array(h, "h")
        check_memory(3 * h.size * self.v_nodes.size, "h (times the number of nodes)")
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = self.v_weights * special.ndtr(h[..., None] / np.sqrt(self.v_nodes))
        zero = self.v_nodes == 0  # variances that underflowed: point masses at 0
        if np.any(zero):
            terms = np.where(zero, self.v_weights * (h[..., None] >= 0), terms)
        out = np.sum(terms, axis=-1)
        if self._v_atom > 0:
            out = out + self._p_atom * special.ndtr(h / math.sqrt(self._v_atom))
        else:
            out = out + self._p_atom * (h >= 0)
        # the trapezoidal weights carry the mass to ~1e-8 at the default n_nodes (~1e-6 at 201 nodes): a CDF
        # is never above 1
        out = np.minimum(out, 1.0)
        return out if out.ndim else float(out)

    def logpdf_joint(self, h):
        """Log joint density of the whole output vector ``h`` (last axis of length ``width``); -inf at 0 atoms."""
        h = check_finite_array(h, "h")
        if h.shape[-1] != self.width:
            raise ValueError(f"h: expected last dimension {self.width} (the width), got shape {h.shape}")
        check_memory(3 * (h.size // max(self.width, 1)) * self.v_nodes.size, "h (times the number of nodes)")
        with np.errstate(over="ignore"):
            r2 = np.sum(h * h, axis=-1)[..., None]
        n = self.width
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            logs = np.log(self.v_weights) - 0.5 * r2 / self.v_nodes - 0.5 * n * np.log(2 * np.pi * self.v_nodes)
            zero = self.v_nodes == 0  # variances that underflowed: point masses at 0
            if np.any(zero):
                logs = np.where(zero, np.where(r2 == 0, np.inf, -np.inf), logs)
            if self._v_atom > 0 and self._p_atom > 0:  # (an atom of mass 0 adds nothing: log 0 = -inf)
                extra = (math.log(self._p_atom) - 0.5 * r2 / self._v_atom
                         - 0.5 * n * math.log(2 * np.pi * self._v_atom))
                logs = np.concatenate([logs, extra], axis=-1)
        out = special.logsumexp(logs, axis=-1)
        return out if out.ndim else float(out)

    def var(self):
        r""":math:`\mathbb E[(h^L_i)^2] = \mathbb E[v_L]`, the mean-field :math:`q^L` (closed form).

        The second moment of equation ``eq-ch3-mixture`` of chapter 3
        (:doc:`/notebooks/03-exact-distributions`).
        """
        return float(self._mean_v)

    def kurtosis(self):
        r""":math:`\mathbb E[h^4]/\mathbb E[h^2]^2 = 3\,\mathbb E[v_L^2]/\mathbb E[v_L]^2`, closed form (3 if Gaussian).

        Implements equation ``eq-ch3-kurtosis`` of chapter 3 (:doc:`/notebooks/03-exact-distributions`).

        From the logarithms of the moments where they over- or underflow (``inf`` only if the
        kurtosis itself exceeds the float range).
        """
        try:
            out = float(3 * self._mean_v2 / self._mean_v**2)
        except (OverflowError, ZeroDivisionError):
            out = float("nan")
        if math.isfinite(out) or self._log_moments is None:
            return out
        lm1, lm2 = self._log_moments()
        return _exp_or_inf(math.log(3.0) + lm2 - 2 * lm1)

    def rvs(self, size=1, rng=None):
        """Exact samples of output vectors, shape ``(*size, width)`` (``inf`` beyond 1.8e308)."""
        size = _check_size(size, self._sample_floats, "the floats one sample needs")
        gen = as_rng(rng)
        with np.errstate(over="ignore", invalid="ignore"):
            return self._sampler(gen, size)


def output_preactivation(*, width, depth, sigma_w2, sigma_b2=0.0, q0=1.0, n_nodes=4001) -> OutputPreactivation:
    r"""Exact joint law of the output pre-activations :math:`h^L` (see :class:`OutputPreactivation`).

    Implements equation ``eq-ch3-mixture`` of chapter 3 (:doc:`/notebooks/03-exact-distributions`).

    Same parameters as :func:`squared_norm_ratio`; ``n_nodes`` is the number of
    trapezoidal nodes on the log scale of :math:`R_{L-1}` (>= 101).
    """
    width, depth, sigma_w2, sigma_b2, q0 = _check_params(width, depth, sigma_w2, sigma_b2, q0)
    n_nodes = check_int(n_nodes, "n_nodes", minimum=101)
    check_memory(4 * n_nodes + 6 * width, "n_nodes, width")
    desc = f"width={width}, depth={depth}, sigma_w2={sigma_w2:g}, sigma_b2={sigma_b2:g}, q0={q0:g}"
    scale = sigma_w2 * q0  # v = scale * R_{L-1} + sigma_b2 (inf where sigma_w2 * q0 > 1.8e308)
    if depth == 1:
        v1 = scale + sigma_b2
        nodes, weights, p_atom, m1, m2 = np.array([v1]), np.array([1.0]), 0.0, v1, v1 * v1
        prev = None
    else:
        prev = squared_norm_ratio(width=width, depth=depth - 1, sigma_w2=sigma_w2, sigma_b2=sigma_b2, q0=q0)
        t = np.linspace(prev.t_lo, prev.t_hi, n_nodes)
        w = prev.pdf_log(t) * (t[1] - t[0])
        keep = w > 0
        with np.errstate(over="ignore"):
            nodes, weights = scale * np.exp(t[keep]) + sigma_b2, w[keep]
        p_atom = prev.p_zero
        r1, r2 = prev.mean(), prev.moment(2)
        m1 = scale * r1 + sigma_b2
        try:
            m2 = scale**2 * r2 + 2 * scale * sigma_b2 * r1 + sigma_b2**2
        except OverflowError:
            m2 = float("inf")

    def log_moments():
        """log E[v_L], log E[v_L^2] without overflow (for the kurtosis)."""
        ls = math.log(sigma_w2) + math.log(q0)
        lsb = math.log(sigma_b2) if sigma_b2 > 0 else float("-inf")
        if prev is None:
            lv = float(np.logaddexp(ls, lsb))
            return lv, 2 * lv
        lr1, lr2 = prev.log_moment(1), prev.log_moment(2)
        if sigma_b2 == 0:
            return ls + lr1, 2 * ls + lr2
        return (float(np.logaddexp(ls + lr1, lsb)),
                float(special.logsumexp([2 * ls + lr2, math.log(2.0) + ls + lsb + lr1, 2 * lsb])))
    if p_atom == 0.0:
        v_atom = 1.0  # unused
    else:
        v_atom = sigma_b2

    def sampler(gen, size):
        if prev is None:
            v = np.full(size, scale + sigma_b2)
        else:
            v = scale * prev.rvs(size, rng=gen) + sigma_b2
        return np.sqrt(v)[..., None] * gen.standard_normal(size + (width,))

    per_sample = width + 1 + (0 if prev is None else prev._sample_floats)
    return OutputPreactivation(v_nodes=nodes, v_weights=weights, v_atom=v_atom, p_atom=p_atom, mean_v=m1,
                               mean_v2=m2, width=width, sampler=sampler, description=desc,
                               log_moments=log_moments, sample_floats=per_sample)


# ---------------------------------------------------------------------------
# Biases: the Markov recursion for v_l, integrated on a grid
# ---------------------------------------------------------------------------

def _v_moments(mix, width, depth, sigma_w2, sigma_b2, q0, order=8):
    """Exact raw moments E[v_l^m], m = 0..order, l = 1..depth (rows), from the recursion."""
    a, s = sigma_w2 / width, sigma_b2
    g = np.exp([0.0] + [float(mix.log_mellin(j).real) for j in range(1, order + 1)])  # E[G^j]
    mom = np.empty((depth, order + 1))
    v1 = sigma_w2 * q0 + s
    mom[0] = v1 ** np.arange(order + 1)
    binom = special.comb(np.arange(order + 1)[:, None], np.arange(order + 1)[None, :])
    for layer in range(1, depth):
        for m in range(order + 1):
            j = np.arange(m + 1)
            mom[layer, m] = np.sum(binom[m, j] * s ** (m - j) * a ** j * g[j] * mom[layer - 1, j])
    return mom, g


def _v_log_moments(mix, width, depth, sigma_w2, sigma_b2, q0, order=8):
    """log E[v_l^m] of :func:`_v_moments` by the same recursion in the log domain (all its terms are positive).

    Used where the raw moments over- or underflow (e.g. width 4, depth 100: E[v^8] ~ 1e400).
    """
    log_a, log_s = math.log(sigma_w2 / width), math.log(sigma_b2)
    log_g = np.array([0.0] + [float(mix.log_mellin(j).real) for j in range(1, order + 1)])
    log_v1 = float(np.logaddexp(math.log(sigma_w2) + math.log(q0), log_s))
    with np.errstate(divide="ignore"):  # comb(m, j) = 0 for j > m: those entries are never used
        log_binom = np.log(special.comb(np.arange(order + 1)[:, None], np.arange(order + 1)[None, :]))
    out = np.empty((depth, order + 1))
    out[0] = log_v1 * np.arange(order + 1)
    for layer in range(1, depth):
        for m in range(order + 1):
            j = np.arange(m + 1)
            out[layer, m] = special.logsumexp(log_binom[m, j] + (m - j) * log_s + j * log_a + log_g[j]
                                              + out[layer - 1, j])
    return out


#: With sigma_b2 > 0: most layers (the moment recursion is a Python loop) and most kernel products
#: (depth * grid**2 multiply-adds: 2e11 is a few minutes).
_MAX_BIASED_DEPTH = 10**6
_MAX_BIASED_WORK = 2e11


def _biased(mix, width, depth, sigma_w2, sigma_b2, q0, desc):
    r"""R = v_L G_L / (N q0) with v_1 = sigma_w2 q0 + sigma_b2, v_{l+1} = sigma_b2 + (sigma_w2/N) G_l v_l."""
    if depth > _MAX_BIASED_DEPTH:
        raise ValueError(
            f"depth: with sigma_b2 > 0 the law is integrated layer by layer; {depth} layers is more than the "
            f"{_MAX_BIASED_DEPTH:.0e} allowed (it would run for hours); use a smaller depth"
        )
    a, s = sigma_w2 / width, sigma_b2
    log_a, log_s = math.log(a), math.log(s)
    log_nq = math.log(width * q0) if math.isfinite(width * q0) else math.log(width) + math.log(q0)
    v1 = sigma_w2 * q0 + s
    log_v1 = math.log(v1) if math.isfinite(v1) else float(np.logaddexp(math.log(sigma_w2) + math.log(q0), log_s))
    p_die = 2.0 ** (-width)
    g_lo, g_hi = _window(mix, 1)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        mom, _ = _v_moments(mix, width, depth, sigma_w2, sigma_b2, q0)
    m = np.arange(1, mom.shape[1])
    log_mom = None
    if np.all(np.isfinite(mom)) and np.all(mom[:, 1:] > 0):
        # Markov bound P(v_l > x) <= E[v_l^m] / x^m at mass _TAIL, best m, worst layer
        log_x = np.min((np.log(mom[:, 1:]) - math.log(_TAIL)) / m, axis=1)
    else:  # the raw moments leave the float range: the same bound from their logarithms
        log_mom = _v_log_moments(mix, width, depth, sigma_w2, sigma_b2, q0)
        log_x = np.min((log_mom[:, 1:] - math.log(_TAIL)) / m, axis=1)
    # grid in u = log(v - s) for layers 2..L: trapezoidal rule, step a quarter of the kernel's width
    u_lo = log_a + log_s + g_lo
    u_hi = log_a + g_hi + float(np.max(log_x))
    sd = math.sqrt(max(float(np.sum(mix.w * special.polygamma(1, mix.half)) / mix.mass), 1e-12))
    needed = math.ceil((u_hi - u_lo) / (sd / 4)) if depth > 1 else 0
    if needed > _MAX_GRID:
        raise NotImplementedError(
            f"sigma_b2 > 0 with width={width}, depth={depth}, sigma_w2={sigma_w2:g}: the integration grid would "
            f"need {needed} points (> {_MAX_GRID}, a {_MAX_GRID}^2 kernel); use a smaller width (or depth, or "
            "sigma_w2) or a larger sigma_b2"
        )
    if depth > 2 and (depth - 2) * float(max(400, needed)) ** 2 > _MAX_BIASED_WORK:
        raise ValueError(
            f"depth: with sigma_b2 > 0, {depth} layers on a grid of {max(400, needed)} points take "
            f"{(depth - 2) * float(max(400, needed)) ** 2:.2g} multiply-adds (> {_MAX_BIASED_WORK:.0e}, minutes); "
            "use a smaller depth"
        )
    # log-density and CDF of log G (continuous part) as cubic splines on a fine grid (smooth, analytic)
    yy = np.linspace(g_lo, g_hi, 8193)
    spline = CubicSpline(yy, mix.logpdf_log(yy))

    cdf_spline = CubicSpline(yy, mix.cdf_log(yy))

    def f_logg(y):
        out = np.zeros(np.shape(y))
        inside = (y > g_lo) & (y < g_hi)
        out[inside] = np.exp(spline(y[inside]))
        return out

    def cdf_logg(y):
        out = np.where(y >= g_hi, mix.mass, 0.0)
        inside = (y > g_lo) & (y < g_hi)
        out[inside] = cdf_spline(y[inside])
        return out

    t_lo_out = log_s + g_lo - log_nq
    t_hi_out = float(np.max(log_x)) + g_hi - log_nq
    if depth == 1:
        def pdf_log(t):
            return f_logg(t + log_nq - log_v1)

        def cdf_log(t):
            return cdf_logg(np.asarray(t) + log_nq - log_v1)
        t_lo_out, t_hi_out = log_v1 + g_lo - log_nq, log_v1 + g_hi - log_nq
    else:
        n_grid = max(400, needed)
        u = np.linspace(u_lo, u_hi, n_grid)
        h = u[1] - u[0]
        tau = np.logaddexp(log_s, u)  # log v
        kernel = f_logg(u[:, None] - log_a - tau[None, :]) * h
        atom_col = f_logg(u - log_a - log_s)
        p = f_logg(u - log_a - log_v1)  # density of u_2
        for _ in range(depth - 2):
            p = kernel @ p + p_die * atom_col
        weights = p * h

        def pdf_log(t):
            y = np.asarray(t)[..., None] + log_nq
            return f_logg(y - tau).dot(weights) + p_die * f_logg(y[..., 0] - log_s)

        def cdf_log(t):
            y = np.asarray(t)[..., None] + log_nq
            return cdf_logg(y - tau).dot(weights) + p_die * cdf_logg(y[..., 0] - log_s)

    def _order(n):
        if n not in (1.0, 2.0):
            raise ValueError(f"n: with sigma_b2 > 0 only the moments n = 1, 2 are available, got {n}")
        return int(n)

    def log_moment(n):
        n = _order(n)
        lm = log_mom[-1, n] if log_mom is not None else math.log(mom[-1, n])
        return float(lm + float(mix.log_mellin(n).real) - n * log_nq)

    def moment(n):
        n = _order(n)
        if log_mom is None:
            try:
                with np.errstate(over="ignore"):
                    out = mom[-1, n] * float(np.exp(mix.log_mellin(n).real)) / (width * q0) ** n
            except OverflowError:
                out = None
            if out is not None and np.isfinite(out):
                return out
        return _exp_or_inf(log_moment(n))

    def sampler(gen, size):
        v = np.full(size, v1)
        for layer in range(depth):
            g = mix.sample(gen, size, width)
            y = v * g
            if not np.all(np.isfinite(y)):  # v overflowed to inf: a layer with no active unit still gives 0
                y = np.where(g > 0, y, 0.0)
            v = a * y + s
        return y / (width * q0)

    return SignalDistribution(p_zero=p_die, t_lo=t_lo_out, t_hi=t_hi_out, pdf_log=pdf_log, cdf_log=cdf_log,
                              moment=moment, sampler=sampler, description=desc, log_moment=log_moment,
                              sample_floats=4)


# ---------------------------------------------------------------------------
# Simulation with the library's networks, and Jacobians
# ---------------------------------------------------------------------------

def _simulate(width, depth, sigma_w2, sigma_b2, q0, n_samples, rng, initializer):
    """Inputs x (n, N) and last pre-activations h^L (n, N) of n independent library networks."""
    width, depth, sigma_w2, sigma_b2, q0 = _check_params(width, depth, sigma_w2, sigma_b2, q0)
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    if initializer is not None and not callable(initializer):
        raise TypeError(f"initializer: expected a callable f(shape, *, gain, rng), got {initializer!r}")
    if initializer is not None and width % 2:
        raise ValueError(f"width: mirrored inputs (with an initializer) need an even width, got {width}")
    check_memory(2 * n_samples * width + 2 * depth * width * width, "n_samples, width, depth")
    gen = as_rng(rng)
    xs = np.empty((n_samples, width))
    hs = np.empty((n_samples, width))
    for i in range(n_samples):
        if initializer is None:
            net = random_network(width=width, depth=depth, sigma_w2=sigma_w2, sigma_b2=sigma_b2, rng=gen)
            x = gen.standard_normal(width)
        else:
            W = [np.asarray(initializer((width, width), rng=gen)) for _ in range(depth)]
            if any(w.shape != (width, width) for w in W):
                raise ValueError(f"initializer: expected ({width}, {width}) arrays, got shape "
                                 f"{next(w.shape for w in W if w.shape != (width, width))}")
            W = np.stack(W)
            b = gen.standard_normal((depth, width)) * math.sqrt(sigma_b2)
            net = RandomNetwork(W, b)
            z = gen.standard_normal(width // 2)
            x = np.concatenate([np.maximum(z, 0), np.maximum(-z, 0)])
        target = math.sqrt(q0 * width) if math.isfinite(q0 * width) else math.sqrt(q0) * math.sqrt(width)
        x *= target / np.linalg.norm(x)
        xs[i] = x
        hs[i] = forward(net, x, activation="relu")[-1]
    return xs, hs


def simulate_squared_norm_ratio(*, width, depth, sigma_w2, sigma_b2=0.0, q0=1.0, n_samples, rng=None,
                                initializer=None):
    r"""Monte Carlo of :math:`\|x^L\|^2/\|x^0\|^2` over independent networks of :mod:`initdyn.network`.

    Each sample draws one network with :func:`initdyn.network.random_network`
    and pushes one input of squared length :math:`N q_0` through
    :func:`initdyn.network.forward` (ReLU); the signal is ``relu(h[L])``, the
    same convention as :func:`squared_norm_ratio`.  With ``initializer``
    (e.g. :func:`initdyn.init.gaussian_submatrix`) the weights of every layer
    are ``initializer((width, width), rng=...)`` instead of the i.i.d. Gaussian
    law with variance ``sigma_w2/width`` (``sigma_w2`` is then ignored), and
    the input is mirrored, :math:`x^0 = (\mathrm{relu}(z), \mathrm{relu}(-z))`.
    The input direction is random; for Gaussian weights the law of the ratio
    does not depend on it (rotation invariance).
    """
    xs, hs = _simulate(width, depth, sigma_w2, sigma_b2, q0, n_samples, rng, initializer)
    return np.sum(np.maximum(hs, 0.0) ** 2, axis=1) / np.sum(xs * xs, axis=1)


def simulate_output_preactivation(*, width, depth, sigma_w2, sigma_b2=0.0, q0=1.0, n_samples, rng=None):
    """Last pre-activations :math:`h^L` (shape ``(n_samples, width)``) of independent library networks.

    The same draws as :func:`simulate_squared_norm_ratio` (one network and one
    input of squared length :math:`N q_0` per row); rows are independent, the
    units within a row are not.
    """
    return _simulate(width, depth, sigma_w2, sigma_b2, q0, n_samples, rng, None)[1]
