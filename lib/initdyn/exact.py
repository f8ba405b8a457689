r"""Exact finite-width law of the squared-norm ratio of random ReLU networks (no mean field).

Burkholz & Dubatovka 2019, "Initialization of ReLUs for Dynamical Isometry"
(NeurIPS; arXiv 1806.06362), the exact signal propagation.  Defined in chapter 3 of the book.

This module owns the law of :math:`R = \|x^L\|^2/\|x^0\|^2`: the number of active units
(:func:`active_units_pmf`), the probability that the signal dies (:func:`death_probability`), the
law itself as a :class:`SignalDistribution` (:func:`squared_norm_ratio`, and
:func:`shared_squared_norm_ratio` under weight sharing) and its Monte Carlo with the library's
networks (:func:`simulate_squared_norm_ratio`).  The joint law of the output pre-activations, a
Gaussian scale mixture over :math:`R`, is in :mod:`initdyn.preactivation`; the grid integration of the
biased recursion is the private ``initdyn._biasgrid``.

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

from ._biasgrid import biased_law
from ._montecarlo import simulate
from ._signal import TAIL, Chi2Mixture, check_params, check_size, exp_or_inf, window
from ._validate import as_rng, check_finite_array, check_int, check_memory, check_real, check_scalar_variance, describe

__all__ = [
    "SignalDistribution",
    "squared_norm_ratio",
    "shared_squared_norm_ratio",
    "active_units_pmf",
    "death_probability",
    "simulate_squared_norm_ratio",
    "log_ratio_moments",
    "log_normal_limit",
]

#: Binomial weights below this (relative) are dropped from the mixtures.
_PMF_CUT = 1e-22


# ---------------------------------------------------------------------------
# The number of active units, and death
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


# ---------------------------------------------------------------------------
# The distribution object
# ---------------------------------------------------------------------------

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
        return exp_or_inf(lm2 + math.log(-math.expm1(gap)))

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
        size = check_size(size, self._sample_floats, "the floats one sample needs")
        gen = as_rng(rng)
        with np.errstate(over="ignore"):
            return self._sampler(gen, size)


# ---------------------------------------------------------------------------
# Zero bias: products of independent chi-square mixtures, by Fourier inversion
# ---------------------------------------------------------------------------

class _FourierSum:
    """Density and CDF of S = sum of ``depth`` i.i.d. log G (given G > 0) by a Fourier series."""

    def __init__(self, mix, depth, tail=TAIL):
        self.t_lo, self.t_hi = window(mix, depth, tail)
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
            return exp_or_inf(log_moment(n))
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
    width, depth, sigma_w2, sigma_b2, q0 = check_params(width, depth, sigma_w2, sigma_b2, q0)
    k, w = active_units_pmf(width)
    mix = Chi2Mixture(k, w)
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
    return SignalDistribution(**biased_law(mix, width, depth, sigma_w2, sigma_b2, q0, desc))


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
    mix = Chi2Mixture([half], [1.0])

    def sampler(gen, size):
        g = 2.0 * gen.standard_gamma(0.5 * half, size=size + (depth,))
        return np.exp(np.sum(np.log(g), axis=-1) + depth * math.log(1.0 / half))

    return _product_distribution(mix, depth, depth * math.log(1.0 / half), 0.0, sampler,
                                 f"gaussian_submatrix, width={width}, depth={depth}", log_surv=0.0,
                                 sample_floats=3 * depth)


# ---------------------------------------------------------------------------
# Simulation with the library's networks
# ---------------------------------------------------------------------------

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
    xs, hs = simulate(width, depth, sigma_w2, sigma_b2, q0, n_samples, rng, initializer)
    return np.sum(np.maximum(hs, 0.0) ** 2, axis=1) / np.sum(xs * xs, axis=1)


# ---------------------------------------------------------------------------
# The moments of log R, and the log-normal limit of Hanin & Nica
# ---------------------------------------------------------------------------

def log_ratio_moments(*, width, depth, sigma_w2=2.0):
    r"""Exact mean and variance of :math:`\log R` given survival, :math:`R > 0`, without biases.

    Implements equation ``eq-ch3-logmoments`` of chapter 3 (:doc:`/notebooks/03-exact-distributions`):
    given :math:`R > 0` the counts :math:`K_l` are i.i.d. :math:`\mathrm{Bin}(N, 1/2)` conditioned on
    :math:`K \ge 1`, and with :math:`\mathbb E[\log\chi^2_k] = \psi(k/2) + \log 2`,
    :math:`\mathrm{Var}[\log\chi^2_k] = \psi'(k/2)`,

    .. math:: \mathbb E[\log R\mid R>0] = L\big(\log\tfrac{\sigma_w^2}{N} + \log 2
              + \mathbb E[\psi(K/2)\mid K\ge1]\big),\quad
              \mathrm{Var}[\log R\mid R>0] = L\big(\mathbb E[\psi'(K/2)\mid K\ge1]
              + \mathrm{Var}[\psi(K/2)\mid K\ge1]\big).

    These are the moments of the law :func:`squared_norm_ratio` (``sigma_b2=0``) computes, in closed
    form (the variance as a sum of squared deviations, without cancellation).  For wide networks at
    He initialization they approach :math:`-5L/(2N)` and :math:`5L/N`, the parameters of
    :func:`log_normal_limit`.

    Parameters
    ----------
    width, depth : int
        :math:`N \ge 1`, :math:`L \ge 1`.
    sigma_w2 : float
        Weight variance times fan-in, > 0 (2 is He initialization).

    Returns
    -------
    (mean, var) : tuple of float
    """
    width, depth, sigma_w2, _, _ = check_params(width, depth, sigma_w2, 0.0, 1.0)
    k, pmf = active_units_pmf(width)
    w = pmf / pmf.sum()  # conditioned on K >= 1
    psi = special.digamma(0.5 * k)
    m = float(np.sum(w * psi))
    per_var = float(np.sum(w * special.polygamma(1, 0.5 * k)) + np.sum(w * (psi - m) ** 2))
    per_mean = math.log(sigma_w2 / width) + math.log(2.0) + m
    return depth * per_mean, depth * per_var


def log_normal_limit(*, width, depth, sigma_w2=2.0):
    r"""The Gaussian law of :math:`\log R` for wide and deep ReLU networks (Hanin & Nica 2019).

    Hanin & Nica 2019, "Products of many large random matrices and gradients in deep neural
    networks" (Commun. Math. Phys. 376, 2020; arXiv 1812.05994): for a ReLU network with He
    initialization, :math:`\log\lVert x^L\rVert^2/\lVert x^0\rVert^2` is asymptotically Gaussian
    when :math:`N` and :math:`L` grow together, with mean :math:`-\tfrac52\beta` and variance
    :math:`5\beta`, :math:`\beta = L/N` (the sum of the inverse widths), so :math:`R` is log-normal
    with :math:`\mathbb E[R] = 1`.  Other weight variances shift the mean by
    :math:`L\log(\sigma_w^2/2)`.  Chapter 3 (:doc:`/notebooks/03-exact-distributions`, equation
    ``eq-ch3-lognormal``) compares it with the exact moments of :func:`log_ratio_moments` and the
    exact density of :func:`squared_norm_ratio`: the exact per-layer moments are
    :math:`-5/(2N)` and :math:`5/N` to first order in :math:`1/N`, so the approximation fails at
    small :math:`N`, and it describes :math:`\log R` only given survival (:math:`R > 0`).

    Returns
    -------
    scipy.stats frozen normal
        Of :math:`\log R`: ``loc`` :math:`L\log(\sigma_w^2/2) - 5L/(2N)`, ``scale``
        :math:`\sqrt{5L/N}`.
    """
    width, depth, sigma_w2, _, _ = check_params(width, depth, sigma_w2, 0.0, 1.0)
    beta = depth / width
    return stats.norm(loc=depth * math.log(sigma_w2 / 2.0) - 2.5 * beta, scale=math.sqrt(5.0 * beta))
