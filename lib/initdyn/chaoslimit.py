r"""The wide limit of random recurrent maps, and random maps of the plane.

Two questions of chapter 5 (:doc:`/notebooks/05-li-yorke-chaos`) that :mod:`initdyn.chaos` leaves open.

**Why the probability of chaos does not depend on the width.**  The random map of equation
``eq-ch5-relu-map``, :math:`f(x) = \sum_{i=1}^n a_i\,\mathrm{relu}(w_i x + b_i) + c` with
:math:`w_i \sim \mathcal N(0, \sigma_w^2)`, :math:`b_i \sim \mathcal N(0, \sigma_b^2)`,
:math:`a_i \sim \mathcal N(0, \sigma_a^2/n)` and :math:`c \sim \mathcal N(0, \sigma_c^2)`, is a sum of
:math:`n` independent random functions of variance :math:`O(1/n)` each; as :math:`n \to \infty` it
converges to a Gaussian process whose covariance is the arc-cosine kernel of degree 1 (Cho & Saul
2009) of the augmented inputs :math:`(\sigma_w x, \sigma_b)` (equation ``eq-ch5-gp-kernel``,
:func:`relu_map_kernel`).  He initialization keeps :math:`\sigma_w^2, \sigma_b^2, \sigma_a^2` fixed as
the width grows, so its maps have a width-independent limit, and so does their probability of a
3-cycle; Glorot shrinks all of them like :math:`1/n`, so its maps shrink to 0 and the probability
vanishes (:func:`limit_variances`).  The limit has no closed-form period-3 probability: the process is
sampled (:func:`sample_relu_map_limit`, an exact trigonometric series on the circle of angles
:math:`\varphi = \arctan(\sigma_w x / \sigma_b)`, interpolated linearly between grid nodes) and its
3-cycles are certified by the Li-Yorke condition (:func:`li_yorke_witness`).

**Maps of the plane.**  :func:`random_relu_map_nd` draws :math:`f(x) = A\,\mathrm{relu}(Wx + b) + c`,
:math:`\mathbb R^d \to \mathbb R^n \to \mathbb R^d`, and :meth:`ReluMapNdEnsemble.period3_search`
finds 3-cycles by a piecewise-linear Newton iteration and verifies each one exactly (the activation
patterns along the cycle reproduce the affine map that was solved).  For :math:`d \ge 2` a 3-cycle no
longer implies chaos (Sharkovsky's and Li and Yorke's theorems are one-dimensional); the search also
reports whether each cycle attracts.

Argument checks: every argument is checked where it enters (``ValueError``/``TypeError`` naming it);
arrays beyond 4 GiB and loops beyond 1e11 operations are refused with the estimate.

Defined in chapter 5.
"""

from __future__ import annotations

import math
import numbers
from typing import Callable, NamedTuple

import numpy as np

from . import init as _init
from ._validate import (as_rng, check_count, check_finite_array, check_int, check_nbytes, check_real, check_real_array,
                        check_work)
from .piecewise import ReluMap

__all__ = [
    "relu_map_kernel",
    "LimitVariances",
    "limit_variances",
    "LimitMapEnsemble",
    "sample_relu_map_limit",
    "li_yorke_witness",
    "ReluMapNdEnsemble",
    "random_relu_map_nd",
    "Period3Search",
]


def _variance(value, name, *, positive=True):
    return check_real(value, name, low=0.0, low_open=positive, high=1e150)


# ---------------------------------------------------------------------------
# The Gaussian-process limit of the one-dimensional map
# ---------------------------------------------------------------------------

def relu_map_kernel(x, y, *, sigma_w2: float = 2.0, sigma_b2: float = 2.0, sigma_a2: float = 2.0,
                    sigma_c2: float = 0.0) -> np.ndarray:
    r"""Covariance :math:`K(x, y) = \mathrm{Cov}(f(x), f(y))` of the random ReLU map, exact at every width.

    For :math:`f(x) = \sum_{i=1}^n a_i\,\mathrm{relu}(w_i x + b_i) + c` with independent
    :math:`w_i \sim \mathcal N(0, \sigma_w^2)`, :math:`b_i \sim \mathcal N(0, \sigma_b^2)`,
    :math:`a_i \sim \mathcal N(0, \sigma_a^2 / n)`, :math:`c \sim \mathcal N(0, \sigma_c^2)`:

    .. math::

        K(x, y) = \frac{\sigma_a^2}{2\pi}\, r(x)\, r(y)\,
        \bigl(\sin\theta + (\pi - \theta)\cos\theta\bigr) + \sigma_c^2,
        \qquad r(x) = \sqrt{\sigma_w^2 x^2 + \sigma_b^2},\quad
        \cos\theta = \frac{\sigma_w^2 x y + \sigma_b^2}{r(x)\, r(y)},

    the arc-cosine kernel of degree 1 (Cho & Saul 2009, "Kernel methods for deep learning") of the
    augmented inputs :math:`(\sigma_w x, \sigma_b)`, times :math:`\sigma_a^2`.  The covariance does
    not depend on :math:`n`; as :math:`n \to \infty` the map converges to the Gaussian process with
    this covariance (central limit theorem), equation ``eq-ch5-gp-kernel`` of chapter 5
    (:doc:`/notebooks/05-li-yorke-chaos`).  ``x`` and ``y`` broadcast.

    Parameters
    ----------
    x, y : array_like
        Finite real points.
    sigma_w2, sigma_b2 : float
        Variances of the first-layer weights and biases (> 0; He: :math:`2g^2` each).
    sigma_a2 : float
        Width times the variance of an output weight (> 0; He: :math:`2g^2`).
    sigma_c2 : float
        Variance of the output bias (>= 0; He: :math:`2g^2/n`, 0 in the limit).

    Returns
    -------
    numpy.ndarray
        :math:`K(x, y)`, of the broadcast shape of ``x`` and ``y``.
    """
    x = check_finite_array(x, "x")
    y = check_finite_array(y, "y")
    try:
        x, y = np.broadcast_arrays(x, y)
    except ValueError:
        raise ValueError(f"x, y: shapes {x.shape} and {y.shape} do not broadcast") from None
    sw2, sb2 = _variance(sigma_w2, "sigma_w2"), _variance(sigma_b2, "sigma_b2")
    sa2, sc2 = _variance(sigma_a2, "sigma_a2"), _variance(sigma_c2, "sigma_c2", positive=False)
    sw, sb = math.sqrt(sw2), math.sqrt(sb2)
    # the angle between the augmented inputs (sw x, sb) and (sw y, sb), from their unit vectors
    phi, psi = np.arctan2(sw * x, sb), np.arctan2(sw * y, sb)
    theta = np.abs(phi - psi)
    j = np.sin(theta) + (math.pi - theta) * np.cos(theta)
    with np.errstate(over="ignore"):
        rx, ry = np.hypot(sw * x, sb), np.hypot(sw * y, sb)
        out = sa2 / (2 * math.pi) * rx * ry * j + sc2
    if not np.all(np.isfinite(out)):
        raise ValueError("x, y: the covariance overflows float64; use smaller points or variances")
    return out


class LimitVariances(NamedTuple):
    """The four variances of :func:`relu_map_kernel` that match a drawn random map."""

    sigma_w2: float
    sigma_b2: float
    sigma_a2: float
    sigma_c2: float


def limit_variances(*, width, init="he", gain: float = 1.0) -> LimitVariances:
    r"""The variances of :func:`relu_map_kernel` of the maps :func:`initdyn.chaos.random_relu_map` draws.

    A width-:math:`n` map :math:`\mathbb R \to \mathbb R^n \to \mathbb R` drawn with ``init`` (an
    initializer with an i.i.d. law, :func:`initdyn.init.iid_law`), ``gain`` :math:`g` and each bias with
    the law of its layer's weights (``bias="init"``) has first-layer variances
    :math:`\sigma_w^2 = \sigma_b^2 = g^2 v(1, n)` and second-layer variances
    :math:`\sigma_a^2/n = \sigma_c^2 = g^2 v(n, 1)`, where :math:`v(\text{fan\_in}, \text{fan\_out})` is
    the law's variance.  He: :math:`(2g^2, 2g^2, 2g^2, 2g^2/n)`, the same at every width but for
    :math:`\sigma_c^2 \to 0`; Glorot: :math:`(2g^2/(n+1), 2g^2/(n+1), 2g^2 n/(n+1), 2g^2/(n+1))`, which
    sends the map to 0 like :math:`n^{-1/2}`.  The Gaussian process with these variances is the
    large-width approximation of the drawn maps (exact covariance, Gaussian only as :math:`n \to \infty`).
    """
    width = check_int(width, "width", minimum=1)
    fn = _init.get_initializer(init)
    law = _init.iid_law(fn)
    if law is None:
        raise ValueError(f"init: expected an initializer with an i.i.d. law (he, glorot, lecun and their normal and "
                         f"uniform forms), got {init!r}")
    gain = check_real(gain, "gain", low=0.0, low_open=True, high=1e75)
    v1 = gain ** 2 * law.variance(1, width)
    v2 = gain ** 2 * law.variance(width, 1)
    return LimitVariances(float(v1), float(v1), float(width * v2), float(v2))


def _relu_cos_coefficients(n_modes):
    r"""Fourier cosine coefficients :math:`a_m` of :math:`\mathrm{relu}(\cos\beta)`, :math:`m = 0..n_{modes}`."""
    m = np.arange(n_modes + 1, dtype=float)
    a = np.zeros(n_modes + 1)
    a[0] = 1.0 / math.pi
    if n_modes >= 1:
        a[1] = 0.5
    even = np.arange(2, n_modes + 1, 2)
    a[even] = 2.0 * (-1.0) ** (even // 2 + 1) / (math.pi * (m[even] ** 2 - 1.0))
    return a


class LimitMapEnsemble:
    r"""``n_samples`` sampled maps of the Gaussian-process limit, linear between shared nodes.

    Every map is continuous and piecewise linear with breakpoints at the nodes ``nodes``
    (common to all maps), values ``values`` there (shape ``(n_samples, n_nodes)``) and outer slopes
    ``slope_left``, ``slope_right`` (those of the process at :math:`\mp\infty`); ``scale`` is the
    unit :math:`\sigma_b/\sigma_w` of the angle map :math:`x = \text{scale}\cdot\tan\varphi` (:meth:`start_points`).  Calling the
    ensemble applies map ``m`` to ``x[m, ...]``, as :class:`initdyn.piecewise.ReluMapEnsemble` does;
    ``ens[m]`` is map ``m`` as an exact :class:`initdyn.piecewise.ReluMap`.  Built by
    :func:`sample_relu_map_limit`.
    """

    def __init__(self, nodes, values, slope_left, slope_right, *, scale: float = 1.0):
        self._scale = check_real(scale, "scale", low=0.0, low_open=True, high=1e150)
        nodes = check_finite_array(nodes, "nodes", ndim=1)
        values = check_finite_array(values, "values", ndim=2)
        slope_left = check_finite_array(slope_left, "slope_left", ndim=1)
        slope_right = check_finite_array(slope_right, "slope_right", ndim=1)
        if nodes.size < 2 or np.any(np.diff(nodes) <= 0):
            raise ValueError(f"nodes: expected at least two strictly increasing points, got shape {nodes.shape}")
        if values.shape[1] != nodes.size or slope_left.shape != values.shape[:1] or slope_right.shape != values.shape[:1]:
            raise ValueError(f"values, slope_left, slope_right: expected shapes (m, {nodes.size}), (m,), (m,), got "
                             f"{values.shape}, {slope_left.shape}, {slope_right.shape}")
        if values.shape[0] == 0:
            raise ValueError("values: expected at least one map, got 0 rows")
        self.nodes, self.values = nodes, values
        self.slope_left, self.slope_right = slope_left, slope_right
        # slopes of the pieces: left outer, interior, right outer; shape (m, n_nodes + 1)
        inner = np.diff(values, axis=1) / np.diff(nodes)
        self._slopes = np.concatenate([slope_left[:, None], inner, slope_right[:, None]], axis=1)

    def __len__(self):
        return self.values.shape[0]

    def __repr__(self):
        return f"LimitMapEnsemble(size={len(self)}, nodes={self.nodes.size})"

    def __call__(self, x):
        """Apply map ``m`` to ``x[m, ...]``: ``x`` has shape ``(size, ...)``; NaN gives NaN."""
        x = np.asarray(check_real_array(x, "x"), dtype=float)
        if x.shape[:1] != (len(self),):
            raise ValueError(f"x: expected leading dimension {len(self)} (one row per map), got shape {x.shape}")
        flat = x.reshape(len(self), -1)
        # piece j lies between nodes[j - 1] and nodes[j]; its line passes through the node at its left end,
        # except the left outer piece (j = 0), which passes through nodes[0]
        j = np.searchsorted(self.nodes, flat, side="right")
        anchor = np.maximum(j - 1, 0)
        x0 = self.nodes[anchor]
        y0 = np.take_along_axis(self.values, anchor, axis=1)
        s = np.take_along_axis(self._slopes, j, axis=1)
        with np.errstate(over="ignore", invalid="ignore"):
            out = y0 + s * (flat - x0)
        return out.reshape(x.shape)

    def __getitem__(self, i) -> ReluMap:
        """Map ``i`` as an exact :class:`~initdyn.piecewise.ReluMap` (for exact periodic points)."""
        if isinstance(i, bool) or not isinstance(i, numbers.Integral):
            raise TypeError(f"i: expected an integer index, got {i!r}")
        if not -len(self) <= i < len(self):
            raise IndexError(f"i: index {i} out of range for an ensemble of {len(self)} maps")
        s = self._slopes[i]
        t = self.nodes
        # f(x) = v0 + s0 (x - t0) + sum_k (s_{k+1} - s_k) relu(x - t_k)
        a = np.concatenate([[s[0], -s[0]], np.diff(s)])
        w = np.concatenate([[1.0, -1.0], np.ones(t.size)])
        b = np.concatenate([[-t[0], t[0]], -t])
        return ReluMap(a=a, w=w, b=b, c=self.values[i, 0])

    def start_points(self, n_starts: int = 512) -> np.ndarray:
        r"""``n_starts`` points spread over the whole line: the images of equally spaced angles.

        :math:`x_k = (\sigma_b/\sigma_w)\tan\varphi_k` at the midpoints :math:`\varphi_k` of ``n_starts``
        equal parts of :math:`(-\pi/2, \pi/2)`, the angles in which the nodes are equally spaced.
        """
        n_starts = check_count(n_starts, "n_starts", minimum=1, maximum=10**6)
        phi = -0.5 * math.pi + (np.arange(n_starts) + 0.5) * math.pi / n_starts
        return self._scale * np.tan(phi)

    def has_period3(self, *, n_starts: int = 512) -> np.ndarray:
        """A certified 3-cycle per map: :func:`li_yorke_witness` from :meth:`start_points` (no false positives)."""
        starts = self.start_points(n_starts)
        check_nbytes(8 * 6 * len(self) * starts.size, "n_starts", n_starts,
                     what=f"the orbits of {starts.size} points under {len(self)} maps", reduce="n_starts or the ensemble")
        return li_yorke_witness(self, np.broadcast_to(starts, (len(self), starts.size)))


def sample_relu_map_limit(*, n_samples, sigma_w2: float = 2.0, sigma_b2: float = 2.0, sigma_a2: float = 2.0,
                          sigma_c2: float = 0.0, n_grid: int = 1024, n_modes: int = 256,
                          rng=None) -> LimitMapEnsemble:
    r"""Sample ``n_samples`` maps of the Gaussian process of :func:`relu_map_kernel`.

    With :math:`\varphi = \arctan(\sigma_w x/\sigma_b)` and :math:`r(x) = \sqrt{\sigma_w^2x^2+\sigma_b^2}`
    each unit is :math:`\mathrm{relu}(w x + b) = r(x)\,\rho\,\mathrm{relu}(\cos(\varphi - \alpha))` with
    :math:`\rho^2 \sim \chi^2_2` and :math:`\alpha` uniform, so the map is :math:`f(x) = r(x)\,h(\varphi) + c`
    with :math:`h` a stationary Gaussian process on the circle.  Its Karhunen-Loeve expansion follows
    from the Fourier coefficients :math:`a_m` of :math:`\mathrm{relu}(\cos\beta)` (:math:`a_0 = 1/\pi`,
    :math:`a_1 = 1/2`, :math:`a_m = 2(-1)^{m/2+1}/(\pi(m^2-1))` for even :math:`m`, 0 for odd
    :math:`m \ge 3`):

    .. math::

        h(\varphi) = \sigma_a\Bigl(\sqrt2\, a_0 Z_0 + \sum_{m \ge 1} a_m
        \bigl(Z_m \cos m\varphi + Z'_m \sin m\varphi\bigr)\Bigr),

    with independent standard normal :math:`Z`; it is truncated at ``n_modes`` (the variance left out
    is :math:`\sigma_a^2\sum_{m > n_{modes}} a_m^2`, below :math:`10^{-8}\sigma_a^2` at the default) and
    summed by an inverse FFT on ``n_grid`` equally spaced angles of the circle (deterministic, no BLAS).
    The ``n_grid/2 + 1`` angles of :math:`[-\pi/2, \pi/2]` give the nodes
    :math:`x_k = (\sigma_b/\sigma_w)\tan\varphi_k` (the two ends give the slopes
    :math:`\mp\sigma_w h(\mp\pi/2)` at :math:`\mp\infty`), and each map is linear between nodes: a ReLU
    map of width ``n_grid/2 + 1`` whose breakpoints are equally spaced in angle, as the breakpoints
    :math:`-b_i/w_i` of a He map are in law (Cauchy, i.e. uniform in angle).

    ``n_grid`` is a multiple of 4 and at least 8; ``n_modes < n_grid / 2``.  The draws of ``rng`` are the
    same for any variances, so one seed gives the same process at every gain (common random numbers).
    """
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    sw2, sb2 = _variance(sigma_w2, "sigma_w2"), _variance(sigma_b2, "sigma_b2")
    sa2, sc2 = _variance(sigma_a2, "sigma_a2"), _variance(sigma_c2, "sigma_c2", positive=False)
    n_grid = check_int(n_grid, "n_grid", minimum=8, maximum=2**20)
    if n_grid % 4:
        raise ValueError(f"n_grid: expected a multiple of 4 (so that the angles +-pi/2 are nodes), got {n_grid}")
    n_modes = check_int(n_modes, "n_modes", minimum=1)
    if n_modes >= n_grid // 2:
        raise ValueError(f"n_modes: expected fewer than n_grid / 2 = {n_grid // 2} modes, got {n_modes}")
    gen = as_rng(rng)
    check_nbytes(8 * 4 * n_samples * n_grid, "n_samples", n_samples,
                 what=f"{n_samples} sampled maps on {n_grid} angles", reduce="n_samples or n_grid")
    amp = math.sqrt(sa2) * _relu_cos_coefficients(n_modes)
    amp[0] *= math.sqrt(2.0)
    z = gen.standard_normal((n_samples, 2 * n_modes + 1))
    c = gen.standard_normal(n_samples)
    spec = np.zeros((n_samples, n_grid // 2 + 1), dtype=complex)
    spec[:, 0] = n_grid * amp[0] * z[:, 0]
    spec[:, 1: n_modes + 1] = (n_grid / 2) * amp[1:] * (z[:, 1: n_modes + 1] - 1j * z[:, n_modes + 1:])
    circle = np.fft.irfft(spec, n=n_grid, axis=1)  # h at the angles 2 pi j / n_grid, j = 0..n_grid-1
    q = n_grid // 4
    h = np.concatenate([circle[:, -q:], circle[:, : q + 1]], axis=1)  # angles -pi/2 .. pi/2
    phi = (np.arange(-q, q + 1) * (2 * math.pi / n_grid))[1:-1]
    sw, sb = math.sqrt(sw2), math.sqrt(sb2)
    with np.errstate(over="ignore"):
        nodes = (sb / sw) * np.tan(phi)
        values = (sb / np.cos(phi)) * h[:, 1:-1] + math.sqrt(sc2) * c[:, None]
    if not (np.all(np.isfinite(nodes)) and np.all(np.isfinite(values))):
        raise ValueError("sigma_w2, sigma_b2: the nodes or values overflow float64; use variances nearer to 1")
    return LimitMapEnsemble(nodes, values, -sw * h[:, 0], sw * h[:, -1], scale=sb / sw)


def li_yorke_witness(f: Callable, x) -> np.ndarray:
    r"""Certify a point of period 3 of a continuous map of the line from the orbits of starting points.

    Li and Yorke (1975, Theorem 1): if a continuous :math:`f` has a point :math:`x` with
    :math:`f^3(x) \le x < f(x) < f^2(x)` or :math:`f^3(x) \ge x > f(x) > f^2(x)`, it has points of every
    period, 3 included; conversely every 3-cycle contains such a point (its smallest or largest point).
    Each orbit is tested with the inequalities strict by a relative margin of :math:`10^{-9}`, so a
    ``True`` is a proof (rounding cannot fake it); a ``False`` may miss a 3-cycle whose witnesses fall
    between the starting points.

    ``f`` maps an array to one of the same shape (an ensemble maps ``x[m, ...]`` by map ``m``:
    :class:`LimitMapEnsemble`, :class:`initdyn.piecewise.ReluMapEnsemble`); ``x`` holds the starting
    points along its last axis.  Returns a bool per leading index (``x.shape[:-1]``).
    """
    if not callable(f):
        raise TypeError(f"f: expected a callable map, got {type(f).__name__}")
    x = np.asarray(check_real_array(x, "x"), dtype=float)
    if x.ndim == 0 or x.shape[-1] == 0:
        raise ValueError(f"x: expected starting points along a last axis of length >= 1, got shape {x.shape}")
    check_nbytes(8 * 6 * x.size, "x", f"shape {x.shape}", what=f"the orbits of {x.size} starting points",
                 reduce="the number of starting points")
    with np.errstate(over="ignore", invalid="ignore"):  # orbits that leave the float range certify nothing
        y = [x]
        for _ in range(3):
            out = f(y[-1])
            arr = None if isinstance(out, (str, bytes)) else np.asarray(out)
            if arr is None or arr.dtype == bool or arr.dtype.kind not in "iuf" or arr.shape != x.shape:
                raise TypeError(f"f: expected a map returning real numbers of the input's shape {x.shape}, got "
                                + (type(out).__name__ if arr is None else f"dtype {arr.dtype}, shape {arr.shape}"))
            y.append(arr.astype(float))
        x0, x1, x2, x3 = y
        tol = 1e-9 * (1.0 + np.maximum.reduce([np.abs(v) for v in y]))
        up = (x3 < x0 - tol) & (x0 < x1 - tol) & (x1 < x2 - tol)
        down = (x3 > x0 + tol) & (x0 > x1 + tol) & (x1 > x2 + tol)
    return np.any(up | down, axis=-1)


# ---------------------------------------------------------------------------
# Maps R^d -> R^n -> R^d
# ---------------------------------------------------------------------------

class Period3Search(NamedTuple):
    """Per map: a verified 3-cycle found, one such cycle (``(m, 3, d)``, NaN if none), and whether it attracts."""

    found: np.ndarray
    cycle: np.ndarray
    attracting: np.ndarray


class ReluMapNdEnsemble:
    r"""``size`` maps :math:`f(x) = A\,\mathrm{relu}(Wx + b) + c` of :math:`\mathbb R^d`, parameters stacked.

    ``A`` has shape ``(size, d, n)``, ``W`` ``(size, n, d)``, ``b`` ``(size, n)``, ``c`` ``(size, d)``
    (``torch.nn.Linear`` shapes).  Drawn by :func:`random_relu_map_nd`.
    """

    def __init__(self, *, A, W, b, c):
        A = check_finite_array(A, "A", ndim=3)
        W = check_finite_array(W, "W", ndim=3)
        b = check_finite_array(b, "b", ndim=2)
        c = check_finite_array(c, "c", ndim=2)
        m, d, n = A.shape
        if m == 0 or d == 0 or n == 0 or W.shape != (m, n, d) or b.shape != (m, n) or c.shape != (m, d):
            raise ValueError(f"A, W, b, c: expected shapes (size, d, n), (size, n, d), (size, n), (size, d) with "
                             f"positive sizes, got {A.shape}, {W.shape}, {b.shape}, {c.shape}")
        self.A, self.W, self.b, self.c = A, W, b, c

    def __len__(self):
        return self.A.shape[0]

    @property
    def dim(self) -> int:
        return self.A.shape[1]

    @property
    def width(self) -> int:
        return self.A.shape[2]

    def __repr__(self):
        return f"ReluMapNdEnsemble(size={len(self)}, dim={self.dim}, width={self.width})"

    # Sums over the few input or output coordinates are explicit loops of elementwise products, and sums
    # over the units are numpy reductions: no BLAS (results do not depend on the BLAS kernels or threads).
    def _pre(self, x):
        """Pre-activations ``W x + b`` for ``x`` of shape ``(m, ..., d)``: shape ``(m, ..., n)``."""
        lead = (len(self),) + (1,) * (x.ndim - 2)
        u = self.b.reshape(lead + (self.width,)).copy() if x.ndim == 2 else np.broadcast_to(
            self.b.reshape(lead + (self.width,)), x.shape[:-1] + (self.width,)).copy()
        for i in range(self.dim):
            u += self.W[:, :, i].reshape(lead + (self.width,)) * x[..., i: i + 1]
        return u

    def _apply(self, x, mask):
        u = self._pre(x)
        h = np.where(mask, u, 0.0) if mask is not None else np.maximum(u, 0.0)
        lead = (len(self),) + (1,) * (x.ndim - 2)
        return np.stack([np.sum(self.A[:, i, :].reshape(lead + (self.width,)) * h, axis=-1)
                         + self.c[:, i].reshape(lead) for i in range(self.dim)], axis=-1)

    def __call__(self, x):
        """Apply map ``m`` to ``x[m, ..., :]``: ``x`` has shape ``(size, ..., d)``."""
        x = np.asarray(check_real_array(x, "x"), dtype=float)
        if x.ndim < 2 or x.shape[0] != len(self) or x.shape[-1] != self.dim:
            raise ValueError(f"x: expected shape (size, ..., d) = ({len(self)}, ..., {self.dim}), got {x.shape}")
        check_nbytes(16 * x.size * self.width, "x", f"shape {x.shape}", what=f"evaluating {x.size // self.dim} points "
                     f"on {self.width} units", reduce="the number of points")
        with np.errstate(over="ignore", invalid="ignore"):
            return self._apply(x, None)

    def period3_search(self, *, n_starts: int = 16, n_iter: int = 30, spread: float = 2.0,
                       rng=None) -> Period3Search:
        r"""Find and verify 3-cycles by piecewise-linear Newton iteration from ``n_starts`` random points per map.

        From a point :math:`x`, the activation patterns of :math:`x, f(x), f^2(x)` fix affine maps
        :math:`f_t(y) = M_t y + v_t` (:math:`M_t = A\,\mathrm{diag}(\text{pattern}_t)\,W`); the next point
        solves :math:`x = f_2 f_1 f_0 (x)`.  A point whose own patterns reproduce the affine maps that gave
        it is an exact solution of :math:`f^3(x) = x`; it is a 3-cycle if :math:`f(x) \ne x` (relative
        margin :math:`10^{-7}`; 3 is prime) and every pre-activation along the cycle is at least
        :math:`10^{-9}` (relative) away from 0, so that rounding cannot change a pattern.  The cycle
        attracts if the spectral radius of :math:`M_2M_1M_0` (the derivative of :math:`f^3` on it) is below
        1.  Starts are :math:`\mathcal N(0, \text{spread}^2 I_d)`; a map without a verified cycle may still
        have one (the search is a lower bound).  Work: ``n_starts * n_iter`` Newton steps per map.
        """
        n_starts = check_int(n_starts, "n_starts", minimum=1)
        n_iter = check_count(n_iter, "n_iter", minimum=1, maximum=10**4)
        spread = check_real(spread, "spread", low=0.0, low_open=True, high=1e100)
        gen = as_rng(rng)
        m, d, n = len(self), self.dim, self.width
        check_nbytes(8 * 8 * m * n_starts * (n + d * d), "n_starts", n_starts,
                     what=f"the Newton iterates of {m} maps from {n_starts} starts", reduce="n_starts or the ensemble")
        check_work(12 * m * n_starts * n_iter * n * d * d, "n_iter", n_iter,
                   what=f"{n_iter} Newton steps of {m} x {n_starts} starts on {n} units", reduce="n_iter or n_starts")
        x = spread * gen.standard_normal((m, n_starts, d))
        eye = np.eye(d)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for _ in range(n_iter):
                masks, pts = [], [x]
                for t in range(3):
                    mask = self._pre(pts[-1]) > 0
                    masks.append(mask)
                    pts.append(self._apply(pts[-1], mask))
                M, v = self._affine(masks)
                x_new = _solve(eye - M, v)
                ok = np.all(np.isfinite(x_new), axis=-1)
                x = np.where(ok[..., None], x_new, spread * gen.standard_normal((m, n_starts, d)))
            # verification at the final points
            masks, pts = [], [x]
            margin_ok = np.ones((m, n_starts), dtype=bool)
            for t in range(3):
                u = self._pre(pts[-1])
                scale = 1.0 + np.max(np.abs(pts[-1]), axis=-1, keepdims=True) * np.max(
                    np.abs(self.W), axis=(1, 2))[:, None, None] + np.max(np.abs(self.b), axis=1)[:, None, None]
                margin_ok &= np.all(np.abs(u) > 1e-9 * scale, axis=-1)
                mask = u > 0
                masks.append(mask)
                pts.append(self._apply(pts[-1], mask))
            M, v = self._affine(masks)
            x_fix = _solve(eye - M, v)
            size = 1.0 + np.max(np.abs(x), axis=-1)
            same = np.max(np.abs(x_fix - x), axis=-1) <= 1e-9 * size
            closes = np.max(np.abs(pts[3] - x), axis=-1) <= 1e-9 * size
            moves = np.max(np.abs(pts[1] - x), axis=-1) > 1e-7 * size
            good = same & closes & moves & margin_ok & np.all(np.isfinite(x), axis=-1)
            radius = _spectral_radius(M)
        found = np.any(good, axis=1)
        first = np.argmax(good, axis=1)
        idx = np.arange(m)
        cycle = np.full((m, 3, d), np.nan)
        cycle[found] = np.stack([pts[k][idx, first] for k in range(3)], axis=1)[found]
        attracting = np.zeros(m, dtype=bool)
        attracting[found] = radius[idx, first][found] < 1.0
        return Period3Search(found, cycle, attracting)

    def _affine(self, masks):
        """The affine map :math:`f_2 f_1 f_0` (``M``: ``(m, S, d, d)``, ``v``: ``(m, S, d)``) of three patterns."""
        # M_t[i, j] = sum_n A[i, n] mask[n] W[n, j], summed by numpy reductions (no BLAS)
        d = self.dim
        aw = self.A[:, :, None, :] * np.swapaxes(self.W, 1, 2)[:, None, :, :]  # A[i, n] W[n, j]: (m, d, d, n)
        ab = self.A * self.b[:, None, :]
        M = v = None
        for mask in masks:
            mf = mask.astype(float)
            Mt = np.empty(mask.shape[:2] + (d, d))
            vt = np.empty(mask.shape[:2] + (d,))
            for i in range(d):
                vt[..., i] = np.sum(mf * ab[:, None, i, :], axis=-1) + self.c[:, None, i]
                for j in range(d):
                    Mt[..., i, j] = np.sum(mf * aw[:, None, i, j, :], axis=-1)
            if M is None:
                M, v = Mt, vt
            else:
                M = np.sum(Mt[..., :, :, None] * M[..., None, :, :], axis=-2)
                v = np.sum(Mt * v[..., None, :], axis=-1) + vt
        return M, v


def _solve(B, v):
    """Solve ``B x = v`` for stacks of small matrices; NaN where ``B`` is singular (closed form for d <= 2)."""
    d = B.shape[-1]
    if d == 1:
        return v / B[..., 0]
    if d == 2:
        det = B[..., 0, 0] * B[..., 1, 1] - B[..., 0, 1] * B[..., 1, 0]
        x0 = (B[..., 1, 1] * v[..., 0] - B[..., 0, 1] * v[..., 1]) / det
        x1 = (B[..., 0, 0] * v[..., 1] - B[..., 1, 0] * v[..., 0]) / det
        out = np.stack([x0, x1], axis=-1)
        return np.where((det != 0)[..., None], out, np.nan)
    out = np.full(v.shape, np.nan)
    ok = np.all(np.isfinite(B), axis=(-2, -1)) & np.all(np.isfinite(v), axis=-1)
    ok[ok] = np.abs(np.linalg.det(B[ok])) > 0
    if np.any(ok):
        out[ok] = np.linalg.solve(B[ok], v[ok][..., None])[..., 0]
    return out


def _spectral_radius(M):
    """Largest eigenvalue modulus of stacks of small matrices (closed form for d <= 2)."""
    d = M.shape[-1]
    if d == 1:
        return np.abs(M[..., 0, 0])
    if d == 2:
        tr = M[..., 0, 0] + M[..., 1, 1]
        det = M[..., 0, 0] * M[..., 1, 1] - M[..., 0, 1] * M[..., 1, 0]
        disc = tr * tr / 4 - det
        real = np.abs(tr) / 2 + np.sqrt(np.maximum(disc, 0.0))
        return np.where(disc >= 0, real, np.sqrt(np.abs(det)))
    out = np.full(M.shape[:-2], np.inf)
    ok = np.all(np.isfinite(M), axis=(-2, -1))
    if np.any(ok):
        out[ok] = np.max(np.abs(np.linalg.eigvals(M[ok])), axis=-1)
    return out


def random_relu_map_nd(*, dim: int = 2, width, init="he", gain: float = 1.0, n_samples, rng=None) -> ReluMapNdEnsemble:
    r"""``n_samples`` random maps :math:`\mathbb R^d \to \mathbb R^n \to \mathbb R^d`, each bias with its layer's law.

    :math:`f(x) = A\,\mathrm{relu}(Wx + b) + c` with ``W`` of shape ``(n, d)``, ``A`` of shape ``(d, n)``
    drawn by ``init`` (an initializer with an i.i.d. law: He gives :math:`W_{ij}, b_i \sim \mathcal N(0, 2/d)`
    and :math:`A_{ij}, c_i \sim \mathcal N(0, 2/n)`), ``gain`` multiplying every standard deviation; the
    :math:`d`-dimensional form of :func:`initdyn.chaos.random_relu_map` (``dim=1`` draws its law).
    """
    dim = check_int(dim, "dim", minimum=1, maximum=64)
    width = check_int(width, "width", minimum=1)
    fn = _init.get_initializer(init)
    law = _init.iid_law(fn)
    if law is None:
        raise ValueError(f"init: expected an initializer with an i.i.d. law (he, glorot, lecun and their normal and "
                         f"uniform forms), got {init!r}")
    gain = check_real(gain, "gain", low=0.0, low_open=True, high=1e75)
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    gen = as_rng(rng)
    big, name = (n_samples, "n_samples") if n_samples > width else (width, "width")
    check_nbytes(8 * 2 * n_samples * (width * (2 * dim + 1) + dim), name, big,
                 what=f"the parameters of {n_samples} maps of width {width} in dimension {dim}",
                 reduce="n_samples or width")

    def draw(shape, fan_in, fan_out):
        std = gain * math.sqrt(law.variance(fan_in, fan_out))
        if law.kind == "normal":
            return gen.normal(0.0, std, size=shape)
        bound = std * math.sqrt(3.0)
        return gen.uniform(-bound, bound, size=shape)

    W = draw((n_samples, width, dim), dim, width)
    A = draw((n_samples, dim, width), width, dim)
    b = draw((n_samples, width), dim, width)
    c = draw((n_samples, dim), width, dim)
    return ReluMapNdEnsemble(A=A, W=W, b=b, c=c)
