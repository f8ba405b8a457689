"""Mean-field theory: fixed points, published values, closed forms, and bad input."""

import numpy as np
import pytest

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
    slope = sw2 * mf.gauss_dphidphi(activation, *(2 * [mf.q_star(sigma_w2=sw2, sigma_b2=sb2, activation=activation)]), c)
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
        mf.gauss_phiphi("tanh", 1.0, 1.0, 1.5)
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
