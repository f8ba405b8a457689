"""Random finite networks against mean-field theory (chapter 1's overlays), and bad input.

Tolerances: every comparison is of an average over ``E`` independent networks of width ``N``.  The
standard error is estimated from the spread across networks (so layer-to-layer correlations are
included) and the assertion allows 5 standard errors plus the O(1/N) finite-width bias of these
statistics (a relative ``3/N``), so a correct implementation fails with probability < 1e-5 while a
wrong map (e.g. a missing bias term or a factor 2) is off by many standard errors.
"""

import numpy as np
import pytest

from initdyn import meanfield as mf
from initdyn import network as net

N, E, DEPTH = 500, 8, 12


def ensemble(sw2, sb2, *, rng, depth=DEPTH, weights="gaussian"):
    return [net.random_network(width=N, depth=depth, sigma_w2=sw2, sigma_b2=sb2, weights=weights, rng=rng)
            for _ in range(E)]


def assert_within_sampling_error(samples, theory):
    samples = np.asarray(samples)  # shape (E, ...)
    mean = samples.mean(axis=0)
    se = samples.std(axis=0, ddof=1) / np.sqrt(samples.shape[0])
    tol = 5 * se + 3.0 / N * np.abs(theory)
    assert np.all(np.abs(mean - theory) <= tol), (mean, theory, tol)


def test_first_layer_is_exactly_gaussian():
    # Given x, h^1_i ~ N(0, sigma_w^2 q0 + sigma_b^2) independently, so q^1 has relative sd sqrt(2/(N E)).
    rng = np.random.default_rng(0)
    sw2, sb2, q0 = 1.7, 0.3, 0.8
    x = np.sqrt(q0) * np.ones(N)
    qs = [net.empirical_q(net.forward(n, x, activation="tanh")[1]) for n in ensemble(sw2, sb2, rng=rng, depth=1)]
    q1 = sw2 * q0 + sb2
    assert abs(np.mean(qs) - q1) < 5 * q1 * np.sqrt(2 / (N * E))


@pytest.mark.parametrize("activation, sw2, sb2", [("tanh", 1.5, 0.05), ("tanh", 2.5, 0.3), ("relu", 1.6, 0.1),
                                                  ("hard_tanh", 2.0, 0.1), ("erf", 1.2, 0.2)])
def test_length_map_matches_simulation(activation, sw2, sb2):
    rng = np.random.default_rng(1)
    q0 = 2.0
    x = np.sqrt(q0) * rng.standard_normal((3, N))
    x *= np.sqrt(q0 * N) / np.linalg.norm(x, axis=1, keepdims=True)
    sims = [net.empirical_q(net.forward(n, x, activation=activation)).mean(axis=1) for n in ensemble(sw2, sb2, rng=rng)]
    q1 = sw2 * q0 + sb2  # the input is not passed through phi (initdyn.network convention)
    theory = np.concatenate([[q0], mf.q_trajectory(q1, DEPTH - 1, sigma_w2=sw2, sigma_b2=sb2, activation=activation)])
    assert_within_sampling_error(sims, theory)


@pytest.mark.parametrize("weights", ["gaussian", "orthogonal"])
@pytest.mark.parametrize("activation, sw2, sb2, c0", [("tanh", 1.3, 0.1, 0.2), ("tanh", 3.0, 0.05, 0.95),
                                                      ("relu", 1.8, 0.2, 0.1)])
def test_correlation_map_matches_simulation(activation, sw2, sb2, c0, weights):
    rng = np.random.default_rng(2)
    qs = mf.q_star(sigma_w2=sw2, sigma_b2=sb2, activation=activation)
    q0 = (qs - sb2) / sw2  # so that q^1 = q*: every layer at the length fixed point
    sims = []
    for n in ensemble(sw2, sb2, rng=rng, weights=weights):
        x = net.inputs_with_correlation(N, q0=q0, c0=c0, rng=rng)
        sims.append(net.empirical_c(net.forward(n, x, activation=activation))[1:])
    c1 = (sw2 * q0 * c0 + sb2) / qs
    theory = mf.c_trajectory(c1, DEPTH - 1, sigma_w2=sw2, sigma_b2=sb2, activation=activation, q=qs)
    assert_within_sampling_error(sims, theory)


@pytest.mark.parametrize("activation, sw2, sb2", [("tanh", 1.0, 0.05), ("tanh", 1.761, 0.05), ("tanh", 3.0, 0.05),
                                                  ("relu", 2.0, 0.0)])
def test_chi1_is_the_mean_squared_jacobian_growth(activation, sw2, sb2):
    # ||delta^{l+1}||^2 / ||delta^l||^2 has mean chi_1 at the fixed point (Poole et al. 2016, eq. 7).
    rng = np.random.default_rng(3)
    qs = mf.q_star(sigma_w2=sw2, sigma_b2=sb2, activation=activation)
    x = np.sqrt((qs - sb2) / sw2) * np.ones(N)
    ratios = []
    for n in ensemble(sw2, sb2, rng=rng):
        v = rng.standard_normal(N)
        norms = net.tangent_norms(n, x, v, activation=activation)
        ratios.append(np.mean(norms[2:] / norms[1:-1]))
    assert_within_sampling_error(ratios, mf.chi1(sigma_w2=sw2, sigma_b2=sb2, activation=activation))


def test_orthogonal_network_preserves_length_exactly_when_linear():
    n = net.random_network(width=64, depth=5, sigma_w2=1.0, sigma_b2=0.0, weights="orthogonal", rng=4)
    x = np.random.default_rng(5).standard_normal((2, 64))
    h = net.forward(n, x, activation="linear")
    np.testing.assert_allclose(np.linalg.norm(h, axis=-1), np.linalg.norm(x, axis=-1)[None, :].repeat(6, 0), rtol=1e-12)


def test_inputs_with_correlation_are_exact():
    x = net.inputs_with_correlation(100, q0=2.5, c0=-0.3, rng=0)
    np.testing.assert_allclose(net.empirical_q(x), [2.5, 2.5], rtol=1e-13)
    assert net.empirical_c(x) == pytest.approx(-0.3, abs=1e-13)


def test_tangent_norms_match_explicit_jacobian():
    n = net.random_network(width=20, depth=3, sigma_w2=1.5, sigma_b2=0.1, rng=6)
    x = np.random.default_rng(7).standard_normal(20)
    v = np.random.default_rng(8).standard_normal(20)
    h = net.forward(n, x, activation="tanh")
    J = n.W[0]
    for layer in range(1, 3):
        J = n.W[layer] @ np.diag(1 - np.tanh(h[layer]) ** 2) @ J
    assert net.tangent_norms(n, x, v, activation="tanh")[-1] == pytest.approx(np.sum((J @ v) ** 2), rel=1e-12)


def test_bad_input():
    with pytest.raises(TypeError, match="width"):
        net.random_network(width=10.0, depth=2, sigma_w2=1.0, sigma_b2=0.0)
    with pytest.raises(ValueError, match="depth"):
        net.random_network(width=10, depth=0, sigma_w2=1.0, sigma_b2=0.0)
    with pytest.raises(ValueError, match="sigma_w2"):
        net.random_network(width=10, depth=2, sigma_w2=-1.0, sigma_b2=0.0)
    with pytest.raises(ValueError, match="weights"):
        net.random_network(width=10, depth=2, sigma_w2=1.0, sigma_b2=0.0, weights="uniform")
    n = net.random_network(width=10, depth=2, sigma_w2=1.0, sigma_b2=0.0, rng=0)
    with pytest.raises(ValueError, match="x"):
        net.forward(n, np.ones(11), activation="tanh")
    with pytest.raises(ValueError, match="x"):
        net.forward(n, np.full(10, np.nan), activation="tanh")
    with pytest.raises(ValueError, match="v"):
        net.tangent_norms(n, np.ones(10), np.ones(9), activation="tanh")
    with pytest.raises(ValueError, match="c0"):
        net.inputs_with_correlation(10, q0=1.0, c0=1.5)
    with pytest.raises(ValueError, match="h"):
        net.empirical_c(np.ones((3, 10)))
    with pytest.raises(ValueError, match="W, b"):
        net.RandomNetwork(np.ones((2, 3, 4)), np.ones((2, 3)))


def test_tangent_norms_past_the_float_range_are_inf_not_nan():
    # W = 1e10 I, b = 0, x = 0: h stays 0, phi'(0) = 1, and the tangent grows by 1e10 per layer: its squared
    # norm passes 1.8e308 at layer 16.  Exact up to there, inf after (it used to turn into NaN).
    depth, width = 40, 3
    n = net.RandomNetwork(np.tile(1e10 * np.eye(width), (depth, 1, 1)), np.zeros((depth, width)))
    v = np.array([1.0, 2.0, 2.0])
    norms = net.tangent_norms(n, np.zeros(width), v, activation="tanh")
    layers = np.arange(depth + 1)
    fits = layers <= 15
    np.testing.assert_allclose(norms[fits], 9.0 * 10.0 ** (20.0 * layers[fits]), rtol=1e-12)
    assert np.all(np.isinf(norms[~fits]))


def test_forward_overflow_and_degenerate_statistics_are_errors():
    n = net.RandomNetwork(np.tile(1e200 * np.eye(2), (3, 1, 1)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="overflow"):
        net.forward(n, np.ones(2), activation="relu")
    with pytest.raises(ValueError, match="h: .*zero vector"):
        net.empirical_c(np.array([[0.0, 0.0], [1.0, 2.0]]))
    # very small or very large vectors: computed on rescaled vectors, |c| <= 1
    for scale in (1e-160, 1e160):
        assert net.empirical_c(scale * np.array([[1.0, 2.0], [2.0, 4.0]])) == pytest.approx(1.0, abs=1e-15)
    assert net.empirical_q(np.array([1e155, 0.0, 0.0, 1e154])) == np.inf
    with pytest.raises(ValueError, match="width, depth: the arrays would need"):
        net.random_network(width=10**6, depth=10, sigma_w2=1.0, sigma_b2=0.0)
    with pytest.raises(ValueError, match="statistic"):
        net.ensemble_statistic(lambda n, h: np.zeros(np.random.default_rng().integers(1, 5)), np.ones(3), n_samples=20,
                               width=3, depth=1, sigma_w2=1.0, sigma_b2=0.0, activation="tanh", rng=0)
