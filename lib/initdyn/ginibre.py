r"""Spectra of i.i.d. Gaussian (Ginibre, Glorot) matrices: the spectral radius, its Gumbel edge law, explosion times.

An :math:`n \times n` matrix with i.i.d. :math:`\mathcal N(0, 1/n)` entries (Glorot weights of a
square recurrent layer) has its eigenvalues spread over the unit disk (the circular law), but its
spectral radius :math:`\rho` sits *above* one by :math:`O(\sqrt{\log n / n})`, with Gumbel
fluctuations (Rider 2003; Rider & Sinclair 2014 for real matrices).  This module has

* the edge law: :func:`ginibre_gamma`, :func:`gumbel_edge`, :func:`gumbel_cdf`, and the exact law at
  every ``n`` for complex matrices, :func:`complex_ginibre_radius_cdf` and
  :func:`complex_ginibre_radii` (Kostlan 1992);
* samples: :func:`spectral_radius` of given matrices, :func:`glorot_radii` and
  :func:`glorot_eigenvalues` of ensembles (drawn in chunks of at most 64 MB);
* the rescaling of Bar et al. 2025 that puts :math:`\rho` below one with a chosen probability:
  :func:`rescaling_radius` (the paper's Gumbel quantile, or the exact finite-n one);
* when the state of :math:`h_t = A h_{t-1}` explodes, read off the radius and its law:
  :func:`explosion_time` (the step by which :math:`\rho^t` has reached a threshold, a bound on the
  worst-case explosion time of one matrix) and :func:`explosion_probability` (its law over Glorot
  matrices, from the edge law of the spectral radius: the :math:`t = O(\sqrt n)` scale).

The trajectories of long recurrences themselves and their memory horizons are
:mod:`initdyn.recurrence` (input-driven ones :mod:`initdyn.driven`); the rescaled initializer is
:func:`initdyn.init.rescaled_glorot`.

Argument checks: every argument is checked where it enters (``ValueError``/``TypeError`` naming it);
requests whose arrays would exceed 4 GiB are refused up front with the estimate.

Defined in chapter 4.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from scipy import optimize, special
from scipy.sparse.linalg import ArpackError, ArpackNoConvergence, eigs

from ._validate import as_rng, check_choice, check_finite_array, check_int, check_nbytes, check_real

__all__ = [
    "ginibre_gamma",
    "gumbel_edge",
    "gumbel_cdf",
    "GUMBEL_MEAN_PLUS_STD",
    "MIN_WIDTH_GUMBEL",
    "complex_ginibre_radius_cdf",
    "complex_ginibre_radii",
    "rescaling_radius",
    "spectral_radius",
    "glorot_radii",
    "glorot_eigenvalues",
    "explosion_time",
    "explosion_probability",
]


#: The mean plus one standard deviation of the standard Gumbel law (Euler's constant plus pi/sqrt(6),
#: about 1.86), the quantile the authors' public code uses in its rescaled Glorot: the :math:`x` of
#: equation ``eq-ch4-rescaled`` of chapter 4 (:doc:`/notebooks/04-glorot-recurrences`).
GUMBEL_MEAN_PLUS_STD = float(np.euler_gamma + math.pi / math.sqrt(6.0))


#: Smallest width with :math:`\gamma_n > 0` (Rider's centring is undefined below it): equation
#: ``eq-ch4-gumbel`` of chapter 4 (:doc:`/notebooks/04-glorot-recurrences`) needs :math:`n \ge 164`.
MIN_WIDTH_GUMBEL = 164


def ginibre_gamma(n):
    r"""Return Rider's :math:`\gamma_n = \log\bigl(n / (2\pi \log^2 n)\bigr)` (float or array).

    Implements :math:`\gamma_n` of equation ``eq-ch4-gumbel`` of chapter 4
    (:doc:`/notebooks/04-glorot-recurrences`).

    Rider 2003, "A limit theorem at the edge of a non-Hermitian random matrix ensemble", Theorem 1;
    the same constant centres the real Ginibre law (Rider & Sinclair 2014).  It is positive only
    for :math:`n \ge 164` (:data:`MIN_WIDTH_GUMBEL`); for smaller ``n`` the value returned is
    <= 0 and the Gumbel law is undefined.
    """
    if isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 2**63:
        raise ValueError(f"n: expected a width below 2**63 (int64), got {n}")
    arr = np.asarray(n)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"n: expected an integer width or array of integers, got {n!r}")
    if np.any(arr < 2):
        raise ValueError(f"n: expected widths >= 2, got {n!r}")
    ln = np.log(arr.astype(float))
    out = np.log(arr / (2.0 * math.pi * ln**2))
    return float(out) if out.ndim == 0 else out


def gumbel_edge(n, *, ensemble: str = "complex"):
    r"""Location and scale of the Gumbel law of the spectral radius of :math:`A = G/\sqrt n`.

    Implements equation ``eq-ch4-gumbel`` of chapter 4 (:doc:`/notebooks/04-glorot-recurrences`).

    For Ginibre :math:`G` (i.i.d. standard Gaussian entries) and :math:`\gamma_n` of
    :func:`ginibre_gamma`,

    .. math:: \rho(A) \approx a_n + b_n\,\xi,\qquad a_n = 1 + \sqrt{\gamma_n/(4n)},\quad
              b_n = 1/\sqrt{4 n \gamma_n},

    where :math:`\xi` is standard Gumbel, :math:`P(\xi\le x) = e^{-e^{-x}}`, for complex entries
    (Rider 2003, Theorem 1).  For real entries (Glorot) the limit is
    :math:`e^{-\frac12 e^{-x}}` (Rider & Sinclair 2014; Hu & Ma 2025, :math:`\beta = 1`): the
    eigenvalues come in conjugate pairs, so half as many independent moduli compete for the maximum;
    that is the same Gumbel shifted by :math:`-\log 2`, returned here as
    :math:`a_n - b_n\log 2`.  Bar et al. 2025 use the complex constants for their real matrices
    (``fixed_glorot`` and ``fixed_init_A`` in ``lru/model.py`` of their code,
    ``NogaBar/Rescaled_Glorot_for_RNN``, commit 4d4b2d1).

    Parameters
    ----------
    n : int or array of int, >= :data:`MIN_WIDTH_GUMBEL`
    ensemble : {"complex", "real"}

    Returns
    -------
    loc, scale : float or ndarray

    Raises
    ------
    ValueError
        if ``n < 164``, where :math:`\gamma_n \le 0` and the law is undefined.
    """
    check_choice(ensemble, "ensemble", ("complex", "real"))
    g = np.asarray(ginibre_gamma(n))
    if np.any(g <= 0):
        raise ValueError(
            f"n: Rider's gamma_n = log(n / (2 pi log^2 n)) is <= 0 for n < {MIN_WIDTH_GUMBEL}, "
            f"so the Gumbel edge law is undefined; got n = {n!r}"
        )
    nn = np.asarray(n, dtype=float)
    loc = 1.0 + np.sqrt(g / (4.0 * nn))
    scale = 1.0 / np.sqrt(4.0 * nn * g)
    if ensemble == "real":
        loc = loc - scale * math.log(2.0)
    if loc.ndim == 0:
        return float(loc), float(scale)
    return loc, scale


def _check_matrices(A):
    arr = check_finite_array(A, "A", ndim=(2, 3))
    if arr.shape[-1] != arr.shape[-2]:
        raise ValueError(f"A: expected square matrices (n, n) or a stack (m, n, n), got shape {arr.shape}")
    if arr.shape[-1] == 0 or (arr.ndim == 3 and arr.shape[0] == 0):
        raise ValueError(f"A: expected a non-empty matrix, got shape {arr.shape}")
    return arr


def _top_indices(n: int) -> int:
    if n > 10**300:  # beyond the float range (refused by the memory checks): an exact-enough integer bound
        return math.isqrt(2 * n * (int(math.log(n)) + 41)) + 1
    return int(math.ceil(math.sqrt(2.0 * n * (math.log(n) + 40.0))))


def complex_ginibre_radius_cdf(r, n: int) -> np.ndarray:
    r"""Exact :math:`P(\rho(A) \le r)` for :math:`A = G/\sqrt n`, :math:`G` complex Ginibre.

    Implements equation ``eq-ch4-kostlan`` of chapter 4 (:doc:`/notebooks/04-glorot-recurrences`).

    Kostlan 1992 ("On the spectra of Gaussian matrices"): the squared moduli of the eigenvalues of a
    complex Ginibre matrix (:math:`E|G_{ij}|^2 = 1`) are distributed as independent
    :math:`\Gamma(k, 1)` variables, :math:`k = 1..n`, so

    .. math:: P(\rho(A) \le r) = \prod_{k=1}^{n} P\bigl(\Gamma(k,1) \le n r^2\bigr).

    Valid at every ``n >= 1``; as :math:`n\to\infty` it tends to Rider's Gumbel law
    (:func:`gumbel_edge`), slowly: the Kolmogorov distance decays like
    :math:`(2/e)\log\log n/\log n` (Ma & Meng 2025).  For real (Glorot) matrices it is a
    close approximation of the upper tail only (chapter 4).
    """
    n = check_int(n, "n", minimum=1)
    r = check_finite_array(r, "r")
    if np.any(r < 0):
        raise ValueError(f"r: expected radii >= 0, got {r.min() if r.ndim else float(r)}")
    # factors with k <= n - K differ from 1 by less than e^-40 for r >= 1/2 (see complex_ginibre_radii)
    K = n if np.any(r < 0.5) else min(n, _top_indices(n))
    check_nbytes(24 * max(r.size, 1) * K, "n", n, what=f"the {K} factors per radius for {r.size} radii",
                 reduce="n or the number of radii")
    k = np.arange(n - K + 1, n + 1, dtype=float)
    with np.errstate(over="ignore"):  # n r^2 beyond the float range: gammainc(k, inf) = 1, exactly right
        x = n * np.square(r)[..., None]
    with np.errstate(divide="ignore"):
        out = np.exp(np.sum(np.log(special.gammainc(k, x)), axis=-1))
    return out


def _exact_quantile(n: int, log_p: float) -> float:
    k = np.arange(1, n + 1, dtype=float)

    def f(r):
        with np.errstate(divide="ignore"):
            return float(np.sum(np.log(special.gammainc(k, n * r * r)))) - log_p

    hi = 2.0
    while f(hi) < 0:  # pragma: no cover - only for p within 1e-300 of 1
        hi *= 2.0
    return optimize.brentq(f, 1e-12, hi, xtol=1e-14, rtol=1e-13)


#: Largest width for the exact quantile (~50 root-finding steps of n incomplete-gamma terms each).
_MAX_EXACT_N = 10**7


def rescaling_radius(n, quantile: float = GUMBEL_MEAN_PLUS_STD, *, method: str = "auto") -> float:
    r"""The radius :math:`r_n(x)` that the rescaled Glorot divides by: the :math:`x`-quantile of :math:`\rho`.

    Implements equation ``eq-ch4-rescaled`` of chapter 4 (:doc:`/notebooks/04-glorot-recurrences`)
    (``method="paper"``) and its exact finite-n counterpart from equation ``eq-ch4-kostlan``
    (``method="exact"``).

    ``method="paper"`` (Bar et al. 2025, the rescaled Glorot, as implemented in ``fixed_glorot`` of
    ``lru/model.py`` in ``NogaBar/Rescaled_Glorot_for_RNN``, commit 4d4b2d1, which fixes
    :math:`x = \gamma_E + \pi/\sqrt6`; the paper's body, with its equation numbers, was not available to us): the Gumbel quantile of Rider's law with complex constants,

    .. math:: r_n(x) = 1 + \sqrt{\gamma_n/(4n)} + x/\sqrt{4 n \gamma_n},

    so that :math:`P(\rho(A)/r_n(x) < 1) \to e^{-e^{-x}}` (0.856 for the default ``x``).  The
    formula is undefined for :math:`n < 164` (:math:`\gamma_n \le 0`), and ``method="paper"``
    raises ``ValueError`` there.

    ``method="exact"``: the exact finite-n quantile of the same probability :math:`p = e^{-e^{-x}}`
    under the law the formula approximates (complex Ginibre, :func:`complex_ginibre_radius_cdf`),
    defined, finite and positive at every ``n``.

    ``method="auto"`` (the default, and what :func:`initdyn.init.rescaled_glorot` uses): the paper's
    formula for :math:`n \ge 164` (:data:`MIN_WIDTH_GUMBEL`), so that results at the paper's widths
    are the paper's, and the exact quantile below.  The switch is a jump, and no choice of switch
    point removes it: the formula diverges as :math:`\gamma_n \to 0^+` (at ``x = 1.86``,
    :math:`r_{163} = 1.075` exact, :math:`r_{164} = 2.219` paper) and stays above the exact quantile
    at every ``n`` (1.126 against 1.062 at ``n = 256``); chapter 4 plots both.

    Parameters
    ----------
    n : int >= 2
        Width of the square recurrent matrix.
    quantile : float
        The standard-Gumbel quantile :math:`x`; larger ``x`` means a larger radius, a smaller
        initial scale, and a higher probability :math:`e^{-e^{-x}}` that :math:`\rho < 1`.
    method : {"auto", "paper", "exact"}
    """
    n = check_int(n, "n", minimum=2)
    x = check_finite_array(quantile, "quantile", ndim=0)
    x = float(x)
    check_choice(method, "method", ("auto", "paper", "exact"))
    if method == "exact" or (method == "auto" and n < MIN_WIDTH_GUMBEL):
        # the exact quantile sums n log-gammainc terms per root-finding step
        check_nbytes(32 * n, "n", n, what="the exact quantile's n factors", reduce="n (or use method='paper')")
        if n > _MAX_EXACT_N:
            raise ValueError(f"n: the exact quantile costs ~50 x n incomplete-gamma evaluations; expected "
                             f"n <= {_MAX_EXACT_N:.0e} for method='exact', got {n} (method='paper' is O(1))")
    if not -6.0 <= x <= 30.0:
        raise ValueError(f"quantile: expected a Gumbel quantile in [-6, 30] (probability e^(-e^(-x))), got {x}")
    if method == "paper" and n < MIN_WIDTH_GUMBEL:
        raise ValueError(f"n: the paper's rule needs gamma_n > 0, that is n >= {MIN_WIDTH_GUMBEL}, got {n}; "
                         "method='exact' (or 'auto', which switches to it below) is defined at every n")
    if method in ("paper", "auto") and n >= MIN_WIDTH_GUMBEL:
        loc, scale = gumbel_edge(n)
        r = loc + scale * x
        if r <= 0:
            raise ValueError(f"quantile: a_n + b_n x = {r:.3g} <= 0 for n = {n}, x = {x}; use a larger quantile")
        return float(r)
    return float(_exact_quantile(n, -math.exp(-x)))


def spectral_radius(A, *, method: str = "auto") -> np.ndarray:
    r"""Spectral radius :math:`\max_i |\lambda_i(A)|` of a matrix or of each matrix of a stack.

    ``method="dense"`` computes all eigenvalues (LAPACK ``geev``, :math:`\approx 25 n^3` flops).
    ``method="arnoldi"`` computes the 6 eigenvalues of largest modulus by implicitly restarted
    Arnoldi (ARPACK, ``scipy.sparse.linalg.eigs`` with 100 Arnoldi vectors, tolerance 1e-8 and a
    fixed start vector), :math:`O(n^2)` per iteration: 5 to 10 times cheaper at ``n >= 256``, and
    far cheaper than ``geev`` on a busy machine with a multi-threaded BLAS, where the many small BLAS
    calls of ``geev`` wait on each other (0.5 s for one ``n = 128`` matrix, against 10 ms).  The edge
    of a Ginibre spectrum is crowded (eigenvalues :math:`O(1/\sqrt n)` apart), so a single requested
    eigenvalue can converge to the wrong one; six and a generous subspace avoid it (both methods
    agree to 1e-9 on 730 Glorot matrices with n = 80..512; the tests compare them).
    ``method="auto"`` (default): dense for ``n <= 64``, Arnoldi above (``"arnoldi"`` also uses the
    dense solver for ``n <= 64``).

    Accuracy.  For a diagonalisable matrix with well-conditioned eigenvectors (a Ginibre or Glorot
    matrix, almost surely) the radius is accurate to a few ulps times the condition number.  For a
    defective matrix it is not: an eigenvalue of a Jordan block of size :math:`k` moves by about
    :math:`\varepsilon^{1/k}\|A\|` under rounding, so the nilpotent shift matrix rotated by a
    random orthogonal matrix (true radius 0) gives about ``1e-16 ** (1/n)``: 0.70 at ``n = 100`` with
    either method (the unrotated shift matrix, already triangular, gives 0 with ``"dense"``).  The
    radius of such matrices is ill-posed in floating point; :func:`~initdyn.recurrence.log_norm_trajectory` gives the
    growth of :math:`\|A^t h\|` directly.
    """
    A = _check_matrices(A)
    check_choice(method, "method", ("auto", "dense", "arnoldi"))
    stack = A if A.ndim == 3 else A[None]
    n = stack.shape[-1]
    check_nbytes(48 * n * n, "A", f"shape {A.shape}", what="the eigenvalue work arrays of one matrix",
                 reduce="the size of the matrices")
    if method == "dense" or n <= 64:  # ARPACK needs n well above k = 6; small n are cheap anyway
        rho = np.abs(np.linalg.eigvals(stack)).max(axis=-1)
    else:
        rho = np.array([_arnoldi_radius(a) for a in stack])
    return rho if A.ndim == 3 else float(rho[0])


def _arnoldi_radius(a) -> float:
    """Largest modulus of the eigenvalues of one matrix by ARPACK; dense LAPACK where ARPACK fails.

    ARPACK stops on matrices that map its start vector to zero (the zero matrix, a rank-deficient or
    nilpotent one) or that it cannot converge on; the dense solver is exact there (0 for the zero matrix).
    The matrix is first scaled by a power of two to entries of order one (exact, and undone exactly on
    the result): at scales near the ends of the float range ARPACK's norms under- or overflow.
    """
    if not np.any(a):
        return 0.0
    n = a.shape[-1]
    expo = int(np.frexp(np.max(np.abs(a)))[1])
    a = np.ldexp(a, -expo)
    v0 = np.ones(n) / math.sqrt(n)
    try:
        rho = np.abs(eigs(a, k=6, which="LM", ncv=min(n - 1, 100), tol=1e-8, v0=v0,
                          maxiter=100 * n, return_eigenvectors=False)).max()
    except (ArpackError, ArpackNoConvergence):
        rho = np.abs(np.linalg.eigvals(a)).max()
    return float(np.ldexp(rho, expo))


def _check_chunked(n: int, n_samples: int, what: str, itemsize: int, per_matrix: int = 8) -> None:
    """Refuse outputs of ``n_samples * per_matrix`` bytes or single ``n x n`` matrices (with work arrays) beyond 4 GiB."""
    check_nbytes(8 * n * n * 6, "n", n, what=f"one {n} x {n} matrix with its eigenvalue work arrays", reduce="n")
    check_nbytes(n_samples * per_matrix * itemsize // 8, "n_samples", n_samples, what=f"the {n_samples} {what}", reduce="n_samples")


def _chunks(n_samples: int, n: int, budget_bytes: float = 64e6):
    per = max(1, int(budget_bytes // (8 * n * n)))
    start = 0
    while start < n_samples:
        stop = min(n_samples, start + per)
        yield start, stop
        start = stop


def glorot_radii(n: int, n_samples: int, *, rng=None, method: str = "auto") -> np.ndarray:
    r"""Spectral radii of ``n_samples`` independent Glorot matrices :math:`A_{ij}\sim\mathcal N(0, 1/n)`.

    Drawn in chunks of at most 64 MB.  Since the rescaled Glorot of Bar et al. 2025 is
    :math:`A / r_n(x)`, its radii are these divided by :func:`rescaling_radius`: one sample serves
    every quantile.
    """
    n = check_int(n, "n", minimum=1)
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    check_choice(method, "method", ("auto", "dense", "arnoldi"))
    _check_chunked(n, n_samples, "radii", 8)
    gen = as_rng(rng)
    out = np.empty(n_samples)
    for a, b in _chunks(n_samples, n):
        out[a:b] = spectral_radius(gen.standard_normal((b - a, n, n)) / math.sqrt(n), method=method)
    return out


def gumbel_cdf(r, n: int, *, ensemble: str = "complex") -> np.ndarray:
    r"""Gumbel approximation of :math:`P(\rho(G/\sqrt n) \le r)`: :math:`\exp(-e^{-(r - a_n)/b_n})`.

    Implements equation ``eq-ch4-gumbel`` of chapter 4 (:doc:`/notebooks/04-glorot-recurrences`). (the
    Gumbel law of :math:`\xi` there, complex or real).

    ``(a_n, b_n)`` from :func:`gumbel_edge`; with ``ensemble="real"`` this is
    :math:`\exp(-\tfrac12 e^{-(r - a_n^{\mathbb C})/b_n})`, the real Ginibre law.
    """
    loc, scale = gumbel_edge(n, ensemble=ensemble)
    r = check_finite_array(r, "r")
    with np.errstate(over="ignore"):  # |r - a_n| / b_n beyond the float range: the cdf is exactly 0 or 1
        out = np.exp(-np.exp(-(r - loc) / scale))
    return float(out) if out.ndim == 0 else out


def complex_ginibre_radii(n: int, n_samples: int, *, rng=None) -> np.ndarray:
    r"""Exact samples of :math:`\rho(G/\sqrt n)`, :math:`G` complex Ginibre, without eigenvalues.

    Samples the law of equation ``eq-ch4-kostlan`` of chapter 4
    (:doc:`/notebooks/04-glorot-recurrences`).

    Kostlan 1992: :math:`\rho^2 \overset{d}{=} \max_{k \le n} \Gamma_k / n` with independent
    :math:`\Gamma_k \sim \Gamma(k, 1)`.  Only the top :math:`K = \lceil\sqrt{2n(\log n + 40)}\rceil`
    indices are drawn: for :math:`k \le n - K`, :math:`P(\Gamma_k > n) \le e^{-(n-k)^2/(2n)}`,
    so all of them together exceed the others' maximum with probability below :math:`e^{-40}`.
    Costs :math:`O(\sqrt{n \log n})` per sample: :math:`n = 10^6` is cheap, which lets the Gumbel
    limit of Rider 2003 be checked where it applies.
    """
    n = check_int(n, "n", minimum=1)
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    K = min(n, _top_indices(n))
    check_nbytes(24 * K, "n", n, what=f"the {K} Gamma draws per sample", reduce="n")
    check_nbytes(8 * n_samples, "n_samples", n_samples, what=f"the {n_samples} radii", reduce="n_samples")
    if n_samples * K > 10**11:
        raise ValueError(f"n_samples: {n_samples} samples of {K} Gamma draws each ({n_samples * K:.3g} draws) exceed the limit "
                         "of 1e11 (hours of work); reduce n_samples or n")
    gen = as_rng(rng)
    k = np.arange(n - K + 1, n + 1, dtype=float)
    out = np.empty(n_samples)
    per = max(1, int(8e6 // K))
    for a in range(0, n_samples, per):
        b = min(n_samples, a + per)
        out[a:b] = np.sqrt(gen.gamma(k, size=(b - a, K)).max(axis=1) / n)
    return out


def glorot_eigenvalues(n: int, n_samples: int, *, scale: float = 1.0, rng=None) -> np.ndarray:
    r"""Eigenvalues of ``n_samples`` Glorot matrices :math:`s\,G/\sqrt n`, shape ``(n_samples, n)`` (complex).

    The diagonal (LRU-style) recurrence that Bar et al. 2025 compare against initialises a complex
    diagonal :math:`\Lambda` with the eigenvalues of a (rescaled) Glorot matrix (``DiagRNN`` with
    ``A_init="glorot"`` or ``"fixed"`` in their public code); iterate it with
    :func:`~initdyn.recurrence.diagonal_log_norm_trajectory`.  Dense LAPACK, in chunks of at most 64 MB.

    Each row is sorted canonically, by decreasing modulus and then by argument in :math:`(-\pi, \pi]`
    (a conjugate pair: :math:`-\theta` before :math:`\theta`).  LAPACK's own order follows its
    deflation path, which differs between BLAS kernels and thread counts; pairing eigenvalues with
    random initial states by position is reproducible only after this sort.
    """
    n = check_int(n, "n", minimum=1)
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    s = float(check_finite_array(scale, "scale", ndim=0))
    if s <= 0:
        raise ValueError(f"scale: expected a positive number, got {scale!r}")
    _check_chunked(n, n_samples, f"x {n} complex eigenvalues", 16, per_matrix=8 * n)
    gen = as_rng(rng)
    out = np.empty((n_samples, n), dtype=complex)
    # eigenvalues scale exactly with s: scales whose matrices would over- or underflow are factored out
    factor = not 1e-250 <= s / math.sqrt(n) <= 1e250
    mant, expo = math.frexp(s) if factor else (s, 0)
    for a, b in _chunks(n_samples, n):
        with np.errstate(over="ignore"):
            lam = np.linalg.eigvals(gen.standard_normal((b - a, n, n)) * (mant / math.sqrt(n)))
            out[a:b] = np.ldexp(lam.real, expo) + 1j * np.ldexp(lam.imag, expo) if factor else lam
    if not np.all(np.isfinite(out)):
        raise ValueError(f"scale: eigenvalues of modulus ~ scale = {s:g} overflow float64; use a smaller scale")
    order = np.lexsort((np.angle(out), -np.abs(out)), axis=-1)
    return np.take_along_axis(out, order, axis=-1)


def explosion_time(rho, *, threshold) -> np.ndarray:
    r"""The time :math:`\tau_K = \log K/\log\rho` at which :math:`\rho^t` reaches the threshold :math:`K`.

    Implements equation ``eq-ch4-explosion`` of chapter 4 (:doc:`/notebooks/04-glorot-recurrences`).

    A bound on the explosion time of one matrix.  For every matrix :math:`\rho(A)^t = \rho(A^t) \le
    \|A^t\|_2`, so the largest state that :math:`t` steps of :math:`h_t = A h_{t-1}` can reach from a
    unit :math:`h_0`, :math:`\sup_{\|h_0\|=1}\|h_t\| = \|A^t\|_2`, is at least :math:`K` at *every*
    step :math:`t \ge \tau_K`:

    .. math:: T_K(A) = \min\{t : \|A^t\|_2 \ge K\} \le \lceil \tau_K \rceil, \qquad
              \tau_K = \frac{\log K}{\log \rho(A)} \quad (\rho > 1),

    and :math:`\tau_K = \infty` for :math:`\rho \le 1` (no bound: a matrix with :math:`\rho \le 1` can
    still grow transiently).  A state from a fixed :math:`h_0` follows :math:`\rho^t` only up to the
    prefactor of its top mode, so it crosses :math:`K` later than :math:`T_K` (chapter 4 measures by
    how much).  With the edge law of this module, :math:`\rho \approx 1 +
    \sqrt{\gamma_n/(4n)}` for a Glorot matrix and :math:`\tau_K \approx 2\log K\sqrt{n/\gamma_n}`: the
    :math:`t = O(\sqrt n)` explosion of Bar et al. 2025 (arXiv 2505.19827, abstract: sequences of length
    :math:`t = O(\sqrt n)` "are sufficient to induce instability"); its law over matrices is
    :func:`explosion_probability`.  Evaluated at a quantile of the radius
    (:func:`~initdyn.ginibre.rescaling_radius`) it is the time by which the bound has fired with that
    probability.

    Parameters
    ----------
    rho : float or array_like, > 0
        Spectral radii (e.g. :func:`~initdyn.ginibre.glorot_radii`).
    threshold : float > 1
        The growth factor :math:`K` of the norm that counts as an explosion.

    Returns
    -------
    float or ndarray (the shape of ``rho``); ``inf`` where :math:`\rho \le 1`.
    """
    r = check_finite_array(rho, "rho")
    if np.any(r <= 0):
        raise ValueError(f"rho: expected spectral radii > 0, got {r.min() if r.ndim else float(r)}")
    K = check_real(threshold, "threshold", low=1.0, low_open=True)
    with np.errstate(divide="ignore"):
        log_r = np.log(np.where(r > 1, r, 2.0))
        out = np.where(r > 1, math.log(K) / log_r, np.inf)
    return float(out) if out.ndim == 0 else out


def explosion_probability(t, n: int, *, threshold, law: str = "exact") -> np.ndarray:
    r"""Probability that the bound :func:`explosion_time` has fired by step ``t``: :math:`P(\rho^t \ge K)`.

    Implements equation ``eq-ch4-explosion-law`` of chapter 4 (:doc:`/notebooks/04-glorot-recurrences`).

    For :math:`A = G/\sqrt n` with radius law :math:`F_n(r) = P(\rho \le r)`,

    .. math:: P\bigl(\tau_K \le t\bigr) = P\bigl(\rho \ge K^{1/t}\bigr) = 1 - F_n\bigl(K^{1/t}\bigr)
              \;\le\; P\bigl(\|A^t\|_2 \ge K\bigr),

    a lower bound on the probability that the worst-case state has grown by :math:`K` at step
    :math:`t` (:func:`explosion_time`); it is 0 at :math:`t = 0` and rises on the scale
    :math:`t \approx 2\log K\sqrt{n/\gamma_n}`, the :math:`t = O(\sqrt n)` of Bar et al. 2025.

    Parameters
    ----------
    t : float or array_like, >= 0
        Steps (real values are allowed: the law is a function of :math:`K^{1/t}`).
    n : int >= 1
        Width of the square Glorot matrix.
    threshold : float > 1
        The growth factor :math:`K`.
    law : {"exact", "gumbel", "gumbel-real"}
        :math:`F_n`: ``"exact"`` (default) the exact finite-n law of complex Ginibre radii
        (:func:`~initdyn.ginibre.complex_ginibre_radius_cdf`, Kostlan 1992), exact for complex matrices and
        close to the real law in the upper tail (chapter 4); ``"gumbel"`` Rider's Gumbel law with the complex
        constants that Bar et al. use; ``"gumbel-real"`` the real-ensemble Gumbel law
        (:func:`~initdyn.ginibre.gumbel_cdf`).  Both Gumbel laws need ``n >= 164``.

    Returns
    -------
    float or ndarray (the shape of ``t``)
    """
    tt = check_finite_array(t, "t")
    if np.any(tt < 0):
        raise ValueError(f"t: expected steps >= 0, got {tt.min() if tt.ndim else float(tt)}")
    n = check_int(n, "n", minimum=1)
    K = check_real(threshold, "threshold", low=1.0, low_open=True)
    check_choice(law, "law", ("exact", "gumbel", "gumbel-real"))
    if law != "exact" and n < MIN_WIDTH_GUMBEL:
        raise ValueError(f"n: the Gumbel laws need gamma_n > 0, that is n >= {MIN_WIDTH_GUMBEL}, got {n}; "
                         "use law='exact'")
    if law == "exact" and n > 10**7:
        raise ValueError(f"n: the exact law costs O(sqrt(n log n)) incomplete-gamma terms per step; expected "
                         f"n <= 1e7 for law='exact', got {n} (the Gumbel laws are O(1))")
    pos = tt > 0
    with np.errstate(divide="ignore", over="ignore"):
        r = np.where(pos, np.exp(math.log(K) / np.where(pos, tt, 1.0)), np.inf)
    fin = np.isfinite(r)
    r_eval = np.where(fin, r, 1.0)
    if law == "exact":
        cdf = complex_ginibre_radius_cdf(r_eval, n)
    else:
        cdf = np.asarray(gumbel_cdf(r_eval, n, ensemble="complex" if law == "gumbel" else "real"))
    out = np.where(fin, 1.0 - cdf, 0.0)
    return float(out) if out.ndim == 0 else out
