r"""The law of :math:`R` with biases: the Markov recursion for :math:`v_l` integrated on a grid (private;
the public API is :func:`initdyn.exact.squared_norm_ratio` with ``sigma_b2 > 0``).

With biases, :math:`v_{l+1} = \sigma_b^2 + (\sigma_w^2/N)\, G_l v_l` (equation ``eq-ch3-recursion`` of
chapter 3, :doc:`/notebooks/03-exact-distributions`) is a Markov chain, not a product.
:func:`biased_law` integrates its transition kernel, the closed-form density of :math:`\log\chi^2_K`
shifted by :math:`\log(\sigma_w^2/N) + \log(\sigma_b^2 + e^u)`, on a grid in
:math:`u = \log(v_l - \sigma_b^2)` (trapezoidal rule with a step of a quarter of the kernel's width,
cubic splines of the closed forms), layer by layer; the atom of :math:`G` at 0 (no active unit) resets
:math:`v` to :math:`\sigma_b^2` and is carried exactly.  The grid's range comes from Markov bounds on
the exact raw moments of :math:`v_l` (:func:`_v_moments`, or :func:`_v_log_moments` where they leave the
float range).

Defined in chapter 3.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special
from scipy.interpolate import CubicSpline

from ._signal import TAIL, exp_or_inf, window

#: Largest grid of the biased recursion (its kernel has _MAX_GRID**2 float64 entries: 128 MB).
_MAX_GRID = 4000


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


def biased_law(mix, width, depth, sigma_w2, sigma_b2, q0, desc):
    r"""R = v_L G_L / (N q0) with v_1 = sigma_w2 q0 + sigma_b2, v_{l+1} = sigma_b2 + (sigma_w2/N) G_l v_l.

    Returns the keyword arguments of :class:`initdyn.exact.SignalDistribution` (built there: this module
    does not import :mod:`initdyn.exact`).
    """
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
    g_lo, g_hi = window(mix, 1)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        mom, _ = _v_moments(mix, width, depth, sigma_w2, sigma_b2, q0)
    m = np.arange(1, mom.shape[1])
    log_mom = None
    if np.all(np.isfinite(mom)) and np.all(mom[:, 1:] > 0):
        # Markov bound P(v_l > x) <= E[v_l^m] / x^m at mass TAIL, best m, worst layer
        log_x = np.min((np.log(mom[:, 1:]) - math.log(TAIL)) / m, axis=1)
    else:  # the raw moments leave the float range: the same bound from their logarithms
        log_mom = _v_log_moments(mix, width, depth, sigma_w2, sigma_b2, q0)
        log_x = np.min((log_mom[:, 1:] - math.log(TAIL)) / m, axis=1)
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
        return exp_or_inf(log_moment(n))

    def sampler(gen, size):
        v = np.full(size, v1)
        for layer in range(depth):
            g = mix.sample(gen, size, width)
            y = v * g
            if not np.all(np.isfinite(y)):  # v overflowed to inf: a layer with no active unit still gives 0
                y = np.where(g > 0, y, 0.0)
            v = a * y + s
        return y / (width * q0)

    return dict(p_zero=p_die, t_lo=t_lo_out, t_hi=t_hi_out, pdf_log=pdf_log, cdf_log=cdf_log,
                moment=moment, sampler=sampler, description=desc, log_moment=log_moment,
                sample_floats=4)
