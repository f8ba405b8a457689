"""Mean-field theory: fixed points, published values, closed forms, and bad input."""

import numpy as np
import pytest
from scipy.optimize import brentq

from initdyn import _cstar
from initdyn import gaussian as gs
from initdyn import meanfield as mf

SMOOTH = ["tanh", "erf", "hard_tanh"]


# --- published values and closed forms ---------------------------------------------------------

def test_tanh_critical_point_at_sigma_b2_005():
    # The edge of chaos of tanh at sigma_b^2 = 0.05 (Schoenholz et al. 2017, Fig. 1; Pennington et al.
    # 2017, Sec. 4): sigma_w^2 = 1.7610 to four decimals.
    sw2 = mf.critical_sigma_w2(sigma_b2=0.05, activation="tanh")
    assert round(sw2, 4) == 1.7610
    assert mf.chi1(sigma_w2=sw2, sigma_b2=0.05, activation="tanh") == pytest.approx(1.0, abs=1e-11)


def test_relu_he_is_critical_exactly():
    assert mf.chi1(sigma_w2=2.0, sigma_b2=0.0, activation="relu") == 1.0
    assert mf.critical_sigma_w2(sigma_b2=0.3, activation="relu") == 2.0
    assert mf.critical_sigma_w2(sigma_b2=[0.0, 1.0], activation="linear").tolist() == [1.0, 1.0]
    # Every q is a fixed point of the ReLU length map at (2, 0): q* is whatever q0 was.
    assert mf.q_star(sigma_w2=2.0, sigma_b2=0.0, activation="relu", q0=3.5) == 3.5
    assert mf.depth_scales(sigma_w2=2.0, sigma_b2=0.0, activation="relu") == (np.inf, np.inf)


def test_tanh_critical_line_at_zero_bias_is_one():
    # As sigma_b^2 -> 0 the fixed point q* -> 0 and chi_1 -> sigma_w^2 phi'(0)^2, so the line ends at 1.
    assert mf.critical_sigma_w2(sigma_b2=0.0, activation="tanh") == pytest.approx(1.0, abs=1e-12)
    assert mf.critical_sigma_w2(sigma_b2=0.0, activation="erf") == pytest.approx(np.pi / 4, abs=1e-12)


@pytest.mark.parametrize("activation, sw2, sb2", [("relu", 1.5, 0.2), ("linear", 0.7, 0.3)])
def test_homogeneous_q_star_closed_form(activation, sw2, sb2):
    k = 0.5 if activation == "relu" else 1.0
    assert mf.q_star(sigma_w2=sw2, sigma_b2=sb2, activation=activation) == pytest.approx(sb2 / (1 - sw2 * k), rel=1e-15)


@pytest.mark.parametrize("activation", SMOOTH)
@pytest.mark.parametrize("sw2, sb2", [(0.5, 0.1), (1.5, 0.05), (3.0, 0.5), (1.2, 0.0)])
def test_q_star_is_a_fixed_point(activation, sw2, sb2):
    q = mf.q_star(sigma_w2=sw2, sigma_b2=sb2, activation=activation)
    assert mf.q_map(q, sigma_w2=sw2, sigma_b2=sb2, activation=activation) == pytest.approx(q, abs=1e-12)
    # and the one the map reaches: 200 plain iterations from q0 = 1 land on it
    traj = mf.q_trajectory(1.0, 400, sigma_w2=sw2, sigma_b2=sb2, activation=activation)
    assert traj[-1] == pytest.approx(q, abs=1e-9)


def test_q_star_zero_when_ordered_without_bias():
    assert mf.q_star(sigma_w2=0.8, sigma_b2=0.0, activation="tanh") == pytest.approx(0.0, abs=1e-12)


def test_q_star_reports_divergence():
    with pytest.raises(mf.ConvergenceError, match="no finite stable fixed point"):
        mf.q_star(sigma_w2=2.5, sigma_b2=0.1, activation="relu")
    with pytest.raises(mf.ConvergenceError, match="no convergence after 2 iterations"):
        mf.q_star(sigma_w2=1.5, sigma_b2=0.05, activation="tanh", max_iter=2)


@pytest.mark.parametrize("activation", ["tanh", "hard_tanh", "erf"])
def test_c_star_chaotic_phase_is_a_stable_fixed_point(activation):
    sw2, sb2 = 3.0, 0.05
    assert mf.chi1(sigma_w2=sw2, sigma_b2=sb2, activation=activation) > 1
    c = mf.c_star(sigma_w2=sw2, sigma_b2=sb2, activation=activation)
    assert c < 1
    assert mf.c_map(c, sigma_w2=sw2, sigma_b2=sb2, activation=activation) == pytest.approx(c, abs=1e-11)
    slope = sw2 * gs.gauss_dphidphi(activation, *(2 * [mf.q_star(sigma_w2=sw2, sigma_b2=sb2, activation=activation)]), c)
    assert slope < 1  # stable
    # Near c* the deviation of the iterated map shrinks by the slope each layer, which is
    # exp(-1/xi_c) (Schoenholz et al. 2017, eq. 8-9); the ratio after 8 steps from c* + 1e-3 matches
    # the slope up to the O(1e-3 * slope^8) curvature correction.
    traj = mf.c_trajectory(c + 1e-3, 8, sigma_w2=sw2, sigma_b2=sb2, activation=activation)
    ratio = (traj[-1] - c) / (traj[-2] - c)
    assert ratio == pytest.approx(slope, abs=1e-3)
    xi_c = mf.depth_scales(sigma_w2=sw2, sigma_b2=sb2, activation=activation)[1]
    assert np.exp(-1 / xi_c) == pytest.approx(slope, rel=1e-12)


def test_c_star_is_one_in_the_ordered_phase():
    assert mf.c_star(sigma_w2=1.2, sigma_b2=0.3, activation="tanh") == 1.0
    assert mf.c_map(1.0, sigma_w2=1.2, sigma_b2=0.3, activation="tanh") == pytest.approx(1.0, abs=1e-12)


def test_c_map_slope_at_one_is_chi1():
    # Poole et al. 2016, eq. (7): d c_map / dc at c = 1 equals chi_1.
    sw2, sb2 = 1.9, 0.1
    h = 1e-5
    slope = (1.0 - mf.c_map(1 - h, sigma_w2=sw2, sigma_b2=sb2, activation="tanh")) / h
    assert slope == pytest.approx(mf.chi1(sigma_w2=sw2, sigma_b2=sb2, activation="tanh"), rel=1e-4)


def test_depth_scales():
    sb2 = 0.05
    crit = mf.critical_sigma_w2(sigma_b2=sb2, activation="tanh")
    # ordered phase: xi_c = -1 / log chi_1 (Schoenholz et al. 2017, eq. 9 with c* = 1)
    sw2 = 1.4
    xq, xc = mf.depth_scales(sigma_w2=sw2, sigma_b2=sb2, activation="tanh")
    assert xc == pytest.approx(-1 / np.log(mf.chi1(sigma_w2=sw2, sigma_b2=sb2, activation="tanh")), rel=1e-12)
    # xi_q is the inverse log-slope of the q-map at q*: compare with a finite-difference slope
    q = mf.q_star(sigma_w2=sw2, sigma_b2=sb2, activation="tanh")
    h = 1e-5
    slope = (mf.q_map(q + h, sigma_w2=sw2, sigma_b2=sb2, activation="tanh")
             - mf.q_map(q - h, sigma_w2=sw2, sigma_b2=sb2, activation="tanh")) / (2 * h)
    assert xq == pytest.approx(-1 / np.log(slope), rel=1e-6)
    # xi_c diverges at the critical line from both sides, xi_q stays finite
    near = mf.depth_scales(sigma_w2=np.array([crit - 1e-3, crit + 1e-3]), sigma_b2=sb2, activation="tanh")
    assert np.all(near[1] > 300) and np.all(near[0] < 10)
    far = mf.depth_scales(sigma_w2=np.array([crit - 0.3, crit + 0.3]), sigma_b2=sb2, activation="tanh")
    assert np.all(far[1] < 30)


def test_broadcasting_over_parameters():
    sw2 = np.array([[1.0, 1.5], [2.0, 2.5]])
    out = mf.chi1(sigma_w2=sw2, sigma_b2=0.05, activation="tanh")
    assert out.shape == (2, 2)
    assert out[1, 0] == pytest.approx(mf.chi1(sigma_w2=2.0, sigma_b2=0.05, activation="tanh"), rel=1e-14)


def test_critical_line_vectorised_matches_scalar():
    sb2 = np.linspace(0.0, 1.0, 11)
    line = mf.critical_sigma_w2(sigma_b2=sb2, activation="tanh")
    assert np.all(np.diff(line) > 0)
    for s, w in zip(sb2[1:], line[1:]):
        assert mf.chi1(sigma_w2=w, sigma_b2=s, activation="tanh") == pytest.approx(1.0, abs=1e-10)


# --- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(sigma_w2=-1.0, sigma_b2=0.0, activation="tanh"), ValueError, "sigma_w2"),
        (dict(sigma_w2=1.0, sigma_b2=np.nan, activation="tanh"), ValueError, "sigma_b2"),
        (dict(sigma_w2=np.inf, sigma_b2=0.0, activation="tanh"), ValueError, "sigma_w2"),
        (dict(sigma_w2="1", sigma_b2=0.0, activation="tanh"), TypeError, "sigma_w2"),
        (dict(sigma_w2=1.0, sigma_b2=0.0, activation="swish"), ValueError, "activation"),
        (dict(sigma_w2=1.0, sigma_b2=0.0, activation=None), TypeError, "activation"),
    ],
)
@pytest.mark.parametrize("fn", [mf.q_star, mf.chi1, mf.c_star, mf.depth_scales])
def test_bad_parameters(fn, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        fn(**kwargs)


def test_bad_map_arguments():
    with pytest.raises(ValueError, match="q"):
        mf.q_map(-0.1, sigma_w2=1.0, sigma_b2=0.0, activation="tanh")
    with pytest.raises(ValueError, match="c"):
        gs.gauss_phiphi("tanh", 1.0, 1.0, 1.5)
    with pytest.raises(ValueError, match="sigma_b2"):
        mf.critical_sigma_w2(sigma_b2=-0.1, activation="tanh")
    with pytest.raises(TypeError, match="depth"):
        mf.q_trajectory(1.0, 2.5, sigma_w2=1.0, sigma_b2=0.0, activation="tanh")
    with pytest.raises(ValueError, match="q"):
        mf.c_map(0.5, sigma_w2=0.5, sigma_b2=0.0, activation="tanh", q=0.0)


# --- the values chapter 1 prints, against an independent computation (scipy quad + brentq) -------

def _independent_q_star(sw2, sb2):
    from scipy import integrate, optimize, stats

    def qmap(q):
        f = lambda z: np.tanh(np.sqrt(q) * z) ** 2 * stats.norm.pdf(z)
        return sw2 * integrate.quad(f, -12, 12, points=[0.0], epsabs=1e-14, limit=200)[0] + sb2

    return optimize.brentq(lambda q: qmap(q) - q, 1e-6, 50.0, xtol=1e-14)


@pytest.mark.parametrize("sw2, printed", [(1.0, 0.1936), (2.0, 0.7218), (3.0, 1.4280), (4.0, 2.1955)])
def test_chapter1_q_star_values(sw2, printed):
    assert round(_independent_q_star(sw2, 0.05), 4) == printed
    assert round(mf.q_star(sigma_w2=sw2, sigma_b2=0.05, activation="tanh"), 4) == printed


@pytest.mark.slow
def test_chapter1_c_star_and_chi1_values():
    from scipy import optimize

    q = _independent_q_star(2.5, 0.05)
    # c* solves c = (sigma_w2 E[tanh(u1) tanh(u2)] + sigma_b2) / q*, with the kernel from test_activations' reference
    from test_activations import quad_2d

    c = optimize.brentq(lambda c: (2.5 * quad_2d("tanh", q, c, False) + 0.05) / q - c, 0.2, 0.7, xtol=1e-10)
    assert round(c, 4) == 0.4468 == round(mf.c_star(sigma_w2=2.5, sigma_b2=0.05, activation="tanh"), 4)
    assert round(mf.chi1(sigma_w2=2.5, sigma_b2=0.05, activation="tanh"), 4) == 1.1335


# ---------------------------------------------------------------------------
# Depth scales where the length fixed point degenerates: an independent calculation
# ---------------------------------------------------------------------------

def _relu_cmap(c):
    """The ReLU correlation map without bias in closed form (Cho & Saul 2009 arc-cosine kernel, degree 1),
    written here independently of initdyn: c' = (sqrt(1 - c^2) + (pi - arccos c) c) / pi."""
    return (np.sqrt(1 - c * c) + (np.pi - np.arccos(c)) * c) / np.pi


@pytest.mark.parametrize("sw2", [0.5, 1.0, 2.0, 3.0])
def test_relu_without_bias_correlations_converge_as_a_power_law(sw2):
    # Issue: xi_c was reported finite (= xi_q) for ReLU at sigma_b2 = 0.  The c-map does not depend on
    # sigma_w2 and its slope at c = 1 is exactly 1: 1 - c_l decays like l^-2 (1 - c' ~ (1 - c) -
    # (2 sqrt 2 / 3 pi)(1 - c)^{3/2}), so the ratio of successive gaps tends to 1 and no exponential
    # depth scale exists.  Independent: the closed-form map above, iterated 2000 times from c = 0.
    c = 0.0
    gaps = []
    for _ in range(2000):
        c = _relu_cmap(c)
        gaps.append(1 - c)
    gaps = np.array(gaps)
    assert gaps[-1] / gaps[-2] > 0.998                     # an exponential with xi = 1.44 would give 0.5
    l = np.arange(1, 2001)
    assert np.polyfit(np.log(l[200:]), np.log(gaps[200:]), 1)[0] == pytest.approx(-2.0, abs=0.05)
    assert (1 - _relu_cmap(1 - 1e-10)) / 1e-10 == pytest.approx(1.0, abs=1e-4)
    assert mf.depth_scales(sigma_w2=sw2, sigma_b2=0.0, activation="relu")[1] == np.inf
    # and the library's map, normalised by the output length (its value at c = 1, since without bias there
    # is no length fixed point to divide by unless sw2 = 2), is the closed form whatever q and sw2
    cs = np.array([-0.5, 0.0, 0.3, 0.9])
    kw = dict(sigma_w2=sw2, sigma_b2=0.0, activation="relu", q=0.7)
    np.testing.assert_allclose(mf.c_map(cs, **kw) / mf.c_map(1.0, **kw), _relu_cmap(cs), rtol=1e-10, atol=1e-12)


def test_relu_with_bias_depth_scale_from_the_closed_form_map():
    # sigma_b2 > 0, sigma_w2 < 2: q* = sb2 / (1 - sw2/2), c' = (sw2 q* m(c)/2 + sb2) / q*, c* = 1, and the
    # finite-difference slope at 1 of this closed form gives xi_c = -1/log(sw2/2) (here 1/log 2).
    sw2, sb2 = 1.0, 0.1
    q = sb2 / (1 - sw2 / 2)
    cmap = lambda c: (sw2 * q * _relu_cmap(c) / 2 + sb2) / q  # noqa: E731
    # one-sided FD: bias (2/3) sqrt(2h)/pi ~ 3e-6 from the sqrt(1 - c) term, rounding 1e-16/h ~ 1e-6
    h = 1e-10
    slope = (cmap(1.0) - cmap(1.0 - h)) / h
    assert slope == pytest.approx(0.5, rel=2e-5)
    # xi = -1/log(slope): relative error in xi = relative error in slope / |log slope| < 3e-5
    assert mf.depth_scales(sigma_w2=sw2, sigma_b2=sb2, activation="relu")[1] == pytest.approx(-1 / np.log(slope),
                                                                                              rel=1e-4)


@pytest.mark.parametrize("activation", ["tanh", "erf", "hard_tanh", "linear"])
def test_no_bias_ordered_phase_has_no_correlation_depth_scale(activation):
    # sigma_b2 = 0 and sigma_w2 phi'(0)^2 < 1: q^l -> 0 geometrically at rate sigma_w2 phi'(0)^2 (that is
    # xi_q), and the network becomes linear, whose c-map is the identity: xi_c = inf.  Independent check of
    # the q rate by Gauss-Hermite quadrature of the q-map written out here (smooth where q is small: tanh,
    # erf; hard-tanh's kinks sit at |z| = 1/sqrt(q) > 30, where the Gaussian weight is < 1e-190).
    from initdyn.activations import get_activation
    act = get_activation(activation)
    d0 = float(act.dphi(np.zeros(1))[0])
    sw2 = 0.5 / d0**2
    xq, xc = mf.depth_scales(sigma_w2=sw2, sigma_b2=0.0, activation=activation)
    assert xc == np.inf
    z, w = np.polynomial.hermite_e.hermegauss(80)
    w = w / w.sum()
    q = 1e-3
    for _ in range(60):
        q_next = sw2 * np.sum(w * act.phi(np.sqrt(q) * z) ** 2)
        q = q_next if q_next > 1e-250 else q
    rate = sw2 * np.sum(w * act.phi(np.sqrt(q) * z) ** 2) / q
    assert xq == pytest.approx(-1 / np.log(rate), rel=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("activation, sw2", [("tanh", 2.0), ("erf", 1.0), ("hard_tanh", 2.0)])
def test_no_bias_chaotic_phase_correlation_depth_scale(activation, sw2):
    # sigma_b2 = 0 in the chaotic phase: q* > 0 and the odd activation puts the stable correlation at c* = 0,
    # where c_star used to stall.  Independent: q* by iterating the q-map integrated here with adaptive
    # quadrature (scipy.integrate.quad, split at hard-tanh's kinks z = +-1/sqrt(q); relative accuracy ~1e-10),
    # and the slope at c* = 0, sw2 E[phi'(u)]^2 (u1, u2 independent there), the same way.  Tolerance 1e-6:
    # the fixed-point iteration is stopped at a 1e-12 step, quadrature errors 1e-10 propagate ~100-fold
    # through -1/log(slope) with slope near 1.
    from scipy import integrate
    from initdyn.activations import get_activation
    act = get_activation(activation)

    def gauss(f, q):
        pdf = lambda z: np.exp(-z * z / 2) / np.sqrt(2 * np.pi)  # noqa: E731
        k = 1 / np.sqrt(q)
        parts = [(-np.inf, -k), (-k, k), (k, np.inf)]
        return sum(integrate.quad(lambda z: f(np.sqrt(q) * z) * pdf(z), a, b, epsabs=1e-14, epsrel=1e-12)[0]
                   for a, b in parts)

    q = 1.0
    for _ in range(500):
        q_new = sw2 * gauss(lambda h: act.phi(np.array([h]))[0] ** 2, q)
        if abs(q_new - q) < 1e-13:
            break
        q = q_new
    slope = sw2 * gauss(lambda h: act.dphi(np.array([h]))[0], q) ** 2
    assert mf.c_star(sigma_w2=sw2, sigma_b2=0.0, activation=activation) == pytest.approx(0.0, abs=1e-9)
    assert mf.depth_scales(sigma_w2=sw2, sigma_b2=0.0, activation=activation)[1] == pytest.approx(-1 / np.log(slope),
                                                                                                  rel=1e-6)


# --- extreme input: large q, stalled iterations, the unstable fixed point ------------------------

@pytest.mark.parametrize("q", [1e11, 1e14, 1e20])
def test_tanh_kernels_at_huge_q_match_their_asymptotics(q):
    # For q -> inf, E[phi'(sqrt q z)^2] = (int sech^4) phi_N(0) / sqrt q = (4/3) / sqrt(2 pi q) (1 + O(1/q)) and
    # E[phi'(u1) phi'(u2)] at c = 0 is E[phi']^2 = (2 / sqrt(2 pi q))^2.  Above q = 1e10 the quadrature panels
    # used to miss the width-1/sqrt(q) peak (100% error at 1e14); the added split points resolve it.
    ref = 4 / 3 / np.sqrt(2 * np.pi * q)
    assert gs.gauss_dphi2("tanh", q) == pytest.approx(ref, rel=1e-9)
    assert gs.gauss_dphidphi("tanh", q, q, 0.0) == pytest.approx((2 / np.sqrt(2 * np.pi * q)) ** 2, rel=1e-9)
    assert gs.gauss_phi2("tanh", q) == pytest.approx(1 - 2 / np.sqrt(2 * np.pi * q), rel=1e-12)  # 1 - E[sech^2]


def test_closed_form_overflow_falls_back_on_quadrature():
    # erf's closed forms overflow at q ~ 1e300 (2q / (1 + 2q) = inf / inf); the kernel is still ~1
    assert gs.gauss_phi2("erf", 1e300) == pytest.approx(1.0, abs=1e-12)
    assert gs.gauss_phiphi("relu", 1e300, 1e300, 1.0) == pytest.approx(0.5e300, rel=1e-12)


def test_iteration_controls_are_validated():
    for kw, name in [(dict(tol=-1.0), "tol"), (dict(tol=0.0), "tol"), (dict(max_iter=0), "max_iter"),
                     (dict(max_iter=2.5), "max_iter")]:
        for fn in (mf.q_star, mf.c_star):
            with pytest.raises((ValueError, TypeError), match=name):
                fn(sigma_w2=3.0, sigma_b2=0.05, activation="tanh", **kw)
    with pytest.raises(ValueError, match="c0"):
        mf.c_star(sigma_w2=3.0, sigma_b2=0.05, activation="tanh", c0=1.5)
    with pytest.raises(TypeError, match="q0"):
        mf.q_star(sigma_w2=1.0, sigma_b2=0.05, activation="tanh", q0=[1.0, 2.0])
    with pytest.raises(ValueError, match="tol"):
        mf.critical_sigma_w2(sigma_b2=0.05, activation="tanh", tol=float("nan"))


def test_c_star_from_the_unstable_fixed_point():
    ref = mf.c_star(sigma_w2=3.0, sigma_b2=0.05, activation="tanh")
    assert mf.c_star(sigma_w2=3.0, sigma_b2=0.05, activation="tanh", c0=1.0) == pytest.approx(ref, abs=1e-10)


def test_q_star_zero_is_named_where_the_correlation_map_needs_q():
    with pytest.raises(ValueError, match="q: the length fixed point q\\* is 0"):
        mf.c_map(0.5, sigma_w2=1.0, sigma_b2=0.0, activation="relu")


def test_trajectory_overflow_is_inf_and_depth_is_bounded():
    traj = mf.q_trajectory(1.0, 1100, sigma_w2=4.0, sigma_b2=0.0, activation="relu")
    assert traj[1000] == 2.0**1000 and np.isinf(traj[-1])
    with pytest.raises(ValueError, match="depth"):
        mf.q_trajectory(1.0, 10**8, sigma_w2=1.0, sigma_b2=0.0, activation="relu")
    # q0 broadcasts with array-valued parameters
    assert mf.q_trajectory(1.0, 2, sigma_w2=[1.0, 2.0], sigma_b2=0.0, activation="relu").shape == (3, 2)


@pytest.mark.parametrize("sigma_w2", [2.5, 3.0, 4.0, 5.0])
def test_c_star_tanh_without_bias_is_zero_in_few_steps(sigma_w2, monkeypatch):
    # odd activation, no bias: the c-map is odd, so c* = 0 exactly; its slope there is ~0.93-0.96, where a
    # plain iteration crawls.  The bracketed iteration must land within tol in few map evaluations.
    calls = []
    real = gs.gauss_phiphi
    monkeypatch.setattr(_cstar, "gauss_phiphi", lambda *a, **k: calls.append(1) or real(*a, **k))
    c = mf.c_star(sigma_w2=sigma_w2, sigma_b2=0.0, activation="tanh")
    assert abs(c) <= 1e-12
    assert len(calls) <= 80


@pytest.mark.parametrize("c0", [-0.9, 0.0, 0.5, 0.999])
def test_c_star_root_matches_brent_from_any_start(c0):
    # the stable root is unique below 1: every start finds the root an independent bracketed solve gives
    act, sw2, sb2 = "tanh", 3.0, 0.1
    q = mf.q_star(sigma_w2=sw2, sigma_b2=sb2, activation=act)
    g = lambda c: (sw2 * float(gs.gauss_phiphi(mf.get_activation(act), q, q, c)) + sb2) / q - c
    ref = brentq(g, -0.5, 0.99, xtol=1e-14)
    assert abs(mf.c_star(sigma_w2=sw2, sigma_b2=sb2, activation=act, c0=c0) - ref) <= 1e-11
