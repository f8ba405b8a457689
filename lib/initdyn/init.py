"""Weight initializers.

Conventions (the ones ``torch.nn.init`` users already know):

* a weight has shape ``(fan_out, fan_in)`` as in ``torch.nn.Linear``, or
  ``(out_channels, in_channels, *kernel)`` for convolutions;
* every initializer has the signature ``f(shape, *, gain=1.0, rng=None)`` and
  returns a float64 array; ``rng`` is a ``numpy.random.Generator`` or an int seed;
* the variance of an entry is ``gain**2 * sigma_w2 / fan`` where the
  mean-field variance ``sigma_w2`` of each scheme is listed below, so that
  ``sigma_w2`` in :mod:`initdyn.meanfield` is ``fan_in * Var(W_ij)``;
* ``shape`` is a tuple (or list, or 1-d integer array) of positive ints, ``gain`` a finite
  number > 0; a weight (with its work arrays) beyond 4 GiB is refused up front, and a ``gain``
  so large that entries overflow float64 raises ``ValueError``.

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
from typing import Callable, NamedTuple

import numpy as np

from ._structured import givens_orthogonal, identity_like, kernel_order
from ._validate import as_rng, check_flag, describe, check_nbytes, check_positive, check_real, check_shape
from .ginibre import GUMBEL_MEAN_PLUS_STD, rescaling_radius

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
    "isometric_sharing",
    "idinit",
    "sparse_orthogonal",
    "delta_orthogonal",
    "rescaled_glorot",
    "INITIALIZERS",
    "ALIASES",
    "get_initializer",
    "IIDLaw",
    "iid_law",
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
    dims = _dims(shape)
    receptive = math.prod(dims[2:])
    return dims[1] * receptive, dims[0] * receptive


def _dims(shape):
    """``check_shape``, also accepting a 1-d integer numpy array (``np.array([64, 32])``)."""
    if isinstance(shape, np.ndarray) and shape.ndim == 1 and shape.dtype.kind in "iu":
        shape = tuple(int(d) for d in shape)
    return check_shape(shape)


def _prepare(shape, gain, *, work: float = 2.0):
    """Checked ``(dims, gain)``; ``work`` is the memory of the scheme in units of the weight's size."""
    dims = _dims(shape)
    if isinstance(gain, (list, tuple)) or (isinstance(gain, np.ndarray) and gain.ndim != 0):
        raise TypeError(f"gain: expected a positive real scalar, got {describe(gain)}")
    gain = check_positive(gain, "gain")
    if not isinstance(gain, float):
        raise TypeError(f"gain: expected a scalar, got an array of shape {np.shape(gain)}")
    check_nbytes(int(8 * work) * math.prod(dims), "shape", dims, what=f"a weight of shape {dims} with its work arrays",
                 reduce="the shape")
    return dims, gain


def _finite(W, gain):
    """``W``, or ``ValueError`` naming ``gain`` if its entries overflowed float64."""
    if not np.all(np.isfinite(W)):
        raise ValueError(f"gain: entries of the weight overflow float64 at gain = {gain:g}; use a smaller gain")
    return W


def _uniform_bound(bound, gain):
    if not math.isfinite(2.0 * bound):
        raise ValueError(f"gain: the uniform range (-{bound:g}, {bound:g}) overflows float64 at gain = {gain:g}; "
                         "use a smaller gain")
    return bound


def glorot_normal(shape, *, gain: float = 1.0, rng=None) -> np.ndarray:
    r"""Glorot (Xavier) normal: :math:`W_{ij} \sim \mathcal N(0, g^2\,2/(n_\mathrm{in}+n_\mathrm{out}))`.

    Glorot & Bengio 2010, eq. (16) with the normal rather than uniform law.
    """
    dims, gain = _prepare(shape, gain)
    fan_in, fan_out = fans(dims)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return _finite(as_rng(rng).normal(0.0, std, size=dims), gain)


def glorot_uniform(shape, *, gain: float = 1.0, rng=None) -> np.ndarray:
    r"""Glorot (Xavier) uniform: :math:`W_{ij} \sim U(-a, a)`, :math:`a = g\sqrt{6/(n_\mathrm{in}+n_\mathrm{out})}`.

    Glorot & Bengio 2010, eq. (16); the variance is :math:`g^2\,2/(n_\mathrm{in}+n_\mathrm{out})`.
    """
    dims, gain = _prepare(shape, gain)
    fan_in, fan_out = fans(dims)
    bound = _uniform_bound(gain * math.sqrt(6.0 / (fan_in + fan_out)), gain)
    return as_rng(rng).uniform(-bound, bound, size=dims)


def he_normal(shape, *, gain: float = 1.0, rng=None) -> np.ndarray:
    r"""He (Kaiming) normal, fan-in mode: :math:`W_{ij} \sim \mathcal N(0, g^2\,2/n_\mathrm{in})`.

    He et al. 2015, eq. (10).  The factor 2 is built in (``gain=1`` gives
    ``sigma_w2 = 2``, the critical ReLU network of chapter 1), so this equals
    ``torch.nn.init.kaiming_normal_(w, nonlinearity="relu")`` times ``gain``.
    """
    dims, gain = _prepare(shape, gain)
    fan_in, _ = fans(dims)
    return _finite(as_rng(rng).normal(0.0, gain * math.sqrt(2.0 / fan_in), size=dims), gain)


def he_uniform(shape, *, gain: float = 1.0, rng=None) -> np.ndarray:
    r"""He (Kaiming) uniform, fan-in mode: :math:`U(-a, a)`, :math:`a = g\sqrt{6/n_\mathrm{in}}`.

    He et al. 2015; the variance is :math:`g^2\,2/n_\mathrm{in}`.
    """
    dims, gain = _prepare(shape, gain)
    fan_in, _ = fans(dims)
    bound = _uniform_bound(gain * math.sqrt(6.0 / fan_in), gain)
    return as_rng(rng).uniform(-bound, bound, size=dims)


def lecun_normal(shape, *, gain: float = 1.0, rng=None) -> np.ndarray:
    r"""LeCun normal: :math:`W_{ij} \sim \mathcal N(0, g^2/n_\mathrm{in})`.

    LeCun et al. 1998, "Efficient BackProp", Sec. 4.6.
    """
    dims, gain = _prepare(shape, gain)
    fan_in, _ = fans(dims)
    return _finite(as_rng(rng).normal(0.0, gain / math.sqrt(fan_in), size=dims), gain)


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
    dims, gain = _prepare(shape, gain, work=5.0)
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
    dims, _ = _prepare(shape, 1.0, work=3.0)
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
    return _mirror(_finite(w0, gain))


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
    _prepare(shape, gain)
    return _mirror(orthogonal((rows, cols), gain=gain, rng=rng))


def isometric_sharing(shape, *, gain: float = 1.0, rng=None) -> np.ndarray:
    r"""Parameter sharing with orthogonal blocks and a non-square input layer: ReLU isometry at initialization.

    Burkholz & Dubatovka 2019, "Initialization of ReLUs for Dynamical Isometry" (initial parameter
    sharing), in the form chapter 3 (:doc:`/notebooks/03-exact-distributions`, equation
    ``eq-ch3-sharing`` and the non-square first layer after it) shows to be an exact isometry.  The
    layer's role is read from its shape:

    * a square layer (``fan_out == fan_in``, both even) is :func:`looks_linear`,
      :math:`W = ((W_0, -W_0), (-W_0, W_0))` with Haar-orthogonal :math:`W_0` times ``gain``: fed a
      mirrored signal :math:`(\mathrm{relu}(z), \mathrm{relu}(-z))` it outputs the mirrored
      :math:`W_0 z`;
    * an input layer (``fan_out >= 2 fan_in``, ``fan_out`` even) is
      :math:`W = (W_0; -W_0)`, :math:`W_0` of shape ``(fan_out/2, fan_in)`` with orthonormal columns
      (:func:`orthogonal`) times ``gain``: it takes a raw input :math:`x` to
      :math:`h = (W_0 x, -W_0 x)`, whose ReLU is the mirrored signal of :math:`z = W_0 x`.

    A ReLU network whose first layer is such an input layer and whose hidden layers are square then
    computes, at initialization, :math:`\mathrm{relu}(\pm W_0^L\cdots W_0^1 x)`: at ``gain=1`` its
    output has the length of its input, :math:`\lVert x^L\rVert = \lVert x\rVert`, and its
    input-output Jacobian has all singular values 1 (at points where no pre-activation is 0).
    Any other shape (``fan_in < fan_out < 2 fan_in``, ``fan_out < fan_in``, odd fans, kernels) is
    refused with a ``ValueError`` naming ``shape``: there :math:`W_0` cannot have orthonormal columns.
    Entries of a square layer have variance :math:`g^2\,2/n_\mathrm{in}`, of an input layer
    :math:`g^2\,2/n_\mathrm{out}`.
    """
    dims, gain = _prepare(shape, gain, work=3.0)
    if len(dims) != 2:
        raise ValueError(f"shape: isometric_sharing serves dense weights (fan_out, fan_in) only, got {dims}")
    fan_out, fan_in = dims
    if fan_out == fan_in:
        return looks_linear(dims, gain=gain, rng=rng)
    if fan_out < 2 * fan_in or fan_out % 2:
        raise ValueError(f"shape: isometric_sharing needs a square layer (even fans) or an input layer with an "
                         f"even fan_out >= 2 fan_in (W = (W0; -W0), W0 with orthonormal columns), got {dims}")
    w0 = orthogonal((fan_out // 2, fan_in), gain=gain, rng=rng)
    return np.concatenate([w0, -w0], axis=0)


def idinit(shape, *, gain: float = 1.0, rng=None, tau: float = 1.0, zero_preserving: bool = False,
           epsilon: float = 1e-6, loosen: float = 0.0, patch_maintain: bool = True) -> np.ndarray:
    r"""IDInit: the padded identity-like matrix (Pan et al., ICLR 2025, arXiv 2503.04626, Sec. 3).

    Implements equation ``eq-ch6-idinit`` of chapter 6 (:doc:`/notebooks/06-initializers-in-practice`);
    ``zero_preserving=True`` gives the last layer of the residual blocks of equation ``eq-ch6-idinit-residual``.

    Dense weights ``(D_out, D_in)``: :math:`W_{ij} = g\tau` iff
    :math:`i \equiv j \pmod{\min(D_\mathrm{out}, D_\mathrm{in})}`, else 0.  For
    :math:`D_\mathrm{out} > D_\mathrm{in}` this stacks identities, :math:`W = g\tau\,[I; I; \dots]`
    (truncated), so every output unit copies an input coordinate and none is dead; for
    :math:`D_\mathrm{out} < D_\mathrm{in}` it concatenates them, :math:`W = g\tau\,[I, I, \dots]`, so
    every input coordinate reaches the output.  Zero-padding, ``np.eye(D_out, D_in)``, leaves
    :math:`D_\mathrm{out} - D_\mathrm{in}` dead units or drops :math:`D_\mathrm{in} - D_\mathrm{out}`
    inputs.  The pattern is deterministic (``rng`` is accepted for the common signature and unused).

    Parameters
    ----------
    shape : tuple of int
        ``(fan_out, fan_in)`` or ``(out_channels, in_channels, *kernel)``.
    gain : float
        Multiplies every entry.
    tau : float
        The value :math:`\tau` of the identity-preserving form IDI\ :math:`_\tau` (default 1).
    zero_preserving : bool
        The form IDIZ\ :math:`_\varepsilon` for the *last* layer of a residual branch: the same pattern
        with value :math:`\varepsilon` instead of :math:`\tau`, so the block starts as (almost) the
        identity, :math:`x + \varepsilon\,(\cdots)`, while the branch's other weights still receive
        gradients (an exactly zero last layer leaves them dead).
    epsilon : float
        :math:`\varepsilon > 0` of the zero-preserving form (the paper's default 1e-6).
    loosen : float
        :math:`\lambda \in [0, 1)`.  For :math:`D_\mathrm{out} > D_\mathrm{in}` the repeated rows of the
        stacked identity are identical, and so are the units they feed; with :math:`\lambda > 0` row
        :math:`i` of copy :math:`b \ge 1` (:math:`b = \lfloor i/D_\mathrm{in}\rfloor`) also gets
        :math:`\lambda g\tau` at column :math:`(i + b) \bmod D_\mathrm{in}`, which makes all rows
        distinct (for :math:`D_\mathrm{out} \le D_\mathrm{in}^2`).  Our deterministic reading of the
        paper's loosened identity; 0 (default) is the plain pattern.
    patch_maintain : bool
        Convolutions only.  Copy 0 of the channel pattern sits at the centre tap (a Dirac kernel, the
        identity map under 'same' padding); copy :math:`b \ge 1` sits at the :math:`b`-th tap in order
        of distance from the centre (cyclically), so repeated output channels carry the other pixels of
        each input channel's patch (with :math:`C_\mathrm{out} \ge C_\mathrm{in}\prod k` the layer keeps
        the whole patch) instead of duplicating the centre.  ``False`` puts every copy at the centre.

    Returns
    -------
    W : ndarray of ``shape``
    """
    dims, gain = _prepare(shape, gain, work=1.5)
    zero_preserving = check_flag(zero_preserving, "zero_preserving")
    patch_maintain = check_flag(patch_maintain, "patch_maintain")
    if isinstance(tau, (bool, str, bytes)) or not isinstance(tau, (int, float, np.integer, np.floating)):
        raise TypeError(f"tau: expected a real number, got {tau!r}")
    try:
        tau = float(tau)
    except OverflowError:
        raise ValueError("tau: expected a finite non-zero number, got an integer beyond the float range") from None
    if not math.isfinite(tau) or tau == 0.0:
        raise ValueError(f"tau: expected a finite non-zero number, got {tau}")
    if isinstance(epsilon, (list, tuple)) or np.ndim(epsilon) != 0:
        raise TypeError(f"epsilon: expected a scalar > 0, got {epsilon!r}")
    epsilon = check_positive(epsilon, "epsilon")
    loosen = check_real(loosen, "loosen", low=0.0, high=1.0, high_open=True)
    check_nbytes(8 * 6 * max(dims[0], dims[1]), "shape", dims, what=f"the index arrays of shape {dims}",
                 reduce="the shape")
    as_rng(rng)
    value = gain * (epsilon if zero_preserving else tau)
    if not math.isfinite(value):
        raise ValueError(f"gain: the entry value gain * {'epsilon' if zero_preserving else 'tau'} = {value} overflows "
                         "float64; use a smaller gain")
    return identity_like(dims, value, loosen=loosen, patch_maintain=patch_maintain)


def _check_delta_shape(dims, name):
    if len(dims) < 3:
        raise ValueError(f"shape: {name} serves convolution kernels (out, in, *kernel), got {dims}; "
                         "for dense weights use orthogonal or sparse_orthogonal")
    if any(k % 2 == 0 for k in dims[2:]):
        raise ValueError(f"shape: {name} puts the weight at the centre tap, which needs odd kernel sizes, got {dims[2:]}")
    if dims[1] > dims[0]:
        raise ValueError(f"shape: {name} needs in_channels <= out_channels to preserve norms, got {dims[1]} > {dims[0]}")


def _delta(dims, centre):
    W = np.zeros((dims[0], dims[1], math.prod(dims[2:])))
    W[:, :, kernel_order(dims[2:])[0]] = centre
    return W.reshape(dims)


def delta_orthogonal(shape, *, gain: float = 1.0, rng=None) -> np.ndarray:
    r"""Delta-orthogonal convolution kernel (Xiao et al. 2018, "Dynamical isometry and a mean field theory
    of CNNs", Algorithm 2).

    ``shape = (C_out, C_in, *kernel)`` with odd kernel sizes and :math:`C_\mathrm{in} \le C_\mathrm{out}`:
    every tap is zero except the centre, which is :math:`g H` with :math:`H` a Haar
    :math:`C_\mathrm{out} \times C_\mathrm{in}` matrix with orthonormal columns (:func:`orthogonal`).
    Under circular padding the kernel's transfer matrix is :math:`gH` at every spatial frequency, so the
    convolution multiplies every input's norm by exactly :math:`g` (the convolutional analogue of
    orthogonal weights; the condition for dynamical isometry of deep CNNs in that paper).
    """
    dims, gain = _prepare(shape, gain, work=1.5)
    _check_delta_shape(dims, "delta_orthogonal")
    return _delta(dims, orthogonal(dims[:2], gain=gain, rng=rng))


def sparse_orthogonal(shape, *, gain: float = 1.0, rng=None, density: float = 0.125, return_info: bool = False):
    r"""Exact orthogonal weights of a given density from random Givens rotations (EOI).

    The density after :math:`t` rotations follows equation ``eq-ch6-birth-chain`` of chapter 6
    (:doc:`/notebooks/06-initializers-in-practice`), close to the logistic curve of equation ``eq-ch6-logistic``.

    Nowak, Gniecki, Szatkowski & Tabor 2024, "Sparser, Better, Deeper, Stronger: Improving Static Sparse
    Training with Exact Orthogonal Initialization" (arXiv 2406.01755), Sec. 4.  Start from the
    identity-like :math:`I` of shape :math:`(n, m)`, :math:`n \le m`, and multiply by random Givens
    rotations :math:`G(i, j, \theta)` (uniform pair, :math:`\theta \sim U[0, 2\pi)`) until the density
    first reaches ``density``; keep that matrix or the previous one, whichever is closer (the rule of the
    public code).  Every rotation is orthogonal, so :math:`WW^\top = g^2 I` (``fan_out <= fan_in``) or
    :math:`W^\top W = g^2 I` holds to rounding error at *any* density, unlike pruning a dense
    orthogonal matrix.  Disjoint rotations commute and are applied together, vectorized.

    Convolution shapes ``(C_out, C_in, *kernel)`` give the delta-orthogonal kernel of
    :func:`delta_orthogonal` with the sparse matrix at the centre tap; ``density`` is then that centre
    matrix's density (the kernel's is ``density / prod(kernel)``).

    Parameters
    ----------
    density : float
        Target fraction of non-zero entries of the matrix, in :math:`[1/m, 1]` with
        :math:`m = \max(\text{fan\_out}, \text{fan\_in})` (the identity-like start already has density
        :math:`1/m`).  0.125 is the paper's 1000-layer MLP.
    return_info : bool
        Also return a :class:`~initdyn.atlas.GivensResult`: ``n_rotations``, the achieved
        ``density`` (counted on the matrix), ``target`` and ``density_path`` (density after each rotation).

    Returns
    -------
    W : ndarray of ``shape``, or ``(W, info)`` with ``return_info``
    """
    dims, gain = _prepare(shape, gain, work=1.5)
    return_info = check_flag(return_info, "return_info")
    # the matrix, its support and the per-run work arrays (about 4 bytes-per-entry matrices' worth)
    check_nbytes(8 * 4 * dims[0] * dims[1], "shape", dims, what=f"the Givens rotations of a {dims[:2]} matrix",
                 reduce="the shape")
    if isinstance(density, bool) or not isinstance(density, (int, float, np.integer, np.floating)):
        raise TypeError(f"density: expected a number in (0, 1], got {density!r}")
    density = check_real(density, "density", low=0.0, low_open=True, high=1.0)
    if not (0.0 < density <= 1.0):
        raise ValueError(f"density: expected a value in (0, 1], got {density}")
    conv = len(dims) > 2
    if conv:
        _check_delta_shape(dims, "sparse_orthogonal")
    rows, cols = dims[0], dims[1]
    m = max(rows, cols)
    if density < 1.0 / m * (1 - 1e-12):
        raise ValueError(
            f"density: the sparsest matrix this construction reaches for shape {dims[:2]} is the identity-like "
            f"start, density 1/{m} = {1.0 / m:.4g}; got {density}"
        )
    Q, info = givens_orthogonal(rows, cols, density, as_rng(rng))
    W = _delta(dims, gain * Q) if conv else gain * Q
    return (W, info) if return_info else W


def rescaled_glorot(shape, *, gain: float = 1.0, rng=None, quantile: float | None = None,
                    method: str = "auto") -> np.ndarray:
    r"""Rescaled Glorot for square recurrent weights: :math:`A_{ij} \sim \mathcal N\bigl(0, g^2/(n\,r_n(x)^2)\bigr)`.

    Bar, Seleznova, Alexander, Kutyniok & Giryes 2025, "Revisiting Glorot Initialization for
    Long-Range Linear Recurrences" (chapter 4).  Glorot weights (variance :math:`1/n`) have a
    spectral radius :math:`\rho \approx a_n + b_n\xi` with :math:`\xi` Gumbel (Rider 2003), above
    one with high probability; dividing by the radius the law gives at the Gumbel quantile
    :math:`x`,

    .. math:: r_n(x) = 1 + \sqrt{\gamma_n/(4n)} + x/\sqrt{4n\gamma_n},\qquad
              \gamma_n = \log\frac{n}{2\pi\log^2 n},

    puts :math:`\rho` below one with probability :math:`\approx e^{-e^{-x}}` (times ``gain``).

    Parameters
    ----------
    shape : (n, n)
        A square recurrent weight.
    gain : float > 0
    rng : Generator, int seed or None
    quantile : float or None
        The standard-Gumbel quantile :math:`x`.  ``None`` means
        :math:`\gamma_E + \pi/\sqrt 6 \approx 1.86` (Gumbel mean plus one standard deviation,
        :math:`e^{-e^{-x}} \approx 0.856`), the value hard-coded in the authors' public code
        (``fixed_glorot`` in ``lru/model.py`` of ``NogaBar/Rescaled_Glorot_for_RNN``, commit 4d4b2d1,
        which draws :math:`\mathcal N(0, 1)\cdot\sqrt{r_n(x)^{-2}/n}`: the same law).

    Notes
    -----
    ``method`` is that of :func:`initdyn.ginibre.rescaling_radius`: ``"auto"`` (the default) switches
    explicitly at ``n = 164`` from the exact quantile below to the paper's formula above, ``"paper"``
    refuses ``n < 164``, ``"exact"`` uses the exact quantile at every ``n``.

    The formula is undefined for :math:`n < 164`, where :math:`\gamma_n \le 0` (the authors' code has
    no guard and returns NaN there, e.g. at its default ``n=128``).  There ``"auto"`` takes
    :math:`r_n(x)`, the exact finite-n quantile, at the same probability :math:`e^{-e^{-x}}`, of
    the spectral radius of a complex Ginibre matrix (Kostlan 1992), the law whose Gumbel limit the
    formula is: defined for every ``n``, never NaN.  See
    :func:`initdyn.ginibre.rescaling_radius` (``method="exact"`` gives it at every ``n``).
    Just above 164 the formula itself divides by :math:`\sqrt{\gamma_n} \to 0` (:math:`r = 2.2` at
    ``n = 164``, 1.13 at 256 against an exact quantile of 1.06): it is kept there so that results
    at the paper's widths are the paper's; chapter 4 measures what that costs.
    """
    dims, gain = _prepare(shape, gain)
    if len(dims) != 2 or dims[0] != dims[1]:
        raise ValueError(f"shape: rescaled_glorot serves square recurrent weights (n, n), got {dims}")
    if quantile is not None and (isinstance(quantile, (bool, str, bytes)) or np.ndim(quantile) != 0):
        raise TypeError(f"quantile: expected None or a real number, got {quantile!r}")
    n = dims[0]
    if n < 2:
        raise ValueError(f"shape: rescaled_glorot needs n >= 2, got {dims}")
    x = GUMBEL_MEAN_PLUS_STD if quantile is None else quantile
    r = rescaling_radius(n, x, method=method)
    return _finite(as_rng(rng).normal(0.0, gain / (math.sqrt(n) * r), size=dims), gain)


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
    "isometric_sharing": isometric_sharing,
    "idinit": idinit,
    "sparse_orthogonal": sparse_orthogonal,
    "delta_orthogonal": delta_orthogonal,
    "rescaled_glorot": rescaled_glorot,
}


#: Short names accepted wherever an initializer is named (``init="he"``) -> keys of :data:`INITIALIZERS`.
ALIASES = {"he": "he_normal", "kaiming": "he_normal", "glorot": "glorot_normal", "xavier": "glorot_normal",
           "lecun": "lecun_normal"}


def get_initializer(init, name: str = "init") -> Callable:
    """The initializer named ``init`` (a key of :data:`INITIALIZERS` or :data:`ALIASES`, any case), or
    ``init`` itself when it is a callable ``f(shape, *, gain, rng)``.

    Raises ``ValueError`` naming ``name`` for an unknown name and ``TypeError`` for anything else.
    """
    if not isinstance(name, str):
        raise TypeError(f"name: expected the argument name to report in errors (a str), got {describe(name)}")
    if callable(init):
        return init
    if not isinstance(init, str):
        raise TypeError(f"{name}: expected an initializer name or a callable f(shape, *, gain, rng), "
                        f"got {describe(init)}")
    key = ALIASES.get(init.lower(), init.lower())
    if key not in INITIALIZERS:
        raise ValueError(f"{name}: unknown initializer {init!r}; expected one of "
                         f"{sorted(set(ALIASES) | set(INITIALIZERS))}")
    return INITIALIZERS[key]


class IIDLaw(NamedTuple):
    """The law of an initializer whose entries are i.i.d. with a variance fixed by the fans."""

    #: ``"normal"`` or ``"uniform"`` (symmetric about 0).
    kind: str
    #: ``variance(fan_in, fan_out)`` at ``gain = 1``; a gain multiplies the standard deviation.
    variance: Callable[[int, int], float]


_IID_LAWS = {
    glorot_normal: IIDLaw("normal", lambda fan_in, fan_out: 2.0 / (fan_in + fan_out)),
    glorot_uniform: IIDLaw("uniform", lambda fan_in, fan_out: 2.0 / (fan_in + fan_out)),
    he_normal: IIDLaw("normal", lambda fan_in, fan_out: 2.0 / fan_in),
    he_uniform: IIDLaw("uniform", lambda fan_in, fan_out: 2.0 / fan_in),
    lecun_normal: IIDLaw("normal", lambda fan_in, fan_out: 1.0 / fan_in),
}


def iid_law(fn) -> IIDLaw | None:
    """The :class:`IIDLaw` of ``fn`` if it draws i.i.d. entries whose law only the fans fix, else ``None``.

    Such initializers can be drawn for a whole ensemble of layers in one call with the same law
    (:func:`initdyn.chaos.random_relu_map`, :func:`initdyn.atlas.period3_probability`).
    """
    if not callable(fn):
        raise TypeError(f"fn: expected an initializer f(shape, *, gain, rng), got {describe(fn)}")
    try:
        return _IID_LAWS.get(fn)
    except TypeError:  # an unhashable callable is not one of ours
        return None


def _checked_draw(fn, shape, *, name: str = "init", context: str | None = None, **kwargs) -> np.ndarray:
    """``fn(shape, **kwargs)``, checked to be a finite real array of that shape.

    For initializers supplied by a user: a wrong return value raises ``TypeError``/``ValueError``
    naming ``name`` and the initializer, instead of a numpy error further down.  With ``context``
    (e.g. ``"the layer shape (16, 1) of a map R -> R^n -> R"``), a ``TypeError``/``ValueError`` that
    ``fn`` itself raises is re-raised with that context and ``name`` prefixed.
    """
    label = getattr(fn, "__name__", type(fn).__name__)
    try:
        w = fn(shape, **kwargs)
    except (TypeError, ValueError) as exc:
        if context is None:
            raise
        raise type(exc)(f"{name}: the initializer {label} cannot serve {context}: {exc}") from exc
    arr = None if isinstance(w, (str, bytes)) else np.asarray(w)
    if arr is None or arr.dtype == bool or arr.dtype.kind not in "iuf":
        raise TypeError(f"{name}: the initializer {label} returned {type(w).__name__}, "
                        f"expected a float array of shape {tuple(shape)}")
    if arr.shape != tuple(shape):
        raise ValueError(f"{name}: the initializer {label} returned shape {arr.shape} for shape {tuple(shape)}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: the initializer {label} returned NaN or inf for shape {tuple(shape)}")
    return w
