r"""A linear recurrent network trained on delayed recall, from Glorot or rescaled Glorot weights (chapter 4).

The model is the input-driven recurrence of :mod:`initdyn.driven` with a linear readout,

.. math:: h_t = W h_{t-1} + u\,x_t,\qquad y_t = c^T h_t,\qquad h_0 = 0,

with scalar inputs :math:`x_t \sim \mathcal N(0, 1)`, and the task is to reproduce the input
``delay`` steps back, :math:`y_t \approx x_{t-k}`.  All of :math:`W, u, c` are trained by full-batch
gradient descent with the exact gradient (backpropagation through time, written out in numpy) and
global-norm gradient clipping (Pascanu, Mikolov & Bengio 2013), the standard remedy for exploding
gradients: no state or gradient overflows as long as the recurrence itself does not (sequences of a
few :math:`\sqrt n` steps, far below the :math:`\sim 700/\log\rho` at which a Glorot state would).
:math:`W` starts Glorot, :math:`W_{ij} \sim \mathcal N(0, 1/n)`, or rescaled Glorot, divided by the
radius :math:`r_n(x)` of :func:`initdyn.ginibre.rescaling_radius` (Bar, Seleznova, Alexander,
Kutyniok & Giryes 2025, "Revisiting Glorot Initialization for Long-Range Linear Recurrences", arXiv
2505.19827).

* :func:`recall_loss_and_grads`: the loss and its exact gradient for a stack of models;
* :func:`train_recall`: ``n_samples`` independent models trained side by side (one batched product per
  step and time), their training-loss histories and held-out recall errors.

Argument checks: every argument is checked where it enters, with a ``ValueError`` or ``TypeError``
that names it; requests whose arrays would exceed 4 GiB or whose work would not finish in a bounded
time are refused up front.

Defined in chapter 4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._validate import (as_rng, check_choice, check_count, check_finite_array, check_int, check_nbytes,
                        check_real, check_work)
from .ginibre import rescaling_radius

__all__ = ["recall_loss_and_grads", "train_recall", "RecallRun"]


def _check_model(W, u, c):
    W = check_finite_array(W, "W", ndim=(2, 3))
    if W.shape[-1] != W.shape[-2] or W.shape[-1] == 0 or (W.ndim == 3 and W.shape[0] == 0):
        raise ValueError(f"W: expected square matrices (n, n) or a stack (m, n, n), got shape {W.shape}")
    n = W.shape[-1]
    single = W.ndim == 2
    Ws = W[None] if single else W
    m = Ws.shape[0]
    vecs = []
    for name, v in (("u", u), ("c", c)):
        v = check_finite_array(v, name, ndim=(1, 2))
        if v.shape[-1] != n or (v.ndim == 2 and (single or v.shape[0] != m)):
            want = f"({n},)" if single else f"({n},) or ({m}, {n})"
            raise ValueError(f"{name}: expected shape {want} to match W of shape {W.shape}, got {v.shape}")
        vecs.append(np.broadcast_to(v, (m, n)))
    return single, Ws, vecs[0], vecs[1]


def _check_inputs(x, m):
    x = check_finite_array(x, "x", ndim=(2, 3))
    if x.shape[-1] < 1 or x.shape[-2] < 1 or (x.ndim == 3 and x.shape[0] != m):
        raise ValueError(f"x: expected input sequences of shape (batch >= 1, length >= 1), or ({m}, batch, length) "
                         f"for a stack of {m} models, got {x.shape}")
    return np.broadcast_to(x, (m,) + x.shape[-2:])


def _loss_grads(W, u, c, x, delay, want_grads=True):
    """Loss and gradients of a (m, n, n) stack on (m, B, L) inputs (arguments already checked)."""
    m, B, L = x.shape
    n = W.shape[-1]
    count = B * (L - delay)
    H = np.zeros((m, L + 1, B, n))  # H[:, t] = h_t, t = 0..L
    Wt = np.swapaxes(W, -1, -2)
    xs = np.moveaxis(x, -1, 1)  # (m, L, B)
    for t in range(1, L + 1):
        H[:, t] = H[:, t - 1] @ Wt + xs[:, t - 1, :, None] * u[:, None, :]
    y = np.einsum("mtbn,mn->mtb", H[:, delay + 1:], c)  # outputs at t = delay+1..L
    err = y - xs[:, :L - delay]  # target x_{t - delay}
    loss = np.einsum("mtb,mtb->m", err, err) / count
    if not want_grads:
        return loss, None
    e = np.zeros((m, L + 1, B))
    e[:, delay + 1:] = 2.0 * err / count
    gW = np.zeros_like(W)
    gu = np.zeros_like(u)
    gc = np.einsum("mtbn,mtb->mn", H[:, delay + 1:], e[:, delay + 1:])
    D = np.zeros((m, B, n))  # dLoss/dh_t, accumulated backwards
    for t in range(L, 0, -1):
        D = D @ W + e[:, t, :, None] * c[:, None, :]
        gW += np.swapaxes(D, -1, -2) @ H[:, t - 1]
        gu += np.einsum("mbn,mb->mn", D, xs[:, t - 1])
    return loss, (gW, gu, gc)


def recall_loss_and_grads(W, u, c, x, delay):
    r"""Delayed-recall loss of :math:`h_t = W h_{t-1} + u x_t`, :math:`y_t = c^T h_t`, and its exact gradient.

    Implements equation ``eq-ch4-recall`` of chapter 4 (:doc:`/notebooks/04-glorot-recurrences`):

    .. math:: \mathcal L = \frac{1}{B\,(L - k)} \sum_{b=1}^{B} \sum_{t=k+1}^{L} \bigl(c^T h_t^{(b)} - x^{(b)}_{t-k}\bigr)^2,

    for ``B`` sequences of length ``L`` and delay :math:`k`, from :math:`h_0 = 0`.  With unit-variance
    inputs, :math:`\mathcal L = 1` is the error of the silent readout :math:`c = 0`.  The gradient is
    backpropagation through time: with :math:`e_t = 2(y_t - x_{t-k})/(B(L-k))` (zero for :math:`t \le k`)
    and :math:`\delta_t = \partial\mathcal L/\partial h_t = c\,e_t + W^T\delta_{t+1}`,
    :math:`\partial_W\mathcal L = \sum_t \delta_t h_{t-1}^T`, :math:`\partial_u\mathcal L = \sum_t \delta_t x_t`,
    :math:`\partial_c\mathcal L = \sum_t e_t h_t` (summed over sequences).  Cost: two products of the
    ``(B, n)`` states with an :math:`n \times n` matrix per step, forward and backward, per model.

    Parameters
    ----------
    W : array_like
        Shape ``(n, n)`` or ``(m, n, n)``.
        Recurrent weights, or a stack of ``m`` models.
    u, c : array_like
        Shape ``(n,)`` or ``(m, n)``.
        Input and readout weights (one per model, or shared by a stack).
    x : array_like
        Shape ``(B, L)`` or ``(m, B, L)``.
        Input sequences (shared by a stack, or one set per model).
    delay : int, 0 <= delay < L

    Returns
    -------
    loss : float or ndarray
        A float, or shape ``(m,)``.
    grads : tuple
        ``(dW, du, dc)`` of the shapes of ``W`` and ``(n,)`` or ``(m, n)``.

    Examples
    --------
    >>> import numpy as np
    >>> loss, _ = recall_loss_and_grads(np.zeros((3, 3)), np.ones(3), np.zeros(3), np.ones((2, 5)), 1)
    >>> float(loss)
    1.0
    """
    single, W3, u2, c2 = _check_model(W, u, c)
    x3 = _check_inputs(x, W3.shape[0])
    L = x3.shape[-1]
    delay = check_int(delay, "delay", minimum=0)
    if delay >= L:
        raise ValueError(f"delay: expected an integer below the sequence length L = {L}, got {delay}")
    m, B, n = W3.shape[0], x3.shape[1], W3.shape[-1]
    check_nbytes(8 * m * (L + 1) * B * n, "x", f"shape {np.shape(x)}", what=f"the states of {m} x {B} sequences "
                 f"of {L} steps of size {n}", reduce="the number or length of the sequences")
    check_work(4 * m * B * n * n * L, "x", f"shape {np.shape(x)}", what="backpropagation through time",
               reduce="the number or length of the sequences")
    with np.errstate(over="raise", invalid="raise"):
        try:
            loss, (gW, gu, gc) = _loss_grads(W3, u2, c2, x3, delay)
        except FloatingPointError:
            raise ValueError("W: the states or gradients overflow float64 on these sequences; use shorter "
                             "sequences or a smaller W") from None
    if single:
        return float(loss[0]), (gW[0], gu[0], gc[0])
    return loss, (gW, gu, gc)


@dataclass(frozen=True)
class RecallRun:
    """Result of :func:`train_recall` (arrays over the ``n_samples`` models).

    Attributes
    ----------
    train_loss : ndarray
        Shape ``(n_samples, steps + 1)``.
        Training loss before each step and after the last.
    test_loss : ndarray
        Shape ``(n_samples,)``.
        Recall error of the trained models on held-out sequences (1 = nothing recalled).
    test_loss_init : ndarray
        Shape ``(n_samples,)``.
        The same at initialization.
    rho : ndarray
        Shape ``(n_samples, 2)``.
        Spectral radius of :math:`W` at initialization (column 0) and after training (column 1).
    scale : float
        The factor :math:`s` of :math:`W = s\\,G/\\sqrt n` at initialization.
    """

    train_loss: np.ndarray
    test_loss: np.ndarray
    test_loss_init: np.ndarray
    rho: np.ndarray
    scale: float


def train_recall(n, delay, length, *, init: str = "glorot", n_samples: int = 4, steps: int = 200,
                 lr: float = 0.05, clip: float = 1.0, n_train: int = 64, n_test: int = 256,
                 rng=None) -> RecallRun:
    r"""Train ``n_samples`` linear recurrent networks of width ``n`` on delayed recall; return a :class:`RecallRun`.

    Implements the experiment of equation ``eq-ch4-recall`` of chapter 4
    (:doc:`/notebooks/04-glorot-recurrences`).

    Each model draws :math:`W = s\,G/\sqrt n` (:math:`G` standard Gaussian; :math:`s = 1` for
    ``init="glorot"``, :math:`s = 1/r_n` with :math:`r_n` = :func:`initdyn.ginibre.rescaling_radius` (its
    default quantile and ``method="auto"``) for ``init="rescaled"``) and Glorot input and readout weights
    :math:`u, c \sim \mathcal N(0, 2/(n+1))`.  All models share one training set of ``n_train`` input
    sequences of ``length`` standard Gaussian steps and one test set of ``n_test``; they are trained
    side by side by ``steps`` steps of full-batch gradient descent on the loss of
    :func:`recall_loss_and_grads`, :math:`\theta \leftarrow \theta - \eta\, g\,\min(1, \kappa/\|g\|)` with
    :math:`\|g\|` the global norm of the gradient of each model (``lr`` :math:`\eta`, ``clip`` :math:`\kappa`).
    Draw order from ``rng``: training inputs, test inputs, then per model :math:`G, u, c`.

    Parameters
    ----------
    n : int >= 2
        Width.
    delay : int >= 0
        The delay :math:`k` of the recall task.
    length : int > delay
        Sequence length :math:`L`; the loss covers :math:`t = k+1..L`.
    init : {"glorot", "rescaled"}
    n_samples : int >= 1
        Independent models (draws of the weights).
    steps : int >= 0
        Gradient steps.
    lr : float > 0
    clip : float > 0
        Largest global gradient norm of a step.
    n_train, n_test : int >= 1
        Training and test sequences.
    rng : numpy.random.Generator, int seed or None

    Returns
    -------
    RecallRun

    Raises
    ------
    ValueError
        Also when the states overflow float64: at initialization (naming ``length``: a Glorot
        recurrence far beyond :math:`\sqrt n` steps) or during training (naming ``lr``).
    """
    n = check_int(n, "n", minimum=2)
    delay = check_int(delay, "delay", minimum=0)
    length = check_int(length, "length", minimum=1)
    if length <= delay:
        raise ValueError(f"length: expected sequences longer than delay = {delay}, got {length}")
    check_choice(init, "init", ("glorot", "rescaled"))
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    steps = check_count(steps, "steps", minimum=0)
    lr = check_real(lr, "lr", low=0.0, low_open=True, high=1e6)
    clip = check_real(clip, "clip", low=0.0, low_open=True, high=1e6)
    n_train = check_int(n_train, "n_train", minimum=1)
    n_test = check_int(n_test, "n_test", minimum=1)
    gen = as_rng(rng)
    size = max(n_train, n_test)
    factors = {"n_samples": n_samples, "length": length + 1, "n_train": n_train, "n_test": n_test, "n": n * n}
    blame = max(factors, key=factors.get)  # the largest factor of the memory estimate is blamed
    check_nbytes(8 * n_samples * (length + 1) * size * n + 8 * n_samples * n * n * 4, blame,
                 {"length": length, "n": n}.get(blame, factors[blame]),
                 what=f"the states of {n_samples} models on {size} sequences of {length} steps of size {n}",
                 reduce="n_samples, n_train, n_test, length or n")
    work = 4 * n_samples * n_train * n * n * length * (steps + 1) + 2 * n_samples * n_test * n * n * length
    blame = "steps" if steps + 1 >= max(factors.values()) else blame
    check_work(work, blame, steps if blame == "steps" else {"length": length, "n": n}.get(blame, factors[blame]),
               what=f"{steps} gradient steps of {n_samples} models", reduce="steps, n_samples, n_train, length or n")
    scale = 1.0 if init == "glorot" else 1.0 / rescaling_radius(n)
    x_train = gen.standard_normal((n_train, length))
    x_test = gen.standard_normal((n_test, length))
    W = np.empty((n_samples, n, n))
    u = np.empty((n_samples, n))
    c = np.empty((n_samples, n))
    sd = math.sqrt(2.0 / (n + 1))
    for i in range(n_samples):
        W[i] = gen.standard_normal((n, n)) * (scale / math.sqrt(n))
        u[i] = gen.standard_normal(n) * sd
        c[i] = gen.standard_normal(n) * sd
    rho = np.empty((n_samples, 2))
    rho[:, 0] = np.max(np.abs(np.linalg.eigvals(W)), axis=-1)
    xtr = np.broadcast_to(x_train, (n_samples, n_train, length))
    xte = np.broadcast_to(x_test, (n_samples, n_test, length))
    hist = np.empty((n_samples, steps + 1))
    s = 0
    try:
        with np.errstate(over="raise", invalid="raise"):
            test_init = _loss_grads(W, u, c, xte, delay, want_grads=False)[0]
            for s in range(steps + 1):
                loss, (gW, gu, gc) = _loss_grads(W, u, c, xtr, delay)
                hist[:, s] = loss
                if s == steps:
                    break
                norm = np.sqrt(np.einsum("mij,mij->m", gW, gW) + np.einsum("mi,mi->m", gu, gu)
                               + np.einsum("mi,mi->m", gc, gc))
                f = lr * np.minimum(1.0, clip / np.where(norm > 0, norm, 1.0))
                W = W - f[:, None, None] * gW
                u = u - f[:, None] * gu
                c = c - f[:, None] * gc
            test = _loss_grads(W, u, c, xte, delay, want_grads=False)[0]
    except FloatingPointError:
        if s == 0:
            raise ValueError(f"length: the states overflow float64 at initialization over {length} steps; "
                             "use shorter sequences") from None
        raise ValueError(f"lr: training diverged (the states overflow float64) at step {s}; use a smaller lr "
                         "or clip") from None
    rho[:, 1] = np.max(np.abs(np.linalg.eigvals(W)), axis=-1)
    return RecallRun(train_loss=hist, test_loss=test, test_loss_init=test_init, rho=rho, scale=scale)
