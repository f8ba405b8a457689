"""Chapter 5: exact periodic points, laps, period-3 statistics, Lyapunov exponents, and bad input."""

import math

import numpy as np
import pytest

from initdyn import chaos as ch
from initdyn import piecewise as pw
from initdyn import stats
from initdyn import meanfield as mf

GOLDEN = (1 + math.sqrt(5)) / 2


def three_cycle_map():
    """f(x) = x + 1 for x <= 1, 4 - 2x for x >= 1: the 3-cycle 0 -> 1 -> 2 -> 0, as a ReLU map."""
    return pw.ReluMap(a=[1.0, -1.0, -3.0], w=[1.0, -1.0, 1.0], b=[0.0, 0.0, -1.0], c=1.0)


# --- closed forms ------------------------------------------------------------------------------

def test_tent_map_periodic_points_are_known_in_closed_form():
    tent = pw.tent_map(2.0)
    np.testing.assert_allclose(tent.periodic_points(1), [0.0, 2 / 3], atol=1e-14)
    # The two 3-cycles of the doubling tent map: {2/7, 4/7, 6/7} and {2/9, 4/9, 8/9}.
    expected = np.sort([2 / 7, 4 / 7, 6 / 7, 2 / 9, 4 / 9, 8 / 9])
    np.testing.assert_allclose(tent.periodic_points(3), expected, atol=1e-13)
    assert tent.periodic_points(2).size == 2  # the 2-cycle {2/5, 4/5}
    np.testing.assert_allclose(tent.periodic_points(2), [0.4, 0.8], atol=1e-13)
    # 2^p - (points of smaller period dividing p) points of least period p on [0, 1].
    assert tent.periodic_points(5).size == 2**5 - 2
    assert tent.periodic_points(6).size == 2**6 - 2**3 - 2**2 + 2


def test_sharkovsky_order_and_forcing():
    order = sorted(range(1, 25), key=ch.sharkovsky_key)
    assert order[:6] == [3, 5, 7, 9, 11, 13]
    assert order[-5:] == [16, 8, 4, 2, 1]
    assert order.index(6) < order.index(12) < order.index(24) < order.index(16)
    key = ch.sharkovsky_key  # m forces n (m before n in the order) iff key(m) <= key(n)
    assert key(3) <= key(5) and key(5) <= key(6) and not key(4) <= key(3)
    # Period 3 forces every period (Li & Yorke 1975).
    assert all(pw.tent_map(2.0).has_period(p) for p in range(1, 10))
    # The tent map of slope 1.55 lies between the birth of period 5 (s ~ 1.51) and of period 3 (s = golden
    # ratio): it has every period that 5 forces and not 3, exactly as Sharkovsky's theorem allows.
    t = pw.tent_map(1.55)
    assert [t.has_period(p) for p in range(1, 11)] == [key(5) <= key(p) for p in range(1, 11)]
    assert not t.has_period(3)
    assert pw.tent_map(1.62).has_period(3) and not pw.tent_map(1.6).has_period(3)


def test_laps_of_a_three_cycle_map_are_fibonacci_numbers():
    f = three_cycle_map()
    np.testing.assert_allclose(f([0.0, 1.0, 2.0]), [1.0, 2.0, 0.0])
    laps = f.lap_counts(14, interval=(0.0, 2.0))
    fib = [1, 1]
    while len(fib) < 17:
        fib.append(fib[-1] + fib[-2])
    assert laps.tolist() == fib[2:16]  # laps(f^t) = F_{t+2}
    assert laps[-1] / laps[-2] == pytest.approx(GOLDEN, rel=1e-4)
    # The tent map doubles its laps on [0, 1].
    assert pw.tent_map().lap_counts(8, interval=(0, 1)).tolist() == [2**t for t in range(1, 9)]


def test_periodic_point_counts_of_the_three_cycle_map_are_lucas_numbers():
    # f maps I = [0, 1] onto J = [1, 2] and J onto I u J: #Fix(f^p) = tr(A^p), A = [[0, 1], [1, 1]] (Lucas
    # numbers); points of least period p follow by Moebius inversion.  Chapter 5, Sec. 1 table.
    f = three_cycle_map()
    a = np.array([[0, 1], [1, 1]])
    lucas = [int(np.trace(np.linalg.matrix_power(a, p))) for p in range(1, 11)]
    assert lucas[:6] == [1, 3, 4, 7, 11, 18]
    assert [f.power(p).fixed_points().size for p in range(1, 11)] == lucas

    def mobius(n):
        out, k = 1, 2
        while k * k <= n:
            if n % k == 0:
                n //= k
                if n % k == 0:
                    return 0
                out = -out
            k += 1
        return -out if n > 1 else out

    least = [sum(mobius(p // d) * lucas[d - 1] for d in range(1, p + 1) if p % d == 0) for p in range(1, 11)]
    assert [f.periodic_points(p).size for p in range(1, 11)] == least
    assert least[:6] == [1, 2, 3, 4, 10, 12]


def test_composition_is_exact():
    rng = np.random.default_rng(11)
    f = ch.random_relu_map(width=12, gain=2.0, rng=rng)
    x = rng.normal(0, 5, 2000)
    np.testing.assert_allclose(f.power(3)(x), f(f(f(x))), rtol=1e-10, atol=1e-10)
    g = pw.compose_maps([f, pw.tent_map(), f])
    np.testing.assert_allclose(g(x), f(pw.tent_map()(f(x))), rtol=1e-10, atol=1e-10)
    # Every exact fixed point of f^3 is one to rounding.
    pts = f.power(3).fixed_points()
    np.testing.assert_allclose(f(f(f(pts))), pts, rtol=1e-8, atol=1e-8)


# --- exact detection against brute force and against itself ------------------------------------

def test_exact_detector_agrees_with_a_fine_grid():
    # Random width-4 maps at twice the He gain (where period 3 is common).  The grid covers every exact
    # period-3 point with margin; it can only miss points in pieces narrower than its step, and never
    # invent one, so: no grid-only detections, and at most 2% exact-only detections.
    rng = np.random.default_rng(5)
    ens = ch.random_relu_map(width=4, gain=2.0, n_samples=100, rng=rng)
    grid_only = exact_only = n_pos = 0
    for i in range(len(ens)):
        f = ens[i]
        exact = f.periodic_points(3)
        half = 2.0 + (1.5 * np.abs(exact).max() if exact.size else 10.0)
        grid = ch.grid_periodic_points(f, 3, (-half, half), n_grid=100001)
        n_pos += bool(exact.size)
        grid_only += bool(grid.size) and not exact.size
        exact_only += bool(exact.size) and not grid.size
        if exact.size and grid.size:  # every grid point is an exact one
            assert np.min(np.abs(grid[:, None] - exact[None, :]), axis=1).max() < 1e-6 * (1 + half)
    assert n_pos >= 8
    assert grid_only == 0
    assert exact_only <= 0.02 * len(ens)


def test_vectorized_period3_matches_the_per_map_computation():
    rng = np.random.default_rng(6)
    for width, gain in [(3, 2.0), (16, 1.5)]:
        ens = ch.random_relu_map(width=width, gain=gain, n_samples=600, rng=rng)
        vec = ens.has_period3(chunk=128)
        loop = np.array([ens[i].has_period(3) for i in range(len(ens))])
        assert vec.sum() >= 20
        np.testing.assert_array_equal(vec, loop)


def test_contractions_have_no_period_three():
    # A map with every |slope| < 1 is a contraction: one fixed point, no other periodic point.
    rng = np.random.default_rng(7)
    ens = ch.random_relu_map(width=8, gain=0.5, n_samples=500, rng=rng)
    slopes = np.array([np.abs(ens[i].to_piecewise().slopes).max() for i in range(len(ens))])
    assert np.count_nonzero(slopes < 1) > 100
    assert not ens.has_period3()[slopes < 1].any()


def test_period3_probability_does_not_vanish_with_width():
    # Chapter 5, Sec. 3: at gain 1.5 (2.25 times the He variance per layer) the probability of period 3 stays
    # at several percent from width 4 to width 512.  Wilson 99.9% lower bounds from 600 maps stay above 2%.
    rng = np.random.default_rng(8)
    for width in (4, 512):
        ens = ch.random_relu_map(width=width, gain=1.5, n_samples=600, rng=rng)
        k = int(ens.has_period(3).sum())
        lo, _ = stats.wilson_interval(k, 600, z=3.29)
        assert lo > 0.02, (width, k)


def test_period3_probability_at_standard_and_larger_variance():
    # Chapter 5, Sec. 3 on independent draws: He at width 16 about 0.5% (the chapter: 0.43% of 3000 maps);
    # Glorot at gain 1 essentially never; gain 2 (4x the He variance) about 16%.  Bounds are 99.9% Wilson
    # intervals of this test's own samples, which must contain the chapter's rates.
    rng = np.random.default_rng(13)
    k = int(ch.random_relu_map(width=16, init="he", n_samples=4000, rng=rng).has_period3().sum())
    lo, hi = stats.wilson_interval(k, 4000, z=3.29)
    assert lo < 0.005 < hi and hi < 0.015
    assert ch.random_relu_map(width=16, init="glorot", n_samples=2000, rng=rng).has_period3().sum() <= 4
    k = int(ch.random_relu_map(width=16, init="he", gain=2.0, n_samples=2000, rng=rng).has_period3().sum())
    lo, hi = stats.wilson_interval(k, 2000, z=3.29)
    assert lo < 0.16 < hi
    # At g^2 = 0.36 no map has period 3, at g^2 = 0.64 (almost) none (the chapter: 0 of 1500 maps each).
    assert not ch.random_relu_map(width=16, init="he", gain=0.6, n_samples=2000, rng=rng).has_period3().any()
    assert ch.random_relu_map(width=16, init="he", gain=0.8, n_samples=2000, rng=rng).has_period3().sum() <= 6


def test_public_code_criterion_counts_period_two_and_four():
    # The criterion of steliostavroulakis/Chaos_RNNs composes the map four times (RNN applied three times to
    # f(x)) on 163 points of [-1, 1]: it detects points of least period 2 or 4 in [-1, 1], not period 3.
    rng = np.random.default_rng(9)
    ens = ch.random_relu_map(width=4, n_samples=2000, output="relu", rng=rng)
    crit = ch.grid_criterion(ens)
    p24 = np.array([ens[i].periodic_points(2, (-1, 1)).size + ens[i].periodic_points(4, (-1, 1)).size > 0
                    for i in range(0, 2000, 4)])
    assert np.mean(crit[::4] == p24) >= 0.98
    # Their notebook prints 8.77% for width 4, He weights and biases, ReLU output, 10^4 maps.  Binomial
    # standard error of our 2000-map estimate: sqrt(.0877 * .9123 / 2000) = 0.0063; allow 4 of them.
    assert abs(crit.mean() - 0.0877) < 4 * 0.0063
    # With three compositions the same grid finds (almost) only true period-3 points, which are rare:
    # exact period 3 for these maps is below 0.5% (the chapter: 0.12%), and several times more common
    # without the output ReLU (the chapter: 0.75%).
    crit3 = ch.grid_criterion(ens, n_compositions=3)
    exact3 = ens.has_period(3)
    assert crit3.mean() < 0.005 and exact3.mean() < 0.005
    assert np.sum(crit3 != exact3) <= 2
    linear = pw.ReluMapEnsemble(a=ens.a, w=ens.w, b=ens.b, c=ens.c).has_period3()
    assert 0.003 < linear.mean() < 0.02


def test_persistence_of_period_three_under_perturbation():
    # The 3-cycles of the tent map are hyperbolic (|(f^3)'| = 8), so they survive small perturbations of
    # every parameter (Chatziafratis et al. 2022, persistence of chaos).
    rng = np.random.default_rng(10)
    tent = pw.tent_map()
    assert all(ch.perturb(tent, 0.02, rng=rng).has_period(3) for _ in range(40))
    kept = np.mean([ch.perturb(tent, 0.05, rng=rng).has_period(3) for _ in range(100)])
    assert kept >= 0.95
    # Period 3 in (0, 1) forces at least Fibonacci F_{t+2} laps of f^t there (Chatziafratis et al. 2020).
    fib = [1, 1]
    while len(fib) < 12:
        fib.append(fib[-1] + fib[-2])
    rnn, ffn = [], []
    for _ in range(20):
        g = ch.perturb(tent, 0.1, rng=rng)
        laps = g.lap_counts(8, interval=(0.0, 1.0))
        if g.periodic_points(3, (0.0, 1.0)).size:
            assert np.all(laps >= fib[2:10])
        rnn.append(laps[-1])
        ffn.append(pw.stack_lap_counts([ch.perturb(tent, 0.1, rng=rng) for _ in range(8)], interval=(0, 1))[-1])
    # The chapter: 195 vs 65 mean laps at depth 8.  Laps of 20 draws have a relative spread of ~30%, so the
    # mean is known to ~7%; the FNN mean must stay below 60% of the RNN mean.
    assert np.mean(ffn) < 0.6 * np.mean(rnn)
    # Unperturbed, both are the tent map: 2^t laps.
    assert pw.stack_lap_counts([tent] * 6, interval=(0, 1)).tolist() == [2, 4, 8, 16, 32, 64]


# --- Lyapunov exponents and scrambling -----------------------------------------------------------

def test_logistic_lyapunov_is_ln2():
    rng = np.random.default_rng(1)
    est = ch.lyapunov_1d(lambda x: 4 * x * (1 - x), rng.uniform(0.05, 0.95, 16), df=lambda x: 4 - 8 * x,
                         n_steps=20000)
    assert not est.collapsed.any()
    se = est.stderr.mean() / math.sqrt(16)
    assert abs(est.exponent.mean() - math.log(2)) < 5 * se + 1e-3


def test_tent_lyapunov_and_floating_point_collapse():
    # Slope-s tent: every orbit in [0, 1] has exponent ln s exactly.
    est = ch.lyapunov_1d(pw.tent_map(1.9), [0.1, 0.3, 0.77], n_steps=2000)
    np.testing.assert_allclose(est.exponent, math.log(1.9), rtol=1e-12)
    assert not est.collapsed.any()
    # Slope 2: doubling loses a bit per step, every float orbit reaches the fixed point 0 -> flagged.
    assert ch.lyapunov_1d(pw.tent_map(2.0), [0.1, 0.3], n_steps=200).collapsed.all()
    # Logistic map from 1/2: 1/2 -> 1 -> 0 (fixed, slope 4): flagged, exponent ln 4 instead of ln 2.
    est = ch.lyapunov_1d(lambda x: 4 * x * (1 - x), [0.5], df=lambda x: 4 - 8 * x, n_steps=100)
    assert est.collapsed.all() and est.exponent[0] == pytest.approx(math.log(4))
    # A little noise keeps the tent orbit alive.
    est = ch.lyapunov_1d(pw.tent_map(2.0), [0.1, 0.3], n_steps=500, jitter=1e-12, rng=0)
    assert not est.collapsed.any()


def test_scrambled_pair_separates_and_returns():
    g = pw.tent_map(1.9).to_piecewise()  # exact pieces: bitwise-reproducible arithmetic
    d = ch.pair_distances(g, 0.3, 0.3 + 1e-7, 20000)
    assert d[0] == pytest.approx(1e-7)
    # While both points sit on one branch the distance is multiplied by exactly s = 1.9 per step, so it
    # cannot exceed 0.1 before ceil(ln(1e6) / ln 1.9) = 22 steps; folds at 1/2 can only delay it a little.
    t_sep = int(np.argmax(d > 0.1))
    assert 22 <= t_sep <= 30
    np.testing.assert_allclose(d[:15], 1e-7 * 1.9 ** np.arange(15), rtol=1e-6)
    late = d[t_sep:]
    assert late.max() > 0.5 and late.min() < 1e-3
    # Independent uniform points would be within 1e-2 about 2% of the time; the pair returns that often.
    assert 0.005 < np.mean(late < 1e-2) < 0.06


def test_linear_rnn_spectrum_is_log_eigenvalue_moduli():
    rng = np.random.default_rng(2)
    n = 12
    a = rng.normal(size=(n, n))
    sym = (a + a.T) / (2 * math.sqrt(n))  # normal: exponents = log |eigenvalues| exactly
    lam = ch.rnn_lyapunov(sym[None], np.zeros((1, n)), activation="linear", n_steps=3000, n_discard=100,
                          n_exponents=n, rng=rng)
    expected = np.sort(np.log(np.abs(np.linalg.eigvalsh(sym))))[::-1]
    np.testing.assert_allclose(lam[0], expected, atol=5e-3)
    # A non-normal Gaussian matrix: the top exponent is log of the spectral radius.
    g = rng.normal(size=(1, n, n)) / math.sqrt(n)
    top = ch.rnn_lyapunov(g, np.zeros((1, n)), activation="linear", n_steps=4000, n_discard=200, rng=rng)
    assert top[0, 0] == pytest.approx(np.log(np.abs(np.linalg.eigvals(g[0])).max()), abs=5e-3)


@pytest.mark.parametrize("sigma_w2", [0.6, 1.761, 2.5, 4.0])
def test_tanh_rnn_top_exponent_is_half_log_chi1(sigma_w2):
    # Mean field (chapter 1): squared tangent norms grow by chi_1 per step, so lambda_max = log(chi_1) / 2.
    # At N = 300 the net-to-net spread is ~0.02 (measured); finite-N bias is of the same order.
    rng = np.random.default_rng(3)
    W, b = ch.random_rnn(width=300, sigma_w2=sigma_w2, sigma_b2=0.05, n_samples=4, rng=rng)
    lam = ch.rnn_lyapunov(W, b, activation="tanh", n_steps=300, n_discard=200, rng=rng)[:, 0]
    theory = 0.5 * math.log(mf.chi1(sigma_w2=sigma_w2, sigma_b2=0.05, activation="tanh"))
    assert abs(lam.mean() - theory) < 4 * lam.std(ddof=1) / 2 + 0.02


@pytest.mark.slow
def test_tanh_spectrum_below_and_above_the_transition():
    # Chapter 5, Sec. 4, Fig. 6 (width 100, sigma_b^2 = 0.05): no positive exponent at sigma_w^2 = 0.8
    # (mean field -0.22), a positive top exponent at 4.0 (mean field +0.15); the sum (mean log |det J|) is
    # negative.  At N = 100 none of 30 nets at sigma_w^2 = 4 was found on a limit cycle (measured).
    rng = np.random.default_rng(14)
    for sw2, positive in [(0.8, False), (4.0, True)]:
        W, b = ch.random_rnn(width=100, sigma_w2=sw2, sigma_b2=0.05, n_samples=2, rng=rng)
        spec = ch.rnn_lyapunov(W, b, activation="tanh", n_steps=300, n_discard=200, n_exponents=100, rng=rng)
        assert np.all(np.diff(spec, axis=1) <= 0)
        assert np.all(spec.sum(axis=1) < 0)
        assert np.all(spec[:, 0] > 0.03) if positive else np.all(spec[:, 0] < -0.03)
        top = ch.rnn_lyapunov(W, b, activation="tanh", n_steps=300, n_discard=200, rng=rng)[:, 0]
        np.testing.assert_allclose(top, spec[:, 0], atol=0.03)


def test_limit_cycles_of_tied_weights_become_rarer_with_width():
    # Sec. 4: above the transition some finite RNNs settle on a limit cycle (top exponent ~ 0) instead of
    # chaos.  Measured over 30 nets at sigma_w^2 = 2.5: about half at N = 64, about a tenth at N = 200.
    rng = np.random.default_rng(16)
    frac = {}
    for n in (64, 200):
        W, b = ch.random_rnn(width=n, sigma_w2=2.5, sigma_b2=0.05, n_samples=30, rng=rng)
        lam = ch.rnn_lyapunov(W, b, activation="tanh", n_steps=300, n_discard=200, rng=rng)[:, 0]
        frac[n] = np.mean(lam < 0.01)
    assert frac[64] > frac[200] + 0.15


def test_relu_rnn_top_exponent_is_half_log_chi1():
    # ReLU, sigma_b = 0: chi_1 = sigma_w^2 / 2.  Net-to-net spread at N = 200 is ~0.05 (measured).
    rng = np.random.default_rng(15)
    for sw2 in (1.0, 3.0):
        W, b = ch.random_rnn(width=200, sigma_w2=sw2, sigma_b2=0.0, n_samples=6, rng=rng)
        lam = ch.rnn_lyapunov(W, b, activation="relu", n_steps=300, n_discard=200, rng=rng)[:, 0]
        assert abs(lam.mean() - 0.5 * math.log(sw2 / 2)) < 4 * lam.std(ddof=1) / math.sqrt(6) + 0.02


def test_wilson_interval_closed_form():
    z = 1.959963984540054
    lo, hi = stats.wilson_interval(0, 10)
    assert lo == pytest.approx(0.0, abs=1e-15) and hi == pytest.approx(z**2 / (10 + z**2))
    lo2, hi2 = stats.wilson_interval(10, 10)
    assert lo2 == pytest.approx(1 - hi) and hi2 == pytest.approx(1.0)
    lo, hi = stats.wilson_interval(50, 100)
    assert lo == pytest.approx(1 - hi) and 0.40 < lo < 0.41


def test_random_map_laws():
    rng = np.random.default_rng(4)
    ens = ch.random_relu_map(width=8, init="he", n_samples=4000, rng=rng)
    # He for R -> R^8 -> R: Var(w) = Var(b) = 2 / fan_in = 2, Var(a) = Var(c) = 2 / 8.  Relative standard
    # error of a variance from m samples is sqrt(2 / m); allow 4 of them.
    for arr, var in [(ens.w, 2.0), (ens.b, 2.0), (ens.a, 0.25), (ens.c, 0.25)]:
        assert np.var(arr) == pytest.approx(var, rel=4 * math.sqrt(2 / arr.size))
    g = ch.random_relu_map(width=8, init="glorot", bias="zero", n_samples=2000, rng=rng)
    assert np.var(g.w) == pytest.approx(2 / 9, rel=4 * math.sqrt(2 / g.w.size))
    assert not g.b.any() and not g.c.any()
    t = ch.random_tanh_map(width=5, rng=rng)
    assert isinstance(t, ch.TanhMap) and t.width == 5
    lo, hi = t.bounding_interval()
    x = np.linspace(-50, 50, 101)
    assert np.all((t(x) >= lo) & (t(x) <= hi))
    np.testing.assert_allclose(t.derivative(0.3), (t(0.3 + 1e-6) - t(0.3 - 1e-6)) / 2e-6, rtol=1e-6)


# --- bad input ------------------------------------------------------------------------------------

def test_bad_input():
    f = pw.tent_map()
    with pytest.raises(ValueError, match="a"):
        pw.ReluMap(a=[np.nan, 1.0], w=[1.0, 1.0], b=[0.0, 0.0])
    with pytest.raises(ValueError, match="a, w, b"):
        pw.ReluMap(a=[1.0], w=[1.0, 2.0], b=[0.0])
    with pytest.raises(ValueError, match="c"):
        pw.ReluMap(a=[1.0], w=[1.0], b=[0.0], c=np.inf)
    with pytest.raises(ValueError, match="output"):
        pw.ReluMap(a=[1.0], w=[1.0], b=[0.0], output="tanh")
    with pytest.raises(ValueError, match="p"):
        f.has_period(0)
    with pytest.raises(TypeError, match="p"):
        f.periodic_points(1.5)
    with pytest.raises(ValueError, match="interval"):
        f.periodic_points(3, interval=(1.0, 0.0))
    with pytest.raises(ValueError, match="width"):
        ch.random_relu_map(width=0)
    with pytest.raises(TypeError, match="width"):
        ch.random_relu_map(width=2.5)
    with pytest.raises(ValueError, match="init"):
        ch.random_relu_map(width=3, init="nope")
    with pytest.raises(ValueError, match="bias"):
        ch.random_relu_map(width=3, bias="nope")
    with pytest.raises(ValueError, match="gain"):
        ch.random_relu_map(width=3, gain=-1.0)
    with pytest.raises(ValueError, match="n_samples"):
        ch.random_tanh_map(width=3, n_samples=0)
    with pytest.raises(ValueError, match="breakpoints"):
        pw.PiecewiseLinear([1.0, 0.0], [1, 2, 3], [0, 0, 0])
    with pytest.raises(ValueError, match="slopes"):
        pw.PiecewiseLinear([0.0], [1.0], [0.0])
    with pytest.raises(TypeError, match="inner"):
        f.to_piecewise().compose(f)
    with pytest.raises(TypeError, match="maps"):
        pw.compose_maps([])
    with pytest.raises(ValueError, match="a, w, b, c"):
        pw.ReluMapEnsemble(a=np.ones((2, 3)), w=np.ones((2, 3)), b=np.ones((2, 3)), c=np.ones(3))
    ens = ch.random_relu_map(width=3, n_samples=2, rng=0)
    with pytest.raises(ValueError, match="x"):
        ens(np.zeros(5))
    with pytest.raises(TypeError, match="i"):
        ens[0.5]
    with pytest.raises(ValueError, match="n"):
        ch.sharkovsky_key(0)
    with pytest.raises(ValueError, match="interval"):
        ch.grid_periodic_points(f, 3, (-np.inf, 1.0))
    with pytest.raises(TypeError, match="f"):
        ch.grid_periodic_points(3.0, 3, (0.0, 1.0))
    with pytest.raises(ValueError, match="n_compositions"):
        ch.grid_criterion(f, n_compositions=0)
    with pytest.raises(ValueError, match="k"):
        stats.wilson_interval(11, 10)
    with pytest.raises(ValueError, match="n"):
        stats.wilson_interval(1, 0)
    with pytest.raises(TypeError, match="df"):
        ch.lyapunov_1d(lambda x: x, [0.1])
    with pytest.raises(ValueError, match="x0"):
        ch.lyapunov_1d(f, [np.nan])
    with pytest.raises(ValueError, match="n_steps"):
        ch.pair_distances(f, 0.1, 0.2, 0)
    with pytest.raises(TypeError, match="fmap"):
        ch.perturb(f.to_piecewise(), 0.1)
    with pytest.raises(ValueError, match="scale"):
        ch.perturb(f, -0.1)
    W, b = ch.random_rnn(width=4, sigma_w2=1.0, sigma_b2=0.0, n_samples=2, rng=0)
    with pytest.raises(ValueError, match="W, b"):
        ch.rnn_lyapunov(W, b[:1], activation="tanh")
    with pytest.raises(ValueError, match="n_exponents"):
        ch.rnn_lyapunov(W, b, activation="tanh", n_exponents=5)
    with pytest.raises(ValueError, match="activation"):
        ch.rnn_lyapunov(W, b, activation="swish")
    with pytest.raises(ValueError, match="sigma_w2"):
        ch.random_rnn(width=4, sigma_w2=-1.0, sigma_b2=0.0)


@pytest.mark.parametrize("name", ["he_uniform", "glorot_normal", "lecun_normal", "orthogonal"])
def test_ensemble_draws_follow_the_initializer(name):
    # Ensembles draw i.i.d. initializers in one call; the law must match calling the initializer per map.
    # Compare second and fourth moments of w (first layer, shape (6, 1)) and a (second layer, (1, 6)).
    from initdyn import init

    rng = np.random.default_rng(12)
    ens = ch.random_relu_map(width=6, init=name, n_samples=3000, rng=rng)
    fn = init.INITIALIZERS[name]
    ref_w = np.stack([fn((6, 1), rng=rng)[:, 0] for _ in range(3000)])
    ref_a = np.stack([fn((1, 6), rng=rng)[0] for _ in range(3000)])
    for got, ref in [(ens.w, ref_w), (ens.a, ref_a)]:
        m2 = np.mean(ref**2)
        assert np.mean(got**2) == pytest.approx(m2, rel=4 * math.sqrt(2 / got.size) + 1e-12)
        # Kurtosis separates normal (3) from uniform (1.8); its standard error here is < 0.05.
        kurt = lambda v: np.mean(v**4) / np.mean(v**2) ** 2  # noqa: E731
        assert kurt(got) == pytest.approx(kurt(ref), abs=0.25)


def test_tanh_maps_grid_detection_is_stable_and_rates_are_small():
    # Tanh maps are bounded, so a grid over bounding_interval() sees every periodic point; a 4001-point grid
    # (the chapter) must agree with a ten times finer one.  Sec. 3 rates: He gain 1 ~ 0 (0/500 in the
    # chapter), gain 2 ~ 9% (43/500).
    rng = np.random.default_rng(17)
    maps = ch.random_tanh_map(width=16, init="he", gain=2.0, n_samples=150, rng=rng)
    coarse = np.array([m.has_period(3, n_grid=4001) for m in maps])
    fine = np.array([m.has_period(3, n_grid=40001) for m in maps])
    assert coarse.sum() >= 5
    assert np.sum(coarse != fine) <= 2
    k = sum(m.has_period(3, n_grid=4001) for m in ch.random_tanh_map(width=16, init="he", n_samples=400, rng=rng))
    assert k <= 4


# ---------------------------------------------------------------------------
# Bad and extreme input (the fuzz suite, tests/test_fuzz_sims.py, covers the rest)
# ---------------------------------------------------------------------------

def test_lap_counts_by_incremental_composition_equal_the_powers():
    g = np.random.default_rng(5)
    for _ in range(5):
        f = pw.ReluMap(a=g.standard_normal(6), w=g.standard_normal(6), b=g.standard_normal(6), c=0.3)
        laps = f.lap_counts(6, interval=(-2.0, 2.0))
        assert laps.tolist() == [f.power(t).monotone_pieces((-2.0, 2.0)) for t in range(1, 7)]


def test_expanding_iterates_are_refused_before_they_fill_memory():
    with pytest.raises(ValueError, match=r"t_max: .*GiB"):
        pw.tent_map(2.0).lap_counts(80)
    with pytest.raises(ValueError, match="p: expected an integer >= 1, at most"):
        pw.tent_map(2.0).power(10**9)


def test_wilson_interval_at_a_subnormal_count_and_bad_z():
    lo, hi = stats.wilson_interval(0.0, 5e-324)
    assert (lo, hi) == (0.0, 1.0)
    with pytest.raises(ValueError, match="z"):
        stats.wilson_interval(1, 10, z=0.0)


def test_orbits_that_overflow_name_the_starting_points():
    with pytest.raises(ValueError, match="x0: an orbit left the float range"):
        pw.tent_map(2.0).iterate(5.0, 2000)
    with pytest.raises(ValueError, match="x0, y0"):
        ch.pair_distances(pw.tent_map(2.0), 5.0, 6.0, 2000)


def test_ensemble_iteration_and_index_errors():
    ens = ch.random_relu_map(width=3, n_samples=4, rng=0)
    assert len(list(ens)) == 4
    with pytest.raises(IndexError, match="i: index 4"):
        ens[4]


def test_random_maps_name_initializers_that_cannot_serve_the_layer_shapes():
    with pytest.raises(ValueError, match=r"init: the initializer delta_orthogonal cannot serve"):
        ch.random_relu_map(width=3, init="delta_orthogonal")
    with pytest.raises(ValueError, match="gain: the drawn (weights|biases) overflow"):
        ch.random_relu_map(width=3, gain=1e308, rng=0)


@pytest.mark.parametrize("seed", range(5))
def test_relu_map_at_infinity_is_the_outer_pieces_limit(seed):
    # summing units at +-inf meets inf - inf; the value must be the limit of the outer linear piece
    f = ch.random_relu_map(width=6, rng=seed)
    pl = f.to_piecewise()
    x = np.array([-np.inf, np.inf])
    y = f(x)
    assert not np.any(np.isnan(y))
    far = np.array([-1e6, 1e6]) * (1 + np.abs(pl.breakpoints).max(initial=0.0))
    slopes = pl.derivative(far)
    expect = np.where(slopes == 0, pl(far), np.sign(slopes) * np.array([-1.0, 1.0]) * np.inf)
    np.testing.assert_array_equal(y, expect)
    flat = pw.PiecewiseLinear.relu()(x)
    np.testing.assert_array_equal(flat, [0.0, np.inf])
