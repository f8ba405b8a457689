"""Chapter 5: the Gaussian-process limit of random ReLU maps, Li-Yorke witnesses, and maps of the plane.

Tolerances come from sampling error: a sample covariance is compared within 5 standard errors of the
mean of the products (f(x) - mean)(f(y) - mean), estimated from the same sample; two proportions within
4 standard errors of their difference (binomial, pooled).  Certified statements (a Li-Yorke witness, a
verified 3-cycle) are checked without tolerance against the exact detector.
"""

import math

import numpy as np
import pytest

from initdyn import chaos as ch
from initdyn import chaoslimit as cl
from initdyn import piecewise as pw

POINTS = np.array([-3.0, -0.5, 0.0, 0.7, 2.0])


def _cov_within(samples, K, n_se=5.0):
    """Every entry of the sample covariance of ``samples`` (rows: draws) within ``n_se`` standard errors of ``K``."""
    z = samples - samples.mean(axis=0)
    prod = z[:, :, None] * z[:, None, :]
    est, se = prod.mean(axis=0), prod.std(axis=0, ddof=1) / math.sqrt(len(samples))
    assert np.all(np.abs(est - K) <= n_se * se), (est, K, se)


def _two_proportions_within(k1, n1, k2, n2, n_se=4.0):
    p = (k1 + k2) / (n1 + n2)
    se = math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    assert abs(k1 / n1 - k2 / n2) <= n_se * se, (k1, n1, k2, n2)


def test_kernel_closed_form_values():
    # K(x, x) = sigma_a^2 r(x)^2 / 2 + sigma_c^2 (theta = 0); orthogonal augmented inputs give theta = pi/2
    np.testing.assert_allclose(cl.relu_map_kernel(POINTS, POINTS), 2.0 * (1 + POINTS ** 2), rtol=1e-14)
    # (x, 1) and (-1, 1) with sigma_w = sigma_b are orthogonal at x = 1: J = sin(pi/2) = 1
    np.testing.assert_allclose(cl.relu_map_kernel(1.0, -1.0, sigma_w2=1.0, sigma_b2=1.0, sigma_a2=1.0),
                               2.0 / (2 * math.pi), rtol=1e-14)
    # opposite augmented inputs, theta = pi: (x, 1) and (-x, 1) as sigma_b -> 0, relative to K(x, x)
    assert cl.relu_map_kernel(3.0, -3.0, sigma_b2=1e-12) / cl.relu_map_kernel(3.0, 3.0, sigma_b2=1e-12) < 1e-5


def test_kernel_is_the_covariance_of_finite_width_maps():
    """The covariance is exact at every width: He maps of width 8 and 64 against the kernel of their variances."""
    for width, seed in ((8, 1), (64, 2)):
        n = 20_000
        ens = ch.random_relu_map(width=width, init="he", n_samples=n, rng=seed)
        values = ens(np.broadcast_to(POINTS, (n, POINTS.size)))
        v = cl.limit_variances(width=width, init="he")
        _cov_within(values, cl.relu_map_kernel(POINTS[:, None], POINTS[None, :], **v._asdict()))


def test_sampled_limit_has_the_kernel_covariance_at_the_nodes():
    lim = cl.sample_relu_map_limit(n_samples=20_000, sigma_w2=1.0, sigma_b2=3.0, sigma_a2=2.0, sigma_c2=0.5,
                                   n_grid=256, n_modes=64, rng=3)
    idx = np.array([3, 40, 63, 90, 124])
    x = lim.nodes[idx]
    np.testing.assert_array_equal(lim(np.broadcast_to(x, (len(lim), x.size))), lim.values[:, idx])
    K = cl.relu_map_kernel(x[:, None], x[None, :], sigma_w2=1.0, sigma_b2=3.0, sigma_a2=2.0, sigma_c2=0.5)
    _cov_within(lim.values[:, idx], K)


def test_limit_variances_he_is_width_independent_and_glorot_vanishes():
    for n in (1, 16, 1024):
        v = cl.limit_variances(width=n, init="he", gain=1.5)
        assert v[:3] == (4.5, 4.5, 4.5) and math.isclose(v.sigma_c2, 4.5 / n)
        g = cl.limit_variances(width=n, init="glorot", gain=1.5)
        np.testing.assert_allclose(g, [4.5 / (n + 1), 4.5 / (n + 1), 4.5 * n / (n + 1), 4.5 / (n + 1)])
    assert cl.limit_variances(width=4, init="lecun").sigma_w2 == 1.0


def test_limit_map_ensemble_is_exactly_its_relu_maps():
    lim = cl.sample_relu_map_limit(n_samples=5, n_grid=64, n_modes=16, rng=4)
    x = np.linspace(-50, 50, 1001)
    ys = lim(np.broadcast_to(x, (5, x.size)))
    for i in range(5):
        np.testing.assert_allclose(lim[i](x), ys[i], rtol=1e-9, atol=1e-9)
    # outer slopes are those of the process at -+infinity
    far = lim(np.full((5, 2), 1e6)) - lim(np.full((5, 2), 2e6))
    np.testing.assert_allclose(far[:, 0], -1e6 * lim.slope_right, rtol=1e-9)


def test_witness_is_a_proof_and_misses_little():
    """No witness where the exact detector finds no 3-cycle; on the limit interpolant it finds them all here."""
    lim = cl.sample_relu_map_limit(n_samples=200, sigma_w2=4.5, sigma_b2=4.5, sigma_a2=4.5, n_grid=256,
                                   n_modes=64, rng=3)
    wit = lim.has_period3(n_starts=256)
    exact = np.array([lim[i].has_period(3) for i in range(len(lim))])
    assert not np.any(wit & ~exact)
    assert wit.sum() >= 0.9 * exact.sum() and exact.sum() >= 10
    ens = ch.random_relu_map(width=16, init="he", gain=1.5, n_samples=1000, rng=4)
    exact = ens.has_period3()
    starts = np.linspace(-20, 20, 2001)
    wit = cl.li_yorke_witness(ens, np.broadcast_to(starts, (len(ens), starts.size)))
    assert not np.any(wit & ~exact)
    assert wit.sum() >= 0.9 * exact.sum()
    # the tent map: witnesses in [0, 1]; a contraction has none
    tent = pw.tent_map(2.0)
    assert cl.li_yorke_witness(tent, np.linspace(0.01, 0.99, 99))
    assert not cl.li_yorke_witness(lambda x: 0.5 * x + 1, np.linspace(-10, 10, 99))


def test_limit_probability_converges_with_the_grid():
    """The certified period-3 probability of the limit does not move when the grid and modes double."""
    ks = []
    for n_grid, n_modes in ((256, 64), (1024, 256)):
        lim = cl.sample_relu_map_limit(n_samples=6000, sigma_w2=4.5, sigma_b2=4.5, sigma_a2=4.5, n_grid=n_grid,
                                       n_modes=n_modes, rng=5)
        ks.append(int(lim.has_period3().sum()))
    # common random numbers: the coarse and fine processes share their low modes, so they mostly agree
    _two_proportions_within(ks[0], 6000, ks[1], 6000, n_se=2.0)


@pytest.mark.slow
def test_wide_he_maps_match_the_limit():
    """He at 1.5 x the standard deviations: width-128 maps (exact detection) against the sampled limit."""
    n = 1200
    ens = ch.random_relu_map(width=128, init="he", gain=1.5, n_samples=n, rng=6)
    k_wide = int(ens.has_period(3).sum())
    m = 20_000
    lim = cl.sample_relu_map_limit(n_samples=m, sigma_w2=4.5, sigma_b2=4.5, sigma_a2=4.5, rng=7)
    k_lim = int(lim.has_period3().sum())
    _two_proportions_within(k_wide, n, k_lim, m)


@pytest.mark.slow
def test_glorot_matched_process_matches_glorot_maps_and_vanishes():
    n = 2000
    for width in (16, 64):
        ens = ch.random_relu_map(width=width, init="glorot", gain=3.0, n_samples=n, rng=8)
        k = int(ens.has_period(3).sum()) if width <= 24 else int(cl.li_yorke_witness(
            ens, np.broadcast_to(np.linspace(-10, 10, 801), (n, 801))).sum())
        v = cl.limit_variances(width=width, init="glorot", gain=3.0)
        lim = cl.sample_relu_map_limit(n_samples=n, n_grid=256, n_modes=64, rng=9, **v._asdict())
        _two_proportions_within(k, n, int(lim.has_period3().sum()), n)


def _embedded_three_cycle_map():
    """(x, y) -> (T(x), y / 2 + 1), T the doubling tent map: saddle 3-cycles {2/7, 4/7, 6/7} and {2/9, 4/9, 8/9}
    (x expands by 8 over a cycle, y contracts to its fixed point 2), no pre-activation zero on them."""
    W = np.array([[1.0, 0.0], [-1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    b = np.array([0.0, 0.0, -0.5, 0.0, 0.0])
    A = np.array([[2.0, -2.0, -4.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.5, -0.5]])
    return cl.ReluMapNdEnsemble(A=A[None], W=W[None], b=b[None], c=np.array([[0.0, 1.0]]))


def test_period3_search_finds_a_known_saddle_cycle():
    f = _embedded_three_cycle_map()
    res = f.period3_search(n_starts=64, rng=0)
    assert res.found[0] and not res.attracting[0]
    cyc = res.cycle[0]
    np.testing.assert_allclose(cyc[:, 1], 2.0, atol=1e-12)
    xs = np.sort(cyc[:, 0])
    assert np.allclose(xs, [2 / 7, 4 / 7, 6 / 7], atol=1e-12) or np.allclose(xs, [2 / 9, 4 / 9, 8 / 9], atol=1e-12)


def test_period3_search_is_verified_and_a_lower_bound():
    # d = 1: never a cycle the exact detector does not have
    f1 = cl.random_relu_map_nd(dim=1, width=8, gain=1.5, n_samples=400, rng=10)
    found = f1.period3_search(n_starts=32, rng=11).found
    exact = pw.ReluMapEnsemble(a=f1.A[:, 0, :], w=f1.W[:, :, 0], b=f1.b, c=f1.c[:, 0]).has_period3()
    assert not np.any(found & ~exact) and found.sum() >= 1
    # d = 2: every reported cycle closes after three steps and is not a fixed point
    f2 = cl.random_relu_map_nd(dim=2, width=16, gain=1.5, n_samples=400, rng=12)
    res = f2.period3_search(rng=13)
    assert res.found.sum() >= 5
    sub = cl.ReluMapNdEnsemble(A=f2.A[res.found], W=f2.W[res.found], b=f2.b[res.found], c=f2.c[res.found])
    x = res.cycle[res.found]
    np.testing.assert_allclose(sub(x[:, 0:1]), x[:, 1:2], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(sub(x[:, 2:3]), x[:, 0:1], rtol=1e-9, atol=1e-9)
    assert np.all(np.max(np.abs(x[:, 1] - x[:, 0]), axis=-1) > 1e-7)


def test_random_nd_maps_follow_the_initializer():
    f = cl.random_relu_map_nd(dim=2, width=50, n_samples=400, rng=14)
    np.testing.assert_allclose(f.W.var(), 1.0, rtol=0.05)   # He: 2 / fan_in = 2 / 2
    np.testing.assert_allclose(f.A.var(), 2 / 50, rtol=0.05)
    np.testing.assert_allclose(f.b.var(), 1.0, rtol=0.05)


def test_bad_input_names_the_argument():
    cases = [
        (lambda: cl.relu_map_kernel([1.0], [1.0, 2.0, 3.0][:2] * 2, sigma_w2=-1.0), "sigma_w2"),
        (lambda: cl.relu_map_kernel(np.nan, 1.0), "x"),
        (lambda: cl.limit_variances(width=4, init="orthogonal"), "init"),
        (lambda: cl.limit_variances(width=0), "width"),
        (lambda: cl.sample_relu_map_limit(n_samples=2, n_grid=30), "n_grid"),
        (lambda: cl.sample_relu_map_limit(n_samples=2, n_grid=64, n_modes=32), "n_modes"),
        (lambda: cl.sample_relu_map_limit(n_samples=0), "n_samples"),
        (lambda: cl.li_yorke_witness(3, [1.0]), "f"),
        (lambda: cl.li_yorke_witness(lambda x: x[:1], [1.0, 2.0]), "f"),
        (lambda: cl.random_relu_map_nd(dim=0, width=3, n_samples=2), "dim"),
        (lambda: cl.random_relu_map_nd(width=3, n_samples=2, gain=0.0), "gain"),
        (lambda: cl.random_relu_map_nd(width=3, n_samples=2).period3_search(spread=-1.0), "spread"),
        (lambda: cl.random_relu_map_nd(width=3, n_samples=2).period3_search(n_iter=0), "n_iter"),
    ]
    for call, name in cases:
        with pytest.raises((ValueError, TypeError), match=name):
            call()
