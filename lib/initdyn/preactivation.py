r"""The exact joint law of the output pre-activations of a random ReLU network: a Gaussian scale mixture.

Burkholz & Dubatovka 2019, "Initialization of ReLUs for Dynamical Isometry" (NeurIPS; arXiv
1806.06362).  Defined in chapter 3 of the book, section "The output units are not Gaussian"
(:doc:`/notebooks/03-exact-distributions`), equations ``eq-ch3-mixture`` and ``eq-ch3-kurtosis``.

Same network and convention as :mod:`initdyn.exact` (that of :mod:`initdyn.network`): ``depth``
:math:`L` layers of ``width`` :math:`N` ReLU units, :math:`W^l_{ij} \sim \mathcal N(0, \sigma_w^2/N)`,
:math:`b^l_i \sim \mathcal N(0, \sigma_b^2)`, :math:`q_0 = \|x^0\|^2/N`.  Given :math:`x^{L-1}`, the last
pre-activations :math:`h^L_i` are i.i.d. :math:`\mathcal N(0, v_L)` with
:math:`v_L = \sigma_w^2 q_0 R_{L-1} + \sigma_b^2`, where :math:`R_{L-1}` is the squared-norm ratio after
:math:`L - 1` layers, whose exact law is :func:`initdyn.exact.squared_norm_ratio`.  So the law of
:math:`h^L` is that law of :math:`R_{L-1}` mixed over Gaussian scales:

* :class:`OutputPreactivation`: the law (density of one unit, its CDF, the joint density of the whole
  vector, variance, kurtosis, exact samples), built by :func:`output_preactivation`;
* :func:`simulate_output_preactivation`: the same vectors from independent networks of
  :mod:`initdyn.network`, for the Monte Carlo checks of the chapter.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from ._montecarlo import simulate
from ._signal import check_params, check_size, exp_or_inf
from ._validate import as_rng, check_finite_array, check_int, check_memory
from .exact import squared_norm_ratio

__all__ = [
    "OutputPreactivation",
    "output_preactivation",
    "simulate_output_preactivation",
]


class OutputPreactivation:
    r"""Exact law of the last pre-activations :math:`h^L \in \mathbb R^N`: a Gaussian scale mixture.

    Implements equation ``eq-ch3-mixture`` of chapter 3 (:doc:`/notebooks/03-exact-distributions`);
    :meth:`kurtosis` is equation ``eq-ch3-kurtosis``.

    Given :math:`x^{L-1}`, the :math:`h^L_i` are i.i.d. :math:`\mathcal N(0, v_L)` with
    :math:`v_L = \sigma_w^2 q_0 R_{L-1} + \sigma_b^2` and :math:`R_{L-1}` the
    squared-length ratio after :math:`L - 1` layers (:func:`initdyn.exact.squared_norm_ratio`), so

    .. math:: p(h^L) = \int \prod_{i=1}^N \mathcal N(h^L_i; 0, v)\, dP(v) .

    The units are uncorrelated but not independent, and each is a scale
    mixture of Gaussians: its variance :math:`\mathbb E[v_L]` is the
    mean-field :math:`q^L` exactly, but its kurtosis is
    :math:`3\,\mathbb E[v_L^2]/\mathbb E[v_L]^2 > 3` (for :math:`\sigma_b^2 = 0`:
    :math:`3(1 + 5/N)^{L-1}`), where mean field predicts a Gaussian.  Without
    biases, :math:`h^L = 0` exactly with probability ``p_zero`` (a dead layer
    before the last), and the density of one unit diverges logarithmically at
    0 (:math:`\mathbb E[R_{L-1}^{-1/2}] = \infty` because of the layers with a single
    active unit), so ``pdf`` near 0 is only as fine as the grid.  Built by :func:`output_preactivation`; the mixture over
    :math:`v` is integrated with the trapezoidal rule on the log scale of
    :math:`R_{L-1}` (spectrally accurate: the density vanishes at both ends).

    Where :math:`v_L` exceeds the float range, ``var`` is ``inf`` and ``kurtosis`` is computed from
    the logarithms of the moments (finite unless it exceeds 1.8e308 itself).
    """

    def __init__(self, *, v_nodes, v_weights, v_atom, p_atom, mean_v, mean_v2, width, sampler, description,
                 log_moments=None, sample_floats=None):
        self.v_nodes, self.v_weights = v_nodes, v_weights
        self._v_atom, self._p_atom = v_atom, p_atom
        self._mean_v, self._mean_v2 = mean_v, mean_v2
        self._log_moments = log_moments
        self._sample_floats = width + 1 if sample_floats is None else sample_floats
        self.width = width
        self._sampler = sampler
        self.description = description
        self.p_zero = p_atom if v_atom == 0.0 else 0.0

    def __repr__(self):
        return f"OutputPreactivation({self.description})"

    def pdf(self, h):
        """Density of one unit :math:`h^L_i` (continuous part; integrates to ``1 - p_zero``)."""
        h = check_finite_array(h, "h")
        check_memory(3 * h.size * self.v_nodes.size, "h (times the number of nodes)")
        hh = h[..., None]
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            terms = self.v_weights * np.exp(-0.5 * hh**2 / self.v_nodes) / np.sqrt(2 * np.pi * self.v_nodes)
        zero = self.v_nodes == 0  # variances that underflowed (R ~ 1e-400): point masses at 0
        if np.any(zero):
            terms = np.where(zero, np.where(hh == 0, np.inf, 0.0), terms)
        out = np.sum(terms, axis=-1)
        if self._v_atom > 0:
            out = out + self._p_atom * np.exp(-0.5 * h**2 / self._v_atom) / math.sqrt(2 * np.pi * self._v_atom)
        return out if out.ndim else float(out)

    def cdf(self, h):
        r""":math:`P(h^L_i \le h)`, including the atom at 0 when there is one (at most 1: quadrature excess is cut)."""
        h = check_finite_array(h, "h")
        check_memory(3 * h.size * self.v_nodes.size, "h (times the number of nodes)")
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = self.v_weights * special.ndtr(h[..., None] / np.sqrt(self.v_nodes))
        zero = self.v_nodes == 0  # variances that underflowed: point masses at 0
        if np.any(zero):
            terms = np.where(zero, self.v_weights * (h[..., None] >= 0), terms)
        out = np.sum(terms, axis=-1)
        if self._v_atom > 0:
            out = out + self._p_atom * special.ndtr(h / math.sqrt(self._v_atom))
        else:
            out = out + self._p_atom * (h >= 0)
        # the trapezoidal weights carry the mass to ~1e-8 at the default n_nodes (~1e-6 at 201 nodes): a CDF
        # is never above 1
        out = np.minimum(out, 1.0)
        return out if out.ndim else float(out)

    def logpdf_joint(self, h):
        """Log joint density of the whole output vector ``h`` (last axis of length ``width``); -inf at 0 atoms."""
        h = check_finite_array(h, "h")
        if h.shape[-1] != self.width:
            raise ValueError(f"h: expected last dimension {self.width} (the width), got shape {h.shape}")
        check_memory(3 * (h.size // max(self.width, 1)) * self.v_nodes.size, "h (times the number of nodes)")
        with np.errstate(over="ignore"):
            r2 = np.sum(h * h, axis=-1)[..., None]
        n = self.width
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            logs = np.log(self.v_weights) - 0.5 * r2 / self.v_nodes - 0.5 * n * np.log(2 * np.pi * self.v_nodes)
            zero = self.v_nodes == 0  # variances that underflowed: point masses at 0
            if np.any(zero):
                logs = np.where(zero, np.where(r2 == 0, np.inf, -np.inf), logs)
            if self._v_atom > 0 and self._p_atom > 0:  # (an atom of mass 0 adds nothing: log 0 = -inf)
                extra = (math.log(self._p_atom) - 0.5 * r2 / self._v_atom
                         - 0.5 * n * math.log(2 * np.pi * self._v_atom))
                logs = np.concatenate([logs, extra], axis=-1)
        out = special.logsumexp(logs, axis=-1)
        return out if out.ndim else float(out)

    def var(self):
        r""":math:`\mathbb E[(h^L_i)^2] = \mathbb E[v_L]`, the mean-field :math:`q^L` (closed form).

        The second moment of equation ``eq-ch3-mixture`` of chapter 3
        (:doc:`/notebooks/03-exact-distributions`).
        """
        return float(self._mean_v)

    def kurtosis(self):
        r""":math:`\mathbb E[h^4]/\mathbb E[h^2]^2 = 3\,\mathbb E[v_L^2]/\mathbb E[v_L]^2`, closed form (3 if Gaussian).

        Implements equation ``eq-ch3-kurtosis`` of chapter 3 (:doc:`/notebooks/03-exact-distributions`).

        From the logarithms of the moments where they over- or underflow (``inf`` only if the
        kurtosis itself exceeds the float range).
        """
        try:
            out = float(3 * self._mean_v2 / self._mean_v**2)
        except (OverflowError, ZeroDivisionError):
            out = float("nan")
        if math.isfinite(out) or self._log_moments is None:
            return out
        lm1, lm2 = self._log_moments()
        return exp_or_inf(math.log(3.0) + lm2 - 2 * lm1)

    def rvs(self, size=1, rng=None):
        """Exact samples of output vectors, shape ``(*size, width)`` (``inf`` beyond 1.8e308)."""
        size = check_size(size, self._sample_floats, "the floats one sample needs")
        gen = as_rng(rng)
        with np.errstate(over="ignore", invalid="ignore"):
            return self._sampler(gen, size)


def output_preactivation(*, width, depth, sigma_w2, sigma_b2=0.0, q0=1.0, n_nodes=4001) -> OutputPreactivation:
    r"""Exact joint law of the output pre-activations :math:`h^L` (see :class:`OutputPreactivation`).

    Implements equation ``eq-ch3-mixture`` of chapter 3 (:doc:`/notebooks/03-exact-distributions`).

    Same parameters as :func:`initdyn.exact.squared_norm_ratio`; ``n_nodes`` is the number of
    trapezoidal nodes on the log scale of :math:`R_{L-1}` (>= 101).
    """
    width, depth, sigma_w2, sigma_b2, q0 = check_params(width, depth, sigma_w2, sigma_b2, q0)
    n_nodes = check_int(n_nodes, "n_nodes", minimum=101)
    check_memory(4 * n_nodes + 6 * width, "n_nodes, width")
    desc = f"width={width}, depth={depth}, sigma_w2={sigma_w2:g}, sigma_b2={sigma_b2:g}, q0={q0:g}"
    scale = sigma_w2 * q0  # v = scale * R_{L-1} + sigma_b2 (inf where sigma_w2 * q0 > 1.8e308)
    if depth == 1:
        v1 = scale + sigma_b2
        nodes, weights, p_atom, m1, m2 = np.array([v1]), np.array([1.0]), 0.0, v1, v1 * v1
        prev = None
    else:
        prev = squared_norm_ratio(width=width, depth=depth - 1, sigma_w2=sigma_w2, sigma_b2=sigma_b2, q0=q0)
        t = np.linspace(prev.t_lo, prev.t_hi, n_nodes)
        w = prev.pdf_log(t) * (t[1] - t[0])
        keep = w > 0
        with np.errstate(over="ignore"):
            nodes, weights = scale * np.exp(t[keep]) + sigma_b2, w[keep]
        p_atom = prev.p_zero
        r1, r2 = prev.mean(), prev.moment(2)
        m1 = scale * r1 + sigma_b2
        try:
            m2 = scale**2 * r2 + 2 * scale * sigma_b2 * r1 + sigma_b2**2
        except OverflowError:
            m2 = float("inf")

    def log_moments():
        """log E[v_L], log E[v_L^2] without overflow (for the kurtosis)."""
        ls = math.log(sigma_w2) + math.log(q0)
        lsb = math.log(sigma_b2) if sigma_b2 > 0 else float("-inf")
        if prev is None:
            lv = float(np.logaddexp(ls, lsb))
            return lv, 2 * lv
        lr1, lr2 = prev.log_moment(1), prev.log_moment(2)
        if sigma_b2 == 0:
            return ls + lr1, 2 * ls + lr2
        return (float(np.logaddexp(ls + lr1, lsb)),
                float(special.logsumexp([2 * ls + lr2, math.log(2.0) + ls + lsb + lr1, 2 * lsb])))
    if p_atom == 0.0:
        v_atom = 1.0  # unused
    else:
        v_atom = sigma_b2

    def sampler(gen, size):
        if prev is None:
            v = np.full(size, scale + sigma_b2)
        else:
            v = scale * prev.rvs(size, rng=gen) + sigma_b2
        return np.sqrt(v)[..., None] * gen.standard_normal(size + (width,))

    per_sample = width + 1 + (0 if prev is None else prev._sample_floats)
    return OutputPreactivation(v_nodes=nodes, v_weights=weights, v_atom=v_atom, p_atom=p_atom, mean_v=m1,
                               mean_v2=m2, width=width, sampler=sampler, description=desc,
                               log_moments=log_moments, sample_floats=per_sample)


def simulate_output_preactivation(*, width, depth, sigma_w2, sigma_b2=0.0, q0=1.0, n_samples, rng=None):
    """Last pre-activations :math:`h^L` (shape ``(n_samples, width)``) of independent library networks.

    The same draws as :func:`initdyn.exact.simulate_squared_norm_ratio` (one network and one
    input of squared length :math:`N q_0` per row); rows are independent, the
    units within a row are not.
    """
    return simulate(width, depth, sigma_w2, sigma_b2, q0, n_samples, rng, None)[1]
