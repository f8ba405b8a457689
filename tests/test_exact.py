"""The exact signal distribution of chapter 3 (initdyn.exact) against closed forms and real networks.

Tolerances.
* Closed forms (moments, point mass, one-layer CDF, log-moments) are checked to the precision of the
  numerical inversion: ~1e-12 without biases (Fourier series, tails below 1e-18), ~1e-8 with biases
  (trapezoidal rule on a grid; see the docstring of ``squared_norm_ratio``).
* Monte Carlo with the library's networks: the Kolmogorov-Smirnov distance between the exact CDF and
  the empirical CDF of n independent networks is bounded by the Dvoretzky-Kiefer-Wolfowitz-Massart
  inequality, P(sup|F_n - F| > eps) <= 2 exp(-2 n eps^2); we use eps for a false-alarm probability of
  1e-4 (conservative also when F has an atom).  Fractions of dead networks are compared with the closed
  form within 5 binomial standard errors (false alarm < 1e-6).
"""

import math

import numpy as np
import pytest
from scipy import integrate, special

from initdyn import exact, init, spectra, stats
from initdyn import meanfield as mf
from initdyn.network import forward, random_network


def ks_distance(dist, samples):
    """sup_x |F_n(x) - F(x)| with the atom at 0 as a jump of F (left limit F(0-) = 0)."""
    return stats.ks_distance(samples, dist.cdf, cdf_left=lambda u: dist.cdf(u) - np.where(u == 0, dist.p_zero, 0.0))


def integrate_log(dist, fun=lambda t: 1.0, n=40001):
    """Integral of fun(t) * pdf_log(t) over the window (trapezoid on a fine grid: spectrally accurate)."""
    t = np.linspace(dist.t_lo, dist.t_hi, n)
    return np.trapezoid(dist.pdf_log(t) * fun(t), t)


ZERO_BIAS = [(1, 1, 2.0), (3, 4, 2.0), (10, 10, 1.5), (50, 50, 2.0), (1000, 100, 2.0), (1000, 1, 3.0)]


# --- closed forms (chapter 3, section "The exact recursion") ------------------------------------

@pytest.mark.parametrize("width,depth,sw2", ZERO_BIAS)
def test_moments_closed_form_zero_bias(width, depth, sw2):
    # E[G] = N/2, E[G^2] = N^2/4 + 5N/4 (G = chi^2_K, K ~ Bin(N, 1/2)); the library gets them from
    # the Mellin transform, sum_k p_k 2^n Gamma(k/2+n)/Gamma(k/2): two independent derivations.
    d = exact.squared_norm_ratio(width=width, depth=depth, sigma_w2=sw2)
    mean = (sw2 / 2) ** depth
    var = mean**2 * ((1 + 5 / width) ** depth - 1)
    # log-gamma of arguments ~N/2 carries ~1e-13 relative rounding per layer, compounded over L layers
    assert d.mean() == pytest.approx(mean, rel=1e-10)
    assert d.var() == pytest.approx(var, rel=1e-8)


@pytest.mark.parametrize("width,depth,sw2", ZERO_BIAS)
def test_total_probability_and_point_mass_zero_bias(width, depth, sw2):
    d = exact.squared_norm_ratio(width=width, depth=depth, sigma_w2=sw2)
    # some layer with no active unit: 1 - (1 - 2^-N)^L, written with expm1/log1p so that it does not
    # round to 0 for N = 1000; for small N also the direct form
    p_zero = -math.expm1(depth * math.log1p(-(2.0**-width)))
    assert d.p_zero == pytest.approx(p_zero, rel=1e-13)
    if width <= 10:
        assert d.p_zero == pytest.approx(1 - (1 - 2.0**-width) ** depth, rel=1e-12)
    assert integrate_log(d) + d.p_zero == pytest.approx(1.0, abs=1e-12)
    assert d.cdf(0.0) == pytest.approx(p_zero, rel=1e-12)
    assert d.cdf(-1.0) == 0.0
    assert d.cdf(np.exp(d.t_hi)) == pytest.approx(1.0, abs=1e-12)


def test_death_probability_vectorised():
    depths = np.arange(1, 30)
    p = exact.death_probability(width=4, depth=depths)
    np.testing.assert_allclose(p, 1 - (15 / 16) ** depths, rtol=1e-13)
    for L in (1, 7, 29):
        assert p[L - 1] == pytest.approx(exact.squared_norm_ratio(width=4, depth=L, sigma_w2=2.0).p_zero, rel=1e-14)
    assert exact.death_probability(width=4, depth=9, sigma_b2=0.1) == 1 / 16
    with pytest.raises(TypeError, match="depth"):
        exact.death_probability(width=4, depth=2.0)
    with pytest.raises(ValueError, match="depth"):
        exact.death_probability(width=4, depth=np.array([1, 0]))
    with pytest.raises(ValueError, match="width"):
        exact.death_probability(width=0, depth=1)
    with pytest.raises(ValueError, match="sigma_b2"):
        exact.death_probability(width=3, depth=1, sigma_b2=-1.0)


@pytest.mark.parametrize("width,depth,sw2", ZERO_BIAS)
def test_log_moments_closed_form(width, depth, sw2):
    # Given survival, log R = L log(sw2/N) + sum of L i.i.d. log chi^2_K with
    # E[log chi^2_k] = psi(k/2) + log 2 and Var = psi'(k/2) (mixture over k): check the density's
    # numerical moments on the log scale, which probe the whole Fourier inversion.
    d = exact.squared_norm_ratio(width=width, depth=depth, sigma_w2=sw2)
    k, w = exact.active_units_pmf(width)
    w = w / w.sum()
    m1 = np.sum(w * (special.digamma(k / 2) + math.log(2)))
    m2 = np.sum(w * (special.polygamma(1, k / 2) + (special.digamma(k / 2) + math.log(2)) ** 2))
    mean_log = depth * (math.log(sw2 / width) + m1)
    var_log = depth * (m2 - m1**2)
    surv = 1 - d.p_zero
    got_mean = integrate_log(d, lambda t: t) / surv
    got_var = integrate_log(d, lambda t: (t - mean_log) ** 2) / surv
    assert got_mean == pytest.approx(mean_log, abs=1e-10 * max(1, abs(mean_log)))
    assert got_var == pytest.approx(var_log, rel=1e-9)


@pytest.mark.parametrize("width,depth", [(10, 10), (50, 50), (1000, 100), (1000, 1)])
def test_mean_by_integration(width, depth):
    # E[R] integrated from the density; only where the window (tail mass 1e-18) carries the mean: for
    # heavy tails a visible share of E[R] sits in events rarer than 1e-18 (chapter 3, section 1).
    d = exact.squared_norm_ratio(width=width, depth=depth, sigma_w2=2.0)
    assert integrate_log(d, np.exp) == pytest.approx(d.mean(), rel=1e-6)


@pytest.mark.parametrize("width,sw2", [(1, 2.0), (4, 1.0), (30, 2.0)])
def test_one_layer_cdf_closed_form(width, sw2):
    # L = 1: R = (sw2/N) chi^2_K, so P(R <= r) = 2^-N + sum_k p_k P(chi^2_k <= rN/sw2).
    d = exact.squared_norm_ratio(width=width, depth=1, sigma_w2=sw2)
    k, w = exact.active_units_pmf(width)
    r = np.geomspace(1e-3, 5, 50)
    closed = 2.0**-width + np.sum(w * special.gammainc(k / 2, r[:, None] * width / (2 * sw2)), axis=1)
    np.testing.assert_allclose(d.cdf(r), closed, atol=1e-12)


def test_cdf_is_integral_of_pdf_and_ppf_inverts():
    d = exact.squared_norm_ratio(width=8, depth=12, sigma_w2=2.0)
    cum = integrate.quad(d.pdf_log, d.t_lo, -1.0, limit=400, epsabs=1e-14, epsrel=1e-13)[0]
    assert d.cdf(math.exp(-1.0)) - d.p_zero == pytest.approx(cum, abs=1e-11)
    p = np.array([0.1, 0.5, 0.9, 0.999])
    np.testing.assert_allclose(d.cdf(d.ppf(p)), p, atol=1e-12)
    assert d.median() == pytest.approx(float(d.ppf(0.5)))
    assert d.ppf(d.p_zero / 2) == 0.0
    # pdf on the ratio scale is the log-scale density over r
    assert d.pdf(0.3) == pytest.approx(d.pdf_log(math.log(0.3)) / 0.3)


def test_median_decays_while_mean_stays():
    # He initialisation: E[R] = 1 at every depth while the median falls (chapter 3, figure 1)
    meds = [exact.squared_norm_ratio(width=20, depth=L, sigma_w2=2.0).median() for L in (1, 10, 50)]
    assert meds[0] > meds[1] > meds[2]
    assert meds[2] < 0.1


# --- with biases ----------------------------------------------------------------------------------

BIASED = [(2, 3, 2.0, 0.1, 1.0), (10, 8, 2.0, 0.1, 0.5), (50, 20, 1.5, 0.3, 2.0), (1000, 100, 2.0, 0.05, 1.0),
          (5, 1, 2.0, 0.2, 1.0)]


@pytest.mark.parametrize("width,depth,sw2,sb2,q0", BIASED)
def test_biased_mean_is_mean_field(width, depth, sw2, sb2, q0):
    # E[v_{l+1}] = sb2 + (sw2/N) E[G] E[v_l] = sw2 E[v_l]/2 + sb2: the mean-field ReLU q-map holds exactly
    # for the mean, starting from q^1 = sw2 q0 + sb2; E[R] = (N/2) E[v_L] / (N q0).
    d = exact.squared_norm_ratio(width=width, depth=depth, sigma_w2=sw2, sigma_b2=sb2, q0=q0)
    q = sw2 * q0 + sb2
    for _ in range(depth - 1):
        q = float(mf.q_map(q, sigma_w2=sw2, sigma_b2=sb2, activation="relu"))
    # rel 1e-9: log-gamma rounding (~1e-13 per layer) compounded over up to 100 layers
    assert d.mean() == pytest.approx(q / (2 * q0), rel=1e-9)
    assert integrate_log(d, np.exp, n=6001) == pytest.approx(d.mean(), rel=1e-6)


@pytest.mark.parametrize("width,depth,sw2,sb2,q0", BIASED)
def test_biased_total_probability_and_point_mass(width, depth, sw2, sb2, q0):
    # with biases the signal at the output is zero only if the last layer has no active unit
    d = exact.squared_norm_ratio(width=width, depth=depth, sigma_w2=sw2, sigma_b2=sb2, q0=q0)
    assert d.p_zero == 2.0**-width
    assert integrate_log(d, n=6001) + d.p_zero == pytest.approx(1.0, abs=1e-8)
    t = np.linspace(d.t_lo, d.t_hi, 7)[1:-1]
    np.testing.assert_allclose(d.cdf_log(t)[1:] - d.cdf_log(t)[:-1],
                               [integrate_log_between(d, a, b) for a, b in zip(t[:-1], t[1:])], atol=1e-8)


def integrate_log_between(d, a, b):
    return integrate.quad(lambda t: d.pdf_log(t), a, b, limit=200, epsabs=1e-13, epsrel=1e-11)[0]


def test_biased_second_moment_closed_form():
    # E[v_{l+1}^2] = sb2^2 + 2 sb2 a E[G] E[v_l] + a^2 E[G^2] E[v_l^2], a = sw2/N (chapter 3, section 1)
    N, L, sw2, sb2, q0 = 6, 5, 2.0, 0.3, 1.5
    d = exact.squared_norm_ratio(width=N, depth=L, sigma_w2=sw2, sigma_b2=sb2, q0=q0)
    a, g1, g2 = sw2 / N, N / 2, N**2 / 4 + 5 * N / 4
    m1, m2 = sw2 * q0 + sb2, (sw2 * q0 + sb2) ** 2
    for _ in range(L - 1):
        m1, m2 = sb2 + a * g1 * m1, sb2**2 + 2 * sb2 * a * g1 * m1 + a**2 * g2 * m2
    assert d.var() == pytest.approx((m2 * g2 - (m1 * g1) ** 2) / (N * q0) ** 2, rel=1e-10)


def test_biased_grid_too_large_is_reported():
    with pytest.raises(NotImplementedError, match="width"):
        exact.squared_norm_ratio(width=100000, depth=5, sigma_w2=2.0, sigma_b2=1e-6)


def test_biased_one_layer_closed_form():
    N, sw2, sb2, q0 = 7, 1.5, 0.4, 0.8
    d = exact.squared_norm_ratio(width=N, depth=1, sigma_w2=sw2, sigma_b2=sb2, q0=q0)
    k, w = exact.active_units_pmf(N)
    r = np.geomspace(1e-2, 4, 30)
    v1 = sw2 * q0 + sb2
    closed = 2.0**-N + np.sum(w * special.gammainc(k / 2, r[:, None] * N * q0 / (2 * v1)), axis=1)
    np.testing.assert_allclose(d.cdf(r), closed, atol=1e-8)


# --- against real networks of initdyn.network ------------------------------------------------------

# the three settings of figure 2 of the chapter, plus a small one with many deaths and one with q0 != 1
@pytest.mark.parametrize("width,depth,sb2,q0,n", [(10, 10, 0.0, 1.0, 1500), (30, 30, 0.0, 1.0, 1500),
                                                  (10, 10, 0.1, 1.0, 1500), (6, 6, 0.0, 1.0, 1500),
                                                  (10, 8, 0.1, 0.5, 1500)])
def test_cdf_against_networks(width, depth, sb2, q0, n):
    d = exact.squared_norm_ratio(width=width, depth=depth, sigma_w2=2.0, sigma_b2=sb2, q0=q0)
    r = exact.simulate_squared_norm_ratio(width=width, depth=depth, sigma_w2=2.0, sigma_b2=sb2, q0=q0,
                                          n_samples=n, rng=12345 + width)
    assert ks_distance(d, r) < stats.dkw_bound(n, 1e-4)


def test_point_mass_against_networks():
    N, L, n = 3, 6, 3000
    d = exact.squared_norm_ratio(width=N, depth=L, sigma_w2=2.0)
    r = exact.simulate_squared_norm_ratio(width=N, depth=L, sigma_w2=2.0, n_samples=n, rng=7)
    frac = np.mean(r == 0)
    assert abs(frac - d.p_zero) < 5 * math.sqrt(d.p_zero * (1 - d.p_zero) / n)


def test_rvs_matches_cdf():
    for d in (exact.squared_norm_ratio(width=5, depth=7, sigma_w2=2.0),
              exact.squared_norm_ratio(width=5, depth=7, sigma_w2=2.0, sigma_b2=0.2),
              exact.shared_squared_norm_ratio(width=8, depth=5)):
        r = d.rvs(4000, rng=3)
        assert r.shape == (4000,)
        assert ks_distance(d, r) < stats.dkw_bound(4000, 1e-4)
    assert exact.squared_norm_ratio(width=5, depth=2, sigma_w2=2.0).rvs((3, 2), rng=1).shape == (3, 2)


def test_simulation_is_the_library_network():
    # the Monte Carlo uses random_network + forward with the generator in the same order
    gen_a, gen_b = np.random.default_rng(5), np.random.default_rng(5)
    r = exact.simulate_squared_norm_ratio(width=6, depth=4, sigma_w2=2.0, sigma_b2=0.1, q0=2.0, n_samples=1,
                                          rng=gen_a)
    net = random_network(width=6, depth=4, sigma_w2=2.0, sigma_b2=0.1, rng=gen_b)
    x = gen_b.standard_normal(6)
    x *= math.sqrt(2.0 * 6) / np.linalg.norm(x)
    h = forward(net, x, activation="relu")
    assert r[0] == pytest.approx(np.sum(np.maximum(h[-1], 0) ** 2) / np.sum(x * x), rel=1e-14)


# --- parameter sharing ---------------------------------------------------------------------------

def test_shared_distribution_closed_forms_and_networks():
    N, L, n = 12, 8, 1500
    d = exact.shared_squared_norm_ratio(width=N, depth=L)
    # each layer multiplies by chi^2_{N/2}/(N/2): E = 1, E[.^2] = 1 + 2/(N/2) = 1 + 4/N, no atom
    assert d.p_zero == 0.0
    assert d.mean() == pytest.approx(1.0, rel=1e-12)
    assert d.var() == pytest.approx((1 + 4 / N) ** L - 1, rel=1e-10)
    assert integrate_log(d) == pytest.approx(1.0, abs=1e-12)
    r = exact.simulate_squared_norm_ratio(width=N, depth=L, sigma_w2=2.0, n_samples=n, rng=99,
                                          initializer=init.gaussian_submatrix)
    assert ks_distance(d, r) < stats.dkw_bound(n, 1e-4)


@pytest.mark.parametrize("width,depth", [(20, 50), (128, 32), (1000, 100)])
def test_shared_log_moments(width, depth):
    # log R = sum of L i.i.d. log(chi^2_{N/2}/(N/2)): mean L (psi(N/4) + log(4/N)) ~ -2L/N, variance
    # L psi'(N/4) ~ 4L/N (figure 6 of the chapter)
    d = exact.shared_squared_norm_ratio(width=width, depth=depth)
    mean = depth * (special.digamma(width / 4) + math.log(4 / width))
    var = depth * special.polygamma(1, width / 4)
    assert integrate_log(d, lambda t: t) == pytest.approx(mean, abs=1e-10)
    assert integrate_log(d, lambda t: (t - mean) ** 2) == pytest.approx(var, rel=1e-9)
    assert abs(mean + 2 * depth / width) < 10 * depth / width**2


def test_jacobian_is_the_derivative():
    rng = np.random.default_rng(0)
    net = random_network(width=16, depth=5, sigma_w2=2.0, sigma_b2=0.1, rng=rng)
    x, v = rng.standard_normal(16), rng.standard_normal(16)
    J = spectra.input_output_jacobian(net, x, activation="relu")
    eps = 1e-7  # the network is piecewise linear: no kink within eps for a generic x (checked below)
    hp = forward(net, x + eps * v, activation="relu")[-1]
    h0 = forward(net, x, activation="relu")[-1]
    assert np.all(np.sign(hp) == np.sign(h0))
    np.testing.assert_allclose(J @ v, (np.maximum(hp, 0) - np.maximum(h0, 0)) / eps, atol=1e-6)
    sv = spectra.jacobian_singular_values_of(net, x, activation="relu")
    # zero singular values: LAPACK returns rounding noise of size eps * sv[0], the product method ~0
    np.testing.assert_allclose(sv, np.linalg.svd(J, compute_uv=False), rtol=1e-10, atol=1e-13 * sv[0])


@pytest.mark.parametrize("weights", ["gaussian", "orthogonal"])
def test_he_jacobian_rank_is_at_most_fewest_active_units(weights):
    # J = D^L W^L ... D^1 W^1 has rank <= min_l K_l (chapter 3, section 4), orthogonal W or not
    rng = np.random.default_rng(1)
    N, L = 32, 12
    net = random_network(width=N, depth=L, sigma_w2=2.0, sigma_b2=0.0, weights=weights, rng=rng)
    x = rng.standard_normal(N)
    h = forward(net, x, activation="relu")
    kmin = int(np.min(np.sum(h[1:] > 0, axis=1)))
    sv = np.linalg.svd(spectra.input_output_jacobian(net, x, activation="relu"), compute_uv=False)
    assert np.sum(sv > 1e-10 * sv[0]) <= kmin < N


@pytest.mark.parametrize("width,depth", [(1000, 100), (2000, 50), (500, 10)])
def test_log_mean_asymptotics(width, depth):
    # E[log R] = -5L/(2N) + O(L/N^2) at sigma_w2 = 2 (chapter 3, "The exact recursion": psi(x) ~ log x - 1/(2x)
    # and E[log K] ~ log(N/2) - 1/(2N)); the O(L/N^2) remainder is below 10 L/N^2 here
    # and Var[log R] = 5L/N + O(L/N^2) (the premise of figure 4: the map depends on L/N)
    d = exact.squared_norm_ratio(width=width, depth=depth, sigma_w2=2.0)
    got = integrate_log(d, lambda t: t)
    assert abs(got - (-2.5 * depth / width)) < 10 * depth / width**2
    var = integrate_log(d, lambda t: (t - got) ** 2)
    assert abs(var - 5 * depth / width) < 20 * depth / width**2


@pytest.mark.parametrize("width,depth,sb2", [(10, 10, 0.0), (100, 10, 0.0), (10, 10, 0.1)])
def test_prob_outside_against_sampling(width, depth, sb2):
    # the map of figure 4: P(R < 1/2) + P(R > 2) against the exact sampler, 5 binomial standard errors
    d = exact.squared_norm_ratio(width=width, depth=depth, sigma_w2=2.0, sigma_b2=sb2)
    p = d.prob_outside(0.5, 2.0)
    r = d.rvs(20000, rng=11)
    frac = np.mean((r < 0.5) | (r > 2.0))
    assert abs(frac - p) < 5 * math.sqrt(p * (1 - p) / r.size)


# --- bad input -------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs,exc,name", [
    (dict(width=0), ValueError, "width"),
    (dict(width=2.5), TypeError, "width"),
    (dict(depth=0), ValueError, "depth"),
    (dict(depth=True), TypeError, "depth"),
    (dict(sigma_w2=0.0), ValueError, "sigma_w2"),
    (dict(sigma_w2=-1.0), ValueError, "sigma_w2"),
    (dict(sigma_w2=float("nan")), ValueError, "sigma_w2"),
    (dict(sigma_w2="2"), TypeError, "sigma_w2"),
    (dict(sigma_w2=[1.0, 2.0]), TypeError, "sigma_w2"),
    (dict(sigma_b2=-0.1), ValueError, "sigma_b2"),
    (dict(sigma_b2=float("inf")), ValueError, "sigma_b2"),
    (dict(q0=0.0), ValueError, "q0"),
    (dict(q0=-1.0), ValueError, "q0"),
])
def test_bad_input_names_the_argument(kwargs, exc, name):
    args = dict(width=4, depth=3, sigma_w2=2.0, sigma_b2=0.0, q0=1.0) | kwargs
    with pytest.raises(exc, match=name):
        exact.squared_norm_ratio(**args)
    with pytest.raises(exc, match=name):
        exact.simulate_squared_norm_ratio(**args, n_samples=2, rng=0)


def test_bad_input_other_functions():
    d = exact.squared_norm_ratio(width=4, depth=3, sigma_w2=2.0)
    with pytest.raises(ValueError, match="p"):
        d.ppf(1.5)
    with pytest.raises(ValueError, match="n"):
        d.moment(0)
    with pytest.raises(ValueError, match="size"):
        d.rvs(0)
    with pytest.raises(TypeError, match="rng"):
        d.rvs(3, rng="seed")
    with pytest.raises(ValueError, match="r"):
        d.cdf(float("nan"))
    with pytest.raises(ValueError, match="low"):
        d.prob_outside(2.0, 1.0)
    with pytest.raises(ValueError, match="n"):
        exact.squared_norm_ratio(width=4, depth=3, sigma_w2=2.0, sigma_b2=0.1).moment(3)
    with pytest.raises(ValueError, match="width"):
        exact.shared_squared_norm_ratio(width=5, depth=3)
    with pytest.raises(ValueError, match="depth"):
        exact.shared_squared_norm_ratio(width=4, depth=0)
    with pytest.raises(ValueError, match="width"):
        exact.active_units_pmf(0)
    with pytest.raises(ValueError, match="n_samples"):
        exact.simulate_squared_norm_ratio(width=4, depth=2, sigma_w2=2.0, n_samples=0)
    with pytest.raises(TypeError, match="initializer"):
        exact.simulate_squared_norm_ratio(width=4, depth=2, sigma_w2=2.0, n_samples=1, initializer="he")


# --- extreme parameters: the log domain, inf with a meaning, and fixed crashes ---------------------

def test_moments_past_the_float_range_are_inf_with_their_logs():
    d = exact.squared_norm_ratio(width=4, depth=10**5, sigma_w2=2.0)
    assert d.mean() == pytest.approx(1.0, rel=1e-9)
    assert d.var() == math.inf and d.std() == math.inf and d.moment(2) == math.inf
    assert d.log_moment(2) == pytest.approx(10**5 * math.log(1 + 5 / 4), rel=1e-9)
    # the signal is dead with probability 1 - (15/16)^1e5 = 1 in double precision: the moments stay exact
    assert d.p_zero == 1.0
    # shared (no atom) and huge sigma_w2
    assert exact.shared_squared_norm_ratio(width=4, depth=10**5).var() == math.inf
    assert exact.squared_norm_ratio(width=10, depth=100, sigma_w2=1e8).mean() == math.inf
    with pytest.raises(ValueError, match="n"):
        d.moment(float("inf"))


def test_biased_law_with_overflowing_raw_moments():
    # E[v^8] overflows float64 here; the Markov bound of the grid now uses the log moments
    d = exact.squared_norm_ratio(width=2, depth=100, sigma_w2=2.0, sigma_b2=1.0)
    w = np.linspace(d.t_lo, d.t_hi, 20001)
    assert np.trapezoid(d.pdf_log(w), w) + d.p_zero == pytest.approx(1.0, abs=1e-6)
    assert d.mean() > 0 and math.isfinite(d.mean())


def test_prob_outside_and_rvs_arguments():
    d = exact.squared_norm_ratio(width=4, depth=3, sigma_w2=2.0)
    assert d.prob_outside(0.5, math.inf) == pytest.approx(float(d.cdf(0.5)), abs=1e-15)
    for bad, name in [(dict(low=None, high=1.0), "low"), (dict(low=0.5, high=float("nan")), "high"),
                      (dict(low="0.5", high=1.0), "low")]:
        with pytest.raises((ValueError, TypeError), match=name):
            d.prob_outside(**bad)
    for size in (None, 2.5, (2, 0), ()):
        with pytest.raises((ValueError, TypeError), match="size"):
            d.rvs(size)
    with pytest.raises(ValueError, match="size"):
        d.rvs(10**12)
    with pytest.raises(TypeError, match="sigma_b2"):
        exact.death_probability(width=4, depth=3, sigma_b2=[0.0, 1.0])
