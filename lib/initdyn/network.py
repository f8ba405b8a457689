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
one call propagates a batch of inputs through all layers.  Defined in chapter 1.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_rng, check_finite_array, check_int, check_variance
from .activations import get_activation
from .init import orthogonal

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


def random_network(*, width, depth, sigma_w2, sigma_b2, weights: str = "gaussian", rng=None) -> RandomNetwork:
    """Draw a square random network (see the module docstring for the law).

    Parameters
    ----------
    width, depth : int
        Units per layer (>= 1) and number of layers (>= 1).
    sigma_w2, sigma_b2 : float
        Weight and bias variances in the mean-field normalisation.
    weights : {"gaussian", "orthogonal"}
    rng : numpy.random.Generator or int
    """
    width = check_int(width, "width", minimum=1)
    depth = check_int(depth, "depth", minimum=1)
    sigma_w2 = check_variance(sigma_w2, "sigma_w2")
    sigma_b2 = check_variance(sigma_b2, "sigma_b2")
    if not isinstance(sigma_w2, float) or not isinstance(sigma_b2, float):
        raise TypeError("sigma_w2, sigma_b2: expected scalars")
    if weights not in WEIGHT_KINDS:
        raise ValueError(f"weights: expected one of {WEIGHT_KINDS}, got {weights!r}")
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


def forward(net: RandomNetwork, x, *, activation) -> np.ndarray:
    """Pre-activations of every layer.

    Returns
    -------
    h : array, shape ``(depth + 1, *x.shape)``
        ``h[0] = x`` and ``h[l] = W^l phi(h^{l-1}) + b^l`` (``phi`` is not applied to ``x``).
    """
    act = get_activation(activation)
    x = _check_inputs(net, x)
    out = np.empty((net.depth + 1,) + x.shape)
    out[0] = x
    y = x
    for layer in range(net.depth):
        out[layer + 1] = y @ net.W[layer].T + net.b[layer]
        y = act.phi(out[layer + 1])
    return out


def tangent_norms(net: RandomNetwork, x, v, *, activation) -> np.ndarray:
    r"""Squared norms of a tangent vector pushed through the input-output Jacobian, layer by layer.

    With :math:`D^l = \mathrm{diag}\,\phi'(h^l)`, the tangent is
    :math:`\delta^1 = W^1 v` and :math:`\delta^{l+1} = W^{l+1} D^l \delta^l`
    (an exact Jacobian-vector product, no finite differences).  The ratio
    :math:`\|\delta^{l+1}\|^2/\|\delta^l\|^2` has mean :math:`\chi_1` at the
    fixed point (Schoenholz et al. 2017, Sec. 3; Poole et al. 2016, eq. 7).

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
    h = forward(net, x, activation=act)
    out = np.empty((net.depth + 1,) + x.shape[:-1])
    out[0] = np.sum(v * v, axis=-1)
    d = v
    for layer in range(net.depth):
        d = d @ net.W[layer].T
        out[layer + 1] = np.sum(d * d, axis=-1)
        d = d * act.dphi(h[layer + 1])
    return out


def inputs_with_correlation(width, *, q0, c0, rng=None) -> np.ndarray:
    r"""Two inputs with squared length per unit exactly ``q0`` and cosine similarity exactly ``c0``.

    Returns an array of shape ``(2, width)``; built by Gram-Schmidt from two
    Gaussian vectors, so the statistics are exact rather than typical.
    """
    width = check_int(width, "width", minimum=2)
    q0 = check_variance(q0, "q0", positive=True)
    c0 = float(c0)
    if not -1 <= c0 <= 1:
        raise ValueError(f"c0: expected a correlation in [-1, 1], got {c0}")
    g = as_rng(rng).standard_normal((2, width))
    e1 = g[0] / np.linalg.norm(g[0])
    r = g[1] - (g[1] @ e1) * e1
    e2 = r / np.linalg.norm(r)
    scale = np.sqrt(q0 * width)
    return scale * np.stack([e1, c0 * e1 + np.sqrt(1 - c0 * c0) * e2])


def empirical_q(h) -> np.ndarray:
    r"""Squared length per unit :math:`\hat q = \|h\|^2/N` over the last axis (the finite-width :math:`q^l`)."""
    h = check_finite_array(h, "h")
    return np.mean(h * h, axis=-1)


def empirical_c(h) -> np.ndarray:
    r"""Correlation :math:`\hat c = h_a\cdot h_b/(\|h_a\|\|h_b\|)` of the two inputs on axis -2.

    ``h`` has shape ``(..., 2, width)`` (e.g. the output of :func:`forward` for
    two inputs); returns shape ``(...)``.
    """
    h = check_finite_array(h, "h")
    if h.ndim < 2 or h.shape[-2] != 2:
        raise ValueError(f"h: expected shape (..., 2, width), got {h.shape}")
    a, b = h[..., 0, :], h[..., 1, :]
    return np.sum(a * b, axis=-1) / np.sqrt(np.sum(a * a, axis=-1) * np.sum(b * b, axis=-1))


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
    Schoenholz et al. 2017, eqs. (5) and (9).  With two equal inputs
    :math:`\hat s_c` estimates :math:`\chi_1`.

    Returns
    -------
    s_q, s_c : arrays of shape ``(...)``
    """
    act = get_activation(activation)
    sigma_w2 = check_variance(sigma_w2, "sigma_w2")
    h = check_finite_array(h, "h")
    if h.ndim < 2 or h.shape[-2] != 2:
        raise ValueError(f"h: expected shape (..., 2, width), got {h.shape}")
    a, b = h[..., 0, :], h[..., 1, :]
    s_q = sigma_w2 * np.mean(a * act.phi(a) * act.dphi(a), axis=-1) / np.mean(a * a, axis=-1)
    s_c = sigma_w2 * np.mean(act.dphi(a) * act.dphi(b), axis=-1)
    return s_q, s_c


def ensemble_statistic(statistic, x, *, n_nets, width, depth, sigma_w2, sigma_b2, activation,
                       weights: str = "gaussian", rng=None) -> np.ndarray:
    """Draw ``n_nets`` independent networks in turn and stack ``statistic(net, h)`` over them.

    ``h = forward(net, x, activation=activation)``; only one network is held in
    memory at a time (a width-1000, depth-30 network is 240 MB).  Passing the
    same int seed as ``rng`` for different ``sigma_w2``/``sigma_b2`` reuses the
    same standard-normal draws (common random numbers), so curves over a sweep
    are smooth in the parameters.

    Returns
    -------
    array of shape ``(n_nets, *statistic_shape)``
    """
    n_nets = check_int(n_nets, "n_nets", minimum=1)
    if not callable(statistic):
        raise TypeError(f"statistic: expected a callable (net, h) -> array, got {statistic!r}")
    act = get_activation(activation)
    gen = as_rng(rng)
    out = []
    for _ in range(n_nets):
        n = random_network(width=width, depth=depth, sigma_w2=sigma_w2, sigma_b2=sigma_b2, weights=weights, rng=gen)
        out.append(np.asarray(statistic(n, forward(n, x, activation=act))))
        del n
    return np.stack(out)


def network_from_initializer(init, *, width, depth, sigma_b2=0.0, gain=1.0, rng=None) -> RandomNetwork:
    r"""A square network whose ``depth`` weight matrices are independent draws ``init((width, width), gain=gain, rng=...)``.

    ``init`` is any initializer of :mod:`initdyn.init` (a callable ``f(shape, *, gain, rng)``, e.g.
    :func:`initdyn.init.sparse_orthogonal` or a ``functools.partial`` fixing its extras) or its name in
    :data:`initdyn.init.INITIALIZERS`; biases are :math:`\mathcal N(0, \sigma_b^2)`.  The weights set the
    law, so there is no ``sigma_w2``: its mean-field value is ``width * mean(W**2)``.  Defined in chapter 6,
    where it feeds the atlas of initializers.
    """
    from . import init as _init

    if isinstance(init, str):
        if init not in _init.INITIALIZERS:
            raise ValueError(f"init: unknown initializer {init!r}; expected one of {sorted(_init.INITIALIZERS)}")
        init = _init.INITIALIZERS[init]
    if not callable(init):
        raise TypeError(f"init: expected an initializer f(shape, *, gain, rng) or its name, got {init!r}")
    width = check_int(width, "width", minimum=1)
    depth = check_int(depth, "depth", minimum=1)
    sigma_b2 = check_variance(sigma_b2, "sigma_b2")
    if not isinstance(sigma_b2, float):
        raise TypeError("sigma_b2: expected a scalar")
    gen = as_rng(rng)
    W = np.empty((depth, width, width))
    for layer in range(depth):
        W[layer] = init((width, width), gain=gain, rng=gen)
    b = gen.standard_normal((depth, width)) * np.sqrt(sigma_b2)
    return RandomNetwork(W, b)
