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

This module simulates it: the Jacobian of a finite network (:func:`input_output_jacobian`), its
singular values computed to each one's own relative precision however long the product
(:class:`ProductQR`, :func:`log_singular_values_of_product`), and ensembles over depths and
settings (:func:`jacobian_singular_values_by_depth`, :func:`jacobian_singular_values_shared`), for
any activation and Gaussian or orthogonal weights.  The wide-network theory of the same spectrum
(free probability: moments, edge, atoms, density) is :mod:`initdyn.freeprob`.  Defined in chapter 2.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg.lapack import dgejsv

from ._validate import as_rng, check_finite_array, check_int, check_memory, check_scalar_variance, describe
from .activations import get_activation
from .freeprob import _check_weights, _input_q
from .init import orthogonal
from .meanfield import ConvergenceError, chi1
from .network import RandomNetwork, forward

__all__ = [
    "input_output_jacobian",
    "jacobian_singular_values_of",
    "jacobian_log_singular_values_of",
    "ProductQR",
    "log_singular_values_of_product",
    "jacobian_singular_values",
    "jacobian_singular_values_by_depth",
    "jacobian_singular_values_shared",
]


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

    Implements equation ``eq-ch2-jacobian``, :math:`J = \prod_l D^l W^l`, of chapter 2
    (:doc:`/notebooks/02-dynamical-isometry`).

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

    Singular values of the Jacobian of equation ``eq-ch2-jacobian`` of chapter 2
    (:doc:`/notebooks/02-dynamical-isometry`).

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

    Singular values of the Jacobian of equation ``eq-ch2-jacobian`` of chapter 2
    (:doc:`/notebooks/02-dynamical-isometry`).

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

    Implements equation ``eq-ch2-jacobian`` of chapter 2 (:doc:`/notebooks/02-dynamical-isometry`)
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

    Implements equation ``eq-ch2-jacobian`` of chapter 2 (:doc:`/notebooks/02-dynamical-isometry`)
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

    Implements equation ``eq-ch2-jacobian`` of chapter 2 (:doc:`/notebooks/02-dynamical-isometry`).

    See :func:`jacobian_singular_values_by_depth` (this is the single-depth case, long products and
    ``log`` included).  The cost is ``depth`` matrix products (plus the weight draws) and one SVD.
    """
    depth = _check_depths([depth], "depth")[0]
    return jacobian_singular_values_by_depth(width=width, depths=[depth], sigma_w2=sigma_w2, sigma_b2=sigma_b2,
                                             activation=activation, weights=weights, rng=rng, log=log)[0]


