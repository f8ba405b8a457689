r"""Uncertainty of simulated numbers: the intervals and goodness-of-fit distances every chapter uses.

* :func:`mean_interval`: Student-t interval for the mean of ``n`` independent repetitions
  (with 3 networks a 95% interval is :math:`\pm 4.30\,s/\sqrt n`, not :math:`\pm 1.96\,s/\sqrt n`);
* :func:`quantile_interval`: distribution-free interval for a quantile (e.g. the median) from the
  order statistics, exact for any continuous law (no bootstrap, no normality);
* :func:`wilson_interval`: Wilson score interval for a binomial proportion (a fraction of networks
  that die, of maps with period three), valid at 0 and at 1;
* :func:`ks_distance`: Kolmogorov-Smirnov distance of a sample to a law, exact also where the law
  has atoms, optionally restricted to a half-line;
* :func:`dkw_bound`: the Dvoretzky-Kiefer-Wolfowitz-Massart bound that a KS distance of ``n_samples``
  independent draws exceeds with a given probability.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats as _st

from ._validate import (check_callable, check_finite_array, check_int, check_positive, check_probability, check_real,
                        check_variance)

__all__ = ["dkw_bound", "ks_distance", "mean_interval", "quantile_interval", "wilson_interval"]


def _level(level):
    lv = check_probability(level, "level", open_low=True)
    if not isinstance(lv, float) or lv >= 1.0:
        raise ValueError(f"level: expected a confidence level in (0, 1), got {level!r}")
    return lv


def mean_interval(samples, *, level: float = 0.95, axis: int = 0):
    r"""Mean and Student-t confidence interval over ``axis`` of ``samples``.

    :math:`\bar x \pm t_{n-1,\,(1+\text{level})/2}\, s/\sqrt n` with :math:`s` the sample standard
    deviation (``ddof=1``): exact for normal repetitions, and the usual large-``n`` approximation
    otherwise.

    Returns
    -------
    (mean, low, high) : arrays with ``axis`` removed
    """
    x = check_finite_array(samples, "samples")
    if x.ndim == 0:
        raise ValueError("samples: expected an array of repetitions, got a scalar")
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool) or not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis: expected an integer in [{-x.ndim}, {x.ndim - 1}], got {axis!r}")
    n = x.shape[axis]
    if n < 2:
        raise ValueError(f"samples: need at least 2 repetitions along axis {axis} for an interval, got {n}")
    lv = _level(level)
    mean = x.mean(axis=axis)
    half = _st.t.ppf(0.5 + lv / 2, n - 1) * x.std(axis=axis, ddof=1) / np.sqrt(n)
    return mean, mean - half, mean + half


def quantile_interval(samples, q: float = 0.5, *, level: float = 0.95):
    r"""The ``q``-quantile of a sample and a distribution-free confidence interval for it.

    For ``n`` independent draws of a continuous law with quantile :math:`\xi_q`, the number of draws
    below :math:`\xi_q` is Binomial(n, q), so :math:`[x_{(j)}, x_{(k)}]` (order statistics) covers
    :math:`\xi_q` with probability :math:`F(k-1) - F(j-1)`, :math:`F` the Binomial(n, q) CDF.  The
    indices are the central binomial quantiles; the coverage is at least ``level`` (ties and the
    discreteness of the binomial make it conservative).  The estimate is ``numpy.quantile``.
    Values may be ``inf`` (e.g. infinite memory horizons): order statistics are still defined.

    Returns
    -------
    (estimate, low, high) : floats
        ``low`` is ``-inf`` (``high`` ``+inf``) when ``n`` is too small for the level on that side.
    """
    x = np.asarray(samples, dtype=float)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"samples: expected a non-empty 1-D array, got shape {x.shape}")
    if np.any(np.isnan(x)):
        raise ValueError("samples: expected no NaN")
    qq = check_probability(q, "q")
    if not isinstance(qq, float) or not 0.0 < qq < 1.0:
        raise ValueError(f"q: expected a quantile level in (0, 1), got {q!r}")
    lv = _level(level)
    n = x.size
    xs = np.sort(x)
    alpha = (1.0 - lv) / 2
    # smallest j with P(B <= j - 1) >= ... : use the binomial quantiles of the count below xi_q
    j = int(_st.binom.ppf(alpha, n, qq))          # P(B < j) <= alpha: x_(j) (1-based) lies below xi_q
    k = int(_st.binom.ppf(1 - alpha, n, qq)) + 1  # P(B >= k) <= alpha: x_(k) lies above xi_q
    low = xs[j - 1] if j >= 1 else -np.inf
    high = xs[k - 1] if k <= n else np.inf
    # numpy.quantile's linear interpolation, written so that infinite order statistics give inf, not NaN
    pos = qq * (n - 1)
    i = int(np.floor(pos))
    a, b = xs[i], xs[min(i + 1, n - 1)]
    est = a if a == b else a + (b - a) * (pos - i)
    return float(est), float(low), float(high)


def wilson_interval(k, n, *, z: float = 1.959963984540054):
    r"""Wilson score interval for a binomial proportion ``k / n`` (95% for the default ``z``).

    :math:`\frac{\hat p + z^2/2n \pm z\sqrt{\hat p(1-\hat p)/n + z^2/4n^2}}{1 + z^2/n}`; valid at
    ``k = 0`` and ``k = n`` where the normal interval collapses (there the ends 0 and 1 are exact up to
    rounding, a few ulps).  Broadcasts over ``k`` and ``n`` (``0 <= k <= n``, ``n > 0``); ``z`` is a
    scalar in ``(0, 1e150]``.  Where ``z^2/n`` overflows (a tiny ``n``) the same interval is evaluated
    multiplied through by ``n``.
    """
    k = np.asarray(check_variance(k, "k"), dtype=float)
    n = np.asarray(check_positive(n, "n"), dtype=float)
    try:
        np.broadcast_shapes(k.shape, n.shape)
    except ValueError:
        raise ValueError(f"k, n: shapes {k.shape} and {n.shape} do not broadcast") from None
    if np.any(k > n):
        raise ValueError(f"k: expected 0 <= k <= n, got k = {k.tolist()} and n = {n.tolist()}"[:300])
    z = check_real(z, "z", low=0.0, low_open=True, high=1e150)
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):  # non-finite: redone below
        ph = k / n
        den = 1 + z**2 / n
        mid = (ph + z**2 / (2 * n)) / den
        half = z * np.sqrt(ph * (1 - ph) / n + z**2 / (4 * n**2)) / den
        lo, hi = mid - half, mid + half
        bad = ~(np.isfinite(lo) & np.isfinite(hi))
        if np.any(bad):  # n far below z^2 (a subnormal n, say): the same interval, multiplied through by n
            z2 = z * z
            mid2 = (k + z2 / 2) / (n + z2)
            half2 = z * np.sqrt(k * (n - k) / n + z2 / 4) / (n + z2)
            lo, hi = np.where(bad, mid2 - half2, lo), np.where(bad, mid2 + half2, hi)
            if lo.ndim == 0:
                lo, hi = lo[()], hi[()]
    return lo, hi


def _cdf_values(cdf, x, name):
    try:
        f = np.asarray(cdf(x), dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name}: expected a callable returning real probabilities, but it raised "
                        f"{type(exc).__name__}: {exc}") from None
    if f.shape != x.shape or np.any(~np.isfinite(f)) or np.any((f < 0) | (f > 1)):
        raise ValueError(f"{name}: expected probabilities in [0, 1], one per point (shape {x.shape}), got shape "
                         f"{f.shape}" + ("" if f.shape != x.shape or f.size == 0
                                         else f" with values in [{f.min():g}, {f.max():g}]"))
    return f


def ks_distance(samples, cdf, *, cdf_left=None, lower=None) -> float:
    r"""Kolmogorov-Smirnov distance :math:`\sup_x |F_N(x) - F(x)|` of a sample to the law ``cdf``.

    Parameters
    ----------
    samples : array_like
        One-dimensional, finite, at least one value; ties allowed.
    cdf : callable
        :math:`F`, mapping an array of points to probabilities (right-continuous).
    cdf_left : callable, optional
        The left limits :math:`F(x^-)`, for a law with atoms (its jumps); by default ``cdf`` itself
        (a continuous law).
    lower : float, optional
        Restrict the sup to :math:`x \ge` ``lower``: everything below is compared as one lump,
        :math:`|F(\text{lower}) - F_N(\text{lower})|` (e.g. an atom at 0 that a finite sample
        realises at rounding level).  A restricted sup is never larger, so :func:`dkw_bound` still
        bounds it.

    Returns
    -------
    float
        The exact sup: between samples both :math:`F` and :math:`F_N` are monotone, so it is attained
        at a sample, compared with :math:`\#\{x_i \le x\}/N` against :math:`F(x)` and with
        :math:`\#\{x_i < x\}/N` against :math:`F(x^-)`.
    """
    x = np.sort(check_finite_array(samples, "samples", ndim=1))
    if x.size == 0:
        raise ValueError("samples: expected at least one sample")
    check_callable(cdf, "cdf", "a callable mapping an array of samples to probabilities")
    if cdf_left is not None:
        check_callable(cdf_left, "cdf_left", "a callable mapping an array of samples to left-limit probabilities")
    n = x.size
    d0 = 0.0
    xs = x
    if lower is not None:
        lower = check_real(lower, "lower")
        lo = np.array([lower])
        d0 = abs(float(_cdf_values(cdf, lo, "cdf")[0]) - np.searchsorted(x, lower, side="right") / n)
        xs = x[x >= lower]
        if xs.size == 0:
            return float(d0)
    right = _cdf_values(cdf, xs, "cdf")
    left = right if cdf_left is None else _cdf_values(cdf_left, xs, "cdf_left")
    d_above = np.max(np.abs(right - np.searchsorted(x, xs, side="right") / n))
    d_below = np.max(np.abs(left - np.searchsorted(x, xs, side="left") / n))
    return float(max(d0, d_above, d_below))


def dkw_bound(n_samples: int, alpha: float = 0.01) -> float:
    r"""Dvoretzky-Kiefer-Wolfowitz-Massart bound: :math:`P(\sup|F_N - F| > \varepsilon) \le 2e^{-2N\varepsilon^2}`.

    Returns :math:`\varepsilon = \sqrt{\log(2/\alpha)/(2N)}` (Massart 1990), the KS distance a
    sample of ``n_samples`` independent draws from ``F`` exceeds with probability at most ``alpha``.
    """
    size = check_int(n_samples, "n_samples", minimum=1)
    a = float(check_finite_array(alpha, "alpha", ndim=0))
    if not 0 < a < 1:
        raise ValueError(f"alpha: expected a probability in (0, 1), got {alpha!r}")
    if size > 10**300:  # 2 n_samples beyond the float range: the same bound from logarithms (it is ~0)
        return math.exp(0.5 * (math.log(math.log(2.0) - math.log(a)) - math.log(2) - math.log(size)))
    if a < 1e-300:  # 2 / alpha overflows: the same logarithm, as a difference
        return math.sqrt((math.log(2.0) - math.log(a)) / (2.0 * size))
    return math.sqrt(math.log(2.0 / a) / (2.0 * size))
