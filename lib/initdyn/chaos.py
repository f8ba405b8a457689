r"""Li-Yorke chaos, periodic points and Lyapunov exponents of random recurrent maps.

A one-dimensional recurrent network with one hidden layer of ``width`` units
iterates the map

.. math:: f(x) = \sum_{i=1}^{n} a_i\,\mathrm{relu}(w_i x + b_i) + c ,

a width-:math:`n` network :math:`\mathbb R \to \mathbb R^n \to \mathbb R` whose output is fed back
as its input (Chatziafratis, Panageas, Sanford & Stavroulakis 2022, "On Scrambling Phenomena for
Randomly Initialized Recurrent Networks").  :math:`f` is continuous and piecewise linear, and
so is every iterate :math:`f^p`; this module computes the pieces of :math:`f^p` exactly (up to
floating-point rounding of the breakpoints) and from them

* all solutions of :math:`f^p(x) = x` on the whole real line, classified by least period
  (:meth:`PiecewiseLinear.periodic_points`); a point of period 3 implies points of every period
  (Sharkovsky 1964; Li & Yorke 1975, "Period three implies chaos") and an uncountable scrambled set;
* the number of monotone pieces ("laps", oscillations) of :math:`f^t`, which grows at least like the
  golden ratio :math:`\varphi^t` when :math:`f` has period 3 (Chatziafratis, Nagarajan, Panageas & Wang,
  ICLR 2020; Chatziafratis, Nagarajan & Panageas, ICML 2020); their growth rate is the topological
  entropy (Misiurewicz & Szlenk 1980);
* period-3 detection vectorized over ensembles of random maps (:meth:`ReluMapEnsemble.has_period3`).

Lyapunov exponents: :func:`lyapunov_1d` for any scalar map with a derivative, and
:func:`rnn_lyapunov` for the spectrum of :math:`h_{t+1} = \phi(W h_t + b)` by the QR method, batched
over an ensemble.  Exponents are growth rates of *norms*, :math:`\lambda = \lim_t t^{-1}\log\|v_t\|`;
the mean-field :math:`\chi_1` of chapter 1 is the growth factor of *squared* norms per step, so the
mean-field prediction of the largest exponent is :math:`\tfrac12\log\chi_1`.

Argument checks: every argument is checked where it enters (``ValueError``/``TypeError`` naming it).
Periods, iterates and compositions are at most :data:`MAX_PERIOD`, other loop counts (``n_steps``,
``n_discard``) at most 10**7; grids, orbits and ensembles beyond 4 GiB, and iterates whose pieces
would (composition by composition, or by their measured geometric growth), are refused with the
estimate.  Orbits that leave the float range raise ``ValueError`` naming the starting points.

Defined in chapter 5.
"""

from __future__ import annotations

import math
import numbers
from typing import Callable, NamedTuple

import numpy as np

from . import init as _init
from ._validate import (MEMORY_LIMIT, as_rng, check_choice, check_count, check_finite_array, check_int, check_nbytes,
                        check_positive, check_real, check_real_array, check_variance, check_work)
from .activations import get_activation
from .network import random_network

__all__ = [
    "PiecewiseLinear",
    "ReluMap",
    "ReluMapEnsemble",
    "TanhMap",
    "random_relu_map",
    "random_tanh_map",
    "tent_map",
    "perturb",
    "compose_maps",
    "stack_lap_counts",
    "sharkovsky_key",
    "sharkovsky_precedes",
    "grid_periodic_points",
    "grid_criterion",
    "LyapunovEstimate",
    "lyapunov_1d",
    "pair_distances",
    "random_rnn",
    "rnn_lyapunov",
]

#: Relative tolerance to decide that two points (or x and f^d(x)) coincide.
POINT_TOL = 1e-9

#: Largest period, iterate or number of compositions accepted (each is one composition of
#: piecewise-linear maps or one pass over a grid): bounds the run time.
MAX_PERIOD = 10**5

#: Memory of one piece of a :class:`PiecewiseLinear` while composing (breakpoint, slope, intercept,
#: representative point, image and the preimage work arrays).
_BYTES_PER_PIECE = 96


def _check_period(p, name="p"):
    return check_count(p, name, minimum=1, maximum=MAX_PERIOD)


def _check_growth(sizes, target, name):
    """Refuse early an iterate whose pieces grow geometrically beyond memory.

    ``sizes[t - 1]`` is the number of pieces of :math:`f^t`.  Once there are a million pieces and
    they have grown by a factor >= 1.5 at each of the last three steps, the smallest of those factors
    predicts the pieces of :math:`f^{target}`; a prediction beyond 4 x the memory limit is refused
    now rather than after minutes of compositions (the exact check in the composition refuses the rest).
    """
    if len(sizes) < 4 or sizes[-1] < 1e6 or target <= len(sizes):
        return
    r = min(sizes[-1] / sizes[-2], sizes[-2] / sizes[-3], sizes[-3] / sizes[-4])
    if r < 1.5:
        return
    log_need = math.log(sizes[-1] * _BYTES_PER_PIECE) + (target - len(sizes)) * math.log(r)
    if log_need > math.log(4 * MEMORY_LIMIT):
        gib = math.exp(min(log_need, 700.0)) / 2**30
        raise ValueError(f"{name}: f^t has {sizes[-1]} pieces at t = {len(sizes)}, growing by a factor {r:.3g} per step: "
                         f"f^{target} would need about {gib:.3g} GiB of memory, above the limit of "
                         f"{MEMORY_LIMIT / 2**30:g} GiB (got {name}={target}); reduce {name}")


def _check_interval(interval):
    if interval is None:
        return -np.inf, np.inf
    if isinstance(interval, np.ndarray) and interval.shape == (2,):
        interval = tuple(interval.tolist())
    if not isinstance(interval, (tuple, list)) or len(interval) != 2:
        raise TypeError(f"interval: expected a pair (lo, hi) or None, got {interval!r}")
    lo, hi = (check_real(v, "interval", allow_inf=True) for v in interval)
    if not lo < hi:
        raise ValueError(f"interval: expected lo < hi, got {interval!r}")
    return lo, hi


def _points(x, name="x"):
    """Points at which a map is evaluated: real numbers of any shape, as floats (NaN and inf propagate)."""
    arr = check_real_array(x, name)
    return np.asarray(arr, dtype=float)


def _dedupe(x):
    x = np.sort(np.asarray(x, dtype=float))
    if x.size < 2:
        return x
    keep = np.ones(x.size, dtype=bool)
    keep[1:] = np.diff(x) > POINT_TOL * (1.0 + np.abs(x[1:]))
    return x[keep]


def _least_periods(f, x, p):
    """Least period d | p of each candidate fixed point x of f^p (0 if no divisor closes the orbit)."""
    x = np.asarray(x, dtype=float)
    out = np.zeros(x.shape, dtype=int)
    y = x.copy()
    scale = 1.0 + np.abs(x)
    for d in range(1, p + 1):
        y = f(y)
        scale = np.maximum(scale, 1.0 + np.abs(y))
        if p % d == 0:
            close = (out == 0) & (np.abs(y - x) <= 1e3 * POINT_TOL * scale)
            out[close] = d
    return out


# ---------------------------------------------------------------------------
# Exact piecewise-linear maps
# ---------------------------------------------------------------------------

class PiecewiseLinear:
    r"""A continuous piecewise-linear map of the real line.

    ``breakpoints`` :math:`t_1 < \dots < t_m` cut the line into ``m + 1`` pieces; on piece ``j``
    (:math:`t_j \le x \le t_{j+1}`, with :math:`t_0 = -\infty`, :math:`t_{m+1} = +\infty`)
    the map is ``slopes[j] * x + intercepts[j]``.

    Compositions are exact in the sense that the breakpoints of :math:`g \circ h` are computed as the
    breakpoints of :math:`h` plus the preimages under :math:`h` of the breakpoints of :math:`g`, so no
    piece is missed however narrow (a grid of sample points would miss pieces narrower than its step).
    """

    def __init__(self, breakpoints, slopes, intercepts):
        t = check_finite_array(breakpoints, "breakpoints", ndim=1)
        s = check_finite_array(slopes, "slopes", ndim=1)
        d = check_finite_array(intercepts, "intercepts", ndim=1)
        if s.shape != (t.size + 1,) or d.shape != s.shape:
            raise ValueError(
                f"slopes, intercepts: expected len(breakpoints) + 1 = {t.size + 1} values each (one per piece), "
                f"got {s.size} and {d.size}"
            )
        if t.size > 1 and np.any(np.diff(t) <= 0):
            raise ValueError("breakpoints: expected a strictly increasing array")
        self.breakpoints, self.slopes, self.intercepts = t, s, d

    @classmethod
    def _trusted(cls, t, s, d):
        """Construct without validation (internal: arrays already checked or computed here)."""
        out = cls.__new__(cls)
        out.breakpoints, out.slopes, out.intercepts = t, s, d
        return out

    # -- evaluation ---------------------------------------------------------
    @property
    def n_pieces(self) -> int:
        return self.slopes.size

    def _piece(self, x):
        return np.searchsorted(self.breakpoints, x, side="right")

    def __call__(self, x):
        """``f(x)`` for real ``x`` of any shape (NaN gives NaN; ``+-inf`` the limits of the outer pieces)."""
        x = _points(x)
        j = self._piece(x)
        slope, intercept = self.slopes[j], self.intercepts[j]
        with np.errstate(invalid="ignore", over="ignore"):
            # a flat outer piece is constant out to +-inf (0 * inf would be NaN)
            return np.where(slope == 0.0, intercept, slope * x + intercept)

    def derivative(self, x):
        """Slope of the piece containing ``x`` (the right derivative at a breakpoint; NaN at NaN)."""
        x = _points(x)
        out = self.slopes[self._piece(x)]
        nan = np.isnan(x)
        return np.where(nan, np.nan, out) if np.any(nan) else out

    def _bounds(self):
        t = self.breakpoints
        return np.concatenate([[-np.inf], t]), np.concatenate([t, [np.inf]])

    def _representatives(self, t):
        """One interior point per piece of the partition by ``t``."""
        if t.size == 0:
            return np.zeros(1)
        lo = t[0] - max(1.0, abs(t[0]))
        hi = t[-1] + max(1.0, abs(t[-1]))
        return np.concatenate([[lo], 0.5 * (t[:-1] + t[1:]), [hi]])

    # -- composition --------------------------------------------------------
    def preimages(self, values):
        """All x with ``self(x) == v`` for v in ``values``, excluding pieces where the map is constant.

        Each piece is matched only against the values inside its image (a binary search in the sorted
        values), so the cost is O((pieces + preimages) log(values)), not pieces x values.
        """
        return self._preimages(values, "values")

    def _preimages(self, values, name):
        v = np.atleast_1d(_points(values, name)).ravel()
        if np.any(np.isnan(v)):
            raise ValueError(f"{name}: expected real values, found NaN")
        v = np.sort(v)
        lo, hi = self._bounds()
        s, d = self.slopes, self.intercepts
        with np.errstate(invalid="ignore"):
            y_lo = np.where(np.isinf(lo), -np.sign(s) * np.inf, s * lo + d)
            y_hi = np.where(np.isinf(hi), np.sign(s) * np.inf, s * hi + d)
        i0 = np.searchsorted(v, np.minimum(y_lo, y_hi), side="left")
        i1 = np.searchsorted(v, np.maximum(y_lo, y_hi), side="right")
        cnt = np.where(s != 0, i1 - i0, 0)
        total = int(cnt.sum())
        check_nbytes(_BYTES_PER_PIECE * (total + s.size), name, f"a map of {s.size} pieces",
                     what=f"composing: {total} preimages, the breakpoints of the result,",
                     reduce=f"{name} (the number of pieces grows geometrically for expanding maps)")
        if total == 0:
            return np.empty(0)
        piece = np.repeat(np.arange(s.size), cnt)
        start = np.repeat(np.cumsum(cnt) - cnt, cnt)
        vi = np.repeat(i0, cnt) + (np.arange(total) - start)
        x = (v[vi] - d[piece]) / s[piece]
        return np.clip(x, lo[piece], hi[piece])

    def compose(self, inner: "PiecewiseLinear") -> "PiecewiseLinear":
        r"""The map :math:`x \mapsto` ``self(inner(x))``.

        Raises ``ValueError`` if the result's slopes or intercepts overflow, or if its pieces would need
        more than 4 GiB (about 45 million pieces).
        """
        if not isinstance(inner, PiecewiseLinear):
            raise TypeError(f"inner: expected a PiecewiseLinear, got {type(inner).__name__}")
        return self._compose(inner, "inner")

    def _compose(self, inner, name, step=None):
        t = np.unique(np.concatenate([inner.breakpoints, inner._preimages(self.breakpoints, name)]))
        x = self._representatives(t)
        with np.errstate(over="ignore", invalid="ignore"):
            y = inner(x)
            slope = self.derivative(y) * inner.derivative(x)
            intercept = self(y) - slope * x
        if not (np.all(np.isfinite(slope)) and np.all(np.isfinite(intercept))):
            where = "" if step is None else f" at iterate {step}"
            raise ValueError(f"{name}: the composition overflowed{where} (slopes or intercepts beyond float range)")
        return PiecewiseLinear._trusted(t, slope, intercept)

    def power(self, p) -> "PiecewiseLinear":
        """The ``p``-th iterate :math:`f^p` (``1 <= p <=`` :data:`MAX_PERIOD`)."""
        p = _check_period(p)
        out, sizes = self, [self.n_pieces]
        for k in range(p - 1):
            out = self._compose(out, "p", k + 2)
            sizes.append(out.n_pieces)
            _check_growth(sizes, p, "p")
        return out

    # -- fixed and periodic points -----------------------------------------
    def fixed_points(self, interval=None) -> np.ndarray:
        r"""All isolated solutions of :math:`f(x) = x`, sorted (optionally only those in ``interval``).

        On each piece :math:`s x + d = x` has the single solution :math:`d/(1-s)` when :math:`s \ne 1`.
        Pieces on which the map is the identity (a whole interval of fixed points, a non-generic case
        of probability zero for random parameters) are skipped.
        """
        lo_i, hi_i = _check_interval(interval)
        lo, hi = self._bounds()
        s, d = self.slopes, self.intercepts
        with np.errstate(divide="ignore", invalid="ignore"):
            x = d / (1.0 - s)
        tol = POINT_TOL * (1.0 + np.abs(x))
        ok = (s != 1.0) & np.isfinite(x) & (x >= lo - tol) & (x <= hi + tol)
        x = _dedupe(x[ok])
        return x[(x >= lo_i) & (x <= hi_i)]

    def periodic_points(self, p, interval=None) -> np.ndarray:
        """The points of least period ``p`` (sorted), from the exact fixed points of :math:`f^p`."""
        p = _check_period(p)
        x = self.power(p).fixed_points(interval)
        return x[_least_periods(self, x, p) == p]

    def has_period(self, p) -> bool:
        """True if the map has a point of least period ``p`` anywhere on the real line."""
        return bool(self.periodic_points(p).size)

    def monotone_pieces(self, interval=None) -> int:
        """Number of maximal intervals of monotonicity ("laps") of the map on ``interval`` (default R)."""
        lo_i, hi_i = _check_interval(interval)
        lo, hi = self._bounds()
        s = self.slopes[(hi > lo_i) & (lo < hi_i)]
        sign = np.sign(s[s != 0])
        return int(1 + np.count_nonzero(sign[1:] != sign[:-1]))

    def lap_counts(self, t_max, interval=None) -> np.ndarray:
        """Laps of :math:`f^t` for ``t = 1..t_max`` (``t_max <=`` :data:`MAX_PERIOD`)."""
        t_max = _check_period(t_max, "t_max")
        _check_interval(interval)
        out, g, sizes = [], self, [self.n_pieces]
        for t in range(t_max):
            if t:
                g = self._compose(g, "t_max", t + 1)
                sizes.append(g.n_pieces)
                _check_growth(sizes, t_max, "t_max")
            out.append(g.monotone_pieces(interval))
        return np.array(out)

    @classmethod
    def relu(cls) -> "PiecewiseLinear":
        """The map ``max(x, 0)``."""
        return cls([0.0], [0.0, 1.0], [0.0, 0.0])


def compose_maps(maps) -> PiecewiseLinear:
    r"""The feed-forward stack :math:`f_k \circ \dots \circ f_1` of ``maps = [f_1, ..., f_k]`` (exact)."""
    if not isinstance(maps, (list, tuple)) or not maps:
        raise TypeError(f"maps: expected a non-empty list of ReluMap or PiecewiseLinear, got {maps!r}")
    if len(maps) > MAX_PERIOD:
        raise ValueError(f"maps: expected at most {MAX_PERIOD} layers, got {len(maps)}")
    pls = []
    for i, m in enumerate(maps):
        if isinstance(m, ReluMap):
            m = m.to_piecewise()
        if not isinstance(m, PiecewiseLinear):
            raise TypeError(f"maps[{i}]: expected a ReluMap or PiecewiseLinear, got {type(m).__name__}")
        pls.append(m)
    out = pls[0]
    for k, m in enumerate(pls[1:]):
        out = m._compose(out, "maps", k + 2)
    return out


def stack_lap_counts(maps, interval=None) -> np.ndarray:
    r"""Laps of the feed-forward stacks :math:`f_t \circ \dots \circ f_1` for ``t = 1..len(maps)``.

    The feed-forward counterpart of :meth:`ReluMap.lap_counts`: each layer is its own map.
    """
    if not isinstance(maps, (list, tuple)) or not maps:
        raise TypeError(f"maps: expected a non-empty list of ReluMap or PiecewiseLinear, got {maps!r}")
    _check_interval(interval)
    if len(maps) > MAX_PERIOD:
        raise ValueError(f"maps: expected at most {MAX_PERIOD} layers, got {len(maps)}")
    out, g = [], None
    for i, m in enumerate(maps):
        if isinstance(m, ReluMap):
            m = m.to_piecewise()
        if not isinstance(m, PiecewiseLinear):
            raise TypeError(f"maps[{i}]: expected a ReluMap or PiecewiseLinear, got {type(m).__name__}")
        g = m if g is None else m._compose(g, "maps", i + 1)
        out.append(g.monotone_pieces(interval))
    return np.array(out)


# ---------------------------------------------------------------------------
# One-hidden-layer recurrent maps
# ---------------------------------------------------------------------------

def _relu_pieces(a, w, b, c):
    """Sorted breakpoints, slopes and intercepts of sum_i a_i relu(w_i x + b_i) + c (batched, last axis = units).

    Units with w_i = 0 are constant: they are folded into c and their breakpoint sent to +inf.
    """
    flat = w == 0
    c = c + np.sum(np.where(flat, a * np.maximum(b, 0.0), 0.0), axis=-1)
    a = np.where(flat, 0.0, a)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(flat, np.inf, -b / np.where(flat, 1.0, w))
    order = np.argsort(t, axis=-1, kind="stable")
    t = np.take_along_axis(t, order, axis=-1)
    a_s, w_s, b_s = (np.take_along_axis(v, order, axis=-1) for v in (a, w, b))
    neg = w_s < 0
    # Far left only the units with w < 0 are active; crossing t_i switches unit i on (w > 0) or off (w < 0).
    s0 = np.sum(np.where(neg, a_s * w_s, 0.0), axis=-1)
    d0 = np.sum(np.where(neg, a_s * b_s, 0.0), axis=-1) + c
    ds = a_s * np.abs(w_s)
    dd = np.sign(w_s) * a_s * b_s
    slopes = np.concatenate([s0[..., None], s0[..., None] + np.cumsum(ds, axis=-1)], axis=-1)
    inter = np.concatenate([d0[..., None], d0[..., None] + np.cumsum(dd, axis=-1)], axis=-1)
    return t, slopes, inter


OUTPUTS = ("linear", "relu")


def _check_orbits(orbits, name):
    """``ValueError`` naming ``name`` if an orbit (last axis: time) left the float range."""
    bad = ~np.isfinite(orbits)
    if np.any(bad):
        step = int(np.argmax(np.any(bad.reshape(-1, orbits.shape[-1]), axis=0)))
        raise ValueError(f"{name}: an orbit left the float range at step {step} (|x| > 1.8e308: the map expands "
                         "without bound there); start closer to its invariant set or take fewer steps")


class ReluMap:
    r"""The recurrent map :math:`f(x) = \sum_i a_i\,\mathrm{relu}(w_i x + b_i) + c` (``output="linear"``).

    ``output="relu"`` applies a ReLU to the output as well, :math:`\mathrm{relu}(f(x))`, as in the public
    code of Chatziafratis et al. 2022 (steliostavroulakis/Chaos_RNNs).  Exact periodic points and laps
    come from :meth:`to_piecewise` (see :class:`PiecewiseLinear`).
    """

    def __init__(self, *, a, w, b, c=0.0, output: str = "linear"):
        a = check_finite_array(a, "a", ndim=1)
        w = check_finite_array(w, "w", ndim=1)
        b = check_finite_array(b, "b", ndim=1)
        if a.size == 0 or w.shape != a.shape or b.shape != a.shape:
            raise ValueError(f"a, w, b: expected three non-empty arrays of one shape, got {a.shape}, {w.shape}, {b.shape}")
        c = check_finite_array(c, "c", ndim=0)
        if output not in OUTPUTS:
            raise ValueError(f"output: expected one of {OUTPUTS}, got {output!r}")
        self.a, self.w, self.b, self.c, self.output = a, w, b, float(c), output
        self._pl = None
        self._powers = {}

    @property
    def width(self) -> int:
        return self.a.size

    def __repr__(self):
        return f"ReluMap(width={self.width}, output={self.output!r})"

    def __call__(self, x):
        """``f(x)`` for real ``x`` of any shape.

        At ``x = +-inf`` the value is the limit of the outer linear piece (finite when that piece is
        flat, ``+-inf`` otherwise); NaN gives NaN.  Finite ``x`` whose value leaves the float range
        gives ``+-inf``.
        """
        x = _points(x)
        with np.errstate(over="ignore", invalid="ignore"):
            y = np.maximum(x[..., None] * self.w + self.b, 0.0) @ self.a + self.c
        infinite = np.isinf(x)
        if np.any(infinite):
            # summing units at +-inf can meet inf - inf; the exact pieces give the limit instead
            y = np.where(infinite, self.to_piecewise()(np.where(infinite, x, 0.0)), y)
        return np.maximum(y, 0.0) if self.output == "relu" else y

    def derivative(self, x):
        """:math:`f'(x)`, the slope of the linear piece containing ``x`` (right derivative at a kink).

        Taken from the exact pieces, so a unit pair such as ``relu(x) - relu(-x) = x`` has slope 1 at 0
        (the unit-wise convention ``relu'(0) = 0`` would give 0 there).
        """
        return self.to_piecewise().derivative(x)

    def to_piecewise(self) -> PiecewiseLinear:
        """The map as a :class:`PiecewiseLinear` (cached)."""
        if self._pl is None:
            with np.errstate(over="ignore", invalid="ignore"):
                t, s, d = _relu_pieces(self.a, self.w, self.b, np.float64(self.c))
            if not (np.all(np.isfinite(s)) and np.all(np.isfinite(d))):
                raise ValueError("a, w, b, c: the slopes sum a_i w_i or the intercepts of the map overflow float64; "
                                 "rescale the parameters")
            keep = np.isfinite(t)
            # breakpoints -b_i/w_i that overflow to -inf come first: the realised pieces start after them
            lo = int(np.count_nonzero(t == -np.inf))
            t, s, d = t[keep], s[lo: lo + keep.sum() + 1], d[lo: lo + keep.sum() + 1]
            # Units sharing a breakpoint: keep the last slope/intercept of each run of equal breakpoints.
            if t.size > 1:
                last = np.concatenate([t[1:] != t[:-1], [True]])
                t, s, d = t[last], np.concatenate([s[:1], s[1:][last]]), np.concatenate([d[:1], d[1:][last]])
            pl = PiecewiseLinear(t, s, d)
            if self.output == "relu":
                pl = PiecewiseLinear.relu().compose(pl)
            self._pl = pl
        return self._pl

    def power(self, p) -> PiecewiseLinear:
        """:math:`f^p` as a :class:`PiecewiseLinear` (cached; ``1 <= p <=`` :data:`MAX_PERIOD`)."""
        p = _check_period(p)
        if p not in self._powers:
            self._powers[p] = self.to_piecewise().power(p)
        return self._powers[p]

    def iterate(self, x0, n_steps) -> np.ndarray:
        """Orbits ``[x0, f(x0), ..., f^n_steps(x0)]`` along a new last axis.

        ``ValueError`` if an orbit leaves the float range (an expanding map far from its invariant set).
        """
        n_steps = check_count(n_steps, "n_steps", minimum=0)
        x = check_finite_array(x0, "x0")
        check_nbytes(8 * max(x.size, 1) * (n_steps + 1), "n_steps", n_steps,
                     what=f"the orbits of {x.size} points over {n_steps} steps", reduce="n_steps or the number of points")
        out = [x]
        for _ in range(n_steps):
            x = self(x)
            out.append(x)
        orbits = np.stack(out, axis=-1)
        _check_orbits(orbits, "x0")
        return orbits

    def fixed_points(self, interval=None):
        return self.to_piecewise().fixed_points(interval)

    def periodic_points(self, p, interval=None) -> np.ndarray:
        """Exact points of least period ``p`` on the real line (or ``interval``), sorted."""
        p = _check_period(p)
        x = self.power(p).fixed_points(interval)
        return x[_least_periods(self.to_piecewise(), x, p) == p]

    def has_period(self, p) -> bool:
        """True if :math:`f` has a point of least period ``p`` (exact, whole real line)."""
        return bool(self.periodic_points(p).size)

    def monotone_pieces(self, t=1, interval=None) -> int:
        """Laps (maximal monotone pieces) of :math:`f^t` on ``interval`` (default: the real line)."""
        t = _check_period(t, "t")
        _check_interval(interval)
        return self.power(t).monotone_pieces(interval)

    def lap_counts(self, t_max, interval=None) -> np.ndarray:
        """Laps of :math:`f^t` for ``t = 1..t_max``; their growth rate is the topological entropy.

        The iterates are composed one after the other (the same maps as :meth:`power`).
        """
        t_max = _check_period(t_max, "t_max")
        _check_interval(interval)
        return self.to_piecewise().lap_counts(t_max, interval)


class ReluMapEnsemble:
    """``size`` maps of one width, parameters stacked: ``a, w, b`` of shape ``(size, width)``, ``c`` of ``(size,)``."""

    def __init__(self, *, a, w, b, c, output: str = "linear"):
        a = check_finite_array(a, "a", ndim=2)
        w = check_finite_array(w, "w", ndim=2)
        b = check_finite_array(b, "b", ndim=2)
        c = check_finite_array(c, "c", ndim=1)
        if w.shape != a.shape or b.shape != a.shape or c.shape != a.shape[:1] or a.shape[1] == 0:
            raise ValueError(
                f"a, w, b, c: expected shapes (size, width) x3 and (size,), got {a.shape}, {w.shape}, {b.shape}, {c.shape}"
            )
        if output not in OUTPUTS:
            raise ValueError(f"output: expected one of {OUTPUTS}, got {output!r}")
        self.a, self.w, self.b, self.c, self.output = a, w, b, c, output

    def __len__(self):
        return self.a.shape[0]

    @property
    def width(self) -> int:
        return self.a.shape[1]

    def __repr__(self):
        return f"ReluMapEnsemble(size={len(self)}, width={self.width})"

    def __getitem__(self, i) -> ReluMap:
        if isinstance(i, bool) or not isinstance(i, numbers.Integral):
            raise TypeError(f"i: expected an integer index, got {i!r}")
        if not -len(self) <= i < len(self):  # IndexError: the sequence protocol (iteration) relies on it
            raise IndexError(f"i: index {i} out of range for an ensemble of {len(self)} maps")
        return ReluMap(a=self.a[i], w=self.w[i], b=self.b[i], c=self.c[i], output=self.output)

    def __call__(self, x):
        """Apply map ``m`` to ``x[m, ...]``: ``x`` has shape ``(size, ...)``."""
        x = _points(x)
        if x.shape[:1] != (len(self),):
            raise ValueError(f"x: expected leading dimension {len(self)} (one row per map), got shape {x.shape}")
        check_nbytes(16 * x.size * self.width, "x", f"shape {x.shape}",
                     what=f"evaluating {x.size} points on {self.width} units", reduce="the number of points")
        extra = (1,) * (x.ndim - 1)
        a, w, b = (v.reshape(v.shape[:1] + extra + v.shape[1:]) for v in (self.a, self.w, self.b))
        c = self.c.reshape(self.c.shape + extra)
        with np.errstate(over="ignore", invalid="ignore"):
            y = np.sum(a * np.maximum(x[..., None] * w + b, 0.0), axis=-1) + c
        return np.maximum(y, 0.0) if self.output == "relu" else y

    def has_period3(self, *, chunk: int = 2000) -> np.ndarray:
        r"""Exact detection of a point of least period 3, vectorized over the ensemble.

        Every solution of :math:`f^3(x) = x` has an itinerary :math:`(j_0, j_1, j_2)` of linear pieces
        of :math:`f` visited by :math:`x, f(x), f^2(x)`.  The pairs :math:`(j_0, j_1)` with non-empty
        domain :math:`\{x \in I_{j_0}: f(x) \in I_{j_1}\}` are the linear pieces of :math:`f^2`; for
        each and each :math:`j_2` the affine equation is solved and the itinerary checked.  Period 3
        (a prime) is least unless :math:`f(x) = x`.  Cost :math:`O(\text{pieces}(f^2)\cdot n)` per map.
        """
        chunk = check_int(chunk, "chunk", minimum=1)
        if self.output != "linear":
            return np.array([self[i].has_period(3) for i in range(len(self))])
        # work arrays of (pieces of f^2) x (pieces of f) entries per map: (width + 1)^3, about 15 of them.
        # The chunk only sets how many maps share one pass (results do not depend on it): it is lowered to
        # fit the memory limit.
        per_map = 15 * 8.0 * (self.width + 1) ** 3
        check_nbytes(per_map, "width", self.width, what="the vectorized period-3 test of one map of this width",
                     reduce="the width (or test the maps one at a time with ReluMap.has_period(3))")
        chunk = int(min(chunk, max(1, (2**32) // per_map)))
        out = np.zeros(len(self), dtype=bool)
        for start in range(0, len(self), chunk):
            sl = slice(start, start + chunk)
            out[sl] = _has_period3_block(self.a[sl], self.w[sl], self.b[sl], self.c[sl])
        return out

    def has_period(self, p) -> np.ndarray:
        """Exact least-period-``p`` detection for every map (vectorized for ``p = 3`` and width <= 24,
        where it is faster than the per-map composition of :class:`PiecewiseLinear`)."""
        p = _check_period(p)
        if p == 3 and self.width <= 24:
            return self.has_period3()
        return np.array([self[i].has_period(p) for i in range(len(self))])


def _has_period3_block(a, w, b, c):
    with np.errstate(over="ignore", invalid="ignore"):
        t, s, d = _relu_pieces(a, w, b, c)
    if not (np.all(np.isfinite(s)) and np.all(np.isfinite(d))):
        raise ValueError("a, w, b, c: the slopes sum a_i w_i or the intercepts of a map overflow float64; "
                         "rescale the parameters")
    m, k = s.shape
    lo = np.concatenate([np.full((m, 1), -np.inf), t], axis=1)
    hi = np.concatenate([t, np.full((m, 1), np.inf)], axis=1)
    # Pairs (j0, j1): domain of x in I_j0 with s0 x + d0 in I_j1.
    s0, d0 = s[:, :, None], d[:, :, None]
    L1, R1 = lo[:, None, :], hi[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        e1, e2 = (L1 - d0) / s0, (R1 - d0) / s0
    pos = s0 > 0
    plo = np.where(pos, e1, e2)
    phi = np.where(pos, e2, e1)
    zero = s0 == 0
    inside = (d0 >= L1) & (d0 <= R1)
    plo = np.where(zero, np.where(inside, -np.inf, np.inf), plo)
    phi = np.where(zero, np.where(inside, np.inf, -np.inf), phi)
    plo = np.maximum(plo, lo[:, :, None])
    phi = np.minimum(phi, hi[:, :, None])
    valid = plo <= phi
    S2 = s[:, None, :] * s0
    D2 = s[:, None, :] * d0 + d[:, None, :]
    # Compact the valid pairs (the pieces of f^2) to the front.
    valid = valid.reshape(m, k * k)
    n_valid = valid.sum(axis=1)
    kk = int(n_valid.max())
    idx = np.argsort(~valid, axis=1, kind="stable")[:, :kk]
    plo, phi, S2, D2 = (np.take_along_axis(v.reshape(m, k * k), idx, axis=1) for v in (plo, phi, S2, D2))
    j0 = idx // k
    S1, D1 = np.take_along_axis(s, j0, axis=1), np.take_along_axis(d, j0, axis=1)
    ok_pair = np.arange(kk)[None, :] < n_valid[:, None]
    # Triples: x = s2 (S2 x + D2) + d2.
    s2, d2 = s[:, None, :], d[:, None, :]
    S3 = s2 * S2[:, :, None]
    D3 = s2 * D2[:, :, None] + d2
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        x = D3 / (1.0 - S3)
        tol = POINT_TOL * (1.0 + np.abs(x))
        y2 = S2[:, :, None] * x + D2[:, :, None]
        y1 = S1[:, :, None] * x + D1[:, :, None]
        hit = (
            ok_pair[:, :, None]
            & (S3 != 1.0)
            & np.isfinite(x)
            & (x >= plo[:, :, None] - tol)
            & (x <= phi[:, :, None] + tol)
            & (y2 >= lo[:, None, :] - POINT_TOL * (1 + np.abs(y2)))
            & (y2 <= hi[:, None, :] + POINT_TOL * (1 + np.abs(y2)))
            & (np.abs(y1 - x) > 1e3 * tol)
        )
    return hit.reshape(m, -1).any(axis=1)


class TanhMap:
    r"""The smooth recurrent map :math:`f(x) = \sum_i a_i \tanh(w_i x + b_i) + c`.

    It is bounded, :math:`|f| \le \sum_i |a_i| + |c|`, so every periodic point lies in
    :meth:`bounding_interval`; periodic points are found on a grid (:func:`grid_periodic_points`).
    """

    def __init__(self, *, a, w, b, c=0.0):
        a = check_finite_array(a, "a", ndim=1)
        w = check_finite_array(w, "w", ndim=1)
        b = check_finite_array(b, "b", ndim=1)
        if a.size == 0 or w.shape != a.shape or b.shape != a.shape:
            raise ValueError(f"a, w, b: expected three non-empty arrays of one shape, got {a.shape}, {w.shape}, {b.shape}")
        self.a, self.w, self.b = a, w, b
        self.c = float(check_finite_array(c, "c", ndim=0))
        with np.errstate(over="ignore"):
            bound = float(np.sum(np.abs(self.a)) + abs(self.c))
        if not np.isfinite(bound):
            raise ValueError("a, c: the bound sum |a_i| + |c| of the map overflows float64; rescale the parameters")

    @property
    def width(self) -> int:
        return self.a.size

    def __call__(self, x):
        """``f(x)`` for real ``x`` of any shape."""
        x = _points(x)
        with np.errstate(over="ignore", invalid="ignore"):
            return np.tanh(x[..., None] * self.w + self.b) @ self.a + self.c

    def derivative(self, x):
        """``f'(x)`` for real ``x`` of any shape."""
        x = _points(x)
        with np.errstate(over="ignore", invalid="ignore"):
            return (1.0 - np.tanh(x[..., None] * self.w + self.b) ** 2) @ (self.a * self.w)

    def bounding_interval(self):
        r = float(np.sum(np.abs(self.a)) + abs(self.c))
        return (-r - 1e-12, r + 1e-12)

    def has_period(self, p, *, n_grid: int = 20001) -> bool:
        """Grid-based detection (complete up to roots in pieces narrower than the grid step)."""
        return bool(grid_periodic_points(self, p, self.bounding_interval(), n_grid=n_grid).size)


def tent_map(slope: float = 2.0) -> ReluMap:
    r"""The tent map :math:`T(x) = s\,\min(x, 1-x)` extended linearly to R, as a ReLU map.

    :math:`T(x) = s x - 2 s\,\mathrm{relu}(x - 1/2)` with :math:`s x = s\,\mathrm{relu}(x) - s\,\mathrm{relu}(-x)`.
    For :math:`s = 2` its 3-cycles are :math:`\{2/7, 4/7, 6/7\}` and :math:`\{2/9, 4/9, 8/9\}`; it has
    period 3 iff :math:`s \ge` the golden ratio.
    """
    s = check_real(slope, "slope", low=0.0, low_open=True, high=1e307)
    return ReluMap(a=[s, -s, -2 * s], w=[1.0, -1.0, 1.0], b=[0.0, 0.0, -0.5], c=0.0)


def _resolve_init(init):
    if callable(init):
        return init
    if not isinstance(init, str):
        raise TypeError(f"init: expected a name or an initializer callable, got {type(init).__name__}")
    names = {"he": "he_normal", "kaiming": "he_normal", "glorot": "glorot_normal", "xavier": "glorot_normal",
             "lecun": "lecun_normal"}
    key = names.get(init.lower(), init.lower())
    if key not in _init.INITIALIZERS:
        raise ValueError(f"init: unknown initializer {init!r}; expected one of {sorted(set(names) | set(_init.INITIALIZERS))}")
    return _init.INITIALIZERS[key]


# Initializers whose entries are i.i.d. with a law fixed by the fans: ensembles draw them in one call
# (same law as calling the initializer once per map).  Value: (kind, variance(fan_in, fan_out)).
_IID_LAWS = {
    _init.he_normal: ("normal", lambda fi, fo: 2.0 / fi),
    _init.he_uniform: ("uniform", lambda fi, fo: 2.0 / fi),
    _init.glorot_normal: ("normal", lambda fi, fo: 2.0 / (fi + fo)),
    _init.glorot_uniform: ("uniform", lambda fi, fo: 2.0 / (fi + fo)),
    _init.lecun_normal: ("normal", lambda fi, fo: 1.0 / fi),
}


def _draw_layer(fn, shape, n_maps, gain, gen):
    """``n_maps`` independent draws of ``fn(shape, gain=gain)``, stacked: shape ``(n_maps, *shape)``."""
    law = _IID_LAWS.get(fn)
    if law is None:
        return np.stack([_call_init(fn, shape, gain, gen) for _ in range(n_maps)])
    fan_in, fan_out = _init.fans(shape)
    std = gain * math.sqrt(law[1](fan_in, fan_out))
    if law[0] == "normal":
        return gen.normal(0.0, std, size=(n_maps,) + shape)
    bound = std * math.sqrt(3.0)
    return gen.uniform(-bound, bound, size=(n_maps,) + shape)


def _call_init(fn, shape, gain, gen):
    """One draw ``fn(shape, gain=gain, rng=gen)``, checked: a finite float array of that shape."""
    name = getattr(fn, "__name__", type(fn).__name__)
    try:
        w = fn(shape, gain=gain, rng=gen)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"init: the initializer {name} cannot serve the layer shape {shape} of a map "
                        f"R -> R^n -> R: {exc}") from exc
    arr = np.asarray(w) if not isinstance(w, (str, bytes)) else None
    if arr is None or arr.dtype == bool or arr.dtype.kind not in "iuf":
        raise TypeError(f"init: the initializer {name} returned {type(w).__name__}, expected a float array of shape {shape}")
    if arr.shape != tuple(shape):
        raise ValueError(f"init: the initializer {name} returned shape {arr.shape}, expected {tuple(shape)}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"init: the initializer {name} returned NaN or inf for shape {tuple(shape)} (gain={gain})")
    return w


def _draw_params(width, init, gain, bias, size, rng):
    width = check_int(width, "width", minimum=1)
    fn = _resolve_init(init)
    gain = check_real(gain, "gain", low=0.0, low_open=True)
    gen = as_rng(rng)
    if isinstance(bias, str):
        if bias not in ("init", "zero"):
            raise ValueError(f"bias: expected 'init', 'zero' or a variance, got {bias!r}")
    else:
        if isinstance(bias, (bool, np.bool_)) or not isinstance(bias, (numbers.Real, np.ndarray)) or np.ndim(bias):
            raise TypeError(f"bias: expected 'init', 'zero' or a variance (a real number >= 0), got {bias!r}")
        bias = check_variance(bias, "bias")
    n_maps = 1 if size is None else check_int(size, "size", minimum=1)
    check_nbytes(8 * 6 * n_maps * width, "size" if n_maps > width else "width", n_maps if n_maps > width else width,
                 what=f"the parameters of {n_maps} maps of width {width}", reduce="size or width")
    # A width-n net R -> R^n -> R: first layer (n, 1), second layer (1, n) (torch.nn.Linear shapes).
    w = _draw_layer(fn, (width, 1), n_maps, gain, gen)[:, :, 0]
    a = _draw_layer(fn, (1, width), n_maps, gain, gen)[:, 0, :]
    if bias == "init":  # each layer's bias has the law of that layer's weights (as in the public code)
        b = _draw_layer(fn, (width, 1), n_maps, gain, gen)[:, :, 0]
        c = _draw_layer(fn, (1, width), n_maps, gain, gen)[:, 0, 0]
    elif bias == "zero":
        b, c = np.zeros((n_maps, width)), np.zeros(n_maps)
    else:
        b = gen.normal(0.0, math.sqrt(bias), size=(n_maps, width))
        c = gen.normal(0.0, math.sqrt(bias), size=n_maps)
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(w))):
        raise ValueError(f"gain: the drawn weights overflow float64 (gain = {gain:g}); use a smaller gain")
    if not (np.all(np.isfinite(b)) and np.all(np.isfinite(c))):
        raise ValueError(f"{'gain' if bias == 'init' else 'bias'}: the drawn biases overflow float64; use a smaller one")
    return a, w, b, c, size is None


def random_relu_map(*, width, init="he", gain: float = 1.0, bias="init", size=None, output: str = "linear",
                    rng=None):
    r"""A random ReLU recurrent map drawn as a width-``width`` network R -> R^n -> R.

    The first-layer weights :math:`w` (shape ``(n, 1)``) and the output weights :math:`a`
    (shape ``(1, n)``) come from the initializer ``init`` (``"he"``, ``"glorot"``, ``"lecun"`` or any
    name in :data:`initdyn.init.INITIALIZERS`, or a callable ``f(shape, gain=, rng=)``) with ``gain``.
    ``bias="init"`` draws each layer's bias with the law of that layer's weights (He: :math:`b_i \sim
    \mathcal N(0, 2)`, :math:`c \sim \mathcal N(0, 2/n)`, as in the public code of Chatziafratis et
    al. 2022), ``"zero"`` sets them to 0, a number is a variance :math:`\sigma_b^2`.

    ``output="relu"`` adds the output ReLU of that code.  Returns a :class:`ReluMap`, or a
    :class:`ReluMapEnsemble` of ``size`` maps.
    """
    check_choice(output, "output", OUTPUTS)
    a, w, b, c, single = _draw_params(width, init, gain, bias, size, rng)
    if single:
        return ReluMap(a=a[0], w=w[0], b=b[0], c=c[0], output=output)
    return ReluMapEnsemble(a=a, w=w, b=b, c=c, output=output)


def random_tanh_map(*, width, init="glorot", gain: float = 1.0, bias="init", size=None, rng=None):
    """As :func:`random_relu_map` with tanh units: a :class:`TanhMap` or a list of ``size`` of them."""
    a, w, b, c, single = _draw_params(width, init, gain, bias, size, rng)
    with np.errstate(over="ignore"):
        bound = np.sum(np.abs(a), axis=1) + np.abs(c)
    if not np.all(np.isfinite(bound)):
        raise ValueError(f"gain: the maps' bound sum |a_i| + |c| overflows float64 (gain = {gain!r}); use a smaller gain")
    maps = [TanhMap(a=a[m], w=w[m], b=b[m], c=c[m]) for m in range(a.shape[0])]
    return maps[0] if single else maps


def perturb(fmap: ReluMap, scale, *, rng=None) -> ReluMap:
    """``fmap`` with every parameter shifted by independent :math:`\\mathcal N(0, \\text{scale}^2)` noise."""
    if not isinstance(fmap, ReluMap):
        raise TypeError(f"fmap: expected a ReluMap, got {type(fmap).__name__}")
    scale = check_real(scale, "scale", low=0.0)
    gen = as_rng(rng)
    n = fmap.width
    with np.errstate(over="ignore", invalid="ignore"):
        a, w = fmap.a + scale * gen.standard_normal(n), fmap.w + scale * gen.standard_normal(n)
        b, c = fmap.b + scale * gen.standard_normal(n), fmap.c + scale * gen.standard_normal()
    if not all(np.all(np.isfinite(v)) for v in (a, w, b, c)):
        raise ValueError(f"scale: the perturbed parameters overflow float64 (scale = {scale:g}); use a smaller scale")
    return ReluMap(a=a, w=w, b=b, c=c, output=fmap.output)


# ---------------------------------------------------------------------------
# Sharkovsky's order, grids, confidence intervals
# ---------------------------------------------------------------------------

def sharkovsky_key(n) -> tuple:
    r"""Sort key of ``n`` in Sharkovsky's order :math:`3 \triangleleft 5 \triangleleft 7 \dots
    \triangleleft 2\cdot3 \triangleleft 2\cdot5 \dots \triangleleft 2^2\cdot 3 \dots \triangleleft 8
    \triangleleft 4 \triangleleft 2 \triangleleft 1`."""
    n = check_int(n, "n", minimum=1)
    k = (n & -n).bit_length() - 1
    odd = n >> k
    return (0, k, odd) if odd > 1 else (1, -k, 1)


def sharkovsky_precedes(m, n) -> bool:
    """True if period ``m`` forces period ``n`` for every continuous map of an interval (m before n, or m == n)."""
    check_int(m, "m", minimum=1)
    return sharkovsky_key(m) <= sharkovsky_key(n)


def _map_values(f, x, name, *, broadcast=False):
    """``f(x)`` checked: real values of ``x``'s shape (a user map that returns anything else is named).

    With ``broadcast``, any shape that broadcasts to ``x``'s is accepted (a constant derivative, say).
    """
    try:
        y = f(x)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{name}: the map raised {type(exc).__name__} on an array of shape {np.shape(x)}: {exc}") from exc
    arr = None if isinstance(y, (str, bytes)) else np.asarray(y)
    if arr is None or arr.dtype == bool or arr.dtype.kind not in "iuf":
        raise TypeError(f"{name}: expected a map returning real numbers, got {type(y).__name__}"
                        + ("" if arr is None else f" of dtype {arr.dtype}"))
    if arr.shape != np.shape(x):
        try:
            ok = broadcast and np.broadcast_shapes(arr.shape, np.shape(x)) == np.shape(x)
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"{name}: expected a map returning an array of the input's shape {np.shape(x)}, "
                             f"got {arr.shape}")
    return y


def grid_periodic_points(f: Callable, p, interval, *, n_grid: int = 100001, refine: int = 40) -> np.ndarray:
    r"""Points of least period ``p`` of ``f`` in ``interval`` found from sign changes of
    :math:`f^p(x) - x` on a uniform grid, refined by bisection: the brute-force detector that the exact
    one is tested against.  It misses roots in pieces narrower than the grid step and tangencies."""
    if not callable(f):
        raise TypeError(f"f: expected a callable map, got {type(f).__name__}")
    p = _check_period(p)
    lo, hi = _check_interval(interval)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"interval: expected a finite interval, got {interval!r}")
    if not np.isfinite(hi - lo):
        raise ValueError(f"interval: expected a width hi - lo within the float range, got {interval!r}")
    n_grid = check_int(n_grid, "n_grid", minimum=3)
    refine = check_count(refine, "refine", minimum=0)
    check_nbytes(8 * 8 * n_grid, "n_grid", n_grid, what=f"a grid of {n_grid} points", reduce="n_grid")
    check_work(20 * p * n_grid, "p" if p > n_grid else "n_grid", p if p > n_grid else n_grid,
               what=f"{p} iterations of f on {n_grid} grid points", reduce="p or n_grid")

    def g(x):
        y = x
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(p):
                y = _map_values(f, y, "f")
            return y - x

    x = np.linspace(lo, hi, n_grid)
    gx = g(x)
    roots = list(x[gx == 0])
    cell = np.flatnonzero(gx[:-1] * gx[1:] < 0)
    left, right, gl = x[cell], x[cell + 1], gx[cell]
    for _ in range(refine):
        if left.size == 0:
            break
        mid = 0.5 * (left + right)
        gm = g(mid)
        same = np.sign(gm) == np.sign(gl)
        new_left, new_gl = np.where(same, mid, left), np.where(same, gm, gl)
        new_right = np.where(same, right, mid)
        # bisection has reached adjacent floats (every further step repeats this one): stop early
        done = np.array_equal(new_left, left) and np.array_equal(new_right, right) and np.array_equal(new_gl, gl)
        left, gl, right = new_left, new_gl, new_right
        if done:
            break
    roots = _dedupe(np.concatenate([roots, 0.5 * (left + right)]))
    # Grid roots are only accurate to the bisection width: compare orbits with a looser tolerance.
    step = (hi - lo) / (n_grid - 1) * 0.5 ** refine
    y, per = roots.copy(), np.zeros(roots.size, dtype=int)
    for d in range(1, p + 1):
        with np.errstate(over="ignore", invalid="ignore"):
            y = _map_values(f, y, "f")
        if p % d == 0:
            per[(per == 0) & (np.abs(y - roots) <= max(1e3 * step, 1e-7) * (1 + np.abs(roots)))] = d
    return roots[per == p]


def grid_criterion(f: Callable, *, n_compositions: int = 4, n_grid: int = 163, window: float = 1.0) -> np.ndarray:
    r"""The chaos criterion of the public code of Chatziafratis et al. 2022 (steliostavroulakis/Chaos_RNNs,
    ``*_Period_3_Probability_RNNs.ipynb``), re-implemented from its description.

    On ``n_grid`` points of ``[-window, window]`` count the sign changes of :math:`x - f(x)` and of
    :math:`x - f^k(x)` with ``k = n_compositions`` (a zero at a grid point between opposite signs also
    counts); "chaotic" if the second count is larger.  That code evaluates ``RNN(RNN(RNN(y)))`` on
    ``y = f(x)``, i.e. :math:`f^4`, not :math:`f^3`: hence the default ``n_compositions=4``.
    ``f`` maps an array of shape ``(..., n_grid)`` to the same shape; returns a bool per leading index.
    """
    if not callable(f):
        raise TypeError(f"f: expected a callable map, got {type(f).__name__}")
    k = check_count(n_compositions, "n_compositions", minimum=1, maximum=MAX_PERIOD)
    n_grid = check_int(n_grid, "n_grid", minimum=3)
    window = check_real(window, "window", low=0.0, low_open=True, high=8e307)
    rows = len(f) if isinstance(f, ReluMapEnsemble) else 1
    width = getattr(f, "width", 1) if isinstance(getattr(f, "width", 1), numbers.Integral) else 1
    check_nbytes(8 * 8 * rows * n_grid * max(1, width), "n_grid", n_grid,
                 what=f"{rows} map(s) of width {width} on {n_grid} grid points", reduce="n_grid (or the ensemble)")
    check_work(4 * k * rows * n_grid * max(1, width), "n_compositions", k,
               what=f"{k} compositions on {rows} x {n_grid} grid points", reduce="n_compositions or n_grid")
    x = np.linspace(-window, window, n_grid)
    if isinstance(f, ReluMapEnsemble):
        x = np.broadcast_to(x, (len(f), n_grid))

    def crossings(g):
        strict = np.count_nonzero(g[..., :-1] * g[..., 1:] < 0, axis=-1)
        at = np.count_nonzero((g[..., 1:-1] == 0) & (g[..., :-2] * g[..., 2:] < 0), axis=-1)
        return strict + at

    with np.errstate(over="ignore", invalid="ignore"):  # orbits beyond the float range cross nothing
        y1 = np.asarray(_map_values(f, x, "f"), dtype=float)
        yk = y1
        for _ in range(k - 1):
            yk = np.asarray(_map_values(f, yk, "f"), dtype=float)
        return crossings(x - yk) > crossings(x - y1)


# ---------------------------------------------------------------------------
# Lyapunov exponents and scrambling
# ---------------------------------------------------------------------------

class LyapunovEstimate(NamedTuple):
    """Exponent per orbit, its standard error (from 20 batch means), and whether the orbit collapsed."""

    exponent: np.ndarray
    stderr: np.ndarray
    collapsed: np.ndarray


def lyapunov_1d(f: Callable, x0, *, n_steps: int = 10000, n_discard: int = 100, df: Callable | None = None,
                jitter: float = 0.0, rng=None) -> LyapunovEstimate:
    r""":math:`\lambda = \frac1T\sum_{t<T} \log|f'(x_t)|` along the orbits of the points ``x0``.

    ``df`` defaults to ``f.derivative``.  Floating point can collapse an orbit: the tent map with slope
    2 reaches 0 exactly after ~55 doublings, and the logistic map at r = 4 sends 1/2 to 1 to the
    fixed point 0.  An orbit is flagged ``collapsed`` if it ends on a cycle of period <= 8 of floats or
    visits a point with :math:`f' = 0` (then its exponent is -inf).  ``jitter > 0`` adds
    :math:`\mathcal N(0, \text{jitter}^2)` noise to each step (a noisy orbit that shadows a true one),
    which prevents the collapse at the cost of a bias of order jitter.

    ``n_steps`` (>= 20) and ``n_discard`` are at most 10**7 each; ``x0`` holds at least one point.
    An orbit that leaves the float range raises ``ValueError`` (the exponent is not defined).
    """
    if not callable(f):
        raise TypeError(f"f: expected a callable map, got {type(f).__name__}")
    if df is None:
        df = getattr(f, "derivative", None)
    if not callable(df):
        raise TypeError("df: expected the derivative of f as a callable (or f with a .derivative method)")
    n_steps = check_count(n_steps, "n_steps", minimum=20)
    n_discard = check_count(n_discard, "n_discard", minimum=0)
    jitter = check_real(jitter, "jitter", low=0.0)
    x = check_finite_array(x0, "x0").copy()
    if x.size == 0:
        raise ValueError(f"x0: expected at least one starting point, got shape {x.shape}")
    check_nbytes(8 * n_steps * x.size, "n_steps", n_steps, what=f"the log-derivatives of {x.size} orbits over "
                 f"{n_steps} steps", reduce="n_steps or the number of starting points")
    gen = as_rng(rng)  # checked even when unused (jitter = 0), so that a bad rng is never silently ignored

    def step(x):
        y = _map_values(f, x, "f")
        if jitter > 0:
            y = y + jitter * gen.standard_normal(np.shape(y))
        return y

    def deriv(x):
        return _map_values(df, x, "df", broadcast=True)

    with np.errstate(over="ignore", invalid="ignore"):  # an orbit that overflows is reported below
        for _ in range(n_discard):
            x = step(x)
        logs = np.empty((n_steps,) + x.shape)
        hist = []
        with np.errstate(divide="ignore"):
            for t in range(n_steps):
                logs[t] = np.log(np.abs(deriv(x)))
                x = step(x)
                if t >= n_steps - 9:
                    hist.append(x.copy())
    if not np.all(np.isfinite(x)):
        cause = f" (jitter = {jitter:g})" if jitter > 0 else ""
        raise ValueError(f"x0: an orbit left every bounded set (overflow){cause}; the exponent is not defined")
    cyc = np.zeros(x.shape, dtype=bool)
    for k in range(1, 9):
        cyc |= hist[-1] == hist[-1 - k]
    lam = logs.mean(axis=0)
    collapsed = cyc | np.isneginf(lam)
    blocks = logs[: n_steps - n_steps % 20].reshape((20, -1) + x.shape).mean(axis=1)
    with np.errstate(invalid="ignore"):
        err = blocks.std(axis=0, ddof=1) / math.sqrt(20)
    return LyapunovEstimate(lam, err, collapsed)


def pair_distances(f: Callable, x0, y0, n_steps: int) -> np.ndarray:
    r""":math:`|f^t(x_0) - f^t(y_0)|` for ``t = 0..n_steps`` (last axis); broadcasts over ``x0, y0``.

    A pair is *scrambled* (Li & Yorke 1975) if :math:`\liminf_t = 0` and :math:`\limsup_t > 0`.
    """
    if not callable(f):
        raise TypeError(f"f: expected a callable map, got {type(f).__name__}")
    n_steps = check_count(n_steps, "n_steps", minimum=1)
    x0, y0 = check_finite_array(x0, "x0"), check_finite_array(y0, "y0")
    try:
        x, y = np.broadcast_arrays(x0, y0)
    except ValueError:
        raise ValueError(f"x0, y0: shapes {x0.shape} and {y0.shape} do not broadcast") from None
    check_nbytes(8 * max(x.size, 1) * (n_steps + 1), "n_steps", n_steps,
                 what=f"the distances of {x.size} pairs over {n_steps} steps", reduce="n_steps or the number of pairs")
    out = [np.abs(x - y)]
    with np.errstate(over="ignore", invalid="ignore"):  # an orbit that overflows is reported below
        for _ in range(n_steps):
            x, y = _map_values(f, x, "f"), _map_values(f, y, "f")
            out.append(np.abs(x - y))
            if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
                raise ValueError(f"x0, y0: an orbit left the float range at step {len(out) - 1} (|x| > 1.8e308: the "
                                 "map expands without bound there); start closer to its invariant set or take fewer steps")
    return np.stack(out, axis=-1)


def random_rnn(*, width, sigma_w2, sigma_b2, size: int = 1, rng=None):
    r"""``size`` random RNNs :math:`h_{t+1} = \phi(W h_t + b)`: ``W`` of shape ``(size, N, N)`` with
    :math:`W_{ij} \sim \mathcal N(0, \sigma_w^2/N)` and ``b`` of shape ``(size, N)`` with
    :math:`b_i \sim \mathcal N(0, \sigma_b^2)` (the law of :func:`initdyn.network.random_network`)."""
    size = check_int(size, "size", minimum=1)
    width = check_int(width, "width", minimum=1)
    check_nbytes(8 * size * width * (width + 1), "size" if size > width else "width", size if size > width else width,
                 what=f"{size} recurrent weight matrices of width {width}", reduce="size or width")
    net = random_network(width=width, depth=size, sigma_w2=sigma_w2, sigma_b2=sigma_b2, rng=rng)
    return net.W, net.b


def _orthonormalize(v):
    """Modified Gram-Schmidt on the columns of each ``v[e]`` (shape ``(E, N, k)``): ``(Q, log|diag R|)``.

    Plain numpy loops rather than LAPACK: a batched QR of many small matrices is no faster through
    LAPACK, and a multi-threaded BLAS on a busy 2-core machine can be slower by orders of magnitude.
    """
    q = v.copy()
    logr = np.empty((q.shape[0], q.shape[2]))
    with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="ignore"):
        for j in range(q.shape[2]):
            col = q[:, :, j]
            nrm = np.sqrt(np.einsum("en,en->e", col, col))
            logr[:, j] = np.log(nrm)
            col /= np.where(nrm > 0, nrm, 1.0)[:, None]
            off = ~(nrm >= 2.0**-510) | (nrm == np.inf)
            if off.any():  # squares that over- or underflow: the column again, rescaled by a power of two
                sub = v[:, :, j][off] if j == 0 else raw[off]
                big = np.max(np.abs(sub), axis=1)
                e = np.frexp(np.where(big > 0, big, 1.0))[1]
                w = np.ldexp(sub, -e[:, None])
                rn = np.sqrt(np.einsum("en,en->e", w, w))
                logr[off, j] = np.log(rn) + e * math.log(2.0)
                col[off] = w / np.where(rn > 0, rn, 1.0)[:, None]
            if j + 1 < q.shape[2]:
                rest = q[:, :, j + 1:]
                rest -= col[:, :, None] * np.einsum("en,enk->ek", col, rest)[:, None, :]
                raw = q[:, :, j + 1].copy()  # the next column before its normalisation
    return q, logr


def rnn_lyapunov(W, b, *, activation, n_steps: int = 500, n_discard: int = 200, n_exponents: int = 1,
                 h0=None, rng=None) -> np.ndarray:
    r"""Lyapunov spectrum of :math:`h_{t+1} = \phi(W h_t + b)` by the QR (Benettin) method, batched.

    ``W`` has shape ``(E, N, N)``, ``b`` ``(E, N)``.  The tangent frame :math:`Q_t` (``N x k``) is pushed
    by the Jacobian :math:`J_t = \mathrm{diag}\,\phi'(W h_t + b)\,W` and re-orthonormalized,
    :math:`J_t Q_t = Q_{t+1} R_t`; :math:`\lambda_i = \frac1T \sum_t \log|(R_t)_{ii}|`.  Returns the
    ``k = n_exponents`` largest exponents, shape ``(E, k)``, sorted descending (natural log per step,
    norm convention).  For a homogeneous activation (ReLU, linear) with ``b = 0`` the state is
    renormalized each step, which leaves the Jacobians unchanged and avoids overflow; such a recurrence
    scales exactly, so weights whose products could over- or underflow are rescaled by a power of two
    and the exponents shifted back.  ``-inf`` is returned for an exponent whose tangent vector is mapped
    exactly to zero in floating point (e.g. every unit saturated, :math:`\phi'(u) = 0`, or dead ReLUs).

    ``n_steps`` (>= 1) and ``n_discard`` are at most 10**7 each, and ``2 (n_steps + n_discard) E N^2 (k + 1)``
    at most 1e11 operations.  ``h0`` (default: Gaussian) broadcasts to ``(E, N)``.
    """
    W = check_finite_array(W, "W", ndim=3)
    b = check_finite_array(b, "b", ndim=2)
    E, N = W.shape[0], W.shape[1]
    if W.shape[2] != N or b.shape != (E, N):
        raise ValueError(f"W, b: expected shapes (E, N, N) and (E, N), got {W.shape} and {b.shape}")
    if E == 0 or N == 0:
        raise ValueError(f"W: expected at least one network of at least one unit, got shape {W.shape}")
    act = get_activation(activation)
    n_steps = check_count(n_steps, "n_steps", minimum=1)
    n_discard = check_count(n_discard, "n_discard", minimum=0)
    k = check_int(n_exponents, "n_exponents", minimum=1)
    if k > N:
        raise ValueError(f"n_exponents: expected at most N = {N}, got {k}")
    check_nbytes(8 * 8 * E * N * k, "n_exponents", k, what=f"the tangent frames of {E} networks", reduce="n_exponents")
    check_work(2 * (n_steps + n_discard) * E * N * N * (k + 1), "n_steps" if n_steps >= n_discard else "n_discard",
               n_steps if n_steps >= n_discard else n_discard, what=f"{n_steps + n_discard} steps of {E} networks "
               f"of width {N} with {k} exponents", reduce="n_steps, n_discard or n_exponents")
    gen = as_rng(rng)
    if h0 is None:
        h = gen.standard_normal((E, N))
    else:
        h0 = check_finite_array(h0, "h0")
        try:
            h = np.broadcast_to(h0, (E, N)).copy()
        except ValueError:
            raise ValueError(f"h0: expected an initial state broadcastable to (E, N) = {(E, N)}, got shape {h0.shape}") from None
    renorm = act.homogeneous and not np.any(b)
    shift = 0.0
    if renorm:
        # power-of-two rescalings are exact: they leave the normalized states, and the Jacobians up to the
        # factor 2^e per step, unchanged (bit for bit where nothing over- or underflows)
        big_h = np.max(np.abs(h))
        if big_h > 2.0**400 or 0 < big_h < 2.0**-400:
            h = np.ldexp(h, -np.frexp(big_h)[1])
        # only where |W q| entries (<= N max|W|) could over- or underflow in the norms: elsewhere bit for bit
        big_w = np.max(np.abs(W))
        if N * big_w >= 2.0**511 or 0 < N * big_w < 2.0**-511:
            e_w = int(np.frexp(big_w)[1])
            W = np.ldexp(W, -e_w)
            shift = e_w * math.log(2.0)
    q = _orthonormalize(gen.standard_normal((E, N, k)))[0]
    acc = np.zeros((E, k))
    for t in range(n_discard + n_steps):
        with np.errstate(over="ignore", invalid="ignore"):
            u = np.einsum("eij,ej->ei", W, h) + b  # einsum: no BLAS threads (see _orthonormalize)
            dphi = act.dphi(u)
            h = act.phi(u)
        if renorm:
            nrm = np.linalg.norm(h, axis=1, keepdims=True)
            h = h / np.where(nrm > 0, nrm, 1.0)
        elif not np.all(np.isfinite(h)):
            raise ValueError("W: the state overflowed; the dynamics is unbounded for these weights")
        q, logr = _orthonormalize(dphi[:, :, None] * np.einsum("eij,ejk->eik", W, q))
        if t >= n_discard:
            acc += logr
    out = -np.sort(-acc / n_steps, axis=1)
    return out + shift if shift else out
