r"""Root finders for the stable fixed point :math:`c^*` of the correlation map (private to :mod:`initdyn.meanfield`).

Two cases.  Without dropout (:func:`chaotic_root`) the map has the unstable fixed point :math:`c = 1` in
the chaotic phase and the stable root sits below it; a safeguarded Newton iteration finds it, falling back
on Brent's method on a bracket below 1.  With dropout (:func:`bracketed_root`) :math:`c = 1` is no fixed
point: the map sends 1 below 1 and -1 above -1, so :math:`[-1, 1]` brackets the root and Brent's method
solves it directly.

The functions raise :class:`NoRoot` with a message; :mod:`initdyn.meanfield` turns it into its
``ConvergenceError`` (this module cannot import that class without an import cycle).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from .gaussian import gauss_dphidphi, gauss_phiphi

#: Iterations without a new smallest residual after which the iteration is declared stalled
#: (the same rule as ``meanfield._STALL``).
_STALL = 1000


class NoRoot(RuntimeError):
    """No root was found; the message says where (re-raised as ``meanfield.ConvergenceError``)."""


def chaotic_root(act, q, sw2, sb2, c0, tol, max_iter):
    r"""The stable root below the unstable :math:`c = 1` of :math:`c \mapsto (\sigma_w^2 K(q, q, c) + \sigma_b^2)/q`.

    ``K`` is :math:`\mathbb E[\phi(u_1)\phi(u_2)]`.  Safeguarded Newton iteration from ``c0`` inside a
    shrinking bracket; an iteration that settles on :math:`c = 1` or stalls hands over to Brent's method
    on a bracket below 1.  Called where :math:`\chi_1 > 1` and no dropout.
    """
    c, last = float(c0), float("inf")
    best, since = float("inf"), 0
    # The map is increasing in c, and its stable root c* is the only one below 1: a point c > c*
    # maps to c* < map(c) < c, a point c < c* to c < map(c) < c*.  So each evaluation tightens a
    # bracket (lo, hi) around c*, and a Newton step that leaves it is replaced by bisection.
    lo, hi = -1.0, 1.0
    for _ in range(max_iter):
        cm = float((sw2 * gauss_phiphi(act, q, q, c) + sb2) / q)
        resid = cm - c
        if resid < 0:
            hi = min(hi, cm)
        elif resid > 0:
            lo = max(lo, cm)
        if abs(resid) <= tol:
            if cm > 1 - 1e-6 and float(sw2 * gauss_dphidphi(act, q, q, min(cm, 1.0))) > 1 + 1e-9:
                break  # settled on the unstable fixed point c = 1: bracket the stable one below
            return cm
        if abs(resid) < best:
            best, since = abs(resid), 0
        else:
            since += 1
            if since >= _STALL:
                break  # stalled above tol: the bracketing below does not depend on where it stopped
        step = min(max(cm, -1.0), 1.0)  # plain iteration of the map: always safe
        if abs(resid) < last:  # Newton only while it keeps reducing the residual
            slope = float(sw2 * gauss_dphidphi(act, q, q, c))
            if slope < 1 - 1e-12:
                newton = c - resid / (slope - 1)
                if -1 <= newton < 1:
                    step = newton
        if not lo <= step <= hi or (abs(resid) > 0.5 * last and lo < hi < 1):
            step = 0.5 * (lo + hi)  # Newton left the bracket, or plain iteration crawls: bisect
        last = abs(resid)
        c = step
    # The iteration can stall where the map is nearly flat in c (odd activations without bias, whose
    # fixed point c* = 0 is approached slowly): bracket the stable root below the unstable c = 1 and
    # solve by Brent's method instead.  g(c) = map(c) - c < 0 just below 1 (slope chi1 > 1 there).
    grid = np.concatenate([np.linspace(-1.0, 0.99, 200), 1.0 - np.logspace(-2, -12, 41)])[::-1]
    g = (sw2 * np.asarray(gauss_phiphi(act, q, q, grid)) + sb2) / q - grid
    above = np.flatnonzero(g >= 0)
    if above.size and above[0] > 0 and g[0] < 0:
        k = above[0]
        try:
            root = brentq(lambda x: float((sw2 * gauss_phiphi(act, q, q, x) + sb2) / q) - x,
                          grid[k], grid[k - 1], xtol=tol, rtol=4 * np.finfo(float).eps, maxiter=max_iter)
        except RuntimeError as exc:
            raise NoRoot(
                f"c_star: Brent's method did not converge in max_iter={max_iter} steps (tol={tol:g}) for "
                f"activation={act.name}, sigma_w2={sw2:g}, sigma_b2={sb2:g}: {exc}"
            ) from None
        return root
    raise NoRoot(
        f"c_star: no convergence after {max_iter} iterations (max_iter={max_iter}, tol={tol:g}) for "
        f"activation={act.name}, sigma_w2={sw2:g}, sigma_b2={sb2:g} (last c={c:.6g}, residual={resid:.2e})"
    )


def bracketed_root(cmap, tol, max_iter, where):
    r"""The root of ``cmap(c) - c`` in :math:`[-1, 1]` when ``cmap(1) <= 1`` and ``cmap(-1) >= -1``.

    With dropout the correlation map sends :math:`c = 1` to
    :math:`(\sigma_w^2\mathbb E[\phi^2] + \sigma_b^2)/q^* < 1` and :math:`c = -1` above :math:`-1`
    (:math:`|\mathbb E[\phi(u_1)\phi(u_2)]| \le \mathbb E[\phi^2] \le \rho\,q^*/\sigma_w^2`), so the
    increasing map has its one root, the stable :math:`c^*`, inside; Brent's method finds it to ``tol``.
    An end that is itself a root (``cmap(1) == 1`` when :math:`\sigma_w^2 = 0`) is returned as it is.
    ``where`` names the parameters in error messages.
    """
    g_hi = float(cmap(1.0)) - 1.0
    if g_hi >= 0:
        return 1.0
    g_lo = float(cmap(-1.0)) + 1.0
    if g_lo == 0:
        return -1.0
    if g_lo < 0:  # pragma: no cover - excluded by the bound above
        raise NoRoot(f"c_star: the correlation map sends -1 below -1 for {where}; no root is bracketed")
    try:
        return brentq(lambda x: float(cmap(x)) - x, -1.0, 1.0, xtol=tol, rtol=4 * np.finfo(float).eps,
                      maxiter=max_iter)
    except RuntimeError as exc:
        raise NoRoot(
            f"c_star: Brent's method did not converge in max_iter={max_iter} steps (tol={tol:g}) for {where}: {exc}"
        ) from None
