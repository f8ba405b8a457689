"""Property-based fuzzing of the public API of the simulation modules (the MODULES table below).

Two families of properties, both drawn by hypothesis:

* bad input: every public argument of every public function (enumerated from each module's
  ``__all__``; :func:`test_every_public_callable_is_fuzzed` keeps the table complete) receives values
  of the wrong kind for it (negative / NaN / infinite / huge numbers; zero, negative, huge and
  non-integer sizes; str, None, complex and bool where they do not belong; wrong shapes; unknown
  names) while the other arguments stay legal.  The call must raise ``ValueError`` or ``TypeError``
  whose message names that argument, and quickly: sizes too large for memory or iteration counts
  too large for a bounded run are refused up front;
* extreme but legal input: matrices, states, gains, scales, probabilities and counts at the edges of
  the float range give a finite, in-range answer (or the documented ``inf``/``-inf``), and the
  scale-free laws hold (``log||(cA)^t h||`` shifts by ``t log c``, radii scale with ``c``, ...).

pyproject turns RuntimeWarnings raised inside initdyn into errors, so no extreme input may produce
one.  Each property runs a few dozen examples (``deadline=None``: the time bound is asserted where it
is the point); the whole file takes well under 90 s on 2 cores, the larger sweeps are ``slow``.
"""

from __future__ import annotations

import inspect
import tempfile
import math
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from initdyn import (atlas, chaos, chaoslimit, comparison, datasets, driven, ginibre, init, piecewise, precomputed,
                     recurrence, rnntrain, stats, train, trainability)

# Derandomized (the same examples on every run, as CI needs) and without an example database.
COMMON = dict(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
FAST = settings(max_examples=30, **COMMON)
MEDIUM = settings(max_examples=80, **COMMON)

#: A refusal (bad argument, oversized request) must come at once, not after the work.
REFUSAL_SECONDS = 3.0

# ---------------------------------------------------------------------------
# Bad values by argument kind
# ---------------------------------------------------------------------------

NAN, INF = float("nan"), float("inf")
WRONG_TYPES = st.sampled_from(["3", "", None, True, False, 2 + 1j, b"3", object()])
HUGE_INTS = st.one_of(st.integers(min_value=10**12, max_value=10**15), st.sampled_from([2**62, 2**70, 10**30, 10**400]))
ANY_FLOAT = st.floats(allow_nan=True, allow_infinity=True)


def bad_count(minimum=1, huge=True):
    """Bad values for an integer count >= ``minimum`` (``huge``: sizes beyond memory or time are bad too)."""
    parts = [st.integers(max_value=minimum - 1), ANY_FLOAT, WRONG_TYPES, st.just([3]), st.just(np.array([3]))]
    if huge:
        parts.append(HUGE_INTS)
    return st.one_of(*parts)


def bad_real(low=None, high=None, *, low_open=False, high_open=False, arrays_ok=False, inf_ok=False):
    """Bad values for a real scalar in [low, high] (open ends with ``low_open``, ``high_open``).

    Integers beyond the float range (10**400, -10**400) are bad for every real argument.
    """
    parts = [st.just(NAN), WRONG_TYPES, st.sampled_from([10**400, -(10**400)])]
    if not inf_ok:
        parts.append(st.sampled_from([INF, -INF]))
    if low is not None:
        top = low if low_open else math.nextafter(low, -INF)
        parts.append(st.floats(max_value=top, allow_nan=False, allow_infinity=not inf_ok))
    if high is not None:
        bottom = high if high_open else math.nextafter(high, INF)
        parts.append(st.floats(min_value=bottom, allow_nan=False, allow_infinity=not inf_ok))
    if not arrays_ok:
        parts.append(st.just([1.0, 2.0]))
    return st.one_of(*parts)


def bad_choice(choices, none_ok=False):
    others = [3, 1.5, [choices[0]]] + ([] if none_ok else [None])
    return st.one_of(st.text(max_size=8).filter(lambda s: s not in choices), st.sampled_from(others))


KNOWN_ACTIVATIONS = {"linear", "relu", "tanh", "hard_tanh", "erf", "hardtanh", "identity"}


def bad_activation(none_ok=False):
    """Unknown activation names (matching is case-insensitive, '-' is '_'), and non-names."""
    others = [3, 1.5, ["tanh"]] + ([] if none_ok else [None])
    return st.one_of(st.text(max_size=8).filter(lambda s: s.lower().replace("-", "_") not in KNOWN_ACTIVATIONS),
                     st.sampled_from(others))


BAD_RNG = st.sampled_from(["x", -1, 1.5, True, [1], 2 + 1j])
BAD_CALLABLE = st.sampled_from([None, 3, 1.5, [1], b"f"])
BAD_FLAG = st.sampled_from([1, 0, None, "yes", 1.0, [True]])
BAD_INTERVAL = st.sampled_from([(1.0, 0.0), (0.0, 0.0), (NAN, 1.0), ("a", "b"), 3, (0, 1, 2), (None, 1.0), (1j, 2.0),
                                "ab", (INF, INF), (0.0, NAN), [True, 2.0]])


def bad_array(shape, *, ndim_strict=True, finite=True, min_size=1):
    """Bad values for a real array of ``shape`` (ndim fixed when ``ndim_strict``; finite when ``finite``)."""
    ones = np.ones(shape)
    parts = [None, "abc", ones * 1j, ones.astype(bool), np.array([[1.0, 2.0], [3.0]], dtype=object)]
    if ndim_strict:
        parts += [ones[..., None], np.float64(1.0) if len(shape) > 0 else np.ones(2)]
    if finite:
        parts += [np.where(ones > 0, NAN, 0.0), np.full(shape, INF), np.full(shape, -INF)]
    if min_size and ndim_strict:
        parts.append(np.ones((0,) * len(shape)))
    return st.sampled_from(parts)


# ---------------------------------------------------------------------------
# The table: every public callable, legal base arguments, and a strategy of bad values per argument
# ---------------------------------------------------------------------------

RNG = np.random.default_rng(0)
G5 = RNG.standard_normal((5, 5)) / 3
TENT = piecewise.tent_map(2.0)
PL = TENT.to_piecewise()
ENS = chaos.random_relu_map(width=4, n_samples=3, rng=0)
TANH = chaos.random_tanh_map(width=3, rng=0)
MLP = train.init_mlp(dim=3, width=4, depth=2, n_classes=3, sigma_w2=1.0, sigma_b2=0.0, rng=0)
TASK = train.teacher_task(n_train=10, n_test=5, dim=3, n_classes=3, rng=0)
W_RNN, B_RNN = chaos.random_rnn(width=3, sigma_w2=1.0, sigma_b2=0.1, n_samples=2, rng=0)
HIST = train.TrainHistory(np.array([0, 1]), np.array([2.0, 1.0]), np.array([0.1, 0.2]))
SMALL_ATLAS = dict(initializers={"he": init.he_normal}, width=4, depth=2, map_width=3,
                   n_samples=dict(spread=1, survival=2, recurrence=2, period3=5))

SPECS = {}  # label -> (callable, base kwargs, {argument: strategy of bad values})


def spec(label, fn, base, /, **bad):
    SPECS[label] = (fn, base, bad)


# recurrence
spec("recurrence.log_norm_trajectory", recurrence.log_norm_trajectory, dict(A=G5, h0=np.ones(5), steps=5),
     A=bad_array((5, 5)), h0=bad_array((5,)), steps=bad_count(0), activation=bad_activation(none_ok=True),
     method=bad_choice(["power", "eig", "auto"]))
spec("ginibre.ginibre_gamma", ginibre.ginibre_gamma, dict(n=200),
     n=st.one_of(st.integers(max_value=1), ANY_FLOAT, WRONG_TYPES))
spec("ginibre.gumbel_edge", ginibre.gumbel_edge, dict(n=200),
     n=st.one_of(st.integers(max_value=163), ANY_FLOAT, WRONG_TYPES), ensemble=bad_choice(["complex", "real"]))
spec("ginibre.complex_ginibre_radius_cdf", ginibre.complex_ginibre_radius_cdf, dict(r=1.0, n=10),
     r=st.one_of(bad_real(low=0.0, arrays_ok=True), st.just(np.array([1.0, -1.0]))), n=bad_count(1, huge=False))
spec("ginibre.complex_ginibre_radii", ginibre.complex_ginibre_radii, dict(n=10, n_samples=5),
     n=bad_count(1, huge=False), n_samples=bad_count(1), rng=BAD_RNG)
spec("ginibre.rescaling_radius", ginibre.rescaling_radius, dict(n=10),
     n=bad_count(2, huge=False), quantile=bad_real(-6.0, 30.0), method=bad_choice(["auto", "paper", "exact"]))
spec("ginibre.spectral_radius", ginibre.spectral_radius, dict(A=G5),
     A=bad_array((5, 5)), method=bad_choice(["auto", "dense", "arnoldi"]))
spec("ginibre.glorot_radii", ginibre.glorot_radii, dict(n=5, n_samples=3),
     n=bad_count(1), n_samples=bad_count(1), rng=BAD_RNG, method=bad_choice(["auto", "dense", "arnoldi"]))
spec("recurrence.glorot_log_norms", recurrence.glorot_log_norms, dict(n=5, n_samples=3, steps=4),
     n=bad_count(1), n_samples=bad_count(1), steps=bad_count(0), scale=bad_real(0.0, low_open=True),
     activation=bad_activation(none_ok=True), h0_norm=bad_real(0.0, low_open=True), rng=BAD_RNG)
spec("recurrence.glorot_norm_moment", recurrence.glorot_norm_moment, dict(t=2, n=10),
     t=st.one_of(st.integers(max_value=-1), st.integers(min_value=7, max_value=10**6), ANY_FLOAT, WRONG_TYPES),
     n=bad_real(1.0, arrays_ok=True))
spec("ginibre.gumbel_cdf", ginibre.gumbel_cdf, dict(r=1.0, n=200),
     r=st.one_of(st.sampled_from([NAN, INF, -INF, "1", None, 1j]), st.just(np.array([1.0, NAN]))),
     n=st.one_of(st.integers(max_value=163), ANY_FLOAT, WRONG_TYPES), ensemble=bad_choice(["complex", "real"]))
spec("stats.ks_distance", stats.ks_distance, dict(samples=np.linspace(0, 1, 5), cdf=lambda x: x),
     samples=bad_array((5,)), cdf=st.one_of(BAD_CALLABLE, st.sampled_from(
         [lambda x: x * np.nan, lambda x: 2 * x + 1, lambda x: x[:2], lambda x: "a", lambda x: None])),
     cdf_left=st.one_of(BAD_CALLABLE.filter(lambda v: v is not None), st.sampled_from(
         [lambda x: x * np.nan, lambda x: 2 * x + 1, lambda x: x[:2]])),
     lower=st.sampled_from([NAN, INF, -INF, "1", 1j, np.array([0.5, 0.6])]))
spec("stats.dkw_bound", stats.dkw_bound, dict(n_samples=10),
     n_samples=bad_count(1, huge=False), alpha=bad_real(0.0, 1.0, low_open=True, high_open=True))
spec("recurrence.memory_horizon", recurrence.memory_horizon, dict(rho=0.5),
     rho=st.one_of(bad_real(0.0, low_open=True, arrays_ok=True), st.just(np.array([0.5, -1.0]))))
spec("recurrence.tanh_saturation", recurrence.tanh_saturation, dict(rho=0.5),
     rho=st.one_of(bad_real(0.0, low_open=True, arrays_ok=True), st.just(np.array([0.5, 0.0]))))
spec("ginibre.glorot_eigenvalues", ginibre.glorot_eigenvalues, dict(n=5, n_samples=3),
     n=bad_count(1), n_samples=bad_count(1), scale=bad_real(0.0, low_open=True), rng=BAD_RNG)
spec("recurrence.diagonal_log_norm_trajectory", recurrence.diagonal_log_norm_trajectory,
     dict(lam=np.full(3, 0.5), c0=np.ones(3), steps=5),
     lam=st.sampled_from([None, "abc", np.ones(3).astype(bool), np.full(3, NAN), np.full(3, INF), np.ones((3, 2)),
                          np.ones(0), np.float64(2.0)]),
     c0=st.sampled_from([None, "abc", np.ones(3).astype(bool), np.full(3, NAN), np.zeros(3), np.ones(4)]),
     steps=bad_count(0))

spec("ginibre.explosion_time", ginibre.explosion_time, dict(rho=1.05, threshold=10.0),
     rho=st.one_of(bad_real(0.0, low_open=True, arrays_ok=True), st.just(np.array([1.05, -1.0]))),
     threshold=bad_real(1.0, low_open=True))
spec("ginibre.explosion_probability", ginibre.explosion_probability, dict(t=10.0, n=200, threshold=10.0),
     t=st.one_of(bad_real(0.0, arrays_ok=True), st.just(np.array([1.0, -1.0]))),
     n=st.one_of(bad_count(1, huge=False), st.integers(min_value=10**7 + 1, max_value=10**12)),
     threshold=bad_real(1.0, low_open=True), law=bad_choice(["exact", "gumbel", "gumbel-real"]))
# driven
spec("driven.driven_log_norm_trajectory", driven.driven_log_norm_trajectory,
     dict(W=G5, U=np.ones((5, 2)), steps=4, n_samples=3),
     W=bad_array((5, 5)), U=st.one_of(bad_array((5, 2)), st.just(np.ones((4, 2)))), steps=bad_count(0),
     n_samples=bad_count(1), rng=BAD_RNG)
spec("driven.driven_log_variance", driven.driven_log_variance, dict(W=G5, U=np.ones((5, 2)), steps=4),
     W=bad_array((5, 5)), U=st.one_of(bad_array((5, 2)), st.just(np.ones((4, 2)))), steps=bad_count(0))
spec("driven.stationary_variance", driven.stationary_variance, dict(W=G5, U=np.ones((5, 2))),
     W=st.one_of(bad_array((5, 5)), st.just(np.ones((10**5, 2)))), U=st.one_of(bad_array((5, 2)), st.just(np.ones((4, 2)))))
# rnntrain
spec("rnntrain.recall_loss_and_grads", rnntrain.recall_loss_and_grads,
     dict(W=G5 / 3, u=np.ones(5), c=np.ones(5), x=np.ones((3, 6)), delay=2),
     W=bad_array((5, 5)), u=st.one_of(bad_array((5,)), st.just(np.ones(4)), st.just(np.ones((2, 5)))),
     c=st.one_of(bad_array((5,)), st.just(np.ones(4))), x=st.one_of(bad_array((3, 6)), st.just(np.ones((2, 3, 6)))),
     delay=st.one_of(bad_count(0), st.just(6)))
spec("rnntrain.train_recall", rnntrain.train_recall,
     dict(n=4, delay=1, length=3, n_samples=2, steps=2, n_train=2, n_test=2, rng=0),
     n=bad_count(2), delay=st.one_of(bad_count(0), st.just(3)), length=st.one_of(bad_count(1), st.just(1)),
     init=bad_choice(["glorot", "rescaled"]), n_samples=bad_count(1), steps=bad_count(0),
     lr=bad_real(0.0, 1e6, low_open=True),
     clip=bad_real(0.0, 1e6, low_open=True), n_train=bad_count(1), n_test=bad_count(1), rng=BAD_RNG)

# chaos: classes and their methods
spec("piecewise.PiecewiseLinear", piecewise.PiecewiseLinear, dict(breakpoints=[0.0], slopes=[1.0, 2.0], intercepts=[0.0, 0.0]),
     breakpoints=st.sampled_from([None, "ab", [NAN], [INF], [1j], [[0.0]], [1.0, 0.0], [0.0, 0.0]]),
     slopes=st.sampled_from([None, "ab", [NAN, 1.0], [1.0], [1.0, 2.0, 3.0], [1j, 1.0], [True, False]]),
     intercepts=st.sampled_from([None, "ab", [INF, 1.0], [1.0], [[1.0, 2.0]], [1j, 0.0]]))
POINTS = st.sampled_from([None, "abc", np.ones(3) * 1j, np.ones(3).astype(bool),
                          np.array([[1.0, 2.0], [3.0]], dtype=object), b"x"])
spec("piecewise.PiecewiseLinear.__call__", lambda x: PL(x), dict(x=0.5), x=POINTS)
spec("piecewise.PiecewiseLinear.derivative", lambda x: PL.derivative(x), dict(x=0.5), x=POINTS)
spec("piecewise.PiecewiseLinear.preimages", lambda values: PL.preimages(values), dict(values=0.5),
     values=st.one_of(POINTS, st.just(np.array([0.5, NAN]))))
spec("piecewise.PiecewiseLinear.compose", lambda inner: PL.compose(inner), dict(inner=PL),
     inner=st.sampled_from([None, 3, TENT, "f", np.ones(3)]))
spec("piecewise.PiecewiseLinear.power", lambda p: PL.power(p), dict(p=2), p=bad_count(1))
spec("piecewise.PiecewiseLinear.fixed_points", lambda interval: PL.fixed_points(interval), dict(interval=None),
     interval=BAD_INTERVAL)
spec("piecewise.PiecewiseLinear.periodic_points", lambda p, interval=None: PL.periodic_points(p, interval), dict(p=2),
     p=bad_count(1), interval=BAD_INTERVAL)
spec("piecewise.PiecewiseLinear.has_period", lambda p: PL.has_period(p), dict(p=2), p=bad_count(1))
spec("piecewise.PiecewiseLinear.monotone_pieces", lambda interval: PL.monotone_pieces(interval), dict(interval=None),
     interval=BAD_INTERVAL)
spec("piecewise.PiecewiseLinear.lap_counts", lambda t_max, interval=None: PL.lap_counts(t_max, interval), dict(t_max=2),
     t_max=bad_count(1), interval=BAD_INTERVAL)
spec("piecewise.PiecewiseLinear.relu", lambda: piecewise.PiecewiseLinear.relu(), dict())
spec("piecewise.ReluMap", lambda **kw: piecewise.ReluMap(**kw), dict(a=[1.0], w=[1.0], b=[0.0]),
     a=bad_array((1,)), w=bad_array((1,)), b=bad_array((1,)), c=bad_real(), output=bad_choice(["linear", "relu"]))
spec("piecewise.ReluMap.__call__", lambda x: TENT(x), dict(x=0.5), x=POINTS)
spec("piecewise.ReluMap.derivative", lambda x: TENT.derivative(x), dict(x=0.5), x=POINTS)
spec("piecewise.ReluMap.to_piecewise", lambda: TENT.to_piecewise(), dict())
spec("piecewise.ReluMap.power", lambda p: TENT.power(p), dict(p=2), p=bad_count(1))
spec("piecewise.ReluMap.iterate", lambda x0, n_steps: TENT.iterate(x0, n_steps), dict(x0=0.1, n_steps=3),
     x0=bad_array((2,), ndim_strict=False), n_steps=bad_count(0))
spec("piecewise.ReluMap.fixed_points", lambda interval: TENT.fixed_points(interval), dict(interval=None),
     interval=BAD_INTERVAL)
spec("piecewise.ReluMap.periodic_points", lambda p, interval=None: TENT.periodic_points(p, interval), dict(p=2),
     p=bad_count(1), interval=BAD_INTERVAL)
spec("piecewise.ReluMap.has_period", lambda p: TENT.has_period(p), dict(p=2), p=bad_count(1))
spec("piecewise.ReluMap.monotone_pieces", lambda t=1, interval=None: TENT.monotone_pieces(t, interval), dict(t=1),
     t=bad_count(1), interval=BAD_INTERVAL)
spec("piecewise.ReluMap.lap_counts", lambda t_max, interval=None: TENT.lap_counts(t_max, interval), dict(t_max=2),
     t_max=bad_count(1), interval=BAD_INTERVAL)
spec("piecewise.ReluMapEnsemble", lambda **kw: piecewise.ReluMapEnsemble(**kw),
     dict(a=np.ones((2, 3)), w=np.ones((2, 3)), b=np.ones((2, 3)), c=np.ones(2)),
     a=bad_array((2, 3)), w=bad_array((2, 3)), b=bad_array((2, 3)), c=bad_array((2,)),
     output=bad_choice(["linear", "relu"]))
spec("piecewise.ReluMapEnsemble.__getitem__", lambda i: ENS[i], dict(i=0),
     i=st.sampled_from([1.0, "a", None, True, [0], 1j]))
spec("piecewise.ReluMapEnsemble.__call__", lambda x: ENS(x), dict(x=np.zeros(3)),
     x=st.one_of(POINTS, st.sampled_from([np.zeros(4), np.float64(0.0), np.zeros((2, 3))])))
spec("piecewise.ReluMapEnsemble.has_period3", lambda chunk=2000: ENS.has_period3(chunk=chunk), dict(),
     chunk=bad_count(1, huge=False))
spec("piecewise.ReluMapEnsemble.has_period", lambda p: ENS.has_period(p), dict(p=3), p=bad_count(1))
spec("chaos.TanhMap", lambda **kw: chaos.TanhMap(**kw), dict(a=[1.0], w=[1.0], b=[0.0]),
     a=bad_array((1,)), w=bad_array((1,)), b=bad_array((1,)), c=bad_real())
spec("chaos.TanhMap.__call__", lambda x: TANH(x), dict(x=0.5), x=POINTS)
spec("chaos.TanhMap.derivative", lambda x: TANH.derivative(x), dict(x=0.5), x=POINTS)
spec("chaos.TanhMap.bounding_interval", lambda: TANH.bounding_interval(), dict())
spec("chaos.TanhMap.has_period", lambda p, n_grid=501: TANH.has_period(p, n_grid=n_grid), dict(p=2),
     p=bad_count(1), n_grid=bad_count(3))
# chaos: functions
INIT_NAMES = ["he", "glorot", "lecun"] + sorted(init.INITIALIZERS)
spec("chaos.random_relu_map", lambda **kw: chaos.random_relu_map(**kw), dict(width=3),
     width=bad_count(1), init=st.one_of(bad_choice(INIT_NAMES).filter(lambda v: not callable(v)),
                                        st.sampled_from([init.delta_orthogonal, lambda s, **k: np.ones(3),
                                                         lambda s, **k: np.full(s, np.nan), lambda s, **k: "w"])),
     gain=bad_real(0.0, low_open=True), bias=st.one_of(st.sampled_from(["bogus", None, NAN, [1.0, 2.0], 1j, True, INF]),
                                                       st.floats(max_value=-1e-300)),
     n_samples=bad_count(1).filter(lambda v: v is not None), output=bad_choice(["linear", "relu"]), rng=BAD_RNG)
spec("chaos.random_tanh_map", lambda **kw: chaos.random_tanh_map(**kw), dict(width=3),
     width=bad_count(1), init=bad_choice(INIT_NAMES).filter(lambda v: not callable(v)), gain=bad_real(0.0, low_open=True),
     bias=st.sampled_from(["bogus", None, -1.0, NAN, [1.0]]), n_samples=bad_count(1).filter(lambda v: v is not None),
     rng=BAD_RNG)
spec("piecewise.tent_map", piecewise.tent_map, dict(), slope=bad_real(0.0, 1e307, low_open=True))
spec("chaos.perturb", chaos.perturb, dict(fmap=TENT, scale=0.1),
     fmap=st.sampled_from([None, PL, ENS, TANH, 3]), scale=bad_real(0.0), rng=BAD_RNG)
spec("piecewise.compose_maps", piecewise.compose_maps, dict(maps=[TENT]),
     maps=st.sampled_from([None, [], [None], TENT, "ab", (TENT, 3), [TANH]]))
spec("piecewise.stack_lap_counts", piecewise.stack_lap_counts, dict(maps=[TENT]),
     maps=st.sampled_from([None, [], [None], TENT, [TENT, 3]]), interval=BAD_INTERVAL)
spec("chaos.sharkovsky_key", chaos.sharkovsky_key, dict(n=3), n=bad_count(1, huge=False))
spec("chaos.grid_periodic_points", chaos.grid_periodic_points, dict(f=TENT, p=2, interval=(0, 1), n_grid=101),
     f=st.one_of(BAD_CALLABLE, st.sampled_from([lambda x: "a", lambda x: x[:3], lambda x: None])), p=bad_count(1),
     interval=st.one_of(BAD_INTERVAL, st.sampled_from([None, (0.0, INF), (-1e308, 1e308)])), n_grid=bad_count(3),
     refine=st.one_of(st.integers(max_value=-1), ANY_FLOAT, WRONG_TYPES, HUGE_INTS))
spec("chaos.grid_criterion", chaos.grid_criterion, dict(f=TENT),
     f=st.one_of(BAD_CALLABLE, st.sampled_from([lambda x: "a", lambda x: x[:3]])), n_compositions=bad_count(1),
     n_grid=bad_count(3), window=bad_real(0.0, 8e307, low_open=True))
spec("stats.wilson_interval", stats.wilson_interval, dict(k=1, n=10),
     k=st.one_of(bad_real(0.0, arrays_ok=True), st.just(11), st.just(np.array([1.0, 12.0]))),
     n=st.one_of(bad_real(0.0, low_open=True, arrays_ok=True), st.just(0.5), st.just(np.array([0.5, 2.0]))),
     z=bad_real(0.0, 1e150, low_open=True))
spec("chaos.lyapunov_1d", chaos.lyapunov_1d, dict(f=TENT, x0=0.1, n_steps=50, n_discard=5),
     f=BAD_CALLABLE, x0=bad_array((2,), ndim_strict=False), n_steps=bad_count(20), n_discard=bad_count(0),
     df=st.sampled_from([3, "a", lambda x: "a", lambda x: np.ones(7)]), jitter=bad_real(0.0), rng=BAD_RNG)
spec("chaos.pair_distances", chaos.pair_distances, dict(f=TENT, x0=np.array([0.1, 0.4]), y0=np.array([0.2, 0.3]), n_steps=5),
     f=st.one_of(BAD_CALLABLE, st.sampled_from([lambda x: "a", lambda x: np.ones(7)])),
     x0=st.one_of(bad_array((2,), ndim_strict=False), st.just(np.ones(3))),
     y0=st.one_of(bad_array((3,), ndim_strict=False), st.just(np.ones((2, 4)))), n_steps=bad_count(1))
spec("chaos.random_rnn", chaos.random_rnn, dict(width=3, sigma_w2=1.0, sigma_b2=0.0),
     width=bad_count(1), sigma_w2=bad_real(0.0), sigma_b2=bad_real(0.0), n_samples=bad_count(1), rng=BAD_RNG)
spec("chaos.rnn_lyapunov", chaos.rnn_lyapunov, dict(W=W_RNN, b=B_RNN, activation="tanh", n_steps=5, n_discard=2),
     W=bad_array((2, 3, 3)), b=bad_array((2, 3)), activation=bad_activation(),
     n_steps=bad_count(1), n_discard=bad_count(0),
     n_exponents=st.one_of(st.integers(max_value=0), st.integers(min_value=4, max_value=10**6), ANY_FLOAT, WRONG_TYPES),
     h0=st.one_of(bad_array((3,), ndim_strict=False).filter(lambda v: v is not None),
                  st.sampled_from([np.ones(2), np.ones((3, 2)), np.ones(0)])),
     rng=BAD_RNG)

# atlas
spec("atlas.default_initializers", atlas.default_initializers, dict())
spec("atlas.random_mask", atlas.random_mask, dict(base=init.he_normal, density=0.5),
     base=BAD_CALLABLE, density=st.one_of(bad_real(0.0, 1.0, low_open=True), st.just(np.array([0.5, 0.5]))))
spec("atlas.expected_givens_density", atlas.expected_givens_density, dict(n_rotations=3, m=4),
     n_rotations=bad_count(0), m=bad_count(1))
spec("atlas.meanfield_applies", atlas.meanfield_applies, dict(fn=init.he_normal), fn=BAD_CALLABLE)
spec("atlas.idinit_residual_norms", atlas.idinit_residual_norms, dict(x=np.ones(3), epsilon=0.1, copies=2, depth=3),
     x=bad_array((3,), min_size=0), epsilon=bad_real(0.0), copies=bad_count(1, huge=False), depth=bad_count(0))
spec("atlas.effective_sigma_w2", atlas.effective_sigma_w2, dict(fn=init.he_normal, width=5, n_samples=2),
     fn=st.one_of(BAD_CALLABLE, st.sampled_from([lambda s, **k: np.full(s, np.nan), lambda s, **k: "x",
                                                 lambda s, **k: np.ones(3), lambda s, **k: np.full(s, 1e300)])),
     width=bad_count(1), n_samples=bad_count(1), rng=BAD_RNG)
spec("atlas.snap_sigma_w2", atlas.snap_sigma_w2, dict(value=1.0, width=10, n_samples=2),
     value=st.one_of(st.sampled_from([NAN, -INF, "1", None, True, 1j, [1.0]]), st.floats(max_value=-1e-300)),
     width=bad_count(1, huge=False), n_samples=bad_count(1, huge=False))
spec("atlas.meanfield_cells", atlas.meanfield_cells, dict(sigma_w2=1.0), sigma_w2=bad_real(0.0, low_open=True))
spec("atlas.jacobian_spread", atlas.jacobian_spread, dict(fn=init.he_normal, activation="tanh", width=4, depth=2, n_samples=1),
     fn=BAD_CALLABLE, activation=bad_activation(), width=bad_count(1), depth=bad_count(1),
     n_samples=bad_count(1), rng=BAD_RNG)
spec("atlas.norm_survival", atlas.norm_survival, dict(fn=init.he_normal, width=4, depth=2, n_samples=2),
     fn=BAD_CALLABLE, width=st.one_of(bad_count(1), st.sampled_from([3, 5])), depth=bad_count(1),
     n_samples=bad_count(1), rng=BAD_RNG)
spec("atlas.recurrence_growth", atlas.recurrence_growth, dict(fn=init.he_normal, n=4, n_samples=2),
     fn=st.one_of(BAD_CALLABLE, st.just(lambda s, **k: np.ones(2))), n=bad_count(2), n_samples=bad_count(1),
     steps=st.one_of(st.integers(max_value=0), ANY_FLOAT, st.sampled_from(["3", True, 2j]), HUGE_INTS), rng=BAD_RNG)
spec("atlas.period3_probability", atlas.period3_probability, dict(fn=init.he_normal, width=4, n_samples=5),
     fn=BAD_CALLABLE, width=bad_count(1), n_samples=st.one_of(bad_count(1), st.just(None)), rng=BAD_RNG)
spec("atlas.atlas_table", atlas.atlas_table, SMALL_ATLAS,
     initializers=st.sampled_from([{}, 3, {"a": 3}, [init.he_normal], {1: init.he_normal}, "he"]),
     seed=st.one_of(st.integers(max_value=-1), ANY_FLOAT, WRONG_TYPES), width=bad_count(2), depth=bad_count(1),
     map_width=bad_count(1),
     n_samples=st.one_of(st.sampled_from([3, [3], {"maps": 3}, {1: 3}]),
                         st.builds(lambda k, v: {k: v}, st.sampled_from(sorted(atlas.N_SAMPLES)), bad_count(1))))
spec("atlas.format_atlas", atlas.format_atlas, dict(table=atlas.Atlas(["a"], {k: np.ones(1) for k in atlas.COLUMNS}, {})),
     table=st.sampled_from([None, 3, atlas.Atlas(["a"], {}, {}), atlas.Atlas([1], {k: np.ones(1) for k in atlas.COLUMNS}, {}),
                            atlas.Atlas(["a"], {k: np.ones(2) for k in atlas.COLUMNS}, {}),
                            atlas.Atlas(["a"], {k: np.array(["x"]) for k in atlas.COLUMNS}, {})]))
spec("atlas.residual_stack", atlas.residual_stack,
     dict(W1=np.ones((2, 3, 4)) * 0.1, W2=np.ones((2, 4, 3)) * 0.1, x=np.ones(4), activation="relu"),
     W1=bad_array((2, 3, 4)), W2=bad_array((2, 4, 3)), x=bad_array((4,)), activation=bad_activation())

# train
spec("train.init_mlp", train.init_mlp, dict(dim=3, width=4, depth=2, n_classes=3, sigma_w2=1.0, sigma_b2=0.0),
     dim=bad_count(1), width=bad_count(1), depth=bad_count(1), n_classes=bad_count(2), sigma_w2=bad_real(0.0),
     sigma_b2=bad_real(0.0), weights=bad_choice(["gaussian", "orthogonal"]), rng=BAD_RNG)
BAD_MLP = st.sampled_from([None, 3, "mlp", train.MLP([np.ones((2, 3))], [np.ones(2)]),
                           train.MLP([np.ones((2, 3)), np.ones((3, 5))], [np.ones(2), np.ones(3)]),
                           train.MLP([np.full((4, 3), np.nan), np.ones((3, 4))], [np.ones(4), np.ones(3)]),
                           train.MLP([[1.0], [2.0]], [[1.0], [2.0]])])
spec("train.forward", train.forward, dict(mlp=MLP, x=np.ones((2, 3)), activation="tanh"),
     mlp=BAD_MLP, x=bad_array((2, 3), min_size=0), activation=bad_activation())
spec("train.loss_and_grads", train.loss_and_grads, dict(mlp=MLP, x=np.ones((2, 3)), y=np.array([0, 1]), activation="tanh"),
     mlp=BAD_MLP, x=bad_array((2, 3)), activation=bad_activation(),
     y=st.sampled_from([None, np.array([0.0, 1.0]), np.array([0, 5]), np.array([-1, 0]), np.array([0]), "ab",
                        np.array([True, False]), np.array([0, 1j]), np.array([[0, 1]])]))
spec("train.teacher_task", train.teacher_task, dict(n_train=5, n_test=5, dim=3, n_classes=3),
     n_train=bad_count(1), n_test=bad_count(1), dim=bad_count(1), n_classes=bad_count(2),
     q0=bad_real(0.0, low_open=True), rng=BAD_RNG)
BAD_TASK = st.sampled_from([None, 3, train.Task(np.ones((4, 2)), np.zeros(4, int), np.ones((2, 2)), np.zeros(2, int)),
                            train.Task(np.ones((4, 3)), np.full(4, 7), np.ones((2, 3)), np.zeros(2, int)),
                            train.Task(np.ones((4, 3)), np.zeros(4, int), np.ones((0, 3)), np.zeros(0, int)),
                            train.Task(np.full((4, 3), np.nan), np.zeros(4, int), np.ones((2, 3)), np.zeros(2, int))])
spec("train.train", train.train, dict(mlp=MLP, task=TASK, activation="tanh", steps=3, lr=0.1),
     mlp=BAD_MLP, task=BAD_TASK, activation=bad_activation(), steps=bad_count(0),
     lr=bad_real(0.0, low_open=True), batch_size=bad_count(1), momentum=bad_real(0.0, 1.0, high_open=True),
     eval_every=bad_count(1, huge=False), rng=BAD_RNG)
spec("train.best_learning_rate", train.best_learning_rate,
     dict(mlp=MLP, task=TASK, activation="tanh", lrs=[0.1], steps=5, eval_every=5),
     mlp=BAD_MLP, task=BAD_TASK, activation=bad_activation(),
     lrs=st.sampled_from([[], [0.1, "a"], [[0.1]], None, "0.1", [0.0], [-1.0], [NAN], [INF], [0.1, True]]),
     steps=st.one_of(bad_count(1), st.integers(min_value=1, max_value=4)), rng=BAD_RNG,
     eval_every=st.one_of(st.integers(min_value=6, max_value=10**6), st.integers(max_value=0), st.sampled_from([1.5, "5"])))
BAD_SETUPS = st.sampled_from([None, {}, [("tanh", "gaussian", 1.0, 0.0)], {3: ("tanh", "gaussian", 1.0, 0.0)},
                              {"a": ("tanh", "gaussian", 1.0)}, {"a": ("nope", "gaussian", 1.0, 0.0)},
                              {"a": ("tanh", "uniform", 1.0, 0.0)}, {"a": ("tanh", "gaussian", -1.0, 0.0)},
                              {"a": ("tanh", "gaussian", 1.0, NAN)}, {"a": "tanh"}])
spec("train.learning_rate_grid", train.learning_rate_grid,
     dict(task=TASK, setups={"a": ("tanh", "gaussian", 1.0, 0.0)}, lrs=[0.1], n_draws=1, width=4, depth=2, steps=5,
          seed=0, eval_every=5),
     task=st.sampled_from([None, 3, train.Task(np.ones((4, 3)), np.zeros(4, int), np.ones((2, 3)), np.zeros(2, int)),
                           train.Task(np.ones((4, 3)), np.full(4, -1), np.ones((2, 3)), np.zeros(2, int)),
                           train.Task(np.ones((4, 3)), np.zeros(4), np.ones((2, 3)), np.zeros(2, int)),
                           train.Task(np.ones((4, 3)), np.arange(4), np.ones((2, 2)), np.zeros(2, int)),
                           train.Task(np.ones((4, 3)), np.arange(4), np.ones((0, 3)), np.zeros(0, int)),
                           train.Task(np.full((4, 3), np.nan), np.arange(4), np.ones((2, 3)), np.zeros(2, int))]),
     setups=BAD_SETUPS,
     lrs=st.sampled_from([[], [0.1, "a"], [[0.1]], None, "0.1", [0.0], [-1.0], [NAN], [INF], 0.1]),
     n_draws=bad_count(1), width=bad_count(1), depth=bad_count(1),
     steps=st.one_of(bad_count(1), st.integers(min_value=1, max_value=4)), seed=bad_count(0, huge=False),
     batch_size=bad_count(1), momentum=bad_real(0.0, 1.0, high_open=True),
     eval_every=st.one_of(st.integers(min_value=6, max_value=10**6), st.integers(max_value=0), st.sampled_from([1.5, "5"])),
     points=st.sampled_from([[(0, 0)], [(1, 0, 0)], [(0, 0, 5)], [(-1, 0, 0)], [(0.0, 0, 0)], [3], "abc"]))
BAD_INIT = st.sampled_from([None, 3, "nope", b"he", 2.5, ["he"], lambda s, **k: np.ones(3), lambda s, **k: "w",
                            lambda s, **k: np.full(s, np.nan), init.delta_orthogonal])
spec("comparison.mlp_from_initializer", comparison.mlp_from_initializer,
     dict(init="he_normal", dim=3, width=4, depth=2, n_classes=3),
     init=BAD_INIT, dim=bad_count(1), width=bad_count(1), depth=bad_count(1), n_classes=bad_count(2),
     gain=bad_real(0.0, low_open=True), sigma_b2=bad_real(0.0), rng=BAD_RNG)
BAD_INIT_SETUPS = st.sampled_from([None, {}, [("tanh", "he", 1.0, 0.0)], {3: ("tanh", "he", 1.0, 0.0)},
                                   {"a": ("tanh", "he", 1.0)}, {"a": ("nope", "he", 1.0, 0.0)},
                                   {"a": ("tanh", "nope", 1.0, 0.0)}, {"a": ("tanh", 3, 1.0, 0.0)},
                                   {"a": ("tanh", "he", 0.0, 0.0)}, {"a": ("tanh", "he", NAN, 0.0)},
                                   {"a": ("tanh", "he", 1.0, -1.0)}, {"a": ("relu", "looks_linear", 1.0, 0.0)},
                                   {"a": "tanh"}])
spec("comparison.initializer_grid", comparison.initializer_grid,
     dict(task=TASK, setups={"a": ("tanh", "he", 1.0, 0.0)}, depths=[2], n_draws=1, width=4, lrs=[0.1], steps=5,
          seed=0, eval_every=5),
     task=st.sampled_from([None, 3, train.Task(np.ones((4, 3)), np.full(4, -1), np.ones((2, 3)), np.zeros(2, int)),
                           train.Task(np.ones((4, 3)), np.zeros(4), np.ones((2, 3)), np.zeros(2, int)),
                           train.Task(np.ones((4, 3)), np.arange(4), np.ones((2, 2)), np.zeros(2, int)),
                           train.Task(np.full((4, 3), np.nan), np.arange(4), np.ones((2, 3)), np.zeros(2, int))]),
     setups=BAD_INIT_SETUPS,
     depths=st.sampled_from([None, 3, [], [[2]], [0], [1.5], [2, 2], "2", [10**9]]),
     n_draws=bad_count(1), width=bad_count(1),
     lrs=st.sampled_from([[], [0.1, "a"], [[0.1]], None, "0.1", [0.0], [-1.0], [NAN], [INF], 0.1]),
     steps=st.one_of(bad_count(1), st.integers(min_value=1, max_value=4)), seed=bad_count(0, huge=False),
     batch_size=bad_count(1), momentum=bad_real(0.0, 1.0, high_open=True),
     eval_every=st.one_of(st.integers(min_value=6, max_value=10**6), st.integers(max_value=0), st.sampled_from([1.5, "5"])),
     points=st.sampled_from([[(0, 0, 0)], [(1, 0, 0, 0)], [(0, 0, 0, 5)], [(-1, 0, 0, 0)], [(0.0, 0, 0, 0)], [3],
                             "abc", 3]))
spec("comparison.point_rng", comparison.point_rng, dict(seed=0, setup=0, depth=2, draw=0),
     seed=bad_count(0, huge=False), setup=bad_count(0, huge=False), depth=bad_count(1, huge=False),
     draw=bad_count(0, huge=False))
spec("precomputed.load", precomputed.load, dict(name="ch2_training"),
     name=st.sampled_from([None, 3, "", "../x", "Ch2", "no_such_file", b"ch2_training"]))
spec("precomputed.save", precomputed.save, dict(name="fuzz", arrays={}, provenance={}, directory=tempfile.gettempdir()),
     directory=st.sampled_from([3, "/no/such/dir", b"/tmp", ["/tmp"]]),
     name=st.sampled_from([None, 3, "", "../x", "A"]),
     arrays=st.sampled_from([None, [1.0], {"provenance": np.ones(1)}, {"a": np.array(["x"])}, {"a": np.array([None])}]),
     provenance=st.sampled_from([None, [1], "p"]))
spec("precomputed.available", precomputed.available, dict())
spec("datasets.task_from_arrays", datasets.task_from_arrays, dict(x=np.ones((6, 2)), y=np.arange(6) % 2, n_test=2),
     x=bad_array((6, 2)), y=st.sampled_from([None, "ab", np.arange(6.0), np.arange(5), np.zeros(6, int),
                                           np.array([True, False] * 3), np.arange(6).reshape(2, 3)]),
     n_test=st.one_of(bad_count(1, huge=False), st.integers(min_value=6, max_value=100)),
     q0=bad_real(0.0, low_open=True), rng=BAD_RNG)
spec("datasets.digits_task", datasets.digits_task, dict(n_test=597),
     n_test=st.one_of(bad_count(1, huge=False), st.integers(min_value=1797, max_value=10**6)),
     q0=bad_real(0.0, low_open=True), rng=BAD_RNG)
spec("trainability.trainability_point", trainability.trainability_point,
     dict(rng=0, sigma_w2=1.0, depth=2, task=TASK, sigma_b2=0.0, width=4, steps=5, eval_every=5),
     rng=BAD_RNG, sigma_w2=bad_real(0.0), depth=bad_count(1), task=st.sampled_from([None, 3, "task"]),
     sigma_b2=bad_real(0.0), activation=bad_activation(), width=bad_count(1),
     steps=st.one_of(bad_count(1), st.integers(min_value=1, max_value=4)), lr=bad_real(0.0, low_open=True),
     batch_size=bad_count(1), momentum=bad_real(0.0, 1.0, high_open=True),
     eval_every=st.one_of(st.integers(min_value=6, max_value=10**6), st.integers(max_value=0), st.sampled_from([1.5, "5"])))
spec("trainability.trainability_grid", trainability.trainability_grid,
     dict(task=TASK, sigma_w2s=[1.0], depths=[2], sigma_b2=0.0, seed=0, width=4, steps=5, eval_every=5, progress=False),
     task=st.sampled_from([None, 3, "task"]), sigma_w2s=st.sampled_from([None, 3, [], [[1.0]], ["a"]]),
     depths=st.sampled_from([None, 3, [], [[2]], [0], [1.5]]), sigma_b2=bad_real(0.0), seed=bad_count(0, huge=False),
     executor=st.sampled_from([3, "pool"]), progress=st.sampled_from([3, "yes"]))
spec("trainability.point_generator", trainability.point_generator, dict(seed=0, index=0),
     seed=bad_count(0, huge=False), index=bad_count(0, huge=False))
spec("train.TrainHistory.steps_to_loss", lambda level: HIST.steps_to_loss(level), dict(level=1.0),
     level=st.sampled_from([NAN, "1", None, True, 1j, [1.0, 2.0]]))

# init
BAD_SHAPE = st.sampled_from([None, 3, (3,), (0, 3), (-1, 3), (3.0, 3), ("3", 3), (True, 3), "ab", (3, None),
                             (10**6, 10**6), (2**40, 2), (10**5, 10**5, 10**5), np.array([4.0, 4.0]), [[3, 3]]])
for _name, _fn in init.INITIALIZERS.items():
    _shape = {"delta_orthogonal": (4, 4, 3), "sparse_orthogonal": (8, 8)}.get(_name, (4, 4))
    spec(f"init.{_name}", _fn, dict(shape=_shape), shape=BAD_SHAPE, gain=bad_real(0.0, low_open=True), rng=BAD_RNG)
spec("init.get_initializer", init.get_initializer, dict(init="he"),
     init=st.sampled_from([None, 3, "nope", b"he", 2.5]), name=st.sampled_from([None, 3, b"init"]))
spec("init.iid_law", init.iid_law, dict(fn=init.he_normal), fn=st.sampled_from([None, 3, "he_normal"]))
spec("init.fans", init.fans, dict(shape=(3, 4)), shape=st.sampled_from([None, 3, (3,), (0, 3), "ab", (3.5, 3), (True, 2)]))
spec("init.idinit+options", init.idinit, dict(shape=(4, 4)),
     tau=st.sampled_from([0.0, NAN, INF, "1", None, True, 1j, [1.0]]), zero_preserving=BAD_FLAG,
     epsilon=bad_real(0.0, low_open=True), loosen=bad_real(0.0, 1.0, high_open=True),
     patch_maintain=BAD_FLAG)
spec("init.sparse_orthogonal+options", init.sparse_orthogonal, dict(shape=(8, 8)),
     density=st.one_of(bad_real(0.0, 1.0, low_open=True), st.floats(min_value=1e-9, max_value=0.12)),
     return_info=BAD_FLAG)
spec("init.rescaled_glorot+options", init.rescaled_glorot, dict(shape=(8, 8)),
     quantile=st.one_of(bad_real(-6.0, 30.0).filter(lambda v: v is not None), st.just(np.array([1.0]))),
     method=bad_choice(["auto", "paper", "exact"]))

# Arguments deliberately without a bad-value strategy: the seed of atlas_table accepts any int >= 0,
# ginibre_gamma/gumbel_edge accept arrays of widths, and these legal extremes are covered below.

# chaoslimit
LIM = chaoslimit.sample_relu_map_limit(n_samples=3, n_grid=16, n_modes=4, rng=0)
ND = chaoslimit.random_relu_map_nd(width=3, n_samples=2, rng=0)
VAR = dict(sigma_w2=bad_real(0.0, 1e150, low_open=True), sigma_b2=bad_real(0.0, 1e150, low_open=True),
           sigma_a2=bad_real(0.0, 1e150, low_open=True), sigma_c2=bad_real(0.0, 1e150))
spec("chaoslimit.relu_map_kernel", chaoslimit.relu_map_kernel, dict(x=np.array([0.5, 0.6]), y=np.array([0.1, 0.2])),
     x=bad_array((2,), ndim_strict=False).filter(lambda v: v is not None),
     y=st.one_of(bad_array((3,), ndim_strict=False), st.just(np.ones(3))), **VAR)
spec("chaoslimit.limit_variances", chaoslimit.limit_variances, dict(width=3),
     width=bad_count(1, huge=False), init=st.sampled_from(["bogus", None, 3, "orthogonal", init.orthogonal]),
     gain=bad_real(0.0, 1e75, low_open=True))
spec("chaoslimit.sample_relu_map_limit", chaoslimit.sample_relu_map_limit, dict(n_samples=2, n_grid=16, n_modes=4),
     n_samples=bad_count(1), n_grid=st.one_of(bad_count(8), st.sampled_from([10, 30, 2**21])),
     n_modes=st.one_of(bad_count(1, huge=False), st.just(8)), rng=BAD_RNG, **VAR)
spec("chaoslimit.LimitMapEnsemble", lambda **kw: chaoslimit.LimitMapEnsemble(**kw),
     dict(nodes=np.array([0.0, 1.0]), values=np.zeros((1, 2)), slope_left=np.zeros(1), slope_right=np.zeros(1)),
     nodes=st.one_of(bad_array((2,)), st.sampled_from([np.array([1.0, 0.0]), np.ones(3)])),
     values=st.one_of(bad_array((1, 2)), st.just(np.zeros((1, 3))), st.just(np.zeros((0, 2)))),
     slope_left=st.one_of(bad_array((1,)), st.just(np.zeros(2))),
     slope_right=st.one_of(bad_array((1,)), st.just(np.zeros(2))), scale=bad_real(0.0, 1e150, low_open=True))
spec("chaoslimit.LimitMapEnsemble.__call__", lambda x: LIM(x), dict(x=np.zeros((3, 2))),
     x=st.sampled_from([None, "a", np.zeros((2, 2)), np.zeros(4), np.zeros((3, 2)) * 1j, np.zeros((3, 2), bool)]))
spec("chaoslimit.LimitMapEnsemble.__getitem__", lambda i: LIM[i], dict(i=0),
     i=st.sampled_from([1.5, "0", None, True, [0]]))
spec("chaoslimit.LimitMapEnsemble.start_points", lambda n_starts=8: LIM.start_points(n_starts), dict(),
     n_starts=st.one_of(bad_count(1, huge=False), st.just(10**7)))
spec("chaoslimit.LimitMapEnsemble.has_period3", lambda n_starts=8: LIM.has_period3(n_starts=n_starts), dict(),
     n_starts=st.one_of(bad_count(1, huge=False), st.just(10**7)))
spec("chaoslimit.li_yorke_witness", chaoslimit.li_yorke_witness, dict(f=TENT, x=np.array([0.3, 0.6])),
     f=st.one_of(BAD_CALLABLE, st.sampled_from([lambda x: "a", lambda x: x[:1], lambda x: x > 0])),
     x=st.sampled_from([None, "a", np.float64(1.0), np.ones(0), np.ones(2) * 1j, np.ones(2, bool), 10**400]))
spec("chaoslimit.ReluMapNdEnsemble", lambda **kw: chaoslimit.ReluMapNdEnsemble(**kw),
     dict(A=np.ones((1, 2, 3)), W=np.ones((1, 3, 2)), b=np.ones((1, 3)), c=np.ones((1, 2))),
     A=bad_array((1, 2, 3)), W=st.one_of(bad_array((1, 3, 2)), st.just(np.ones((1, 2, 3)))),
     b=st.one_of(bad_array((1, 3)), st.just(np.ones((1, 2)))), c=st.one_of(bad_array((1, 2)), st.just(np.ones((1, 3)))))
spec("chaoslimit.ReluMapNdEnsemble.__call__", lambda x: ND(x), dict(x=np.zeros((2, 2))),
     x=st.sampled_from([None, "a", np.zeros((3, 2)), np.zeros((2, 3)), np.zeros(2), np.zeros((2, 2)) * 1j]))
spec("chaoslimit.ReluMapNdEnsemble.period3_search", lambda **kw: ND.period3_search(**kw), dict(n_starts=2, n_iter=2),
     n_starts=bad_count(1), n_iter=st.one_of(bad_count(1, huge=False), st.just(10**5)),
     spread=bad_real(0.0, 1e100, low_open=True), rng=BAD_RNG)
spec("chaoslimit.random_relu_map_nd", lambda **kw: chaoslimit.random_relu_map_nd(**kw), dict(width=3, n_samples=2),
     dim=st.one_of(bad_count(1, huge=False), st.just(65)), width=bad_count(1),
     init=st.sampled_from(["bogus", None, 3, "orthogonal", init.orthogonal]), gain=bad_real(0.0, 1e75, low_open=True),
     n_samples=bad_count(1), rng=BAD_RNG)


CASES = sorted((label, arg) for label, (_, _, bad) in SPECS.items() for arg in bad)


# ---------------------------------------------------------------------------
# Completeness: every public callable of the modules in MODULES is in the table
# ---------------------------------------------------------------------------

MODULES = {"recurrence": recurrence, "ginibre": ginibre, "chaos": chaos, "piecewise": piecewise, "init": init,
           "precomputed": precomputed, "datasets": datasets, "trainability": trainability, "driven": driven,
           "chaoslimit": chaoslimit, "atlas": atlas, "train": train, "comparison": comparison,
           "rnntrain": rnntrain}
NOT_CALLED = {"chaos.LyapunovEstimate", "chaoslimit.LimitVariances", "chaoslimit.Period3Search", "init.IIDLaw",
              "atlas.GivensResult", "atlas.Atlas", "atlas.ResidualSignal", "train.MLP", "train.Task",
              "train.TrainHistory", "train.RateGrid", "comparison.InitializerGrid",
              "rnntrain.RecallRun"}  # plain records: no checks of their own


def test_every_public_callable_is_fuzzed():
    missing = []
    for mod_name, mod in MODULES.items():
        for name in mod.__all__:
            obj = getattr(mod, name)
            label = f"{mod_name}.{name}"
            if not callable(obj) or label in NOT_CALLED:
                continue
            if label not in SPECS:
                missing.append(label)
            if inspect.isclass(obj) and label not in NOT_CALLED:  # public methods too
                for meth, _ in inspect.getmembers(obj, callable):
                    if not meth.startswith("_") or meth in ("__call__", "__getitem__"):
                        if f"{label}.{meth}" not in SPECS and meth not in ("copy", "mro"):
                            missing.append(f"{label}.{meth}")
    assert not missing, f"public callables without a fuzz spec: {missing}"


def test_every_argument_of_every_function_has_a_bad_value_strategy():
    covered = {}  # a function may be fuzzed by several specs (init.idinit and its options)
    for fn, _, bad in SPECS.values():
        covered.setdefault(fn, set()).update(bad)
    missing = []
    for label, (fn, base, bad) in SPECS.items():
        try:
            params = inspect.signature(fn).parameters
        except (TypeError, ValueError):
            continue
        for p in params.values():
            if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                continue
            if p.name not in covered[fn]:
                missing.append(f"{label}({p.name})")
    assert not missing, f"arguments without a bad-value strategy: {missing}"


def test_the_table_is_legal():
    """Each base call succeeds: a bad value is the only thing wrong in the fuzzed calls."""
    for label, (fn, base, _) in SPECS.items():
        fn(**base)


# ---------------------------------------------------------------------------
# Bad input: ValueError / TypeError naming the argument, at once
# ---------------------------------------------------------------------------

def _expect_refusal(fn, kwargs, arg):
    t0 = time.perf_counter()
    with pytest.raises((ValueError, TypeError)) as err:
        fn(**kwargs)
    elapsed = time.perf_counter() - t0
    message = str(err.value)
    assert arg in message, f"{arg!r} not named in {type(err.value).__name__}: {message}"
    assert elapsed < REFUSAL_SECONDS, f"refusal took {elapsed:.1f} s: {message}"
    return err.value


@pytest.mark.parametrize("label, arg", CASES, ids=[f"{l}:{a}" for l, a in CASES])
@FAST
@given(data=st.data())
def test_bad_argument_is_refused_naming_it(label, arg, data):
    fn, base, bad = SPECS[label]
    value = data.draw(bad[arg], label=arg)
    _expect_refusal(fn, {**base, arg: value}, arg)


def test_ensemble_index_out_of_range_is_an_index_error_naming_i():
    """``__getitem__`` keeps the sequence protocol (IndexError ends iteration) but names the index."""
    for i in (3, -4, 10**12):
        with pytest.raises(IndexError, match="i: index"):
            ENS[i]
    assert len(list(ENS)) == len(ENS)


# ---------------------------------------------------------------------------
# Oversized requests: refused up front with the memory estimate and what to reduce
# ---------------------------------------------------------------------------

OVERSIZED = [
    ("n_samples", lambda: ginibre.glorot_radii(4, 10**9)),
    ("n", lambda: ginibre.glorot_radii(10**6, 1)),
    ("n_samples", lambda: ginibre.complex_ginibre_radii(10, 10**10)),
    ("n", lambda: ginibre.complex_ginibre_radii(10**16, 1)),
    ("steps", lambda: recurrence.log_norm_trajectory(np.eye(2), np.ones((1000, 2)), 10**7)),
    ("steps", lambda: recurrence.glorot_log_norms(4, 2, 10**10)),
    ("n_samples", lambda: ginibre.glorot_eigenvalues(4, 10**10)),
    ("n", lambda: ginibre.complex_ginibre_radius_cdf(0.1, 10**9)),
    ("n", lambda: ginibre.rescaling_radius(10**9, method="exact")),
    ("steps", lambda: recurrence.diagonal_log_norm_trajectory(np.ones(2), np.ones(2), 10**10)),
    ("n_samples", lambda: chaos.random_relu_map(width=4, n_samples=10**9)),
    ("width", lambda: chaos.random_relu_map(width=10**9, n_samples=4)),
    ("width", lambda: chaos.random_rnn(width=10**5, sigma_w2=1.0, sigma_b2=0.0)),
    ("n_steps", lambda: TENT.iterate(np.ones(1000), 10**7)),
    ("n_steps", lambda: chaos.pair_distances(TENT, np.ones(1000), 0.5, 10**7)),
    ("n_steps", lambda: chaos.lyapunov_1d(TENT, np.ones(1000), n_steps=10**7)),
    ("n_grid", lambda: chaos.grid_periodic_points(TENT, 1, (0, 1), n_grid=10**9)),
    ("n_grid", lambda: chaos.grid_criterion(TENT, n_grid=10**9)),
    ("width", lambda: chaos.random_relu_map(width=400, n_samples=2).has_period3()),
    ("depth", lambda: atlas.jacobian_spread(init.he_normal, activation="relu", width=100, depth=10**6)),
    ("width", lambda: atlas.norm_survival(init.he_normal, width=10**5, depth=2)),
    ("n_samples", lambda: atlas.recurrence_growth(init.he_normal, n=1000, n_samples=10**4)),
    ("n_samples", lambda: atlas.period3_probability(init.he_normal, width=16, n_samples=10**7)),
    ("width", lambda: atlas.period3_probability(init.he_normal, width=10**9, n_samples=10)),
    ("width", lambda: atlas.effective_sigma_w2(init.he_normal, width=10**6)),
    ("m", lambda: atlas.expected_givens_density(3, 10**12)),
    ("depth", lambda: atlas.idinit_residual_norms(np.ones(3), epsilon=0.1, copies=1, depth=10**10)),
    ("width", lambda: atlas.atlas_table(width=10**6)),
    ("width", lambda: train.init_mlp(dim=3, width=10**6, depth=2, n_classes=2, sigma_w2=1.0, sigma_b2=0.0)),
    ("depth", lambda: train.init_mlp(dim=3, width=2, depth=10**9, n_classes=2, sigma_w2=1.0, sigma_b2=0.0)),
    ("n_train", lambda: train.teacher_task(n_train=10**10, n_test=1, dim=3, n_classes=2)),
    ("batch_size", lambda: train.train(MLP, TASK, activation="tanh", steps=1, lr=0.1, batch_size=10**10)),
    ("width", lambda: comparison.mlp_from_initializer("he", dim=3, width=10**6, depth=2, n_classes=2)),
    ("depth", lambda: comparison.mlp_from_initializer("he", dim=3, width=2, depth=10**9, n_classes=2)),
    ("depths", lambda: comparison.initializer_grid(TASK, setups={"a": ("tanh", "he", 1.0, 0.0)}, depths=[10**8],
                                                   n_draws=1, width=64, lrs=[0.1], steps=5, seed=0, eval_every=5)),
    ("shape", lambda: init.he_normal((10**6, 10**6))),
    ("shape", lambda: init.orthogonal((10**5, 10**5))),
    ("shape", lambda: init.sparse_orthogonal((10**5, 10**5))),
    ("shape", lambda: init.idinit((10**5, 10**5, 3, 3))),
]


@pytest.mark.parametrize("arg, call", OVERSIZED, ids=[f"{a}-{i}" for i, (a, _) in enumerate(OVERSIZED)])
def test_oversized_requests_are_refused_with_the_estimate(arg, call):
    t0 = time.perf_counter()
    with pytest.raises(ValueError) as err:
        call()
    assert time.perf_counter() - t0 < REFUSAL_SECONDS
    message = str(err.value)
    assert message.startswith(arg) or f"{arg}:" in message, message
    assert "GiB" in message and "reduce" in message, message


UNBOUNDED = [
    ("steps", lambda: driven.driven_log_norm_trajectory(np.eye(2), np.ones((2, 1)), 10**8, 1)),
    ("steps", lambda: driven.driven_log_norm_trajectory(np.eye(500), np.ones((500, 1)), 10**6, 100)),
    ("steps", lambda: driven.driven_log_variance(np.eye(2), np.ones((2, 1)), 10**8)),
    ("p", lambda: TENT.power(10**9)),
    ("p", lambda: TENT.to_piecewise().power(60)),  # 2^60 pieces: refused when the pieces outgrow memory
    ("t_max", lambda: TENT.lap_counts(10**9)),
    ("t_max", lambda: TENT.to_piecewise().lap_counts(60)),
    ("n_discard", lambda: chaos.lyapunov_1d(TENT, 0.3, n_discard=10**12)),
    ("n_steps", lambda: chaos.rnn_lyapunov(W_RNN, B_RNN, activation="tanh", n_steps=10**12)),
    ("n_steps", lambda: chaos.rnn_lyapunov(np.zeros((10, 200, 200)), np.zeros((10, 200)), activation="tanh", n_steps=10**6)),
    ("p", lambda: chaos.grid_periodic_points(TENT, 10**6, (0, 1))),
    ("n_compositions", lambda: chaos.grid_criterion(TENT, n_compositions=10**12)),
    ("steps", lambda: train.train(MLP, TASK, activation="tanh", steps=10**12, lr=0.1)),
    ("n_samples", lambda: atlas.effective_sigma_w2(init.he_normal, n_samples=10**12)),
    ("n_rotations", lambda: atlas.expected_givens_density(10**6, 10**6)),
    ("n", lambda: ginibre.complex_ginibre_radii(10**12, 10**6)),
]


@pytest.mark.parametrize("arg, call", UNBOUNDED, ids=[f"{a}-{i}" for i, (a, _) in enumerate(UNBOUNDED)])
def test_unbounded_iteration_counts_are_refused_at_once(arg, call):
    t0 = time.perf_counter()
    with pytest.raises(ValueError) as err:
        call()
    assert time.perf_counter() - t0 < 10.0, "the refusal must not come after the work"
    assert arg in str(err.value), str(err.value)


def test_refine_far_beyond_convergence_stops_early():
    """Bisection stops once the brackets are adjacent floats: a huge ``refine`` is as cheap as 1100."""
    t0 = time.perf_counter()
    pts = chaos.grid_periodic_points(TENT, 3, (0.0, 1.0), n_grid=1001, refine=10**7)
    assert time.perf_counter() - t0 < 5.0
    assert np.allclose(np.sort(pts), [2 / 9, 2 / 7, 4 / 9, 4 / 7, 6 / 7, 8 / 9], atol=1e-12)


# ---------------------------------------------------------------------------
# The issue's examples
# ---------------------------------------------------------------------------

def test_issue_atlas_width_zero_is_an_error_not_a_table_of_nans():
    for bad in (0, -3, 1):
        with pytest.raises(ValueError, match="width"):
            atlas.atlas_table(width=bad)


def test_issue_atlas_cell_failures_are_reported_with_the_cell():
    def broken(shape, *, gain=1.0, rng=None):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match=r"cell \('mine', 'sigma_w2'\).*boom"):
        atlas.atlas_table({"mine": broken}, **{k: v for k, v in SMALL_ATLAS.items() if k != "initializers"})

    def zeros(shape, *, gain=1.0, rng=None):
        return np.zeros(shape)

    with pytest.raises(ValueError, match=r"cell \('zero'"):  # sigma_w2 = 0: mean-field cells undefined, not hidden
        atlas.atlas_table({"zero": zeros}, **{k: v for k, v in SMALL_ATLAS.items() if k != "initializers"})


def test_issue_atlas_structural_nans_stay():
    """A scheme that cannot serve a shape (odd fans for the mirrored schemes) is still '-'."""
    table = atlas.atlas_table({"he": init.he_normal, "mirror": init.gaussian_submatrix}, seed=1, width=6, depth=2,
                              map_width=3, n_samples=dict(spread=1, survival=2, recurrence=2, period3=10))
    assert np.isnan(table.columns["period3"][1]) and np.isfinite(table.columns["period3"][0])
    assert np.isfinite(table.columns["survival"][1])
    odd = atlas.atlas_table({"he": init.he_normal}, seed=1, width=5, depth=2, map_width=3,
                            n_samples=dict(spread=1, survival=2, recurrence=2, period3=10))
    assert np.isnan(odd.columns["survival"][0]) and np.isfinite(odd.columns["recurrence"][0])


def test_issue_best_learning_rate_needs_an_evaluation_after_step_zero():
    with pytest.raises(ValueError, match="steps"):
        train.best_learning_rate(MLP, TASK, activation="tanh", lrs=[1e-3, 1e10], steps=10, eval_every=50)
    with pytest.raises(TypeError, match="kwargs"):
        train.best_learning_rate(MLP, TASK, activation="tanh", lrs=[1e-3], steps=10, evaluate_every=5)
    lr, hist, final = train.best_learning_rate(MLP, TASK, activation="tanh", lrs=[1e-3, 1e10], steps=10, eval_every=5,
                                               rng=0)
    assert lr == 1e-3 and final[1e-3] < final[1e10] and hist.steps[-1] == 10


def test_issue_loss_and_grads_needs_labels():
    with pytest.raises(TypeError, match="y"):
        train.loss_and_grads(MLP, np.ones((2, 3)), None, activation="tanh")


def test_issue_log_domain_promise_holds_for_huge_and_tiny_matrices():
    for c in (1e200, 1e-200, 1e300, 1e-300):
        out = recurrence.log_norm_trajectory(c * np.eye(3), np.ones(3), 4)
        expect = 0.5 * math.log(3) + np.arange(5) * math.log(c)
        np.testing.assert_allclose(out, expect, rtol=1e-13)


def test_issue_arnoldi_radius_of_the_zero_matrix_is_zero():
    assert ginibre.spectral_radius(np.zeros((100, 100)), method="arnoldi") == 0.0
    stack = np.zeros((2, 80, 80))
    stack[1] = np.diag(np.arange(80.0))
    np.testing.assert_allclose(ginibre.spectral_radius(stack, method="arnoldi"), [0.0, 79.0], rtol=1e-9)


# ---------------------------------------------------------------------------
# Extreme but legal input: finite, in range, and the scale laws
# ---------------------------------------------------------------------------

EXPONENT = st.integers(min_value=-300, max_value=300)


@MEDIUM
@given(seed=st.integers(0, 2**16), e_a=EXPONENT, e_h=EXPONENT, n=st.integers(2, 6), steps=st.integers(0, 40),
       method=st.sampled_from(["power", "auto"]), activation=st.sampled_from([None, "relu", "linear"]),
       stack=st.booleans())
def test_log_norm_trajectory_obeys_the_scale_law_at_any_magnitude(seed, e_a, e_h, n, steps, method, activation, stack):
    g = np.random.default_rng(seed)
    A = g.standard_normal((2, n, n) if stack else (n, n)) / math.sqrt(n)
    h = g.standard_normal((3, n))
    if activation == "relu":
        method, h = "power", np.abs(h) + 0.1  # a positive state keeps ReLU units alive for A > 0 below
        A = np.abs(A)
    base = recurrence.log_norm_trajectory(A, h, steps, activation=activation, method=method)
    out = recurrence.log_norm_trajectory(A * 10.0**e_a, h * 10.0**e_h, steps, activation=activation, method=method)
    assert np.all(np.isfinite(out))
    shift = np.arange(steps + 1) * e_a * math.log(10) + e_h * math.log(10)
    np.testing.assert_allclose(out, base + shift, rtol=1e-10, atol=1e-9 * (1 + steps))


@MEDIUM
@given(seed=st.integers(0, 2**16), e_a=EXPONENT, e_h=EXPONENT, n=st.integers(1, 6), steps=st.integers(0, 30),
       activation=st.sampled_from(["tanh", "erf", "hard_tanh"]))
def test_bounded_recurrences_stay_finite_or_documented_minus_inf(seed, e_a, e_h, n, steps, activation):
    g = np.random.default_rng(seed)
    A = g.standard_normal((n, n)) * 10.0**e_a
    out = recurrence.log_norm_trajectory(A, g.standard_normal(n) * 10.0**e_h, steps, activation=activation)
    assert not np.any(np.isnan(out)) and not np.any(out == np.inf)
    dead = np.isneginf(out)
    assert np.all(np.diff(dead.astype(int)) >= 0), "-inf only from the step a state underflows to exactly 0"


@MEDIUM
@given(seed=st.integers(0, 2**16), e=EXPONENT, n=st.sampled_from([3, 8, 70]), zero=st.booleans())
def test_spectral_radius_scales_and_is_finite(seed, e, n, zero):
    A = np.zeros((n, n)) if zero else np.random.default_rng(seed).standard_normal((n, n))
    for method in ("dense", "arnoldi"):
        rho = ginibre.spectral_radius(A * 10.0**e, method=method)
        assert math.isfinite(rho) and rho >= 0
        base = ginibre.spectral_radius(A, method="dense")
        assert rho == pytest.approx(base * 10.0**e, rel=1e-8, abs=0.0)


@MEDIUM
@given(e=st.integers(-300, 300), n=st.integers(1, 6), steps=st.integers(0, 20), seed=st.integers(0, 100))
def test_glorot_log_norms_factor_any_scale_exactly(e, n, steps, seed):
    s = 10.0**e
    out = recurrence.glorot_log_norms(n, 3, steps, scale=s, rng=seed)
    base = recurrence.glorot_log_norms(n, 3, steps, scale=1.0, rng=seed)
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, base + np.arange(steps + 1) * math.log(s), rtol=1e-10, atol=1e-8 * (1 + steps))


@MEDIUM
@given(e=st.integers(-300, 300), h0=st.floats(1e-300, 1e300), n=st.integers(1, 5))
def test_glorot_log_norms_tanh_extremes_are_finite_or_refused(e, h0, n):
    try:
        out = recurrence.glorot_log_norms(n, 2, 10, scale=10.0**e, activation="tanh", h0_norm=h0, rng=0)
    except ValueError as exc:
        assert "scale" in str(exc)  # entries beyond the float range, documented
        return
    assert out[0, 0] == pytest.approx(math.log(h0)) and not np.any(np.isnan(out)) and not np.any(out == np.inf)


@MEDIUM
@given(e=st.integers(-300, 300), n=st.integers(1, 6))
def test_glorot_eigenvalues_scale(e, n):
    try:
        lam = ginibre.glorot_eigenvalues(n, 2, scale=10.0**e, rng=1)
    except ValueError as exc:
        assert "scale" in str(exc) and e > 300 - 3
        return
    base = ginibre.glorot_eigenvalues(n, 2, scale=1.0, rng=1)
    assert np.all(np.isfinite(lam))
    np.testing.assert_allclose(np.abs(lam), np.abs(base) * 10.0**e, rtol=1e-8)


@MEDIUM
@given(r=st.floats(0.0, 1e308), n=st.integers(1, 2000), big=st.integers(164, 10**15),
       x=st.floats(-1e308, 1e308), alpha=st.floats(5e-324, 1.0, exclude_max=True), size=st.integers(1, 2**80),
       rho=st.floats(5e-324, 1e308))
def test_edge_law_helpers_stay_in_range(r, n, big, x, alpha, size, rho):
    p = ginibre.complex_ginibre_radius_cdf(r, n)
    assert 0.0 <= p <= 1.0
    for ens in ("complex", "real"):
        q = ginibre.gumbel_cdf(x, big, ensemble=ens)
        assert 0.0 <= q <= 1.0
        loc, scale = ginibre.gumbel_edge(big, ensemble=ens)
        assert math.isfinite(loc) and scale > 0
    eps = stats.dkw_bound(size, alpha)
    assert math.isfinite(eps) and eps > 0
    tau = recurrence.memory_horizon(rho)
    assert tau >= 0 and (math.isfinite(tau) or rho >= 1)
    sat = recurrence.tanh_saturation(rho)
    assert 0 <= sat <= 0.15
    assert math.isfinite(ginibre.ginibre_gamma(big))


@MEDIUM
@given(e_l=st.integers(-300, 300), e_c=st.integers(-300, 300), n=st.integers(1, 5), steps=st.integers(0, 50))
def test_diagonal_trajectory_never_overflows(e_l, e_c, n, steps):
    lam = np.exp(1j * np.arange(n)) * 10.0**e_l
    out = recurrence.diagonal_log_norm_trajectory(lam, np.full(n, 10.0**e_c), steps)
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, 0.5 * math.log(n) + e_c * math.log(10) + np.arange(steps + 1) * e_l * math.log(10),
                               rtol=1e-10)


@MEDIUM
@given(q=st.floats(-6.0, 30.0), n=st.integers(2, 3000))
def test_rescaling_radius_is_finite_positive(q, n):
    for method in ("auto", "exact"):
        r = ginibre.rescaling_radius(n, q, method=method)
        assert math.isfinite(r) and r > 0


@MEDIUM
@given(e=st.integers(-300, 300), seed=st.integers(0, 100), k=st.integers(1, 3), width=st.integers(1, 5))
def test_rnn_lyapunov_homogeneous_scale_law(e, seed, k, width):
    assume(k <= width)
    g = np.random.default_rng(seed)
    W = g.standard_normal((2, width, width))
    b = np.zeros((2, width))
    base = chaos.rnn_lyapunov(W, b, activation="linear", n_steps=30, n_discard=3, n_exponents=k, rng=seed)
    out = chaos.rnn_lyapunov(W * 10.0**e, b, activation="linear", n_steps=30, n_discard=3, n_exponents=k, rng=seed)
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, base + e * math.log(10), rtol=1e-9, atol=1e-9)


@MEDIUM
@given(e=st.integers(-300, 300), seed=st.integers(0, 100), act=st.sampled_from(["tanh", "erf", "hard_tanh"]))
def test_rnn_lyapunov_saturating_extremes_are_finite_or_minus_inf(e, seed, act):
    g = np.random.default_rng(seed)
    W, b = g.standard_normal((2, 3, 3)) * 10.0**e, g.standard_normal((2, 3))
    out = chaos.rnn_lyapunov(W, b, activation=act, n_steps=20, n_discard=2, n_exponents=2, rng=seed,
                             h0=g.standard_normal(3) * 10.0**-e)
    assert not np.any(np.isnan(out)) and not np.any(out == np.inf)


@MEDIUM
@given(k=st.floats(0.0, 1.0), n=st.floats(5e-324, 1e308), z=st.floats(1e-300, 1e150))
def test_wilson_interval_in_unit_interval(k, n, z):
    lo, hi = stats.wilson_interval(k * n, n, z=z)
    assert math.isfinite(lo) and math.isfinite(hi)
    assert -1e-12 <= lo <= hi <= 1.0 + 1e-12  # the exact ends 0 and 1 up to rounding


@MEDIUM
@given(e=st.integers(-200, 200), seed=st.integers(0, 100), width=st.integers(1, 6), p=st.integers(1, 4))
def test_relu_maps_with_extreme_parameters_answer_or_name_them(e, seed, width, p):
    g = np.random.default_rng(seed)
    f = piecewise.ReluMap(a=g.standard_normal(width) * 10.0**e, w=g.standard_normal(width), b=g.standard_normal(width) * 10.0**e)
    try:
        found = f.has_period(p)
    except ValueError as exc:  # slopes of f^p beyond the float range: documented, and the cause is named
        assert "overflow" in str(exc) and any(name in str(exc) for name in ("p", "a, w, b, c", "inner"))
        return
    assert isinstance(found, bool)
    assert np.all(np.isfinite(f.fixed_points()))


@MEDIUM
@given(slope=st.floats(1e-300, 1e307), x0=st.floats(-1e300, 1e300), n_steps=st.integers(20, 200))
def test_tent_orbits_give_an_exponent_or_name_the_overflow(slope, x0, n_steps):
    f = piecewise.tent_map(slope)
    try:
        est = chaos.lyapunov_1d(f, x0, n_steps=n_steps, n_discard=0)
    except ValueError as exc:
        assert "x0" in str(exc) and "overflow" in str(exc)
        return
    assert not np.isnan(est.exponent) and (np.isfinite(est.exponent) or est.collapsed)
    assert est.exponent == pytest.approx(math.log(slope), rel=1e-9) or est.collapsed or slope < 1


@MEDIUM
@given(e_x=st.integers(-300, 300), eps=st.floats(0.0, 1e308), copies=st.integers(1, 10**6), depth=st.integers(0, 500))
def test_idinit_residual_norms_never_nan(e_x, eps, copies, depth):
    x = np.array([1.0, -2.0, 0.5]) * 10.0**e_x
    out = atlas.idinit_residual_norms(x, epsilon=eps, copies=copies, depth=depth)
    assert out.shape == (depth + 1,) and not np.any(np.isnan(out)) and np.all(out > 0)
    assert out[0] == pytest.approx(math.sqrt(5.25) * 10.0**e_x, rel=1e-12)
    assert np.all(out[1:] >= out[:-1])  # the positive part only grows (inf once beyond the float range)


@MEDIUM
@given(e=st.integers(-300, 300), act=st.sampled_from(["relu", "tanh", "linear"]), seed=st.integers(0, 100))
def test_residual_stack_extremes_answer_or_name_the_overflow(e, act, seed):
    g = np.random.default_rng(seed)
    W1, W2, x = g.standard_normal((3, 4, 3)) / 4, g.standard_normal((3, 3, 4)) / 4, g.standard_normal(3) * 10.0**e
    try:
        res = atlas.residual_stack(W1, W2, x, activation=act)
    except ValueError as exc:
        assert "W1, W2, x" in str(exc)
        return
    assert np.all(np.isfinite(res.norms)) and np.all(res.norms > 0)
    assert not np.any(np.isnan(res.log_singular_values)) and not np.any(np.isnan(res.grad_w1))


@MEDIUM
@given(m=st.integers(1, 300), t=st.integers(0, 3000))
def test_expected_givens_density_in_range(m, t):
    d = atlas.expected_givens_density(t, m)
    assert d.shape == (t + 1,) and np.all(d >= 1.0 / m - 1e-15) and np.all(d <= 1.0 + 1e-12)
    assert np.all(np.diff(d) >= -1e-15)


@MEDIUM
@given(v=st.one_of(st.floats(0.0, 1e308), st.just(INF)), width=st.integers(1, 10**6), n_draws=st.integers(1, 10**6))
def test_snap_sigma_w2_in_range(v, width, n_draws):
    out = atlas.snap_sigma_w2(v, width=width, n_samples=n_draws)
    assert out == v or (math.isfinite(out) and abs(out - v) <= 0.01 * v)


@MEDIUM
@given(e=st.integers(-300, 300), act=st.sampled_from(["tanh", "relu", "erf", "linear"]), seed=st.integers(0, 100))
def test_training_step_extremes_answer_or_name_the_overflow(e, act, seed):
    x = np.random.default_rng(seed).standard_normal((4, 3)) * 10.0**e
    try:
        loss, grads = train.loss_and_grads(MLP, x, np.array([0, 1, 2, 0]), activation=act)
    except ValueError as exc:
        assert str(exc).startswith("x:") and "overflow" in str(exc)
        return
    assert math.isfinite(loss) and loss >= 0
    assert all(np.all(np.isfinite(g)) for g in grads.weights + grads.biases)


@MEDIUM
@given(lr=st.floats(1e-300, 1e300), seed=st.integers(0, 100))
def test_train_extreme_rates_converge_or_report_divergence(lr, seed):
    try:
        net, hist = train.train(MLP, TASK, activation="tanh", steps=5, lr=lr, eval_every=2, rng=seed)
    except FloatingPointError as exc:  # the documented report of a diverged run
        assert "diverged" in str(exc)
        return
    assert np.all(np.isfinite(hist.train_loss)) and all(np.all(np.isfinite(w)) for w in net.weights)


@MEDIUM
@given(name=st.sampled_from(sorted(init.INITIALIZERS)), e=st.integers(-300, 300), seed=st.integers(0, 100))
def test_initializers_at_extreme_gains_are_finite_or_name_gain(name, e, seed):
    shape = {"delta_orthogonal": (4, 4, 3), "sparse_orthogonal": (8, 8)}.get(name, (4, 4))
    try:
        W = init.INITIALIZERS[name](shape, gain=10.0**e, rng=seed)
    except ValueError as exc:
        assert str(exc).startswith("gain:") and e > 290
        return
    assert W.shape == shape and np.all(np.isfinite(W))
    W1 = init.INITIALIZERS[name](shape, gain=1.0, rng=seed)
    np.testing.assert_allclose(W, W1 * 10.0**e, rtol=1e-12)


@MEDIUM
@given(shape=st.one_of(st.tuples(st.integers(1, 40), st.integers(1, 40)),
                       st.tuples(st.integers(1, 8), st.integers(1, 8), st.integers(1, 3), st.integers(1, 3))),
       name=st.sampled_from(sorted(init.INITIALIZERS)), as_array=st.booleans())
def test_initializers_serve_a_shape_or_refuse_it_by_name(shape, name, as_array):
    fn = init.INITIALIZERS[name]
    try:
        W = fn(np.array(shape) if as_array else shape, rng=0)
    except ValueError as exc:
        assert str(exc).split(":")[0] in ("shape", "density"), str(exc)
        return
    assert W.shape == shape and np.all(np.isfinite(W))


# ---------------------------------------------------------------------------
# Larger sweeps (several seconds): slow
# ---------------------------------------------------------------------------

@pytest.mark.slow
@settings(max_examples=300, **COMMON)
@given(seed=st.integers(0, 2**16), e_a=EXPONENT, n=st.integers(2, 40), steps=st.integers(1, 3000))
def test_eig_method_agrees_with_power_at_any_magnitude(seed, e_a, n, steps):
    A = np.random.default_rng(seed).standard_normal((n, n)) / math.sqrt(n)
    try:
        eig = recurrence.log_norm_trajectory(A * 10.0**e_a, np.ones(n), steps, method="eig")
    except ValueError as exc:  # a nearly defective draw: documented refusal
        assert "condition number" in str(exc)
        return
    power = recurrence.log_norm_trajectory(A * 10.0**e_a, np.ones(n), steps, method="power")
    np.testing.assert_allclose(eig, power, rtol=1e-6, atol=1e-6)


@pytest.mark.slow
@settings(max_examples=30, **COMMON)
@given(seed=st.integers(0, 1000), width=st.integers(2, 24), map_width=st.integers(1, 10))
def test_atlas_table_cells_are_finite_or_structural(seed, width, map_width):
    inits = {name: fn for name, fn in init.INITIALIZERS.items() if name != "delta_orthogonal"}
    inits["masked"] = atlas.random_mask(init.he_normal, density=0.5)
    table = atlas.atlas_table(inits, seed=seed, width=width, depth=4, map_width=map_width,
                              n_samples=dict(spread=2, survival=3, recurrence=3, period3=40))
    text = atlas.format_atlas(table)
    assert "nan" not in text.lower()

    def refuses(fn, shape):
        try:
            fn(shape, rng=0)
        except ValueError:
            return True
        return False

    for r, (name, fn) in enumerate(inits.items()):
        for key, val in ((k, table.columns[k][r]) for k in atlas.COLUMNS):
            if np.isnan(val):  # undefined only for a structural reason
                if key == "period3":
                    assert refuses(fn, (map_width, 1)) or refuses(fn, (1, map_width)), (name, key)
                elif key in ("chi1_tanh", "chi1_relu", "xi_q_relu"):
                    assert not atlas.meanfield_applies(fn) or np.isnan(table.columns["sigma_w2"][r]), (name, key)
                elif key == "survival" and width % 2:
                    pass
                else:
                    assert refuses(fn, (width, width)), (name, key)
            else:
                # documented infinities: xi_q at chi_1 >= 1, the spread of a vanishing Jacobian, -inf growth
                assert np.isfinite(val) or (key in ("xi_q_relu", "spread_tanh", "spread_relu", "recurrence")
                                            and np.isinf(val)), (name, key, val)


@MEDIUM
@given(big=st.one_of(st.integers(min_value=2**63, max_value=2**200), st.just(10**400)))
def test_huge_integers_where_they_are_legal(big):
    """Seeds, sample sizes and Sharkovsky keys accept any size of integer (no float overflow on the way)."""
    assert 0.0 <= stats.dkw_bound(big) < 1e-9
    assert isinstance(chaos.sharkovsky_key(big), tuple)
    assert atlas.snap_sigma_w2(1.993, width=big, n_samples=1) == 1.99  # no sampling error: 3 digits
    assert init.fans((big, 3)) == (3, big)
    with pytest.raises(ValueError, match="n"):
        ginibre.ginibre_gamma(big)
