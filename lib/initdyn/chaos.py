r"""Li-Yorke chaos in random recurrent maps: period three, scrambled pairs, Lyapunov exponents.

A one-dimensional recurrent network with one hidden layer of ``width`` units iterates the map

.. math:: f(x) = \sum_{i=1}^{n} a_i\,\mathrm{relu}(w_i x + b_i) + c ,

a width-:math:`n` network :math:`\mathbb R \to \mathbb R^n \to \mathbb R` whose output is fed back
as its input (Chatziafratis, Panageas, Sanford & Stavroulakis 2022, "On Scrambling Phenomena for
Randomly Initialized Recurrent Networks"; equation ``eq-ch5-relu-map`` of chapter 5,
:doc:`/notebooks/05-li-yorke-chaos`).  The exact piecewise-linear machinery (pieces of
:math:`f^p`, periodic points, laps) is :mod:`initdyn.piecewise`; this module is what it means for
random networks:

* random ReLU and tanh maps drawn with a standard initializer (:func:`random_relu_map`,
  :func:`random_tanh_map`), whose period-3 probability estimates the probability of chaos;
* Sharkovsky's order (Sharkovsky 1964): a point of period 3 implies points of every period and, by
  Li & Yorke (1975, "Period three implies chaos"), an uncountable scrambled set; the laps of
  :math:`f^t` then grow at least like the golden ratio :math:`\varphi^t` (Chatziafratis, Nagarajan,
  Panageas & Wang, ICLR 2020);
* periodic points and the period-3 criterion of smooth maps on a grid (:func:`grid_periodic_points`,
  :func:`grid_criterion`), and the distance of a pair of orbits (:func:`pair_distances`);
* Lyapunov exponents: :func:`lyapunov_1d` for any scalar map with a derivative, and
  :func:`rnn_lyapunov` for the spectrum of :math:`h_{t+1} = \phi(W h_t + b)` by the QR method, batched
  over an ensemble.  Exponents are growth rates of *norms*, :math:`\lambda = \lim_t t^{-1}\log\|v_t\|`;
  the mean-field :math:`\chi_1` of chapter 1 is the growth factor of *squared* norms per step, so the
  mean-field prediction of the largest exponent is :math:`\tfrac12\log\chi_1`.

Argument checks: every argument is checked where it enters (``ValueError``/``TypeError`` naming it).
Periods are at most :data:`initdyn.piecewise.MAX_PERIOD`, other loop counts (``n_steps``,
``n_discard``) at most 10**7; grids, orbits and ensembles beyond 4 GiB are refused with the estimate.
Orbits that leave the float range raise ``ValueError`` naming the starting points.

Defined in chapter 5.
"""

from __future__ import annotations

import math
import numbers
from typing import Callable, NamedTuple

import numpy as np

from . import init as _init
from ._validate import (as_rng, check_choice, check_count, check_finite_array, check_int, check_nbytes, check_real,
                        check_variance, check_work)
from .activations import get_activation
from .network import random_network
from .piecewise import (MAX_PERIOD, OUTPUTS, ReluMap, ReluMapEnsemble, _check_interval, _check_period, _dedupe,
                        _points)

__all__ = [
    "TanhMap",
    "random_relu_map",
    "random_tanh_map",
    "perturb",
    "sharkovsky_key",
    "grid_periodic_points",
    "grid_criterion",
    "LyapunovEstimate",
    "lyapunov_1d",
    "pair_distances",
    "random_rnn",
    "rnn_lyapunov",
]


# ---------------------------------------------------------------------------
# Exact piecewise-linear maps
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# One-hidden-layer recurrent maps
# ---------------------------------------------------------------------------


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
        r"""An interval that holds every periodic point: :math:`|x| \le \sum_i |a_i| + |c|`."""
        r = float(np.sum(np.abs(self.a)) + abs(self.c))
        return (-r - 1e-12, r + 1e-12)

    def has_period(self, p, *, n_grid: int = 20001) -> bool:
        """Grid-based detection (complete up to roots in pieces narrower than the grid step)."""
        return bool(grid_periodic_points(self, p, self.bounding_interval(), n_grid=n_grid).size)


def _draw_layer(fn, shape, n_maps, gain, gen):
    """``n_maps`` independent draws of ``fn(shape, gain=gain)``, stacked: shape ``(n_maps, *shape)``.

    Initializers with an i.i.d. law (:func:`initdyn.init.iid_law`) are drawn in one call, with the
    law of calling them once per map.
    """
    law = _init.iid_law(fn)
    if law is None:
        context = f"the layer shape {shape} of a map R -> R^n -> R"
        return np.stack([_init._checked_draw(fn, shape, context=context, gain=gain, rng=gen)
                         for _ in range(n_maps)])
    fan_in, fan_out = _init.fans(shape)
    std = gain * math.sqrt(law.variance(fan_in, fan_out))
    if law.kind == "normal":
        return gen.normal(0.0, std, size=(n_maps,) + shape)
    bound = std * math.sqrt(3.0)
    return gen.uniform(-bound, bound, size=(n_maps,) + shape)


def _draw_params(width, init, gain, bias, n_samples, rng):
    width = check_int(width, "width", minimum=1)
    fn = _init.get_initializer(init)
    gain = check_real(gain, "gain", low=0.0, low_open=True)
    gen = as_rng(rng)
    if isinstance(bias, str):
        if bias not in ("init", "zero"):
            raise ValueError(f"bias: expected 'init', 'zero' or a variance, got {bias!r}")
    else:
        if isinstance(bias, (bool, np.bool_)) or not isinstance(bias, (numbers.Real, np.ndarray)) or np.ndim(bias):
            raise TypeError(f"bias: expected 'init', 'zero' or a variance (a real number >= 0), got {bias!r}")
        bias = check_variance(bias, "bias")
    n_maps = 1 if n_samples is None else check_int(n_samples, "n_samples", minimum=1)
    check_nbytes(8 * 6 * n_maps * width, "n_samples" if n_maps > width else "width", n_maps if n_maps > width else width,
                 what=f"the parameters of {n_maps} maps of width {width}", reduce="n_samples or width")
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
    return a, w, b, c, n_samples is None


def random_relu_map(*, width, init="he", gain: float = 1.0, bias="init", n_samples=None, output: str = "linear",
                    rng=None):
    r"""A random ReLU recurrent map drawn as a width-``width`` network R -> R^n -> R.

    Draws the map of equation ``eq-ch5-relu-map`` of chapter 5 (:doc:`/notebooks/05-li-yorke-chaos`).

    The first-layer weights :math:`w` (shape ``(n, 1)``) and the output weights :math:`a`
    (shape ``(1, n)``) come from the initializer ``init`` (``"he"``, ``"glorot"``, ``"lecun"`` or any
    name in :data:`initdyn.init.INITIALIZERS`, or a callable ``f(shape, gain=, rng=)``) with ``gain``.
    ``bias="init"`` draws each layer's bias with the law of that layer's weights (He: :math:`b_i \sim
    \mathcal N(0, 2)`, :math:`c \sim \mathcal N(0, 2/n)`, as in the public code of Chatziafratis et
    al. 2022), ``"zero"`` sets them to 0, a number is a variance :math:`\sigma_b^2`.

    ``output="relu"`` adds the output ReLU of that code.  Returns a :class:`~initdyn.piecewise.ReluMap`, or a
    :class:`~initdyn.piecewise.ReluMapEnsemble` of ``n_samples`` maps.
    """
    check_choice(output, "output", OUTPUTS)
    a, w, b, c, single = _draw_params(width, init, gain, bias, n_samples, rng)
    if single:
        return ReluMap(a=a[0], w=w[0], b=b[0], c=c[0], output=output)
    return ReluMapEnsemble(a=a, w=w, b=b, c=c, output=output)


def random_tanh_map(*, width, init="glorot", gain: float = 1.0, bias="init", n_samples=None, rng=None):
    """As :func:`random_relu_map` with tanh units: a :class:`TanhMap` or a list of ``n_samples`` of them."""
    a, w, b, c, single = _draw_params(width, init, gain, bias, n_samples, rng)
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
    \triangleleft 4 \triangleleft 2 \triangleleft 1`.

    Implements the order of equation ``eq-ch5-sharkovsky`` of chapter 5 (:doc:`/notebooks/05-li-yorke-chaos`).
    """
    n = check_int(n, "n", minimum=1)
    k = (n & -n).bit_length() - 1
    odd = n >> k
    return (0, k, odd) if odd > 1 else (1, -k, 1)


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

    For the tent map of slope :math:`s` it is :math:`\ln s`, the rate in equation ``eq-ch5-separation``
    of chapter 5 (:doc:`/notebooks/05-li-yorke-chaos`).

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
    Implements the distance of equation ``eq-ch5-scrambled`` of chapter 5 (:doc:`/notebooks/05-li-yorke-chaos`).
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


def random_rnn(*, width, sigma_w2, sigma_b2, n_samples: int = 1, rng=None):
    r"""``n_samples`` random RNNs :math:`h_{t+1} = \phi(W h_t + b)`: ``W`` of shape ``(n_samples, N, N)`` with
    :math:`W_{ij} \sim \mathcal N(0, \sigma_w^2/N)` and ``b`` of shape ``(n_samples, N)`` with
    :math:`b_i \sim \mathcal N(0, \sigma_b^2)` (the law of :func:`initdyn.network.random_network`).

    The networks of equation ``eq-ch5-lyapunov-chi1`` of chapter 5 (:doc:`/notebooks/05-li-yorke-chaos`).
    """
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    width = check_int(width, "width", minimum=1)
    check_nbytes(8 * n_samples * width * (width + 1), "n_samples" if n_samples > width else "width", n_samples if n_samples > width else width,
                 what=f"{n_samples} recurrent weight matrices of width {width}", reduce="n_samples or width")
    net = random_network(width=width, depth=n_samples, sigma_w2=sigma_w2, sigma_b2=sigma_b2, rng=rng)
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

    Implements :math:`\lambda_{\max}` of equation ``eq-ch5-lyapunov-chi1`` of chapter 5
    (:doc:`/notebooks/05-li-yorke-chaos`), whose mean-field value is :math:`\tfrac12\log\chi_1`.

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
