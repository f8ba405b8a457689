"""Statements the chapters make in prose that no library function prints: each checked here."""

import numpy as np
import pytest

from initdyn import chaos, piecewise


def test_two_relu_units_suffice_for_period_three():
    # Chapter 5, section 1: f(x) = 2 relu(x) - 4 relu(x - 1/2) (width 2, the public code's tent network)
    # has the 3-cycle 2/7 -> 4/7 -> 6/7, found exactly by the library.
    f = piecewise.ReluMap(a=[2.0, -4.0], w=[1.0, 1.0], b=[0.0, -0.5], c=0.0)
    np.testing.assert_allclose(f.iterate(2 / 7, 3), [2 / 7, 4 / 7, 6 / 7, 2 / 7], atol=1e-14)
    assert f.periodic_points(3).size >= 3
    assert np.any(np.isclose(f.periodic_points(3), 2 / 7, atol=1e-12))


@pytest.mark.slow
def test_glorot_period_three_collapses_with_width_he_does_not():
    # Chapter 5, section 3.  Glorot at gain 3: 7.3% of maps at width 16 in the chapter, none of 3000 at
    # width 256.  With 1000 maps each: at p = 0.07 fewer than 40 hits has probability < 1e-5 (binomial),
    # and at width 256 the chapter's upper 95% bound is 0.13%, so more than 8 hits in 1000 would be
    # < 1e-4 likely.  He at gain 1 keeps a rate of ~0.3-0.5% at width 512 (10,000 maps in the chapter):
    # 4000 maps, expected ~15 hits; fewer than 3 has probability < 3e-3 even at a rate of 0.25%.
    gen = np.random.default_rng(11)
    k16 = int(chaos.random_relu_map(width=16, init="glorot", gain=3.0, n_samples=1000, rng=gen).has_period(3).sum())
    k256 = int(chaos.random_relu_map(width=256, init="glorot", gain=3.0, n_samples=1000, rng=gen).has_period(3).sum())
    assert k16 >= 40 and k256 <= 8
    k_he = int(chaos.random_relu_map(width=512, init="he", n_samples=4000, rng=gen).has_period(3).sum())
    assert k_he >= 3


@pytest.mark.slow
def test_atlas_period_three_separates_he_from_lecun():
    # Chapter 6's atlas: He 0.60% [0.47, 0.77] of 10,000 width-16 maps, LeCun none of 10,000 (< 0.04%).
    # 5000 maps each: He expects ~30 hits, fewer than 12 has probability < 1e-4 at any rate >= 0.47%;
    # LeCun at the chapter's upper bound 0.04% expects 2, 7 or more has probability < 0.5%.
    from initdyn import atlas, init
    k_he, n = atlas.period3_probability(init.he_normal, width=16, n_samples=5000, rng=21)
    k_lecun, _ = atlas.period3_probability(init.lecun_normal, width=16, n_samples=5000, rng=22)
    assert k_he >= 12 and k_lecun <= 6
