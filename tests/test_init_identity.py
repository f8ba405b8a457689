"""Chapter 6 initializers: IDInit, exact sparse orthogonal (Givens) and delta-orthogonal kernels.

Exact algebraic properties are checked to rounding error; the density law of the Givens construction is
checked against the exact expectation of its birth chain (``_structured.expected_givens_density``).
"""

import math

import numpy as np
import pytest

from initdyn import _structured, init

# ---------------------------------------------------------------------------
# IDInit
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(5, 5), (12, 4), (4, 12), (7, 3), (3, 7), (1, 6), (6, 1)])
def test_idinit_is_the_padded_identity_like_matrix(shape):
    w = init.idinit(shape, gain=1.5, tau=2.0)
    i, j = np.indices(shape)
    expected = np.where((i - j) % min(shape) == 0, 3.0, 0.0)  # W_ij = g tau iff i = j mod min(D_out, D_in)
    np.testing.assert_array_equal(w, expected)
    assert w.dtype == np.float64
    # What zero-padding (np.eye) loses and IDInit keeps: full rank, no dead output unit, every input used.
    assert np.linalg.matrix_rank(w) == min(shape)
    assert np.all(np.any(w != 0, axis=1)) and np.all(np.any(w != 0, axis=0))


@pytest.mark.parametrize("shape, k", [((12, 4), 3), ((4, 12), 3), ((6, 6), 1)])
def test_idinit_gram_matrix_counts_the_copies(shape, k):
    # When one side is k times the other, W^T W (tall) or W W^T (wide) is exactly k tau^2 I.
    w = init.idinit(shape, tau=0.5)
    gram = w.T @ w if shape[0] >= shape[1] else w @ w.T
    np.testing.assert_array_equal(gram, k * 0.25 * np.eye(min(shape)))


def test_idinit_square_is_gain_times_identity_and_ignores_rng():
    np.testing.assert_array_equal(init.idinit((8, 8), gain=0.7, rng=3), 0.7 * np.eye(8))
    np.testing.assert_array_equal(init.idinit((8, 8), rng=0), init.idinit((8, 8), rng=np.random.default_rng(5)))


def test_idinit_zero_preserving_uses_epsilon():
    w = init.idinit((4, 8), zero_preserving=True)
    np.testing.assert_array_equal(w, 1e-6 * init.idinit((4, 8)))
    w = init.idinit((4, 4), zero_preserving=True, epsilon=1e-3, gain=2.0)
    np.testing.assert_array_equal(w, 2e-3 * np.eye(4))


def test_idinit_loosen_breaks_identical_rows():
    plain = init.idinit((12, 4))
    assert np.unique(plain, axis=0).shape[0] == 4  # the stacked identity repeats its 4 rows
    w = init.idinit((12, 4), loosen=0.1)
    assert np.unique(w, axis=0).shape[0] == 12  # all rows distinct
    np.testing.assert_array_equal(w[:4], np.eye(4))  # copy 0 untouched
    i = np.arange(4, 12)
    np.testing.assert_allclose(w[i, (i + i // 4) % 4], 0.1)
    assert np.count_nonzero(w) == 12 + 8
    np.testing.assert_array_equal(init.idinit((4, 12), loosen=0.1), init.idinit((4, 12)))  # no repeated rows


def test_idinit_convolution_dirac_and_patch_maintain():
    # Square channels: a Dirac kernel (identity map under 'same' padding).
    w = init.idinit((4, 4, 3, 3))
    expected = np.zeros((4, 4, 3, 3))
    expected[:, :, 1, 1] = np.eye(4)
    np.testing.assert_array_equal(w, expected)
    # C_out = 9 C_in: patch-maintain puts the 9 copies on the 9 taps, so the layer is a permutation of
    # the patch (C_in x 3 x 3 values -> C_out outputs): the whole patch is kept.
    w = init.idinit((18, 2, 3, 3))
    m = w.reshape(18, 18)
    np.testing.assert_array_equal(m @ m.T, np.eye(18))
    # Without it every copy sits on the centre tap: 9 identical copies of each channel's centre pixel.
    w = init.idinit((18, 2, 3, 3), patch_maintain=False)
    assert np.count_nonzero(w[:, :, 1, 1]) == 18 and np.count_nonzero(w) == 18
    assert np.linalg.matrix_rank(w.reshape(18, 18)) == 2


def test_kernel_order_starts_at_centre_and_visits_all_taps():
    order = _structured.kernel_order((3, 3))
    assert order[0] == 4 and sorted(order) == list(range(9))
    assert set(order[1:5]) == {1, 3, 5, 7}  # the 4 nearest neighbours before the corners
    assert _structured.kernel_order((5,))[0] == 2


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(tau=0.0), ValueError, "tau"),
        (dict(tau=float("nan")), ValueError, "tau"),
        (dict(tau="1"), TypeError, "tau"),
        (dict(loosen=1.0), ValueError, "loosen"),
        (dict(loosen=-0.1), ValueError, "loosen"),
        (dict(epsilon=0.0), ValueError, "epsilon"),
        (dict(gain=-1.0), ValueError, "gain"),
        (dict(zero_preserving=1), TypeError, "zero_preserving"),
        (dict(rng="seed"), TypeError, "rng"),
    ],
)
def test_idinit_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        init.idinit((4, 4), **kwargs)


def test_idinit_bad_shape():
    with pytest.raises(ValueError, match="shape"):
        init.idinit((4,))
    with pytest.raises(ValueError, match="shape"):
        init.idinit((4, 0))


# ---------------------------------------------------------------------------
# Sparse orthogonal (EOI)
# ---------------------------------------------------------------------------


def _orthogonality_error(w, gain=1.0):
    rows, cols = w.shape
    gram = w @ w.T if rows <= cols else w.T @ w
    return np.abs(gram - gain**2 * np.eye(min(rows, cols))).max()


@pytest.mark.parametrize("shape", [(64, 64), (40, 100), (100, 40), (1, 16), (16, 1)])
@pytest.mark.parametrize("density", [0.0625, 0.125, 0.3, 0.7, 1.0])
def test_sparse_orthogonal_is_exactly_orthogonal_at_the_density_asked(shape, density):
    w, info = init.sparse_orthogonal(shape, density=density, gain=1.3, rng=11, return_info=True)
    assert w.shape == shape and w.dtype == np.float64
    assert _orthogonality_error(w, 1.3) < 1e-12
    achieved = np.count_nonzero(w) / w.size
    assert info.density == achieved and info.target == density
    # One rotation changes the non-zero count by at most 2n (two columns of n rows), so the density by at
    # most 2/m; the closest-of-two rule lands within that step of the target.
    m = max(shape)
    assert abs(achieved - density) <= 2 / m + 1e-15
    # The tracked path is exact (rotations never cancel an entry), so it ends at the achieved density.
    assert info.density_path[-1] == pytest.approx(achieved, abs=1e-15)
    assert info.density_path.size == info.n_rotations + 1 and info.density_path[0] == pytest.approx(1 / m)


def test_sparse_orthogonal_first_rotation_adds_two_entries():
    _, info = init.sparse_orthogonal((32, 32), density=0.5, rng=0, return_info=True)
    # Two columns with one entry each become two columns with two: 32 -> 34 non-zeros.
    assert info.density_path[1] * 32 * 32 == pytest.approx(34)
    assert np.all(np.diff(info.density_path) >= 0)


def test_sparse_orthogonal_vectorized_rotations_equal_the_sequential_scheme():
    # The construction applies runs of disjoint rotations at once; replaying the same random pairs and
    # angles one rotation at a time (the paper's loop) must give the same matrix.  m = 16 reaches density
    # 0.5 within the first chunk of 64 draws, so the draws are (ii, jj, theta) of that chunk.
    m, seed = 16, 4
    w, info = init.sparse_orthogonal((m, m), density=0.5, rng=seed, return_info=True)
    assert 0 < info.n_rotations < 64
    gen = np.random.default_rng(seed)
    ii = gen.integers(0, m, size=64)
    jj = (ii + 1 + gen.integers(0, m - 1, size=64)) % m
    theta = gen.uniform(0.0, 2 * math.pi, size=64)
    a = np.eye(m)
    for t in range(info.n_rotations):
        i, j, c, s = ii[t], jj[t], math.cos(theta[t]), math.sin(theta[t])
        a[:, [i, j]] = np.stack([c * a[:, i] + s * a[:, j], -s * a[:, i] + c * a[:, j]], axis=1)
    np.testing.assert_allclose(w, a, atol=1e-14)


def test_density_path_matches_the_exact_birth_chain():
    # E[density after t rotations] = E[K_t]/m for the pure-birth chain of _structured.  Mean of 150
    # independent paths (m = 48) vs theory, within 4 standard errors of the mean (sample SD / sqrt(150)).
    m, n_runs = 48, 150
    gen = np.random.default_rng(21)
    paths = [init.sparse_orthogonal((m, m), density=0.9, rng=gen, return_info=True)[1].density_path
             for _ in range(n_runs)]
    length = min(p.size for p in paths)
    sim = np.array([p[:length] for p in paths])
    theory = _structured.expected_givens_density(length - 1, m)
    for t in np.linspace(10, length - 1, 6).astype(int):
        se = sim[:, t].std(ddof=1) / math.sqrt(n_runs)
        assert abs(sim[:, t].mean() - theory[t]) < 4 * se + 1e-12, t


def test_expected_density_closed_forms():
    m = 10
    e = _structured.expected_givens_density(2, m)
    # t = 1: K goes 1 -> 2 with probability 2 * 1 * 9 / (10 * 9) = 0.2.
    assert e[0] == pytest.approx(0.1) and e[1] == pytest.approx((1 + 0.2) / m)
    assert _structured.expected_givens_density(20000, m)[-1] == pytest.approx(1.0)


def test_sparse_orthogonal_convolution_is_delta_orthogonal():
    w, info = init.sparse_orthogonal((16, 8, 3, 3), density=0.25, rng=2, return_info=True)
    centre = w[:, :, 1, 1]
    assert _orthogonality_error(centre) < 1e-12
    assert np.count_nonzero(w) == np.count_nonzero(centre)
    assert info.density == np.count_nonzero(centre) / centre.size


def test_sparse_orthogonal_reproducible():
    np.testing.assert_array_equal(init.sparse_orthogonal((30, 30), rng=5), init.sparse_orthogonal((30, 30), rng=5))


@pytest.mark.parametrize(
    "shape, kwargs, exc, match",
    [
        ((8, 8), dict(density=0.0), ValueError, "density"),
        ((8, 8), dict(density=1.5), ValueError, "density"),
        ((8, 8), dict(density=-0.1), ValueError, "density"),
        ((8, 8), dict(density=float("nan")), ValueError, "density"),
        ((8, 8), dict(density="0.5"), TypeError, "density"),
        ((8, 8), dict(density=True), TypeError, "density"),
        ((8, 8), dict(density=0.1), ValueError, "sparsest"),  # below 1/8: sparser than the identity
        ((8, 8), dict(return_info=1), TypeError, "return_info"),
        ((8, 4, 2, 2), dict(density=0.5), ValueError, "odd"),
        ((4, 8, 3, 3), dict(density=0.5), ValueError, "in_channels"),
        ((8, 8), dict(gain=0.0), ValueError, "gain"),
    ],
)
def test_sparse_orthogonal_bad_input(shape, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        init.sparse_orthogonal(shape, **kwargs)


# ---------------------------------------------------------------------------
# Delta-orthogonal
# ---------------------------------------------------------------------------


def _circular_conv1d(w, x):
    """y[o, t] = sum_{i, k} w[o, i, k] x[i, t + k - (K-1)/2 mod T] ('same' circular padding)."""
    k = w.shape[2]
    shifts = np.stack([np.roll(x, -(tap - (k - 1) // 2), axis=1) for tap in range(k)], axis=-1)
    return np.einsum("oik,itk->ot", w, shifts)


def test_delta_orthogonal_structure_and_norm_preservation():
    w = init.delta_orthogonal((12, 5, 3), gain=1.7, rng=0)
    assert _orthogonality_error(w[:, :, 1], 1.7) < 1e-12
    assert np.count_nonzero(w[:, :, [0, 2]]) == 0
    x = np.random.default_rng(1).standard_normal((5, 40))
    y = _circular_conv1d(w, x)
    assert np.linalg.norm(y) == pytest.approx(1.7 * np.linalg.norm(x), rel=1e-12)
    w2 = init.delta_orthogonal((6, 6, 3, 5), rng=3)
    assert _orthogonality_error(w2[:, :, 1, 2]) < 1e-12 and np.count_nonzero(w2) == np.count_nonzero(w2[:, :, 1, 2])


@pytest.mark.parametrize(
    "shape, match",
    [((8, 8), "convolution"), ((8, 8, 2), "odd"), ((4, 8, 3), "in_channels"), ((8,), "shape")],
)
def test_delta_orthogonal_bad_shapes(shape, match):
    with pytest.raises(ValueError, match=match):
        init.delta_orthogonal(shape)


def test_new_initializers_are_registered():
    for name in ("idinit", "sparse_orthogonal", "delta_orthogonal"):
        assert init.INITIALIZERS[name] is getattr(init, name) and name in init.__all__
