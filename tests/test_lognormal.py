"""Chapter 3's comparison of the exact law of log R with the log-normal limit of Hanin & Nica 2019.

``exact.log_ratio_moments`` (equation eq-ch3-logmoments) against the moments of the exact density
``squared_norm_ratio(...).pdf_log`` integrated numerically, and ``exact.log_normal_limit`` (mean
-5L/(2N), variance 5L/N) against both: within the regime the chapter names (N >= 100) the exact
variance of log R given survival is within 5% of 5L/N at every depth and the two CDFs are within 0.01
(Kolmogorov-Smirnov) while L <= N; outside it (N <= 30) the variance is off by more than 10% and the KS
distance grows with depth, and at N = 100 it drifts above 0.02 by L = 10 N.
"""

import math

import numpy as np
import pytest
from scipy import stats

from initdyn import exact


def _exact_log_law(width, depth):
    d = exact.squared_norm_ratio(width=width, depth=depth, sigma_w2=2.0)
    t = np.linspace(d.t_lo, d.t_hi, 20001)
    return d, t, d.pdf_log(t) / (1 - d.p_zero), d.cdf_log(t) / (1 - d.p_zero)


@pytest.mark.parametrize("width, depth", [(4, 3), (10, 10), (30, 30), (100, 100), (1000, 10)])
def test_log_moments_equal_the_exact_density(width, depth):
    _, t, pdf, _ = _exact_log_law(width, depth)
    mean = np.trapezoid(t * pdf, t)
    var = np.trapezoid((t - mean) ** 2 * pdf, t)
    got_mean, got_var = exact.log_ratio_moments(width=width, depth=depth)
    # the density is exact to ~1e-12 absolute on a window of tails below 1e-18; the trapezoid on
    # 20001 points of an analytic density is far more accurate than 1e-7
    assert got_mean == pytest.approx(mean, rel=1e-7, abs=1e-9)
    assert got_var == pytest.approx(var, rel=1e-7)


def test_log_moments_scale_with_depth_and_shift_with_sigma_w2():
    m1, v1 = exact.log_ratio_moments(width=20, depth=1)
    m7, v7 = exact.log_ratio_moments(width=20, depth=7, sigma_w2=3.0)
    assert v7 == pytest.approx(7 * v1, rel=1e-14)
    assert m7 == pytest.approx(7 * (m1 + math.log(1.5)), rel=1e-14)


def test_log_moments_wide_expansion():
    # per layer -5/(2N) and 5/N to first order: N * (ratio - 1) stays bounded (about 3.9 for the variance)
    for width in (100, 1000, 10000):
        m, v = exact.log_ratio_moments(width=width, depth=1)
        assert abs(v / (5 / width) - 1) < 5.0 / width
        assert abs(m / (-2.5 / width) - 1) < 2.0 / width


def test_log_normal_limit_parameters():
    law = exact.log_normal_limit(width=50, depth=20)
    assert law.mean() == pytest.approx(-2.5 * 20 / 50, rel=1e-15)
    assert law.var() == pytest.approx(5 * 20 / 50, rel=1e-14)
    # E[R] = exp(mean + var / 2) = (sigma_w2 / 2)^L, the exact mean
    law = exact.log_normal_limit(width=50, depth=20, sigma_w2=2.2)
    assert law.mean() + law.var() / 2 == pytest.approx(20 * math.log(1.1), rel=1e-14)


@pytest.mark.parametrize("width", [100, 300, 1000])
@pytest.mark.parametrize("depth", [1, 10, 100, 1000])
def test_variance_within_five_percent_in_the_regime(width, depth):
    _, var = exact.log_ratio_moments(width=width, depth=depth)
    assert var == pytest.approx(exact.log_normal_limit(width=width, depth=depth).var(), rel=0.05)


@pytest.mark.parametrize("width", [10, 20, 30])
def test_variance_off_by_more_than_ten_percent_outside(width):
    _, var = exact.log_ratio_moments(width=width, depth=10)
    assert var > 1.1 * 5 * 10 / width


def _ks(width, depth):
    _, t, _, cdf = _exact_log_law(width, depth)
    return np.max(np.abs(cdf - exact.log_normal_limit(width=width, depth=depth).cdf(t)))


@pytest.mark.parametrize("width, depth", [(100, 10), (100, 100), (300, 300), (1000, 10), (1000, 1000)])
def test_log_normal_cdf_within_one_percent_in_the_regime(width, depth):
    assert _ks(width, depth) < 0.01


def test_log_normal_cdf_drifts_off_once_depth_exceeds_width():
    # the per-layer mean error O(1/N^2) adds up over L layers against a spread sqrt(5L/N):
    # at N = 100 and L = 1000 the KS distance is above 0.02
    assert _ks(100, 1000) > 0.02


def test_log_normal_fails_at_small_width_and_more_with_depth():
    ks = []
    for depth in (10, 100, 1000):
        _, t, _, cdf = _exact_log_law(10, depth)
        ks.append(np.max(np.abs(cdf - exact.log_normal_limit(width=10, depth=depth).cdf(t))))
    assert ks[0] > 0.05 and ks[0] < ks[1] < ks[2]
    # a normal with the exact moments fits far better: the shape is Gaussian, the parameters are not
    _, t, _, cdf = _exact_log_law(10, 100)
    m, v = exact.log_ratio_moments(width=10, depth=100)
    assert np.max(np.abs(cdf - stats.norm.cdf(t, m, math.sqrt(v)))) < 0.02


@pytest.mark.parametrize("fn", [exact.log_ratio_moments, exact.log_normal_limit])
def test_bad_arguments_are_named(fn):
    with pytest.raises(ValueError, match="^width"):
        fn(width=0, depth=3)
    with pytest.raises(ValueError, match="^depth"):
        fn(width=4, depth=0)
    with pytest.raises(ValueError, match="^sigma_w2"):
        fn(width=4, depth=3, sigma_w2=0.0)
    with pytest.raises(TypeError, match="^width"):
        fn(width=4.5, depth=3)
