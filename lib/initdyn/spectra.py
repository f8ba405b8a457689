r"""Singular-value spectra of the input-output Jacobian of deep random networks (chapter 2).

For a network with post-activations :math:`x^l = \phi(h^l)` and pre-activations
:math:`h^l = W^l x^{l-1} + b^l` (:math:`l = 1, \dots, L`), the input-output Jacobian is

.. math:: J = \frac{\partial x^L}{\partial x^0} = \prod_{l=L}^{1} D^l W^l, \qquad
          D^l = \mathrm{diag}\,\phi'(h^l),

:math:`L` factors of each kind (Pennington, Schoenholz & Ganguli 2017, "Resurrecting
the sigmoid in deep learning through dynamical isometry", Sec. 2.1, eq. 2).  With the
conventions of :mod:`initdyn.network` (``h[0] = x`` and ``W^1`` applied to ``x``
itself) this is :math:`J = \partial\,\phi(h^L)/\partial x`: the network is fed
:math:`x^0 = \phi(h^0)` where :math:`h^0` has squared length per unit exactly
:math:`q^*`, so every :math:`h^l` sits at the length fixed point.

Theory (same paper: S-transform defined in Sec. 2.3, eq. 10; product rule eq. 12, Sec. 2.4;
:math:`S_{WW^\top}` and the ReLU/hard-tanh cases in Sec. 2.5): in the wide limit the S-transforms multiply,

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
density is :math:`\rho(\lambda) = \operatorname{Im} G(\lambda - i0)/\pi`.

Supported activations: linear, relu, hard_tanh (Bernoulli :math:`D^2`, closed-form law)
and tanh (continuous :math:`D^2`: moments by kink-aware quadrature, the density with the law
discretised into 96 Gauss-Legendre atoms in the quantile, depth 1 orthogonal in closed form);
weights ``"gaussian"`` or ``"orthogonal"``.  The simulation side
(:func:`input_output_jacobian`, :func:`jacobian_singular_values_by_depth`,
:func:`jacobian_singular_values_shared`) works for any activation.  Defined in chapter 2.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg.lapack import dgejsv
from scipy.special import ndtri

from . import _gauss
from ._validate import (as_rng, check_choice, check_finite_array, check_int, check_memory, check_real,
                        check_scalar_variance, check_tol, check_variance, describe)
from .activations import get_activation
from .init import orthogonal
from .meanfield import ConvergenceError, chi1, gauss_dphi2, gauss_phi2, q_star
from .network import RandomNetwork, forward
from .stats import ks_distance

__all__ = [
    "SUPPORTED_ACTIVATIONS",
    "WEIGHT_KINDS",
    "input_output_jacobian",
    "jacobian_singular_values_of",
    "jacobian_log_singular_values_of",
    "ProductQR",
    "log_singular_values_of_product",
    "critical_point",
    "active_fraction",
    "jacobian_singular_values",
    "jacobian_singular_values_by_depth",
    "jacobian_singular_values_shared",
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


# ---------------------------------------------------------------------------
# Validation and the law of D^2
# ---------------------------------------------------------------------------

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

    Implements :math:`p = P(\phi'^2 = 1)` of chapter 2 (:doc:`/notebooks/02-dynamical-isometry`,
    section 1), which sets :math:`\mu_1 = \mu_2 = p` in its moment equation.

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


def critical_point(q_star, *, activation):
    r"""The point :math:`(\sigma_w^2, \sigma_b^2)` of the critical line :math:`\chi_1 = 1` with fixed point ``q_star``.

    Implements the critical line :math:`\chi_1 = 1` of chapter 2
    (:doc:`/notebooks/02-dynamical-isometry`, section 1; derived in chapter 1,
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


# ---------------------------------------------------------------------------
# Simulation
# ---------------------------------------------------------------------------

def _net_forward(net, x, activation):
    """Check ``net`` (a RandomNetwork) and one input ``x`` of its width; return the activation and the
    pre-activations of :func:`initdyn.network.forward`."""
    if not isinstance(net, RandomNetwork):
        raise TypeError(f"net: expected an initdyn.network.RandomNetwork, got {type(net).__name__}")
    act = get_activation(activation)
    x = check_finite_array(x, "x", ndim=1)
    if x.shape[0] != net.width:
        raise ValueError(f"x: expected shape ({net.width},) (the width), got {x.shape}")
    return act, forward(net, x, activation=act)


def input_output_jacobian(net, x, *, activation) -> np.ndarray:
    r"""Input-output Jacobian :math:`J = D^L W^L \cdots D^1 W^1` of a given network at one input.

    Implements the Jacobian equation :math:`J = \prod_l D^l W^l` of chapter 2
    (:doc:`/notebooks/02-dynamical-isometry`, section 1).

    :math:`D^l = \mathrm{diag}\,\phi'(h^l)` with the pre-activations :math:`h^l` of
    :func:`initdyn.network.forward` (``h[0] = x``, :math:`h^1 = W^1 x + b^1`), so
    :math:`J = \partial\,\phi(h^L)/\partial x` (Pennington et al. 2017, Sec. 2.1, eq. 2).
    The product is accumulated exactly, one matrix product per layer; no finite differences.

    Parameters
    ----------
    net : initdyn.network.RandomNetwork
        Weights ``W`` of shape ``(depth, width, width)`` (``(fan_out, fan_in)`` per layer).
    x : array, shape ``(width,)``
        One input.
    activation : str or Activation

    Returns
    -------
    J : array, shape ``(width, width)``

    Raises
    ------
    ValueError
        If an entry of :math:`J` exceeds the float range (deep chaotic networks); the singular values
        are then available as logarithms from :func:`jacobian_log_singular_values_of`.
    """
    act, h = _net_forward(net, x, activation)
    check_memory(2 * net.width * net.width, "net (width**2)")
    with np.errstate(over="ignore", invalid="ignore"):
        J = act.dphi(h[1])[:, None] * net.W[0]
        for layer in range(1, net.depth):
            J = net.W[layer] @ J
            J *= act.dphi(h[layer + 1])[:, None]
    if not np.all(np.isfinite(J)):
        raise ValueError(
            f"net: the Jacobian of this depth-{net.depth} network overflows the float range (entries beyond "
            "1.8e308); use jacobian_log_singular_values_of(net, x, activation=...), which keeps its singular "
            "values as logarithms"
        )
    return J


#: Spread of row scales (natural log) of one core block (about 150 decades) and of the rows taken along
#: on either side of it (40 decades) in the final Jacobi SVDs: rows 40 decades apart change each other's
#: singular values by a relative 1e-80, far below rounding.
_CORE_RANGE, _BUFFER = 345.0, 92.0


class ProductQR:
    r"""A product :math:`M_k \cdots M_1` of square matrices kept as :math:`Q\,D\,U`, for its singular values.

    Multiplying out a long product loses every singular value below :math:`\epsilon\,\sigma_{\max}`
    (:math:`\epsilon \approx 2\times10^{-16}`): the rounding of the largest direction swamps them, and
    which value comes out depends on the BLAS kernels.  Here each new factor is applied to the
    orthogonal part and re-orthogonalised, :math:`M Q = Q' R'`, :math:`T \leftarrow R' T` (the repeated
    QR of Lyapunov-exponent computations; Benettin et al. 1980).  The triangular :math:`T = D U` is
    stored as the logarithms of its row scales :math:`D` and rows :math:`U` of largest entry 1, so
    neither overflow nor underflow can occur however far the growth rates spread.

    The singular values of :math:`DU` are those of :math:`D_\pi L` (rows sorted by scale, then an LQ
    factorization of the sorted :math:`U`): a lower-triangular matrix whose rows fall in scale.  Rows
    whose scales differ by a factor :math:`r \ll 1` change each other's singular values by a relative
    :math:`O(r^2)` only, so the rows are cut into core blocks spanning at most :math:`10^{150}`, each
    taken together with the rows within :math:`10^{40}` above and below it (and the columns of those
    rows), and the core's share of that window's singular values is kept.  Each window goes to
    one-sided Jacobi SVD (LAPACK ``dgejsv``), accurate to a few ulps *relative to each singular value*
    for such row-graded matrices (Demmel & Veselic 1992).

    ``ProductQR(n)`` starts from the identity; :meth:`push` multiplies one factor on the left;
    :meth:`log_singular_values` returns :math:`\log\sigma_i` of the product, descending.
    """

    def __init__(self, n: int):
        self.n = check_int(n, "n", minimum=1)
        check_memory(4 * self.n * self.n, "n (n**2)")
        self._q = np.eye(self.n)
        self._u = np.eye(self.n)
        self._logd = np.zeros(self.n)

    def push(self, M) -> "ProductQR":
        """Multiply the product on the left by ``M`` (shape ``(n, n)``, finite)."""
        M = check_finite_array(M, "M", ndim=2)
        if M.shape != (self.n, self.n):
            raise ValueError(f"M: expected shape ({self.n}, {self.n}), got {M.shape}")
        with np.errstate(over="ignore", invalid="ignore"):
            MQ = M @ self._q
        if not np.all(np.isfinite(MQ)):  # entries near 1e308: factor out the scale, then carry it in the logs
            scale = float(np.max(np.abs(M)))
            self._q, r = np.linalg.qr((M / scale) @ self._q)
            self._logd = self._logd + np.log(scale)
        else:
            self._q, r = np.linalg.qr(MQ)
        # R' D U, row by row scaled by its largest term so that no exponential overflows
        with np.errstate(divide="ignore"):
            logs = np.log(np.abs(r)) + self._logd[None, :]
        top = logs.max(axis=1)
        alive = np.isfinite(top)
        e = np.zeros_like(r)
        e[alive] = np.sign(r[alive]) * np.exp(logs[alive] - top[alive, None])
        u = e @ self._u
        size = np.abs(u).max(axis=1)
        alive &= size > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            self._u = np.where(alive[:, None], u / np.where(alive, size, 1.0)[:, None], 0.0)
            self._logd = np.where(alive, top + np.log(np.where(alive, size, 1.0)), -np.inf)
        return self

    def log_singular_values(self) -> np.ndarray:
        r""":math:`\log\sigma_i` of the product, descending (``-inf`` for exact zeros)."""
        order = np.argsort(-self._logd, kind="stable")
        logd = self._logd[order]
        live = int(np.sum(np.isfinite(logd)))
        out = np.full(self.n, -np.inf)
        if live == 0:
            return out
        # LQ of the sorted live rows: U_live = L Q~ with L lower triangular (live x live)
        lower = np.linalg.qr(self._u[order[:live]].T, mode="r").T
        logd = logd[:live]
        found, start = [], 0
        while start < live:
            stop = int(np.searchsorted(-logd, -(logd[start] - _CORE_RANGE), side="right"))
            stop = max(stop, start + 1)
            lo = int(np.searchsorted(-logd, -(logd[start] + _BUFFER), side="left"))
            hi = int(np.searchsorted(-logd, -(logd[stop - 1] - _BUFFER), side="right"))
            window = np.exp(logd[lo:hi] - logd[lo])[:, None] * lower[lo:hi, lo:hi]
            sva, *_, work, _, info = dgejsv(window.T, joba=0, jobu=3, jobv=3)
            if info != 0:  # pragma: no cover - LAPACK failure is not expected for finite input
                raise np.linalg.LinAlgError(f"dgejsv failed with info = {info}")
            with np.errstate(divide="ignore"):
                logs = np.sort(np.log(sva) + (np.log(work[0]) - np.log(work[1])))[::-1] + logd[lo]
            found.append(logs[start - lo:stop - lo])
            start = stop
        out[:live] = np.concatenate(found)
        return np.sort(out)[::-1]


def log_singular_values_of_product(factors) -> np.ndarray:
    r""":math:`\log\sigma_i(M_k \cdots M_1)`, descending, accurate for each :math:`\sigma_i` however small.

    ``factors`` is a sequence ``[M_1, ..., M_k]`` of square matrices of one size, applied first to
    last (``M_1`` acts first).  See :class:`ProductQR` for the method; for a product whose singular
    values span more than :math:`10^{16}` the explicit product's SVD returns noise below
    :math:`\epsilon\,\sigma_{\max}`, this does not.
    """
    if isinstance(factors, (str, bytes)) or not hasattr(factors, "__iter__"):
        raise TypeError(f"factors: expected a sequence of square matrices, got {describe(factors)}")
    factors = list(factors)
    if not factors:
        raise ValueError("factors: expected at least one square matrix, got an empty sequence")
    first = check_finite_array(factors[0], "factors[0]", ndim=2)
    if first.shape[0] != first.shape[1]:
        raise ValueError(f"factors[0]: expected a square matrix, got shape {first.shape}")
    acc = ProductQR(first.shape[1])
    for i, M in enumerate(factors):
        M = check_finite_array(M, f"factors[{i}]", ndim=2)
        if M.shape != first.shape:
            raise ValueError(f"factors[{i}]: expected shape {first.shape} (that of factors[0]), got {M.shape}")
        acc.push(M)
    return acc.log_singular_values()


def jacobian_log_singular_values_of(net, x, *, activation) -> np.ndarray:
    r""":math:`\log\sigma_i` (descending) of :func:`input_output_jacobian` ``(net, x)``.

    Singular values of the Jacobian equation of chapter 2 (:doc:`/notebooks/02-dynamical-isometry`,
    section 1).

    The factors :math:`D^l W^l` are multiplied in a :class:`ProductQR`, so every singular value is
    accurate relative to itself, also those far below :math:`10^{-16}\sigma_{\max}` that an SVD of
    the multiplied-out Jacobian would return as rounding noise, and those below the smallest float
    (:math:`10^{-308}`), which only a logarithm can hold.  Exact zeros (e.g. ReLU units that are off
    in the last layer) come out as ``-inf``.
    """
    act, h = _net_forward(net, x, activation)
    acc = ProductQR(net.width)
    for layer in range(net.depth):
        acc.push(act.dphi(h[layer + 1])[:, None] * net.W[layer])
    return acc.log_singular_values()


def jacobian_singular_values_of(net, x, *, activation) -> np.ndarray:
    r"""Singular values (descending) of :func:`input_output_jacobian` ``(net, x)``.

    Singular values of the Jacobian equation of chapter 2 (:doc:`/notebooks/02-dynamical-isometry`,
    section 1).

    ``exp`` of :func:`jacobian_log_singular_values_of`: accurate relative to each value; values
    below :math:`10^{-308}` underflow to 0 and above :math:`10^{308}` overflow to ``inf`` (use the
    logarithms there).
    """
    with np.errstate(over="ignore", under="ignore"):
        return np.exp(jacobian_log_singular_values_of(net, x, activation=activation))


#: Most layers a simulation over depth may ask for (each is a width x width product): 1e6.
_MAX_LAYERS = 10**6
#: Range of max|J| within which the explicitly multiplied Jacobian is used; once it leaves it the
#: product is also accumulated in a ProductQR, whose singular values replace the explicit ones there.
_EXPLICIT_RANGE = (1e-150, 1e150)
_LOG_MAX = float(np.log(np.finfo(float).max))


def _check_depths(depths, name="depths"):
    if isinstance(depths, (str, bytes)) or not hasattr(depths, "__len__"):
        raise ValueError(f"{name}: expected a non-empty sequence of integers >= 1, got {describe(depths)}")
    if len(depths) == 0 or any(isinstance(d, (list, tuple, np.ndarray)) for d in depths):
        raise ValueError(f"{name}: expected a non-empty sequence of integers >= 1, got {describe(depths)}")
    out = [check_int(d, name, minimum=1) for d in depths]
    if max(out) > _MAX_LAYERS:
        raise ValueError(
            f"{name}: a depth of {max(out)} is more than the {_MAX_LAYERS:.0e} layers a simulation may ask for "
            "(each layer is a width x width matrix product); use smaller depths"
        )
    return out


def _check_setting(sigma_w2, sigma_b2, activation):
    sw2 = check_scalar_variance(sigma_w2, "sigma_w2")
    sb2 = check_scalar_variance(sigma_b2, "sigma_b2")
    return sw2, sb2, get_activation(activation)


def _log_growth(sw2, sb2, act):
    """|log sqrt(chi_1)|: the mean-field rate at which log max|J_l| drifts per layer (inf if unknown)."""
    try:
        x1 = float(chi1(sigma_w2=sw2, sigma_b2=sb2, activation=act))
    except ConvergenceError:
        return float("inf")
    return abs(0.5 * np.log(x1)) if x1 > 0 else float("inf")


def _check_log(log):
    if not isinstance(log, (bool, np.bool_)):
        raise TypeError(f"log: expected True or False, got {describe(log)}")
    return bool(log)


def _spectra_by_depth(width, depths, settings, weights, gen, log=False):
    """Propagate one Jacobian per setting through shared standard draws; SVD at the depths of each setting.

    ``depths`` holds one list of depths per setting.  With ``log`` the product is accumulated in a
    :class:`ProductQR` only and log singular values are returned.  Otherwise it is multiplied out
    (as it always was); once max|J| leaves ``_EXPLICIT_RANGE`` it is also accumulated in a ProductQR,
    whose values are returned at the depths where max|J| is outside that range.
    """
    check_memory((2 + 5 * len(settings)) * width * width, "width (times the number of settings)")
    g = gen.standard_normal(width)
    unit = g / np.linalg.norm(g)
    xs, Js, accs = [], [None] * len(settings), [None] * len(settings)
    for sw2, sb2, act in settings:
        xs.append(act.phi(unit * np.sqrt(_input_q(sw2, sb2, act) * width)))
    wanted = [set(d) for d in depths]
    found = [{} for _ in settings]
    lo, hi = _EXPLICIT_RANGE
    if not log:
        # Where mean field predicts that max|J| drifts past 1e75 (half-way out of the explicit range), also
        # accumulate a ProductQR from the first layer, so that beyond the range every singular value is
        # accurate relative to itself (the explicit results are unchanged where they are used).
        for k, (sw2, sb2, act) in enumerate(settings):
            if max(depths[k]) * _log_growth(sw2, sb2, act) > 0.5 * np.log(hi):
                accs[k] = ProductQR(width)
    for layer in range(1, max(max(d) for d in depths) + 1):
        if weights == "gaussian":
            O = gen.standard_normal((width, width)) / np.sqrt(width)
        else:
            O = orthogonal((width, width), rng=gen)
        xi = gen.standard_normal(width)
        for k, (sw2, sb2, act) in enumerate(settings):
            if layer > max(depths[k]):
                continue
            sw = np.sqrt(sw2)
            with np.errstate(over="ignore", invalid="ignore"):
                h = sw * (O @ xs[k]) + np.sqrt(sb2) * xi
            if not np.all(np.isfinite(h)):
                raise ValueError(
                    f"sigma_w2: the forward signal overflows the float range at layer {layer} "
                    f"(activation={act.name}, sigma_w2={sw2:g}, sigma_b2={sb2:g}); use a smaller depth or sigma_w2"
                )
            xs[k] = act.phi(h)
            dphi = act.dphi(h)
            if log:
                if accs[k] is None:
                    accs[k] = ProductQR(width)
                accs[k].push(dphi[:, None] * (O * sw))
                if layer in wanted[k]:
                    found[k][layer] = accs[k].log_singular_values()
                continue
            J_prev = Js[k]
            with np.errstate(over="ignore", invalid="ignore"):
                J = O * sw if layer == 1 else sw * (O @ Js[k])
                J *= dphi[:, None]
            Js[k] = J
            size = float(np.max(np.abs(J)))
            outside = not (lo <= size <= hi) and size != 0.0  # an exact zero product stays exactly zero
            if accs[k] is None and outside:
                accs[k] = ProductQR(width)
                if J_prev is not None:
                    accs[k].push(J_prev)
                accs[k].push(dphi[:, None] * (O * sw))
            elif accs[k] is not None:
                accs[k].push(dphi[:, None] * (O * sw))
            if layer in wanted[k]:
                if not outside:
                    found[k][layer] = np.linalg.svd(J, compute_uv=False)
                    continue
                logs = accs[k].log_singular_values()
                if logs[0] > _LOG_MAX:
                    raise ValueError(
                        f"depths: at depth {layer} the largest singular value is exp({logs[0]:.1f}), beyond the float "
                        f"range (activation={act.name}, sigma_w2={sw2:g}); pass log=True for log singular values"
                    )
                with np.errstate(under="ignore"):
                    found[k][layer] = np.exp(logs)
    return [[f[d] for d in ds] for f, ds in zip(found, depths)]


def jacobian_singular_values_by_depth(*, width, depths, sigma_w2, sigma_b2, activation,
                                      weights="gaussian", rng=None, log=False):
    r"""Singular values of the input-output Jacobian of one random network, at several depths.

    Implements the Jacobian equation of chapter 2 (:doc:`/notebooks/02-dynamical-isometry`, section 1)
    at the fixed point, one layer at a time.

    One network of ``max(depths)`` layers is drawn layer by layer (so only one weight
    matrix is held at a time); :math:`J_l = D^l W^l J_{l-1}` is accumulated exactly and
    its singular values are taken at every depth in ``depths`` (the Jacobian of the
    network truncated there).  The input is :math:`x^0 = \phi(h^0)` with
    :math:`\|h^0\|^2/N = q^*` exactly, so :math:`q^l \approx q^*` at every layer.
    Weights: ``"gaussian"`` :math:`W_{ij}\sim\mathcal N(0,\sigma_w^2/N)`; ``"orthogonal"``
    :math:`\sigma_w` times a Haar orthogonal matrix (as :func:`initdyn.network.random_network`).
    Draw order (``rng``): the input direction, then per layer the weight matrix and the bias.
    The cost is ``max(depths)`` matrix products (plus a QR per layer for orthogonal weights)
    and one SVD per depth.

    Long products.  While :math:`\max|J_l|` stays in :math:`[10^{-150}, 10^{150}]` the singular values
    are those of the multiplied-out :math:`J_l` (LAPACK SVD).  Once it leaves that range (deep chaotic
    or ordered networks, e.g. tanh at :math:`\sigma_w^2 = 4`, depth 2000, where the explicit product
    over- or underflows and the SVD fails to converge) the product is also accumulated as a
    :class:`ProductQR`, and at depths where :math:`\max|J_l|` is outside the range its singular values
    come from there: accurate relative to each value, values below :math:`10^{-308}` are 0, and a
    largest value beyond :math:`1.8\times 10^{308}` raises ``ValueError`` (pass ``log=True``).
    With ``log=True`` the product is only accumulated as a :class:`ProductQR` (one QR per layer more)
    and the natural logarithms of the singular values are returned (``-inf`` for exact zeros).

    ``width`` >= 1 (the ``width**2`` matrices must fit in 4 GiB), ``depths`` integers in
    [1, 1e6], ``sigma_w2``, ``sigma_b2`` scalars >= 0.

    Returns
    -------
    list of arrays
        Singular values (descending, length ``width``), one array per entry of ``depths``.
    """
    width = check_int(width, "width", minimum=1)
    depths = _check_depths(depths)
    setting = _check_setting(sigma_w2, sigma_b2, activation)
    weights = _check_weights(weights)
    log = _check_log(log)
    return _spectra_by_depth(width, [depths], [setting], weights, as_rng(rng), log=log)[0]


def jacobian_singular_values_shared(*, width, depths, settings, weights="gaussian", rng=None, log=False):
    r"""Like :func:`jacobian_singular_values_by_depth` for several settings sharing the same random draws.

    Implements the Jacobian equation of chapter 2 (:doc:`/notebooks/02-dynamical-isometry`, section 1)
    for several settings with common random numbers.

    ``settings`` is a sequence of ``(sigma_w2, sigma_b2, activation)``.  All settings use the same
    standard weight matrices (Gaussian :math:`\mathcal N(0, 1/N)` entries or Haar orthogonal, scaled by
    :math:`\sigma_w`), bias directions and input direction: common random numbers, so comparisons between
    settings are not blurred by independent draws, and the orthogonal QR factorisations (the most
    expensive step) are done once per layer for all settings.  Each setting on its own is exactly the
    network of :func:`jacobian_singular_values_by_depth` (same ``rng`` gives the same values; long
    products and ``log`` as there).
    ``depths`` is one sequence for all settings or one sequence per setting (SVDs cost as much as
    several layers, so record only the depths you need).

    Returns
    -------
    list (one per setting) of lists (one per depth) of arrays of singular values, descending.
    """
    width = check_int(width, "width", minimum=1)
    if not isinstance(settings, (list, tuple)) or len(settings) == 0:
        raise ValueError(
            f"settings: expected a non-empty sequence of (sigma_w2, sigma_b2, activation), got {describe(settings)}"
        )
    checked = []
    for i, item in enumerate(settings):
        if not isinstance(item, (list, tuple)) or len(item) != 3:
            raise ValueError(f"settings: expected (sigma_w2, sigma_b2, activation) triples, got {describe(item)}")
        try:
            checked.append(_check_setting(*item))
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"settings[{i}]: {exc}") from None
    if not isinstance(depths, (list, tuple, np.ndarray)) or len(depths) == 0:
        raise ValueError(f"depths: expected a non-empty sequence, got {describe(depths)}")
    if not any(isinstance(d, (list, tuple, np.ndarray)) for d in depths):
        depths = [_check_depths(depths)] * len(checked)
    else:
        if len(depths) != len(checked):
            raise ValueError(
                f"depths: expected one sequence of depths per setting ({len(checked)}), got {describe(depths)}"
            )
        depths = [_check_depths(d, f"depths[{i}]") for i, d in enumerate(depths)]
    weights = _check_weights(weights)
    log = _check_log(log)
    return _spectra_by_depth(width, depths, checked, weights, as_rng(rng), log=log)


def jacobian_singular_values(*, width, depth, sigma_w2, sigma_b2, activation, weights="gaussian", rng=None,
                             log=False):
    r"""Singular values of :math:`J = \prod_l D^l W^l` for one random network at the fixed point.

    Implements the Jacobian equation of chapter 2 (:doc:`/notebooks/02-dynamical-isometry`, section 1).

    See :func:`jacobian_singular_values_by_depth` (this is the single-depth case, long products and
    ``log`` included).  The cost is ``depth`` matrix products (plus the weight draws) and one SVD.
    """
    depth = _check_depths([depth], "depth")[0]
    return jacobian_singular_values_by_depth(width=width, depths=[depth], sigma_w2=sigma_w2, sigma_b2=sigma_b2,
                                             activation=activation, weights=weights, rng=rng, log=log)[0]


# ---------------------------------------------------------------------------
# Theory: moments, edge, atoms
# ---------------------------------------------------------------------------

def jacobian_spectrum_moments(*, depth, sigma_w2, sigma_b2, activation, weights="gaussian"):
    r"""Mean and variance of the squared singular values of :math:`J` in the wide limit.

    Implements the equation for :math:`\mathbb E[\lambda]` and :math:`\operatorname{Var}[\lambda]` of chapter 2
    (:doc:`/notebooks/02-dynamical-isometry`, section 1).

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


def _psi(v, d, w):
    """psi(v) = E[v D/(1 - v D)] and its derivative, for complex v of any shape."""
    vd = v[..., None] * d
    inv = 1.0 / (1.0 - vd)
    return np.sum(w * vd * inv, axis=-1), np.sum(w * d * inv * inv, axis=-1)


def _log_z_real(v, L, sw2, a, d, w):
    M, _ = _psi(v, d, w)
    return L * np.log(sw2) - L * np.log(v) + (L - 1) * np.log(M) + a * np.log1p(M)


def _edge(L, sw2, act, weights, d, w):
    a = 1.0 if weights == "gaussian" else 1.0 - L
    dmax = float(d[w > 0].max())
    # z(v) decreases from +inf at v -> 0; the upper edge is its first local minimum on (0, 1/dmax),
    # or the limit at v -> 1/dmax if there is none (orthogonal weights, a top atom).
    t = np.linspace(-40, 30, 3501)  # v up to (1 - 1e-13)/dmax
    v = (1 / dmax) / (1 + np.exp(-t))
    g = _log_z_real(v, L, sw2, a, d, w)
    dg = np.diff(g)
    up = np.nonzero(dg > 0)[0]
    if up.size == 0:
        return float(np.exp(g[-1]))
    k = up[0]
    lo, hi = t[max(k - 1, 0)], t[min(k + 1, t.size - 1)]
    for _ in range(100):  # golden-section refinement of the minimum in t
        m1 = hi - 0.618033988749895 * (hi - lo)
        m2 = lo + 0.618033988749895 * (hi - lo)
        g1, g2 = (_log_z_real(np.array([(1 / dmax) / (1 + np.exp(-m))]), L, sw2, a, d, w)[0] for m in (m1, m2))
        if g1 < g2:
            hi = m2
        else:
            lo = m1
        if hi - lo < 1e-13:
            break
    tm = (lo + hi) / 2
    return float(np.exp(_log_z_real(np.array([(1 / dmax) / (1 + np.exp(-tm))]), L, sw2, a, d, w)[0]))


def jacobian_spectrum_edge(*, depth, sigma_w2, sigma_b2, activation, weights="gaussian"):
    r"""The largest squared singular value (upper edge of the support) in the wide limit.

    Implements the edge of the equation for :math:`z(v)` of chapter 2
    (:doc:`/notebooks/02-dynamical-isometry`, section 2).

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

    Implements the atoms of the spectrum that chapter 2 (:doc:`/notebooks/02-dynamical-isometry`,
    section 2) describes.

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


# ---------------------------------------------------------------------------
# Theory: density
# ---------------------------------------------------------------------------

#: Most steps along the vertical path of the density solver, and Newton iterations per step.
_MAX_PATH_STEPS = 10**5
_MAX_NEWTON = 1000


def _solve_vertical(lam, L, sw2, a, d, w, m1, m2, mu1, mu2, *, top, ratio, newton, eta_rel):
    """Follow v(z) on z = lam - i y, y from far above the spectrum to eta_rel * lam."""
    y0 = 4.0 * (top + lam) + 1.0
    y_end = np.maximum(eta_rel * lam, 1e-300)
    steps = float(np.ceil(np.max(np.log(y0 / y_end)) / np.log(1 / ratio)))
    if not steps <= _MAX_PATH_STEPS:
        raise ValueError(
            f"ratio: {ratio!r} needs {steps:.3g} steps along the path to the real axis (more than "
            f"{_MAX_PATH_STEPS:.0e}); use a smaller ratio (the default is 0.4)"
        )
    n_steps = int(steps)
    z = lam - 1j * y0
    M = m1 / z + m2 / z**2
    v = M / mu1 - mu2 * M**2 / mu1**3
    log_c = L * np.log(sw2)
    for k in range(n_steps + 1):
        y = np.maximum(y0 * ratio**k, y_end)
        z = lam - 1j * y
        log_z = np.log(z)
        for _ in range(newton):
            M, dM = _psi(v, d, w)
            F = log_c - L * np.log(v) + (L - 1) * np.log(M) + a * np.log1p(M) - log_z
            F = F.real + 1j * ((F.imag + np.pi) % (2 * np.pi) - np.pi)
            dF = -L / v + ((L - 1) / M + a / (1 + M)) * dM
            step = -F / dF
            size = np.abs(step)
            cap = 0.5 * np.abs(v)
            step = np.where(size > cap, step * (cap / np.where(size > cap, size, 1.0)), step)
            v = v + step
    M, _ = _psi(v, d, w)
    F = log_c - L * np.log(v) + (L - 1) * np.log(M) + a * np.log1p(M) - np.log(z)
    F = F.real + 1j * ((F.imag + np.pi) % (2 * np.pi) - np.pi)
    return M, z, np.abs(F)


def _lower_edge(L, sw2, d, w):
    """Lower edge of the spectrum for orthogonal weights when min(D^2) > 0 (tanh), else 0.

    Below the support :math:`M(\\lambda) < -1` is real, i.e. :math:`v > 1/\\min D^2`; there
    :math:`z(v) = \\sigma_w^{2L} v^{-L} (M/(1+M))^{L-1}` rises from 0 (at :math:`v = \\infty`) to a
    maximum, the lower edge.
    """
    dmin = float(d[w > 0].min())
    if dmin <= 0:
        return 0.0

    def log_z(t):
        v = (1 / dmin) * (1 + np.exp(t))
        inv = 1.0 / (1.0 - v[:, None] * d)  # all negative: v d > 1
        one_plus_m = np.sum(w * inv, axis=-1)  # 1 + M without cancellation
        minus_m = -np.sum(w * v[:, None] * d * inv, axis=-1)
        return L * np.log(sw2) - L * np.log(v) + (L - 1) * (np.log(minus_m) - np.log(-one_plus_m))

    t = np.linspace(-30, 40, 3501)
    g = log_z(t)
    k = int(np.argmax(g))
    lo, hi = t[max(k - 1, 0)], t[min(k + 1, t.size - 1)]
    for _ in range(100):  # golden-section refinement of the maximum
        m1 = hi - 0.618033988749895 * (hi - lo)
        m2 = lo + 0.618033988749895 * (hi - lo)
        if log_z(np.array([m1]))[0] > log_z(np.array([m2]))[0]:
            hi = m2
        else:
            lo = m1
        if hi - lo < 1e-13:
            break
    return float(np.exp(max(g[k], log_z(np.array([(lo + hi) / 2]))[0])))


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

    Implements the S-transform equation (section 1) and the equation for :math:`z(v)` (section 2) of
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

    Integrates the density of the S-transform equation of chapter 2
    (:doc:`/notebooks/02-dynamical-isometry`, sections 1-2).

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

    Quantiles of the law of the S-transform equation of chapter 2
    (:doc:`/notebooks/02-dynamical-isometry`, sections 1-2).

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

    Implements the Fuss-Catalan closed form of chapter 2
    (:doc:`/notebooks/02-dynamical-isometry`, section 2).

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
