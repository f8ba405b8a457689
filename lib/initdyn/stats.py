r"""Uncertainty of simulated numbers: intervals the chapters print beside every Monte Carlo estimate.

* :func:`mean_interval`: Student-t interval for the mean of ``n`` independent repetitions
  (with 3 networks a 95% interval is :math:`\pm 4.30\,s/\sqrt n`, not :math:`\pm 1.96\,s/\sqrt n`);
* :func:`quantile_interval`: distribution-free interval for a quantile (e.g. the median) from the
  order statistics, exact for any continuous law (no bootstrap, no normality).

Binomial proportions use :func:`initdyn.chaos.wilson_interval`.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as _st

from ._validate import check_finite_array, check_probability

__all__ = ["mean_interval", "quantile_interval"]


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
