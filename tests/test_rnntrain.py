"""Tests of initdyn.rnntrain: a linear recurrent network trained on delayed recall (chapter 4, eq-ch4-recall).

The gradient is checked against central finite differences (relative error below 1e-6: the truncation
error of a step of 1e-6 on a polynomial loss is ~1e-12 of its scale, rounding ~1e-10); the chapter's
precomputed grid (scripts/ch4_learning.py) against runs recomputed here, and the chapter's claim on it with
95% Student-t intervals over the draws.  Every seed is fixed, so the tests are deterministic.
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from initdyn import precomputed, rnntrain, stats


def _numerical_grads(W, u, c, x, delay, eps=1e-6):
    def f(W_, u_, c_):
        return rnntrain.recall_loss_and_grads(W_, u_, c_, x, delay)[0]

    out = []
    for which, arr in enumerate((W, u, c)):
        g = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            args_p = [W.copy(), u.copy(), c.copy()]
            args_m = [W.copy(), u.copy(), c.copy()]
            args_p[which][idx] += eps
            args_m[which][idx] -= eps
            g[idx] = (f(*args_p) - f(*args_m)) / (2 * eps)
        out.append(g)
    return out


@pytest.mark.parametrize("scale, delay", [(1.0, 0), (1.3, 3), (0.7, 8)])
def test_gradient_matches_finite_differences(scale, delay):
    gen = np.random.default_rng(7)
    n, B, L = 5, 3, 9
    W = scale * gen.standard_normal((n, n)) / np.sqrt(n)
    u, c = gen.standard_normal(n), gen.standard_normal(n)
    x = gen.standard_normal((B, L))
    loss, grads = rnntrain.recall_loss_and_grads(W, u, c, x, delay)
    assert isinstance(loss, float) and loss > 0
    for g, num in zip(grads, _numerical_grads(W, u, c, x, delay)):
        np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-6 * np.abs(num).max())


def test_stack_agrees_with_single_models():
    gen = np.random.default_rng(8)
    m, n, B, L = 3, 4, 2, 7
    W = gen.standard_normal((m, n, n)) / 2
    u, c = gen.standard_normal((m, n)), gen.standard_normal(n)
    x = gen.standard_normal((m, B, L))
    loss, (gW, gu, gc) = rnntrain.recall_loss_and_grads(W, u, c, x, 2)
    assert loss.shape == (m,) and gW.shape == (m, n, n) and gu.shape == gc.shape == (m, n)
    for i in range(m):
        li, (gWi, gui, gci) = rnntrain.recall_loss_and_grads(W[i], u[i], c, x[i], 2)
        assert li == pytest.approx(loss[i], rel=1e-12)
        np.testing.assert_allclose(gWi, gW[i], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(gci, gc[i], rtol=1e-12, atol=1e-14)


def test_exact_delay_line_has_zero_loss_and_gradient():
    # W the shift e_i -> e_{i+1}, u = e_1, c = e_{k+1}: y_t = x_{t-k} exactly.
    n, k = 6, 3
    W = np.eye(n, k=-1)
    u, c = np.eye(n)[0], np.eye(n)[k]
    x = np.random.default_rng(1).standard_normal((4, 10))
    loss, grads = rnntrain.recall_loss_and_grads(W, u, c, x, k)
    assert loss == pytest.approx(0.0, abs=1e-28)
    assert all(np.abs(g).max() < 1e-14 for g in grads)


def test_training_lowers_the_loss_and_shares_draws_between_inits():
    a = rnntrain.train_recall(8, 2, 12, init="glorot", n_samples=3, steps=40, rng=5)
    b = rnntrain.train_recall(8, 2, 12, init="rescaled", n_samples=3, steps=40, rng=5)
    assert a.train_loss.shape == (3, 41) and a.test_loss.shape == (3,) and a.rho.shape == (3, 2)
    assert np.all(a.train_loss[:, -1] < a.train_loss[:, 0]) and np.all(b.train_loss[:, -1] < b.train_loss[:, 0])
    assert a.scale == 1.0 and b.scale < 1.0
    # the same Gaussian matrices: the radii differ by exactly the scale
    np.testing.assert_allclose(b.rho[:, 0], a.rho[:, 0] * b.scale, rtol=1e-10)


@pytest.mark.parametrize("call, arg", [
    (lambda: rnntrain.recall_loss_and_grads(np.eye(3), np.ones(3), np.ones(3), np.ones((2, 4)), 4), "delay"),
    (lambda: rnntrain.recall_loss_and_grads(np.eye(3), np.ones(2), np.ones(3), np.ones((2, 4)), 1), "u"),
    (lambda: rnntrain.recall_loss_and_grads(np.ones((3, 2)), np.ones(3), np.ones(3), np.ones((2, 4)), 1), "W"),
    (lambda: rnntrain.recall_loss_and_grads(np.eye(3), np.ones(3), np.ones(3), np.full((2, 4), np.nan), 1), "x"),
    (lambda: rnntrain.recall_loss_and_grads(np.eye(3), np.ones(3), np.ones(3), np.ones((2, 4)), 1.0), "delay"),
    (lambda: rnntrain.train_recall(8, 4, 4), "length"),
    (lambda: rnntrain.train_recall(8, 1, 4, init="he"), "init"),
    (lambda: rnntrain.train_recall(8, 1, 4, lr=0.0), "lr"),
    (lambda: rnntrain.train_recall(8, 1, 4, clip=-1.0), "clip"),
    (lambda: rnntrain.train_recall(8, 1, 4, n_samples=0), "n_samples"),
    (lambda: rnntrain.train_recall(8, 1, 4, rng="x"), "rng"),
    (lambda: rnntrain.train_recall(8, 1, 10**9), "length"),
    (lambda: rnntrain.train_recall(2, 1, 4000, rng=0), "length"),  # the Glorot state overflows float64
    (lambda: rnntrain.recall_loss_and_grads(60 * np.eye(2), np.ones(2), np.ones(2), np.ones((1, 300)), 1), "W"),
])
def test_bad_input_raises_naming_the_argument(call, arg):
    with pytest.raises((ValueError, TypeError), match=arg):
        call()


# --------------------------------------------------------------------------------------------------------
# Chapter 4's precomputed grid
# --------------------------------------------------------------------------------------------------------

def _script():
    path = Path(__file__).resolve().parent.parent / "scripts" / "ch4_learning.py"
    spec = importlib.util.spec_from_file_location("ch4_learning", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _stored(mod):
    arrays, provenance = precomputed.load("ch4_learning")
    p = mod.PARAMS
    assert provenance["params"] == p
    shape = (len(p["widths"]), len(p["delay_multiples"]), len(p["inits"]), p["n_draws"])
    assert arrays["test_loss"].shape == shape and arrays["train_loss"].shape == shape + (p["steps"] + 1,)
    assert np.all(np.isfinite(arrays["test_loss"]))
    return arrays


@pytest.mark.slow
def test_chapter4_learning_file_agrees_with_runs_made_here():
    # One random grid point at the smallest width recomputed (both initializations, every draw).  A draw is
    # compared only if rerunning it with the learning rate nudged by a relative 1e-13 moves its loss curve by
    # less than 1e-6 (otherwise rounding, which another CPU's BLAS kernels change, decides it); the compared
    # ones must agree with the file to 1e-8 relative.
    mod = _script()
    stored = _stored(mod)
    pick = np.random.default_rng(2027)
    i_k = int(pick.integers(len(mod.PARAMS["delay_multiples"])))
    nudged = dict(mod.PARAMS, lr=mod.PARAMS["lr"] * (1 + 1e-13))
    compared = 0
    for i_i, init in enumerate(mod.PARAMS["inits"]):
        live = mod.point(mod.PARAMS, 0, i_k, init)
        probe = mod.point(nudged, 0, i_k, init)
        ref = stored["train_loss"][0, i_k, i_i]
        stable = np.max(np.abs(probe.train_loss / ref - 1), axis=1) < 1e-6
        compared += int(stable.sum())
        np.testing.assert_allclose(live.train_loss[stable], ref[stable], rtol=1e-8)
        np.testing.assert_allclose(live.test_loss[stable], stored["test_loss"][0, i_k, i_i][stable], rtol=1e-8)
    assert compared > 0


def test_chapter4_claim_glorot_recalls_long_delays_better_rescaled_short_ones():
    # The claim of chapter 4's section "Learning to remember", on the stored runs (95% Student-t intervals over
    # the draws; the two initializations of a grid point share their draws, so their difference is paired):
    # * at delay k = 4 sqrt(n) the paired difference of log10 recall errors, Glorot minus rescaled, has an
    #   interval below zero at every width, and at widths 36 and 64 Glorot's interval of the mean log10 recall
    #   error lies entirely below the rescaled one's;
    # * at delay k = sqrt(n) and width 64 the same paired difference has an interval above zero (the
    #   rescaled Glorot recalls better); at widths 16 and 36 the interval contains zero;
    # * at delay k = 2 sqrt(n) the interval lies above zero at width 16 only.
    mod = _script()
    arrays = _stored(mod)
    p = mod.PARAMS
    test = arrays["test_loss"]
    g, r = p["inits"].index("glorot"), p["inits"].index("rescaled")
    short, long_ = p["delay_multiples"].index(1), p["delay_multiples"].index(4)
    for i_n, n in enumerate(p["widths"]):
        ratio = np.log10(test[i_n, :, g]) - np.log10(test[i_n, :, r])
        assert stats.mean_interval(ratio[long_])[2] < 0, n
        if n >= 36:
            assert (stats.mean_interval(np.log10(test[i_n, long_, g]))[2]
                    < stats.mean_interval(np.log10(test[i_n, long_, r]))[1]), n
        _, lo, hi = stats.mean_interval(ratio[short])
        assert (lo > 0) if n == 64 else (lo < 0 < hi), n
        _, lo, hi = stats.mean_interval(ratio[p["delay_multiples"].index(2)])
        assert (lo > 0) if n == 16 else (lo < 0 < hi), n
