"""initdyn.stats: coverage of the intervals checked by simulation, against the stated level."""

import numpy as np
import pytest
from scipy import stats as st

from initdyn import stats


def test_mean_interval_is_the_t_interval():
    x = np.array([[1.0, 2.0], [2.0, 4.0], [4.0, 9.0]])
    mean, lo, hi = stats.mean_interval(x, level=0.95)
    half = st.t.ppf(0.975, 2) * x.std(axis=0, ddof=1) / np.sqrt(3)
    np.testing.assert_allclose(mean, x.mean(axis=0))
    np.testing.assert_allclose(hi - mean, half)
    np.testing.assert_allclose(mean - lo, half)
    assert st.t.ppf(0.975, 2) == pytest.approx(4.303, abs=1e-3)   # with 3 networks: 4.30 s/sqrt(n), not 1.96


def test_mean_interval_coverage():
    # 4000 intervals of 3 normal draws: coverage 0.95 +- 4 binomial standard errors (4 * 0.0034)
    gen = np.random.default_rng(0)
    x = gen.normal(5.0, 2.0, size=(3, 4000))
    _, lo, hi = stats.mean_interval(x)
    cover = np.mean((lo <= 5.0) & (5.0 <= hi))
    assert abs(cover - 0.95) < 4 * np.sqrt(0.95 * 0.05 / 4000)


@pytest.mark.parametrize("n, q", [(24, 0.5), (200, 0.5), (40, 0.1), (400, 0.9)])
def test_quantile_interval_coverage(n, q):
    # Exponential draws (skewed): the order-statistic interval covers the true quantile -log(1-q) at least
    # 95% of the time; 3000 repetitions, lower bound 0.95 - 4 binomial standard errors.
    gen = np.random.default_rng(n)
    truth = -np.log(1 - q)
    hits = 0
    reps = 3000
    for _ in range(reps):
        _, lo, hi = stats.quantile_interval(gen.exponential(size=n), q)
        hits += lo <= truth <= hi
    assert hits / reps > 0.95 - 4 * np.sqrt(0.95 * 0.05 / reps)


def test_quantile_interval_small_n_and_inf():
    est, lo, hi = stats.quantile_interval([1.0, 2.0, 3.0], 0.5)
    assert est == 2.0 and lo == -np.inf and hi == np.inf          # 3 draws cannot give a 95% interval
    est, lo, hi = stats.quantile_interval(np.r_[np.arange(1.0, 31.0), [np.inf] * 10], 0.5)
    assert np.isfinite(lo) and est == 20.5
    est, lo, hi = stats.quantile_interval(np.r_[np.arange(1.0, 11.0), [np.inf] * 30], 0.5)
    assert est == np.inf and hi == np.inf       # infinite memory horizons: inf, never NaN
    gen = np.random.default_rng(1)
    for n in (1, 2, 7, 50):
        x = gen.standard_normal(n)
        for q in (0.1, 0.5, 0.9):
            assert stats.quantile_interval(x, q)[0] == pytest.approx(np.quantile(x, q), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("call, name", [
    (lambda: stats.quantile_interval([], 0.5), "samples"),
    (lambda: stats.quantile_interval([1.0, np.nan], 0.5), "samples"),
    (lambda: stats.quantile_interval([1.0, 2.0], 1.0), "q"),
    (lambda: stats.quantile_interval([1.0, 2.0], 0.5, level=1.0), "level"),
    (lambda: stats.mean_interval([1.0]), "samples"),
    (lambda: stats.mean_interval([[1.0, 2.0]], axis=3), "axis"),
    (lambda: stats.mean_interval([1.0, 2.0], level=0.0), "level"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises((ValueError, TypeError), match=name):
        call()
