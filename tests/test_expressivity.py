"""Expressivity (Poole et al. 2016) and gradient depth scale (Schoenholz et al. 2017): theory against closed forms,
an independent quadrature, and simulated random networks.

Tolerances against simulation come from the sampling error: the networks of an ensemble are independent, so
their mean has standard error s / sqrt(n_samples) (s the sample standard deviation over networks), and a
difference of more than 4 such standard errors has probability below 1e-4 for a correct theory (normal
approximation of the mean of 40-60 networks).  The mean-field predictions carry an O(depth / width) bias at
finite width (the length and Jacobian of each layer fluctuate by O(1/sqrt(width)), and chi_1 is not linear in
q); at the widths and depths used here that is below a tenth of the tolerance.  Each comparison is paired
with a check that the same tolerance rejects a wrong theory (no growth at all, or the ordered phase's rate),
so none of them can pass by being loose.
"""

import numpy as np
import pytest
from scipy.integrate import quad

from initdyn import expressivity as ex
from initdyn import meanfield as mf
from initdyn import network as net

SB2 = 0.09          # Poole et al. 2016, Figs. 3-4: sigma_b = 0.3
ORDERED, CHAOTIC = 1.69, 6.25   # their sigma_w = 1.3 and 2.5
ACT = "tanh"


def _fixed_point_q0(sw2, sb2=SB2):
    """The input length that puts layer 1 at q*: q^1 = sw2 q0 + sb2 = q*."""
    return (mf.q_star(sigma_w2=sw2, sigma_b2=sb2, activation=ACT) - sb2) / sw2


def _quad_tanh_q_map(q, sw2, sb2):
    f = lambda z: np.exp(-z * z / 2) / np.sqrt(2 * np.pi) * np.tanh(np.sqrt(q) * z) ** 2  # noqa: E731
    return sw2 * quad(f, -np.inf, np.inf, epsabs=1e-14, epsrel=1e-13)[0] + sb2


def _quad_tanh_chi1(q, sw2):
    f = lambda z: np.exp(-z * z / 2) / np.sqrt(2 * np.pi) * (1 - np.tanh(np.sqrt(q) * z) ** 2) ** 2  # noqa: E731
    return sw2 * quad(f, -np.inf, np.inf, epsabs=1e-14, epsrel=1e-13)[0]


def _within(sim, theory, n_sigma=4.0):
    """|mean - theory| <= n_sigma standard errors of the mean over axis 0 (the networks)."""
    sim = np.asarray(sim)
    mean, se = sim.mean(axis=0), sim.std(axis=0, ddof=1) / np.sqrt(sim.shape[0])
    return np.abs(mean - theory) <= n_sigma * se, mean, se


# --- the input circle: closed forms ---------------------------------------------------------------------------

@pytest.mark.parametrize("n_points, width, q", [(3, 2, 1.0), (64, 100, 0.37), (1000, 50, 4.0)])
def test_great_circle_closed_forms(n_points, width, q):
    x, dx = ex.great_circle(n_points, width, q=q, rng=1)
    assert x.shape == dx.shape == (n_points, width)
    np.testing.assert_allclose(np.sum(x * x, axis=1) / width, q, rtol=1e-13)
    np.testing.assert_allclose(np.sum(dx * dx, axis=1) / width, q, rtol=1e-13)
    np.testing.assert_allclose(np.sum(x * dx, axis=1), 0.0, atol=1e-12 * q * width)
    radius = np.sqrt(width * q)
    # the polygon: n chords of 2 r sin(pi / n); the circle: 2 pi r, approached from below within pi^2 / (6 n^2)
    assert ex.curve_length(x) == pytest.approx(2 * n_points * radius * np.sin(np.pi / n_points), rel=1e-13)
    assert 0 < 2 * np.pi * radius - ex.curve_length(x) <= 2 * np.pi * radius * np.pi**2 / (6 * n_points**2)
    assert ex.tangent_length(dx) == pytest.approx(2 * np.pi * radius, rel=1e-13)


def test_curve_length_of_a_polygon_and_of_stacks():
    square = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    assert ex.curve_length(square) == 4.0
    stack = np.stack([square, 3 * square, 1e300 * square])  # scaled first: no overflow at 1e300
    np.testing.assert_allclose(ex.curve_length(stack), [4.0, 12.0, 4e300], rtol=1e-15)
    assert ex.curve_length(np.zeros((3, 5))) == 0.0


def test_propagate_curve_tangents_match_finite_differences():
    # the exact Jacobian-vector product against a central difference along the circle
    width, depth = 20, 4
    n = net.random_network(width=width, depth=depth, sigma_w2=2.0, sigma_b2=0.1, rng=3)
    x, dx = ex.great_circle(8, width, q=0.5, rng=4)
    h, dh = ex.propagate_curve(n, x, dx, activation=ACT)
    assert h.shape == dh.shape == (depth + 1, 8, width)
    np.testing.assert_array_equal(h, net.forward(n, x, activation=ACT))
    u0, u1 = x[0] / np.sqrt(0.5 * width), dx[0] / np.sqrt(0.5 * width)
    theta, eps = 2 * np.pi * np.arange(8) / 8, 1e-6

    def points(t):
        return np.sqrt(0.5 * width) * (np.cos(t)[:, None] * u0 + np.sin(t)[:, None] * u1)
    fd = (net.forward(n, points(theta + eps), activation=ACT) - net.forward(n, points(theta - eps), activation=ACT))
    np.testing.assert_allclose(dh, fd / (2 * eps), rtol=1e-6, atol=1e-6)


# --- theory: independent calculation, critical line, saturation ------------------------------------------------

@pytest.mark.parametrize("sw2", [ORDERED, 2.5, CHAOTIC])
def test_length_element_against_quadrature(sw2):
    # g^0 = q0, g^1 = sw2 q0, g^{l+1} = chi_1(q^l) g^l with q and chi_1 by scipy quadrature, written here
    q0, depth = 0.8, 6
    q, g = sw2 * q0 + SB2, [q0, sw2 * q0]
    for _ in range(depth - 1):
        g.append(_quad_tanh_chi1(q, sw2) * g[-1])
        q = _quad_tanh_q_map(q, sw2, SB2)
    np.testing.assert_allclose(ex.length_element(depth, q0=q0, sigma_w2=sw2, sigma_b2=SB2, activation=ACT), g,
                               rtol=1e-10)
    np.testing.assert_allclose(
        ex.length_growth(depth, width=300, q0=q0, sigma_w2=sw2, sigma_b2=SB2, activation=ACT),
        2 * np.pi * np.sqrt(300 * np.array(g)), rtol=1e-10)


def test_critical_line_gives_flat_growth():
    sw2 = mf.critical_sigma_w2(sigma_b2=SB2, activation=ACT)
    g = ex.length_element(200, q0=_fixed_point_q0(sw2), sigma_w2=sw2, sigma_b2=SB2, activation=ACT)
    np.testing.assert_allclose(g[1:], g[1], rtol=1e-9)     # chi_1(q*) = 1 from layer 1 on
    assert g[1] == pytest.approx(mf.q_star(sigma_w2=sw2, sigma_b2=SB2, activation=ACT) - SB2, rel=1e-12)
    # the gradients likewise, and xi_grad is infinite
    r = ex.gradient_norm_ratio(50, q0=_fixed_point_q0(sw2), sigma_w2=sw2, sigma_b2=SB2, activation=ACT)
    np.testing.assert_allclose(r[1:], 1.0, rtol=1e-9)
    assert abs(ex.gradient_depth_scale(sigma_w2=sw2, sigma_b2=SB2, activation=ACT)) > 1e8


@pytest.mark.parametrize("sw2", [ORDERED, CHAOTIC])
def test_growth_rate_at_the_fixed_point_is_sqrt_chi1(sw2):
    chi = _quad_tanh_chi1(mf.q_star(sigma_w2=sw2, sigma_b2=SB2, activation=ACT), sw2)
    L = ex.length_growth(30, width=1000, q0=_fixed_point_q0(sw2), sigma_w2=sw2, sigma_b2=SB2, activation=ACT)
    np.testing.assert_allclose(L[2:] / L[1:-1], np.sqrt(chi), rtol=1e-9)


def test_polygon_theory_first_layer_small_angles_and_saturation():
    q0, n = _fixed_point_q0(CHAOTIC), 12
    poly = ex.length_growth(80, width=500, q0=q0, sigma_w2=CHAOTIC, sigma_b2=SB2, activation=ACT, n_points=n)
    # layer 0: the inscribed polygon; layer 1: W^1 scales every chord by sigma_w on average (no nonlinearity)
    assert poly[0] == pytest.approx(2 * n * np.sqrt(500 * q0) * np.sin(np.pi / n), rel=1e-13)
    assert poly[1] == pytest.approx(np.sqrt(CHAOTIC) * poly[0], rel=1e-13)
    # deep: neighbouring points at c*, chords sqrt(2 N q* (1 - c*))
    qs = mf.q_star(sigma_w2=CHAOTIC, sigma_b2=SB2, activation=ACT)
    cs = mf.c_star(sigma_w2=CHAOTIC, sigma_b2=SB2, activation=ACT)
    assert poly[-1] == pytest.approx(n * np.sqrt(2 * 500 * qs * (1 - cs)), rel=1e-6)
    # fine sampling: the polygon follows the curve while 1 - c^l << 1 - c* (here 1 - c^l < 2e-4)
    fine = ex.length_growth(4, width=500, q0=q0, sigma_w2=CHAOTIC, sigma_b2=SB2, activation=ACT, n_points=2000)
    curve = ex.length_growth(4, width=500, q0=q0, sigma_w2=CHAOTIC, sigma_b2=SB2, activation=ACT)
    np.testing.assert_allclose(fine / curve, fine[0] / curve[0], rtol=1e-3)
    assert not np.allclose(poly[3:] / ex.length_growth(80, width=500, q0=q0, sigma_w2=CHAOTIC, sigma_b2=SB2,
                                                       activation=ACT)[3:], poly[0] / curve[0], rtol=0.1)


def test_polygon_theory_is_continuous_across_the_linearisation():
    # the ordered phase shrinks 1 - c^l through the 1e-6 switch of the chord recursion: no jump in the rate
    q0 = _fixed_point_q0(0.8)
    poly = ex.length_growth(120, width=100, q0=q0, sigma_w2=0.8, sigma_b2=SB2, activation=ACT, n_points=50)
    rate = poly[2:] / poly[1:-1]
    chi = _quad_tanh_chi1(mf.q_star(sigma_w2=0.8, sigma_b2=SB2, activation=ACT), 0.8)
    np.testing.assert_allclose(rate[60:], np.sqrt(chi), rtol=1e-6)
    assert np.all(np.abs(np.diff(rate)) < 2e-3)


# --- theory against simulated networks ------------------------------------------------------------------------

@pytest.mark.parametrize("sw2", [ORDERED, CHAOTIC])
def test_length_element_against_networks(sw2):
    depth, width, n_samples = 6, 300, 40
    q0 = _fixed_point_q0(sw2)
    sim = ex.simulate_length(depth, width=width, q0=q0, sigma_w2=sw2, sigma_b2=SB2, activation=ACT, n_points=16,
                             n_samples=n_samples, rng=11)
    g = ex.length_element(depth, q0=q0, sigma_w2=sw2, sigma_b2=SB2, activation=ACT)
    ok, mean, se = _within(sim["element"][:, 1:], g[1:])
    assert ok.all(), (mean / g[1:], se / g[1:])
    # the same tolerance rejects a flat length (chi_1 = 1) at the last layer
    assert not _within(sim["element"][:, -1], g[1])[0]


@pytest.mark.parametrize("sw2", [ORDERED, CHAOTIC])
def test_curve_and_polygon_lengths_against_networks(sw2):
    # The lengths are means of square roots: by Jensen they lie below the mean-field 2 pi sqrt(N g) by about
    # Var(g) / (8 g^2) = O(depth / width) (about 10 depth / (8 width) for tanh here, 0.8% at depth 4 and
    # width 600), below the 4-standard-error tolerance (about 1.5%) at this width, but not at width 300 and
    # depth 6, where the curve's length is 2.4% low at 40 networks.
    depth, width, n_samples = 4, 600, 30
    q0 = _fixed_point_q0(sw2)
    sim = ex.simulate_length(depth, width=width, q0=q0, sigma_w2=sw2, sigma_b2=SB2, activation=ACT, n_points=16,
                             n_samples=n_samples, rng=13)
    for key, n_points in (("length", None), ("polygon", 16)):
        L = ex.length_growth(depth, width=width, q0=q0, sigma_w2=sw2, sigma_b2=SB2, activation=ACT,
                             n_points=n_points)
        ok, mean, se = _within(sim[key][:, 1:], L[1:])
        assert ok.all(), (key, mean / L[1:], se / L[1:])
        assert not _within(sim[key][:, -1], L[1])[0]          # no growth or decay at all is rejected


def test_critical_network_keeps_its_length():
    sw2 = mf.critical_sigma_w2(sigma_b2=SB2, activation=ACT)
    sim = ex.simulate_length(8, width=300, q0=_fixed_point_q0(sw2), sigma_w2=sw2, sigma_b2=SB2, activation=ACT,
                             n_points=8, n_samples=40, rng=12)
    growth = sim["element"][:, -1] / sim["element"][:, 1]    # layer 8 against layer 1, network by network
    assert _within(growth, 1.0)[0]
    chi_ordered = mf.chi1(sigma_w2=ORDERED, sigma_b2=SB2, activation=ACT)
    assert not _within(growth, chi_ordered**7)[0]           # the ordered phase's decay is rejected


@pytest.mark.parametrize("sw2", [ORDERED, CHAOTIC])
def test_gradient_norms_against_networks(sw2):
    depth, width, n_samples = 8, 300, 40
    q0 = _fixed_point_q0(sw2)
    rng = np.random.default_rng(21)
    x = ex.great_circle(3, width, q=q0, rng=rng)[0]
    e = rng.standard_normal(x.shape)
    e *= np.sqrt(width) / np.linalg.norm(e, axis=1, keepdims=True)   # ||delta^L||^2 = N exactly
    norms = net.ensemble_statistic(lambda n, h: ex.backprop_norms(n, x, e, activation=ACT).mean(axis=-1), x,
                                   n_samples=n_samples, width=width, depth=depth, sigma_w2=sw2, sigma_b2=SB2,
                                   activation=ACT, rng=22)
    ratio = ex.gradient_norm_ratio(depth, q0=q0, sigma_w2=sw2, sigma_b2=SB2, activation=ACT)
    np.testing.assert_allclose(norms[:, -1] / width, 1.0, rtol=1e-12)    # delta^L = e
    ok, mean, se = _within(norms[:, :-1] / width, ratio[:-1])
    assert ok.all(), (mean / ratio[:-1], se / ratio[:-1])
    # at the fixed point the ratio is chi_1^(L - l), chi_1 by quadrature
    chi = _quad_tanh_chi1(mf.q_star(sigma_w2=sw2, sigma_b2=SB2, activation=ACT), sw2)
    np.testing.assert_allclose(ratio[1:], chi ** (depth - np.arange(1, depth + 1)), rtol=1e-9)
    assert not _within(norms[:, 1] / width, 1.0)[0]          # flat gradients are rejected


def test_backprop_is_the_transposed_jacobian():
    width, depth = 7, 3
    n = net.random_network(width=width, depth=depth, sigma_w2=1.5, sigma_b2=0.2, rng=5)
    x, e = np.random.default_rng(6).standard_normal((2, width))
    h = net.forward(n, x, activation=ACT)
    J = np.eye(width)                      # d h^L / d h^l, built from the top, explicitly
    expected = [float(e @ e)]
    for layer in range(depth - 1, -1, -1):
        J = J @ n.W[layer]
        if layer > 0:
            J = J * (1 - np.tanh(h[layer]) ** 2)[None, :]
        expected.append(float(np.sum((e @ J) ** 2)))
    np.testing.assert_allclose(ex.backprop_norms(n, x, e, activation=ACT), expected[::-1], rtol=1e-12)


def test_gradient_depth_scale():
    xi_c = mf.depth_scales(sigma_w2=ORDERED, sigma_b2=SB2, activation=ACT)[1]
    assert ex.gradient_depth_scale(sigma_w2=ORDERED, sigma_b2=SB2, activation=ACT) == pytest.approx(xi_c, rel=1e-12)
    chi = _quad_tanh_chi1(mf.q_star(sigma_w2=CHAOTIC, sigma_b2=SB2, activation=ACT), CHAOTIC)
    assert ex.gradient_depth_scale(sigma_w2=CHAOTIC, sigma_b2=SB2, activation=ACT) == pytest.approx(
        -1 / np.log(chi), rel=1e-9)
    out = ex.gradient_depth_scale(sigma_w2=np.array([0.0, 2.0]), sigma_b2=0.0, activation="relu")
    assert out.tolist() == [0.0, np.inf]


# --- bad input --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, name", [
    (lambda: ex.great_circle(2, 10, q=1.0), "n_points"),
    (lambda: ex.great_circle(8, 1, q=1.0), "width"),
    (lambda: ex.great_circle(8, 10, q=0.0), "q"),
    (lambda: ex.great_circle(8, 10, q=1.0, rng="x"), "rng"),
    (lambda: ex.curve_length(np.ones(4)), "h"),
    (lambda: ex.curve_length([[1.0, np.nan], [0.0, 1.0]]), "h"),
    (lambda: ex.tangent_length(np.ones((1, 4))), "dh"),
    (lambda: ex.propagate_curve("net", np.ones((3, 4)), np.ones((3, 4)), activation=ACT), "net"),
    (lambda: ex.propagate_curve(net.random_network(width=4, depth=2, sigma_w2=1.0, sigma_b2=0.0, rng=0),
                                np.ones((3, 4)), np.ones((3, 5)), activation=ACT), "dx"),
    (lambda: ex.length_element(-1, q0=1.0, sigma_w2=1.0, sigma_b2=0.0, activation=ACT), "depth"),
    (lambda: ex.length_element(3, q0=1.0, sigma_w2=-1.0, sigma_b2=0.0, activation=ACT), "sigma_w2"),
    (lambda: ex.length_growth(3, width=0, q0=1.0, sigma_w2=1.0, sigma_b2=0.0, activation=ACT), "width"),
    (lambda: ex.length_growth(3, width=5, q0=1.0, sigma_w2=1.0, sigma_b2=0.0, activation=ACT, n_points=2),
     "n_points"),
    (lambda: ex.simulate_length(3, width=5, q0=1.0, sigma_w2=1.0, sigma_b2=0.0, activation=ACT, n_points=4,
                                n_samples=0), "n_samples"),
    (lambda: ex.simulate_length(3, width=5, q0=1.0, sigma_w2=1.0, sigma_b2=0.0, activation=ACT, n_points=4,
                                n_samples=2, weights="uniform"), "weights"),
    (lambda: ex.gradient_norm_ratio(0, q0=1.0, sigma_w2=1.0, sigma_b2=0.0, activation=ACT), "depth"),
    (lambda: ex.gradient_depth_scale(sigma_w2=1.0, sigma_b2=np.nan, activation=ACT), "sigma_b2"),
])
def test_bad_input_is_refused_naming_the_argument(call, name):
    with pytest.raises((ValueError, TypeError), match=rf"^{name}\b"):
        call()


def test_overflowing_tangents_are_refused():
    n = net.random_network(width=4, depth=3, sigma_w2=1e4, sigma_b2=0.0, rng=0)   # x100 per layer
    x = np.zeros((3, 4))
    with pytest.raises(ValueError, match="net, dx"):
        ex.propagate_curve(n, x, np.full((3, 4), 1e307), activation="linear")
    with pytest.raises(ValueError, match="net, e"):
        ex.backprop_norms(n, x, np.full((3, 4), 1e307), activation="linear")
