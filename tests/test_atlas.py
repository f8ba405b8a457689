"""Chapter 6: the atlas (cells against the single-purpose functions they call), its diagnostics against
closed forms, the sparse baselines, residual stacks, and network_from_initializer."""

import math
from functools import partial

import numpy as np
import pytest
from scipy import special

from initdyn import atlas, chaos, exact, freeprob, init, meanfield, network, recurrence, spectra

SMALL = dict(width=20, depth=8, map_width=8, n_samples=dict(spread=2, survival=4, recurrence=3, period3=40))


# ---------------------------------------------------------------------------
# The table reuses the single-purpose functions
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_table():
    inits = {"he": init.he_normal, "sparse": partial(init.sparse_orthogonal, density=0.25),
             "submatrix": init.gaussian_submatrix}
    return inits, atlas.atlas_table(inits, seed=3, **SMALL)


def test_atlas_cells_are_the_single_purpose_functions(small_table):
    inits, table = small_table
    s = SMALL
    assert table.names == list(inits) and table.settings["seed"] == 3
    for r, fn in enumerate(inits.values()):
        col = {k: v[r] for k, v in table.columns.items()}
        sw2 = atlas.snap_sigma_w2(atlas.effective_sigma_w2(fn, width=s["width"], rng=3), width=s["width"], n_samples=10)
        assert col["sigma_w2"] == sw2
        if atlas.meanfield_applies(fn):
            cells = atlas.meanfield_cells(sw2)
            for key in ("chi1_tanh", "chi1_relu", "xi_q_relu"):
                assert col[key] == cells[key]
        else:
            assert all(np.isnan(col[k]) for k in ("chi1_tanh", "chi1_relu", "xi_q_relu"))
        for act in ("tanh", "relu"):
            direct = np.median(atlas.jacobian_spread(fn, activation=act, width=s["width"], depth=s["depth"],
                                                     n_samples=s["n_samples"]["spread"], rng=3))
            assert col[f"spread_{act}"] == direct
        assert col["survival"] == np.median(atlas.norm_survival(fn, width=s["width"], depth=s["depth"],
                                                                n_samples=s["n_samples"]["survival"], rng=3))
        assert col["recurrence"] == np.median(atlas.recurrence_growth(fn, n=s["width"], n_samples=s["n_samples"]["recurrence"],
                                                                      rng=3))
    # Period 3: the mirrored scheme cannot serve the (8, 1) first layer of a width-8 map -> NaN.
    k, n = atlas.period3_probability(init.he_normal, width=s["map_width"], n_samples=s["n_samples"]["period3"], rng=3)
    assert table.columns["period3"][0] == k / n
    assert np.isnan(table.columns["period3"][2])


def test_snap_sigma_w2():
    # width 100, 10 draws: 3 standard errors = 1.34%.
    assert atlas.snap_sigma_w2(1.993, width=100, n_samples=10) == 2.0
    assert atlas.snap_sigma_w2(1.44, width=100, n_samples=10) == 1.44
    assert atlas.snap_sigma_w2(0.8368, width=100, n_samples=10) == 0.84
    assert atlas.snap_sigma_w2(1.0, width=100, n_samples=10) == 1.0
    assert atlas.snap_sigma_w2(1.44, width=10, n_samples=1) == 1.4  # 3 SE = 42%: 2 digits


def test_meanfield_cells_are_chapter_one():
    cells = atlas.meanfield_cells(2.0)
    assert cells["chi1_relu"] == pytest.approx(1.0) and cells["xi_q_relu"] == math.inf
    assert cells["chi1_tanh"] == meanfield.chi1(sigma_w2=2.0, sigma_b2=0.0, activation="tanh")
    cells = atlas.meanfield_cells(1.0)
    assert cells["chi1_relu"] == pytest.approx(0.5) and cells["xi_q_relu"] == pytest.approx(1 / math.log(2))


def test_meanfield_applies():
    assert atlas.meanfield_applies(init.he_normal) and atlas.meanfield_applies(init.orthogonal)
    for fn in (init.idinit, init.looks_linear, partial(init.sparse_orthogonal, density=0.5),
               atlas.random_mask(init.sparse_orthogonal, density=0.5)):
        assert not atlas.meanfield_applies(fn)
    assert atlas.meanfield_applies(atlas.random_mask(init.he_normal, density=0.5))


def test_default_initializers_cover_the_library():
    names = set(atlas.default_initializers())
    assert {"glorot_normal", "he_normal", "lecun_normal", "orthogonal", "gaussian_submatrix", "looks_linear",
            "idinit", "sparse_orthogonal", "rescaled_glorot"} <= names


def test_format_atlas(small_table):
    _, table = small_table
    text = atlas.format_atlas(table)
    lines = text.splitlines()
    assert len(lines) == 4 and lines[0].startswith("initializer")
    assert lines[3].split()[2] == "-"  # submatrix: no chi1
    with pytest.raises(TypeError, match="table"):
        atlas.format_atlas({"names": []})


def test_atlas_bad_input():
    with pytest.raises(ValueError, match="initializers"):
        atlas.atlas_table({})
    with pytest.raises(TypeError, match="init"):
        atlas.atlas_table({"x": 3})
    with pytest.raises(TypeError, match="init"):
        atlas.jacobian_spread("he", activation="relu")
    with pytest.raises(ValueError, match="n_samples"):
        atlas.jacobian_spread(init.he_normal, activation="relu", n_samples=0)
    with pytest.raises(ValueError, match="activation|unknown"):
        atlas.jacobian_spread(init.he_normal, activation="swishy")


# ---------------------------------------------------------------------------
# Each diagnostic against closed forms
# ---------------------------------------------------------------------------


def test_effective_sigma_w2():
    assert atlas.effective_sigma_w2(init.orthogonal, width=30, rng=0) == pytest.approx(1.0)
    assert atlas.effective_sigma_w2(init.idinit, width=30) == pytest.approx(1.0)
    # He: 10 draws of 100 x 100, relative standard error sqrt(2 / 1e5) = 0.45%; allow 4 of them.
    assert atlas.effective_sigma_w2(init.he_normal, rng=1) == pytest.approx(2.0, rel=4 * math.sqrt(2e-5))


def test_jacobian_spread_closed_forms():
    # Orthogonal weights and a linear network: J is orthogonal, all lambda = 1, spread 0.
    assert np.all(atlas.jacobian_spread(init.orthogonal, activation="linear", width=16, depth=5, rng=0) < 1e-24)
    # IDInit with ReLU: h^l = relu(h^{l-1}), so J = diag(1[x > 0]) and lambda in {0, 1}: spread (1-p)/p,
    # p the fraction of positive input coordinates.  Replay the draws: biases (depth, width), then x.
    width, depth = 40, 6
    gen = np.random.default_rng(7)
    gen.standard_normal((depth, width))
    x = gen.standard_normal(width)
    p = np.mean(x > 0)
    got = atlas.jacobian_spread(init.idinit, activation="relu", width=width, depth=depth, n_samples=1, rng=7)
    assert got[0] == pytest.approx((1 - p) / p, rel=1e-12)


def test_jacobian_spread_matches_free_probability_for_gaussian_relu():
    # Pennington et al. 2017, Sec. 2.5: Var(lambda)/E[lambda]^2 = L (mu2/mu1^2 - 1 - s1) = 2L for critical
    # Gaussian ReLU (mu2/mu1^2 = 1/p = 2, s1 = -1), valid for width >> depth.  Width 300, depth 3: theory 6.
    # The statistic of one network has a spread of ~25% here (30 networks: SE of the mean ~5%); finite-width
    # corrections are O(L/N), so allow 15%.
    vals = atlas.jacobian_spread(init.he_normal, activation="relu", width=300, depth=3, n_samples=30, rng=2)
    theory = freeprob.jacobian_spectrum_moments(depth=3, sigma_w2=2.0, sigma_b2=0.0, activation="relu")[1]
    assert theory == pytest.approx(6.0)
    assert vals.mean() == pytest.approx(theory, rel=0.15)


def test_norm_survival_exact_cases_and_he_median():
    assert np.allclose(atlas.norm_survival(init.idinit, width=10, depth=5, n_samples=3, rng=0), 1.0, rtol=1e-12)
    assert np.allclose(atlas.norm_survival(init.looks_linear, width=10, depth=5, n_samples=3, rng=0), 1.0,
                       rtol=1e-12)
    # He: the fraction of samples below the exact median (chapter 3) is 1/2, SE sqrt(1/4n); 4 SE.
    n = 400
    r = atlas.norm_survival(init.he_normal, width=20, depth=10, n_samples=n, rng=5)
    med = exact.squared_norm_ratio(width=20, depth=10, sigma_w2=2.0).median()
    assert abs(np.mean(r < med) - 0.5) < 4 * math.sqrt(0.25 / n)


def test_recurrence_growth_exact_cases():
    assert np.allclose(atlas.recurrence_growth(init.orthogonal, n=16, n_samples=4, rng=0), 0.0, atol=1e-12)
    # (the renormalised trajectory of the identity map is exact up to rounding of |h|/|h|)
    assert np.allclose(atlas.recurrence_growth(init.idinit, n=16, n_samples=2, rng=0), 0.0, atol=1e-14)
    # One step of He (A_ij ~ N(0, 2/n)): |A h|^2 / |h|^2 = (2/n) chi^2_n exactly, so
    # E[log10 growth] = (log 2 + psi(n/2) + log(2/n)) / (2 ln 10); 400 matrices, 4 standard errors.
    n, m = 10, 400
    g = atlas.recurrence_growth(init.he_normal, n=n, n_samples=m, steps=1, rng=3)
    theory = (math.log(2) + special.digamma(n / 2) + math.log(2 / n)) / (2 * math.log(10))
    assert abs(g.mean() - theory) < 4 * g.std(ddof=1) / math.sqrt(m)
    assert atlas.recurrence_growth(init.he_normal, n=25, n_samples=1, rng=0).size == 1


def test_recurrence_growth_reuses_log_norm_trajectory():
    gen = np.random.default_rng(4)
    A = np.stack([init.glorot_normal((9, 9), rng=gen) for _ in range(3)])
    h0 = gen.standard_normal((3, 1, 9))
    traj = recurrence.log_norm_trajectory(A, h0, 12)[:, 0]
    got = atlas.recurrence_growth(init.glorot_normal, n=9, n_samples=3, rng=4)
    np.testing.assert_allclose(got, (traj[:, -1] - traj[:, 0]) / math.log(10), rtol=1e-13)


def test_period3_probability_is_chapter_five():
    k, n = atlas.period3_probability(init.he_normal, width=6, n_samples=200, rng=9)
    ens = chaos.random_relu_map(width=6, init=init.he_normal, n_samples=200, rng=9)
    assert (k, n) == (int(ens.has_period3().sum()), 200)
    # IDInit maps are monotone (w = 1, a = 1, b = 1, c = 1): never period 3.
    assert atlas.period3_probability(init.idinit, width=6, n_samples=20, rng=0) == (0, 20)


# ---------------------------------------------------------------------------
# Sparse baselines and the deep tanh network of section 2
# ---------------------------------------------------------------------------


def test_random_mask_density_and_variance():
    d, n = 0.2, 200
    w = atlas.random_mask(init.he_normal, density=d)((n, n), rng=0)
    frac = np.count_nonzero(w) / w.size
    assert abs(frac - d) < 4 * math.sqrt(d * (1 - d) / w.size)
    # E[W^2] = 2/n is kept: the mean of W^2 over n^2 entries has relative SE sqrt((3/d - 1)/n^2).
    assert np.mean(w**2) * n / 2 == pytest.approx(1.0, abs=4 * math.sqrt(3 / d - 1) / n)
    np.testing.assert_array_equal(atlas.random_mask(init.orthogonal, density=1.0)((5, 5), rng=1),
                                  init.orthogonal((5, 5), rng=np.random.default_rng(1)))
    for bad in (0.0, 1.5):
        with pytest.raises(ValueError, match="density"):
            atlas.random_mask(init.he_normal, density=bad)
    with pytest.raises(TypeError, match="init"):
        atlas.random_mask("he", density=0.5)


def test_deep_tanh_jacobian_stays_concentrated_with_eoi_not_with_masks():
    # Section 2 at a smaller scale (width 48, depth 150, the paper's sigma_w, sigma_b, density 0.125):
    # EOI keeps every direction but the radial one, the masked Gaussian network keeps only a few.
    sw2, sb2, width, depth = 1.0247**2, 0.00448**2, 48, 150
    q = meanfield.q_star(sigma_w2=sw2, sigma_b2=sb2, activation="tanh")
    gen = np.random.default_rng(0)
    x = gen.standard_normal(width)
    x *= math.sqrt(q * width) / np.linalg.norm(x)
    stats = {}
    for name, fn in {"eoi": partial(init.sparse_orthogonal, density=0.125),
                     "mask": atlas.random_mask(init.lecun_normal, density=0.125)}.items():
        net = network.network_from_initializer(fn, width=width, depth=depth, sigma_b2=sb2, gain=math.sqrt(sw2),
                                               rng=gen)
        s = spectra.jacobian_singular_values_of(net, x, activation="tanh")
        lam = s**2
        stats[name] = (int(np.sum(s > 1e-6 * s[0])), lam.var() / lam.mean() ** 2)
    haar = freeprob.jacobian_spectrum_moments(depth=depth, sigma_w2=sw2, sigma_b2=sb2, activation="tanh",
                                             weights="orthogonal")[1]
    assert stats["eoi"][0] >= width - 1 and stats["mask"][0] <= width // 4
    assert 0.5 * haar < stats["eoi"][1] < 5 * haar < stats["mask"][1]


def test_deep_tanh_eoi_smallest_singular_direction_is_radial():
    # The one small singular value of the EOI network is the input-length direction, contracted with depth
    # scale xi_q (~20 layers for the paper's sigma_w, sigma_b): its right singular vector is aligned with x.
    sw2, sb2, width, depth = 1.0247**2, 0.00448**2, 64, 150
    xi_q = meanfield.depth_scales(sigma_w2=sw2, sigma_b2=sb2, activation="tanh")[0]
    assert 15 < xi_q < 25
    q = meanfield.q_star(sigma_w2=sw2, sigma_b2=sb2, activation="tanh")
    gen = np.random.default_rng(0)
    x = gen.standard_normal(width)
    x *= math.sqrt(q * width) / np.linalg.norm(x)
    net = network.network_from_initializer(partial(init.sparse_orthogonal, density=0.125), width=width,
                                           depth=depth, sigma_b2=sb2, gain=math.sqrt(sw2), rng=1)
    _, s, vt = np.linalg.svd(spectra.input_output_jacobian(net, x, activation="tanh"))
    assert abs(vt[-1] @ x) / np.linalg.norm(x) > 0.9
    assert s[-1] < 0.01 * s[-2]
    # Its rate: log sigma_min / L = -1.13 / xi_q here (seeds 0-2 give 1.13-1.14 at L = 150, 1.08-1.11 at
    # L = 1000, the chapter's 1.08 at width 128): mean field's e^{-L/xi_q} up to a finite-width excess of
    # about 10% in the rate.  Bounds [1.0, 1.25] / xi_q; every other direction decays at < 0.4 / xi_q.
    logs = spectra.jacobian_log_singular_values_of(net, x, activation="tanh")
    assert 1.0 < -logs[-1] / depth * xi_q < 1.25
    assert -logs[-2] / depth * xi_q < 0.4


# ---------------------------------------------------------------------------
# Residual stacks (section 1)
# ---------------------------------------------------------------------------


def _stack(first, last, depth, width, hidden, gen):
    W1 = np.stack([first((hidden, width), rng=gen) for _ in range(depth)])
    W2 = np.stack([last((width, hidden), rng=gen) for _ in range(depth)])
    return W1, W2


def test_residual_stack_idinit_closed_form():
    width, hidden, depth, eps = 8, 32, 50, 1e-3
    x = np.random.default_rng(0).standard_normal(width)
    W1, W2 = _stack(init.idinit, partial(init.idinit, zero_preserving=True, epsilon=eps), depth, width, hidden, None)
    res = atlas.residual_stack(W1, W2, x, activation="relu")
    grow = (1 + 4 * eps) ** np.arange(depth + 1)  # 4 copies: every block scales the positive coordinates
    pos = x > 0
    expected = np.sqrt(grow**2 * np.sum(x[pos] ** 2) + np.sum(x[~pos] ** 2))
    np.testing.assert_allclose(res.norms, expected, rtol=1e-12)
    # the library's closed form (used by the chapter) is the same expression
    np.testing.assert_allclose(atlas.idinit_residual_norms(x, epsilon=eps, copies=4, depth=depth), expected, rtol=1e-14)
    with pytest.raises(ValueError, match="epsilon"):
        atlas.idinit_residual_norms(x, epsilon=-1.0, copies=4, depth=depth)
    np.testing.assert_allclose(np.sort(res.singular_values), np.sort(np.where(pos, grow[-1], 1.0)), rtol=1e-12)
    # The gradient reaching W1 is O(eps); with a zero last layer it is exactly zero.
    W2_zero = np.zeros_like(W2)
    assert np.all(atlas.residual_stack(W1, W2_zero, x, activation="relu").grad_w1 == 0)
    assert np.all(res.grad_w1 > 0) and res.grad_w1[0] < 10 * eps * np.linalg.norm(x) ** 2 * grow[-1] ** 2


def test_residual_stack_jacobian_and_gradient_by_finite_differences():
    gen = np.random.default_rng(1)
    width, hidden, depth = 3, 5, 3
    W1, W2 = _stack(init.he_normal, init.he_normal, depth, width, hidden, gen)
    x = gen.standard_normal(width)
    res = atlas.residual_stack(W1, W2, x, activation="tanh")

    def out(W1_, x_):
        y = x_.copy()
        for l in range(depth):
            y = y + W2[l] @ np.tanh(W1_[l] @ y)
        return y

    h = 1e-6
    J = np.stack([(out(W1, x + h * e) - out(W1, x - h * e)) / (2 * h) for e in np.eye(width)], axis=1)
    np.testing.assert_allclose(res.singular_values, np.linalg.svd(J, compute_uv=False), rtol=1e-6)
    loss = lambda W1_: 0.5 * np.sum(out(W1_, x) ** 2)  # noqa: E731
    for layer in range(depth):
        grad = np.zeros((hidden, width))
        for i in range(hidden):
            for j in range(width):
                Wp, Wm = W1.copy(), W1.copy()
                Wp[layer, i, j] += h
                Wm[layer, i, j] -= h
                grad[i, j] = (loss(Wp) - loss(Wm)) / (2 * h)
        assert res.grad_w1[layer] == pytest.approx(np.linalg.norm(grad), rel=1e-6)


def test_residual_he_blocks_triple_the_mean_squared_norm():
    # Figure 1's caption: one He/He block (width 64, hidden 256) multiplies E|x|^2 by exactly 3 (any x).
    # Mean of 400 independent blocks, 4 standard errors.
    gen = np.random.default_rng(3)
    x = gen.standard_normal(64)
    ratios = np.array([atlas.residual_stack(*_stack(init.he_normal, init.he_normal, 1, 64, 256, gen), x,
                                            activation="relu").norms[-1] ** 2 / np.sum(x**2) for _ in range(400)])
    assert abs(ratios.mean() - 3.0) < 4 * ratios.std(ddof=1) / math.sqrt(400)


def test_residual_stack_bad_shapes():
    with pytest.raises(ValueError, match="W1, W2, x"):
        atlas.residual_stack(np.zeros((2, 5, 3)), np.zeros((2, 5, 3)), np.zeros(3), activation="relu")
    with pytest.raises(ValueError, match="W1"):
        atlas.residual_stack(np.zeros((5, 3)), np.zeros((2, 3, 5)), np.zeros(3), activation="relu")


# ---------------------------------------------------------------------------
# network_from_initializer
# ---------------------------------------------------------------------------


def test_network_from_initializer():
    net = network.network_from_initializer("orthogonal", width=6, depth=4, gain=2.0, rng=0)
    assert net.W.shape == (4, 6, 6) and np.all(net.b == 0)
    for layer in range(4):
        np.testing.assert_allclose(net.W[layer] @ net.W[layer].T, 4 * np.eye(6), atol=1e-12)
    gen = np.random.default_rng(5)
    expected = [init.he_normal((5, 5), rng=gen) for _ in range(3)]
    b = gen.standard_normal((3, 5)) * math.sqrt(0.1)
    net = network.network_from_initializer(init.he_normal, width=5, depth=3, sigma_b2=0.1, rng=5)
    np.testing.assert_array_equal(net.W, np.stack(expected))
    np.testing.assert_array_equal(net.b, b)
    with pytest.raises(ValueError, match="init"):
        network.network_from_initializer("nope", width=3, depth=2)
    with pytest.raises(TypeError, match="init"):
        network.network_from_initializer(3, width=3, depth=2)
    with pytest.raises(ValueError, match="sigma_b2"):
        network.network_from_initializer("he_normal", width=3, depth=2, sigma_b2=-1.0)
    with pytest.raises(ValueError, match="width"):
        network.network_from_initializer("he_normal", width=0, depth=2)


def test_residual_stack_smallest_singular_value_of_an_exploding_stack():
    # He/He blocks (chapter 6, section 1): the Jacobian's singular values spread over ~120 decades, so the
    # explicit product's SVD would return rounding noise for sigma_min.  Independent check: sigma_min(J) is
    # 1 / sigma_max(J^{-1}), and the largest singular value of the explicit inverse product is accurate
    # (the dominant direction is never lost); relative agreement to 1e-8 (rounding over 100 inverses).
    gen = np.random.default_rng(7)
    width, hidden, depth = 16, 64, 60
    W1, W2 = _stack(init.he_normal, init.he_normal, depth, width, hidden, gen)
    x = gen.standard_normal(width)
    res = atlas.residual_stack(W1, W2, x, activation="relu")
    inv, y = np.eye(width), x.copy()
    for l in range(depth):
        h = W1[l] @ y
        inv = inv @ np.linalg.inv(np.eye(width) + W2[l] @ ((h > 0)[:, None] * W1[l]))
        y = y + W2[l] @ np.maximum(h, 0.0)
    assert res.singular_values[0] / res.singular_values[-1] > 1e30
    assert res.singular_values[-1] == pytest.approx(1.0 / np.linalg.svd(inv, compute_uv=False)[0], rel=1e-8)
    np.testing.assert_allclose(np.exp(res.log_singular_values), res.singular_values, rtol=1e-14)


def test_atlas_validates_every_argument_up_front_and_reports_failed_cells():
    for kwargs, match in [(dict(width=0), "width"), (dict(depth=0), "depth"), (dict(n_samples={"period3": 0}), r"n_samples\['period3'\]"),
                          (dict(n_samples={"maps": 3}), "n_samples: unknown keys"), (dict(n_samples=[3]), "n_samples"),
                          (dict(seed=-1), "seed"), (dict(map_width=1.5), "map_width")]:
        with pytest.raises((ValueError, TypeError), match=match):
            atlas.atlas_table({"he": init.he_normal}, **kwargs)

    def nan_init(shape, *, gain=1.0, rng=None):
        return np.full(shape, np.nan)

    with pytest.raises(ValueError, match=r"cell \('bad', 'sigma_w2'\).*NaN"):
        atlas.atlas_table({"bad": nan_init}, width=4, depth=2, map_width=3,
                          n_samples=dict(spread=1, survival=2, recurrence=2, period3=5))


def test_diagnostics_check_the_initializer_draws():
    with pytest.raises(ValueError, match="fn: the initializer"):
        atlas.effective_sigma_w2(lambda shape, **kw: np.ones(3), width=4)
    with pytest.raises(TypeError, match="fn"):
        atlas.meanfield_applies(None)
    assert np.all(np.isinf(atlas.recurrence_growth(lambda shape, **kw: np.zeros(shape), n=4, n_samples=2, rng=0)))


def test_idinit_residual_norms_beyond_the_float_range_are_inf_not_nan():
    out = atlas.idinit_residual_norms(np.array([-1e300, -2.0]), epsilon=1e200, copies=2, depth=3)
    np.testing.assert_allclose(out, 1e300, rtol=1e-12)  # no positive part: nothing grows, no inf * 0
    out = atlas.idinit_residual_norms(np.array([1e300, -2.0]), epsilon=1e200, copies=2, depth=3)
    assert out[0] == pytest.approx(1e300) and np.all(np.isinf(out[1:]))
