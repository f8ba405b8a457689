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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import as_rng, check_finite_array, check_int, check_positive, check_variance
from .activations import get_activation
from .init import orthogonal

__all__ = ["MLP", "Task", "TrainHistory", "init_mlp", "forward", "loss_and_grads", "teacher_task", "train",
           "best_learning_rate"]

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
        """First evaluation step at which the training loss is below ``level`` (``inf`` if never)."""
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
    sw2 = check_variance(sigma_w2, "sigma_w2")
    sb2 = check_variance(sigma_b2, "sigma_b2")
    if weights not in WEIGHT_KINDS:
        raise ValueError(f"weights: expected one of {WEIGHT_KINDS}, got {weights!r}")
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


def _check_batch(mlp, x, y=None):
    if not isinstance(mlp, MLP):
        raise TypeError(f"mlp: expected an MLP, got {type(mlp).__name__}")
    x = check_finite_array(x, "x", ndim=2)
    if x.shape[1] != mlp.weights[0].shape[1]:
        raise ValueError(f"x: expected shape (batch, {mlp.weights[0].shape[1]}), got {x.shape}")
    if y is None:
        return x, None
    y = np.asarray(y)
    if y.shape != (x.shape[0],) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y: expected integer labels of shape ({x.shape[0]},), got {y.dtype} {y.shape}")
    n_classes = mlp.weights[-1].shape[0]
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"y: labels must lie in 0..{n_classes - 1}")
    return x, y


def _forward(mlp, x, act):
    hs, xs = [], [x]
    for W, b in zip(mlp.weights[:-1], mlp.biases[:-1]):
        h = xs[-1] @ W.T + b
        hs.append(h)
        xs.append(act.phi(h))
    return xs[-1] @ mlp.weights[-1].T + mlp.biases[-1], hs, xs


def forward(mlp: MLP, x, *, activation):
    """Logits ``(batch, n_classes)`` and the pre-activations ``[h^1, ..., h^L]`` (each ``(batch, width)``)."""
    act = get_activation(activation)
    x, _ = _check_batch(mlp, x)
    logits, hs, _ = _forward(mlp, x, act)
    return logits, hs


def _log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def loss_and_grads(mlp: MLP, x, y, *, activation):
    """Mean softmax cross-entropy on ``(x, y)`` and its exact gradient by backpropagation.

    Returns
    -------
    loss : float
    grads : MLP
        Gradients with the structure of ``mlp`` (``grads.weights[l]`` has the shape of ``mlp.weights[l]``).
    """
    act = get_activation(activation)
    x, y = _check_batch(mlp, x, y)
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
    return loss, MLP(gW, gb)


def teacher_task(*, n_train, n_test, dim, n_classes, q0=1.0, rng=None) -> Task:
    r"""Inputs :math:`x \sim \mathcal N(0, q_0 I_{dim})`, labels :math:`y = \arg\max_k (T x)_k` for a random
    Gaussian teacher :math:`T` of shape ``(n_classes, dim)``: a task a linear classifier solves exactly, so
    every network can fit it and only the speed of learning differs.  ``q0`` is the squared length per unit.
    """
    n_train = check_int(n_train, "n_train", minimum=1)
    n_test = check_int(n_test, "n_test", minimum=1)
    dim = check_int(dim, "dim", minimum=1)
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    q0 = check_positive(q0, "q0")
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
    """
    act = get_activation(activation)
    if not isinstance(task, Task):
        raise TypeError(f"task: expected a Task, got {type(task).__name__}")
    steps = check_int(steps, "steps", minimum=0)
    lr = check_positive(lr, "lr")
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    eval_every = check_int(eval_every, "eval_every", minimum=1)
    momentum = float(momentum)
    if not 0.0 <= momentum < 1.0:
        raise ValueError(f"momentum: expected a number in [0, 1), got {momentum}")
    gen = as_rng(rng)
    net = mlp.copy()
    vel = MLP([np.zeros_like(w) for w in net.weights], [np.zeros_like(b) for b in net.biases])
    n = task.x_train.shape[0]
    record_steps, losses, accs = [], [], []

    def record(step):
        logits, _ = forward(net, task.x_train, activation=act)
        loss = -float(_log_softmax(logits)[np.arange(n), task.y_train].mean())
        if not np.isfinite(loss):
            raise FloatingPointError(f"training diverged: loss {loss} at step {step} (lower lr)")
        test_logits, _ = forward(net, task.x_test, activation=act)
        record_steps.append(step)
        losses.append(loss)
        accs.append(float(np.mean(np.argmax(test_logits, axis=1) == task.y_test)))

    record(0)
    for step in range(1, steps + 1):
        idx = gen.integers(0, n, size=batch_size)
        _, g = loss_and_grads(net, task.x_train[idx], task.y_train[idx], activation=act)
        for params, grads, v in ((net.weights, g.weights, vel.weights), (net.biases, g.biases, vel.biases)):
            for p, dp, vp in zip(params, grads, v):
                vp *= momentum
                vp -= lr * dp
                p += vp
        if step % eval_every == 0:
            record(step)
    return net, TrainHistory(np.array(record_steps), np.array(losses), np.array(accs))


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
    """
    lrs = [check_positive(lr, "lrs") for lr in np.atleast_1d(lrs)]
    if not lrs:
        raise ValueError("lrs: expected at least one learning rate")
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
