"""The exact joint law of the output pre-activations of chapter 3 (initdyn.preactivation).

A Gaussian scale mixture over the squared-norm ratio of the layer before (initdyn.exact).  Tolerances:
* moments against the closed forms E[h^2] = E[v_L] (the mean-field q^L) and E[h^4] = 3 E[v_L^2], and
  the density's total mass, by adaptive quadrature to ~1e-8 (the trapezoidal mixture over v);
* Monte Carlo with the library's networks: one unit per network (the units of one network are
  dependent), Kolmogorov-Smirnov distance within the Dvoretzky-Kiefer-Wolfowitz-Massart bound at a
  false-alarm probability of 1e-4.
"""

import math

import numpy as np
import pytest
from scipy import integrate, special

from initdyn import exact, preactivation, stats
from initdyn import meanfield as mf


# --- the joint law of the output pre-activations ---------------------------------------------------

OUTPUT = [(10, 10, 0.0, 1.0), (50, 20, 0.0, 1.0), (4, 6, 0.0, 1.0), (10, 10, 0.1, 1.0), (6, 4, 0.3, 2.0),
          (3, 1, 0.2, 1.0)]


@pytest.mark.parametrize("width,depth,sb2,q0", OUTPUT)
def test_output_unit_moments(width, depth, sb2, q0):
    # E[h^2] = E[v_L] (the mean-field q^L), E[h^4] = 3 E[v_L^2]; without biases the kurtosis is
    # 3 (1 + 5/N)^(L-1) (chapter 3, "The output units are not Gaussian"); quadrature to 1e-8
    o = preactivation.output_preactivation(width=width, depth=depth, sigma_w2=2.0, sigma_b2=sb2, q0=q0)
    quad = lambda f: integrate.quad(f, -np.inf, np.inf, limit=500, epsabs=1e-13)[0]  # noqa: E731
    assert quad(o.pdf) + o.p_zero == pytest.approx(1.0, abs=1e-8)
    m2 = quad(lambda h: h * h * o.pdf(h))
    m4 = quad(lambda h: h**4 * o.pdf(h))
    q = 2.0 * q0 + sb2
    for _ in range(depth - 1):
        q = float(mf.q_map(q, sigma_w2=2.0, sigma_b2=sb2, activation="relu"))
    assert o.var() == pytest.approx(q, rel=1e-9)
    assert m2 == pytest.approx(q, rel=1e-8)
    assert m4 / m2**2 == pytest.approx(o.kurtosis(), rel=1e-7)
    if sb2 == 0:
        assert o.kurtosis() == pytest.approx(3 * (1 + 5 / width) ** (depth - 1), rel=1e-9)
        assert o.p_zero == pytest.approx(exact.death_probability(width=width, depth=depth - 1), rel=1e-13) \
            if depth > 1 else o.p_zero == 0
    if depth == 1:
        h = np.linspace(-3, 3, 7)
        np.testing.assert_allclose(o.cdf(h), special.ndtr(h / math.sqrt(q)), atol=1e-15)


@pytest.mark.parametrize("width,depth,sb2", [(10, 10, 0.0), (10, 10, 0.1)])
def test_output_unit_against_networks(width, depth, sb2):
    # one unit per network (units within a network are dependent), DKW bound as above
    n = 1500
    o = preactivation.output_preactivation(width=width, depth=depth, sigma_w2=2.0, sigma_b2=sb2)
    h = preactivation.simulate_output_preactivation(width=width, depth=depth, sigma_w2=2.0, sigma_b2=sb2,
                                                    n_samples=n, rng=2024)[:, 0]
    s = np.sort(h)
    u = np.unique(s)
    fr = np.searchsorted(s, u, side="right") / n
    fl = np.searchsorted(s, u, side="left") / n
    Fr = o.cdf(u)
    Fl = Fr - np.where(u == 0, o.p_zero, 0.0)
    assert max(np.max(np.abs(fr - Fr)), np.max(np.abs(fl - Fl))) < stats.dkw_bound(n, 1e-4)


@pytest.mark.parametrize("sb2", [0.0, 0.2])
def test_output_joint_density(sb2):
    # width 2: the joint density is radially symmetric; it integrates to 1 - p_zero and its marginal is pdf
    o = preactivation.output_preactivation(width=2, depth=4, sigma_w2=2.0, sigma_b2=sb2)
    radial = integrate.quad(lambda r: 2 * np.pi * r * np.exp(o.logpdf_joint(np.array([r, 0.0]))), 0, np.inf,
                            limit=500)[0]
    assert radial + o.p_zero == pytest.approx(1.0, abs=1e-8)
    for h1 in (0.1, 0.7, 2.0):
        marg = integrate.quad(lambda h2: np.exp(o.logpdf_joint(np.array([h1, h2]))), -np.inf, np.inf,
                              limit=500)[0]
        assert marg == pytest.approx(o.pdf(h1), rel=1e-8)
    r = o.rvs(3, rng=0)
    assert r.shape == (3, 2)
    with pytest.raises(ValueError, match="h"):
        o.logpdf_joint(np.zeros(3))


def test_output_bad_input():
    with pytest.raises(ValueError, match="n_nodes"):
        preactivation.output_preactivation(width=4, depth=2, sigma_w2=2.0, n_nodes=10)
    with pytest.raises(ValueError, match="sigma_w2"):
        preactivation.output_preactivation(width=4, depth=2, sigma_w2=-2.0)
    with pytest.raises(ValueError, match="n_samples"):
        preactivation.simulate_output_preactivation(width=4, depth=2, sigma_w2=2.0, n_samples=0)
    with pytest.raises(ValueError, match="h"):
        preactivation.output_preactivation(width=4, depth=2, sigma_w2=2.0).pdf(float("inf"))


# --- extreme parameters ----------------------------------------------------------------------------

def test_output_logpdf_joint_without_an_atom():
    # depth 1 (and biases that revive the signal): no atom at 0, which used to end in "math domain error"
    o = preactivation.output_preactivation(width=3, depth=1, sigma_w2=2.0, sigma_b2=0.2, q0=1.0)
    v = 2.0 + 0.2
    h = np.array([0.3, -1.0, 0.5])
    ref = -0.5 * h @ h / v - 1.5 * math.log(2 * math.pi * v)
    assert o.logpdf_joint(h) == pytest.approx(ref, rel=1e-12)


def test_output_kurtosis_when_the_moments_underflow():
    # sigma_w2 = 1e-8 over 100 layers: E[v_L] ~ 1e-800 underflows; the kurtosis 3 (1 + 5/N)^(L-1) is still finite
    o = preactivation.output_preactivation(width=4, depth=100, sigma_w2=1e-8, n_nodes=201)
    assert o.kurtosis() == pytest.approx(3 * (1 + 5 / 4) ** 99, rel=1e-9)
