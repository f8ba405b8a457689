r"""Expressivity: the length of a curve of inputs, and the size of gradients, in deep random networks.

Poole et al. 2016 ("Exponential expressivity in deep neural networks through transient chaos", the
section on the propagation of Riemannian geometry through deep networks, and their Figs. 3-4) send a
great circle of inputs through a random network,

.. math:: x(\theta) = \sqrt{N q_0}\,\big(u_0\cos\theta + u_1\sin\theta\big), \qquad \theta \in [0, 2\pi),

with :math:`u_0 \perp u_1` unit vectors, and follow its image :math:`h^l(\theta)`.  Its length
element :math:`\lVert\partial_\theta h^l\rVert` is the norm of a tangent vector pushed through the
Jacobian, so in mean field its square per unit, :math:`\bar g^l = \mathbb E\lVert\partial_\theta
h^l\rVert^2/N`, grows by :math:`\chi_1(q^l)` per layer (their recursion :math:`\bar g^{E,l} = \chi_1
\bar g^{E,l-1}`; here the circle is the input :math:`x = h^0`, which the first layer multiplies by
:math:`W^1` without a nonlinearity):

.. math::

   \bar g^0 = q_0, \qquad \bar g^1 = \sigma_w^2 q_0, \qquad \bar g^{l+1} = \chi_1(q^l)\,\bar g^l, \qquad
   \mathcal L^l = \int_0^{2\pi}\!\lVert\partial_\theta h^l\rVert\,d\theta \approx 2\pi\sqrt{N\bar g^l},

with :math:`q^1 = \sigma_w^2 q_0 + \sigma_b^2` and :math:`q^{l+1}` from the length map.  The first
recursion is exact in mean field at every depth: every point of the circle has the same :math:`q^l`,
so :math:`\mathbb E[h\,\partial_\theta h] = \tfrac12\partial_\theta q = 0` and the tangent is independent
of the pre-activation it multiplies.  The length itself is :math:`2\pi\sqrt{N\bar g^l}` up to the
:math:`O(l/N)` relative spread of :math:`\lVert\partial_\theta h^l\rVert^2/(N \bar g^l)` at finite width.
At the fixed point, :math:`\mathcal L^l \propto \chi_1^{l/2}`: exponential growth in the chaotic phase
(:math:`\chi_1 > 1`), decay in the ordered one, a constant on the critical line.

A curve known only at :math:`n` points is a closed polygon.  Its chords join points
:math:`\Delta\theta = 2\pi/n` apart, whose correlation follows the correlation map, so its mean-field
length is :math:`n\sqrt{2N q^l(1 - c^l)}` with :math:`c^0 = \cos\Delta\theta`.  It tracks
:math:`\mathcal L^l` while :math:`1 - c^l \ll 1 - c^*` and saturates at :math:`n\sqrt{2Nq^*(1-c^*)}`
once neighbouring points have decorrelated: the resolution of the sample, not the network, ends the
exponential growth there.

Gradients (Schoenholz et al. 2017, "Deep information propagation", the section on the backpropagation
of signals): :math:`\delta^l = \partial E/\partial h^l = \phi'(h^l)\odot (W^{l+1})^T\delta^{l+1}`, so in
mean field :math:`\mathbb E\lVert\delta^l\rVert^2 = \chi_1(q^l)\,\mathbb E\lVert\delta^{l+1}\rVert^2` and
at the fixed point :math:`\mathbb E\lVert\delta^l\rVert^2/\mathbb E\lVert\delta^L\rVert^2 = \chi_1^{L-l}
= e^{-(L-l)/\xi_\nabla}` with :math:`\xi_\nabla^{-1} = -\log\chi_1`.

Defined in chapter 1 (:doc:`/notebooks/01-mean-field`): the length element and the length are its
equation ``eq-ch1-length``, the polygon's saturation equation ``eq-ch1-polygon`` and the gradient depth
scale equation ``eq-ch1-grad``.  Networks are those of :mod:`initdyn.network` (weights of shape
``(fan_out, fan_in)``, inputs as rows).  Every argument is checked; a bad one raises ``ValueError`` or
``TypeError`` naming it.
"""

from __future__ import annotations

import numpy as np

from . import meanfield
from ._validate import (as_rng, check_choice, check_finite_array, check_int, check_memory, check_scalar_variance,
                        check_work, describe)
from .activations import get_activation
from .gaussian import gauss_phi2, gauss_phiphi
from .network import WEIGHT_KINDS, RandomNetwork, forward, random_network

__all__ = [
    "great_circle",
    "curve_length",
    "tangent_length",
    "propagate_curve",
    "length_element",
    "length_growth",
    "simulate_length",
    "backprop_norms",
    "gradient_norm_ratio",
    "gradient_depth_scale",
]

#: Largest number of points on a curve, units of a layer or layers a theory loop accepts (run time, memory).
_MAX_SIZE = 10**8
_MAX_DEPTH = 10**6
#: Below this relative distance 1 - c (d / q) the chord recursion uses its linearisation d' = chi_1 d: the
#: quadrature difference E[phi^2] - E[phi phi] (accurate to ~1e-12) would lose more digits than that drops.
_LINEAR_BELOW = 1e-6


def great_circle(n_points, width, *, q, rng=None):
    r"""A great circle of ``n_points`` inputs at squared length ``q`` per unit, and its tangents.

    :math:`x_k = \sqrt{Nq}\,(u_0\cos\theta_k + u_1\sin\theta_k)` at :math:`\theta_k = 2\pi k/n`,
    :math:`k = 0, \dots, n-1`, with :math:`u_0, u_1` orthonormal (Gram-Schmidt on two Gaussian vectors
    from ``rng``), and :math:`\partial_\theta x_k = \sqrt{Nq}\,(-u_0\sin\theta_k + u_1\cos\theta_k)`:
    Poole et al. 2016, the input manifold of their section on the propagation of Riemannian geometry
    (there placed at layer 1 with :math:`q = q^*`).  Every point has :math:`\lVert x_k\rVert^2/N = q`
    exactly, and the circle's length is :math:`2\pi\sqrt{Nq}` (equation ``eq-ch1-length`` of chapter 1
    at :math:`l = 0`).

    Parameters
    ----------
    n_points : int
        Points on the circle, >= 3.
    width : int
        Dimension :math:`N` of the inputs, >= 2.
    q : float
        Squared length per unit, finite and > 0.
    rng : numpy.random.Generator or int, optional

    Returns
    -------
    x, dx : arrays of shape ``(n_points, width)``
        The points and the tangents :math:`\partial_\theta x` at them.
    """
    n_points = check_int(n_points, "n_points", minimum=3, maximum=_MAX_SIZE)
    width = check_int(width, "width", minimum=2, maximum=_MAX_SIZE)
    q = check_scalar_variance(q, "q", positive=True)
    check_memory(2 * n_points * width + 2 * width, "n_points, width")
    gen = as_rng(rng)
    g = gen.standard_normal((2, width))
    u0 = g[0] / np.linalg.norm(g[0])
    r = g[1] - (g[1] @ u0) * u0
    u1 = r / np.linalg.norm(r)
    radius = np.sqrt(q) * np.sqrt(width)  # not sqrt(q * width): that product may overflow where the entries fit
    theta = 2 * np.pi * np.arange(n_points) / n_points
    cos, sin = np.cos(theta)[:, None], np.sin(theta)[:, None]
    with np.errstate(over="ignore"):
        x = radius * (cos * u0 + sin * u1)
        dx = radius * (cos * u1 - sin * u0)
    return x, dx


def _curve_array(h, name):
    h = check_finite_array(h, name)
    if h.ndim < 2 or h.shape[-2] < 2 or h.shape[-1] < 1:
        raise ValueError(
            f"{name}: expected an array of shape (..., n_points, width) with n_points >= 2 and width >= 1, "
            f"got shape {h.shape}"
        )
    return h


def _row_norms(a):
    """Norms over the last axis of ``a / s`` and ``s``, the largest entry of each curve (no square overflows)."""
    s = np.max(np.abs(a), axis=(-2, -1), keepdims=True)
    s = np.where(s > 0, s, 1.0)
    return np.sqrt(np.sum((a / s) ** 2, axis=-1)), s[..., 0, 0]


def _as_output(x):
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


def curve_length(h):
    r"""Length of the closed polygon through the points on axis -2 of ``h``.

    :math:`\sum_{k=0}^{n-1}\lVert h_{k+1} - h_k\rVert` with :math:`h_n = h_0`: the length of a closed curve
    known at ``n_points`` samples (e.g. :func:`great_circle` or its image at every layer of
    :func:`propagate_curve`).  For the great circle of radius :math:`\sqrt{Nq}` it is
    :math:`2n\sqrt{Nq}\sin(\pi/n)`, which tends to :math:`2\pi\sqrt{Nq}` from below with relative error
    below :math:`\pi^2/(6n^2)`.  Its mean-field value through a network is :func:`length_growth` with
    ``n_points`` (equation ``eq-ch1-polygon`` of chapter 1, :doc:`/notebooks/01-mean-field`).

    Parameters
    ----------
    h : array of shape ``(..., n_points, width)``
        Finite, ``n_points >= 2``; the points are scaled by their largest entry first, so the result
        overflows only where the length itself exceeds the float range.

    Returns
    -------
    float or array of shape ``(...)``
    """
    h = _curve_array(h, "h")
    hmax = np.max(np.abs(h), axis=(-2, -1), keepdims=True)
    s = np.where(hmax > 0, hmax, 1.0)
    scaled = h / s
    chords = np.sqrt(np.sum((np.roll(scaled, -1, axis=-2) - scaled) ** 2, axis=-1))
    with np.errstate(over="ignore"):
        return _as_output(np.sum(chords, axis=-1) * s[..., 0, 0])


def tangent_length(dh):
    r"""Length :math:`\int_0^{2\pi}\lVert\partial_\theta h\rVert\,d\theta` of a closed curve from its tangents.

    ``dh[..., k, :]`` is :math:`\partial_\theta h` at :math:`\theta_k = 2\pi k/n`; the integral is taken by
    the periodic trapezoid rule :math:`(2\pi/n)\sum_k\lVert\partial_\theta h(\theta_k)\rVert`, which
    converges faster than any power of :math:`1/n` for a smooth curve (exact for the great circle).  This is
    the length that equation ``eq-ch1-length`` of chapter 1 (:doc:`/notebooks/01-mean-field`) predicts,
    without the polygon's saturation (:func:`curve_length`).

    Parameters
    ----------
    dh : array of shape ``(..., n_points, width)``
        Finite tangents at equally spaced angles, ``n_points >= 2``.

    Returns
    -------
    float or array of shape ``(...)``
    """
    dh = _curve_array(dh, "dh")
    norms, s = _row_norms(dh)
    with np.errstate(over="ignore"):
        return _as_output(2 * np.pi / dh.shape[-2] * np.sum(norms, axis=-1) * s)


def propagate_curve(net, x, dx, *, activation):
    r"""Pre-activations :math:`h^l` of the points ``x`` and their tangents :math:`\partial_\theta h^l`.

    The forward pass is :func:`initdyn.network.forward`; the tangent goes through the Jacobian exactly,
    :math:`\partial_\theta h^1 = W^1\,\partial_\theta x` and :math:`\partial_\theta h^{l+1} =
    W^{l+1}\,(\phi'(h^l)\odot\partial_\theta h^l)` (a Jacobian-vector product for every point at once, no
    finite differences).  Implements the simulation side of equation ``eq-ch1-length`` of chapter 1
    (:doc:`/notebooks/01-mean-field`; Poole et al. 2016, Figs. 3-4).

    Parameters
    ----------
    net : initdyn.network.RandomNetwork
    x : array of shape ``(n_points, width)``
        The points of the curve (e.g. from :func:`great_circle`), finite.
    dx : array of the shape of ``x``
        The tangents at them, finite.
    activation : str or Activation

    Returns
    -------
    h, dh : arrays of shape ``(depth + 1, n_points, width)``
        ``h[0] = x``, ``dh[0] = dx``.

    Raises
    ------
    ValueError
        If a tangent leaves the float range (a chaotic network of hundreds of layers), naming ``net, dx``.
    """
    act = get_activation(activation)
    if not isinstance(net, RandomNetwork):
        raise TypeError(f"net: expected a RandomNetwork, got {type(net).__name__}")
    x = check_finite_array(x, "x", ndim=2)
    if x.shape[-1] != net.width:
        raise ValueError(f"x: expected last dimension {net.width} (the width), got shape {x.shape}")
    dx = check_finite_array(dx, "dx", ndim=2)
    if dx.shape != x.shape:
        raise ValueError(f"dx: expected the shape of x {x.shape}, got {dx.shape}")
    check_memory(2 * (net.depth + 1) * x.size, "x, net (2 (depth + 1) copies of x)")
    h = forward(net, x, activation=act)
    dh = np.empty_like(h)
    dh[0] = dx
    d = dx
    with np.errstate(over="ignore", invalid="ignore"):
        for layer in range(net.depth):
            if layer > 0:  # the input itself goes through W^1 without a nonlinearity
                d = d * act.dphi(h[layer])
            d = d @ net.W[layer].T
            dh[layer + 1] = d
    finite = np.isfinite(dh.reshape(net.depth + 1, -1)).all(axis=1)
    if not finite.all():
        raise ValueError(
            f"net, dx: the tangents overflow the float range at layer {int(np.argmin(finite))}; use fewer "
            "layers or a smaller dx"
        )
    return h, dh


def _theory_params(depth, q0, sigma_w2, sigma_b2, activation):
    depth = check_int(depth, "depth", minimum=0, maximum=_MAX_DEPTH)
    q0 = check_scalar_variance(q0, "q0", positive=True)
    sigma_w2 = check_scalar_variance(sigma_w2, "sigma_w2")
    sigma_b2 = check_scalar_variance(sigma_b2, "sigma_b2")
    return depth, q0, sigma_w2, sigma_b2, get_activation(activation)


def _lengths_q(depth, q0, sigma_w2, sigma_b2, act):
    """``[q^1, ..., q^depth]`` of an input at ``q0`` (the first layer sees x itself)."""
    if depth == 0:
        return np.empty(0)
    with np.errstate(over="ignore"):
        q1 = sigma_w2 * q0 + sigma_b2
    return meanfield.q_trajectory(q1, depth - 1, sigma_w2=sigma_w2, sigma_b2=sigma_b2, activation=act)


def _chi1_along(qs, sigma_w2, sigma_b2, act):
    """chi_1(q) at each finite q of ``qs`` (inf where q overflowed)."""
    out = np.full(qs.shape, np.inf)
    ok = np.isfinite(qs)
    if np.any(ok):
        out[ok] = meanfield.chi1(sigma_w2=sigma_w2, sigma_b2=sigma_b2, activation=act, q=qs[ok])
    return out


def length_element(depth, *, q0, sigma_w2, sigma_b2, activation):
    r"""Mean-field squared length element per unit :math:`\bar g^l = \mathbb E\lVert\partial_\theta h^l\rVert^2/N`.

    For the great circle of :func:`great_circle` at squared length ``q0`` per unit (so
    :math:`\bar g^0 = q_0`): :math:`\bar g^1 = \sigma_w^2 q_0` and :math:`\bar g^{l+1} = \chi_1(q^l)\,\bar g^l`
    with :math:`\chi_1(q) = \sigma_w^2\,\mathbb E[\phi'(\sqrt q z)^2]` (:func:`initdyn.meanfield.chi1`) at the
    length :math:`q^l` of the layer (:func:`initdyn.meanfield.q_trajectory` from :math:`q^1 = \sigma_w^2
    q_0 + \sigma_b^2`).  Poole et al. 2016, the recursion :math:`\bar g^{E,l} = \chi_1\bar g^{E,l-1}` of their
    section on the propagation of Riemannian geometry, there at :math:`q^*` from layer 1 on.  Exact in mean
    field at every depth (see the module docstring).  Implements equation ``eq-ch1-length`` of chapter 1
    (:doc:`/notebooks/01-mean-field`).

    Parameters
    ----------
    depth : int
        Layers, >= 0 (at most 1e6).
    q0 : float
        Squared length per unit of the input circle, finite and > 0.
    sigma_w2, sigma_b2 : float
        Weight and bias variances (scalars, finite, >= 0).
    activation : str or Activation

    Returns
    -------
    g : array of shape ``(depth + 1,)``
        ``g[l]`` is :math:`\bar g^l`; ``inf`` where it exceeds the float range.
    """
    depth, q0, sigma_w2, sigma_b2, act = _theory_params(depth, q0, sigma_w2, sigma_b2, activation)
    g = np.empty(depth + 1)
    g[0] = q0
    if depth >= 1:
        qs = _lengths_q(depth, q0, sigma_w2, sigma_b2, act)
        with np.errstate(over="ignore", invalid="ignore"):
            g[1] = sigma_w2 * q0
            g[2:] = g[1] * np.cumprod(_chi1_along(qs[:-1], sigma_w2, sigma_b2, act))
        g[np.isnan(g)] = 0.0  # 0 * inf: a length element that is exactly 0 (sigma_w2 = 0) stays 0
    return g


def _chord_theory(depth, q0, delta, sigma_w2, sigma_b2, act):
    r"""d^l = q^l (1 - c^l) for two points of the circle ``delta`` apart, l = 0..depth."""
    d = np.empty(depth + 1)
    d[0] = q0 * 2 * np.sin(delta / 2) ** 2  # q0 (1 - cos delta) without cancellation
    if depth == 0:
        return d
    qs = _lengths_q(depth, q0, sigma_w2, sigma_b2, act)
    chis = _chi1_along(qs, sigma_w2, sigma_b2, act)
    d[1] = sigma_w2 * d[0]
    for layer in range(1, depth):
        q, dl = qs[layer - 1], d[layer]
        if not np.isfinite(q) or q <= 0:
            d[layer + 1] = np.inf if not np.isfinite(q) else 0.0
            continue
        if dl / q < _LINEAR_BELOW:
            d[layer + 1] = chis[layer - 1] * dl
        else:
            c = max(1.0 - dl / q, -1.0)
            d[layer + 1] = max(sigma_w2 * float(gauss_phi2(act, q) - gauss_phiphi(act, q, q, c)), 0.0)
    return d


def length_growth(depth, *, width, q0, sigma_w2, sigma_b2, activation, n_points=None):
    r"""Mean-field length of the great circle's image at every layer, :math:`l = 0, \dots,` ``depth``.

    Without ``n_points``: the curve's length :math:`\mathcal L^l = 2\pi\sqrt{N\bar g^l}` with :math:`\bar g^l`
    from :func:`length_element` (equation ``eq-ch1-length`` of chapter 1, :doc:`/notebooks/01-mean-field`);
    at the fixed point it grows like :math:`\chi_1^{l/2}` (Poole et al. 2016, section on the propagation of
    Riemannian geometry).

    With ``n_points`` :math:`n`: the length of the closed polygon through :math:`n` equally spaced points
    (:func:`curve_length`), :math:`n\sqrt{2Nd^l}` with :math:`d^l = q^l(1 - c^l)` half the mean squared chord
    per unit: :math:`d^0 = q_0(1 - \cos(2\pi/n))`, :math:`d^1 = \sigma_w^2 d^0` and
    :math:`d^{l+1} = \sigma_w^2(\mathbb E[\phi(u_1)^2] - \mathbb E[\phi(u_1)\phi(u_2)])` over Gaussians of
    variance :math:`q^l` and covariance :math:`q^l - d^l` (the correlation map of ``eq-ch1-cmap`` written
    for the distance, equation ``eq-ch1-polygon``).  Where :math:`d^l/q^l < 10^{-6}` the linearisation
    :math:`d^{l+1} = \chi_1(q^l)\,d^l` is used instead (the quadratures, accurate to about 1e-12, would lose
    more than the neglected :math:`O(d^2)`): the result is accurate to about 1e-6 relative.  It follows
    :math:`\mathcal L^l` while :math:`1 - c^l \ll 1 - c^*` and saturates at :math:`n\sqrt{2Nq^*(1 - c^*)}`.

    Parameters
    ----------
    depth : int
        Layers, >= 0 (at most 1e6).
    width : int
        Units per layer :math:`N`, >= 1.
    q0 : float
        Squared length per unit of the input circle (:func:`great_circle`), finite and > 0.
    sigma_w2, sigma_b2 : float
        Weight and bias variances (scalars, finite, >= 0).
    activation : str or Activation
    n_points : int, optional
        Points of the sampled polygon, >= 3; ``None`` (default) for the curve itself.

    Returns
    -------
    lengths : array of shape ``(depth + 1,)``
    """
    depth, q0, sigma_w2, sigma_b2, act = _theory_params(depth, q0, sigma_w2, sigma_b2, activation)
    width = check_int(width, "width", minimum=1, maximum=_MAX_SIZE)
    if n_points is None:
        g = length_element(depth, q0=q0, sigma_w2=sigma_w2, sigma_b2=sigma_b2, activation=act)
        with np.errstate(over="ignore"):
            return 2 * np.pi * np.sqrt(width * g)
    n_points = check_int(n_points, "n_points", minimum=3, maximum=_MAX_SIZE)
    d = _chord_theory(depth, q0, 2 * np.pi / n_points, sigma_w2, sigma_b2, act)
    with np.errstate(over="ignore"):
        return n_points * np.sqrt(2.0 * width * d)


def simulate_length(depth, *, width, q0, sigma_w2, sigma_b2, activation, n_points, n_samples,
                    weights="gaussian", rng=None):
    r"""The great circle through ``n_samples`` random networks: its lengths at every layer.

    One circle (:func:`great_circle` with ``q0``, drawn first from ``rng``) goes through ``n_samples``
    independent networks (:func:`initdyn.network.random_network`, drawn in turn from ``rng``; one held in
    memory at a time) by :func:`propagate_curve`, all points at once.  The simulation side of equations
    ``eq-ch1-length`` and ``eq-ch1-polygon`` of chapter 1 (:doc:`/notebooks/01-mean-field`; Poole et al.
    2016, Figs. 3-4).

    Parameters
    ----------
    depth, width : int
        Layers (>= 1) and units per layer (>= 2).
    q0 : float
        Squared length per unit of the input circle, finite and > 0.
    sigma_w2, sigma_b2 : float
        Weight and bias variances (scalars, finite, >= 0).
    activation : str or Activation
    n_points : int
        Points on the circle, >= 3.
    n_samples : int
        Networks, >= 1.
    weights : {"gaussian", "orthogonal"}
    rng : numpy.random.Generator or int, optional

    Returns
    -------
    dict of arrays of shape ``(n_samples, depth + 1)``
        ``"length"``: :func:`tangent_length` of the tangents (the curve's length); ``"polygon"``:
        :func:`curve_length` of the points; ``"element"``: the mean over the points of
        :math:`\lVert\partial_\theta h^l\rVert^2/N`, whose expectation is :func:`length_element`.
    """
    depth = check_int(depth, "depth", minimum=1, maximum=_MAX_DEPTH)
    width = check_int(width, "width", minimum=2, maximum=_MAX_SIZE)
    n_points = check_int(n_points, "n_points", minimum=3, maximum=_MAX_SIZE)
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    check_scalar_variance(q0, "q0", positive=True)
    check_scalar_variance(sigma_w2, "sigma_w2")
    check_scalar_variance(sigma_b2, "sigma_b2")
    act = get_activation(activation)
    weights = check_choice(weights, "weights", WEIGHT_KINDS)
    check_memory(depth * width * width + 2 * (depth + 1) * n_points * width, "width, depth, n_points")
    check_memory(3 * n_samples * (depth + 1), "n_samples, depth")
    check_work(float(n_samples) * depth * width * width * (4 * n_points + 1), "n_samples", n_samples,
               what=f"{describe(n_samples)} networks of {depth} layers of {width} units",
               reduce="n_samples, depth, width or n_points")
    gen = as_rng(rng)
    x, dx = great_circle(n_points, width, q=q0, rng=gen)
    out = {key: np.empty((n_samples, depth + 1)) for key in ("length", "polygon", "element")}
    for s in range(n_samples):
        net = random_network(width=width, depth=depth, sigma_w2=sigma_w2, sigma_b2=sigma_b2, weights=weights,
                             rng=gen)
        h, dh = propagate_curve(net, x, dx, activation=act)
        del net
        out["length"][s] = tangent_length(dh)
        out["polygon"][s] = curve_length(h)
        norms, scale = _row_norms(dh)
        with np.errstate(over="ignore"):
            out["element"][s] = np.mean(norms**2, axis=-1) * scale**2 / width
    return out


def backprop_norms(net, x, e, *, activation):
    r"""Squared norms :math:`\lVert\delta^l\rVert^2` of the backpropagated error at every layer.

    For a loss whose gradient at the output pre-activations is ``e``, :math:`\delta^L = e`, and by exact
    backpropagation :math:`\delta^l = \phi'(h^l)\odot(W^{l+1})^T\delta^{l+1}` for :math:`1 \le l < L`;
    ``norms[0]`` is the gradient with respect to the input, :math:`(W^1)^T\delta^1` (the input passes through
    no nonlinearity).  The forward pass is :func:`initdyn.network.forward`.  In mean field
    :math:`\mathbb E\lVert\delta^l\rVert^2/\mathbb E\lVert\delta^L\rVert^2` is :func:`gradient_norm_ratio`
    (Schoenholz et al. 2017, backpropagation of signals; equation ``eq-ch1-grad`` of chapter 1,
    :doc:`/notebooks/01-mean-field`).  The gradient with respect to :math:`W^l` is
    :math:`\delta^l\phi(h^{l-1})^T`, of squared norm :math:`\lVert\delta^l\rVert^2\lVert\phi(h^{l-1})\rVert^2`.

    Parameters
    ----------
    net : initdyn.network.RandomNetwork
    x : array of shape ``(width,)`` or ``(batch, width)``
        Inputs, finite.
    e : array of the shape of ``x``
        The error at the output, :math:`\partial E/\partial h^L`, finite.
    activation : str or Activation

    Returns
    -------
    norms : array of shape ``(depth + 1,)`` or ``(depth + 1, batch)``

    Raises
    ------
    ValueError
        If the backpropagated error leaves the float range, naming ``net, e``.
    """
    act = get_activation(activation)
    if not isinstance(net, RandomNetwork):
        raise TypeError(f"net: expected a RandomNetwork, got {type(net).__name__}")
    x = check_finite_array(x, "x", ndim=(1, 2))
    if x.shape[-1] != net.width:
        raise ValueError(f"x: expected last dimension {net.width} (the width), got shape {x.shape}")
    e = check_finite_array(e, "e", ndim=(1, 2))
    if e.shape != x.shape:
        raise ValueError(f"e: expected the shape of x {x.shape}, got {e.shape}")
    h = forward(net, x, activation=act)
    out = np.empty((net.depth + 1,) + x.shape[:-1])
    d = e
    with np.errstate(over="ignore", invalid="ignore"):
        out[net.depth] = np.sum(d * d, axis=-1)
        for layer in range(net.depth - 1, -1, -1):
            d = d @ net.W[layer]  # (W^{layer+1})^T delta^{layer+1}, rows as inputs
            if layer > 0:
                d = d * act.dphi(h[layer])
            out[layer] = np.sum(d * d, axis=-1)
    if not np.all(np.isfinite(out)):
        raise ValueError(
            "net, e: the backpropagated error overflows the float range; use fewer layers or a smaller e"
        )
    return out


def gradient_norm_ratio(depth, *, q0, sigma_w2, sigma_b2, activation):
    r"""Mean-field :math:`\mathbb E\lVert\delta^l\rVert^2 / \mathbb E\lVert\delta^L\rVert^2` for :math:`l = 0, \dots, L`.

    :math:`L` = ``depth``.  With :math:`q^l` the forward lengths of an input at ``q0`` (:math:`q^1 =
    \sigma_w^2 q_0 + \sigma_b^2`, then the length map), ratio :math:`r^L = 1`, :math:`r^l = \chi_1(q^l)\,
    r^{l+1}` for :math:`1 \le l < L` and :math:`r^0 = \sigma_w^2 r^1` (the input gradient, through
    :math:`W^1` only).  At the fixed point :math:`r^l = \chi_1^{L-l} = e^{-(L-l)/\xi_\nabla}`
    (:func:`gradient_depth_scale`; Schoenholz et al. 2017, backpropagation of signals, which assumes the
    backward weights independent of the forward ones, exact as :math:`N \to \infty`).  Implements equation
    ``eq-ch1-grad`` of chapter 1 (:doc:`/notebooks/01-mean-field`).

    Parameters
    ----------
    depth : int
        Layers :math:`L`, >= 1 (at most 1e6).
    q0 : float
        Squared length per unit of the input, finite and > 0.
    sigma_w2, sigma_b2 : float
        Weight and bias variances (scalars, finite, >= 0).
    activation : str or Activation

    Returns
    -------
    ratio : array of shape ``(depth + 1,)``; ``inf`` where it exceeds the float range.
    """
    depth, q0, sigma_w2, sigma_b2, act = _theory_params(depth, q0, sigma_w2, sigma_b2, activation)
    if depth < 1:
        raise ValueError(f"depth: expected an integer >= 1, got {depth}")
    qs = _lengths_q(depth, q0, sigma_w2, sigma_b2, act)      # q^1 .. q^L
    chis = _chi1_along(qs[:-1], sigma_w2, sigma_b2, act)     # chi_1(q^1) .. chi_1(q^{L-1})
    r = np.ones(depth + 1)
    with np.errstate(over="ignore", invalid="ignore"):
        r[1:depth] = np.cumprod(chis[::-1])[::-1]
        r[0] = sigma_w2 * r[1]
    r[np.isnan(r)] = 0.0  # 0 * inf: a gradient that is exactly 0 (sigma_w2 = 0) stays 0
    return r


def gradient_depth_scale(*, sigma_w2, sigma_b2, activation):
    r"""The gradient depth scale :math:`\xi_\nabla = -1/\log\chi_1` (Schoenholz et al. 2017).

    Over :math:`L - l` layers the mean squared gradient changes by :math:`\chi_1^{L-l} =
    e^{-(L-l)/\xi_\nabla}` (:func:`gradient_norm_ratio` at the fixed point): in the ordered phase
    (:math:`\chi_1 < 1`) :math:`\xi_\nabla > 0` is the depth over which gradients vanish by a factor
    :math:`e`, in the chaotic phase :math:`\xi_\nabla < 0` and :math:`|\xi_\nabla|` is the depth over which
    they grow by :math:`e`; on the critical line it is ``inf``.  In the ordered phase it equals
    :math:`\xi_c` of :func:`initdyn.meanfield.depth_scales`.  ``sigma_w2`` and ``sigma_b2`` (finite, >= 0)
    broadcast, as in :func:`initdyn.meanfield.chi1`.  Implements equation ``eq-ch1-grad`` of chapter 1
    (:doc:`/notebooks/01-mean-field`).

    Returns
    -------
    float or array
    """
    chi = np.asarray(meanfield.chi1(sigma_w2=sigma_w2, sigma_b2=sigma_b2, activation=activation), dtype=float)
    with np.errstate(divide="ignore"):
        log = np.log(chi)
        out = np.where(log == 0, np.inf, -1.0 / np.where(log == 0, 1.0, log))
    return _as_output(out)
