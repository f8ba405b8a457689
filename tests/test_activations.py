"""Activations: derivatives, and every closed-form Gaussian kernel against careful quadrature."""

import numpy as np
import pytest
from scipy import integrate, special, stats

from initdyn import activations as A
from initdyn import _gauss
from initdyn import gaussian as gs

NAMES = ["linear", "relu", "tanh", "hard_tanh", "erf"]
ZPDF = stats.norm.pdf


@pytest.mark.parametrize("name", NAMES)
def test_derivatives_match_finite_differences(name):
    act = A.get_activation(name)
    x = np.linspace(-3, 3, 601)
    x = x[np.min(np.abs(x[:, None] - np.array(act.features or [99.0])[None, :]), axis=1) > 1e-3]
    h = 1e-6
    fd1 = (act.phi(x + h) - act.phi(x - h)) / (2 * h)
    np.testing.assert_allclose(act.dphi(x), fd1, atol=1e-8)


def test_lookup_by_name_and_object():
    assert A.get_activation("ReLU") is A.relu
    assert A.get_activation("hard-tanh") is A.hard_tanh
    assert A.get_activation(A.tanh) is A.tanh
    with pytest.raises(ValueError, match="activation: unknown name 'sigmoidal'"):
        A.get_activation("sigmoidal")
    with pytest.raises(TypeError, match="activation"):
        A.get_activation(3)


def test_activation_constructor_validates():
    with pytest.raises(TypeError, match="phi"):
        A.Activation("bad", phi=1.0, dphi=np.cos)
    with pytest.raises(ValueError, match="features"):
        A.Activation("bad", phi=np.sin, dphi=np.cos, features=(np.nan,))


def quad_1d(f, q, points):
    """E f(sqrt(q) z) by adaptive quadrature split at the kinks: the reference."""
    pts = sorted(set([-12.0, 12.0] + [p / np.sqrt(q) for p in points if abs(p / np.sqrt(q)) < 12]))
    total = 0.0
    for a, b in zip(pts[:-1], pts[1:]):
        total += integrate.quad(lambda z: f(np.sqrt(q) * z) * ZPDF(z), a, b, epsabs=1e-15, epsrel=1e-13, limit=200)[0]
    return total


def _inner_reference(name, deriv):
    """E_Z[g(m + s Z)] for g = phi or phi', as a function of arrays (m, s): independent formulas."""
    norm = stats.norm
    if name == "relu":
        return (lambda m, s: norm.cdf(m / s)) if deriv else (lambda m, s: m * norm.cdf(m / s) + s * norm.pdf(m / s))
    if name == "erf":
        if deriv:
            return lambda m, s: 2 / np.sqrt(np.pi) * np.exp(-m * m / (1 + 2 * s * s)) / np.sqrt(1 + 2 * s * s)
        return lambda m, s: special.erf(m / np.sqrt(1 + 2 * s * s))
    if name == "hard_tanh":
        if deriv:
            return lambda m, s: norm.cdf((1 - m) / s) - norm.cdf((-1 - m) / s)
        # E[clip(X, -1, 1)] = -1 + int_{-1}^{1} P(X > t) dt, by quadrature
        return lambda m, s: -1 + integrate.quad(lambda t: norm.cdf((m - t) / s), -1, 1, epsabs=1e-13, epsrel=1e-12)[0]
    # tanh: trapezoid on a very fine grid (spectrally accurate for this smooth integrand)
    z = np.linspace(-12, 12, 240001)
    wz = norm.pdf(z) * (z[1] - z[0])
    f = (lambda u: 1 - np.tanh(u) ** 2) if deriv else np.tanh
    return lambda m, s: float(np.sum(wz * f(m + s * z)))


def quad_2d(name, q, c, deriv):
    """E g(u1) g(u2), (u1, u2) with variance q and correlation c: adaptive outer quadrature, inner by
    the independent one-dimensional formulas above.  Given z1, u2 ~ N(sqrt(q) c z1, q (1 - c^2))."""
    act = A.get_activation(name)
    g = act.dphi if deriv else act.phi
    inner = _inner_reference(name, deriv)
    m_of = lambda z1: np.sqrt(q) * c * z1
    s = np.sqrt(q * (1 - c * c))
    integrand = lambda z1: float(g(np.sqrt(q) * z1)) * inner(m_of(z1), s) * ZPDF(z1)
    pts = sorted(set([-12.0, 12.0] + [z for p in act.features for z in (p / np.sqrt(q), p / (np.sqrt(q) * c))
                                       if abs(z) < 12]))
    return sum(integrate.quad(integrand, a, b, epsabs=1e-14, epsrel=1e-12, limit=200)[0] for a, b in zip(pts[:-1], pts[1:]))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("q", [0.05, 0.7, 2.0, 25.0])
def test_one_dimensional_kernels(name, q):
    act = A.get_activation(name)
    pts = act.features
    ref_phi2 = quad_1d(lambda u: act.phi(u) ** 2, q, pts)
    ref_dphi2 = quad_1d(lambda u: act.dphi(u) ** 2, q, pts)
    ref_dq = quad_1d(lambda u: u * act.phi(u) * act.dphi(u), q, pts) / q  # E[z phi phi'] / sqrt(q)
    assert gs.gauss_phi2(act, q) == pytest.approx(ref_phi2, abs=1e-11)
    assert gs.gauss_dphi2(act, q) == pytest.approx(ref_dphi2, abs=1e-11)
    assert gs.gauss_phi2_dq(act, q) == pytest.approx(ref_dq, abs=1e-10)


@pytest.mark.parametrize(
    "name, q, c",
    [("relu", 0.5, 0.3), ("relu", 4.0, -0.95), ("erf", 1.7, -0.6), ("erf", 4.0, 0.95), ("hard_tanh", 0.5, 0.3),
     ("hard_tanh", 4.0, 0.95), ("tanh", 1.7, -0.6), ("tanh", 4.0, 0.95)],
)
def test_two_dimensional_kernels(name, q, c):
    act = A.get_activation(name)
    assert gs.gauss_phiphi(act, q, q, c) == pytest.approx(quad_2d(name, q, c, False), abs=1e-10)
    assert gs.gauss_dphidphi(act, q, q, c) == pytest.approx(quad_2d(name, q, c, True), abs=1e-10)


@pytest.mark.parametrize("name", ["relu", "hard_tanh", "erf"])
def test_generic_quadrature_matches_closed_forms(name):
    """The kink-aware quadrature path (used for user-defined activations) agrees with the closed forms."""
    act = A.get_activation(name)
    bare = A.Activation(f"{name}_numeric", phi=act.phi, dphi=act.dphi, features=act.features)
    q = np.array([0.01, 0.3, 1.0, 9.0, 400.0])
    np.testing.assert_allclose(gs.gauss_phi2(bare, q), gs.gauss_phi2(act, q), atol=1e-12, rtol=1e-12)
    np.testing.assert_allclose(gs.gauss_dphi2(bare, q), gs.gauss_dphi2(act, q), atol=1e-12)
    np.testing.assert_allclose(gs.gauss_phi2_dq(bare, q), gs.gauss_phi2_dq(act, q), atol=1e-11)
    for c in (-0.9, 0.0, 0.5, 0.999, 1.0):
        assert gs.gauss_phiphi(bare, 1.3, 0.8, c) == pytest.approx(float(gs.gauss_phiphi(act, 1.3, 0.8, c)), abs=1e-10)
        assert gs.gauss_dphidphi(bare, 1.3, 0.8, c) == pytest.approx(float(gs.gauss_dphidphi(act, 1.3, 0.8, c)), abs=1e-9)


def test_gauss_hermite_is_not_enough_for_kinks():
    """Why the quadrature is split at kinks: 50-point Gauss-Hermite misses ReLU's E[phi'^2] = 1/2 by far more than 1e-10."""
    x, w = np.polynomial.hermite_e.hermegauss(50)
    gh = np.sum(w * A.relu.dphi(x + 0.1) ** 2) / np.sqrt(2 * np.pi)  # a shifted kink, as in a c-map
    exact = stats.norm.cdf(0.1)
    assert abs(gh - exact) > 1e-4
    assert abs(_gauss.expect(lambda z: A.relu.dphi(z + 0.1) ** 2, np.array([-0.1])) - exact) < 1e-13


def test_kernels_at_the_boundaries():
    # c = 1 reduces to the one-dimensional kernel; q = 0 gives phi(0)^2.
    for name in ["relu", "tanh", "hard_tanh", "erf"]:
        act = A.get_activation(name)
        assert gs.gauss_phiphi(act, 2.0, 2.0, 1.0) == pytest.approx(float(gs.gauss_phi2(act, 2.0)), abs=1e-12)
        assert gs.gauss_phi2(act, 0.0) == pytest.approx(0.0, abs=1e-15)
