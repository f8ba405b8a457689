r"""Initializers compared by training (chapter 6, "Training on real data").

Chapter 6 puts every initializer of :mod:`initdyn.init` on the diagnostics of chapters 1-5, all of
them properties of the network at initialization.  This module asks the question those diagnostics
stand in for: does the network train?  :func:`mlp_from_initializer` draws the MLP of
:mod:`initdyn.train` with its hidden layers from any initializer of the registry
(:data:`initdyn.init.INITIALIZERS`, by name, or any callable ``f(shape, *, gain, rng)``), and
:func:`initializer_grid` trains such networks over a grid of (initializer, depth, draw, learning rate)
with :func:`initdyn.train.train`, one seed per (initializer, depth, draw), so that any subset of the
grid recomputes alone, bit for bit on the same machine (as :func:`initdyn.train.learning_rate_grid`
does for chapter 2).

The network is that of :func:`initdyn.train.init_mlp`,

.. math:: h^1 = W^1 x + b^1,\quad h^{l} = W^{l}\phi(h^{l-1}) + b^{l}\ (l = 2..L),\quad
          z = W^{\mathrm{out}}\phi(h^L),

with every hidden weight :math:`W^l` (the first, of shape ``(width, dim)``, included) drawn as
``init(shape, gain=gain, rng=...)``, so that its law is the initializer's own (He: variance
``2 gain**2 / fan_in``; orthogonal: singular values ``gain``; IDInit: the padded identity times
``gain``), biases :math:`\mathcal N(0, \sigma_b^2)`, and the read-out layer Gaussian with variance
``1 / width`` and zero bias, the same for every initializer.

Argument checks: every argument is checked where it enters (``ValueError``/``TypeError`` naming it,
with the range expected and the value received); an initializer that cannot serve a layer shape
(odd fans for the mirrored schemes, a density below ``1 / width`` for EOI) or returns anything but a
finite array of that shape is reported naming ``init`` (or the setup) and the shape.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._validate import as_rng, check_count, check_int, check_nbytes, check_real, describe
from .activations import get_activation
from .init import _checked_draw, get_initializer
from .train import MLP, Task, _check_grid_task, _scalar_variance, train

__all__ = ["mlp_from_initializer", "InitializerGrid", "initializer_grid", "point_rng"]


def _check_gain(gain, name):
    """A finite real scalar > 0 (``TypeError`` for anything but a real scalar)."""
    return check_real(gain, name, low=0.0, low_open=True)


def mlp_from_initializer(init, *, dim, width, depth, n_classes, gain=1.0, sigma_b2=0.0, rng=None) -> MLP:
    """An MLP ``dim -> width (x depth) -> n_classes`` whose hidden weights come from the initializer ``init``.

    Parameters
    ----------
    init : str or callable
        A name of :data:`initdyn.init.INITIALIZERS` or :data:`initdyn.init.ALIASES` (``"he"``,
        ``"idinit"``, ``"sparse_orthogonal"``, ...), or a callable ``f(shape, *, gain, rng)`` (e.g. a
        ``functools.partial`` fixing EOI's ``density``).  Every hidden layer, the first ``(width, dim)``
        one included, is ``init(shape, gain=gain, rng=rng)``: shape ``(fan_out, fan_in)``.
    dim, width, depth, n_classes : int
        Input dimension, hidden width, number of hidden layers (>= 1), number of classes (>= 2).
    gain : float
        Multiplies every hidden weight (> 0; 1 gives each scheme's own scale).
    sigma_b2 : float
        Variance of the hidden biases (>= 0).
    rng : numpy.random.Generator or int
        Drawn from in order: layer 1's weight and bias, layer 2's, ..., the read-out weight.

    Returns
    -------
    initdyn.train.MLP
        The read-out layer is :math:`\\mathcal N(0, 1/\\text{width})` with zero bias, as in
        :func:`initdyn.train.init_mlp`; with ``init="orthogonal"`` at ``gain=sqrt(sigma_w2)`` and
        ``width >= dim`` this is the law of ``init_mlp(..., weights="orthogonal")`` up to the scale of the
        first layer.
    """
    fn = get_initializer(init, "init")
    dim = check_int(dim, "dim", minimum=1)
    width = check_int(width, "width", minimum=1)
    depth = check_int(depth, "depth", minimum=1)
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    gain = _check_gain(gain, "gain")
    sb2 = _scalar_variance(sigma_b2, "sigma_b2")
    n_params = dim * width + (depth - 1) * width * width + depth * width + n_classes * (width + 1)
    big = max(dim * width, width * width, n_classes * width)
    blame = max((("depth", depth, depth * width * width), ("width", width, width * width * 4),
                 ("dim", dim, dim * width * 4), ("n_classes", n_classes, n_classes * width * 4)), key=lambda t: t[2])
    # parameters, the largest layer drawn with the initializer's work arrays (up to 5 of its size)
    check_nbytes(8 * (n_params + 5 * big) + 300 * 2 * (depth + 1), blame[0], blame[1],
                 what=f"an MLP {dim} -> {width} (x {depth}) -> {n_classes} ({n_params} parameters)",
                 reduce="width, depth, dim or n_classes")
    gen = as_rng(rng)
    Ws, bs = [], []
    fan_in = dim
    for layer in range(depth):
        shape = (width, fan_in)
        W = _checked_draw(fn, shape, name="init", context=f"the layer shape {shape} (layer {layer + 1})",
                          gain=gain, rng=gen)
        Ws.append(np.array(W, dtype=float))
        bs.append(gen.standard_normal(width) * math.sqrt(sb2))
        fan_in = width
    Ws.append(gen.standard_normal((n_classes, width)) / math.sqrt(width))
    bs.append(np.zeros(n_classes))
    return MLP(Ws, bs)


@dataclass
class InitializerGrid:
    """Training histories over (initializer, depth, draw, learning rate), from :func:`initializer_grid`.

    Attributes
    ----------
    setups : tuple of str
        Names of the initializers, in the order of the first axis.
    depths : numpy.ndarray
        The depths (hidden layers), the second axis.
    lrs : numpy.ndarray
        The learning rates, the fourth axis (the third is the draw).
    steps : numpy.ndarray
        The evaluation steps, the last axis.
    train_loss : numpy.ndarray
        Shape ``(len(setups), len(depths), n_draws, len(lrs), len(steps))``: training loss on the whole
        training set; ``inf`` for a run that diverged, NaN for a point not computed.
    test_accuracy : numpy.ndarray
        The same shape: test accuracy (NaN for a diverged run and for a point not computed).
    """

    setups: tuple
    depths: np.ndarray
    lrs: np.ndarray
    steps: np.ndarray
    train_loss: np.ndarray
    test_accuracy: np.ndarray

    def best_lr_index(self) -> np.ndarray:
        """Shape ``(len(setups), len(depths))``: the rate with the lowest mean (over draws) final training loss.

        A rate at which any draw diverged has mean ``inf`` and loses to every rate without divergence.
        Meaningful on a full grid (a grid computed at only some ``points`` holds NaN elsewhere).
        """
        final = self.train_loss[..., -1].mean(axis=2)  # (setup, depth, rate)
        return np.argmin(np.where(np.isnan(final), np.inf, final), axis=2)

    def at_best_rate(self):
        """``(train_loss, test_accuracy)`` at each (initializer, depth)'s best rate of :meth:`best_lr_index`.

        Each of shape ``(len(setups), len(depths), n_draws, len(steps))``.
        """
        best = self.best_lr_index()[:, :, None, None, None]

        def take(a):
            return np.take_along_axis(a, np.broadcast_to(best, a.shape[:3] + (1, a.shape[4])), axis=3)[:, :, :, 0]

        return take(self.train_loss), take(self.test_accuracy)


def _check_setups(setups):
    """``name -> (activation, init, gain, sigma_b2)``, each checked; returns the initializer callables too."""
    if not isinstance(setups, dict) or not setups:
        raise TypeError(f"setups: expected a non-empty dict name -> (activation, init, gain, sigma_b2), "
                        f"got {describe(setups)}")
    out = {}
    for name, value in setups.items():
        if not isinstance(name, str):
            raise TypeError(f"setups: names must be strings, got {name!r}")
        if not isinstance(value, (tuple, list)) or len(value) != 4:
            raise TypeError(f"setups[{name!r}]: expected (activation, init, gain, sigma_b2), got {describe(value)}")
        act, init, gain, sb2 = value
        try:
            get_activation(act)
            fn = get_initializer(init, "init")
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"setups[{name!r}]: {exc}") from None
        out[name] = (act, fn, _check_gain(gain, f"setups[{name!r}] gain"),
                     _scalar_variance(sb2, f"setups[{name!r}] sigma_b2"))
    return out


def point_rng(seed, setup, depth, draw) -> np.random.Generator:
    """The generator of draw ``draw`` of initializer number ``setup`` at depth ``depth`` in :func:`initializer_grid`.

    ``numpy.random.default_rng([seed, setup, depth, draw])``: keyed by the depth itself (not its index), so
    a grid with more depths, draws or initializers (appended) contains every run of a smaller one.  The
    network is drawn from it first, then the seed of its minibatch sequence.
    """
    seed = check_int(seed, "seed", minimum=0)
    setup = check_int(setup, "setup", minimum=0)
    depth = check_int(depth, "depth", minimum=1)
    draw = check_int(draw, "draw", minimum=0)
    return np.random.default_rng([seed, setup, depth, draw])


def _check_points(points, shape):
    if points is None:
        return list(np.ndindex(shape))
    if isinstance(points, (str, bytes)) or not hasattr(points, "__iter__"):
        raise TypeError(f"points: expected a sequence of (setup, depth, draw, rate) index quadruples, got "
                        f"{describe(points)}")
    todo = []
    for p in points:
        if isinstance(p, (str, bytes)) or np.ndim(p) != 1 or len(p) != 4:
            raise TypeError(f"points: expected (setup, depth, draw, rate) index quadruples, got {describe(p)}")
        idx = tuple(check_int(v, "points", minimum=0) for v in p)
        if any(i >= n for i, n in zip(idx, shape)):
            raise ValueError(f"points: index {idx} outside the grid of shape {shape}")
        todo.append(idx)
    return todo


def initializer_grid(task: Task, *, setups, depths, n_draws, width, lrs, steps, seed, batch_size=32, momentum=0.9,
                     eval_every=50, points=None) -> InitializerGrid:
    """Train ``n_draws`` networks of every initializer of ``setups`` at every depth and rate (chapter 6).

    Draw ``s`` of initializer number ``k`` at depth ``L`` is a network from :func:`mlp_from_initializer`
    and a minibatch sequence for :func:`initdyn.train.train`, both from :func:`point_rng`
    (``default_rng([seed, k, L, s])``): the same network and the same minibatches at every rate (common
    random numbers), so the rates are compared on equal terms and any subset of the grid recomputes
    alone.  Each initializer is then judged at its best rate (:meth:`InitializerGrid.best_lr_index`):
    a comparison at one fixed rate would measure the rate, not the initialization.

    Parameters
    ----------
    task : initdyn.train.Task
        The data, e.g. :func:`initdyn.datasets.digits_task`.
    setups : dict
        ``name -> (activation, init, gain, sigma_b2)``: the activation the network uses, the initializer
        (a registry name or a callable, see :func:`mlp_from_initializer`), its gain (> 0) and the bias
        variance (>= 0).
    depths : sequence of int
        Numbers of hidden layers (each >= 1, no repeats).
    n_draws, width, steps : int
        Networks per (initializer, depth) (>= 1), their width (>= 1), SGD steps (>= ``eval_every``).
    lrs : sequence of float
        Learning rates, finite and > 0.
    seed : int
        Non-negative; the root of every draw.
    batch_size, momentum, eval_every
        As in :func:`initdyn.train.train`.
    points : sequence of (k, d, s, i) or None
        Only these (initializer, depth index, draw, rate index) runs; the rest holds NaN.  ``None``: all.

    Returns
    -------
    InitializerGrid
    """
    setups = _check_setups(setups)
    if depths is None or isinstance(depths, (str, bytes)) or np.ndim(depths) != 1 or len(depths) == 0:
        raise TypeError(f"depths: expected a non-empty 1-d sequence of depths, got {describe(depths)}")
    depths = [check_int(d, "depths", minimum=1) for d in depths]
    if len(set(depths)) != len(depths):
        raise ValueError(f"depths: expected distinct depths, got {depths}")
    if lrs is None or isinstance(lrs, (str, bytes)) or np.ndim(lrs) != 1 or len(lrs) == 0:
        raise TypeError(f"lrs: expected a non-empty 1-d sequence of learning rates, got {describe(lrs)}")
    lrs = np.array([check_real(lr, "lrs", low=0.0, low_open=True) for lr in lrs])
    n_draws = check_int(n_draws, "n_draws", minimum=1)
    width = check_int(width, "width", minimum=1)
    eval_every = check_int(eval_every, "eval_every", minimum=1)
    steps = check_count(steps, "steps", minimum=1)
    if steps < eval_every:
        raise ValueError(f"steps: expected steps >= eval_every = {eval_every} so that every run is recorded after "
                         f"training, got {steps}")
    seed = check_int(seed, "seed", minimum=0)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    momentum = check_real(momentum, "momentum", low=0.0, high=1.0, high_open=True)
    dim, n_classes = _check_grid_task(task)
    shape = (len(setups), len(depths), n_draws, len(lrs))
    check_nbytes(8 * 2 * (steps // eval_every + 1) * math.prod(shape), "n_draws", n_draws,
                 what=f"the histories of {math.prod(shape)} runs", reduce="n_draws, depths, lrs or steps")
    deepest = max(depths)
    blame = max((("depths", deepest, deepest * width * width), ("width", width, 4 * width * width),
                 ("batch_size", batch_size, 4 * batch_size * width)), key=lambda t: t[2])
    check_nbytes(8 * (deepest * width * (width + 4 * batch_size) + dim * width), blame[0], blame[1],
                 what=f"a network of depth {deepest} and width {width} with the activations of a batch of {batch_size}",
                 reduce="depths, width or batch_size")
    todo = _check_points(points, shape)
    eval_steps = np.arange(0, steps + 1, eval_every)
    loss = np.full(shape + (eval_steps.size,), np.nan)
    acc = np.full(shape + (eval_steps.size,), np.nan)
    names = list(setups)
    for k, d, s, i in todo:
        act, fn, gain, sb2 = setups[names[k]]
        gen = np.random.default_rng([seed, k, depths[d], s])  # = point_rng(seed, k, depths[d], s)
        try:
            mlp = mlp_from_initializer(fn, dim=dim, width=width, depth=depths[d], n_classes=n_classes, gain=gain,
                                       sigma_b2=sb2, rng=gen)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"setups[{names[k]!r}]: {exc}") from None
        batches = int(gen.integers(2**63))
        try:
            hist = train(mlp, task, activation=act, steps=steps, lr=float(lrs[i]), batch_size=batch_size,
                         momentum=momentum, eval_every=eval_every, rng=batches)[1]
            loss[k, d, s, i], acc[k, d, s, i] = hist.train_loss, hist.test_accuracy
        except FloatingPointError:
            loss[k, d, s, i] = np.inf
    return InitializerGrid(tuple(names), np.array(depths), lrs, eval_steps, loss, acc)
