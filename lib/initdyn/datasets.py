"""Real data for the training experiments: scikit-learn's handwritten digits, or a reader's own arrays.

The chapters train on :func:`digits_task`, the 1797 8x8 images of handwritten digits that ship with
scikit-learn (``sklearn.datasets.load_digits``, from the UCI optical recognition data set), so
nothing is downloaded.  :func:`task_from_arrays` turns any ``(n, dim)`` inputs and integer labels
(MNIST, CIFAR-10, features of a reader's own) into the same :class:`~initdyn.train.Task`: a seeded
random split, inputs standardized with the training split's statistics and scaled so that each input
has squared length ``q0`` per unit on average, the mean-field normalisation of chapter 1 in which a
network's input sits at the length the theory assumes.

scikit-learn is an optional dependency (the ``data`` extra; the ``notebook``, ``book`` and ``test``
extras include it); it is imported only when :func:`digits_task` is called.
"""

from __future__ import annotations

import importlib

import numpy as np

from ._validate import as_rng, check_finite_array, check_int, check_real
from .train import Task

__all__ = ["digits_task", "task_from_arrays"]


def task_from_arrays(x, y, *, n_test, q0=1.0, rng=None) -> Task:
    r"""A :class:`~initdyn.train.Task` from inputs ``x`` ``(n, dim)`` and integer labels ``y`` ``(n,)``.

    The rows are shuffled by ``rng`` (a ``numpy.random.Generator`` or an int seed) and the last
    ``n_test`` become the test split.  Each feature is centred and scaled by the training split's mean
    and standard deviation (a constant feature becomes 0), then all inputs are multiplied by one factor
    so that the training inputs have mean squared entry ``q0``: :math:`\frac1{n\,\mathrm{dim}}\sum\|x\|^2 = q_0`,
    the length per unit :math:`q^0` at which chapter 1's maps start.  Labels are renumbered
    ``0..K-1`` in sorted order of their values; at least two classes are needed.
    """
    x = check_finite_array(x, "x", ndim=2)
    n = x.shape[0]
    if y is None or isinstance(y, (str, bytes)):
        raise TypeError(f"y: expected integer labels of shape ({n},), got {y!r}")
    y = np.asarray(y)
    if y.dtype == bool or not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"y: expected integer labels of shape ({n},), got dtype {y.dtype}")
    if y.shape != (n,):
        raise ValueError(f"y: expected integer labels of shape ({n},) to match x, got shape {y.shape}")
    n_test = check_int(n_test, "n_test", minimum=1)
    if n_test > n - 1:
        raise ValueError(f"n_test: expected 1 <= n_test <= {n - 1} (at least one training example), got {n_test}")
    q0 = check_real(q0, "q0", low=0.0, low_open=True)
    classes, labels = np.unique(y, return_inverse=True)
    if classes.size < 2:
        raise ValueError(f"y: expected at least 2 classes, got {classes.size}")
    order = as_rng(rng).permutation(n)
    x, labels = x[order], labels[order]
    train_x = x[:-n_test]
    mean, std = train_x.mean(axis=0), train_x.std(axis=0)
    z = (x - mean) / np.where(std > 0, std, 1.0)
    z[:, std == 0] = 0.0
    power = float(np.mean(z[:-n_test] ** 2))
    if power > 0:
        z *= np.sqrt(q0 / power)
    return Task(z[:-n_test], labels[:-n_test].astype(np.int64), z[-n_test:], labels[-n_test:].astype(np.int64))


def digits_task(*, n_test=597, q0=1.0, rng=None) -> Task:
    """scikit-learn's 8x8 handwritten digits (1797 images, 64 pixels, 10 classes) as a :class:`~initdyn.train.Task`.

    Split, standardized and scaled by :func:`task_from_arrays` (``n_test`` test images, the rest for
    training; ``q0`` the mean squared input entry).  Raises ``ImportError`` naming the package when
    scikit-learn is not installed.
    """
    try:
        sk_datasets = importlib.import_module("sklearn.datasets")
    except ImportError:
        raise ImportError("digits_task needs scikit-learn (pip install 'initdyn[data]' or scikit-learn); "
                          "task_from_arrays takes any arrays without it") from None
    data = sk_datasets.load_digits()
    return task_from_arrays(np.asarray(data.data, dtype=float), np.asarray(data.target), n_test=n_test, q0=q0,
                            rng=rng)
