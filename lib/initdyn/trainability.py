r"""Which (initialization, depth) pairs can be trained: the heat maps of Schoenholz et al. 2017.

Schoenholz, Gilmer, Ganguli & Sohl-Dickstein 2017 ("Deep information propagation", Sec. 6 and
Figs. 5-6) train fully connected tanh networks over a grid of weight variances :math:`\sigma_w^2`
and depths :math:`L` and find that a network trains only when :math:`L \lesssim 6\,\xi_c`, the
correlation depth scale of chapter 1 (:func:`initdyn.meanfield.depth_scales`, equation
``eq-ch1-depth-scales`` of :doc:`/notebooks/01-mean-field`): signals that reach the output must still
carry information about their inputs.  :func:`trainability_point` trains one network of such a grid
(drawn and trained from one generator) and :func:`trainability_grid` runs the whole grid through
:func:`initdyn.sweep.sweep`, one child seed per point, so that any point can be recomputed alone with
:func:`point_generator`.
"""

from __future__ import annotations

import functools

import numpy as np

from ._validate import as_rng, check_count, check_int, check_real
from .sweep import SweepResult, sweep
from .train import Task, init_mlp, train

__all__ = ["trainability_point", "trainability_grid", "point_generator"]


def trainability_point(rng, *, sigma_w2, depth, task, sigma_b2, activation="tanh", width=64, steps=600, lr=1e-3,
                       batch_size=32, momentum=0.9, eval_every=100) -> np.ndarray:
    """Draw one network (:func:`initdyn.train.init_mlp`, Gaussian weights) from ``rng`` and train it on ``task``.

    The network and then the seed of its minibatch sequence are drawn from ``rng`` (a generator or an int
    seed).  Returns the training-loss history followed by the test-accuracy history (each of length
    ``steps // eval_every + 1``, see :func:`initdyn.train.train`).  A run that diverges returns ``inf`` for
    its losses and NaN for its accuracies from the first evaluation on.
    """
    if not isinstance(task, Task):
        raise TypeError(f"task: expected a Task (see initdyn.datasets.digits_task), got {type(task).__name__}")
    depth = check_int(depth, "depth", minimum=1)
    width = check_int(width, "width", minimum=1)
    eval_every = check_int(eval_every, "eval_every", minimum=1)
    steps = check_count(steps, "steps", minimum=1)
    if steps < eval_every:
        raise ValueError(f"steps: expected steps >= eval_every = {eval_every}, got {steps}")
    gen = as_rng(rng)
    mlp = init_mlp(dim=task.x_train.shape[1], width=width, depth=depth, n_classes=task.n_classes, sigma_w2=sigma_w2,
                   sigma_b2=sigma_b2, rng=gen)
    batches = int(gen.integers(2**63))
    n_eval = steps // eval_every + 1
    try:
        hist = train(mlp, task, activation=activation, steps=steps, lr=lr, batch_size=batch_size, momentum=momentum,
                     eval_every=eval_every, rng=batches)[1]
    except FloatingPointError:
        return np.concatenate([np.full(n_eval, np.inf), np.full(n_eval, np.nan)])
    return np.concatenate([hist.train_loss, hist.test_accuracy])


def _grid_point(rng, sigma_w2, depth, *, task, sigma_b2, options):
    """One point of :func:`trainability_grid` (module level, so that process pools can pickle it)."""
    return trainability_point(rng, sigma_w2=float(sigma_w2), depth=int(depth), task=task, sigma_b2=sigma_b2, **options)


def trainability_grid(task, *, sigma_w2s, depths, sigma_b2, seed, executor=None, progress=None,
                      **kwargs) -> SweepResult:
    """:func:`trainability_point` at every ``(sigma_w2, depth)`` of the grid (``sigma_w2s`` x ``depths``).

    Runs through :func:`initdyn.sweep.sweep` with root seed ``seed`` (on ``executor``, with ``progress``);
    ``kwargs`` go to :func:`trainability_point` (``activation``, ``width``, ``steps``, ``lr``,
    ``batch_size``, ``momentum``, ``eval_every``).  ``values`` has shape
    ``(len(sigma_w2s), len(depths), 2 * n_eval)``: losses, then accuracies.
    """
    sigma_b2 = check_real(sigma_b2, "sigma_b2", low=0.0)
    if not isinstance(task, Task):
        raise TypeError(f"task: expected a Task (see initdyn.datasets.digits_task), got {type(task).__name__}")
    for name, axis in (("sigma_w2s", sigma_w2s), ("depths", depths)):
        if axis is None or isinstance(axis, (str, bytes)) or np.ndim(axis) != 1 or len(axis) == 0:
            raise TypeError(f"{name}: expected a non-empty 1-d sequence, got {axis!r}")
    sigma_w2s = [check_real(v, "sigma_w2s", low=0.0) for v in sigma_w2s]
    depths = [check_int(v, "depths", minimum=1) for v in depths]
    unknown = sorted(set(kwargs) - {"activation", "width", "steps", "lr", "batch_size", "momentum", "eval_every"})
    if unknown:
        raise TypeError(f"kwargs: unexpected argument(s) {unknown}")

    point = functools.partial(_grid_point, task=task, sigma_b2=sigma_b2, options=kwargs)
    return sweep(point, {"sigma_w2": list(sigma_w2s), "depth": list(depths)}, seed=seed, executor=executor,
                 progress=progress)


def point_generator(seed, index) -> np.random.Generator:
    """The generator that point ``index`` (flat, grid order) of a sweep with root ``seed`` received.

    ``numpy.random.default_rng(numpy.random.SeedSequence(seed).spawn(n)[index])``, without spawning the
    other children: with it a single point of a stored grid is recomputed alone.
    """
    seed = check_int(seed, "seed", minimum=0)
    index = check_int(index, "index", minimum=0)
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))
