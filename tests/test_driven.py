"""Tests of initdyn.driven: the input-driven linear recurrence h_t = W h_{t-1} + U x_t (chapter 4, eq-ch4-driven).

Tolerances: a Monte Carlo mean is compared within 4 of its exact standard errors (a false alarm rate
below 1e-4 per check); exact identities to rounding.  Every seed is fixed, so the tests are deterministic.
"""

import math

import numpy as np
import pytest

from initdyn import driven as drv, ginibre as gin, init


def _driven_cov(W, U, t):
    S = np.zeros((W.shape[0],) * 2)
    P = U.copy()
    for _ in range(t):
        S += P @ P.T
        P = W @ P
    return S


@pytest.mark.parametrize("s", [0.8, 1.15])
def test_driven_recurrence_matches_its_conditional_variance(s):
    # Given W and U, h_t is Gaussian with covariance Sigma_t, so ||h_t||^2 has mean tr(Sigma_t) and variance
    # 2 tr(Sigma_t^2) exactly.  The sample mean of N = 4000 sequences is then within 4 of its exact standard
    # errors sqrt(2 tr(Sigma_t^2) / N) of tr(Sigma_t) (normal approximation of a mean of 4000 chi-square
    # mixtures; a false alarm rate below 1e-4 per check).
    gen = np.random.default_rng(13)
    n, d, N = 20, 3, 4000
    W = s * gen.standard_normal((n, n)) / math.sqrt(n)
    U = gen.standard_normal((n, d)) / math.sqrt(d)
    L = drv.driven_log_norm_trajectory(W, U, 60, N, rng=14)
    theory = drv.driven_log_variance(W, U, 60)
    assert L.shape == (N, 61) and theory.shape == (61,)
    assert np.all(L[:, 0] == -np.inf) and theory[0] == -np.inf
    for t in (1, 5, 20, 60):
        S = _driven_cov(W, U, t)
        assert math.exp(theory[t]) == pytest.approx(np.trace(S), rel=1e-10)
        se = math.sqrt(2 * np.trace(S @ S) / N)
        z = (np.exp(2 * L[:, t]).mean() - np.trace(S)) / se
        assert abs(z) < 4, (t, z)


def test_stationary_variance_is_the_limit_and_infinite_above_radius_one():
    gen = np.random.default_rng(15)
    n, d = 30, 5
    G = gen.standard_normal((n, n)) / math.sqrt(n)
    U = gen.standard_normal((n, d))
    W = 0.7 * G
    assert drv.stationary_variance(W, U) == pytest.approx(math.exp(drv.driven_log_variance(W, U, 400)[-1]), rel=1e-9)
    rho = gin.spectral_radius(G, method="dense")
    assert drv.stationary_variance(1.01 * G / rho, U) == math.inf
    # normal W = s Q (Q orthogonal): W^k W^kT = s^2k I, so tr Sigma = ||U||_F^2 / (1 - s^2) exactly
    Q = init.orthogonal((n, n), rng=3)
    assert drv.stationary_variance(0.6 * Q, U) == pytest.approx(np.sum(U**2) / (1 - 0.36), rel=1e-10)
    # a stack, with per-matrix U
    out = drv.stationary_variance(np.stack([W, 1.2 * Q]), np.stack([U, U]))
    assert out.shape == (2,) and out[1] == math.inf and out[0] == pytest.approx(drv.stationary_variance(W, U))


def test_driven_recurrence_log_domain_and_shapes():
    # W = 2 I over 3000 steps: ||h_t|| ~ 2^t |sum_k 2^-k x| (no overflow); and its theory (4^t - 1)/3 ||U||^2
    U = np.array([[1.0], [0.0]])
    L = drv.driven_log_norm_trajectory(2.0 * np.eye(2), U, 3000, 5, rng=0)
    assert np.all(np.isfinite(L[:, 1:]))
    np.testing.assert_allclose(L[:, -1] - L[:, -2], math.log(2.0), rtol=1e-9)
    th = drv.driven_log_variance(2.0 * np.eye(2), U, 3000)
    assert th[-1] == pytest.approx(3000 * math.log(4.0) - math.log(3.0), rel=1e-12)
    # tiny and huge scales: the log-norms shift exactly with log c when W is scaled by 1 and U by c
    gen = np.random.default_rng(1)
    W = 0.5 * gen.standard_normal((4, 4)) / 2
    U = gen.standard_normal((4, 2))
    base = drv.driven_log_norm_trajectory(W, U, 30, 3, rng=7)
    for c in (2.0**-900, 2.0**900):
        np.testing.assert_allclose(drv.driven_log_norm_trajectory(W, U * c, 30, 3, rng=7)[:, 1:],
                                   base[:, 1:] + math.log(c), rtol=1e-12, atol=1e-9)
    # stacks: (m, n, n) with shared (n, d) or per-matrix (m, n, d) input weights
    Ws = np.stack([W, 0.5 * W, W])
    out = drv.driven_log_norm_trajectory(Ws, U, 5, 2, rng=0)
    assert out.shape == (3, 2, 6)
    assert drv.driven_log_variance(Ws, np.stack([U] * 3), 5).shape == (3, 6)
    np.testing.assert_allclose(drv.driven_log_variance(Ws, U, 5)[1], drv.driven_log_variance(0.5 * W, U, 5))
    # reproducible from an int seed, and a Generator continues its stream
    np.testing.assert_array_equal(drv.driven_log_norm_trajectory(W, U, 5, 2, rng=3),
                                  drv.driven_log_norm_trajectory(W, U, 5, 2, rng=np.random.default_rng(3)))


@pytest.mark.parametrize("call, arg, exc", [
    (lambda: drv.driven_log_norm_trajectory(np.eye(3), np.ones((2, 1)), 5, 2), "U", ValueError),
    (lambda: drv.driven_log_norm_trajectory(np.eye(3), np.ones((3, 0)), 5, 2), "U", ValueError),
    (lambda: drv.driven_log_norm_trajectory(np.eye(3), np.ones((2, 3, 1)), 5, 2), "U", ValueError),
    (lambda: drv.driven_log_norm_trajectory(np.ones((3, 2)), np.ones((3, 1)), 5, 2), "W", ValueError),
    (lambda: drv.driven_log_norm_trajectory(np.eye(3), np.ones((3, 1)), -1, 2), "steps", ValueError),
    (lambda: drv.driven_log_norm_trajectory(np.eye(3), np.ones((3, 1)), 5, 0), "n_samples", ValueError),
    (lambda: drv.driven_log_norm_trajectory(np.eye(3), np.ones((3, 1)), 5, 2.0), "n_samples", TypeError),
    (lambda: drv.driven_log_norm_trajectory(np.eye(3), np.ones((3, 1)), 5, 2, rng="x"), "rng", TypeError),
    (lambda: drv.driven_log_norm_trajectory(np.eye(3), np.ones((3, 1)), 5, 10**9), "n_samples", ValueError),
    (lambda: drv.driven_log_variance(np.eye(3), np.full((3, 1), np.nan), 5), "U", ValueError),
    (lambda: drv.driven_log_variance(np.eye(3), np.ones((3, 1)), 10**10), "steps", ValueError),
    (lambda: drv.stationary_variance(np.eye(3), "U"), "U", TypeError),
])
def test_driven_bad_input(call, arg, exc):
    with pytest.raises(exc, match=arg):
        call()
