"""Parameter-sharing initialisers of chapter 3: gaussian_submatrix (Burkholz & Dubatovka 2019)
and looks_linear (Balduzzi et al. 2017): structure, variance, isometry to machine precision, bad shapes.

The variance test compares a sample variance of n = 256*256/4 independent entries with 2/fan_in; its
relative standard error is sqrt(2/n), and we allow 6 of them (false alarm < 1e-8).
"""

import math

import numpy as np
import pytest

from initdyn import init, spectra
from initdyn.network import RandomNetwork, forward

SHARING = [init.gaussian_submatrix, init.looks_linear]


def mirrored_input(rng, width):
    z = rng.standard_normal(width // 2)
    return np.concatenate([np.maximum(z, 0), np.maximum(-z, 0)])


@pytest.mark.parametrize("fn", SHARING)
@pytest.mark.parametrize("shape", [(8, 8), (6, 10), (12, 4)])
def test_block_structure(fn, shape):
    W = fn(shape, gain=1.3, rng=0)
    assert W.shape == shape and W.dtype == np.float64
    m, n = shape[0] // 2, shape[1] // 2
    W0 = W[:m, :n]
    np.testing.assert_array_equal(W[:m, n:], -W0)
    np.testing.assert_array_equal(W[m:, :n], -W0)
    np.testing.assert_array_equal(W[m:, n:], W0)
    np.testing.assert_array_equal(fn(shape, gain=1.3, rng=0), W)  # reproducible from the seed


def test_registered():
    assert init.INITIALIZERS["gaussian_submatrix"] is init.gaussian_submatrix
    assert init.INITIALIZERS["looks_linear"] is init.looks_linear


def test_gaussian_submatrix_variance():
    W = init.gaussian_submatrix((256, 256), gain=1.5, rng=1)
    w0 = W[:128, :128].ravel()
    target = 1.5**2 * 2 / 256
    assert np.var(w0) == pytest.approx(target, rel=6 * math.sqrt(2 / w0.size))
    assert abs(np.mean(w0)) < 6 * math.sqrt(target / w0.size)


@pytest.mark.parametrize("shape", [(16, 16), (8, 20), (20, 8)])
def test_looks_linear_block_is_orthogonal(shape):
    W = init.looks_linear(shape, gain=0.7, rng=2)
    W0 = W[: shape[0] // 2, : shape[1] // 2]
    small = min(W0.shape)
    gram = W0 @ W0.T if W0.shape[0] == small else W0.T @ W0
    np.testing.assert_allclose(gram, 0.49 * np.eye(small), atol=1e-13)


def test_sharing_network_is_the_linear_network_of_the_blocks():
    # h^l = (z^l, -z^l) and relu(z) - relu(-z) = z, so the ReLU net computes z^L = W0^L ... W0^1 (u - v)
    rng = np.random.default_rng(3)
    N, L = 20, 6
    Ws = np.stack([init.gaussian_submatrix((N, N), rng=rng) for _ in range(L)])
    x = rng.standard_normal(N)
    h = forward(RandomNetwork(Ws, np.zeros((L, N))), x, activation="relu")
    z = x[: N // 2] - x[N // 2:]
    for layer in range(L):
        z = Ws[layer, : N // 2, : N // 2] @ z
    out = np.maximum(h[-1], 0)
    np.testing.assert_allclose(out[: N // 2] - out[N // 2:], z, atol=1e-12)


def test_looks_linear_isometry_to_machine_precision():
    # orthogonal W0: ||x^l|| = ||x^{l-1}|| at every layer for mirrored inputs (chapter 3, section 4)
    rng = np.random.default_rng(4)
    N, L = 64, 50
    net = RandomNetwork(np.stack([init.looks_linear((N, N), rng=rng) for _ in range(L)]), np.zeros((L, N)))
    x = mirrored_input(rng, N)
    h = forward(net, x, activation="relu")
    norms = np.sum(np.maximum(h[1:], 0) ** 2, axis=1) / np.sum(x * x)
    np.testing.assert_allclose(norms, 1.0, atol=1e-12)
    # Jacobian J = P M Q with P^T P = I, Q = [I, -I], M orthogonal: N/2 singular values sqrt(2), N/2 zero
    J = spectra.input_output_jacobian(net, x, activation="relu")
    sv = np.linalg.svd(J, compute_uv=False)
    np.testing.assert_allclose(sv[: N // 2], math.sqrt(2), atol=1e-12)
    np.testing.assert_allclose(sv[N // 2:], 0.0, atol=1e-12)
    # restricted to mirrored directions (relu(z), relu(-z))' = P dz, the Jacobian is an exact isometry
    active = (x[: N // 2] - x[N // 2:] > 0).astype(float)
    P = np.concatenate([np.diag(active), -np.diag(1 - active)])
    sv_t = np.linalg.svd(J @ P, compute_uv=False)
    np.testing.assert_allclose(sv_t, 1.0, atol=1e-12)


@pytest.mark.parametrize("fn", SHARING)
@pytest.mark.parametrize("shape", [(7, 8), (8, 7), (3, 3), (8, 8, 3), (1, 2)])
def test_bad_shapes(fn, shape):
    with pytest.raises(ValueError, match="shape"):
        fn(shape, rng=0)


@pytest.mark.parametrize("fn", SHARING)
def test_bad_gain_and_rng(fn):
    with pytest.raises(ValueError, match="gain"):
        fn((4, 4), gain=0.0)
    with pytest.raises(TypeError, match="rng"):
        fn((4, 4), rng="x")
    with pytest.raises(TypeError, match="shape"):
        fn("4x4")


# --- isometric_sharing: looks-linear hidden layers and a non-square mirrored input layer ---------------

def test_isometric_sharing_registered_and_square_is_looks_linear():
    assert init.INITIALIZERS["isometric_sharing"] is init.isometric_sharing
    np.testing.assert_array_equal(init.isometric_sharing((8, 8), gain=1.3, rng=4),
                                  init.looks_linear((8, 8), gain=1.3, rng=4))


@pytest.mark.parametrize("shape", [(8, 4), (12, 5), (20, 3)])
def test_isometric_sharing_input_layer_structure(shape):
    W = init.isometric_sharing(shape, gain=0.7, rng=5)
    half = shape[0] // 2
    np.testing.assert_array_equal(W[half:], -W[:half])
    np.testing.assert_allclose(W[:half].T @ W[:half], 0.49 * np.eye(shape[1]), atol=1e-14)


@pytest.mark.parametrize("shape", [(6, 4), (4, 8), (9, 4), (7, 7), (6, 6, 3), (1, 1)])
def test_isometric_sharing_refuses_other_shapes_naming_shape(shape):
    with pytest.raises(ValueError, match="^shape"):
        init.isometric_sharing(shape, rng=0)


def test_isometric_sharing_network_is_an_isometry():
    # input layer (N, n) then square layers: x^L = relu(+-W0^L ... W0^1 x), so ||x^L|| = ||x|| and the
    # Jacobian of x -> x^L has all n singular values 1 (to rounding)
    rng = np.random.default_rng(7)
    n, N, L = 16, 64, 40
    Ws = [init.isometric_sharing((N, n), rng=rng)] + [init.isometric_sharing((N, N), rng=rng)
                                                       for _ in range(L - 1)]
    x = rng.standard_normal(n)
    h, J = x, np.eye(n)
    for W in Ws:
        pre = W @ h
        J = (pre > 0)[:, None] * (W @ J)
        h = np.maximum(pre, 0.0)
    assert np.linalg.norm(h) == pytest.approx(np.linalg.norm(x), rel=1e-12)
    np.testing.assert_allclose(np.linalg.svd(J, compute_uv=False), 1.0, atol=1e-12)
