"""initdyn.datasets: the digits task and a reader's own arrays, split and normalised as documented."""

import numpy as np
import pytest

from initdyn import datasets


def test_digits_task_shapes_split_and_normalisation():
    task = datasets.digits_task(rng=0)
    assert task.x_train.shape == (1200, 64) and task.x_test.shape == (597, 64)
    assert task.n_classes == 10
    # mean squared training entry is q0 = 1 (to rounding); features centred on the training split
    assert np.mean(task.x_train**2) == pytest.approx(1.0, rel=1e-12)
    np.testing.assert_allclose(task.x_train.mean(axis=0), 0.0, atol=1e-12)
    # every image is used once: 1797 in all, each class present in both splits
    assert set(np.unique(task.y_train)) == set(range(10)) == set(np.unique(task.y_test))
    # the same seed gives the same split, another seed another one
    again, other = datasets.digits_task(rng=0), datasets.digits_task(rng=1)
    np.testing.assert_array_equal(again.x_test, task.x_test)
    assert not np.array_equal(other.y_test, task.y_test)


def test_task_from_arrays_renumbers_labels_and_scales_to_q0():
    gen = np.random.default_rng(3)
    x = gen.standard_normal((50, 4)) * [1.0, 10.0, 0.1, 0.0] + [5.0, 0.0, 0.0, 7.0]  # last column constant
    y = np.repeat([3, 7, 11, 20, 42], 10)
    task = datasets.task_from_arrays(x, y, n_test=10, q0=2.5, rng=4)
    assert task.n_classes == 5 and set(np.unique(np.concatenate([task.y_train, task.y_test]))) == set(range(5))
    assert np.mean(task.x_train**2) == pytest.approx(2.5, rel=1e-12)
    assert np.all(task.x_train[:, 3] == 0) and np.all(task.x_test[:, 3] == 0)
    # standardisation: the non-constant training features have equal variance
    v = task.x_train[:, :3].var(axis=0)
    np.testing.assert_allclose(v, v[0], rtol=1e-12)
    # the pairing of inputs and labels survives the shuffle: label k <-> original value sorted k
    order = np.random.default_rng(4).permutation(50)
    np.testing.assert_array_equal(task.y_train, np.searchsorted([3, 7, 11, 20, 42], y[order][:40]))


@pytest.mark.parametrize("kwargs, match", [
    (dict(x=np.ones((5, 2)), y=np.zeros(5, int), n_test=1), "at least 2 classes"),
    (dict(x=np.ones((5, 2)), y=np.arange(5), n_test=5), "n_test"),
    (dict(x=np.ones((5, 2)), y=np.arange(4), n_test=1), "y"),
    (dict(x=np.ones((5, 2)), y=np.arange(5.0), n_test=1), "y"),
    (dict(x=np.full((5, 2), np.nan), y=np.arange(5), n_test=1), "x"),
])
def test_task_from_arrays_refuses_bad_input(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        datasets.task_from_arrays(**kwargs)
