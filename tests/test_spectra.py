"""Jacobian spectra of chapter 2 (initdyn.spectra): free probability against closed forms and real networks.

Tolerances.
* Closed forms (Fuss-Catalan density, edges, moments of Pennington, Schoenholz & Ganguli 2017, Sec. 2.5
  and eq. 13) are checked to the accuracy of the solver: the density is Im G at y = 1e-10 lambda above
  the axis, a Lorentzian smoothing of relative size ~1e-10 that becomes ~1e-6 near the square-root edge
  (error ~ sqrt(eta / distance to edge)); the CDF is a trapezoidal integral accurate to ~1e-4.
* Simulation (one network of width N): the Kolmogorov-Smirnov distance between the theoretical CDF and
  the empirical CDF of the N squared singular values is held to the Dvoretzky-Kiefer-Wolfowitz-Massart
  bound for N independent samples at false-alarm probability 1e-4, eps = sqrt(log(2/1e-4) / (2N)).
  Eigenvalues of one random matrix repel and fluctuate less than independent samples, so the bound is
  conservative; it still catches a wrong law (Gaussian vs orthogonal spectra differ by KS > 0.2 here).
* Moments over an ensemble of n networks: the ensemble mean of a per-network statistic is compared with
  the theory within 5 standard errors (false alarm < 1e-6 for a normal mean) plus a finite-width bias of
  3 L/N relative: the theory is the N -> infinity limit at fixed L and corrections are O(L/N)
  (Hanin & Nica 2019); at the sizes used, 3 L/N is 3-4%, while the Gaussian/orthogonal slopes differ by
  a factor 1/(1-p) >= 2.
* Largest eigenvalue: between the theoretical quantile Q(1 - 10/N) (for independent samples
  P(max < Q(1 - k/N)) ~ exp(-k) = 5e-5) and edge + 5 (edge - Q(1 - 1/N)) (the edge fluctuation scale is
  the distance from the edge to the last quantile; Tracy-Widom tails beyond 5 such units are < 1e-5).
"""

import math

import numpy as np
import pytest
from scipy.special import erf

from initdyn import freeprob, spectra, stats
from initdyn import meanfield as mf
from initdyn.activations import get_activation
from initdyn.network import RandomNetwork, forward, random_network


def point(activation, q_star=None):
    """(sigma_w2, sigma_b2) at criticality: linear/ReLU without bias, (hard-)tanh on the critical line at q*."""
    if activation == "linear":
        return 1.0, 0.0
    if activation == "relu":
        return 2.0, 0.0
    return freeprob.critical_point(q_star, activation=activation)


def kwargs(activation, weights, depth, q_star=None):
    sw2, sb2 = point(activation, q_star)
    return dict(depth=depth, sigma_w2=sw2, sigma_b2=sb2, activation=activation, weights=weights)


# --- the Jacobian of a given network (the early API shared with the atlas) ---------------------------

def test_input_output_jacobian_of_relu_is_the_masked_product():
    net = random_network(width=40, depth=6, sigma_w2=2.0, sigma_b2=0.1, rng=0)
    x = np.random.default_rng(1).standard_normal(40)
    J = spectra.input_output_jacobian(net, x, activation="relu")
    h = forward(net, x, activation="relu")
    explicit = np.eye(40)
    for layer in range(net.depth):  # D^l W^l with D^l = diag(1[h^l > 0]), l = 1..L
        explicit = (h[layer + 1] > 0)[:, None] * (net.W[layer] @ explicit)
    np.testing.assert_allclose(J, explicit, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("activation", ["tanh", "linear", "erf"])
def test_input_output_jacobian_finite_differences(activation):
    # central differences with step 1e-5: truncation ~ step^2 |phi'''| ~ 1e-10, rounding ~ 1e-16 / 1e-5
    net = random_network(width=30, depth=5, sigma_w2=1.5, sigma_b2=0.05, weights="orthogonal", rng=2)
    x = np.random.default_rng(3).standard_normal(30)
    act = get_activation(activation)

    def out(v):
        return act.phi(forward(net, v, activation=act)[-1])

    eps = 1e-5
    fd = np.stack([(out(x + eps * e) - out(x - eps * e)) / (2 * eps) for e in np.eye(30)], axis=1)
    J = spectra.input_output_jacobian(net, x, activation=activation)
    np.testing.assert_allclose(J, fd, atol=1e-8)
    s = spectra.jacobian_singular_values_of(net, x, activation=activation)
    np.testing.assert_allclose(s, np.linalg.svd(fd, compute_uv=False), atol=1e-7)
    assert np.all(np.diff(s) <= 0)


def test_input_output_jacobian_bad_input():
    net = random_network(width=5, depth=2, sigma_w2=1.0, sigma_b2=0.0, rng=0)
    with pytest.raises(TypeError, match="net"):
        spectra.input_output_jacobian(np.eye(5), np.ones(5), activation="tanh")
    with pytest.raises(ValueError, match="x"):
        spectra.input_output_jacobian(net, np.ones(4), activation="tanh")
    with pytest.raises(ValueError, match="x"):
        spectra.input_output_jacobian(net, np.ones((2, 5)), activation="tanh")
    with pytest.raises(ValueError, match="activation"):
        spectra.input_output_jacobian(net, np.ones(5), activation="swish")


def test_by_depth_is_the_truncated_network():
    # the spectrum at depth 3 of a depth-7 run is the spectrum of the first 3 layers (same draws)
    kw = dict(width=60, sigma_w2=1.2, sigma_b2=0.1, activation="tanh", weights="orthogonal")
    s3, s7 = spectra.jacobian_singular_values_by_depth(depths=[3, 7], rng=5, **kw)
    np.testing.assert_allclose(s3, spectra.jacobian_singular_values(depth=3, rng=5, **kw), rtol=1e-12)
    assert s7.shape == (60,)


def test_by_depth_matches_the_network_api():
    # the same weights put into a RandomNetwork give the same singular values through input_output_jacobian
    width, depth = 50, 4
    gen = np.random.default_rng(11)
    kw = dict(width=width, depths=[depth], sigma_w2=2.0, sigma_b2=0.0, activation="relu", weights="gaussian")
    s = spectra.jacobian_singular_values_by_depth(rng=gen, **kw)[0]
    # replay the draws: input direction, then (W, b) per layer
    gen = np.random.default_rng(11)
    g = gen.standard_normal(width)
    h0 = g * np.sqrt(1.0 * width) / np.linalg.norm(g)  # relu: q = 1 (any q gives the same D)
    W = np.empty((depth, width, width))
    b = np.empty((depth, width))
    for layer in range(depth):
        W[layer] = gen.standard_normal((width, width)) * np.sqrt(2.0 / width)
        b[layer] = gen.standard_normal(width) * 0.0
    s2 = spectra.jacobian_singular_values_of(RandomNetwork(W, b), np.maximum(h0, 0), activation="relu")
    np.testing.assert_allclose(s, s2, rtol=1e-10, atol=1e-12)


# --- theory against closed forms --------------------------------------------------------------------

@pytest.mark.parametrize("depth", [1, 2, 8, 128])
def test_density_fuss_catalan(depth):
    lam, rho = freeprob.fuss_catalan_density(300, depth=depth)
    got = freeprob.jacobian_spectrum_density(lam, **kwargs("linear", "gaussian", depth))
    np.testing.assert_allclose(got, rho, rtol=1e-5)  # eta-smoothing, see module docstring


@pytest.mark.parametrize("depth", [1, 3, 50])
def test_edge_linear_gaussian(depth):
    edge = freeprob.jacobian_spectrum_edge(**kwargs("linear", "gaussian", depth))
    assert edge == pytest.approx((depth + 1) ** (depth + 1) / depth**depth, rel=1e-10)


def test_edge_one_layer_marchenko_pastur():
    # L = 1, Gaussian: the nonzero eigenvalues of D W W^T D are Marchenko-Pastur with ratio p and scale
    # sigma_w^2: edge sigma_w^2 (1 + sqrt(p))^2
    for act, q in [("relu", None), ("hard_tanh", 0.3)]:
        kw = kwargs(act, "gaussian", 1, q)
        p = freeprob.active_fraction(sigma_w2=kw["sigma_w2"], sigma_b2=kw["sigma_b2"], activation=act)
        assert freeprob.jacobian_spectrum_edge(**kw) == pytest.approx(kw["sigma_w2"] * (1 + math.sqrt(p)) ** 2,
                                                                      rel=1e-9)


def test_orthogonal_top_atom():
    # orthogonal hard-tanh: an atom of mass 1 - L(1-p) at sigma_w^{2L}, which is also the edge
    kw = kwargs("hard_tanh", "orthogonal", 2, 0.25)
    p = erf(1 / math.sqrt(2 * 0.25))
    atoms = freeprob.jacobian_spectrum_atoms(**kw)
    assert atoms[0] == (0.0, pytest.approx(1 - p, rel=1e-12))
    assert atoms[1][0] == pytest.approx(kw["sigma_w2"] ** 2, rel=1e-12)
    assert atoms[1][1] == pytest.approx(1 - 2 * (1 - p), rel=1e-12)
    assert freeprob.jacobian_spectrum_edge(**kw) == pytest.approx(kw["sigma_w2"] ** 2, rel=1e-9)


@pytest.mark.parametrize("activation,q", [("relu", None), ("hard_tanh", 0.25), ("hard_tanh", 2.0)])
@pytest.mark.parametrize("depth", [1, 16, 128])
def test_variance_slopes_on_the_critical_line(activation, q, depth):
    # Pennington et al. 2017, Sec. 2.5: var = L/p (Gaussian), L(1-p)/p (orthogonal); p = 1/2
    # for ReLU and erf(1/sqrt(2 q*)) for hard-tanh; the mean is chi_1^L = 1 on the critical line
    p = 0.5 if activation == "relu" else erf(1 / math.sqrt(2 * q))
    for weights, slope in [("gaussian", 1 / p), ("orthogonal", (1 - p) / p)]:
        mean, var = freeprob.jacobian_spectrum_moments(**kwargs(activation, weights, depth, q))
        assert mean == pytest.approx(1.0, rel=1e-12)
        assert var == pytest.approx(depth * slope, rel=1e-10)


def test_moments_off_criticality():
    # m1 = chi_1^L and var = m1^2 L (mu2/mu1^2 - 1 - s1) for any chi_1 (linear Gaussian: var = sw2^{2L} L)
    mean, var = freeprob.jacobian_spectrum_moments(depth=5, sigma_w2=1.1, sigma_b2=0.0, activation="linear")
    assert mean == pytest.approx(1.1**5, rel=1e-12)
    assert var == pytest.approx(1.1**10 * 5, rel=1e-12)
    kw = dict(sigma_w2=1.7, sigma_b2=0.2, activation="tanh")
    mean, _ = freeprob.jacobian_spectrum_moments(depth=7, weights="orthogonal", **kw)
    assert mean == pytest.approx(mf.chi1(**kw) ** 7, rel=1e-9)


CASES = [("linear", "gaussian", None), ("relu", "gaussian", None), ("relu", "orthogonal", None),
         ("hard_tanh", "gaussian", 0.25), ("hard_tanh", "orthogonal", 0.25), ("tanh", "orthogonal", 1 / 64),
         ("tanh", "gaussian", 1.0), ("tanh", "orthogonal", 1.0)]


@pytest.mark.slow
@pytest.mark.parametrize("activation,weights,q", CASES)
@pytest.mark.parametrize("depth", [2, 32])
def test_density_integrates_to_moments(activation, weights, q, depth):
    # total mass 1 (density + atoms) and mean m1 from the CDF, to the ~1e-4 of the trapezoidal rule
    kw = kwargs(activation, weights, depth, q)
    cum, grid, atoms, alpha = freeprob._cdf_grid(depth, kw["sigma_w2"], kw["sigma_b2"],
                                                get_activation(activation), weights, 2000)
    assert cum[0] >= 0 and np.all(np.diff(cum) >= 0)
    rho = freeprob.jacobian_spectrum_density(grid, **kw)
    total = np.trapezoid(rho, grid) + sum(m for _, m in atoms)
    assert total < 1 + 1e-4  # no more than the unit mass
    if depth == 2:
        # plus the power-law mass below the grid, lambda_0 rho(lambda_0) / (1 - alpha): the unit mass
        # (at depth 32, alpha -> 1 makes that extrapolation ill-conditioned)
        assert total + grid[0] * rho[0] / (1 - alpha) == pytest.approx(1.0, abs=1e-3)
    mean = np.trapezoid(rho * grid, grid) + sum(loc * m for loc, m in atoms)
    m1, var = freeprob.jacobian_spectrum_moments(**kw)
    assert mean == pytest.approx(m1, rel=1e-3)
    central = np.trapezoid(rho * (grid - mean) ** 2, grid) + sum((loc - mean) ** 2 * m for loc, m in atoms)
    central += (1 - total) * mean**2  # the mass below 1e-12 of the edge sits at lambda ~ 0
    assert central == pytest.approx(var, rel=3e-3)
    assert cum[0] < 0.9  # the density is not lost below the grid


def test_tanh_one_layer_orthogonal_closed_form():
    # JJ^T = sigma_w^2 D^2: P(lambda <= x) = P(|Z| >= arccosh((sw2/x)^{1/4}) / sqrt(q*))
    q = 0.5
    kw = kwargs("tanh", "orthogonal", 1, q)
    x = kw["sigma_w2"] * np.array([0.2, 0.5, 0.9])
    z = np.arccosh((kw["sigma_w2"] / x) ** 0.25) / math.sqrt(q)
    expected = 1 - erf(z / math.sqrt(2))
    np.testing.assert_allclose(freeprob.jacobian_spectrum_cdf(x, **kw), expected, atol=1e-4)


def test_critical_point_on_the_critical_line():
    # (hard-tanh at q* = 1/64 is linear but for a 1e-15 fraction of units: its q-map is flat there and
    # the fixed point ill-determined, so it is checked at q* = 0.25 and 1 only)
    for act, qs in [("tanh", [1 / 64, 0.25, 1.0]), ("hard_tanh", [0.25, 1.0])]:
        for q in qs:
            sw2, sb2 = freeprob.critical_point(q, activation=act)
            assert mf.chi1(sigma_w2=sw2, sigma_b2=sb2, activation=act) == pytest.approx(1.0, rel=1e-10)
            assert mf.q_star(sigma_w2=sw2, sigma_b2=sb2, activation=act) == pytest.approx(q, rel=1e-8)


def test_small_q_star_tanh_orthogonal_concentrates():
    # Sec. 4 of the chapter: on the critical line the orthogonal tanh variance -> 0 as q* -> 0 at fixed
    # depth, while orthogonal ReLU stays at L (p = 1/2 whatever sigma_b2)
    var = [freeprob.jacobian_spectrum_moments(**kwargs("tanh", "orthogonal", 128, q))[1] for q in (1.0, 0.1, 1e-3)]
    assert var[0] > var[1] > var[2] and var[2] < 0.01
    assert freeprob.jacobian_spectrum_moments(**kwargs("relu", "orthogonal", 128))[1] == pytest.approx(128.0)


# --- theory against simulation ----------------------------------------------------------------------

@pytest.mark.parametrize("activation,weights,q", CASES)
def test_ks_distance_simulation(activation, weights, q):
    width = 400
    kw = kwargs(activation, weights, 1, q)
    del kw["depth"]
    depths = [2, 16]
    svs = spectra.jacobian_singular_values_by_depth(width=width, depths=depths, rng=2024, **kw)
    for depth, s in zip(depths, svs):
        d = freeprob.spectrum_ks_distance(s**2, depth=depth, **kw)
        assert d < stats.dkw_bound(width, 1e-4), (depth, d)


def test_ks_distance_detects_the_wrong_law():
    # the same test statistic with the wrong weight law is far above the bound
    kw = kwargs("tanh", "gaussian", 16, 1 / 64)
    s = spectra.jacobian_singular_values(width=400, rng=1, **kw)
    assert freeprob.spectrum_ks_distance(s**2, **kwargs("tanh", "orthogonal", 16, 1 / 64)) > 2 * stats.dkw_bound(400, 1e-4)


@pytest.mark.slow
def test_ks_distance_paper_scale():
    # width 1000, depth 128 (the scale of the paper's spectra figures), linear Gaussian
    s = spectra.jacobian_singular_values(width=1000, depth=128, sigma_w2=1.0, sigma_b2=0.0, activation="linear",
                                         rng=7)
    assert freeprob.spectrum_ks_distance(s**2, **kwargs("linear", "gaussian", 128)) < stats.dkw_bound(1000, 1e-4)


@pytest.mark.parametrize("activation,weights,q", [("relu", "gaussian", None), ("relu", "orthogonal", None),
                                                  ("hard_tanh", "gaussian", 0.25),
                                                  ("hard_tanh", "orthogonal", 0.25),
                                                  ("tanh", "orthogonal", 1 / 64)])
def test_moments_simulation(activation, weights, q):
    width, n_nets, depth = 200, 12, 6
    kw = kwargs(activation, weights, depth, q)
    del kw["depth"]
    gen = np.random.default_rng(99)
    means, variances = [], []
    for _ in range(n_nets):
        lam = spectra.jacobian_singular_values(width=width, depth=depth, rng=gen, **kw) ** 2
        means.append(lam.mean())
        variances.append(lam.var())
    m1, var = freeprob.jacobian_spectrum_moments(depth=depth, **kw)
    bias = 3 * depth / width
    for sample, theory in [(means, m1), (variances, var)]:
        se = np.std(sample, ddof=1) / math.sqrt(n_nets)
        assert abs(np.mean(sample) - theory) < 5 * se + bias * theory, (np.mean(sample), theory, se)


@pytest.mark.parametrize("activation,weights,q", [("linear", "gaussian", None), ("relu", "gaussian", None),
                                                  ("relu", "orthogonal", None), ("tanh", "orthogonal", 1.0)])
def test_largest_singular_value(activation, weights, q):
    width, depth = 400, 4
    kw = kwargs(activation, weights, depth, q)
    del kw["depth"]
    top = spectra.jacobian_singular_values(width=width, depth=depth, rng=3, **kw)[0] ** 2
    edge = freeprob.jacobian_spectrum_edge(depth=depth, **kw)
    q10, q1 = freeprob.jacobian_spectrum_quantile([1 - 10 / width, 1 - 1 / width], depth=depth, **kw)
    assert q10 < top < edge + 5 * (edge - q1), (q10, top, edge)


def test_largest_singular_value_at_an_atom():
    kw = kwargs("hard_tanh", "orthogonal", 2, 0.25)
    del kw["depth"]
    top = spectra.jacobian_singular_values(width=300, depth=2, rng=4, **kw)[0] ** 2
    assert top == pytest.approx(kw["sigma_w2"] ** 2, rel=1e-10)


# --- bad input --------------------------------------------------------------------------------------

def test_bad_input():
    base = dict(depth=4, sigma_w2=1.0, sigma_b2=0.0, activation="tanh")
    with pytest.raises(ValueError, match="weights.*gaussian.*orthogonal"):
        freeprob.jacobian_spectrum_moments(**base, weights="uniform")
    with pytest.raises(ValueError, match="depth"):
        freeprob.jacobian_spectrum_edge(**{**base, "depth": 0})
    with pytest.raises(TypeError, match="depth"):
        freeprob.jacobian_spectrum_edge(**{**base, "depth": 2.0})
    with pytest.raises(ValueError, match="supported combinations"):
        freeprob.jacobian_spectrum_density([1.0], **{**base, "activation": "erf"})
    with pytest.raises(ValueError, match="lam"):
        freeprob.jacobian_spectrum_density([0.0, 1.0], **base)
    with pytest.raises(ValueError, match="sigma_w2"):
        freeprob.jacobian_spectrum_moments(**{**base, "sigma_w2": -1.0})
    with pytest.raises(ValueError, match="weights"):
        spectra.jacobian_singular_values(width=10, depth=2, sigma_w2=1.0, sigma_b2=0.0, activation="tanh",
                                         weights="sparse")
    with pytest.raises(ValueError, match="depths"):
        spectra.jacobian_singular_values_by_depth(width=10, depths=[], sigma_w2=1.0, sigma_b2=0.0,
                                                  activation="tanh")
    with pytest.raises(ValueError, match="depths"):
        spectra.jacobian_singular_values_by_depth(width=10, depths=[0, 2], sigma_w2=1.0, sigma_b2=0.0,
                                                  activation="tanh")
    with pytest.raises(ValueError, match="q_star"):
        freeprob.critical_point(-1.0, activation="tanh")
    with pytest.raises(ValueError, match="active fraction"):
        freeprob.active_fraction(sigma_w2=1.0, sigma_b2=0.0, activation="tanh")
    with pytest.raises(ValueError, match="prob"):
        freeprob.jacobian_spectrum_quantile([1.5], **base)


def test_shared_draws_equal_separate_networks():
    # each setting of the shared run is the network jacobian_singular_values_by_depth draws with that rng
    settings = [(2.0, 0.0, "relu"), (*freeprob.critical_point(0.1, activation="tanh"), "tanh")]
    shared = spectra.jacobian_singular_values_shared(width=40, depths=[[2, 5], [5]], settings=settings,
                                                     weights="orthogonal", rng=8)
    for (sw2, sb2, act), got, depths in zip(settings, shared, [[2, 5], [5]]):
        alone = spectra.jacobian_singular_values_by_depth(width=40, depths=depths, sigma_w2=sw2, sigma_b2=sb2,
                                                          activation=act, weights="orthogonal", rng=8)
        for a, b in zip(got, alone):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match="depths"):
        spectra.jacobian_singular_values_shared(width=4, depths=[[2]], settings=settings)
    with pytest.raises(ValueError, match="settings"):
        spectra.jacobian_singular_values_shared(width=4, depths=[2], settings=[(1.0, "relu")])


def test_off_critical_scale_out_of_range():
    # chi_1^L outside double precision is refused with a clear message rather than inf/0/NaN
    kw = dict(depth=1000, sigma_w2=1.5, sigma_b2=0.0, activation="linear")
    for fn in (freeprob.jacobian_spectrum_moments, freeprob.jacobian_spectrum_edge):
        with pytest.raises(ValueError, match="double precision"):
            fn(**kw)
    with pytest.raises(ValueError, match="double precision"):
        freeprob.jacobian_spectrum_density([1.0], **{**kw, "activation": "relu", "sigma_w2": 3.0})


# ---------------------------------------------------------------------------
# Long products: every singular value to relative accuracy (ProductQR)
# ---------------------------------------------------------------------------


def _mp_log_singular_values(factors, dps=90):
    """Reference: the product multiplied out and its SVD in mpmath at `dps` digits."""
    mpmath = pytest.importorskip("mpmath")
    with mpmath.workdps(dps):
        P = mpmath.eye(factors[0].shape[0])
        for M in factors:
            P = mpmath.matrix(M.tolist()) * P
        sv = mpmath.svd_r(P, compute_uv=False)
        return np.sort([float(mpmath.log(s)) for s in sv])[::-1]


def test_product_log_singular_values_match_high_precision_across_40_decades():
    # 60 factors I + 1.2 G/sqrt(n): singular values of the product span ~1e41, far past 1/eps = 4.5e15.
    # The explicit float64 product loses everything below 1e-16 sigma_max; ProductQR + Jacobi SVD keeps
    # each log sigma_i to ~1e-12 absolute (relative accuracy of sigma_i), against 90-digit mpmath.
    gen = np.random.default_rng(1)
    n = 12
    factors = [np.eye(n) + 1.2 * gen.standard_normal((n, n)) / math.sqrt(n) for _ in range(60)]
    ref = _mp_log_singular_values(factors)
    assert (ref[0] - ref[-1]) / math.log(10) > 35
    got = spectra.log_singular_values_of_product(factors)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-10)
    P = np.linalg.multi_dot(factors[::-1])
    naive = np.log(np.linalg.svd(P, compute_uv=False))
    assert np.abs(naive - ref).max() > 1.0   # the explicit product is wrong in the tail: what this fixes


def test_product_log_singular_values_past_the_float_range():
    # Factors diag(exp(-a_i)) (I + G/2 sqrt(n)) with a_i from 0 to 12: after 80 factors the singular values of
    # the product spread over ~400 decades, past what a float64 holds (1e-308), so the blocks of the final
    # Jacobi SVD (150 decades each, with 40-decade neighbours) are exercised.  Against mpmath at 1200 digits,
    # each log sigma_i to 1e-9 absolute (relative accuracy of every singular value).
    mpmath = pytest.importorskip("mpmath")
    gen = np.random.default_rng(4)
    n = 10
    rates = np.linspace(0.0, 12.0, n)
    factors = [np.exp(-rates)[:, None] * (np.eye(n) + gen.standard_normal((n, n)) / (2 * math.sqrt(n)))
               for _ in range(80)]
    with mpmath.workdps(1200):
        P = mpmath.eye(n)
        for M in factors:
            P = mpmath.matrix(M.tolist()) * P
        ref = np.sort([float(mpmath.log(v)) for v in mpmath.svd_r(P, compute_uv=False)])[::-1]
    assert (ref[0] - ref[-1]) / math.log(10) > 350
    np.testing.assert_allclose(spectra.log_singular_values_of_product(factors), ref, rtol=0, atol=1e-9)


def test_product_qr_no_overflow_and_validation():
    # 2000 factors 10 I: log sigma = 2000 log 10 exactly (10^2000 overflows float64)
    acc = spectra.ProductQR(3)
    for _ in range(2000):
        acc.push(10.0 * np.eye(3))
    np.testing.assert_allclose(acc.log_singular_values(), 2000 * math.log(10), rtol=1e-12)
    with pytest.raises(ValueError, match="M: expected shape"):
        acc.push(np.eye(4))
    with pytest.raises(ValueError, match="factors"):
        spectra.log_singular_values_of_product([])
    assert np.all(np.isneginf(spectra.ProductQR(2).push(np.zeros((2, 2))).log_singular_values()))
    with pytest.raises(TypeError, match="n"):
        spectra.ProductQR(2.5)


def test_deep_chaotic_singular_values_past_the_explicit_range():
    # tanh at sigma_w2 = 4, depth 4000: max|J| leaves [1e-150, 1e150] (the explicit SVD used to fail to converge);
    # there the values come from a ProductQR and agree with log=True
    kw = dict(width=40, depths=[4000], sigma_w2=4.0, sigma_b2=0.05, activation="tanh", rng=1)
    sv = spectra.jacobian_singular_values_by_depth(**kw)[0]
    logs = spectra.jacobian_singular_values_by_depth(**kw, log=True)[0]
    assert np.all(np.isfinite(sv)) and sv[0] > 1e150
    fits = logs > np.log(np.finfo(float).tiny)  # below 1e-308 a value underflows to 0 (documented)
    assert np.all(sv[~fits] < 1e-300)
    np.testing.assert_allclose(np.log(sv[fits]), logs[fits], rtol=1e-10)
    with pytest.raises(ValueError, match="log=True"):
        spectra.jacobian_singular_values(width=20, depth=2500, sigma_w2=30.0, sigma_b2=0.05, activation="tanh", rng=3)


def test_theory_controls_and_overflow_are_refused_by_name():
    kw = dict(depth=2, sigma_w2=2.0, sigma_b2=0.0, activation="relu")
    for bad, name in [(dict(ratio=0.0), "ratio"), (dict(ratio=1.0), "ratio"), (dict(ratio=0.99999), "ratio"),
                      (dict(newton=0), "newton"), (dict(newton=10**6), "newton"), (dict(tol=-1.0), "tol"),
                      (dict(n_nodes=10**9), "n_nodes")]:
        with pytest.raises(ValueError, match=name):
            freeprob.jacobian_spectrum_density([0.5], **kw, **bad)
    with pytest.raises(ValueError, match="n_grid"):
        freeprob.jacobian_spectrum_cdf([0.5], **kw, n_grid=10**8)
    with pytest.raises(ValueError, match="lam"):
        freeprob.spectrum_ks_distance([-1.0, 0.5], **kw)
    with pytest.raises(ValueError, match="double precision"):
        freeprob.jacobian_spectrum_atoms(depth=50, sigma_w2=1e8, sigma_b2=0.0, activation="linear", weights="orthogonal")
    # tanh at q* = 1e20: E[phi'^2] ~ 5e-11 is resolved (it was 0 and ended in ZeroDivisionError)
    sw2, sb2 = freeprob.critical_point(1e20, activation="tanh")
    assert sw2 == pytest.approx(3 / 4 * np.sqrt(2 * np.pi * 1e20), rel=1e-9) and 0 < sb2 <= 1e20
    # moments where D^2 is a point mass: the variance is 0, not -1e-17
    assert freeprob.jacobian_spectrum_moments(depth=1, sigma_w2=0.5, sigma_b2=0.0, activation="tanh",
                                             weights="orthogonal")[1] >= 0


def test_product_qr_factors_near_the_float_limit():
    # after a rotation, M Q overflows (1.5e308 * sqrt(2)) although M is finite: the scale is factored out
    rot = np.array([[1.0, -1.0], [1.0, 1.0]]) / np.sqrt(2)
    acc = spectra.ProductQR(2).push(rot).push(1.5e308 * np.array([[1.0, 1.0], [1.0, -1.0]]))
    np.testing.assert_allclose(acc.log_singular_values(), np.log(1.5e308) + 0.5 * np.log(2), rtol=1e-14)
    acc = spectra.ProductQR(2).push(np.diag([1e300, 1e-300])).push(np.diag([1e300, 1.0]))
    np.testing.assert_allclose(acc.log_singular_values(), [600 * np.log(10), -300 * np.log(10)], rtol=1e-12)
    with pytest.raises(ValueError, match=r"factors\[1\]"):
        spectra.log_singular_values_of_product([np.eye(2), np.eye(3)])
