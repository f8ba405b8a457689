r"""Machinery behind the structured initializers of chapter 6 (private; the public API is in :mod:`initdyn.init`).

* :func:`givens_orthogonal`: exact (semi-)orthogonal matrices of a prescribed density, by composing
  random Givens rotations starting from the identity (Nowak et al. 2024, "Sparser, Better, Deeper,
  Stronger", arXiv 2406.01755, Sec. 4, "Exact Orthogonal Initialization").  Rotations acting on
  disjoint pairs of columns commute, so each run of consecutive pairwise-disjoint rotations of the
  paper's sequential scheme is applied as one vectorized update; the law of the result is the
  paper's.  The number of non-zeros is tracked exactly as the rotations are applied, so the scheme
  stops at the rotation that brings the density closest to the target (the paper's rule).
* :func:`expected_givens_density`: the exact expected density after ``t`` rotations.  One row of the
  matrix has support :math:`R` that gains an element exactly when the rotated pair :math:`(i, j)`
  has one index inside and one outside :math:`R`; for a uniformly random pair of :math:`m` columns
  the size :math:`K_t = |R|` is a pure-birth Markov chain,

  .. math:: P(K_{t+1} = k + 1 \mid K_t = k) = \frac{2k(m-k)}{m(m-1)}, \qquad K_0 = 1,

  and every row has this law, so :math:`\mathbb E[\text{density}_t] = \mathbb E[K_t]/m`
  (rotations never cancel an entry except on a null set of angles).  This is equation
  ``eq-ch6-birth-chain`` of chapter 6 (:doc:`/notebooks/06-initializers-in-practice`).
* :func:`identity_like`: the padded identity-like pattern of IDInit (Pan et al., ICLR 2025, arXiv
  2503.04626, Sec. 3), for dense and convolutional shapes.

Defined in chapter 6.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ._validate import check_count, check_nbytes, check_work


__all__ = ["GivensResult", "givens_orthogonal", "expected_givens_density", "identity_like", "kernel_order"]

def safe_norm(x, axis=-1) -> np.ndarray:
    """``np.linalg.norm(x, axis=axis)``, recomputed with power-of-two scaling where it over- or underflows.

    Entries where the plain norm is finite and at least 2^-510 (its square normal) are returned bit for
    bit as numpy's (``axis=None``: numpy's ``norm(x)`` of the flattened array, which sums differently).
    """
    x = np.asarray(x, dtype=float)
    with np.errstate(over="ignore", under="ignore"):
        plain = np.linalg.norm(x) if axis is None else np.linalg.norm(x, axis=axis)
    bad = ~np.isfinite(plain) | (plain < 2.0**-510)
    if not np.any(bad):
        return plain
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        big = np.max(np.abs(x), axis=axis, keepdims=True) if x.size else np.zeros((1,) * x.ndim)
        exp = np.frexp(np.where(np.isfinite(big) & (big > 0), big, 1.0))[1]
        if axis is None:
            robust = np.ldexp(np.linalg.norm(np.ldexp(x, -exp)), int(exp.ravel()[0]))
        else:
            robust = np.ldexp(np.linalg.norm(np.ldexp(x, -exp), axis=axis), np.squeeze(exp, axis=axis))
    return np.where(bad, robust, plain) if np.ndim(plain) else type(plain)(robust)


def safe_log_norm(x, axis=-1) -> np.ndarray:
    """``log ||x||`` along ``axis`` that neither over- nor underflows (``-inf`` only for an exactly zero ``x``).

    Bit for bit ``np.log(np.linalg.norm(x, axis=axis))`` where that norm is finite and at least 2^-510.
    """
    x = np.asarray(x, dtype=float)
    with np.errstate(over="ignore", under="ignore"):
        plain = np.linalg.norm(x, axis=axis)
    bad = ~np.isfinite(plain) | (plain < 2.0**-510)
    with np.errstate(divide="ignore"):
        if not np.any(bad):
            return np.log(plain)
        big = np.max(np.abs(x), axis=axis, keepdims=True)
        exp = np.frexp(np.where(np.isfinite(big) & (big > 0), big, 1.0))[1]
        scaled = np.linalg.norm(np.ldexp(x, -exp), axis=axis)
        robust = np.log(scaled) + np.squeeze(exp, axis=axis) * math.log(2.0)
        return np.where(bad, robust, np.log(plain))

#: Safety cap on rotations, in units of m * (1 + ln m) (the expected count to fill a matrix is ~ m ln m).
_MAX_ROTATION_FACTOR = 40


class GivensResult(NamedTuple):
    """What ``givens_orthogonal`` (behind :func:`initdyn.init.sparse_orthogonal`) did: rotations applied and the density after each one.

    ``density_path[t]`` is the density after ``t`` rotations (``density_path[0]`` is the identity's);
    ``density`` is the achieved density of the returned matrix, counted on the matrix itself.
    """

    n_rotations: int
    density: float
    target: float
    density_path: np.ndarray


def _disjoint_runs(i, j, m):
    """Split a sequence of pairs into maximal runs of consecutive, pairwise-disjoint pairs: run start indices."""
    starts = [0]
    used = np.zeros(m, dtype=bool)
    touched = []
    for t in range(i.size):
        a, b = i[t], j[t]
        if used[a] or used[b]:
            used[touched] = False
            touched.clear()
            starts.append(t)
        used[a] = used[b] = True
        touched.extend((a, b))
    return starts + [i.size]


def givens_orthogonal(rows: int, cols: int, density: float, gen: np.random.Generator) -> tuple[np.ndarray, GivensResult]:
    """A ``(rows, cols)`` matrix with orthonormal rows (``rows <= cols``) or columns, density closest to ``density``.

    Start from the identity-like ``I`` of shape ``(n, m)``, ``n = min``, ``m = max`` of the shape, and
    multiply on the right by random Givens rotations :math:`G(i, j, \\theta)`, :math:`i \\ne j` uniform
    among the ``m`` columns and :math:`\\theta \\sim U[0, 2\\pi)`, until the density first reaches
    ``density``; keep that matrix or the one before, whichever density is closer (ties: the later).
    Tall shapes return the transpose.  The caller validates ``density``: it must lie in
    ``[1/m, 1]``.
    The density path follows equation ``eq-ch6-birth-chain`` of chapter 6
    (:doc:`/notebooks/06-initializers-in-practice`).
    """
    n, m = min(rows, cols), max(rows, cols)
    size = n * m
    target = density * size
    A = np.eye(n, m)
    S = np.eye(n, m, dtype=bool)  # support
    count = np.ones(m, dtype=np.int64)
    count[n:] = 0  # columns beyond n start empty
    nnz = n
    path = [nnz]
    cap = int(_MAX_ROTATION_FACTOR * m * (1 + math.log(m))) + 10
    done = m < 2 or nnz >= target
    chunk = max(64, m)
    while not done:
        if len(path) > cap:  # pragma: no cover - a density in (1/m, 1] is reached long before
            raise RuntimeError(f"givens_orthogonal: density {density} not reached after {cap} rotations")
        ii = gen.integers(0, m, size=chunk)
        jj = (ii + 1 + gen.integers(0, m - 1, size=chunk)) % m  # uniform over j != i
        theta = gen.uniform(0.0, 2 * math.pi, size=chunk)
        starts = _disjoint_runs(ii, jj, m)
        for a, b in zip(starts[:-1], starts[1:]):
            I, J = ii[a:b], jj[a:b]
            union = S[:, I] | S[:, J]
            u = union.sum(axis=0)
            cum = nnz + np.cumsum(2 * u - count[I] - count[J])
            k = I.size
            if cum[-1] >= target:
                t = int(np.argmax(cum >= target))
                before = nnz if t == 0 else cum[t - 1]
                k = t if abs(target - before) < abs(target - cum[t]) else t + 1
                done = True
            if k:
                I, J, th = I[:k], J[:k], theta[a:a + k]
                c, s = np.cos(th), np.sin(th)
                AI, AJ = A[:, I], A[:, J]
                A[:, I] = c * AI + s * AJ
                A[:, J] = c * AJ - s * AI
                S[:, I] = union[:, :k]
                S[:, J] = union[:, :k]
                count[I] = count[J] = u[:k]
                path.extend(cum[:k].tolist())
                nnz = int(cum[k - 1])
            if done:
                break
    if rows > cols:
        A = A.T
    achieved = np.count_nonzero(A) / size
    return A, GivensResult(len(path) - 1, achieved, float(density), np.asarray(path, dtype=float) / size)


def expected_givens_density(n_rotations, m: int) -> np.ndarray:
    r"""Exact :math:`\mathbb E[\text{density}]` after ``t = 0..n_rotations`` random Givens rotations of ``m`` columns.

    Propagates the law of the pure-birth chain :math:`K_t` of the module docstring; returns an array of
    length ``n_rotations + 1``.  Cost :math:`O(m\,t)`.

    Implements equation ``eq-ch6-birth-chain`` of chapter 6 (:doc:`/notebooks/06-initializers-in-practice`) exactly;
    equation ``eq-ch6-logistic`` is its large-:math:`m` approximation.

    Parameters
    ----------
    n_rotations : int, 0 <= n_rotations <= 10**7
    m : int >= 1
        Number of columns (``max(fan_out, fan_in)`` of :func:`initdyn.init.sparse_orthogonal`).
    """
    n_rotations = check_count(n_rotations, "n_rotations", minimum=0)
    m = check_count(m, "m", minimum=1, maximum=None)
    check_nbytes(8 * (n_rotations + 1) + 40 * m, "m" if 40 * m > 8 * n_rotations else "n_rotations",
                 m if 40 * m > 8 * n_rotations else n_rotations,
                 what=f"the law of K_t over m = {m} columns and {n_rotations} rotations", reduce="m or n_rotations")
    check_work(6 * m * n_rotations, "n_rotations", n_rotations,
               what=f"{n_rotations} rotations of an m = {m} column chain", reduce="n_rotations or m")
    k = np.arange(1, m + 1, dtype=float)
    up = 2 * k * (m - k) / (m * (m - 1)) if m > 1 else np.zeros(1)
    p = np.zeros(m)
    p[0] = 1.0
    out = np.empty(n_rotations + 1)
    out[0] = 1.0 / m
    for t in range(1, n_rotations + 1):
        move = p * up
        p = p - move
        p[1:] += move[:-1]
        out[t] = p @ k / m
    return out


def kernel_order(kernel: tuple[int, ...]) -> np.ndarray:
    """Flat indices of the kernel taps, centre first, then by distance from the centre (ties in C order)."""
    grids = np.indices(kernel).reshape(len(kernel), -1)
    centre = np.array([(k - 1) // 2 for k in kernel])[:, None]
    dist = np.sum((grids - centre) ** 2, axis=0)
    return np.argsort(dist, kind="stable")


def identity_like(dims: tuple[int, ...], value: float, *, loosen: float = 0.0, patch_maintain: bool = True) -> np.ndarray:
    r"""The padded identity-like pattern of IDInit, times ``value``.

    Implements equation ``eq-ch6-idinit`` of chapter 6 (:doc:`/notebooks/06-initializers-in-practice`).

    Dense ``(D_out, D_in)``: :math:`W_{ij} = \tau` iff :math:`i \equiv j \pmod{\min(D_\mathrm{out}, D_\mathrm{in})}`,
    i.e. the identity repeated down the rows (:math:`D_\mathrm{out} > D_\mathrm{in}`) or across the
    columns (:math:`D_\mathrm{out} < D_\mathrm{in}`).  Entry :math:`(i, j)` belongs to copy
    :math:`b = \max(i, j) // \min(D_\mathrm{out}, D_\mathrm{in})`.  With ``loosen`` :math:`= \lambda > 0`,
    every row of copy :math:`b \ge 1` also gets :math:`\lambda\tau` at column
    :math:`(i + b) \bmod D_\mathrm{in}`, so repeated rows are no longer identical (all rows differ when
    :math:`D_\mathrm{out} \le D_\mathrm{in}^2`; wide shapes have no repeated rows and are left as they are).

    Convolution ``(C_out, C_in, *kernel)``: the same pattern over channels; copy 0 sits at the centre
    tap (a Dirac kernel) and, with ``patch_maintain``, copy ``b`` at the ``b``-th tap in order of
    distance from the centre (cyclically), so the repeated output channels see the other pixels of
    the patch instead of duplicating the centre.
    """
    d_out, d_in = dims[0], dims[1]
    kernel = dims[2:]
    n_taps = math.prod(kernel)
    r = min(d_out, d_in)
    i = np.arange(max(d_out, d_in))
    rows = i if d_out >= d_in else i % d_out
    cols = i % d_in if d_out >= d_in else i
    copy = i // r
    order = kernel_order(kernel) if kernel else np.zeros(1, dtype=np.int64)
    taps = order[copy % n_taps] if patch_maintain else np.full(i.size, order[0])
    W = np.zeros((d_out, d_in, n_taps))
    W[rows, cols, taps] = value
    if loosen and d_out > d_in:
        extra = copy >= 1
        W[rows[extra], (rows[extra] + copy[extra]) % d_in, taps[extra]] += loosen * value
    return W.reshape(dims)
