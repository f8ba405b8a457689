"""Initializers: fans as torch computes them, variances, orthogonality, conventions, bad input."""

import math

import numpy as np
import pytest

from initdyn import init

BASIC = ["glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "lecun_normal"]


@pytest.mark.parametrize(
    "shape, expected",
    [
        ((3, 5), (5, 3)),  # Linear(5 -> 3): weight (out=3, in=5)
        ((8, 4, 3, 3), (36, 72)),  # Conv2d(4 -> 8, 3x3): fan_in = 4*9, fan_out = 8*9
        ((6, 2, 5), (10, 30)),  # Conv1d
        ((1, 1), (1, 1)),
    ],
)
def test_fans_match_torch(shape, expected):
    # torch.nn.init._calculate_fan_in_and_fan_out: fan_in = size(1) * receptive, fan_out = size(0) * receptive
    assert init.fans(shape) == expected


def expected_variance(name, shape, gain=1.0):
    fan_in, fan_out = init.fans(shape)
    return gain**2 * {
        "glorot_normal": 2 / (fan_in + fan_out),
        "glorot_uniform": 2 / (fan_in + fan_out),
        "he_normal": 2 / fan_in,
        "he_uniform": 2 / fan_in,
        "lecun_normal": 1 / fan_in,
    }[name]


@pytest.mark.parametrize("name", BASIC)
@pytest.mark.parametrize("shape", [(300, 200), (64, 32, 3, 3)])
def test_variance_matches_formula(name, shape):
    w = getattr(init, name)(shape, gain=1.3, rng=0)
    assert w.shape == shape and w.dtype == np.float64
    var = expected_variance(name, shape, gain=1.3)
    n = w.size
    # The sample variance of n iid entries has relative standard error sqrt(Var(w^2))/(n var)
    # = sqrt(2/n) (normal) or sqrt(0.8/n) (uniform, kurtosis 9/5); allow 5 standard errors.
    rel = 5 * math.sqrt(2 / n)
    assert abs(w.var() / var - 1) < rel
    assert abs(w.mean()) < 5 * math.sqrt(var / n)


@pytest.mark.parametrize("name", ["glorot_uniform", "he_uniform"])
def test_uniform_bounds(name):
    w = getattr(init, name)((50, 40), rng=1)
    bound = math.sqrt(3 * expected_variance(name, (50, 40)))
    assert np.all(np.abs(w) <= bound) and np.abs(w).max() > 0.95 * bound


@pytest.mark.parametrize("shape", [(50, 50), (80, 30), (30, 80), (16, 4, 3, 3)])
def test_orthogonal_is_orthogonal(shape):
    w = init.orthogonal(shape, gain=2.0, rng=3)
    assert w.shape == shape
    m = w.reshape(shape[0], -1)
    if m.shape[0] <= m.shape[1]:
        np.testing.assert_allclose(m @ m.T, 4.0 * np.eye(m.shape[0]), atol=1e-12)
    else:
        np.testing.assert_allclose(m.T @ m, 4.0 * np.eye(m.shape[1]), atol=1e-12)


def test_orthogonal_is_haar():
    # Under Haar measure on O(n), E[O_11] = 0 and E[O_11^2] = 1/n, and the trace has mean 0 and
    # variance 1.  Without the sign correction of QR the diagonal is biased (E[O_11] ~ 0.8 for n = 4).
    n, reps = 4, 4000
    rng = np.random.default_rng(7)
    o = np.stack([init.orthogonal((n, n), rng=rng) for _ in range(reps)])
    diag = o[:, 0, 0]
    assert abs(diag.mean()) < 5 * math.sqrt(1 / n / reps)
    assert abs((diag**2).mean() - 1 / n) < 5 * math.sqrt(2 / n**2 / reps)
    tr = np.trace(o, axis1=1, axis2=2)
    assert abs(tr.mean()) < 5 / math.sqrt(reps)
    assert abs(tr.var() - 1.0) < 5 * math.sqrt(2 / reps)


@pytest.mark.parametrize("name", BASIC + ["orthogonal"])
def test_rng_conventions(name):
    f = getattr(init, name)
    a = f((20, 10), rng=123)
    b = f((20, 10), rng=np.random.default_rng(123))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, f((20, 10), rng=124))


@pytest.mark.parametrize("name", BASIC + ["orthogonal"])
def test_bad_input(name):
    f = getattr(init, name)
    with pytest.raises(ValueError, match="shape"):
        f((10,))
    with pytest.raises(ValueError, match=r"shape\[1\]"):
        f((10, 0))
    with pytest.raises(TypeError, match=r"shape\[0\]"):
        f((2.5, 3))
    with pytest.raises(TypeError, match="shape"):
        f("10x10")
    with pytest.raises(ValueError, match="gain"):
        f((3, 3), gain=-1.0)
    with pytest.raises(ValueError, match="gain"):
        f((3, 3), gain=float("nan"))
    with pytest.raises(TypeError, match="rng"):
        f((3, 3), rng="seed")
    with pytest.raises(TypeError, match="rng"):
        f((3, 3), rng=1.5)


@pytest.mark.parametrize("name", sorted(init.INITIALIZERS))
def test_oversized_shapes_and_overflowing_gains(name):
    fn = init.INITIALIZERS[name]
    shape = {"delta_orthogonal": (10**5, 10**5, 3)}.get(name, (10**6, 10**6))
    with pytest.raises(ValueError, match=r"shape: .*GiB"):
        fn(shape)
    small = {"delta_orthogonal": (4, 4, 3), "sparse_orthogonal": (8, 8)}.get(name, (4, 4))
    assert np.array_equal(fn(np.array(small), rng=0), fn(small, rng=0))  # a 1-d integer array is a shape too
    try:
        W = fn(small, gain=1e308, rng=0)
    except ValueError as exc:
        assert str(exc).startswith("gain:")
    else:
        assert np.all(np.isfinite(W))


@pytest.mark.parametrize("gain", [[1, [2]], [1.0, 2.0], (1.0,), np.ones(2)])
def test_gain_sequences_are_refused_naming_gain(gain):
    # a ragged list used to reach numpy and fail with "setting an array element with a sequence"
    with pytest.raises(TypeError, match=r"^gain: expected a positive real scalar"):
        init.he_normal((3, 3), gain=gain, rng=0)


@pytest.mark.parametrize("gain", [0.0, -1.0, np.inf])
def test_nonpositive_gain_message_says_number_not_variance(gain):
    with pytest.raises(ValueError, match=r"^gain: expected a (finite )?real number"):
        init.he_normal((3, 3), gain=gain, rng=0)
