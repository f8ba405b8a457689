r"""Internals of the ReLU maps of :mod:`initdyn.piecewise` (chapter 5).

Private.  The maps :math:`f(x) = \sum_i a_i\,\mathrm{relu}(w_i x + b_i) + c` of equation
``eq-ch5-relu-map`` of chapter 5 (:doc:`/notebooks/05-li-yorke-chaos`): their exact linear pieces,
batched over an ensemble (:func:`_relu_pieces`), the vectorized exact period-3 test of a block of maps
(:func:`_has_period3_block`) and the check that orbits stayed in the float range (:func:`_check_orbits`).
The classes that use them, with their argument checks, are :class:`initdyn.piecewise.ReluMap` and
:class:`initdyn.piecewise.ReluMapEnsemble`.
"""

from __future__ import annotations

import numpy as np


def _relu_pieces(a, w, b, c):
    """Sorted breakpoints, slopes and intercepts of sum_i a_i relu(w_i x + b_i) + c (batched, last axis = units).

    Units with w_i = 0 are constant: they are folded into c and their breakpoint sent to +inf.
    """
    flat = w == 0
    c = c + np.sum(np.where(flat, a * np.maximum(b, 0.0), 0.0), axis=-1)
    a = np.where(flat, 0.0, a)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(flat, np.inf, -b / np.where(flat, 1.0, w))
    order = np.argsort(t, axis=-1, kind="stable")
    t = np.take_along_axis(t, order, axis=-1)
    a_s, w_s, b_s = (np.take_along_axis(v, order, axis=-1) for v in (a, w, b))
    neg = w_s < 0
    # Far left only the units with w < 0 are active; crossing t_i switches unit i on (w > 0) or off (w < 0).
    s0 = np.sum(np.where(neg, a_s * w_s, 0.0), axis=-1)
    d0 = np.sum(np.where(neg, a_s * b_s, 0.0), axis=-1) + c
    ds = a_s * np.abs(w_s)
    dd = np.sign(w_s) * a_s * b_s
    slopes = np.concatenate([s0[..., None], s0[..., None] + np.cumsum(ds, axis=-1)], axis=-1)
    inter = np.concatenate([d0[..., None], d0[..., None] + np.cumsum(dd, axis=-1)], axis=-1)
    return t, slopes, inter


def _check_orbits(orbits, name):
    """``ValueError`` naming ``name`` if an orbit (last axis: time) left the float range."""
    bad = ~np.isfinite(orbits)
    if np.any(bad):
        step = int(np.argmax(np.any(bad.reshape(-1, orbits.shape[-1]), axis=0)))
        raise ValueError(f"{name}: an orbit left the float range at step {step} (|x| > 1.8e308: the map expands "
                         "without bound there); start closer to its invariant set or take fewer steps")


def _has_period3_block(a, w, b, c, point_tol):
    """Exact least-period-3 test of a block of maps (rows of ``a, w, b, c``); points within ``point_tol``
    (relative) coincide (:data:`initdyn.piecewise.POINT_TOL`).  The method is documented on
    :meth:`initdyn.piecewise.ReluMapEnsemble.has_period3`."""
    with np.errstate(over="ignore", invalid="ignore"):
        t, s, d = _relu_pieces(a, w, b, c)
    if not (np.all(np.isfinite(s)) and np.all(np.isfinite(d))):
        raise ValueError("a, w, b, c: the slopes sum a_i w_i or the intercepts of a map overflow float64; "
                         "rescale the parameters")
    m, k = s.shape
    lo = np.concatenate([np.full((m, 1), -np.inf), t], axis=1)
    hi = np.concatenate([t, np.full((m, 1), np.inf)], axis=1)
    # Pairs (j0, j1): domain of x in I_j0 with s0 x + d0 in I_j1.
    s0, d0 = s[:, :, None], d[:, :, None]
    L1, R1 = lo[:, None, :], hi[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        e1, e2 = (L1 - d0) / s0, (R1 - d0) / s0
    pos = s0 > 0
    plo = np.where(pos, e1, e2)
    phi = np.where(pos, e2, e1)
    zero = s0 == 0
    inside = (d0 >= L1) & (d0 <= R1)
    plo = np.where(zero, np.where(inside, -np.inf, np.inf), plo)
    phi = np.where(zero, np.where(inside, np.inf, -np.inf), phi)
    plo = np.maximum(plo, lo[:, :, None])
    phi = np.minimum(phi, hi[:, :, None])
    valid = plo <= phi
    S2 = s[:, None, :] * s0
    D2 = s[:, None, :] * d0 + d[:, None, :]
    # Compact the valid pairs (the pieces of f^2) to the front.
    valid = valid.reshape(m, k * k)
    n_valid = valid.sum(axis=1)
    kk = int(n_valid.max())
    idx = np.argsort(~valid, axis=1, kind="stable")[:, :kk]
    plo, phi, S2, D2 = (np.take_along_axis(v.reshape(m, k * k), idx, axis=1) for v in (plo, phi, S2, D2))
    j0 = idx // k
    S1, D1 = np.take_along_axis(s, j0, axis=1), np.take_along_axis(d, j0, axis=1)
    ok_pair = np.arange(kk)[None, :] < n_valid[:, None]
    # Triples: x = s2 (S2 x + D2) + d2.
    s2, d2 = s[:, None, :], d[:, None, :]
    S3 = s2 * S2[:, :, None]
    D3 = s2 * D2[:, :, None] + d2
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        x = D3 / (1.0 - S3)
        tol = point_tol * (1.0 + np.abs(x))
        y2 = S2[:, :, None] * x + D2[:, :, None]
        y1 = S1[:, :, None] * x + D1[:, :, None]
        hit = (
            ok_pair[:, :, None]
            & (S3 != 1.0)
            & np.isfinite(x)
            & (x >= plo[:, :, None] - tol)
            & (x <= phi[:, :, None] + tol)
            & (y2 >= lo[:, None, :] - point_tol * (1 + np.abs(y2)))
            & (y2 <= hi[:, None, :] + point_tol * (1 + np.abs(y2)))
            & (np.abs(y1 - x) > 1e3 * tol)
        )
    return hit.reshape(m, -1).any(axis=1)
