r"""The density solver of :mod:`initdyn.freeprob`: the S-transform equation in one unknown (chapter 2).

Private.  With :math:`\psi_{D^2}(v) = \mathbb E[vD^2/(1 - vD^2)]` for the law of :math:`D^2` given as
atoms ``d`` with weights ``w`` (:func:`_psi`), the S-transform equation of equation ``eq-ch2-density``
of chapter 2 (:doc:`/notebooks/02-dynamical-isometry`) is

.. math:: z = \sigma_w^{2L}\,v^{-L}\,M^{L-1}\,(1+M)^{a}, \qquad M = \psi_{D^2}(v),

with :math:`a = 1` (Gaussian weights) or :math:`a = 1 - L` (orthogonal).  This module has its real
branch :math:`\log z(v)` (:func:`_log_z_real`), the upper edge of the support (:func:`_edge`, the
first local minimum of :math:`z(v)`), the lower edge of orthogonal spectra whose :math:`D^2` is bounded
away from 0 (:func:`_lower_edge`), and Newton's method along the vertical path
:math:`z = \lambda - iy` (:func:`_solve_vertical`).  The public functions that use them, with their
argument checks, are :func:`initdyn.freeprob.jacobian_spectrum_edge`,
:func:`initdyn.freeprob.jacobian_spectrum_density` and :func:`initdyn.freeprob.jacobian_spectrum_cdf`.
"""

from __future__ import annotations

import numpy as np


#: Most steps along the vertical path of the density solver.
_MAX_PATH_STEPS = 10**5


def _psi(v, d, w):
    """psi(v) = E[v D/(1 - v D)] and its derivative, for complex v of any shape."""
    vd = v[..., None] * d
    inv = 1.0 / (1.0 - vd)
    return np.sum(w * vd * inv, axis=-1), np.sum(w * d * inv * inv, axis=-1)


def _log_z_real(v, L, sw2, a, d, w):
    M, _ = _psi(v, d, w)
    return L * np.log(sw2) - L * np.log(v) + (L - 1) * np.log(M) + a * np.log1p(M)


def _edge(L, sw2, act, weights, d, w):
    a = 1.0 if weights == "gaussian" else 1.0 - L
    dmax = float(d[w > 0].max())
    # z(v) decreases from +inf at v -> 0; the upper edge is its first local minimum on (0, 1/dmax),
    # or the limit at v -> 1/dmax if there is none (orthogonal weights, a top atom).
    t = np.linspace(-40, 30, 3501)  # v up to (1 - 1e-13)/dmax
    v = (1 / dmax) / (1 + np.exp(-t))
    g = _log_z_real(v, L, sw2, a, d, w)
    dg = np.diff(g)
    up = np.nonzero(dg > 0)[0]
    if up.size == 0:
        return float(np.exp(g[-1]))
    k = up[0]
    lo, hi = t[max(k - 1, 0)], t[min(k + 1, t.size - 1)]
    for _ in range(100):  # golden-section refinement of the minimum in t
        m1 = hi - 0.618033988749895 * (hi - lo)
        m2 = lo + 0.618033988749895 * (hi - lo)
        g1, g2 = (_log_z_real(np.array([(1 / dmax) / (1 + np.exp(-m))]), L, sw2, a, d, w)[0] for m in (m1, m2))
        if g1 < g2:
            hi = m2
        else:
            lo = m1
        if hi - lo < 1e-13:
            break
    tm = (lo + hi) / 2
    return float(np.exp(_log_z_real(np.array([(1 / dmax) / (1 + np.exp(-tm))]), L, sw2, a, d, w)[0]))


def _solve_vertical(lam, L, sw2, a, d, w, m1, m2, mu1, mu2, *, top, ratio, newton, eta_rel):
    """Follow v(z) on z = lam - i y, y from far above the spectrum to eta_rel * lam."""
    y0 = 4.0 * (top + lam) + 1.0
    y_end = np.maximum(eta_rel * lam, 1e-300)
    steps = float(np.ceil(np.max(np.log(y0 / y_end)) / np.log(1 / ratio)))
    if not steps <= _MAX_PATH_STEPS:
        raise ValueError(
            f"ratio: {ratio!r} needs {steps:.3g} steps along the path to the real axis (more than "
            f"{_MAX_PATH_STEPS:.0e}); use a smaller ratio (the default is 0.4)"
        )
    n_steps = int(steps)
    z = lam - 1j * y0
    M = m1 / z + m2 / z**2
    v = M / mu1 - mu2 * M**2 / mu1**3
    log_c = L * np.log(sw2)
    for k in range(n_steps + 1):
        y = np.maximum(y0 * ratio**k, y_end)
        z = lam - 1j * y
        log_z = np.log(z)
        for _ in range(newton):
            M, dM = _psi(v, d, w)
            F = log_c - L * np.log(v) + (L - 1) * np.log(M) + a * np.log1p(M) - log_z
            F = F.real + 1j * ((F.imag + np.pi) % (2 * np.pi) - np.pi)
            dF = -L / v + ((L - 1) / M + a / (1 + M)) * dM
            step = -F / dF
            size = np.abs(step)
            cap = 0.5 * np.abs(v)
            step = np.where(size > cap, step * (cap / np.where(size > cap, size, 1.0)), step)
            v = v + step
    M, _ = _psi(v, d, w)
    F = log_c - L * np.log(v) + (L - 1) * np.log(M) + a * np.log1p(M) - np.log(z)
    F = F.real + 1j * ((F.imag + np.pi) % (2 * np.pi) - np.pi)
    return M, z, np.abs(F)


def _lower_edge(L, sw2, d, w):
    """Lower edge of the spectrum for orthogonal weights when min(D^2) > 0 (tanh), else 0.

    Below the support :math:`M(\\lambda) < -1` is real, i.e. :math:`v > 1/\\min D^2`; there
    :math:`z(v) = \\sigma_w^{2L} v^{-L} (M/(1+M))^{L-1}` rises from 0 (at :math:`v = \\infty`) to a
    maximum, the lower edge.
    """
    dmin = float(d[w > 0].min())
    if dmin <= 0:
        return 0.0

    def log_z(t):
        v = (1 / dmin) * (1 + np.exp(t))
        inv = 1.0 / (1.0 - v[:, None] * d)  # all negative: v d > 1
        one_plus_m = np.sum(w * inv, axis=-1)  # 1 + M without cancellation
        minus_m = -np.sum(w * v[:, None] * d * inv, axis=-1)
        return L * np.log(sw2) - L * np.log(v) + (L - 1) * (np.log(minus_m) - np.log(-one_plus_m))

    t = np.linspace(-30, 40, 3501)
    g = log_z(t)
    k = int(np.argmax(g))
    lo, hi = t[max(k - 1, 0)], t[min(k + 1, t.size - 1)]
    for _ in range(100):  # golden-section refinement of the maximum
        m1 = hi - 0.618033988749895 * (hi - lo)
        m2 = lo + 0.618033988749895 * (hi - lo)
        if log_z(np.array([m1]))[0] > log_z(np.array([m2]))[0]:
            hi = m2
        else:
            lo = m1
        if hi - lo < 1e-13:
            break
    return float(np.exp(max(g[k], log_z(np.array([(lo + hi) / 2]))[0])))
