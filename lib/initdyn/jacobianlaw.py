r"""The wide-network law of a deep Jacobian's squared singular values as one frozen object (chapter 2).

:class:`JacobianSpectrum` is to the functions of :mod:`initdyn.freeprob` what a frozen
``scipy.stats`` distribution is to its functions: the parameters (depth, :math:`\sigma_w^2`,
:math:`\sigma_b^2`, activation, weights) are validated once, and the law of the squared singular
values :math:`\lambda` of :math:`J = \prod_l D^l W^l` in the wide limit (Pennington, Schoenholz &
Ganguli 2017, Sec. 2; equation ``eq-ch2-moments`` and the S-transform product of chapter 2,
:doc:`/notebooks/02-dynamical-isometry`) is then queried through ``mean``, ``var``, ``support``,
``atoms``, ``pdf``, ``cdf``, ``ppf``, ``rvs`` and ``ks_distance``.  Every method returns exactly what the
corresponding :mod:`initdyn.freeprob` function returns for the same parameters.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_rng, check_int
from .freeprob import (_theory_args, jacobian_spectrum_atoms, jacobian_spectrum_cdf, jacobian_spectrum_density,
                       jacobian_spectrum_edge, jacobian_spectrum_moments, jacobian_spectrum_quantile,
                       spectrum_ks_distance)

__all__ = ["JacobianSpectrum"]


class JacobianSpectrum:
    r"""Frozen law of the squared singular values of a deep network's input-output Jacobian, wide limit.

    Parameters
    ----------
    depth : int
        Number of layers :math:`L \ge 1`.
    sigma_w2, sigma_b2 : float
        Weight variance (> 0) and bias variance (>= 0); the inputs sit at the fixed point :math:`q^*`.
    activation : str or Activation
        One of :data:`initdyn.freeprob.SUPPORTED_ACTIVATIONS`.
    weights : {"gaussian", "orthogonal"}
        The law of the weight matrices.

    Every argument is checked once, here (``ValueError``/``TypeError`` naming it).

    Examples
    --------
    >>> law = JacobianSpectrum(depth=8, sigma_w2=2.0, sigma_b2=0.0, activation="relu")
    >>> law.mean(), law.var()        # chi_1^L = 1 and L / p = 16 at the ReLU critical point
    (1.0, 16.0)
    """

    def __init__(self, *, depth, sigma_w2, sigma_b2, activation, weights="gaussian"):
        depth, sw2, sb2, act, weights = _theory_args(depth, sigma_w2, sigma_b2, activation, weights)
        self.depth, self.sigma_w2, self.sigma_b2, self.activation, self.weights = depth, sw2, sb2, act, weights
        self._kw = dict(depth=depth, sigma_w2=sw2, sigma_b2=sb2, activation=act, weights=weights)
        self._moments = None

    def __repr__(self) -> str:
        return (f"JacobianSpectrum(depth={self.depth}, sigma_w2={self.sigma_w2!r}, sigma_b2={self.sigma_b2!r}, "
                f"activation={self.activation.name!r}, weights={self.weights!r})")

    def _mv(self):
        if self._moments is None:
            self._moments = jacobian_spectrum_moments(**self._kw)
        return self._moments

    def mean(self) -> float:
        r"""First moment :math:`m_1 = \chi_1^L` (:func:`initdyn.freeprob.jacobian_spectrum_moments`)."""
        return float(self._mv()[0])

    def var(self) -> float:
        r"""Variance :math:`m_1^2 L(\mu_2/\mu_1^2 - 1 - s_1)` (:func:`initdyn.freeprob.jacobian_spectrum_moments`)."""
        return float(self._mv()[1])

    def std(self) -> float:
        """Standard deviation, the square root of :meth:`var`."""
        return float(np.sqrt(self.var()))

    def support(self) -> tuple[float, float]:
        """``(0.0, upper edge)``: the spectrum lies in ``[0, edge]`` (:func:`initdyn.freeprob.jacobian_spectrum_edge`)."""
        return 0.0, float(jacobian_spectrum_edge(**self._kw))

    def atoms(self) -> list:
        """Point masses ``[(location, mass), ...]`` (:func:`initdyn.freeprob.jacobian_spectrum_atoms`)."""
        return jacobian_spectrum_atoms(**self._kw)

    def pdf(self, lam, **solver):
        """Density of the continuous part at ``lam`` (:func:`initdyn.freeprob.jacobian_spectrum_density`;
        ``solver`` takes its ``ratio``, ``newton``, ``tol`` and ``n_nodes``)."""
        return jacobian_spectrum_density(lam, **self._kw, **solver)

    def cdf(self, lam, *, n_grid: int = 1000):
        """Cumulative distribution, atoms included (:func:`initdyn.freeprob.jacobian_spectrum_cdf`)."""
        return jacobian_spectrum_cdf(lam, **self._kw, n_grid=n_grid)

    def ppf(self, prob, *, n_grid: int = 1000):
        """Quantile function, the inverse of :meth:`cdf` (:func:`initdyn.freeprob.jacobian_spectrum_quantile`)."""
        return jacobian_spectrum_quantile(prob, **self._kw, n_grid=n_grid)

    def ks_distance(self, lam, *, n_grid: int = 1000) -> float:
        """Kolmogorov-Smirnov distance of samples ``lam`` from this law (:func:`initdyn.freeprob.spectrum_ks_distance`)."""
        return spectrum_ks_distance(lam, **self._kw, n_grid=n_grid)

    def rvs(self, size, *, rng=None, n_grid: int = 1000) -> np.ndarray:
        """``size`` independent draws from the law by inversion, :meth:`ppf` of uniforms from ``rng``.

        ``size`` is a count >= 1 (at most 10**7); ``rng`` a ``numpy.random.Generator`` or an int seed.
        Independent draws, not the eigenvalues of one network: those are correlated, and
        :mod:`initdyn.spectra` simulates them.
        """
        size = check_int(size, "size", minimum=1, maximum=10**7)
        u = as_rng(rng).random(size)
        return np.asarray(self.ppf(u, n_grid=n_grid), dtype=float)
