r"""A deep MLP trained by plain numpy backpropagation (chapter 2, "why isometry matters").

Pennington, Schoenholz & Ganguli 2017 (experiments section) train 200-layer fully connected networks on
CIFAR-10 and report that networks achieving dynamical isometry (orthogonal, critical tanh networks with a
small fixed point :math:`q^*`) learn orders of magnitude faster than networks that do not, and that
properly initialized deep sigmoidal networks consistently outperform deep ReLU networks.  This module is the
smallest honest version of that experiment: a fully connected network

.. math:: h^1 = W^1 x + b^1,\quad h^{l} = W^{l}\phi(h^{l-1}) + b^{l}\ (l = 2..L),\quad
          z = W^{\mathrm{out}}\phi(h^L) + b^{\mathrm{out}},

with softmax cross-entropy :math:`\ell = -\frac1B\sum_i \log \mathrm{softmax}(z_i)_{y_i}`, its exact
gradient by backpropagation

.. math:: \delta^{L} = \phi'(h^L)\odot (W^{\mathrm{out}})^\top \delta^{\mathrm{out}},\qquad
          \delta^{l} = \phi'(h^l)\odot (W^{l+1})^\top \delta^{l+1},\qquad
          \partial\ell/\partial W^{l} = \delta^{l} (x^{l-1})^\top,

(:math:`\delta^{\mathrm{out}} = (\mathrm{softmax}(z) - e_y)/B`), trained by SGD with momentum on a
synthetic teacher task.  The backward pass is exactly the transposed Jacobian product whose spectrum
chapter 2 studies, which is why the conditioning of :math:`J` sets the speed of learning.

Weights have shape ``(fan_out, fan_in)``; every hidden layer has ``Var(W_ij) = sigma_w2 / fan_in``
(``"gaussian"``) or is ``sqrt(sigma_w2)`` times a Haar orthogonal matrix (``"orthogonal"``), biases
:math:`\mathcal N(0, \sigma_b^2)`; the read-out layer is Gaussian with variance ``1 / width`` and zero bias.

Argument checks: every argument is checked where it enters (``ValueError``/``TypeError`` naming it):
an :class:`MLP` must chain (finite float weights ``(fan_out, fan_in)`` and matching biases), inputs
``(batch, dim)`` finite reals, labels integers in ``0..n_classes - 1``; networks, data sets and batches
beyond 4 GiB are refused up front, and ``steps`` is at most 10**7.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from ._validate import (as_rng, check_count, check_finite_array, check_int, check_nbytes, check_positive, check_real,
                        check_variance)
from .activations import get_activation
from .init import orthogonal

__all__ = ["MLP", "Task", "TrainHistory", "init_mlp", "forward", "loss_and_grads", "teacher_task", "train",
           "best_learning_rate", "RateGrid", "learning_rate_grid"]

WEIGHT_KINDS = ("gaussian", "orthogonal")


@dataclass
class MLP:
    """Parameters of a fully connected network: ``weights[l]`` of shape ``(fan_out, fan_in)``, ``biases[l]``."""

    weights: list
    biases: list

    @property
    def depth(self) -> int:
        """Number of hidden layers (the read-out layer not counted)."""
        return len(self.weights) - 1

    def copy(self) -> "MLP":
        return MLP([w.copy() for w in self.weights], [b.copy() for b in self.biases])


@dataclass
class Task:
    """A classification data set: inputs ``(n, dim)`` and integer labels ``(n,)``, train and test."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def n_classes(self) -> int:
        return int(max(self.y_train.max(), self.y_test.max())) + 1


@dataclass
class TrainHistory:
    """Training loss (full training set) and test accuracy at the evaluation steps ``steps``."""

    steps: np.ndarray
    train_loss: np.ndarray
    test_accuracy: np.ndarray

    def steps_to_loss(self, level: float) -> float:
        """First evaluation step at which the training loss is below ``level`` (``inf`` if never).

        ``level`` is a real number (``+-inf`` allowed, NaN refused).
        """
        level = check_real(level, "level", allow_inf=True)
        hit = np.flatnonzero(self.train_loss < level)
        return float(self.steps[hit[0]]) if hit.size else float("inf")


def init_mlp(*, dim, width, depth, n_classes, sigma_w2, sigma_b2, weights="gaussian", rng=None) -> MLP:
    """Draw an MLP ``dim -> width (x depth) -> n_classes`` in the mean-field normalisation of chapter 1.

    Parameters
    ----------
    dim, width, depth, n_classes : int
        Input dimension, hidden width, number of hidden layers (>= 1), number of classes (>= 2).
    sigma_w2, sigma_b2 : float
        Hidden-layer weight and bias variances (``Var(W_ij) = sigma_w2 / fan_in``).
    weights : {"gaussian", "orthogonal"}
        Law of the hidden weight matrices (the first layer is ``dim -> width``: orthogonal means
        orthonormal columns, :func:`initdyn.init.orthogonal` times ``sqrt(sigma_w2 * width / dim)``
        so that it has the same ``fan_in * Var`` as the others).
    rng : numpy.random.Generator or int
    """
    dim = check_int(dim, "dim", minimum=1)
    width = check_int(width, "width", minimum=1)
    depth = check_int(depth, "depth", minimum=1)
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    sw2 = _scalar_variance(sigma_w2, "sigma_w2")
    sb2 = _scalar_variance(sigma_b2, "sigma_b2")
    if not isinstance(weights, str) or weights not in WEIGHT_KINDS:
        raise ValueError(f"weights: expected one of {WEIGHT_KINDS}, got {weights!r}")
    n_params = dim * width + (depth - 1) * width * width + depth * width + n_classes * (width + 1)
    big = max(dim * width, width * width, n_classes * width)
    blame = max((("depth", depth, depth * width * width), ("width", width, width * width * 4),
                 ("dim", dim, dim * width * 4), ("n_classes", n_classes, n_classes * width * 4)), key=lambda t: t[2])
    # parameters, the largest layer drawn (three temporaries for the orthogonal QR), ~300 bytes per array
    check_nbytes(8 * (n_params + 3 * big) + 300 * 2 * (depth + 1), blame[0], blame[1],
                 what=f"an MLP {dim} -> {width} (x {depth}) -> {n_classes} ({n_params} parameters)",
                 reduce="width, depth, dim or n_classes")
    gen = as_rng(rng)
    Ws, bs = [], []
    fan_in = dim
    for _ in range(depth):
        if weights == "gaussian":
            W = gen.standard_normal((width, fan_in)) * np.sqrt(sw2 / fan_in)
        else:  # rows orthonormal (wide) or columns orthonormal (tall); fan_in * Var(W_ij) = sigma_w2
            W = orthogonal((width, fan_in), rng=gen) * np.sqrt(sw2 * max(width, fan_in) / fan_in)
        Ws.append(W)
        bs.append(gen.standard_normal(width) * np.sqrt(sb2))
        fan_in = width
    Ws.append(gen.standard_normal((n_classes, width)) / np.sqrt(width))
    bs.append(np.zeros(n_classes))
    return MLP(Ws, bs)


def _scalar_variance(value, name):
    if isinstance(value, (list, tuple)) or np.ndim(value) != 0:
        raise TypeError(f"{name}: expected a scalar variance >= 0, got {value!r}")
    return check_variance(value, name)


def _check_mlp(mlp, name="mlp"):
    """An :class:`MLP` whose weights ``(fan_out, fan_in)`` chain and whose biases match, all finite floats."""
    if not isinstance(mlp, MLP):
        raise TypeError(f"{name}: expected an MLP (see init_mlp), got {type(mlp).__name__}")
    Ws, bs = mlp.weights, mlp.biases
    if not isinstance(Ws, list) or not isinstance(bs, list) or len(Ws) != len(bs) or len(Ws) < 2:
        raise ValueError(f"{name}: expected lists weights and biases of one length >= 2 (hidden layers and read-out), "
                         f"got {type(Ws).__name__} and {type(bs).__name__}")
    fan_in = None
    for layer, (W, b) in enumerate(zip(Ws, bs)):
        if not isinstance(W, np.ndarray) or not isinstance(b, np.ndarray):
            raise TypeError(f"{name}: weights[{layer}] and biases[{layer}] must be numpy arrays, got "
                            f"{type(W).__name__} and {type(b).__name__}")
        if W.dtype.kind != "f" or b.dtype.kind != "f":
            raise TypeError(f"{name}: expected float arrays, got dtypes {W.dtype} and {b.dtype} at layer {layer}")
        if W.ndim != 2 or b.shape != (W.shape[0],) or (fan_in is not None and W.shape[1] != fan_in) or 0 in W.shape:
            raise ValueError(f"{name}: weights[{layer}] of shape {W.shape} and biases[{layer}] of shape {b.shape} do "
                             f"not chain (expected (fan_out, {fan_in if fan_in is not None else 'fan_in'}) and (fan_out,))")
        if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
            raise ValueError(f"{name}: weights[{layer}] or biases[{layer}] hold NaN or inf (a diverged network?)")
        fan_in = W.shape[0]
    return mlp


def _check_labels(y, name, batch, n_classes):
    if y is None or isinstance(y, (str, bytes)):
        raise TypeError(f"{name}: expected integer labels of shape ({batch},), got {y!r}")
    y = np.asarray(y)
    if y.dtype == bool or not np.issubdtype(y.dtype, np.integer):  # ValueError, as it always was
        raise ValueError(f"{name}: expected integer labels of shape ({batch},), got dtype {y.dtype}")
    if y.shape != (batch,):
        raise ValueError(f"{name}: expected integer labels of shape ({batch},), got shape {y.shape}")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"{name}: labels must lie in 0..{n_classes - 1}, got values in {y.min()}..{y.max()}")
    return y


def _check_batch(mlp, x, y=None, *, need_y=False):
    _check_mlp(mlp)
    x = check_finite_array(x, "x", ndim=2)
    if x.shape[1] != mlp.weights[0].shape[1]:
        raise ValueError(f"x: expected shape (batch, {mlp.weights[0].shape[1]}), got {x.shape}")
    widest = max(W.shape[0] for W in mlp.weights)
    check_nbytes(8 * 3 * x.shape[0] * widest * len(mlp.weights), "x", f"shape {x.shape}",
                 what=f"the activations of a batch of {x.shape[0]} through {len(mlp.weights)} layers",
                 reduce="the batch")
    if not need_y:
        return x, None
    if x.shape[0] == 0:
        raise ValueError("x: expected a batch of at least one example, got shape (0, ...)")
    return x, _check_labels(y, "y", x.shape[0], mlp.weights[-1].shape[0])


def _check_signal(arrays, what):
    for layer, a in enumerate(arrays):
        if not np.all(np.isfinite(a)):
            raise ValueError(f"x: the {what} overflowed at layer {layer + 1} (values beyond 1.8e308); "
                             "the inputs or the weights are too large")


def _forward(mlp, x, act):
    hs, xs = [], [x]
    for W, b in zip(mlp.weights[:-1], mlp.biases[:-1]):
        h = xs[-1] @ W.T + b
        hs.append(h)
        xs.append(act.phi(h))
    return xs[-1] @ mlp.weights[-1].T + mlp.biases[-1], hs, xs


def forward(mlp: MLP, x, *, activation):
    """Logits ``(batch, n_classes)`` and the pre-activations ``[h^1, ..., h^L]`` (each ``(batch, width)``).

    ``ValueError`` if the signal overflows (inputs or weights beyond the float range of the network).
    """
    act = get_activation(activation)
    x, _ = _check_batch(mlp, x)
    with np.errstate(over="ignore", invalid="ignore"):
        logits, hs, _ = _forward(mlp, x, act)
    _check_signal(hs + [logits], "forward pass")
    return logits, hs


def _log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def loss_and_grads(mlp: MLP, x, y, *, activation):
    """Mean softmax cross-entropy on ``(x, y)`` and its exact gradient by backpropagation.

    The backward pass is equation ``eq-ch2-backprop`` of chapter 2
    (:doc:`/notebooks/02-dynamical-isometry`).

    Returns
    -------
    loss : float
    grads : MLP
        Gradients with the structure of ``mlp`` (``grads.weights[l]`` has the shape of ``mlp.weights[l]``).

    ``x`` is a ``(batch, dim)`` array of finite reals with ``batch >= 1``; ``y`` (required) the integer
    labels, shape ``(batch,)``, in ``0..n_classes - 1``.  ``ValueError`` if the forward or the backward
    pass overflows.
    """
    act = get_activation(activation)
    x, y = _check_batch(mlp, x, y, need_y=True)
    with np.errstate(over="ignore", invalid="ignore"):
        loss, grads, logits, hs = _loss_and_grads(mlp, x, y, act)
    _check_signal(hs + [logits], "forward pass")
    _check_signal(grads.weights + grads.biases, "backward pass")
    return loss, grads


def _loss_and_grads(mlp, x, y, act):
    """:func:`loss_and_grads` on checked input (also the logits and pre-activations)."""
    logits, hs, inputs = _forward(mlp, x, act)
    logp = _log_softmax(logits)
    batch = x.shape[0]
    loss = -float(logp[np.arange(batch), y].mean())
    delta = np.exp(logp)
    delta[np.arange(batch), y] -= 1.0
    delta /= batch
    gW, gb = [None] * len(mlp.weights), [None] * len(mlp.biases)
    for layer in range(len(mlp.weights) - 1, -1, -1):
        gW[layer] = delta.T @ inputs[layer]
        gb[layer] = delta.sum(axis=0)
        if layer:
            delta = (delta @ mlp.weights[layer]) * act.dphi(hs[layer - 1])
    return loss, MLP(gW, gb), logits, hs


def teacher_task(*, n_train, n_test, dim, n_classes, q0=1.0, rng=None) -> Task:
    r"""Inputs :math:`x \sim \mathcal N(0, q_0 I_{dim})`, labels :math:`y = \arg\max_k (T x)_k` for a random
    Gaussian teacher :math:`T` of shape ``(n_classes, dim)``: a task a linear classifier solves exactly, so
    every network can fit it and only the speed of learning differs.  ``q0`` is the squared length per unit.
    """
    n_train = check_int(n_train, "n_train", minimum=1)
    n_test = check_int(n_test, "n_test", minimum=1)
    dim = check_int(dim, "dim", minimum=1)
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    if isinstance(q0, (list, tuple)) or np.ndim(q0) != 0:
        raise TypeError(f"q0: expected a scalar > 0, got {q0!r}")
    q0 = check_positive(q0, "q0")
    n = n_train + n_test
    blame = max((("n_train", n_train), ("n_test", n_test), ("dim", dim), ("n_classes", n_classes)), key=lambda t: t[1])
    check_nbytes(8 * (2 * n * dim + n * n_classes + n_classes * dim + 2 * n), blame[0], blame[1],
                 what=f"{n} examples of dimension {dim} with {n_classes} classes", reduce="n_train, n_test, dim or n_classes")
    gen = as_rng(rng)
    teacher = gen.standard_normal((n_classes, dim))
    x = gen.standard_normal((n_train + n_test, dim)) * np.sqrt(q0)
    y = np.argmax(x @ teacher.T, axis=1)
    return Task(x[:n_train], y[:n_train], x[n_train:], y[n_train:])


def train(mlp: MLP, task: Task, *, activation, steps, lr, batch_size=64, momentum=0.9, eval_every=50,
          rng=None) -> tuple[MLP, TrainHistory]:
    r"""SGD with (heavy-ball) momentum on minibatches drawn with replacement from ``task``.

    :math:`v \leftarrow \mu v - \eta\,\nabla\ell_{\text{batch}},\ \theta \leftarrow \theta + v`.  The training
    loss on the whole training set and the test accuracy are recorded at step 0 and every ``eval_every``
    steps.  A loss that turns non-finite (divergence) raises ``FloatingPointError`` naming the step.
    Returns the trained copy of ``mlp`` and the :class:`TrainHistory`.

    Arguments: ``steps`` in ``[0, 10**7]``, ``lr`` a finite number > 0, ``batch_size >= 1``,
    ``momentum`` in ``[0, 1)``, ``eval_every >= 1``; ``task`` must match ``mlp`` (input dimension,
    labels within its classes).  A network that diverges after the last evaluation (non-finite weights
    at the end) also raises ``FloatingPointError``.
    """
    act = get_activation(activation)
    _check_mlp(mlp)
    _check_task(task, mlp)
    steps = check_count(steps, "steps", minimum=0)
    lr = check_real(lr, "lr", low=0.0, low_open=True)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    eval_every = check_int(eval_every, "eval_every", minimum=1)
    momentum = check_real(momentum, "momentum", low=0.0, high=1.0, high_open=True)
    widest = max(W.shape[0] for W in mlp.weights)
    check_nbytes(8 * 4 * batch_size * widest * len(mlp.weights), "batch_size", batch_size,
                 what=f"the activations of a batch of {batch_size} through {len(mlp.weights)} layers", reduce="batch_size")
    gen = as_rng(rng)
    net = mlp.copy()
    vel = MLP([np.zeros_like(w) for w in net.weights], [np.zeros_like(b) for b in net.biases])
    n = task.x_train.shape[0]
    record_steps, losses, accs = [], [], []

    def record(step):
        logits = _forward(net, x_train, act)[0]
        loss = -float(_log_softmax(logits)[np.arange(n), task.y_train].mean())
        if not np.isfinite(loss):
            raise FloatingPointError(f"training diverged: loss {loss} at step {step} (lower lr)")
        test_logits = _forward(net, x_test, act)[0]
        record_steps.append(step)
        losses.append(loss)
        accs.append(float(np.mean(np.argmax(test_logits, axis=1) == task.y_test)))

    x_train = check_finite_array(task.x_train, "task.x_train", ndim=2)
    x_test = check_finite_array(task.x_test, "task.x_test", ndim=2)
    # a diverging run overflows before its loss turns non-finite: reported as FloatingPointError
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        record(0)
        for step in range(1, steps + 1):
            idx = gen.integers(0, n, size=batch_size)
            _, g = _loss_and_grads(net, x_train[idx], task.y_train[idx], act)[:2]
            for params, grads, v in ((net.weights, g.weights, vel.weights), (net.biases, g.biases, vel.biases)):
                for p, dp, vp in zip(params, grads, v):
                    vp *= momentum
                    vp -= lr * dp
                    p += vp
            if step % eval_every == 0:
                record(step)
    if not all(np.all(np.isfinite(p)) for p in net.weights + net.biases):
        raise FloatingPointError(f"training diverged: non-finite weights after step {steps} (lower lr)")
    return net, TrainHistory(np.array(record_steps), np.array(losses), np.array(accs))


def _check_task(task, mlp):
    """A :class:`Task` whose inputs fit ``mlp`` and whose labels are its classes."""
    if not isinstance(task, Task):
        raise TypeError(f"task: expected a Task (see teacher_task), got {type(task).__name__}")
    dim, n_classes = mlp.weights[0].shape[1], mlp.weights[-1].shape[0]
    for part in ("train", "test"):
        x = check_finite_array(getattr(task, f"x_{part}"), f"task.x_{part}", ndim=2)
        if x.shape[0] == 0 or x.shape[1] != dim:
            raise ValueError(f"task.x_{part}: expected shape (n >= 1, {dim}) to fit the MLP's input, got {x.shape}")
        _check_labels(getattr(task, f"y_{part}"), f"task.y_{part}", x.shape[0], n_classes)


def best_learning_rate(mlp: MLP, task: Task, *, activation, lrs, steps, rng=None, **kwargs):
    """Train a copy of ``mlp`` once per learning rate in ``lrs`` (same minibatch sequence for each) and
    keep the run with the lowest final training loss; diverged runs (non-finite loss) lose.

    Each network gets its best of a small grid: a comparison at one fixed rate would measure the rate,
    not the initialization.

    Returns
    -------
    lr : float
        The winning rate.
    history : TrainHistory
        Its history.
    final_losses : dict
        Final training loss per rate (``inf`` for diverged runs).

    ``lrs`` is one rate or a 1-d sequence of finite rates > 0.  ``steps`` must allow at least one
    evaluation after step 0 (``steps >= eval_every``, 50 by default): the runs are compared by their last
    recorded loss, and a comparison at step 0 would pick an arbitrary rate.  ``kwargs`` are
    ``batch_size``, ``momentum`` and ``eval_every`` of :func:`train`.
    """
    get_activation(activation)  # validates the name
    _check_mlp(mlp)
    _check_task(task, mlp)
    if isinstance(lrs, (str, bytes)) or lrs is None or np.ndim(lrs) > 1:
        raise TypeError(f"lrs: expected a learning rate or a 1-d sequence of them, got {lrs!r}")
    lrs = [check_real(lr, "lrs", low=0.0, low_open=True) if isinstance(lr, numbers.Real) and not isinstance(lr, bool)
           else check_positive(lr, "lrs") for lr in np.atleast_1d(np.asarray(lrs, dtype=object))]
    if not lrs:
        raise ValueError("lrs: expected at least one learning rate")
    unknown = sorted(set(kwargs) - {"batch_size", "momentum", "eval_every"})
    if unknown:
        raise TypeError(f"kwargs: unexpected argument(s) {unknown}; expected batch_size, momentum or eval_every")
    steps = check_count(steps, "steps", minimum=1)
    eval_every = check_int(kwargs.get("eval_every", 50), "eval_every", minimum=1)
    if steps < eval_every:
        raise ValueError(f"steps: expected steps >= eval_every = {eval_every} so that the runs are compared after "
                         f"training (the only loss recorded before step {eval_every} is the initial one), got {steps}")
    seed = int(as_rng(rng).integers(2**63))
    best, final = None, {}
    for lr in lrs:
        try:
            _, hist = train(mlp, task, activation=activation, steps=steps, lr=lr, rng=seed, **kwargs)
            final[lr] = float(hist.train_loss[-1])
        except FloatingPointError:
            final[lr] = float("inf")
            continue
        if best is None or final[lr] < best[1].train_loss[-1]:
            best = (lr, hist)
    if best is None:
        raise FloatingPointError(f"training diverged at every learning rate in {lrs}")
    return best[0], best[1], final


@dataclass
class RateGrid:
    """Training histories over (initialization, draw, learning rate), from :func:`learning_rate_grid`.

    Attributes
    ----------
    setups : tuple of str
        Names of the initializations, in the order of the first axis.
    lrs : numpy.ndarray
        The learning rates, in the order of the third axis.
    steps : numpy.ndarray
        The evaluation steps, the last axis.
    train_loss : numpy.ndarray
        Shape ``(len(setups), n_draws, len(lrs), len(steps))``: the training loss on the whole training
        set.  A run that diverged holds ``inf``; a point not computed (see ``points`` of
        :func:`learning_rate_grid`) holds NaN.
    test_accuracy : numpy.ndarray
        The same shape: test accuracy (NaN for a diverged run and for a point not computed).
    """

    setups: tuple
    lrs: np.ndarray
    steps: np.ndarray
    train_loss: np.ndarray
    test_accuracy: np.ndarray

    def best_lr_index(self) -> np.ndarray:
        """Per initialization, the index of the rate with the lowest mean (over draws) final training loss."""
        return np.argmin(self.train_loss[:, :, :, -1].mean(axis=1), axis=1)


def _check_setups(setups):
    if not isinstance(setups, dict) or not setups:
        raise TypeError(f"setups: expected a non-empty dict name -> (activation, weights, sigma_w2, sigma_b2), "
                        f"got {setups!r}")
    out = {}
    for name, value in setups.items():
        if not isinstance(name, str):
            raise TypeError(f"setups: names must be strings, got {name!r}")
        if not isinstance(value, (tuple, list)) or len(value) != 4:
            raise TypeError(f"setups[{name!r}]: expected (activation, weights, sigma_w2, sigma_b2), got {value!r}")
        act, kind, sw2, sb2 = value
        try:
            get_activation(act)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"setups[{name!r}]: {exc}") from None
        if kind not in WEIGHT_KINDS:
            raise ValueError(f"setups[{name!r}]: weights must be one of {WEIGHT_KINDS}, got {kind!r}")
        out[name] = (act, kind, _scalar_variance(sw2, f"setups[{name!r}] sigma_w2"),
                     _scalar_variance(sb2, f"setups[{name!r}] sigma_b2"))
    return out


def _check_grid_task(task):
    """A :class:`Task` with inputs of one dimension, integer labels and at least two classes: (dim, n_classes)."""
    if not isinstance(task, Task):
        raise TypeError(f"task: expected a Task (see teacher_task), got {type(task).__name__}")
    x = check_finite_array(task.x_train, "task.x_train", ndim=2)
    xt = check_finite_array(task.x_test, "task.x_test", ndim=2)
    if x.shape[0] == 0 or xt.shape[0] == 0 or xt.shape[1] != x.shape[1]:
        raise ValueError(f"task: expected training and test inputs of shapes (n >= 1, dim) with one dim, got "
                         f"{x.shape} and {xt.shape}")
    ys = [_check_labels(task.y_train, "task.y_train", x.shape[0], np.inf),
          _check_labels(task.y_test, "task.y_test", xt.shape[0], np.inf)]
    if min(y.min() for y in ys) < 0:
        raise ValueError("task: labels must be integers >= 0")
    n_classes = int(max(y.max() for y in ys)) + 1
    if n_classes < 2:
        raise ValueError(f"task: expected labels of at least 2 classes, got {n_classes}")
    return x.shape[1], n_classes


def learning_rate_grid(task: Task, *, setups, lrs, n_draws, width, depth, steps, seed, batch_size=64,
                       momentum=0.9, eval_every=50, points=None) -> RateGrid:
    """Train every initialization of ``setups`` ``n_draws`` times at every rate of ``lrs`` (chapter 2).

    Draw ``s`` of initialization number ``k`` is a network from :func:`init_mlp` and a minibatch sequence
    for :func:`train`, both drawn from ``numpy.random.default_rng([seed, k, s])``: the same network and the
    same minibatches at every rate (common random numbers), so the rates are compared on equal terms and
    any subset of the grid can be recomputed alone, bit for bit on the same machine.

    Parameters
    ----------
    task : Task
        The data, e.g. from :func:`teacher_task`.
    setups : dict
        ``name -> (activation, weights, sigma_w2, sigma_b2)`` with ``weights`` ``"gaussian"`` or
        ``"orthogonal"``.
    lrs : sequence of float
        Learning rates, finite and > 0.
    n_draws, width, depth, steps : int
        Networks per initialization (>= 1), their width and depth (>= 1), SGD steps (>= ``eval_every``).
    seed : int
        Non-negative; the root of every draw.
    batch_size, momentum, eval_every
        As in :func:`train`.
    points : sequence of (k, s, i) or None
        Only these (initialization, draw, rate) indices; the rest of the grid holds NaN.  ``None``: all.

    Returns
    -------
    RateGrid
    """
    setups = _check_setups(setups)
    if isinstance(lrs, (str, bytes)) or lrs is None or np.ndim(lrs) != 1 or len(lrs) == 0:
        raise TypeError(f"lrs: expected a non-empty 1-d sequence of learning rates, got {lrs!r}")
    lrs = np.array([check_real(lr, "lrs", low=0.0, low_open=True) for lr in lrs])
    n_draws = check_int(n_draws, "n_draws", minimum=1)
    width = check_int(width, "width", minimum=1)
    depth = check_int(depth, "depth", minimum=1)
    eval_every = check_int(eval_every, "eval_every", minimum=1)
    steps = check_count(steps, "steps", minimum=1)
    if steps < eval_every:
        raise ValueError(f"steps: expected steps >= eval_every = {eval_every} so that every run is recorded after "
                         f"training, got {steps}")
    seed = check_int(seed, "seed", minimum=0)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    momentum = check_real(momentum, "momentum", low=0.0, high=1.0, high_open=True)
    dim, n_classes = _check_grid_task(task)
    shape = (len(setups), n_draws, len(lrs))
    check_nbytes(8 * 2 * (steps // eval_every + 1) * math.prod(shape), "n_draws", n_draws,
                 what=f"the histories of {math.prod(shape)} runs", reduce="n_draws or steps")
    if points is None:
        todo = list(np.ndindex(shape))
    else:
        todo = []
        for p in points:
            if np.ndim(p) != 1 or len(p) != 3:
                raise TypeError(f"points: expected (k, s, i) index triples, got {p!r}")
            k, s, i = (check_int(v, "points", minimum=0) for v in p)
            if not (k < shape[0] and s < shape[1] and i < shape[2]):
                raise ValueError(f"points: index {(k, s, i)} outside the grid of shape {shape}")
            todo.append((k, s, i))
    eval_steps = np.arange(0, steps + 1, eval_every)
    loss = np.full(shape + (eval_steps.size,), np.nan)
    acc = np.full(shape + (eval_steps.size,), np.nan)
    names = list(setups)
    for k, s, i in todo:
        act, kind, sw2, sb2 = setups[names[k]]
        gen = np.random.default_rng([seed, k, s])
        mlp = init_mlp(dim=dim, width=width, depth=depth, n_classes=n_classes, sigma_w2=sw2, sigma_b2=sb2,
                       weights=kind, rng=gen)
        batches = int(gen.integers(2**63))
        try:
            hist = train(mlp, task, activation=act, steps=steps, lr=float(lrs[i]), batch_size=batch_size,
                         momentum=momentum, eval_every=eval_every, rng=batches)[1]
            loss[k, s, i], acc[k, s, i] = hist.train_loss, hist.test_accuracy
        except FloatingPointError:
            loss[k, s, i] = np.inf
    return RateGrid(tuple(names), lrs, eval_steps, loss, acc)
