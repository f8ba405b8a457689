"""Mean-field theory with dropout (Schoenholz et al. 2017, the section on dropout): the maps, fixed points, chi_1 and depth
scales with ``keep_prob`` against independent calculations and against simulated networks.

Inverted dropout of keep probability rho on the post-activations, independent masks for the two inputs:

    q^l = sigma_w2 / rho * E[phi(sqrt(q) z)^2] + sigma_b2,        (E[m^2] / rho^2 = 1 / rho)
    c^l = (sigma_w2 * E[phi(u1) phi(u2)] + sigma_b2) / q*,         (E[m_a m_b] / rho^2 = 1)
    chi_1 = sigma_w2 / rho * E[phi'(sqrt(q*) z)^2],                 (the backward pass goes through the mask)
    xi_c = -1 / log(sigma_w2 * E[phi'(u1) phi'(u2)] at c*).

The reference values below are computed here from these equations with scipy (adaptive quadrature, Brent's
method) or in closed form (ReLU: the degree-1 arc-cosine kernel of Cho & Saul 2009), not with initdyn's
kernels or root finders.
"""

import numpy as np
import pytest
from scipy import integrate, optimize, special

from initdyn import meanfield as mf
from initdyn import network as net

RHOS = [0.6, 0.8, 0.95]


# --- independent references ---------------------------------------------------------------------

def _pdf(z):
    return np.exp(-z * z / 2) / np.sqrt(2 * np.pi)


def _e1(f, q):
    """E f(sqrt(q) z) by adaptive quadrature over the real line."""
    return integrate.quad(lambda z: f(np.sqrt(q) * z) * _pdf(z), -np.inf, np.inf, epsabs=1e-13, epsrel=1e-12,
                          limit=200)[0]


def _e2(f, q, c):
    """E f(u1) f(u2), (u1, u2) centred Gaussian with variances q and correlation c: nested adaptive quadrature,
    u2 = sqrt(q) (c z1 + sqrt(1 - c^2) z2)."""
    s, r = np.sqrt(max(1 - c * c, 0.0)), np.sqrt(q)

    def inner(z1):
        return integrate.quad(lambda z2: f(r * (c * z1 + s * z2)) * _pdf(z2), -np.inf, np.inf, epsabs=1e-13,
                              epsrel=1e-12, limit=200)[0]

    return integrate.quad(lambda z1: f(r * z1) * inner(z1) * _pdf(z1), -np.inf, np.inf, epsabs=1e-12,
                          epsrel=1e-11, limit=200)[0]


SMOOTH = {  # phi and phi', written out here
    "tanh": (np.tanh, lambda u: 1.0 - np.tanh(u) ** 2),
    "erf": (special.erf, lambda u: 2 / np.sqrt(np.pi) * np.exp(-u * u)),
}


def _reference_smooth(act, sw2, sb2, rho):
    """q*, c*, chi_1 and xi_c of the dropout maps by quadrature and Brent's method."""
    phi, dphi = SMOOTH[act]
    q = optimize.brentq(lambda q: sw2 / rho * _e1(lambda u: phi(u) ** 2, q) + sb2 - q, 1e-6, 50.0, xtol=1e-14)
    # c -> (sw2 E[phi phi] + sb2)/q* sends 1 below 1 and -1 above -1: [-1, 1] brackets c*
    c = optimize.brentq(lambda c: (sw2 * _e2(phi, q, c) + sb2) / q - c, -1.0, 1.0, xtol=1e-13)
    chi1 = sw2 / rho * _e1(lambda u: dphi(u) ** 2, q)
    xi_c = -1 / np.log(sw2 * _e2(dphi, q, c))
    return q, c, chi1, xi_c


def _arccos_map(c):
    """The normalised ReLU kernel E[relu(u1) relu(u2)] / E[relu(u)^2] at unit variances (Cho & Saul 2009)."""
    return (np.sqrt(1 - c * c) + (np.pi - np.arccos(c)) * c) / np.pi


def _arccos_slope(c):
    """E[relu'(u1) relu'(u2)] / E[relu(u)^2] = P(u1 > 0, u2 > 0) / (1/2) = (pi - arccos c) / pi."""
    return (np.pi - np.arccos(c)) / np.pi


# --- (a) against independent calculations ---------------------------------------------------------

@pytest.mark.parametrize("rho", RHOS)
@pytest.mark.parametrize("sw2, sb2", [(1.0, 0.1), (0.6, 0.3)])
def test_relu_with_bias_closed_form(rho, sw2, sb2):
    # q* = sb2 / (1 - sw2 / (2 rho)) (the affine dropout q-map), c* the root of
    # c = (sw2 q* m(c) / 2 + sb2) / q* with m the arc-cosine map, slope sw2 (pi - arccos c*) / (2 pi).
    assert sw2 / (2 * rho) < 1
    q = sb2 / (1 - sw2 / (2 * rho))
    c = optimize.brentq(lambda c: (sw2 * q * _arccos_map(c) / 2 + sb2) / q - c, -1.0, 1.0, xtol=1e-15)
    kw = dict(sigma_w2=sw2, sigma_b2=sb2, activation="relu", keep_prob=rho)
    assert mf.q_star(**kw) == pytest.approx(q, rel=1e-14)
    assert mf.chi1(**kw) == pytest.approx(sw2 / (2 * rho), rel=1e-14)
    assert mf.c_star(**kw) == pytest.approx(c, abs=1e-11)
    assert mf.c_map(c, **kw) == pytest.approx(c, abs=1e-12)
    xi_q, xi_c = mf.depth_scales(**kw)
    assert xi_q == pytest.approx(-1 / np.log(sw2 / (2 * rho)), rel=1e-13)
    # d xi / xi = d slope / (slope |log slope|): c* to 1e-11 moves the slope by < 1e-10
    assert xi_c == pytest.approx(-1 / np.log(sw2 * (np.pi - np.arccos(c)) / (2 * np.pi)), rel=1e-8)
    assert c < 1


@pytest.mark.parametrize("rho", RHOS)
@pytest.mark.parametrize("sw2", [1.0, 2.0, 3.0])
def test_relu_without_bias_correlation_is_rho_times_the_arccos_map(rho, sw2):
    # Without bias q_ab = sw2 q m(c)/2 and q' = sw2 q / (2 rho): c' = rho m(c) at every layer, whatever sw2 and
    # q (there is no length fixed point unless sw2 = 2 rho).  Its root c* < 1, its slope rho (pi - arccos c*)/pi.
    c = optimize.brentq(lambda c: rho * _arccos_map(c) - c, -1.0, 1.0, xtol=1e-15)
    kw = dict(sigma_w2=sw2, sigma_b2=0.0, activation="relu", keep_prob=rho)
    assert mf.c_star(**kw) == pytest.approx(c, abs=1e-11)
    assert mf.depth_scales(**kw)[1] == pytest.approx(-1 / np.log(rho * _arccos_slope(c)), rel=1e-8)
    # at sw2 = 2 rho every q is fixed and the library's map at any q is this one
    at = dict(sigma_w2=2 * rho, sigma_b2=0.0, activation="relu")
    cs = np.array([-0.5, 0.0, 0.5, 1.0])
    np.testing.assert_allclose(mf.c_map(cs, q=0.7, **at), rho * _arccos_map(cs), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("rho", [0.5, 0.9])
def test_linear_without_bias_and_vanishing_length(rho):
    # linear network without bias: c' = rho c, so c* = 0 and xi_c = -1/log rho; the same for tanh where
    # q^l -> 0 (sw2 / rho <= 1, no bias), where the network becomes linear
    for act, sw2 in [("linear", 0.7), ("linear", 3.0), ("tanh", 0.4 * rho)]:
        kw = dict(sigma_w2=sw2, sigma_b2=0.0, activation=act, keep_prob=rho)
        assert mf.c_star(**kw) == pytest.approx(0.0, abs=1e-12)
        assert mf.depth_scales(**kw)[1] == pytest.approx(-1 / np.log(rho), rel=1e-10)


def test_tanh_against_quadrature():
    sw2, sb2, rho = 1.6, 0.05, 0.8
    q, c, chi1, xi_c = _reference_smooth("tanh", sw2, sb2, rho)
    kw = dict(sigma_w2=sw2, sigma_b2=sb2, activation="tanh", keep_prob=rho)
    assert mf.q_star(**kw) == pytest.approx(q, abs=1e-11)
    assert mf.c_star(**kw) == pytest.approx(c, abs=1e-10)
    assert mf.chi1(**kw) == pytest.approx(chi1, abs=1e-10)
    assert mf.depth_scales(**kw)[1] == pytest.approx(xi_c, rel=1e-8)


@pytest.mark.slow
@pytest.mark.parametrize("act, sw2, sb2, rho", [("erf", 1.0, 0.05, 0.7), ("erf", 2.5, 0.2, 0.9),
                                                ("tanh", 3.0, 0.0, 0.6), ("tanh", 1.2, 0.3, 0.95)])
def test_smooth_activations_against_quadrature(act, sw2, sb2, rho):
    q, c, chi1, xi_c = _reference_smooth(act, sw2, sb2, rho)
    kw = dict(sigma_w2=sw2, sigma_b2=sb2, activation=act, keep_prob=rho)
    assert mf.q_star(**kw) == pytest.approx(q, abs=1e-11)
    assert mf.c_star(**kw) == pytest.approx(c, abs=1e-10)
    assert mf.chi1(**kw) == pytest.approx(chi1, abs=1e-10)
    assert mf.depth_scales(**kw)[1] == pytest.approx(xi_c, rel=1e-8)


def test_the_diagonal_map_is_the_one_without_dropout_at_sigma_w2_over_rho():
    # q_map, q_star, chi1 and the q-slope depend on (sigma_w2, rho) only through sigma_w2 / rho
    for act in ["tanh", "erf", "relu"]:
        for sw2, rho in [(1.2, 0.7), (0.9, 0.75)]:
            kw, eff = dict(sigma_b2=0.1, activation=act), dict(sigma_b2=0.1, activation=act, sigma_w2=sw2 / rho)
            assert mf.q_map(0.8, sigma_w2=sw2, keep_prob=rho, **kw) == mf.q_map(0.8, **eff)
            assert mf.q_star(sigma_w2=sw2, keep_prob=rho, **kw) == mf.q_star(**eff)
            assert mf.chi1(sigma_w2=sw2, keep_prob=rho, **kw) == mf.chi1(**eff)
            assert mf.depth_scales(sigma_w2=sw2, keep_prob=rho, **kw)[0] == mf.depth_scales(**eff)[0]
    # and the chi1 = 1 line is rho times the one without dropout
    sb2 = np.array([0.0, 0.05, 0.5])
    line = mf.critical_sigma_w2(sigma_b2=sb2, activation="tanh", keep_prob=0.7)
    np.testing.assert_allclose(line, 0.7 * mf.critical_sigma_w2(sigma_b2=sb2, activation="tanh"), rtol=1e-15)
    for s, w in zip(sb2[1:], line[1:]):
        assert mf.chi1(sigma_w2=w, sigma_b2=s, activation="tanh", keep_prob=0.7) == pytest.approx(1.0, abs=1e-10)


def test_c_map_sends_one_below_one():
    # 1 - c_map(1) = (1/rho - 1) sw2 E[phi^2] / q*, with E[phi^2] = rho (q* - sb2) / sw2 from the q fixed point
    sw2, sb2, rho = 1.8, 0.05, 0.85
    kw = dict(sigma_w2=sw2, sigma_b2=sb2, activation="tanh", keep_prob=rho)
    q = mf.q_star(**kw)
    assert 1 - mf.c_map(1.0, **kw) == pytest.approx((1 / rho - 1) * rho * (q - sb2) / q, rel=1e-10)
    traj = mf.c_trajectory(1.0, 200, **kw)
    assert traj[-1] == pytest.approx(mf.c_star(**kw), abs=1e-10)  # iterating from 1 reaches c*


# --- (b) theory against wide networks with dropout -------------------------------------------------

@pytest.mark.parametrize("act, sw2, sb2, rho", [("tanh", 1.4, 0.05, 0.8), ("relu", 1.5, 0.1, 0.9)])
def test_simulated_networks_follow_the_dropout_maps(act, sw2, sb2, rho):
    # Two inputs at q^1 = q* (the first layer sees x itself, undropped: q^1 = sw2 q0 + sb2) and c^0 = 0.9, through
    # n = 40 networks of width 400 and 6 layers with independent dropout masks.  Per layer, the mean over the
    # networks of the empirical q, c and of sw2-weighted tangent growth ||delta^{l+1}||^2/||delta^l||^2 must lie
    # within 4 standard errors (sample standard deviation over the 40 networks / sqrt(40)) of the theory; the
    # finite-width bias is O(1/N) = O(0.0025), well inside that.  The same tolerance must reject the theory
    # without dropout, so the test can tell the two apart.
    n, width, depth, c0 = 40, 400, 6, 0.9
    kw = dict(sigma_w2=sw2, sigma_b2=sb2, activation=act)
    q = mf.q_star(**kw, keep_prob=rho)
    x = net.inputs_with_correlation(width, q0=(q - sb2) / sw2, c0=c0, rng=1)
    # the tangent: a random direction orthogonal to both inputs (a tangent along x would be correlated with
    # h^1 = W^1 x + b, and E[phi'(h)^2 delta^2] would not factorise in the first layers)
    v = np.random.default_rng(2).standard_normal(width)
    v -= np.linalg.lstsq(x.T, v, rcond=None)[0] @ x
    c1 = ((q - sb2) * c0 + sb2) / q  # the first layer: sw2 q0 c0 + sb2 over q^1 = q*
    c_theory = mf.c_trajectory(c1, depth - 1, **kw, keep_prob=rho)

    def stats(network, h):
        norms = net.tangent_norms(network, x, np.stack([v, v]), activation=act, keep_prob=rho, rng=gen)
        return np.concatenate([net.empirical_q(h[1:, 0]), net.empirical_c(h[1:]), norms[2:, 0] / norms[1:-1, 0]])

    gen = np.random.default_rng(7)
    sims = net.ensemble_statistic(stats, x, n_samples=n, width=width, depth=depth, keep_prob=rho, rng=gen, **kw)
    mean, se = sims.mean(axis=0), sims.std(axis=0, ddof=1) / np.sqrt(n)
    q_sim, c_sim, g_sim = np.split(mean, [depth, 2 * depth])
    q_se, c_se, g_se = np.split(se, [depth, 2 * depth])
    assert np.all(np.abs(q_sim - q) <= 4 * q_se)
    assert np.all(np.abs(c_sim - c_theory) <= 4 * c_se)
    # the tangent of layer l + 1 goes through layer l's mask; chi1 at q*
    # (tangent_norms draws the masks anew: a second forward pass with masks of its own, same law)
    chi1 = mf.chi1(**kw, keep_prob=rho)
    assert np.all(np.abs(g_sim - chi1) <= 4 * g_se)
    # without dropout the theory is rejected by the same tolerance
    q_no = mf.q_star(**kw)
    assert np.any(np.abs(q_sim - q_no) > 4 * q_se)
    c_no = mf.c_trajectory(c1, depth - 1, **kw)
    assert np.any(np.abs(c_sim - c_no) > 4 * c_se)
    assert np.any(np.abs(g_sim - mf.chi1(**kw, q=q)) > 4 * g_se)


def test_dropout_masks_come_from_rng_and_keep_prob_one_draws_nothing():
    network = net.random_network(width=30, depth=4, sigma_w2=1.5, sigma_b2=0.1, rng=0)
    x = net.inputs_with_correlation(30, q0=1.0, c0=0.5, rng=1)
    a = net.forward(network, x, activation="tanh", keep_prob=0.5, rng=3)
    b = net.forward(network, x, activation="tanh", keep_prob=0.5, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, net.forward(network, x, activation="tanh", keep_prob=0.5, rng=4))
    np.testing.assert_array_equal(a[1], net.forward(network, x, activation="tanh")[1])  # the input is not dropped
    # each unit of the post-activations feeding layer 2 is either dropped (0) or scaled by 1/rho
    post = np.tanh(a[1])
    contrib = np.linalg.lstsq(network.W[1], (a[2] - network.b[1]).T, rcond=None)[0].T
    ratio = contrib / post
    assert np.all(np.isclose(ratio, 0.0, atol=1e-8) | np.isclose(ratio, 2.0, rtol=1e-8))
    gen = np.random.default_rng(9)
    before = gen.bit_generator.state
    net.forward(network, x, activation="tanh", keep_prob=1.0, rng=gen)
    net.tangent_norms(network, x, x, activation="tanh", keep_prob=1.0, rng=gen)
    assert gen.bit_generator.state == before


# --- (c) no critical line: xi_c finite at chi_1 = 1, diverging only as rho -> 1 -------------------

def test_xi_c_is_finite_on_the_chi1_line_and_diverges_as_rho_goes_to_one():
    sb2 = 0.05
    rhos = np.array([0.5, 0.8, 0.9, 0.99, 0.999, 0.9999])
    xi = []
    for rho in rhos:
        sw2 = mf.critical_sigma_w2(sigma_b2=sb2, activation="tanh", keep_prob=rho)
        assert mf.chi1(sigma_w2=sw2, sigma_b2=sb2, activation="tanh", keep_prob=rho) == pytest.approx(1.0, abs=1e-10)
        assert mf.c_star(sigma_w2=sw2, sigma_b2=sb2, activation="tanh", keep_prob=rho) < 1
        xi.append(mf.depth_scales(sigma_w2=sw2, sigma_b2=sb2, activation="tanh", keep_prob=rho)[1])
    xi = np.array(xi)
    assert np.all(np.isfinite(xi)) and np.all(np.diff(xi) > 0)
    # the slope at c* is sw2 E[phi'(u1) phi'(u2)] <= sw2 E[phi'^2] = rho chi1 = rho: xi_c <= -1/log rho
    assert np.all(xi <= -1 / np.log(rhos))
    # near rho = 1: c_map(1) = 1 - a (1 - rho), slope rho at 1 and curvature b give 1 - c* ~ sqrt(a (1 - rho) / b)
    # and a slope 1 - 2 sqrt(a b (1 - rho)) at c*, so xi_c sqrt(1 - rho) tends to a constant
    scaled = xi[-3:] * np.sqrt(1 - rhos[-3:])
    assert np.ptp(scaled) < 0.1 * scaled.mean()
    # without dropout the same line has xi_c = inf
    crit = mf.critical_sigma_w2(sigma_b2=sb2, activation="tanh")
    assert mf.depth_scales(sigma_w2=crit, sigma_b2=sb2, activation="tanh")[1] > 1e6  # inf but for rounding


def test_the_largest_xi_c_over_sigma_w2_shrinks_with_rho():
    # max over sigma_w2 of xi_c (the trainable depth is about 6 xi_c, Schoenholz et al. 2017)
    grid = np.linspace(1.0, 2.6, 17)
    peaks = [np.max(mf.depth_scales(sigma_w2=grid, sigma_b2=0.05, activation="tanh", keep_prob=rho)[1])
             for rho in [0.6, 0.8, 0.95]]
    assert np.all(np.isfinite(peaks)) and np.all(np.diff(peaks) > 0)


# --- (d) keep_prob = 1 is the theory without dropout, to the bit -----------------------------------

@pytest.mark.parametrize("act", ["tanh", "erf", "relu", "hard_tanh"])
def test_keep_prob_one_is_exactly_no_dropout(act):
    sw2 = np.array([0.8, 1.5, 1.9])
    kw = dict(sigma_b2=0.1, activation=act)
    ones = [1.0, 1, np.float64(1.0), np.ones(3)]

    def same(a, b):
        a, b = np.asarray(a), np.asarray(b)
        return np.array_equal(np.broadcast_to(a, np.broadcast_shapes(a.shape, b.shape)), b, equal_nan=True)

    calls = [
        lambda **k: mf.q_map(0.7, sigma_w2=sw2, **kw, **k),
        lambda **k: mf.q_trajectory(0.7, 4, sigma_w2=sw2, **kw, **k),
        lambda **k: mf.q_star(sigma_w2=sw2, **kw, **k),
        lambda **k: mf.chi1(sigma_w2=sw2, **kw, **k),
        lambda **k: mf.c_map(0.3, sigma_w2=sw2, **kw, **k),
        lambda **k: mf.c_trajectory(0.3, 4, sigma_w2=sw2, **kw, **k),
        lambda **k: mf.c_star(sigma_w2=sw2, **kw, **k),
        lambda **k: mf.depth_scales(sigma_w2=sw2, **kw, **k),
        lambda **k: mf.critical_sigma_w2(sigma_b2=np.array([0.05, 0.1, 0.2]), activation=act, **k),
    ]
    for call in calls:
        ref = call()
        for one in ones:
            got = call(keep_prob=one)
            if isinstance(ref, tuple):
                assert all(same(r, g) for r, g in zip(ref, got))
            else:
                assert same(ref, got)


def test_keep_prob_one_is_exactly_no_dropout_in_networks():
    network = net.random_network(width=20, depth=3, sigma_w2=1.5, sigma_b2=0.1, rng=0)
    x = net.inputs_with_correlation(20, q0=1.0, c0=0.5, rng=1)
    np.testing.assert_array_equal(net.forward(network, x, activation="tanh", keep_prob=1.0, rng=5),
                                  net.forward(network, x, activation="tanh"))
    np.testing.assert_array_equal(net.tangent_norms(network, x, x, activation="tanh", keep_prob=1, rng=5),
                                  net.tangent_norms(network, x, x, activation="tanh"))
    kw = dict(n_samples=2, width=20, depth=3, sigma_w2=1.5, sigma_b2=0.1, activation="relu")
    stat = lambda n, h: net.empirical_c(h)  # noqa: E731
    np.testing.assert_array_equal(net.ensemble_statistic(stat, x, keep_prob=1.0, rng=2, **kw),
                                  net.ensemble_statistic(stat, x, rng=2, **kw))


# --- (e) bad keep_prob ----------------------------------------------------------------------------

BAD = [(0.0, ValueError), (-0.2, ValueError), (1.5, ValueError), (float("nan"), ValueError),
       (float("inf"), ValueError), ("0.5", TypeError), (None, TypeError), (True, TypeError)]

MF_CALLS = [
    lambda kp: mf.q_map(1.0, sigma_w2=1.5, sigma_b2=0.05, activation="tanh", keep_prob=kp),
    lambda kp: mf.q_trajectory(1.0, 2, sigma_w2=1.5, sigma_b2=0.05, activation="tanh", keep_prob=kp),
    lambda kp: mf.q_star(sigma_w2=1.5, sigma_b2=0.05, activation="tanh", keep_prob=kp),
    lambda kp: mf.chi1(sigma_w2=1.5, sigma_b2=0.05, activation="tanh", keep_prob=kp),
    lambda kp: mf.c_map(0.5, sigma_w2=1.5, sigma_b2=0.05, activation="tanh", keep_prob=kp),
    lambda kp: mf.c_trajectory(0.5, 2, sigma_w2=1.5, sigma_b2=0.05, activation="tanh", keep_prob=kp),
    lambda kp: mf.c_star(sigma_w2=1.5, sigma_b2=0.05, activation="tanh", keep_prob=kp),
    lambda kp: mf.depth_scales(sigma_w2=1.5, sigma_b2=0.05, activation="tanh", keep_prob=kp),
    lambda kp: mf.critical_sigma_w2(sigma_b2=0.05, activation="tanh", keep_prob=kp),
]
_NET = net.random_network(width=4, depth=2, sigma_w2=1.5, sigma_b2=0.1, rng=0)
NET_CALLS = [
    lambda kp: net.forward(_NET, np.ones((2, 4)), activation="tanh", keep_prob=kp, rng=0),
    lambda kp: net.tangent_norms(_NET, np.ones((2, 4)), np.ones((2, 4)), activation="tanh", keep_prob=kp, rng=0),
    lambda kp: net.ensemble_statistic(lambda n, h: net.empirical_q(h), np.ones(4), n_samples=2, width=4, depth=2,
                                      sigma_w2=1.0, sigma_b2=0.0, activation="tanh", keep_prob=kp, rng=0),
]


@pytest.mark.parametrize("value, exc", BAD)
@pytest.mark.parametrize("call", MF_CALLS + NET_CALLS)
def test_bad_keep_prob_is_refused(call, value, exc):
    with pytest.raises(exc, match="keep_prob") as info:
        call(value)
    if exc is ValueError:  # the message gives the range and the value received
        assert "(0, 1]" in str(info.value) and f"got {value!r}" in str(info.value)


def test_array_keep_prob_broadcasts_in_theory_and_is_refused_in_networks():
    rho = np.array([0.5, 0.8, 1.0])
    got = mf.q_star(sigma_w2=1.5, sigma_b2=0.05, activation="tanh", keep_prob=rho)
    assert got.shape == (3,)
    for r, g in zip(rho, got):
        assert g == mf.q_star(sigma_w2=1.5, sigma_b2=0.05, activation="tanh", keep_prob=float(r))
    with pytest.raises(ValueError, match="keep_prob"):
        mf.chi1(sigma_w2=np.ones(2), sigma_b2=0.05, activation="tanh", keep_prob=np.array([0.5, 0.6, 0.7]))
    with pytest.raises(ValueError, match=r"keep_prob: expected a value in \(0, 1\], got array"):
        mf.q_star(sigma_w2=1.5, sigma_b2=0.05, activation="tanh", keep_prob=np.array([0.5, 0.0]))
    for call in NET_CALLS:
        with pytest.raises(TypeError, match="keep_prob"):
            call(np.array([0.5, 0.6]))
