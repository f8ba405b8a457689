r"""The heavy kernels of the book on any array library (the Python array API standard).

The chapters' heavy computations are matrix products over many layers or steps, and the same
elementwise map over many random maps.  The functions here take arrays of any library that follows
the array API standard (numpy, and through ``array-api-compat`` also CuPy, PyTorch, JAX, ...), compute
in that library, on its device, and return its arrays:

* :func:`jacobian_singular_values`: the input-output Jacobian :math:`J = \prod_l D^l W^l` of a network with
  given weights, biases and input, and its singular values (chapter 2, equation ``eq-ch2-jacobian``);
* :func:`log_norm_trajectory`: :math:`\log\|h_t\|` of the linear recurrence :math:`h_t = A h_{t-1}`,
  renormalised at every step so nothing overflows (the recurrence of chapter 4,
  :doc:`/notebooks/04-glorot-recurrences`);
* :func:`relu_map`: a batch of the random one-hidden-layer ReLU maps of chapter 5, equation
  ``eq-ch5-relu-map``, each applied to its own points.

Random draws stay with numpy's seeded generators (draw there, then move the arrays with the target
library's ``asarray``), so the numbers do not depend on the library.  These kernels are the plain
array-API forms: :func:`jacobian_singular_values` takes the SVD of the explicit product, accurate to
:math:`\epsilon\,\sigma_{\max}` for each singular value, where :class:`initdyn.spectra.ProductQR`
(numpy and LAPACK only) resolves every singular value to its own relative precision.  The namespace
comes from ``array_api_compat.array_namespace`` (the optional ``xp`` extra), imported when a kernel is
first called.
"""

from __future__ import annotations

import importlib

__all__ = ["ACTIVATIONS", "array_namespace", "jacobian_singular_values", "log_norm_trajectory", "relu_map"]

#: The activations the kernels evaluate with array-API functions only (erf is not in the standard).
ACTIVATIONS = ("linear", "relu", "tanh", "hard_tanh")


def array_namespace(*arrays):
    """The array-API namespace of ``arrays`` (all from one library), via ``array_api_compat``.

    Raises ``ImportError`` naming the package when ``array-api-compat`` is not installed, and
    ``TypeError`` for arrays of mixed or unknown libraries.
    """
    try:
        compat = importlib.import_module("array_api_compat")
    except ImportError:
        raise ImportError("the array-API kernels need array-api-compat (pip install 'initdyn[xp]')") from None
    try:
        return compat.array_namespace(*arrays)
    except TypeError as exc:
        raise TypeError(f"arrays: expected arrays of one array-API library, got "
                        f"{sorted({type(a).__name__ for a in arrays})} ({exc})") from None


def _check(xp, x, name, ndim):
    if not hasattr(x, "shape") or not hasattr(x, "dtype"):
        raise TypeError(f"{name}: expected an array, got {type(x).__name__}")
    if x.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-d array, got shape {tuple(x.shape)}")
    if not xp.isdtype(x.dtype, "real floating"):
        raise TypeError(f"{name}: expected a real floating dtype, got {x.dtype}")
    if not bool(xp.all(xp.isfinite(x))):
        raise ValueError(f"{name}: expected finite entries, got NaN or infinity")
    return x


def _phi_dphi(xp, h, activation):
    if activation == "linear":
        return h, xp.ones_like(h)
    if activation == "relu":
        return xp.where(h > 0, h, xp.zeros_like(h)), xp.astype(h > 0, h.dtype)
    if activation == "tanh":
        t = xp.tanh(h)
        return t, 1 - t * t
    one = xp.ones_like(h)
    return xp.clip(h, -1.0, 1.0), xp.astype(xp.abs(h) < one, h.dtype)  # hard_tanh


def _check_activation(activation):
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(f"activation: expected one of {ACTIVATIONS} (array-API functions only), got {activation!r}")
    return activation


def jacobian_singular_values(weights, biases, x, *, activation):
    r"""Singular values (descending) of :math:`J = D^L W^L \cdots D^1 W^1` at input ``x``, in ``x``'s library.

    ``weights`` has shape ``(L, N, N)`` (each ``(fan_out, fan_in)``), ``biases`` ``(L, N)``, ``x`` ``(N,)``;
    :math:`h^l = W^l \phi(h^{l-1}) + b^l` with :math:`\phi(h^0) = x`, :math:`D^l = \mathrm{diag}\,\phi'(h^l)`
    (Pennington, Schoenholz & Ganguli 2017, Sec. 2.1, eq. 2).  The product is accumulated explicitly and
    its singular values are those of ``linalg.svdvals``: each is accurate to :math:`\epsilon\,\sigma_{\max}`
    (for deep products whose spectrum spans more than :math:`10^{16}` use
    :func:`initdyn.spectra.jacobian_singular_values_of`, numpy only).
    """
    xp = array_namespace(weights, biases, x)
    activation = _check_activation(activation)
    weights = _check(xp, weights, "weights", 3)
    biases = _check(xp, biases, "biases", 2)
    x = _check(xp, x, "x", 1)
    L, n_out, n_in = weights.shape
    if n_out != n_in or biases.shape != (L, n_out) or x.shape != (n_in,):
        raise ValueError(f"weights, biases, x: expected shapes (L, N, N), (L, N), (N,), got {tuple(weights.shape)}, "
                         f"{tuple(biases.shape)}, {tuple(x.shape)}")
    jac = xp.eye(n_in, dtype=weights.dtype)
    post = x
    for layer in range(L):
        w = weights[layer, ...]
        h = w @ post + biases[layer, ...]
        post, d = _phi_dphi(xp, h, activation)
        jac = d[:, None] * (w @ jac)
    return xp.linalg.svdvals(jac)


def log_norm_trajectory(A, h0, steps):
    r""":math:`\log\|h_t\|_2` for :math:`h_t = A h_{t-1}`, :math:`t = 0, \dots, \text{steps}`, in ``A``'s library.

    The state is renormalised at every step and the logarithms of the norms are summed, as in
    :func:`initdyn.recurrence.log_norm_trajectory` (``method="power"``), so nothing overflows at any
    length.  ``A`` is ``(n, n)``, ``h0`` ``(n,)`` non-zero, ``steps`` an integer in ``[0, 10**7]``.
    A state mapped exactly to zero gives ``-inf`` from then on.
    """
    xp = array_namespace(A, h0)
    A = _check(xp, A, "A", 2)
    h0 = _check(xp, h0, "h0", 1)
    if A.shape[0] != A.shape[1] or h0.shape != (A.shape[1],):
        raise ValueError(f"A, h0: expected shapes (n, n) and (n,), got {tuple(A.shape)} and {tuple(h0.shape)}")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= 10**7:
        raise ValueError(f"steps: expected an integer in [0, 10**7], got {steps!r}")
    norm0 = xp.linalg.vector_norm(h0)
    if not bool(norm0 > 0):
        raise ValueError("h0: expected a non-zero initial state")
    out = [xp.log(norm0)]
    u = h0 / norm0
    for _ in range(steps):
        v = A @ u
        nrm = xp.linalg.vector_norm(v)
        out.append(out[-1] + xp.log(nrm))
        u = v / xp.where(nrm > 0, nrm, xp.ones_like(nrm))
    return xp.stack(out)


def relu_map(a, w, b, c, x):
    r"""Map ``m`` of the batch applied to the points ``x[m, :]``: :math:`f_m(x) = \sum_i a_{mi}\,\mathrm{relu}(w_{mi} x + b_{mi}) + c_m`.

    ``a``, ``w``, ``b`` have shape ``(size, width)``, ``c`` ``(size,)`` and ``x`` ``(size, points)``; returns
    ``(size, points)`` in the arrays' library.  The map of equation ``eq-ch5-relu-map`` of chapter 5, as
    :class:`initdyn.piecewise.ReluMapEnsemble` evaluates it with numpy.
    """
    xp = array_namespace(a, w, b, c, x)
    a, w, b = (_check(xp, v, name, 2) for v, name in ((a, "a"), (w, "w"), (b, "b")))
    c = _check(xp, c, "c", 1)
    x = _check(xp, x, "x", 2)
    if w.shape != a.shape or b.shape != a.shape or c.shape != (a.shape[0],) or x.shape[0] != a.shape[0]:
        raise ValueError(f"a, w, b, c, x: expected shapes (size, width) x3, (size,), (size, points), got "
                         f"{tuple(a.shape)}, {tuple(w.shape)}, {tuple(b.shape)}, {tuple(c.shape)}, {tuple(x.shape)}")
    pre = x[:, :, None] * w[:, None, :] + b[:, None, :]
    return xp.sum(a[:, None, :] * xp.where(pre > 0, pre, xp.zeros_like(pre)), axis=-1) + c[:, None]
