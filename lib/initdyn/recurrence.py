r"""Long linear recurrences :math:`h_t = A h_{t-1}` under Glorot initialization (chapter 4).

Bar, Seleznova, Alexander, Kutyniok & Giryes 2025, "Revisiting Glorot Initialization for
Long-Range Linear Recurrences" (arXiv 2505.19827, abstract): with Glorot weights
(:math:`A_{ij} \sim \mathcal N(0, 1/n)`) the bulk of the spectrum fills the unit disk
(circular law), but the spectral radius :math:`\rho(A)` of a finite matrix sits *above* one by
:math:`O(\sqrt{\log n / n})`, so that the hidden state explodes once :math:`t = O(\sqrt n)`.

This module provides

* trajectories: :func:`log_norm_trajectory` (:math:`\log\|h_t\|` for :math:`t = 0..T`, renormalised
  at every step so nothing overflows or underflows at any length, batched over initial states and
  over a stack of matrices; linear, ReLU or tanh; or, for the linear one, from a single
  eigen-decomposition, ``method="eig"``), :func:`glorot_log_norms` (ensembles of Glorot
  recurrences, drawn in chunks), :func:`diagonal_log_norm_trajectory` (the diagonal, LRU-style
  variant, from :func:`initdyn.ginibre.glorot_eigenvalues`);
* the price of rescaling: :func:`memory_horizon` (the spectral radius, its Gumbel edge law, the
  rescaling factor itself and when the state explodes, :func:`~initdyn.ginibre.explosion_time` and
  :func:`~initdyn.ginibre.explosion_probability`, are :mod:`initdyn.ginibre`);
* exact finite-n moments :math:`\mathbb E\|A^t h\|^2` for :math:`t \le 6` (:func:`glorot_norm_moment`)
  and the one-mode saturation level of a tanh recurrence (:func:`tanh_saturation`).

The input-driven recurrence :math:`h_t = W h_{t-1} + U x_t` is :mod:`initdyn.driven`; the initializer
itself is :func:`initdyn.init.rescaled_glorot`.

Argument checks: every argument is checked where it enters, with a ``ValueError`` or ``TypeError`` that
names it, says what was expected and shows what was received.  Requests whose arrays would exceed
4 GiB (``n_samples``, ``steps``, ``n``, the number of states) are refused up front with the estimate and
what to reduce; matrices and states may lie anywhere in the float range (products that would over- or
underflow are redone in power-of-two rescaled arithmetic, bit for bit identical where nothing does).

Defined in chapter 4.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from ._eigmodes import _eig_active_steps, _eig_log_norms, _eig_modes
from ._structured import safe_log_norm
from ._validate import as_rng, check_choice, check_finite_array, check_int, check_nbytes
from .activations import get_activation
from .ginibre import _check_matrices, _chunks

__all__ = [
    "log_norm_trajectory",
    "EIG_MAX_COND",
    "glorot_log_norms",
    "glorot_norm_moment",
    "memory_horizon",
    "tanh_saturation",
    "diagonal_log_norm_trajectory",
]


#: Largest condition number of the eigenvector matrix accepted by ``method="eig"`` of
#: :func:`log_norm_trajectory` (its relative error is about ``cond(V) * eps``, ~2e-8 here).
EIG_MAX_COND = 1e8


def log_norm_trajectory(A, h0, steps, *, activation=None, method: str = "power") -> np.ndarray:
    r"""Return :math:`\log\|h_t\|_2` for :math:`h_t = A h_{t-1}` (or :math:`\phi(A h_{t-1})`), :math:`t = 0..\text{steps}`.

    The state is renormalised at every step, :math:`u_t = A u_{t-1} / \|A u_{t-1}\|`, and the
    log-norms are accumulated, :math:`\log\|h_t\| = \log\|h_0\| + \sum_{s \le t} \log\|A u_{s-1}\|`,
    so nothing overflows or underflows at any length (``A = 2 I`` over :math:`10^5` steps gives
    :math:`t\log 2` exactly).  The cost is one matrix product per step, as for the bare recurrence.

    ``method="eig"`` (linear recurrence only) diagonalises once instead,
    :math:`A = V\,\mathrm{diag}(\lambda)\,V^{-1}` (complex, ``numpy.linalg.eig``), so that with
    :math:`c = V^{-1} h_0`

    .. math:: h_t = V\,(\lambda^t \odot c),\qquad
              \log\|h_t\| = M_t + \log\bigl\|V\,\bigl(e^{t\log|\lambda| + \log|c| - M_t}\,
              e^{i(t\arg\lambda + \arg c)}\bigr)\bigr\|,\quad
              M_t = \max_i\,\bigl(t\log|\lambda_i| + \log|c_i|\bigr),

    powers taken in the log domain and the largest term factored out at every ``t`` (no overflow
    or underflow at any length), evaluated in blocks of steps (about 64 MB of work arrays).
    Terms below :math:`\varepsilon/\sqrt n` of the largest are dropped, which changes
    :math:`\|h_t\|` by at most :math:`\mathrm{cond}(V)\,\varepsilon` relative; conjugate pairs are
    folded into one real product.  Cost: :math:`O(n^3)` once per matrix, then
    :math:`O(n\,k\,p(t))` per step for ``k`` states, where :math:`p(t) \le n` counts the modes
    within a factor :math:`\varepsilon/\sqrt n` of the largest at step ``t``.  For Glorot
    matrices :math:`p(t)` falls like :math:`n\cdot O(\log(1/\varepsilon)/t)`, so long runs are several
    times cheaper than ``"power"``; when every :math:`|\lambda_i|` is equal (orthogonal ``A``)
    :math:`p(t) = n` and ``"eig"`` costs more than ``"power"`` (2 to 3 times in
    ``benchmarks/bench_recurrence.py``): the norm of a non-normal :math:`h_t` needs an :math:`O(n)`
    product per mode and step, so no exact method is :math:`O(k\,n)` per step in general.  Accuracy: relative
    error of :math:`\|h_t\|` about :math:`\mathrm{cond}(V)\,\varepsilon\,(1 + t\,\|A\|/\rho(A))`
    (backward error of the eigenvalues raised to the power ``t``); a matrix with
    :math:`\mathrm{cond}_1(V) >` :data:`EIG_MAX_COND` (e.g. a defective one, such as a Jordan block)
    raises ``ValueError``.

    Parameters
    ----------
    A : array_like, shape (n, n) or (m, n, n)
        One matrix, or a stack of ``m`` matrices.
    h0 : array_like, shape (n,), (k, n) or (m, k, n)
        Initial states.  With one matrix, every state is iterated.  With a stack, ``(n,)`` and
        ``(k, n)`` are shared by all ``m`` matrices, and ``(m, k, n)`` gives ``k`` states of its own
        to each matrix.  No state may be zero.  Entries of ``A`` and ``h0`` may have any finite
        magnitude: a product or norm that would over- or underflow (``1e200 * I``, ``1e-300 * h``) is
        recomputed from power-of-two rescaled copies, so the log-norms stay finite and exact.
    steps : int >= 0
        Number of steps ``T``; the output (``8 (steps + 1)`` bytes per state) must fit in 4 GiB.
    activation : None, name or :class:`initdyn.activations.Activation`
        ``None`` (default) or ``"linear"`` for the linear recurrence.  A positively homogeneous
        activation (``"relu"``) is renormalised the same way; any other (``"tanh"``, chapter 4's
        "where the theory stops") is iterated on the raw state, which cannot overflow when
        :math:`\phi` is bounded (pre-activations beyond the float range saturate it); a state that
        underflows to exactly zero gives ``-inf``, and an unbounded one that overflows raises
        ``ValueError``.
    method : {"power", "eig", "auto"}
        ``"power"`` (default): repeated products with renormalisation, any activation.
        ``"eig"``: the eigen-decomposition above (linear only).  ``"auto"``: ``"eig"`` for a linear
        recurrence when the estimated work (from the moduli :math:`|\lambda_i|`) is below half that
        of ``"power"`` and :math:`\mathrm{cond}(V) \le` :data:`EIG_MAX_COND`, ``"power"``
        otherwise; results then agree with ``"power"`` to rounding, not bit for bit.

    Returns
    -------
    ndarray, shape (..., steps + 1)
        The leading axes are ``h0.shape[:-1]`` for one matrix, and for a stack ``(m,)`` when
        ``h0`` has shape ``(n,)``, ``(m, k)`` otherwise.  Entries are
        finite, or ``-inf`` from the step where a state is mapped exactly to zero onward.

    Examples
    --------
    >>> import numpy as np
    >>> out = log_norm_trajectory(2 * np.eye(3), np.ones(3), 100000)
    >>> bool(np.isclose(out[-1] - out[0], 100000 * np.log(2)))
    True
    """
    A = _check_matrices(A)
    n = A.shape[-1]
    act = None if activation is None else get_activation(activation)
    renorm = act is None or act.homogeneous
    phi = None if act is None or act.name == "linear" else act.phi
    h0 = check_finite_array(h0, "h0", ndim=(1, 2, 3))
    steps = check_int(steps, "steps", minimum=0)
    check_choice(method, "method", ("power", "eig", "auto"))
    if method == "eig" and phi is not None:
        raise ValueError(
            f"method: 'eig' diagonalises the linear recurrence only, got activation {act.name!r}; "
            "use method='power'"
        )
    if h0.shape[-1] != n:
        raise ValueError(f"h0: expected states of size n = {n} (last axis), got shape {h0.shape}")
    if h0.ndim == 3 and A.ndim == 3 and h0.shape[0] != A.shape[0]:
        raise ValueError(
            f"h0: a (m, k, n) stack of states needs m = A.shape[0] = {A.shape[0]}, got h0 shape {h0.shape}"
        )
    if A.ndim == 2:
        lead = h0.shape[:-1]
        x = h0.reshape(1, -1, n)
        mats = A[None]
    else:
        m = A.shape[0]
        lead = (m,) + h0.shape[-2:-1]
        if h0.ndim == 3:
            x = h0
        else:  # shared states: (n,) -> (m, 1, n), (k, n) -> (m, k, n)
            k = 1 if h0.ndim == 1 else h0.shape[0]
            x = np.broadcast_to(h0.reshape(1, k, n), (m, k, n))
        mats = A
    n_states = x.shape[0] * x.shape[1]
    check_nbytes(8 * n_states * (steps + 1), "steps", steps,
                 what=f"the output of {n_states} trajectories of {steps} + 1 log-norms", reduce="steps or the number of states")
    check_nbytes(8 * n_states * n * 4, "h0", f"shape {h0.shape}",
                 what=f"the work arrays of {n_states} states of size {n}", reduce="the number of states")
    if A.ndim == 3:
        check_nbytes(16 * A.size, "A", f"shape {A.shape}", what="a transposed copy of the stack of matrices",
                     reduce="the number or the size of the matrices")
    if np.any(~np.any(x != 0, axis=-1)):
        raise ValueError("h0: every initial state must be non-zero (its log-norm would be -inf)")
    with np.errstate(over="ignore", under="ignore"):
        norms0 = np.linalg.norm(x, axis=-1)
    out = np.empty(x.shape[:2] + (steps + 1,))
    out[..., 0] = safe_log_norm(x)  # bit for bit np.log(norms0) unless the norm over- or underflows
    k = x.shape[1]
    # flops of the products per matrix, plus ~5e4 flops worth of Python/BLAS call overhead per step
    power_work = 2.0 * n * n * k * steps + 5e4 * steps / mats.shape[0]
    if phi is None and steps > 0 and (method == "eig" or (method == "auto" and 25.0 * n**3 < 0.5 * power_work)):
        rest = []  # matrices left to the power method ("auto" only)
        for i in range(mats.shape[0]):
            lam, V, lu, cond = _eig_modes(mats[i])
            if method == "auto" and (
                cond > EIG_MAX_COND or 25.0 * n**3 + 2.0 * n * k * _eig_active_steps(lam, steps) >= 0.5 * power_work
            ):
                rest.append(i)
                continue
            if cond > EIG_MAX_COND:
                raise ValueError(
                    f"A: the eigenvector matrix{'' if A.ndim == 2 else f' of A[{i}]'} has condition number "
                    f"{cond:.3g} > EIG_MAX_COND = {EIG_MAX_COND:.0e} (defective or nearly so): method='eig' "
                    "would lose about log10(cond) digits; use method='power'"
                )
            _eig_log_norms(lam, V, lu, x[i], steps, out[i])
        if rest:
            out[rest] = log_norm_trajectory(mats[rest], x[rest], steps, method="power")
        return out.reshape(lead + (steps + 1,))
    if renorm:
        with np.errstate(divide="ignore", invalid="ignore"):  # norms that over- or underflow: redone below
            u = x / norms0[..., None]
        off = ~(norms0 >= _TINY) | ~np.isfinite(norms0)
        if off.any():  # norms that over- or underflow: unit vectors from a power-of-two rescaled copy
            u = np.where(off[..., None], _unit_rows(x), u)
    else:
        u = np.array(x)
    # row-vector convention, h_t^T = h_{t-1}^T A^T: one BLAS gemm per step for a single matrix
    # (the (k, n) block times A^T), one batched gemm per step for a stack.
    if A.ndim == 2:
        u = u[0]
        at = A.T
    else:
        at = np.ascontiguousarray(np.swapaxes(mats, -1, -2))
    acc = out[..., 0].reshape(u.shape[:-1]).copy()
    comp = np.zeros(acc.shape)
    dead = np.zeros(acc.shape, dtype=bool)
    res = out.reshape(acc.shape + (steps + 1,))
    scaled = []  # [A^T / 2^e, e] with e the binary exponent of max|A| (per matrix), made on first need

    def rescaled():
        if not scaled:
            big = np.max(np.abs(at), axis=(-2, -1), keepdims=True)
            e = np.frexp(np.where(big > 0, big, 1.0))[1]
            scaled.extend([np.ldexp(at, -e), e[..., 0] if at.ndim == 3 else e[0, 0]])
        return scaled

    for t in range(1, steps + 1):
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is detected and redone below
            v = u @ at
        if not renorm and not np.all(np.isfinite(v)):
            # pre-activations beyond the float range: the same products in power-of-two rescaled
            # arithmetic, so that they overflow to a signed infinity (never NaN)
            at_s, e_a = rescaled()
            big = np.max(np.abs(u), axis=-1, keepdims=True)
            e_u = np.frexp(np.where(big > 0, big, 1.0))[1]
            with np.errstate(over="ignore"):
                v_s = np.ldexp(np.ldexp(u, -e_u) @ at_s, e_u + (e_a[..., None] if np.ndim(e_a) else e_a))
            v = np.where(np.isfinite(v), v, v_s)
        if phi is not None:
            with np.errstate(over="ignore", invalid="ignore"):  # checked just below
                v = phi(v)
        with np.errstate(over="ignore", under="ignore"):
            r = np.linalg.norm(v, axis=-1)
        if not renorm and not np.all(np.isfinite(r)):
            raise ValueError(f"activation: the state overflowed at step {t}; iterate bounded activations only")
        # states whose norm over- or underflows (or is exactly 0) are redone in rescaled arithmetic
        off = ~(r >= _TINY) | (r == np.inf)
        if renorm:  # compensated (Kahan) sum: ~1e-16 relative error even over 1e5 steps
            if off.any():
                at_s, e_a = rescaled()
                v_s = u @ at_s
                if phi is not None:
                    v_s = phi(v_s)  # positively homogeneous: phi(2^e y) = 2^e phi(y)
                big = np.max(np.abs(v_s), axis=-1, keepdims=True)
                e_v = np.frexp(np.where(big > 0, big, 1.0))[1]
                w = np.ldexp(v_s, -e_v)
                r_w = np.linalg.norm(w, axis=-1)
                zero = off & (r_w == 0)  # a state mapped exactly to 0 stays there: log-norm -inf, not NaN
                dead |= zero
                with np.errstate(divide="ignore"):
                    log_w = np.log(np.where(zero, 1.0, r_w)) + (e_v[..., 0] + e_a) * math.log(2.0)
                r_ok = np.where(off, 1.0, r)
                y = np.where(off, np.where(zero, 0.0, log_w), np.log(r_ok)) - comp
                u_next = np.where(off[..., None], w / np.where(r_w > 0, r_w, 1.0)[..., None], v / r_ok[..., None])
            else:
                y = np.log(r) - comp
                u_next = v / r[..., None]
            tot = acc + y
            comp = (tot - acc) - y
            acc = tot
            u = u_next
        else:
            if off.any():
                zero = off & ~np.any(v != 0, axis=-1)
                dead |= zero
                acc = np.where(off, np.where(zero, 0.0, safe_log_norm(v)), np.log(np.where(off, 1.0, r)))
            else:
                acc = np.log(r)
            u = v
        res[..., t] = np.where(dead, -np.inf, acc) if dead.any() else acc
    return out.reshape(lead + (steps + 1,))


#: Norms below this (2^-510) are recomputed in rescaled arithmetic: their squares are subnormal.
_TINY = 2.0**-510


def _unit_rows(x):
    """``x / ||x||`` along the last axis from a power-of-two rescaled copy (no over- or underflow)."""
    big = np.max(np.abs(x), axis=-1, keepdims=True)
    w = np.ldexp(x, -np.frexp(np.where(big > 0, big, 1.0))[1])
    r = np.linalg.norm(w, axis=-1, keepdims=True)
    return w / np.where(r > 0, r, 1.0)


def glorot_log_norms(n: int, n_samples: int, steps: int, *, scale: float = 1.0, activation=None, h0_norm: float = 1.0,
                     rng=None) -> np.ndarray:
    r""":math:`\log\|h_t\|` for ``n_samples`` independent Glorot recurrences, shape ``(n_samples, steps + 1)``.

    :math:`h_t = A h_{t-1}` with :math:`A = s\,G/\sqrt n` (``scale`` :math:`s`; the rescaled
    Glorot is :math:`s = 1/r_n(x)`, :func:`~initdyn.ginibre.rescaling_radius`) and a fresh :math:`A` per
    trajectory.  The law of :math:`A` is orthogonally invariant, so :math:`\|A^t h_0\|` has the
    same law for every :math:`h_0` of a given norm: ``h_0 = h0_norm * e_1``.  Matrices are drawn in
    chunks of at most 64 MB and iterated with :func:`log_norm_trajectory` (``activation`` is passed
    on: ``"tanh"`` gives :math:`h_t = \tanh(A h_{t-1})`, where the norm of :math:`h_0` matters).
    """
    n = check_int(n, "n", minimum=1)
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    steps = check_int(steps, "steps", minimum=0)
    s = check_finite_array(scale, "scale", ndim=0)
    if s <= 0:
        raise ValueError(f"scale: expected a positive number, got {scale!r}")
    h0_norm = float(check_finite_array(h0_norm, "h0_norm", ndim=0))
    if h0_norm <= 0:
        raise ValueError(f"h0_norm: expected a positive number, got {h0_norm!r}")
    act = None if activation is None else get_activation(activation)
    blame = ("steps", steps) if steps + 1 >= n_samples else ("n_samples", n_samples)
    check_nbytes(8 * n_samples * (steps + 1), *blame, what=f"the output of {n_samples} trajectories of {steps} + 1 steps",
                 reduce="n_samples or steps")
    check_nbytes(8 * n * n * 4, "n", n, what=f"one {n} x {n} matrix with its work arrays", reduce="n")
    gen = as_rng(rng)
    h0 = np.zeros(n)
    h0[0] = h0_norm
    out = np.empty((n_samples, steps + 1))
    # A linear or positively homogeneous recurrence scales exactly: log||(sA)^t h|| = t log s + log||A^t h||.
    # Scales whose matrices would over- or underflow are factored out that way (the others are drawn as is).
    homogeneous = act is None or act.homogeneous
    factor = homogeneous and not 1e-200 <= float(s) / math.sqrt(n) <= 1e200
    if factor:
        mant, expo = math.frexp(float(s))
        shift = expo * math.log(2.0) * np.arange(steps + 1)
    for a, b in _chunks(n_samples, n):
        if factor:
            mats = gen.standard_normal((b - a, n, n)) * (mant / math.sqrt(n))
            out[a:b] = log_norm_trajectory(mats, h0, steps, activation=activation) + shift
            continue
        with np.errstate(over="ignore"):
            mats = gen.standard_normal((b - a, n, n)) * (float(s) / math.sqrt(n))
        if not np.all(np.isfinite(mats)):
            raise ValueError(f"scale: the entries scale * G_ij / sqrt(n) overflow float64 for scale = {float(s):g}; "
                             "a bounded activation saturates long before (use a smaller scale)")
        out[a:b] = log_norm_trajectory(mats, h0, steps, activation=activation)
    return out


def _pairings(items):
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for j in range(len(rest)):
        for tail in _pairings(rest[:j] + rest[j + 1:]):
            yield [(first, rest[j])] + tail


def _moment_coefficients(t: int) -> dict:
    """{power p: count} with E||A^t e_1||^2 = sum count * n**p for A_ij ~ N(0, 1/n) (Wick)."""
    # index variables: 0 is the fixed index of e_1; word 1 uses i_1..i_t (ids 1..t), word 2 uses
    # k_1..k_{t-1} (ids t+1..2t-1) and shares its last index with word 1 (k_t = i_t).
    def word(first_ids):
        ids = [0] + first_ids
        return [(ids[s], ids[s - 1]) for s in range(1, t + 1)]  # factor A_{ids[s], ids[s-1]}

    w1 = word(list(range(1, t + 1)))
    w2 = word(list(range(t + 1, 2 * t)) + [t])
    factors = w1 + w2
    counts: dict = {}
    for pairing in _pairings(list(range(2 * t))):
        parent = list(range(2 * t))

        def find(x):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for a, b in pairing:
            for u, v in zip(factors[a], factors[b]):
                ru, rv = find(u), find(v)
                if ru != rv:
                    parent[ru] = rv
        roots = {find(v) for v in range(2 * t)}
        free = len(roots) - 1  # the class of the fixed index 0 is not summed
        counts[free - t] = counts.get(free - t, 0) + 1
    return counts


_MOMENT_CACHE: dict = {}


def glorot_norm_moment(t: int, n) -> float:
    r"""Exact :math:`E\|A^t h\|^2/\|h\|^2` for Glorot :math:`A_{ij}\sim\mathcal N(0,1/n)`, ``t <= 6``.

    Implements equation ``eq-ch4-moments`` of chapter 4 (:doc:`/notebooks/04-glorot-recurrences`).

    By Wick's theorem the expectation is a sum over the :math:`(2t-1)!!` pairings of the
    :math:`2t` Gaussian factors of :math:`\|A^t h\|^2`; a pairing that leaves :math:`f` free
    indices contributes :math:`n^{f-t}`.  The non-crossing ("planar") pairing gives the
    infinite-width value 1; the others give the finite-width corrections:

    .. math:: t = 1:\ 1, \qquad t = 2:\ 1 + 2/n^2, \qquad t = 3:\ 1 + 10/n^2 + 4/n^3, \ \ldots

    (For :math:`t = 2`, :math:`\|A^2 e_1\|^2 = \sum A_{ij}A_{j1}A_{ik}A_{k1}`: the planar pairing
    :math:`(A_{ij}, A_{ik})(A_{j1}, A_{k1})` leaves :math:`i, j` free, :math:`n^2 \cdot n^{-2} = 1`;
    the two others tie every index to 1 and give :math:`n^{-2}` each.)  The corrections are
    :math:`\approx t^4/(12 n^2)` at leading order (coefficients 2, 10, 28, 62, 118 of :math:`n^{-2}`
    for :math:`t = 2..6`), so they become order one at :math:`t = O(\sqrt n)`, the scale at which
    Bar et al. 2025 show the hidden state of a Glorot recurrence to explode.  The enumeration costs
    :math:`(2t-1)!!` (10395 pairings at :math:`t = 6`).
    """
    t = check_int(t, "t", minimum=0)
    if t > 6:
        raise ValueError(f"t: the pairing enumeration is limited to t <= 6, got {t}")
    nn = check_finite_array(n, "n")
    if np.any(nn < 1):
        raise ValueError(f"n: expected widths >= 1, got {n!r}")
    if t == 0:
        return 1.0 if nn.ndim == 0 else np.ones_like(nn)
    if t not in _MOMENT_CACHE:
        _MOMENT_CACHE[t] = _moment_coefficients(t)
    out = sum(c * nn ** float(p) for p, c in _MOMENT_CACHE[t].items())
    return float(out) if np.ndim(out) == 0 else out


def memory_horizon(rho) -> np.ndarray:
    r"""Steps for the slowest mode of a matrix of spectral radius :math:`\rho < 1` to decay by :math:`e`.

    Implements equation ``eq-ch4-memory`` of chapter 4 (:doc:`/notebooks/04-glorot-recurrences`).

    :math:`\tau = -1/\log\rho` (``inf`` for :math:`\rho \ge 1`): the price of the rescaled Glorot is
    a finite :math:`\tau`, the longest time over which :math:`h_t = A^t h_0` can carry a signal.
    """
    r = check_finite_array(rho, "rho")
    if np.any(r <= 0):
        raise ValueError(f"rho: expected spectral radii > 0, got {r.min() if r.ndim else float(r)}")
    with np.errstate(divide="ignore"):
        out = np.where(r < 1, -1.0 / np.log(np.minimum(r, 1.0 - 1e-300)), np.inf)
    return float(out) if out.ndim == 0 else out


def tanh_saturation(rho) -> np.ndarray:
    r"""One-mode prediction of the mean squared unit of :math:`h_t = \tanh(A h_{t-1})` at long times.

    Implements equation ``eq-ch4-tanh`` of chapter 4 (:doc:`/notebooks/04-glorot-recurrences`).

    When :math:`\rho(A) > 1` the origin is unstable along the top eigenvector :math:`u`; write
    :math:`h = a\sqrt n\,u` (so :math:`a^2 = \|h\|^2/n`) and expand
    :math:`\tanh x \approx x - x^3/3`.  With delocalised Gaussian-like entries,
    :math:`\sum_i u_i^4 \approx 3/n`, and projecting one step on :math:`u` gives
    :math:`a \mapsto \rho a - (\rho a)^3`, whose fixed point is

    .. math:: a^2 = (\rho - 1)/\rho^3 \approx \rho - 1 .

    For :math:`\rho \le 1` the origin attracts: 0.  A heuristic (one real mode, small amplitude);
    chapter 4 compares it with simulations, where complex top pairs rotate instead of settling.
    """
    r = check_finite_array(rho, "rho")
    if np.any(r <= 0):
        raise ValueError(f"rho: expected spectral radii > 0, got {r.min() if r.ndim else float(r)}")
    # rho^3 beyond the float range: (rho - 1) / rho^3 is 0 to double precision; tiny rho (the branch not
    # taken) may underflow rho^3 to 0
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        out = np.where(r > 1, (r - 1) / r**3, 0.0)
    return float(out) if out.ndim == 0 else out


def diagonal_log_norm_trajectory(lam, c0, steps) -> np.ndarray:
    r""":math:`\log\|h_t\|` for the diagonal recurrence :math:`h_t = \Lambda h_{t-1}`, :math:`t = 0..T`.

    Implements equation ``eq-ch4-diagonal`` of chapter 4 (:doc:`/notebooks/04-glorot-recurrences`).

    In closed form, :math:`\log\|h_t\| = \tfrac12 \log\sum_i |c_i|^2 |\lambda_i|^{2t}`, evaluated as a
    log-sum-exp so that nothing overflows (:math:`O(nT)`, no matrix products).  A normal recurrence
    has no transient: its norm is governed by the moduli :math:`|\lambda_i|` alone, the largest one
    eventually.

    Parameters
    ----------
    lam : array_like, shape (..., n), complex or real
        Diagonal entries (e.g. :func:`~initdyn.ginibre.glorot_eigenvalues`).
    c0 : array_like, shape (..., n) broadcastable against ``lam``
        Initial state in the eigenbasis; not all zero.
    steps : int >= 0

    Returns
    -------
    ndarray, shape ``broadcast(lam, c0).shape[:-1] + (steps + 1,)``
    """
    lam = np.asarray(lam)
    c0 = np.asarray(c0)
    for name, arr in (("lam", lam), ("c0", c0)):
        if arr.ndim < 1 or not (np.issubdtype(arr.dtype, np.number) and arr.dtype != bool):
            raise TypeError(f"{name}: expected a numeric array of shape (..., n), got {arr.dtype} {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name}: expected finite values, found NaN or inf")
    steps = check_int(steps, "steps", minimum=0)
    try:
        shape = np.broadcast_shapes(lam.shape, c0.shape)
    except ValueError:
        raise ValueError(f"c0: shape {c0.shape} does not broadcast against lam {lam.shape}") from None
    if shape[-1] == 0:
        raise ValueError(f"lam, c0: expected at least one mode (last axis n >= 1), got shapes {lam.shape} and {c0.shape}")
    n_traj = math.prod(shape[:-1])
    check_nbytes(8 * n_traj * (steps + 1), "steps", steps, what=f"the output of {n_traj} trajectories of {steps} + 1 "
                 "log-norms", reduce="steps or the number of trajectories")
    check_nbytes(40 * math.prod(shape), "lam", f"shape {lam.shape}", what=f"the work arrays of shape {shape}",
                 reduce="the size of lam and c0")
    with np.errstate(divide="ignore"):
        loglam = np.broadcast_to(np.log(np.abs(lam)), shape)
        logc = np.broadcast_to(np.log(np.abs(c0)), shape)
    if np.any(np.all(np.isneginf(logc), axis=-1)):
        raise ValueError("c0: every initial state must be non-zero")
    out = np.empty(shape[:-1] + (steps + 1,))
    block = max(1, int(4e6 // max(1, math.prod(shape))))
    for t0 in range(0, steps + 1, block):
        t = np.arange(t0, min(steps + 1, t0 + block), dtype=float)
        with np.errstate(invalid="ignore"):
            e = 2.0 * logc[..., None, :] + 2.0 * t[:, None] * loglam[..., None, :]
        e = np.where(t[:, None] == 0, 2.0 * logc[..., None, :], e)  # 0 * log 0 is 0 at t = 0
        out[..., t0:t0 + t.size] = 0.5 * special.logsumexp(e, axis=-1)
    return out
