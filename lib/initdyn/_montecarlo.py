r"""Monte Carlo of chapter 3 with the library's networks (private; the public API is
:func:`initdyn.exact.simulate_squared_norm_ratio` and :func:`initdyn.preactivation.simulate_output_preactivation`).

:func:`simulate` draws independent networks of :mod:`initdyn.network` (or weights from an initializer,
with mirrored inputs) and returns the inputs and the last pre-activations :math:`h^L`, under the
convention of :mod:`initdyn.exact`.  Defined in chapter 3 (:doc:`/notebooks/03-exact-distributions`).
"""

from __future__ import annotations

import math

import numpy as np

from ._signal import check_params
from ._validate import as_rng, check_int, check_memory
from .network import RandomNetwork, forward, random_network


def simulate(width, depth, sigma_w2, sigma_b2, q0, n_samples, rng, initializer):
    """Inputs x (n, N) and last pre-activations h^L (n, N) of n independent library networks."""
    width, depth, sigma_w2, sigma_b2, q0 = check_params(width, depth, sigma_w2, sigma_b2, q0)
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    if initializer is not None and not callable(initializer):
        raise TypeError(f"initializer: expected a callable f(shape, *, gain, rng), got {initializer!r}")
    if initializer is not None and width % 2:
        raise ValueError(f"width: mirrored inputs (with an initializer) need an even width, got {width}")
    check_memory(2 * n_samples * width + 2 * depth * width * width, "n_samples, width, depth")
    gen = as_rng(rng)
    xs = np.empty((n_samples, width))
    hs = np.empty((n_samples, width))
    for i in range(n_samples):
        if initializer is None:
            net = random_network(width=width, depth=depth, sigma_w2=sigma_w2, sigma_b2=sigma_b2, rng=gen)
            x = gen.standard_normal(width)
        else:
            W = [np.asarray(initializer((width, width), rng=gen)) for _ in range(depth)]
            if any(w.shape != (width, width) for w in W):
                raise ValueError(f"initializer: expected ({width}, {width}) arrays, got shape "
                                 f"{next(w.shape for w in W if w.shape != (width, width))}")
            W = np.stack(W)
            b = gen.standard_normal((depth, width)) * math.sqrt(sigma_b2)
            net = RandomNetwork(W, b)
            z = gen.standard_normal(width // 2)
            x = np.concatenate([np.maximum(z, 0), np.maximum(-z, 0)])
        target = math.sqrt(q0 * width) if math.isfinite(q0 * width) else math.sqrt(q0) * math.sqrt(width)
        x *= target / np.linalg.norm(x)
        xs[i] = x
        hs[i] = forward(net, x, activation="relu")[-1]
    return xs, hs
