"""Weight initializers.

Conventions (the ones ``torch.nn.init`` users already know):

* a weight has shape ``(fan_out, fan_in)`` as in ``torch.nn.Linear``, or
  ``(out_channels, in_channels, *kernel)`` for convolutions;
* every initializer has the signature ``f(shape, *, gain=1.0, rng=None)`` and
  returns a float64 array; ``rng`` is a ``numpy.random.Generator`` or an int seed;
* the variance of an entry is ``gain**2 * sigma_w2 / fan`` where the
  mean-field variance ``sigma_w2`` of each scheme is listed below, so that
  ``sigma_w2`` in :mod:`initdyn.meanfield` is ``fan_in * Var(W_ij)``.

=================  ====================  ========================================
initializer        Var(W_ij)             mean-field sigma_w2 (square weights)
=================  ====================  ========================================
``glorot_*``       2 / (fan_in+fan_out)  1
``he_*``           2 / fan_in            2
``lecun_normal``   1 / fan_in            1
``orthogonal``     1 / fan_out (rows)    1 (and all singular values equal gain)
=================  ====================  ========================================

Defined in chapter 1 of the book; the parameter-sharing and identity-like
initializers of later chapters live here too.
"""

from __future__ import annotations

import math

import numpy as np

from ._validate import as_rng, check_positive, check_shape

__all__ = [
    "fans",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "orthogonal",
    "gaussian_submatrix",
    "looks_linear",
    "INITIALIZERS",
]


def fans(shape) -> tuple[int, int]:
    """Return ``(fan_in, fan_out)`` of a weight shape, as torch computes them.

    Parameters
    ----------
    shape : tuple of int
        ``(fan_out, fan_in)`` for a dense layer or ``(out, in, *kernel)`` for a
        convolution; the receptive field ``prod(kernel)`` multiplies both fans.

    Returns
    -------
    fan_in, fan_out : int

    Examples
    --------
    >>> fans((3, 5))
    (5, 3)
    >>> fans((8, 4, 3, 3))
    (36, 72)
    """
    dims = check_shape(shape)
    receptive = math.prod(dims[2:])
    return dims[1] * receptive, dims[0] * receptive


def _prepare(shape, gain):
    dims = check_shape(shape)
    gain = check_positive(gain, "gain")
    if not isinstance(gain, float):
        raise TypeError(f"gain: expected a scalar, got an array of shape {np.shape(gain)}")
    return dims, gain


def glorot_normal(shape, *, gain: float = 1.0, rng=None) -> np.ndarray:
    r"""Glorot (Xavier) normal: :math:`W_{ij} \sim \mathcal N(0, g^2\,2/(n_\mathrm{in}+n_\mathrm{out}))`.

    Glorot & Bengio 2010, eq. (16) with the normal rather than uniform law.
    """
    dims, gain = _prepare(shape, gain)
    fan_in, fan_out = fans(dims)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return as_rng(rng).normal(0.0, std, size=dims)


def glorot_uniform(shape, *, gain: float = 1.0, rng=None) -> np.ndarray:
    r"""Glorot (Xavier) uniform: :math:`W_{ij} \sim U(-a, a)`, :math:`a = g\sqrt{6/(n_\mathrm{in}+n_\mathrm{out})}`.

    Glorot & Bengio 2010, eq. (16); the variance is :math:`g^2\,2/(n_\mathrm{in}+n_\mathrm{out})`.
    """
    dims, gain = _prepare(shape, gain)
    fan_in, fan_out = fans(dims)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return as_rng(rng).uniform(-bound, bound, size=dims)


def he_normal(shape, *, gain: float = 1.0, rng=None) -> np.ndarray:
    r"""He (Kaiming) normal, fan-in mode: :math:`W_{ij} \sim \mathcal N(0, g^2\,2/n_\mathrm{in})`.

    He et al. 2015, eq. (10).  The factor 2 is built in (``gain=1`` gives
    ``sigma_w2 = 2``, the critical ReLU network of chapter 1), so this equals
    ``torch.nn.init.kaiming_normal_(w, nonlinearity="relu")`` times ``gain``.
    """
    dims, gain = _prepare(shape, gain)
    fan_in, _ = fans(dims)
    return as_rng(rng).normal(0.0, gain * math.sqrt(2.0 / fan_in), size=dims)


def he_uniform(shape, *, gain: float = 1.0, rng=None) -> np.ndarray:
    r"""He (Kaiming) uniform, fan-in mode: :math:`U(-a, a)`, :math:`a = g\sqrt{6/n_\mathrm{in}}`.

    He et al. 2015; the variance is :math:`g^2\,2/n_\mathrm{in}`.
    """
    dims, gain = _prepare(shape, gain)
    fan_in, _ = fans(dims)
    bound = gain * math.sqrt(6.0 / fan_in)
    return as_rng(rng).uniform(-bound, bound, size=dims)


def lecun_normal(shape, *, gain: float = 1.0, rng=None) -> np.ndarray:
    r"""LeCun normal: :math:`W_{ij} \sim \mathcal N(0, g^2/n_\mathrm{in})`.

    LeCun et al. 1998, "Efficient BackProp", Sec. 4.6.
    """
    dims, gain = _prepare(shape, gain)
    fan_in, _ = fans(dims)
    return as_rng(rng).normal(0.0, gain / math.sqrt(fan_in), size=dims)


def orthogonal(shape, *, gain: float = 1.0, rng=None) -> np.ndarray:
    r"""Haar-distributed (semi-)orthogonal matrix times ``gain``.

    The weight is flattened to ``(shape[0], prod(shape[1:]))`` as torch does.
    A Gaussian matrix is QR-factorised and the columns of Q multiplied by the
    signs of diag(R), which makes Q exactly Haar distributed (Mezzadri 2007,
    "How to generate random matrices from the classical compact groups",
    Sec. 5).  Wide shapes factor the transpose, so rows are orthonormal when
    ``rows <= cols`` and columns are orthonormal when ``rows >= cols``:
    :math:`W W^\top = g^2 I` or :math:`W^\top W = g^2 I`.

    Saxe, McClelland & Ganguli 2014 introduced it for deep linear networks.
    """
    dims, gain = _prepare(shape, gain)
    rows = dims[0]
    cols = math.prod(dims[1:])
    gen = as_rng(rng)
    a = gen.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    d = np.sign(np.diag(r))
    d[d == 0] = 1.0
    q = q * d
    if rows < cols:
        q = q.T
    return gain * q.reshape(dims)


def _mirrored_blocks(shape, name):
    dims, _ = _prepare(shape, 1.0)
    if len(dims) != 2:
        raise ValueError(f"shape: {name} serves dense weights (fan_out, fan_in) only, got {dims}")
    if dims[0] % 2 or dims[1] % 2:
        raise ValueError(f"shape: {name} needs an even fan_out and fan_in (W = [[W0, -W0], [-W0, W0]]), got {dims}")
    return dims[0] // 2, dims[1] // 2


def _mirror(w0):
    return np.block([[w0, -w0], [-w0, w0]])


def gaussian_submatrix(shape, *, gain: float = 1.0, rng=None) -> np.ndarray:
    r"""Parameter sharing for ReLU, :math:`W = ((W_0, -W_0), (-W_0, W_0))` with Gaussian :math:`W_0`.

    Burkholz & Dubatovka 2019, "Initialization of ReLUs for Dynamical
    Isometry" (the Gaussian submatrix initialisation).  :math:`W_0` has shape ``(fan_out/2, fan_in/2)`` and
    entries :math:`\mathcal N(0, g^2\,2/n_\mathrm{in})` (the He variance, so
    every entry of :math:`W` has variance :math:`g^2\,2/n_\mathrm{in}`).  For
    :math:`x = (u, v)` the pre-activation is :math:`(z, -z)` with
    :math:`z = W_0(u - v)`, and :math:`\mathrm{relu}(z) - \mathrm{relu}(-z) = z`:
    a ReLU network with these weights computes the linear network of the
    :math:`W_0`'s (chapter 3).  Both fans must be even.
    """
    rows, cols = _mirrored_blocks(shape, "gaussian_submatrix")
    gain = _prepare(shape, gain)[1]
    w0 = as_rng(rng).normal(0.0, gain * math.sqrt(2.0 / (2 * cols)), size=(rows, cols))
    return _mirror(w0)


def looks_linear(shape, *, gain: float = 1.0, rng=None) -> np.ndarray:
    r"""Looks-linear (mirrored) weights, :math:`W = ((W_0, -W_0), (-W_0, W_0))` with orthogonal :math:`W_0`.

    Balduzzi et al. 2017, "The shattered gradients problem" (looks-linear
    initialisation): :math:`W_0` is :func:`orthogonal` of shape
    ``(fan_out/2, fan_in/2)`` times ``gain``, so that a ReLU network with these
    weights computes, at initialisation, the orthogonal linear map
    :math:`z \mapsto W_0 z` on :math:`z = u - v` and preserves the norm of
    mirrored signals :math:`x = (\mathrm{relu}(z), \mathrm{relu}(-z))`
    exactly (the parameter sharing of Burkholz & Dubatovka 2019 with an
    orthogonal :math:`W_0`).
    Entries have variance :math:`g^2\,2/n_\mathrm{in}` (square shapes).
    Both fans must be even.
    """
    rows, cols = _mirrored_blocks(shape, "looks_linear")
    return _mirror(orthogonal((rows, cols), gain=gain, rng=rng))


#: Name -> initializer, for loops over schemes (chapter 6's atlas adds to it).
INITIALIZERS = {
    "glorot_normal": glorot_normal,
    "glorot_uniform": glorot_uniform,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "lecun_normal": lecun_normal,
    "orthogonal": orthogonal,
    "gaussian_submatrix": gaussian_submatrix,
    "looks_linear": looks_linear,
}
