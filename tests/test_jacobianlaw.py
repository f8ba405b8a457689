"""initdyn.jacobianlaw: the frozen Jacobian-spectrum law is the freeprob functions with its parameters bound."""

import numpy as np
import pytest

from initdyn import freeprob, stats
from initdyn.jacobianlaw import JacobianSpectrum

SETTINGS = [dict(depth=8, sigma_w2=2.0, sigma_b2=0.0, activation="relu", weights="gaussian"),
            dict(depth=4, sigma_w2=1.0, sigma_b2=0.0, activation="linear", weights="gaussian"),
            dict(depth=16, **dict(zip(("sigma_w2", "sigma_b2"), freeprob.critical_point(0.25, activation="tanh"))),
                 activation="tanh", weights="orthogonal")]


@pytest.mark.parametrize("kw", SETTINGS, ids=lambda kw: f"{kw['activation']}-{kw['weights']}")
def test_methods_equal_the_functions(kw):
    law = JacobianSpectrum(**kw)
    mean, var = freeprob.jacobian_spectrum_moments(**kw)
    assert (law.mean(), law.var(), law.std()) == (mean, var, np.sqrt(var))
    edge = freeprob.jacobian_spectrum_edge(**kw)
    assert law.support() == (0.0, edge)
    assert law.atoms() == freeprob.jacobian_spectrum_atoms(**kw)
    lam = edge * np.array([0.01, 0.3, 0.9])
    np.testing.assert_array_equal(law.pdf(lam), freeprob.jacobian_spectrum_density(lam, **kw))
    np.testing.assert_array_equal(law.cdf(lam, n_grid=200), freeprob.jacobian_spectrum_cdf(lam, **kw, n_grid=200))
    p = np.array([0.1, 0.5, 0.9])
    np.testing.assert_array_equal(law.ppf(p, n_grid=200), freeprob.jacobian_spectrum_quantile(p, **kw, n_grid=200))
    assert repr(law).startswith(f"JacobianSpectrum(depth={kw['depth']}")


def test_rvs_follow_the_law():
    # 4000 independent draws by inversion: their KS distance from the law's CDF must be within the DKW band at
    # alpha = 1e-4 (the CDF is computed on a grid, accurate far below that band); their mean within 4 standard
    # errors sqrt(var / n) of m_1.
    law = JacobianSpectrum(**SETTINGS[0])
    x = law.rvs(4000, rng=12)
    assert law.ks_distance(x, n_grid=1000) < stats.dkw_bound(x.size, 1e-4)
    assert abs(x.mean() - law.mean()) < 4 * law.std() / np.sqrt(x.size)
    # the atom at zero of ReLU (mass 1/2) shows up as exact zeros, within 4 binomial standard errors
    assert abs(np.mean(x == 0) - 0.5) < 4 * np.sqrt(0.25 / x.size)
    np.testing.assert_array_equal(law.rvs(10, rng=3), law.rvs(10, rng=3))


@pytest.mark.parametrize("kw, name", [
    (dict(depth=0), "depth"), (dict(sigma_w2=-1.0), "sigma_w2"), (dict(sigma_b2=np.nan), "sigma_b2"),
    (dict(activation="erf"), "activation"), (dict(weights="uniform"), "weights"),
])
def test_bad_parameters_are_refused_at_construction(kw, name):
    with pytest.raises((ValueError, TypeError), match=name):
        JacobianSpectrum(**{**SETTINGS[0], **kw})


def test_bad_sizes_are_refused():
    law = JacobianSpectrum(**SETTINGS[0])
    for size in (0, -3, 2.5, "4", 10**8):
        with pytest.raises((ValueError, TypeError), match="size"):
            law.rvs(size, rng=0)
