r"""Free probability of deep Jacobians: the wide-network spectrum of :math:`JJ^\top` (chapter 2).

For a network with post-activations :math:`x^l = \phi(h^l)` and pre-activations
:math:`h^l = W^l x^{l-1} + b^l`, the input-output Jacobian is
:math:`J = \prod_{l=L}^{1} D^l W^l` with :math:`D^l = \mathrm{diag}\,\phi'(h^l)` (Pennington,
Schoenholz & Ganguli 2017, "Resurrecting the sigmoid in deep learning through dynamical isometry",
Sec. 2.1, eq. 2; simulated in :mod:`initdyn.spectra`).

In the wide limit the S-transforms multiply (same paper: S-transform Sec. 2.3, eq. 10; product
rule eq. 12, Sec. 2.4; :math:`S_{WW^\top}` and the ReLU/hard-tanh cases in Sec. 2.5),

.. math:: S_{JJ^\top}(z) = S_{D^2}(z)^L\, S_{WW^\top}(z)^L,

with :math:`S_{WW^\top} = 1/(\sigma_w^2(1+z))` for Gaussian and :math:`1/\sigma_w^2`
for orthogonal weights, and :math:`D^2` distributed as :math:`\phi'(\sqrt{q^*} Z)^2`.
Writing :math:`\mu_k = \mathbb E[\phi'(\sqrt{q^*}Z)^{2k}]` and
:math:`S_{WW^\top} = \sigma_w^{-2}(1 + s_1 z + \dots)` (:math:`s_1 = -1` Gaussian,
:math:`0` orthogonal), the first two moments of the squared singular values are
(the two-term Lagrange-inversion expansion of Sec. 2.5, eq. 18, there done for Bernoulli
:math:`D^2`, here for a general law)

.. math:: m_1 = \chi_1^L,\qquad
          \sigma^2_{JJ^\top} = m_1^2\,L\,\big(\mu_2/\mu_1^2 - 1 - s_1\big),

which for ReLU and hard-tanh (:math:`D^2` Bernoulli with :math:`P(D^2 = 1) = p`) on the
critical line is :math:`L/p` (Gaussian) and :math:`L(1-p)/p` (orthogonal) (Sec. 2.5).

The density is obtained from the moment generating function
:math:`M(z) = zG(z) - 1 = \sum_k m_k z^{-k}`.  Introducing :math:`v = \psi_{D^2}^{-1}(M)`,
where :math:`\psi_{D^2}(v) = \mathbb E[vD^2/(1 - vD^2)]`, the S-transform equation becomes one
equation in one unknown,

.. math:: z = \sigma_w^{2L}\,v^{-L}\,M^{L-1}\,(1+M)^{a}, \qquad M = \psi_{D^2}(v),

with :math:`a = 1` (Gaussian) or :math:`a = 1 - L` (orthogonal).  It is solved in log form by
Newton's method along a vertical path :math:`z = \lambda - i y`, :math:`y` decreasing
geometrically from far above the spectrum (where :math:`M \approx m_1/z`) to
:math:`y = 10^{-10}\lambda`; the solution is analytic off the real axis, so following
it keeps the physical branch (:math:`\operatorname{Im} G(\lambda - i0) > 0`) and the
density is :math:`\rho(\lambda) = \operatorname{Im} G(\lambda - i0)/\pi`.  The solver (the path, the
edges of the support) is the private module ``initdyn._freeprob_solver``; this module owns the laws of
:math:`D^2`, the moments, atoms, CDF and quantiles, and every argument check.

Supported activations: linear, relu, hard_tanh (Bernoulli :math:`D^2`, closed-form law)
and tanh (continuous :math:`D^2`: moments by kink-aware quadrature, the density with the law
discretised into 96 Gauss-Legendre atoms in the quantile, depth 1 orthogonal in closed form);
weights ``"gaussian"`` or ``"orthogonal"``.  Defined in chapter 2.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from . import _gauss
from ._freeprob_solver import _edge, _lower_edge, _solve_vertical
from ._validate import (check_choice, check_finite_array, check_int, check_memory, check_real, check_scalar_variance,
                        check_tol, check_variance, describe)
from .activations import get_activation
from .gaussian import gauss_dphi2, gauss_phi2
from .meanfield import ConvergenceError, q_star
from .stats import ks_distance

__all__ = [
    "SUPPORTED_ACTIVATIONS",
    "WEIGHT_KINDS",
    "critical_point",
    "active_fraction",
    "jacobian_spectrum_moments",
    "jacobian_spectrum_edge",
    "jacobian_spectrum_atoms",
    "jacobian_spectrum_density",
    "jacobian_spectrum_cdf",
    "jacobian_spectrum_quantile",
    "spectrum_ks_distance",
    "fuss_catalan_density",
]


#: Activations with a free-probability treatment here.
SUPPORTED_ACTIVATIONS = ("linear", "relu", "hard_tanh", "tanh")


#: Weight laws.
WEIGHT_KINDS = ("gaussian", "orthogonal")


def _check_weights(weights):
    return check_choice(weights, "weights", WEIGHT_KINDS)


def _theory_args(depth, sigma_w2, sigma_b2, activation, weights):
    depth = check_int(depth, "depth", minimum=1)
    sw2 = check_scalar_variance(sigma_w2, "sigma_w2", positive=True)
    sb2 = check_scalar_variance(sigma_b2, "sigma_b2")
    act = get_activation(activation)
    weights = _check_weights(weights)
    if act.name not in SUPPORTED_ACTIVATIONS:
        raise ValueError(
            f"activation: no free-probability treatment of {act.name!r}; supported combinations are "
            f"activation in {SUPPORTED_ACTIVATIONS} with weights in {WEIGHT_KINDS} "
            "(the simulation jacobian_singular_values works for any activation)"
        )
    return depth, sw2, sb2, act, weights


def _input_q(sw2, sb2, act):
    """q* where it exists; for linear/ReLU (homogeneous) D^2 does not depend on q, use 1 if q* is undefined."""
    try:
        return q_star(sigma_w2=sw2, sigma_b2=sb2, activation=act)
    except ConvergenceError:
        if act.homogeneous:
            return 1.0
        raise


def active_fraction(*, sigma_w2, sigma_b2, activation):
    r"""The probability :math:`p = P(\phi'(h)^2 = 1)` at :math:`q^*` for linear (1), ReLU (1/2), hard-tanh.

    Implements :math:`p = P(\phi'^2 = 1)` of chapter 2 (:doc:`/notebooks/02-dynamical-isometry`),
    which sets :math:`\mu_1 = \mu_2 = p` in its moment equation ``eq-ch2-moments``.

    For hard-tanh :math:`p = P(|\sqrt{q^*} Z| < 1) = \operatorname{erf}(1/\sqrt{2q^*})`
    (Pennington et al. 2017, Sec. 2.5).
    """
    sw2 = check_variance(sigma_w2, "sigma_w2", positive=True)
    sb2 = check_variance(sigma_b2, "sigma_b2")
    act = get_activation(activation)
    if act.name == "linear":
        return 1.0
    if act.name == "relu":
        return 0.5
    if act.name == "hard_tanh":
        if not isinstance(sw2, float) or not isinstance(sb2, float):
            raise TypeError(f"sigma_w2, sigma_b2: expected scalars for hard_tanh, got {describe(sigma_w2)}, "
                            f"{describe(sigma_b2)}")
        return float(gauss_dphi2(act, q_star(sigma_w2=sw2, sigma_b2=sb2, activation=act)))
    raise ValueError(f"activation: the active fraction p is defined for linear, relu and hard_tanh, got {act.name!r}")


def _d2_law(sw2, sb2, act, n_nodes=None):
    """Atoms ``d`` and weights ``w`` of the law of D^2 = phi'(sqrt(q*) Z)^2 (weights sum to 1).

    Tanh has a continuous law.  By default it is discretised by the kink-aware quadrature of
    ``initdyn._gauss`` (about 500 nodes, moments to ~1e-13); with ``n_nodes`` by ``n_nodes``-point
    Gauss-Legendre in ``u = P(|Z| < z)`` (moments to ~1e-6 at 96 nodes), which is what the density
    solver uses: its cost is proportional to the number of atoms.
    """
    if act.name == "linear":
        return np.array([1.0]), np.array([1.0])
    if act.name in ("relu", "hard_tanh"):
        p = active_fraction(sigma_w2=sw2, sigma_b2=sb2, activation=act)
        return np.array([0.0, 1.0]), np.array([1.0 - p, p])
    # tanh: phi'^2 is even in z, so integrate over z >= 0 with doubled weights.
    q = _input_q(sw2, sb2, act)
    if n_nodes is not None:
        x, w = np.polynomial.legendre.leggauss(n_nodes)
        z = -ndtri((1 - (x + 1) / 2) / 2)  # |Z| at P(|Z| < z) = u, accurate for u -> 1
        d = act.dphi(np.sqrt(q) * z) ** 2
        return d, w / w.sum()
    z, w = _gauss.nodes(np.array([0.0]))
    keep = z > 0
    z, w = z[keep], 2 * w[keep]
    d = act.dphi(np.sqrt(q) * z) ** 2
    w = w / w.sum()
    big = w > 1e-16 * w.max()  # drop nodes far in the tail (weight < 1e-16)
    return d[big], w[big] / w[big].sum()


def _check_scale(L, sw2, mu1):
    """The spectrum scales like chi_1^L; refuse depths where that leaves double precision."""
    if not sw2 * mu1 > 0:
        raise ValueError(
            f"sigma_w2: chi_1 = sigma_w2 E[phi'^2] = {sw2 * mu1:g} is not > 0 in double precision (every unit "
            "is saturated at this q*); the spectrum is a point mass at 0"
        )
    log_scale = L * np.log(sw2 * mu1)
    if abs(log_scale) > 300:  # the variance, chi_1^{2L}, must fit too
        raise ValueError(
            f"depth, sigma_w2: chi_1^L = exp({log_scale:.0f}) is outside double precision (|L log chi_1| must "
            "be <= 300); the spectrum off criticality is dominated by that factor, use a smaller depth"
        )


def _moments_d2(d, w):
    return float(np.sum(w * d)), float(np.sum(w * d * d))


def jacobian_spectrum_moments(*, depth, sigma_w2, sigma_b2, activation, weights="gaussian"):
    r"""Mean and variance of the squared singular values of :math:`J` in the wide limit.

    Implements equation ``eq-ch2-moments`` (:math:`\mathbb E[\lambda]`, :math:`\operatorname{Var}[\lambda]`)
    of chapter 2 (:doc:`/notebooks/02-dynamical-isometry`); chapter 6 uses its ratio
    :math:`\operatorname{Var}/\mathbb E^2` as equation ``eq-ch6-free-spread``
    (:doc:`/notebooks/06-initializers-in-practice`).

    :math:`m_1 = (\sigma_w^2\mu_1)^L` and
    :math:`\sigma^2 = m_1^2 L(\mu_2/\mu_1^2 - 1 - s_1)`, :math:`s_1 = -1` (Gaussian) or
    :math:`0` (orthogonal) (Pennington et al. 2017, Sec. 2.5, eq. 18, for Bernoulli :math:`D^2`;
    the same expansion for a general law); exact for every depth and
    every :math:`\chi_1 = \sigma_w^2\mu_1`.  The variance is never negative (0 where :math:`D^2`
    is a point mass, e.g. tanh with :math:`q^* = 0`, and rounding would leave ~-1e-17).

    Returns
    -------
    mean, variance : float
    """
    L, sw2, sb2, act, weights = _theory_args(depth, sigma_w2, sigma_b2, activation, weights)
    mu1, mu2 = _moments_d2(*_d2_law(sw2, sb2, act))
    _check_scale(L, sw2, mu1)
    s1 = -1.0 if weights == "gaussian" else 0.0
    mean = (sw2 * mu1) ** L
    var = mean**2 * L * (mu2 / mu1**2 - 1 - s1)
    # mu2/mu1^2 - 1 is 0 when D^2 is a point mass (tanh in the ordered phase without bias: q* = 0), where
    # rounding can leave -1e-17: a variance is never negative
    return mean, max(var, 0.0)


def jacobian_spectrum_edge(*, depth, sigma_w2, sigma_b2, activation, weights="gaussian"):
    r"""The largest squared singular value (upper edge of the support) in the wide limit.

    Implements the edge of equation ``eq-ch2-density`` (:math:`z(v)`) of chapter 2
    (:doc:`/notebooks/02-dynamical-isometry`); for linear Gaussian weights it is ``eq-ch2-edge``.

    On the real axis :math:`z(v) = \sigma_w^{2L} v^{-L} M^{L-1}(1+M)^a` decreases from
    :math:`+\infty` as :math:`v \downarrow 0`; the edge is its first local minimum, where two
    real solutions merge (or the limit :math:`(\sigma_w^2 \max D^2)^L` where the support ends
    at an atom).  Closed forms for linear/ReLU/hard-tanh are checked in the tests, e.g.
    linear Gaussian :math:`(L+1)^{L+1}/L^L`.
    """
    L, sw2, sb2, act, weights = _theory_args(depth, sigma_w2, sigma_b2, activation, weights)
    d, w = _d2_law(sw2, sb2, act)
    _check_scale(L, sw2, _moments_d2(d, w)[0])
    return _edge(L, sw2, act, weights, d, w)


def jacobian_spectrum_atoms(*, depth, sigma_w2, sigma_b2, activation, weights="gaussian"):
    r"""Point masses of the spectrum of :math:`JJ^\top`: a list of ``(location, mass)``.

    Implements the atoms of the spectrum that chapter 2 (:doc:`/notebooks/02-dynamical-isometry`)
    describes beside equation ``eq-ch2-density``.

    For ReLU and hard-tanh, a fraction :math:`1-p` of the last layer's units is inactive,
    so :math:`JJ^\top` has an atom of mass :math:`1-p` at 0.  With orthogonal weights the
    inputs in the intersection of the :math:`L` active subspaces (dimension
    :math:`\max(0, 1 - L(1-p))` per unit) are mapped with norm multiplied by exactly
    :math:`\sigma_w^L`: an atom at :math:`\sigma_w^{2L}` (linear orthogonal: everything sits at
    :math:`\sigma_w^{2L}`).  Tanh (and linear Gaussian) spectra have no atoms.
    """
    L, sw2, sb2, act, weights = _theory_args(depth, sigma_w2, sigma_b2, activation, weights)
    if act.name == "tanh":
        return []
    p = active_fraction(sigma_w2=sw2, sigma_b2=sb2, activation=act)
    out = []
    if p < 1:
        out.append((0.0, 1.0 - p))
    if weights == "orthogonal":
        top = 1.0 - L * (1.0 - p)
        if top > 0:
            try:
                loc = sw2**L
            except OverflowError:
                loc = float("inf")
            if not 0.0 < loc < float("inf"):
                raise ValueError(
                    f"depth, sigma_w2: the atom at sigma_w2^L = exp({L * np.log(sw2):.0f}) is outside double "
                    "precision; use a smaller depth"
                )
            out.append((loc, top))
    return out


def _tanh_one_layer_density(lam, sw2, q):
    r"""Orthogonal tanh at depth 1: :math:`JJ^\top = \sigma_w^2 D^2`, so :math:`\lambda = \sigma_w^2
    \operatorname{sech}^4(\sqrt{q^*} z)` and :math:`\rho(\lambda) = 2\varphi(z)/|d\lambda/dz|` in closed form."""
    s = (np.clip(lam / sw2, 0.0, 1.0)) ** 0.25  # sech(u), u = sqrt(q) z
    inside = (lam > 0) & (lam < sw2)
    s = np.where(inside, s, 0.5)
    u = np.arccosh(1 / s)
    z = u / np.sqrt(q)
    rho = 2 * np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi) / (4 * np.sqrt(q) * lam * np.sqrt(1 - s * s))
    return np.where(inside, rho, 0.0)


def jacobian_spectrum_density(lam, *, depth, sigma_w2, sigma_b2, activation, weights="gaussian",
                              ratio: float = 0.4, newton: int = 4, tol: float = 1e-9, n_nodes: int = 96):
    r"""Density of the squared singular values of :math:`J` (its absolutely continuous part).

    Implements equations ``eq-ch2-s-transform`` and ``eq-ch2-density`` (:math:`z(v)`) of
    chapter 2 (:doc:`/notebooks/02-dynamical-isometry`).

    Solves the S-transform equation of the module docstring along vertical paths
    :math:`z = \lambda - iy` (vectorised over ``lam``; ``ratio`` is the geometric step in
    :math:`y`, ``newton`` the Newton iterations per step) and returns
    :math:`\rho(\lambda) = \operatorname{Im} G(\lambda - i0)/\pi`,
    :math:`G = (1 + M)/z`, with :math:`y_\mathrm{end} = 10^{-10}\lambda` and the Lorentzian
    tails of the atoms (:func:`jacobian_spectrum_atoms`) removed.  Atoms are not included:
    ``integral(density) + sum(masses) = 1``.  Outside the support (above
    :func:`jacobian_spectrum_edge`; below the lower edge of orthogonal tanh spectra, found like
    the upper one) the density is 0 without solving.  Within :math:`10^{-6}` (relative) of an
    atom the density is evaluated :math:`10^{-6}` below it.  For tanh the law of :math:`D^2` is
    discretised into ``n_nodes`` atoms (see the "Where the theory stops" section of chapter 2:
    at depth 1-2 with orthogonal weights this discreteness shows as ripples).

    Controls: ``ratio`` in (0, 1) (the path may take at most 1e5 steps), ``newton`` in [1, 1000],
    ``tol`` > 0, ``n_nodes`` >= 8; ``lam`` finite and > 0, and ``lam.size * n_nodes`` complex
    temporaries must fit in 4 GiB.

    Raises
    ------
    ConvergenceError
        If the Newton residual exceeds ``tol`` at some ``lam`` (the message lists them)
        or the solution leaves the physical branch (:math:`\operatorname{Im} G < 0`).
    """
    L, sw2, sb2, act, weights = _theory_args(depth, sigma_w2, sigma_b2, activation, weights)
    lam_arr = check_finite_array(lam, "lam")
    if np.any(lam_arr <= 0):
        raise ValueError(
            "lam: expected squared singular values > 0 (the atom at 0 is given by jacobian_spectrum_atoms)"
        )
    ratio = check_real(ratio, "ratio", low=0.0, high=1.0, low_open=True, high_open=True)
    newton = check_int(newton, "newton", minimum=1, maximum=_MAX_NEWTON)
    tol = check_tol(tol, "tol")
    n_nodes = check_int(n_nodes, "n_nodes", minimum=8)
    check_memory(12 * lam_arr.size * n_nodes, "lam, n_nodes (lam.size * n_nodes complex temporaries)", itemsize=16)
    if act.name == "linear" and weights == "orthogonal":  # J J^T = sigma_w^{2L} I: a single atom
        return np.zeros(lam_arr.shape)
    if act.name == "tanh" and weights == "orthogonal" and L == 1:
        return _tanh_one_layer_density(lam_arr, sw2, _input_q(sw2, sb2, act))
    mu1, mu2 = _moments_d2(*_d2_law(sw2, sb2, act))
    _check_scale(L, sw2, mu1)
    d, w = _d2_law(sw2, sb2, act, n_nodes=n_nodes)
    atoms = jacobian_spectrum_atoms(depth=L, sigma_w2=sw2, sigma_b2=sb2, activation=act, weights=weights)
    if 1.0 - sum(m for _, m in atoms) < 1e-6:  # (almost) all mass in atoms, e.g. hard-tanh at tiny q*
        return np.zeros(lam_arr.shape)
    s1 = -1.0 if weights == "gaussian" else 0.0
    m1 = (sw2 * mu1) ** L
    m2 = m1**2 * (1 + L * (mu2 / mu1**2 - 1 - s1))
    a = 1.0 if weights == "gaussian" else 1.0 - L
    top = _edge(L, sw2, act, weights, d, w)
    low = _lower_edge(L, sw2, d, w) if weights == "orthogonal" else 0.0
    flat = lam_arr.ravel().astype(float)
    for loc, _ in atoms:  # evaluate just below an atom rather than on it
        flat = np.where(np.abs(flat - loc) <= 1e-6 * loc, loc * (1 - 1e-6), flat)
    inside = (flat < top) & (flat > low)
    rho = np.zeros(flat.shape)
    if not np.any(inside):
        return rho.reshape(lam_arr.shape)
    lam_in = flat[inside]
    eta_rel = 1e-10
    M, z, resid = _solve_vertical(lam_in, L, sw2, a, d, w, m1, m2, mu1, mu2, top=top, ratio=ratio,
                                  newton=newton, eta_rel=eta_rel)
    bad = resid > tol
    if np.any(bad):  # retry the failures with a finer path
        M2, z2, r2 = _solve_vertical(lam_in[bad], L, sw2, a, d, w, m1, m2, mu1, mu2, top=top,
                                     ratio=ratio**0.25, newton=2 * newton, eta_rel=eta_rel)
        M[bad], z[bad], resid[bad] = M2, z2, r2
        bad = resid > tol
        if np.any(bad):
            raise ConvergenceError(
                f"jacobian_spectrum_density: Newton did not converge at lam={lam_in[bad][:5]} "
                f"(residual {resid[bad].max():.2e}) for {act.name}, {weights}, depth={L}"
            )
    G = (1 + M) / z
    r = G.imag / np.pi
    if np.any(r < -1e-6 * (1 + np.abs(G))):
        raise ConvergenceError("jacobian_spectrum_density: left the physical branch (Im G < 0)")
    eta = eta_rel * lam_in
    for loc, mass in atoms:
        r = r - mass * eta / np.pi / ((lam_in - loc) ** 2 + eta**2)
    rho[inside] = np.maximum(r, 0.0)
    return rho.reshape(lam_arr.shape)


def jacobian_spectrum_cdf(lam, *, depth, sigma_w2, sigma_b2, activation, weights="gaussian", n_grid: int = 1000):
    r"""Cumulative distribution :math:`F(\lambda)` of the squared singular values (atoms included).

    Integrates the density of equations ``eq-ch2-s-transform`` and ``eq-ch2-density`` of chapter 2
    (:doc:`/notebooks/02-dynamical-isometry`).

    :math:`F(\lambda) = 1 - \int_\lambda^{\lambda_+}\rho - \sum_{\text{atoms} > \lambda}` is
    integrated *from the top edge* :math:`\lambda_+` down, by the trapezoidal rule on ``n_grid``
    points geometric from :math:`\lambda_0 = 10^{-12}\lambda_+` to :math:`\lambda_+`, ``n_grid``
    points uniform over the support and ``n_grid/4`` points clustered geometrically towards the
    edge and both sides of every atom (where the density may have integrable singularities);
    accuracy about 1e-4 (tested against the total mass and the mean).  Deep Gaussian networks put
    much of their mass below :math:`\lambda_0` (linear: :math:`\rho \propto \lambda^{-L/(L+1)}`
    near 0, Fuss-Catalan), which integrating from the top accounts for exactly.  Below
    :math:`\lambda_0` the continuous part is extrapolated as a power law
    :math:`F_c(\lambda_0)(\lambda/\lambda_0)^{1-\alpha}` with the local exponent of the density
    (approximate; :func:`spectrum_ks_distance` does not use it).
    """
    L, sw2, sb2, act, weights = _theory_args(depth, sigma_w2, sigma_b2, activation, weights)
    lam_arr = check_finite_array(lam, "lam")
    n_grid = _check_n_grid(n_grid)
    cum, grid, atoms, alpha = _cdf_grid(L, sw2, sb2, act, weights, n_grid)
    out = np.interp(lam_arr, grid, cum, right=cum[-1])
    low = lam_arr < grid[0]
    out = np.where(low, cum[0] * (np.maximum(lam_arr, 0) / grid[0]) ** (1 - alpha), out)
    for loc, mass in atoms:
        out = out + mass * (lam_arr >= loc)
    return out


def jacobian_spectrum_quantile(prob, *, depth, sigma_w2, sigma_b2, activation, weights="gaussian",
                               n_grid: int = 1000):
    r"""Quantiles :math:`Q(P) = \min\{\lambda : F(\lambda) \ge P\}` of the squared singular values.

    Quantiles of the law of equations ``eq-ch2-s-transform`` and ``eq-ch2-density`` of chapter 2
    (:doc:`/notebooks/02-dynamical-isometry`).

    Inverts :func:`jacobian_spectrum_cdf` on its grid (linear interpolation); a probability that
    falls in an atom returns the atom's location, one below :math:`F(10^{-12}\lambda_+)` returns
    0 (below the resolved range).  Used to bracket the largest singular value of a width-:math:`N`
    network: for :math:`N` independent samples :math:`P(\max < Q(1 - k/N)) \approx e^{-k}`.
    """
    L, sw2, sb2, act, weights = _theory_args(depth, sigma_w2, sigma_b2, activation, weights)
    p = _as_probabilities(prob)
    cum, grid, atoms, _ = _cdf_grid(L, sw2, sb2, act, weights, _check_n_grid(n_grid))
    F = cum.copy()
    for loc, mass in atoms:
        F = F + mass * (grid >= loc)
    F = np.maximum.accumulate(F)
    k = np.searchsorted(F, p, side="left")  # first grid point with F >= p
    k = np.clip(k, 1, grid.size - 1)
    lo, hi = grid[k - 1], grid[k]
    flo, fhi = F[k - 1], F[k]
    frac = np.where(fhi > flo, (p - flo) / np.where(fhi > flo, fhi - flo, 1.0), 1.0)
    out = lo + np.clip(frac, 0.0, 1.0) * (hi - lo)
    for loc, mass in atoms:  # inside an atom's jump: the atom itself
        if loc > 0:
            jump_lo = np.interp(loc, grid, cum) + sum(m for l2, m in atoms if l2 < loc)
            out = np.where((p > jump_lo) & (p <= jump_lo + mass), loc, out)
    out = np.where(p <= F[0], 0.0, out)
    return out.reshape(np.shape(prob))


def _check_n_grid(n_grid):
    """n_grid >= 10, with the density's complex temporaries on the ~3 n_grid points of the grid in 4 GiB."""
    n_grid = check_int(n_grid, "n_grid", minimum=10)
    check_memory(12 * 3 * n_grid * 96, "n_grid (about 3 n_grid points times 96 atoms of D^2)", itemsize=16)
    return n_grid


def _as_probabilities(prob):
    p = check_finite_array(prob, "prob").ravel()
    if np.any((p < 0) | (p > 1)):
        raise ValueError(f"prob: expected probabilities in [0, 1], got {prob!r}")
    return p


def _cdf_grid(L, sw2, sb2, act, weights, n_grid):
    """Grid from 1e-12 of the edge to the edge, the CDF of the continuous part on it, atoms, local exponent."""
    edge = jacobian_spectrum_edge(depth=L, sigma_w2=sw2, sigma_b2=sb2, activation=act, weights=weights)
    atoms = jacobian_spectrum_atoms(depth=L, sigma_w2=sw2, sigma_b2=sb2, activation=act, weights=weights)
    low = 0.0
    if weights == "orthogonal":
        low = _lower_edge(L, sw2, *_d2_law(sw2, sb2, act, n_nodes=96))
    near = np.logspace(-10, -0.5, max(n_grid // 4, 10))
    parts = [edge * np.logspace(-12, 0, n_grid), edge * (1 - near), np.linspace(low, edge, n_grid)[1:]]
    for loc, _ in atoms:
        if loc > 0:
            parts += [loc * (1 - near), loc * (1 + near)]
    grid = np.unique(np.concatenate(parts))
    grid = grid[(grid >= edge * 1e-12) & (grid <= edge)]
    rho = jacobian_spectrum_density(grid, depth=L, sigma_w2=sw2, sigma_b2=sb2, activation=act, weights=weights)
    above = np.concatenate([np.cumsum((np.diff(grid) * (rho[1:] + rho[:-1]) / 2)[::-1])[::-1], [0.0]])
    cont_mass = 1.0 - sum(m for _, m in atoms)
    cum = np.maximum(cont_mass - above, 0.0)
    alpha = 0.0
    if rho[0] > 0 and rho[5] > 0:
        alpha = float(np.clip(-np.log(rho[5] / rho[0]) / np.log(grid[5] / grid[0]), 0.0, 0.999))
    return cum, grid, atoms, alpha


def spectrum_ks_distance(lam, *, depth, sigma_w2, sigma_b2, activation, weights="gaussian", n_grid: int = 1000):
    r"""Kolmogorov-Smirnov distance between samples ``lam`` of squared singular values and the theory.

    :math:`\sup_{x \ge \lambda_0} |F(x) - F_N(x)|` with :math:`F` from
    :func:`jacobian_spectrum_cdf` and :math:`\lambda_0 = 10^{-12}` of the edge: everything below
    :math:`\lambda_0` (the atom at 0 of ReLU/hard-tanh, which a finite network realises at
    rounding level, and the deep Gaussian tail towards 0) is compared as one lump
    :math:`F(\lambda_0)`.  The sup is taken on both sides of every sample (:math:`F` jumps at its
    atoms); samples within :math:`10^{-8}` (relative) of an atom at :math:`\lambda > 0` are snapped
    onto it.  Restricting the sup can only lower the distance, so the Dvoretzky-Kiefer-Wolfowitz
    bound for independent samples still applies (the eigenvalues of one matrix are not independent:
    they fluctuate far less, which makes that bound conservative).
    """
    L, sw2, sb2, act, weights = _theory_args(depth, sigma_w2, sigma_b2, activation, weights)
    x = np.sort(check_finite_array(lam, "lam", ndim=1))
    if x.size == 0:
        raise ValueError("lam: expected at least one sample")
    if x[0] < 0:
        raise ValueError(f"lam: expected squared singular values >= 0, got {x[0]!r}")
    cum, grid, atoms, _ = _cdf_grid(L, sw2, sb2, act, weights, _check_n_grid(n_grid))
    for loc, _ in atoms:
        if loc > 0:
            x = np.where(np.abs(x - loc) <= 1e-8 * loc, loc, x)
    lam0 = grid[0]

    def F(t, strict):
        out = np.interp(t, grid, cum, right=cum[-1])
        for loc, mass in atoms:
            out = out + mass * ((t > loc) if strict else (t >= loc))
        return out

    return ks_distance(x, lambda t: F(t, False), cdf_left=lambda t: F(t, True), lower=lam0)


def fuss_catalan_density(n_points: int = 400, *, depth):
    r"""Closed-form Fuss-Catalan density (linear network, Gaussian weights, :math:`\sigma_w^2 = 1`).

    Implements the Fuss-Catalan closed form of chapter 2 (:doc:`/notebooks/02-dynamical-isometry`), whose
    upper edge is equation ``eq-ch2-edge``.

    The squared singular values of a product of :math:`L` square Gaussian matrices follow
    the Fuss-Catalan law with parameter :math:`s = L`, whose density has the parametric form
    (Haagerup & Möller 2012; Penson & Życzkowski 2011)

    .. math:: \lambda(\varphi) = \frac{\sin^{s+1}((s+1)\varphi)}{\sin\varphi\,\sin^s(s\varphi)},\qquad
              \rho = \frac{\sin^2\varphi\,\sin^{s-1}(s\varphi)}{\pi\,\sin^s((s+1)\varphi)},
              \qquad 0 < \varphi < \frac{\pi}{s+1}.

    Returns
    -------
    lam, rho : arrays of length ``n_points`` (``lam`` decreasing from the edge towards 0; points where
        ``lam`` would underflow below 1e-300, possible at depth > 100, are left out)
    """
    s = check_int(depth, "depth", minimum=1)
    n_points = check_int(n_points, "n_points", minimum=2)
    check_memory(10 * n_points, "n_points")
    phi = np.linspace(0, np.pi / (s + 1), n_points + 2)[1:-1]
    sp, ss, s1 = np.sin(phi), np.sin(s * phi), np.sin((s + 1) * phi)
    log_lam = (s + 1) * np.log(s1) - np.log(sp) - s * np.log(ss)
    log_rho = 2 * np.log(sp) + (s - 1) * np.log(ss) - s * np.log(s1) - np.log(np.pi)
    keep = log_lam > -690  # lambda below 1e-300 would underflow
    return np.exp(log_lam[keep]), np.exp(log_rho[keep])


def critical_point(q_star, *, activation):
    r"""The point :math:`(\sigma_w^2, \sigma_b^2)` of the critical line :math:`\chi_1 = 1` with fixed point ``q_star``.

    Implements the critical line :math:`\chi_1 = 1`, equation ``eq-ch2-critical-line`` of chapter 2
    (:doc:`/notebooks/02-dynamical-isometry`; derived in chapter 1,
    :doc:`/notebooks/01-mean-field`).

    :math:`\sigma_w^2 = 1/\mathbb E[\phi'(\sqrt{q^*}Z)^2]` and
    :math:`\sigma_b^2 = q^* - \sigma_w^2\,\mathbb E[\phi(\sqrt{q^*}Z)^2]`
    (the critical line parametrised by its fixed point; Pennington et al. 2017, Fig. 1, show how
    :math:`q^*` depends on :math:`\sigma_w, \sigma_b`).

    Returns
    -------
    sigma_w2, sigma_b2 : float
    """
    q = check_scalar_variance(q_star, "q_star", positive=True)
    act = get_activation(activation)
    slope = float(gauss_dphi2(act, q))
    if not slope > 0:
        raise ValueError(
            f"q_star: E[phi'(sqrt(q*) z)^2] = {slope:g} at q_star = {q:g} for {act.name}, so no finite sigma_w2 "
            "is critical there; use a smaller q_star"
        )
    sw2 = 1.0 / slope
    sb2 = q - sw2 * float(gauss_phi2(act, q))
    if sb2 < -1e-12 * q:
        raise ValueError(f"q_star: {q:g} is not reached on the critical line of {act.name} (sigma_b2 < 0)")
    return sw2, max(sb2, 0.0)


#: Most Newton iterations per step along the vertical path of the density solver.
_MAX_NEWTON = 1000
