"""initdyn.kernels: the array-API kernels compute in the caller's library (array-api-strict here, a library
that allows nothing outside the standard) and agree with the numpy implementations of the book."""

import array_api_strict as xs
import numpy as np
import pytest

from initdyn import kernels, network, piecewise, recurrence, spectra


@pytest.mark.parametrize("activation", kernels.ACTIVATIONS)
def test_jacobian_singular_values_match_the_numpy_jacobian(activation):
    net = network.random_network(width=24, depth=6, sigma_w2=1.6, sigma_b2=0.05, rng=1)
    x = np.random.default_rng(2).standard_normal(24)
    got = kernels.jacobian_singular_values(xs.asarray(net.W), xs.asarray(net.b), xs.asarray(x), activation=activation)
    assert isinstance(got, type(xs.asarray(1.0)))  # computed and returned in the caller's library
    ref = np.linalg.svd(spectra.input_output_jacobian(net, x, activation=activation), compute_uv=False)
    # both are the SVD of the same explicit product: equal to rounding, relative to the largest value
    np.testing.assert_allclose(np.asarray(got), ref, rtol=0, atol=1e-12 * ref[0])
    # plain numpy input gives numpy output, the same numbers
    np.testing.assert_allclose(kernels.jacobian_singular_values(net.W, net.b, x, activation=activation), ref,
                               rtol=0, atol=1e-12 * ref[0])


def test_log_norm_trajectory_matches_the_recurrence_module_and_never_overflows():
    gen = np.random.default_rng(3)
    A, h0 = gen.standard_normal((30, 30)) / np.sqrt(30), gen.standard_normal(30)
    got = kernels.log_norm_trajectory(xs.asarray(A), xs.asarray(h0), 200)
    np.testing.assert_allclose(np.asarray(got), recurrence.log_norm_trajectory(A, h0, 200), rtol=0, atol=1e-11)
    # 2 I over 5000 steps: t log 2 exactly in the log domain, where the bare product overflows at t = 1024
    twice = kernels.log_norm_trajectory(xs.asarray(2.0 * np.eye(3)), xs.asarray(np.ones(3)), 5000)
    np.testing.assert_allclose(np.asarray(twice), np.log(np.sqrt(3)) + np.arange(5001) * np.log(2), rtol=1e-12)


def test_relu_map_matches_the_piecewise_ensemble():
    gen = np.random.default_rng(4)
    a, w, b = (gen.standard_normal((5, 16)) for _ in range(3))
    c, x = gen.standard_normal(5), gen.standard_normal((5, 40))
    got = kernels.relu_map(*(xs.asarray(v) for v in (a, w, b, c, x)))
    ref = piecewise.ReluMapEnsemble(a=a, w=w, b=b, c=c)(x)
    np.testing.assert_allclose(np.asarray(got), ref, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("call, name", [
    (lambda: kernels.jacobian_singular_values(np.ones((2, 3, 3)), np.ones((2, 3)), np.ones(3), activation="erf"),
     "activation"),
    (lambda: kernels.jacobian_singular_values(np.ones((2, 3, 4)), np.ones((2, 3)), np.ones(4), activation="tanh"),
     "weights"),
    (lambda: kernels.jacobian_singular_values(np.ones((2, 3, 3)), np.ones((2, 3)), np.array([1.0, np.nan, 1.0]),
                                              activation="tanh"), "x"),
    (lambda: kernels.log_norm_trajectory(np.eye(3), np.zeros(3), 5), "h0"),
    (lambda: kernels.log_norm_trajectory(np.eye(3), np.ones(3), -1), "steps"),
    (lambda: kernels.log_norm_trajectory(np.eye(3, dtype=int), np.ones(3), 2), "A"),
    (lambda: kernels.relu_map(np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 3)), np.ones(2), np.ones((3, 4))), "x"),
    (lambda: kernels.log_norm_trajectory(xs.asarray(np.eye(3)), np.ones(3), 2), "arrays"),
    (lambda: kernels.relu_map([[1.0]], [[1.0]], [[1.0]], [1.0], [[1.0]]), "arrays"),
])
def test_bad_input_is_refused_naming_it(call, name):
    with pytest.raises((ValueError, TypeError), match=name):
        call()
