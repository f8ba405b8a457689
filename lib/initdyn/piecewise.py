r"""Exact piecewise-linear maps of the real line: breakpoints, iterates, periodic points, laps.

A one-dimensional recurrent network with one hidden layer of ``width`` ReLU units iterates

.. math:: f(x) = \sum_{i=1}^{n} a_i\,\mathrm{relu}(w_i x + b_i) + c ,

(equation ``eq-ch5-relu-map`` of chapter 5, :doc:`/notebooks/05-li-yorke-chaos`), a continuous
piecewise-linear map, and so is every iterate
:math:`f^p`.  This module represents such maps exactly (:class:`PiecewiseLinear`: breakpoints,
slopes and intercepts, up to floating-point rounding of the breakpoints), composes them, and from the
pieces of :math:`f^p` computes

* all solutions of :math:`f^p(x) = x` on the whole real line, classified by least period
  (:meth:`PiecewiseLinear.periodic_points`);
* the number of monotone pieces ("laps") of :math:`f^t`, whose growth rate is the topological
  entropy (Misiurewicz & Szlenk 1980);
* period-3 detection vectorized over ensembles of ReLU maps (:meth:`ReluMapEnsemble.has_period3`).

What these facts imply (Sharkovsky's order, Li-Yorke chaos, scrambled pairs, Lyapunov exponents,
random maps and the probability of chaos) is :mod:`initdyn.chaos`.
The arithmetic of the ReLU maps themselves (their linear pieces, the vectorized period-3 test of a
block of maps, the orbit check) is the private module ``initdyn._relumap``.

Argument checks: every argument is checked where it enters (``ValueError``/``TypeError`` naming it).
Periods, iterates and compositions are at most :data:`MAX_PERIOD`; iterates whose pieces would exceed
4 GiB (composition by composition, or by their measured geometric growth) are refused with the
estimate.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._relumap import _check_orbits, _has_period3_block, _relu_pieces
from ._validate import (MEMORY_LIMIT, check_count, check_finite_array, check_int, check_nbytes, check_real,
                        check_real_array)

__all__ = [
    "PiecewiseLinear",
    "ReluMap",
    "ReluMapEnsemble",
    "tent_map",
    "compose_maps",
    "stack_lap_counts",
    "POINT_TOL",
    "MAX_PERIOD",
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


OUTPUTS = ("linear", "relu")


class ReluMap:
    r"""The recurrent map :math:`f(x) = \sum_i a_i\,\mathrm{relu}(w_i x + b_i) + c` (``output="linear"``).

    ``output="relu"`` applies a ReLU to the output as well, :math:`\mathrm{relu}(f(x))`, as in the public
    code of Chatziafratis et al. 2022 (steliostavroulakis/Chaos_RNNs).  Exact periodic points and laps
    come from :meth:`to_piecewise` (see :class:`PiecewiseLinear`).

    Implements equation ``eq-ch5-relu-map`` of chapter 5 (:doc:`/notebooks/05-li-yorke-chaos`).
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
        """Exact points of least period ``p`` on the real line (or ``interval``), sorted.

        For the 3-cycle map of equation ``eq-ch5-three-cycle-map`` of chapter 5
        (:doc:`/notebooks/05-li-yorke-chaos`) the counts of solutions of :math:`f^p(x) = x` are those of equation
        ``eq-ch5-markov``.
        """
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
    """``size`` maps of one width, parameters stacked: ``a, w, b`` of shape ``(size, width)``, ``c`` of ``(size,)``.

    Each is the map of equation ``eq-ch5-relu-map`` of chapter 5 (:doc:`/notebooks/05-li-yorke-chaos`).
    """

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
            out[sl] = _has_period3_block(self.a[sl], self.w[sl], self.b[sl], self.c[sl], POINT_TOL)
        return out

    def has_period(self, p) -> np.ndarray:
        """Exact least-period-``p`` detection for every map (vectorized for ``p = 3`` and width <= 24,
        where it is faster than the per-map composition of :class:`PiecewiseLinear`)."""
        p = _check_period(p)
        if p == 3 and self.width <= 24:
            return self.has_period3()
        return np.array([self[i].has_period(p) for i in range(len(self))])


def tent_map(slope: float = 2.0) -> ReluMap:
    r"""The tent map :math:`T(x) = s\,\min(x, 1-x)` extended linearly to R, as a ReLU map.

    :math:`T(x) = s x - 2 s\,\mathrm{relu}(x - 1/2)` with :math:`s x = s\,\mathrm{relu}(x) - s\,\mathrm{relu}(-x)`.
    For :math:`s = 2` its 3-cycles are :math:`\{2/7, 4/7, 6/7\}` and :math:`\{2/9, 4/9, 8/9\}`; it has
    period 3 iff :math:`s \ge` the golden ratio.

    Implements equation ``eq-ch5-tent`` of chapter 5 (:doc:`/notebooks/05-li-yorke-chaos`) (``slope=2``); with
    ``slope=1.9`` it is the map of that chapter's scrambling section, whose separation time is
    equation ``eq-ch5-separation``.
    """
    s = check_real(slope, "slope", low=0.0, low_open=True, high=1e307)
    return ReluMap(a=[s, -s, -2 * s], w=[1.0, -1.0, 1.0], b=[0.0, 0.0, -0.5], c=0.0)
