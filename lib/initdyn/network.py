r"""Random fully connected networks: weights, forward pass, tangent propagation.

The simulation side of every mean-field claim in the book.  A network of
``depth`` layers of ``width`` units has

.. math:: h^l = W^l\,\phi(h^{l-1}) + b^l, \qquad h^0 = x,

with ``W`` of shape ``(fan_out, fan_in)`` (``torch.nn.Linear``) and, for
``weights="gaussian"``, :math:`W_{ij} \sim \mathcal N(0, \sigma_w^2/N)`, for
``weights="orthogonal"`` :math:`W = \sigma_w O` with :math:`O` Haar
orthogonal; :math:`b_i \sim \mathcal N(0, \sigma_b^2)`.  Inputs are rows:
``x`` has shape ``(batch, width)``.  The first layer applies :math:`W^1`
to :math:`x` itself (no nonlinearity on the input), so
:math:`q^1 = \sigma_w^2 \|x\|^2/N + \sigma_b^2` as in Poole et al. 2016, eq. (2).

Ensembles are stacked: ``weights`` has shape ``(depth, width, width)`` and
one call propagates a batch of inputs through all layers.

Dropout.  :func:`forward`, :func:`tangent_norms` and :func:`ensemble_statistic` take ``keep_prob``
:math:`\rho \in (0, 1]` (a scalar; default 1, no dropout, and no random draws): inverted dropout on the
post-activations, :math:`h^{l+1} = W^{l+1}(m^l \odot \phi(h^l))/\rho + b^{l+1}` with
:math:`m^l_j \sim \mathrm{Bernoulli}(\rho)` independent for every unit, layer and input row, drawn from
``rng``; the input ``x`` itself is not dropped.  As :math:`N \to \infty` its statistics follow the maps of
:mod:`initdyn.meanfield` with ``keep_prob`` (Schoenholz et al. 2017, dropout section).  Defined in chapter 1: implements
equation ``eq-ch1-network`` of chapter 1 (:doc:`/notebooks/01-mean-field`).
"""

from __future__ import annotations

import numpy as np

from ._validate import (as_rng, check_broadcast, check_choice, check_finite_array, check_int, check_memory,
                        check_real, check_scalar_variance, check_variance, describe)

#: How ``keep_prob`` is checked here: one real number in (0, 1] (arrays are refused: one mask law per net).
_KEEP = dict(low=0.0, high=1.0, low_open=True)
from .activations import get_activation
from .init import get_initializer, orthogonal

__all__ = [
    "RandomNetwork",
    "random_network",
    "forward",
    "tangent_norms",
    "inputs_with_correlation",
    "empirical_q",
    "empirical_c",
    "empirical_slopes",
    "ensemble_statistic",
    "network_from_initializer",
]

WEIGHT_KINDS = ("gaussian", "orthogonal")


class RandomNetwork:
    """Weights ``W`` (shape ``(depth, width, width)``) and biases ``b`` (``(depth, width)``) of one net."""

    def __init__(self, W: np.ndarray, b: np.ndarray):
        W = check_finite_array(W, "W", ndim=3)
        b = check_finite_array(b, "b", ndim=2)
        if W.shape[1] != W.shape[2] or b.shape != W.shape[:2]:
            raise ValueError(
                f"W, b: expected shapes (depth, width, width) and (depth, width), got {W.shape} and {b.shape}"
            )
        self.W, self.b = W, b

    @property
    def depth(self) -> int:
        return self.W.shape[0]

    @property
    def width(self) -> int:
        return self.W.shape[1]


def _check_size(width, depth):
    width = check_int(width, "width", minimum=1)
    depth = check_int(depth, "depth", minimum=1)
    check_memory(depth * width * width + depth * width, "width, depth")
    return width, depth


def random_network(*, width, depth, sigma_w2, sigma_b2, weights: str = "gaussian", rng=None) -> RandomNetwork:
    """Draw a square random network (see the module docstring for the law).

    Implements the weights and biases of equation ``eq-ch1-network`` of chapter 1 (:doc:`/notebooks/01-mean-field`).

    Parameters
    ----------
    width, depth : int
        Units per layer (>= 1) and number of layers (>= 1); the weights, ``depth * width**2``
        floats, must fit in 4 GiB (``initdyn._validate.MEMORY_LIMIT``).
    sigma_w2, sigma_b2 : float
        Weight and bias variances in the mean-field normalisation (scalars, finite, >= 0).
    weights : {"gaussian", "orthogonal"}
    rng : numpy.random.Generator or int
    """
    width, depth = _check_size(width, depth)
    sigma_w2 = check_scalar_variance(sigma_w2, "sigma_w2")
    sigma_b2 = check_scalar_variance(sigma_b2, "sigma_b2")
    weights = check_choice(weights, "weights", WEIGHT_KINDS)
    gen = as_rng(rng)
    if weights == "gaussian":
        W = gen.standard_normal((depth, width, width))
        W *= np.sqrt(sigma_w2 / width)  # in place: a width-1000, depth-25 stack is 200 MB
    else:
        W = np.empty((depth, width, width))
        for layer in range(depth):
            W[layer] = orthogonal((width, width), gain=1.0, rng=gen)
        W *= np.sqrt(sigma_w2)
    b = gen.standard_normal((depth, width)) * np.sqrt(sigma_b2)
    return RandomNetwork(W, b)


def _check_inputs(net: RandomNetwork, x) -> np.ndarray:
    if not isinstance(net, RandomNetwork):
        raise TypeError(f"net: expected a RandomNetwork, got {type(net).__name__}")
    x = check_finite_array(x, "x", ndim=(1, 2))
    if x.shape[-1] != net.width:
        raise ValueError(f"x: expected last dimension {net.width} (the width), got shape {x.shape}")
    return x


def forward(net: RandomNetwork, x, *, activation, keep_prob=1.0, rng=None) -> np.ndarray:
    r"""Pre-activations of every layer.

    Implements equation ``eq-ch1-network`` of chapter 1 (:doc:`/notebooks/01-mean-field`).  With
    ``keep_prob`` :math:`\rho < 1` (a scalar in (0, 1]) each post-activation :math:`\phi(h^l_j)`,
    :math:`l \ge 1`, of each input row is kept with probability :math:`\rho` and scaled by :math:`1/\rho`
    (inverted dropout, masks drawn from ``rng``, a Generator or int seed; equation ``eq-ch1-dropout``).
    With ``keep_prob=1`` nothing is drawn from ``rng``.

    Returns
    -------
    h : array, shape ``(depth + 1, *x.shape)``
        ``h[0] = x`` and ``h[l] = W^l phi(h^{l-1}) + b^l`` (``phi`` is not applied to ``x``).

    Raises
    ------
    ValueError
        If the pre-activations leave the float range (:math:`|h| > 1.8 \times 10^{308}`, e.g. ReLU
        with huge weights over many layers): the values would be ``inf`` and then NaN.
    """
    act = get_activation(activation)
    x = _check_inputs(net, x)
    rho = check_real(keep_prob, "keep_prob", **_KEEP)
    gen = as_rng(rng)  # checked even where nothing is drawn (keep_prob=1)
    check_memory((net.depth + 1) * x.size, "x, net (depth + 1 copies of x)")
    return _forward(net, x, act, rho, gen)[0]


def _forward(net, x, act, rho, gen):
    """Pre-activations (as :func:`forward`) and the dropout scales ``m / rho`` of layers 1..depth-1 (or None)."""
    out = np.empty((net.depth + 1,) + x.shape)
    out[0] = x
    y = x
    scales = None if rho == 1 else np.empty((max(net.depth - 1, 0),) + x.shape)
    with np.errstate(over="ignore", invalid="ignore"):
        for layer in range(net.depth):
            out[layer + 1] = y @ net.W[layer].T + net.b[layer]
            if layer + 1 == net.depth:
                break  # the last post-activations feed nothing: no mask drawn for them
            y = act.phi(out[layer + 1])
            if scales is not None:
                scales[layer] = (gen.random(x.shape) < rho) / rho
                y = y * scales[layer]
    finite = np.isfinite(out.reshape(net.depth + 1, -1)).all(axis=1)
    if not finite.all():
        layer = int(np.argmin(finite))
        raise ValueError(
            f"net, x: the pre-activations overflow the float range at layer {layer} (|h| > 1.8e308): the "
            "weights (or x) are too large for this depth; use smaller weights, a smaller x or fewer layers"
        )
    return out, scales


def tangent_norms(net: RandomNetwork, x, v, *, activation, keep_prob=1.0, rng=None) -> np.ndarray:
    r"""Squared norms of a tangent vector pushed through the input-output Jacobian, layer by layer.

    With :math:`D^l = \mathrm{diag}\,\phi'(h^l)`, the tangent is
    :math:`\delta^1 = W^1 v` and :math:`\delta^{l+1} = W^{l+1} D^l \delta^l`
    (an exact Jacobian-vector product, no finite differences).  The ratio
    :math:`\|\delta^{l+1}\|^2/\|\delta^l\|^2` has mean :math:`\chi_1` at the
    fixed point (Schoenholz et al. 2017, Sec. 3; Poole et al. 2016, eq. 7), equation ``eq-ch1-chi1``
    of chapter 1 (:doc:`/notebooks/01-mean-field`).

    Where the squared norm would leave the float range (deep chaotic networks grow like
    :math:`\chi_1^l`) the tangent is carried normalised with its log-scale from that layer on, so
    the norms stay exact where they fit and are ``inf`` only where they exceed
    :math:`1.8 \times 10^{308}` (never NaN).

    With dropout (``keep_prob`` :math:`\rho < 1`, masks from ``rng`` as in :func:`forward`) the tangent
    goes through the forward pass's masks, :math:`D^l = \mathrm{diag}(\phi'(h^l) m^l/\rho)`, and the ratio
    has mean :math:`\chi_1 = (\sigma_w^2/\rho)\,\mathbb E[\phi'^2]` (:func:`initdyn.meanfield.chi1` with
    ``keep_prob``, equation ``eq-ch1-dropout``).

    Returns
    -------
    norms : array, shape ``(depth + 1, batch)``
        ``norms[0] = ||v||^2`` and ``norms[l] = ||delta^l||^2``.
    """
    act = get_activation(activation)
    x = _check_inputs(net, x)
    v = check_finite_array(v, "v", ndim=(1, 2))
    if v.shape != x.shape:
        raise ValueError(f"v: expected the shape of x {x.shape}, got {v.shape}")
    rho = check_real(keep_prob, "keep_prob", **_KEEP)
    gen = as_rng(rng)  # checked even where nothing is drawn (keep_prob=1)
    check_memory((net.depth + 1 + (net.depth if rho < 1 else 0)) * x.size, "x, net (depth + 1 copies of x)")
    h, scales = _forward(net, x, act, rho, gen)

    def gate(layer):  # the diagonal D^{layer+1}: phi'(h), times the dropout mask / rho where one was drawn
        g = act.dphi(h[layer + 1])
        return g if scales is None or layer >= len(scales) else g * scales[layer]
    out = np.empty((net.depth + 1,) + x.shape[:-1])
    with np.errstate(over="ignore"):
        out[0] = np.sum(v * v, axis=-1)
    if not np.all(np.isfinite(out[0])):
        s = np.max(np.abs(v), axis=-1)
        with np.errstate(over="ignore"):
            out[0] = np.sum((v / s[..., None]) ** 2, axis=-1) * s * s
    d = v
    log_scale = None  # per-row log of the scale of d once it is carried normalised
    for layer in range(net.depth):
        if log_scale is None:
            with np.errstate(over="ignore", invalid="ignore"):
                d_new = d @ net.W[layer].T
                norm = np.sum(d_new * d_new, axis=-1)
            if np.all(np.isfinite(norm)):
                out[layer + 1] = norm
                d = d_new * gate(layer)
                continue
            # the norm overflows from this layer on: carry d / max|d| and log(max|d|) instead
            s = np.max(np.abs(d), axis=-1, keepdims=True)
            alive = s > 0
            d = np.where(alive, d / np.where(alive, s, 1.0), 0.0)
            with np.errstate(divide="ignore"):
                log_scale = np.log(s[..., 0])
        d_new = d @ net.W[layer].T
        m = np.max(np.abs(d_new), axis=-1, keepdims=True)
        alive = m > 0
        u = np.where(alive, d_new / np.where(alive, m, 1.0), 0.0)
        with np.errstate(divide="ignore", over="ignore"):
            log_scale = log_scale + np.log(m[..., 0])
            out[layer + 1] = np.where(alive[..., 0], np.exp(2 * log_scale) * np.sum(u * u, axis=-1), 0.0)
        d = u * gate(layer)
    return out


def inputs_with_correlation(width, *, q0, c0, rng=None) -> np.ndarray:
    r"""Two inputs with squared length per unit exactly ``q0`` and cosine similarity exactly ``c0``.

    Returns an array of shape ``(2, width)``; built by Gram-Schmidt from two
    Gaussian vectors, so the statistics are exact rather than typical.  ``width`` >= 2,
    ``q0`` > 0 finite, ``c0`` a real number in [-1, 1].
    """
    width = check_int(width, "width", minimum=2)
    check_memory(4 * width, "width")
    q0 = check_variance(q0, "q0", positive=True)
    c0 = check_real(c0, "c0", low=-1.0, high=1.0)
    g = as_rng(rng).standard_normal((2, width))
    e1 = g[0] / np.linalg.norm(g[0])
    r = g[1] - (g[1] @ e1) * e1
    e2 = r / np.linalg.norm(r)
    with np.errstate(over="ignore"):
        scale = np.sqrt(q0 * width)
    if not np.all(np.isfinite(scale)):  # q0 * width overflows (q0 ~ 1e308): the entries themselves fit
        scale = np.sqrt(q0) * np.sqrt(width)
    return scale * np.stack([e1, c0 * e1 + np.sqrt(1 - c0 * c0) * e2])


def _last_axis(h, name="h"):
    h = check_finite_array(h, name)
    if h.ndim < 1 or h.shape[-1] == 0:
        raise ValueError(f"{name}: expected an array with at least one unit on its last axis, got shape {h.shape}")
    return h


def empirical_q(h) -> np.ndarray:
    r"""Squared length per unit :math:`\hat q = \|h\|^2/N` over the last axis (the finite-width :math:`q^l`).

    The finite-width :math:`q^l` of equation ``eq-ch1-qmap`` of chapter 1 (:doc:`/notebooks/01-mean-field`).
    ``inf`` only where the mean itself exceeds the float range.
    """
    h = _last_axis(h)
    with np.errstate(over="ignore"):
        out = np.mean(h * h, axis=-1)
    bad = ~np.isfinite(out)
    if np.any(bad):  # h*h overflowed: scale by the largest entry first
        s = np.max(np.abs(h), axis=-1)
        with np.errstate(over="ignore", invalid="ignore"):
            scaled = np.mean((h / np.where(s > 0, s, 1.0)[..., None]) ** 2, axis=-1) * s * s
        out = np.where(bad, scaled, out)
    return out


#: Sums of squares below this have lost (or are about to lose) precision to subnormal numbers.
_TINY = 1e-280


def _pair(h):
    h = _last_axis(h)
    if h.ndim < 2 or h.shape[-2] != 2:
        raise ValueError(f"h: expected shape (..., 2, width), got {h.shape}")
    return h


def _zero_rows(x, what, quantity):
    """ValueError naming ``h`` if some vector on the last axis of ``x`` is exactly zero."""
    zero = ~np.any(x != 0, axis=-1)
    if np.any(zero):
        where = tuple(int(i) for i in np.argwhere(zero)[0]) if zero.ndim else ()
        raise ValueError(f"h: the {what} at index {where} is the zero vector; its {quantity} is undefined")


def empirical_c(h) -> np.ndarray:
    r"""Correlation :math:`\hat c = h_a\cdot h_b/(\|h_a\|\|h_b\|)` of the two inputs on axis -2.

    ``h`` has shape ``(..., 2, width)`` (e.g. the output of :func:`forward` for
    two inputs); returns shape ``(...)``.  A zero vector has no correlation: ``ValueError``.
    The finite-width :math:`c^l` of equation ``eq-ch1-cmap`` of chapter 1 (:doc:`/notebooks/01-mean-field`).
    """
    h = _pair(h)
    a, b = h[..., 0, :], h[..., 1, :]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        prod = np.sum(a * a, axis=-1) * np.sum(b * b, axis=-1)
        out = np.sum(a * b, axis=-1) / np.sqrt(prod)
    # overflow, a zero vector, or a product of squared norms near the subnormal range (|h| below ~1e-75,
    # where it loses its precision and |c| came out above 1): normalise each vector by its largest entry
    bad = ~np.isfinite(out) | ~np.isfinite(prod) | (prod < _TINY)
    if np.any(bad):
        _zero_rows(a, "first vector of the pair", "correlation")
        _zero_rows(b, "second vector of the pair", "correlation")
        an = a / np.max(np.abs(a), axis=-1, keepdims=True)
        bn = b / np.max(np.abs(b), axis=-1, keepdims=True)
        good = np.sum(an * bn, axis=-1) / np.sqrt(np.sum(an * an, axis=-1) * np.sum(bn * bn, axis=-1))
        out = np.where(bad, good, out)
    return out


def empirical_slopes(h, *, sigma_w2, activation) -> tuple[np.ndarray, np.ndarray]:
    r"""Finite-width estimates of the slopes of the length and correlation maps.

    For pre-activations ``h`` of two inputs (shape ``(..., 2, width)``) the unit
    averages

    .. math::
       \hat s_q = \sigma_w^2\,\frac{\langle h\,\phi(h)\,\phi'(h)\rangle}{\langle h^2\rangle},
       \qquad
       \hat s_c = \sigma_w^2\,\langle \phi'(h_a)\,\phi'(h_b)\rangle

    estimate :math:`\partial_q q_\mathrm{map} = \sigma_w^2 \mathbb E[z\phi\phi']/\sqrt q`
    (first input) and :math:`\sigma_w^2\mathbb E[\phi'(u_1)\phi'(u_2)]`, so
    :math:`-1/\log \hat s` estimates the depth scales :math:`\xi_q, \xi_c` of
    Schoenholz et al. 2017, eqs. (5) and (9) (equation ``eq-ch1-depth-scales`` of chapter 1
    (:doc:`/notebooks/01-mean-field`)).  With two equal inputs :math:`\hat s_c` estimates :math:`\chi_1`
    (equation ``eq-ch1-chi1``).  ``sigma_w2`` (>= 0) broadcasts with the
    output shape; a zero first vector has no :math:`\hat s_q` (``ValueError``).

    Returns
    -------
    s_q, s_c : arrays of shape ``(...)``
    """
    act = get_activation(activation)
    sigma_w2 = check_variance(sigma_w2, "sigma_w2")
    h = _pair(h)
    check_broadcast(sigma_w2=sigma_w2, h=np.broadcast_to(0.0, h.shape[:-2]))  # h: its shape without (2, width)
    a, b = h[..., 0, :], h[..., 1, :]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        qa = np.mean(a * a, axis=-1)
        s_q = sigma_w2 * np.mean(a * act.phi(a) * act.dphi(a), axis=-1) / qa
    bad = ~np.isfinite(s_q) | (qa < _TINY)
    if np.any(bad):  # h*h over- or underflowed, or a zero vector: scale by the largest entry
        _zero_rows(a, "first vector of the pair", "length-map slope s_q")
        s = np.max(np.abs(a), axis=-1, keepdims=True)
        an = a / s
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            good = sigma_w2 * np.mean(an * (act.phi(a) / s) * act.dphi(a), axis=-1) / np.mean(an * an, axis=-1)
        s_q = np.where(bad, good, s_q)
    s_c = sigma_w2 * np.mean(act.dphi(a) * act.dphi(b), axis=-1)
    return s_q, s_c


def ensemble_statistic(statistic, x, *, n_samples, width, depth, sigma_w2, sigma_b2, activation,
                       weights: str = "gaussian", keep_prob=1.0, rng=None) -> np.ndarray:
    """Draw ``n_samples`` independent networks in turn and stack ``statistic(net, h)`` over them.

    ``h = forward(net, x, activation=activation)``; only one network is held in
    memory at a time (a width-1000, depth-30 network is 240 MB).  Passing the
    same int seed as ``rng`` for different ``sigma_w2``/``sigma_b2`` reuses the
    same standard-normal draws (common random numbers), so curves over a sweep
    are smooth in the parameters.  ``statistic`` must return arrays of one shape.

    With dropout (``keep_prob`` < 1, a scalar in (0, 1]) ``h = forward(net, x, activation=activation,
    keep_prob=keep_prob, rng=rng)``: each network's masks are drawn from ``rng`` right after its weights.
    With ``keep_prob=1`` the draws are those without the argument.

    Returns
    -------
    array of shape ``(n_samples, *statistic_shape)``
    """
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    if not callable(statistic):
        raise TypeError(f"statistic: expected a callable (net, h) -> array, got {describe(statistic)}")
    act = get_activation(activation)
    width, depth = _check_size(width, depth)
    check_scalar_variance(sigma_w2, "sigma_w2")
    check_scalar_variance(sigma_b2, "sigma_b2")
    check_choice(weights, "weights", WEIGHT_KINDS)
    rho = check_real(keep_prob, "keep_prob", **_KEEP)
    xa = check_finite_array(x, "x", ndim=(1, 2))
    if xa.shape[-1] != width:
        raise ValueError(f"x: expected last dimension {width} (the width), got shape {xa.shape}")
    check_memory((depth + 1 + (depth if rho < 1 else 0)) * xa.size + depth * width * width, "width, depth, x")
    gen = as_rng(rng)
    out = []
    for _ in range(n_samples):
        n = random_network(width=width, depth=depth, sigma_w2=sigma_w2, sigma_b2=sigma_b2, weights=weights, rng=gen)
        out.append(np.asarray(statistic(n, forward(n, x, activation=act, keep_prob=rho, rng=gen))))
        del n
        if len(out) == 1:
            check_memory(n_samples * out[0].size, "n_samples (times the size of what statistic returns)")
        elif out[-1].shape != out[0].shape:
            raise ValueError(
                f"statistic: expected the same shape from every network, got {out[0].shape} and then {out[-1].shape}"
            )
    return np.stack(out)


def network_from_initializer(init, *, width, depth, sigma_b2=0.0, gain=1.0, rng=None) -> RandomNetwork:
    r"""A square network whose ``depth`` weight matrices are independent draws ``init((width, width), gain=gain, rng=...)``.

    ``init`` is any initializer of :mod:`initdyn.init` (a callable ``f(shape, *, gain, rng)``, e.g.
    :func:`initdyn.init.sparse_orthogonal` or a ``functools.partial`` fixing its extras) or its name in
    :data:`initdyn.init.INITIALIZERS`; biases are :math:`\mathcal N(0, \sigma_b^2)`.  The weights set the
    law, so there is no ``sigma_w2``: its mean-field value is ``width * mean(W**2)``.  Defined in chapter 6,
    where it feeds the atlas of initializers.  ``init`` must return a finite ``(width, width)`` array.
    """
    init = get_initializer(init, "init")
    width, depth = _check_size(width, depth)
    sigma_b2 = check_scalar_variance(sigma_b2, "sigma_b2")
    check_real(gain, "gain")  # a real number; its range is the initializer's to check
    gen = as_rng(rng)
    W = np.empty((depth, width, width))
    for layer in range(depth):
        w = init((width, width), gain=gain, rng=gen)
        if np.shape(w) != (width, width):
            raise ValueError(f"init: expected a ({width}, {width}) array from the initializer, got shape {np.shape(w)}")
        W[layer] = w
        if not np.all(np.isfinite(W[layer])):
            raise ValueError(f"init: the initializer returned non-finite weights (layer {layer})")
    b = gen.standard_normal((depth, width)) * np.sqrt(sigma_b2)
    return RandomNetwork(W, b)
