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


@pytest.mark.parametrize("seed", range(4))
def test_ks_distance_matches_scipy_for_a_continuous_law(seed):
    x = np.random.default_rng(seed).standard_normal(57)
    ref = st.kstest(x, st.norm.cdf).statistic
    assert stats.ks_distance(x, st.norm.cdf) == pytest.approx(ref, rel=1e-14, abs=1e-15)


def test_ks_distance_with_an_atom_is_exact():
    # law: mass 1/2 at 0, then uniform on (0, 1].  Sample: two zeros and (0.25, 0.75).
    # F(0) = 1/2, F(0-) = 0; F_N(0) = 1/2, F_N(0-) = 0: no distance at the atom.
    # At 0.25: F = 0.625, F_N = 3/4 -> 0.125; F(0.25-) = 0.625, F_N(0.25-) = 1/2 -> 0.125.
    # At 0.75: F = 0.875, F_N = 1 -> 0.125; left: 0.875 - 3/4 = 0.125.  Exact answer 0.125.
    cdf = lambda t: np.where(t >= 0, 0.5 + 0.5 * np.clip(t, 0, 1), 0.0)
    left = lambda t: np.where(t > 0, 0.5 + 0.5 * np.clip(t, 0, 1), 0.0)
    x = np.array([0.0, 0.0, 0.25, 0.75])
    assert stats.ks_distance(x, cdf, cdf_left=left) == pytest.approx(0.125, abs=1e-15)
    # without the left limits the atom looks like a continuous jump: 1/2 at 0 (F(0) vs F_N(0-) = 0)
    assert stats.ks_distance(x, cdf) == pytest.approx(0.5, abs=1e-15)


def test_ks_distance_restricted_to_a_half_line_lumps_what_lies_below():
    # uniform law on (0, 1); samples 0.1 (below lower = 0.5) and 0.6, 0.9.
    # Lump: |F(0.5) - F_N(0.5)| = |0.5 - 1/3|; at 0.6: |0.6 - 2/3|, |0.6 - 1/3|; at 0.9: |0.9 - 1|, |0.9 - 2/3|.
    x = np.array([0.1, 0.6, 0.9])
    full = stats.ks_distance(x, lambda t: t)
    part = stats.ks_distance(x, lambda t: t, lower=0.5)
    assert part == pytest.approx(max(1 / 6, 0.6 - 1 / 3, 0.9 - 2 / 3), abs=1e-15)
    assert part <= full
    assert stats.ks_distance(x, lambda t: np.clip(t, 0, 1), lower=2.0) == pytest.approx(0.0, abs=1e-15)


def test_ks_distance_and_dkw_bound_refuse_bad_input_naming_the_argument():
    with pytest.raises(TypeError, match="^cdf_left:"):
        stats.ks_distance([0.5], lambda t: t, cdf_left=3)
    with pytest.raises(ValueError, match="^cdf_left:"):
        stats.ks_distance([0.5], lambda t: t, cdf_left=lambda t: t + 5)
    with pytest.raises(ValueError, match="^lower:"):
        stats.ks_distance([0.5], lambda t: t, lower=np.nan)
    with pytest.raises(ValueError, match="^n_samples:"):
        stats.dkw_bound(0)
