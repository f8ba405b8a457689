"""initdyn: what random initialization does to deep and recurrent networks.

The library behind the initdyn book.  Modules, one idea each:

- :mod:`initdyn.init`: weight initializers, ``f(shape, *, gain=1.0, rng=None)``.
- :mod:`initdyn.activations`: nonlinearities with derivatives and Gaussian kernels.
- :mod:`initdyn.gaussian`: the Gaussian integrals of an activation that mean-field theory is made of.
- :mod:`initdyn.meanfield`: q/c maps, fixed points, chi_1, critical line, depth scales.
- :mod:`initdyn.network`: random finite networks, forward and tangent propagation.
- :mod:`initdyn.expressivity`: a curve of inputs through deep networks, its length; gradient norms, xi_grad (chapter 1).
- :mod:`initdyn.exact`: the exact finite-width law of the squared-norm ratio of ReLU networks (chapter 3).
- :mod:`initdyn.preactivation`: exact joint law of the output pre-activations, a Gaussian scale mixture (chapter 3).
- :mod:`initdyn.spectra`: simulated singular values of input-output Jacobians, any depth (chapter 2).
- :mod:`initdyn.freeprob`: their wide-network law by free probability: moments, edge, atoms, density (chapter 2).
- :mod:`initdyn.datasets`: real data for training, scikit-learn's digits or a reader's own arrays.
- :mod:`initdyn.trainability`: heat maps of the trainable (sigma_w2, depth) pairs, Schoenholz et al. (chapter 1).
- :mod:`initdyn.jacobianlaw`: that law as one frozen object (pdf, cdf, ppf, moments, support, rvs) (chapter 2).
- :mod:`initdyn.train`: a deep MLP trained by numpy backpropagation, why isometry matters (chapter 2).
- :mod:`initdyn.ginibre`: spectral radius of Ginibre/Glorot matrices, its Gumbel edge law, the rescaling, explosion times (chapter 4).
- :mod:`initdyn.recurrence`: long linear recurrences, their moments and memory horizons (chapter 4).
- :mod:`initdyn.driven`: input-driven linear recurrences h_t = W h_{t-1} + U x_t, their exact and stationary variance (chapter 4).
- :mod:`initdyn.rnntrain`: a linear recurrent network trained on delayed recall by backpropagation through time (chapter 4).
- :mod:`initdyn.piecewise`: exact piecewise-linear maps of the line: iterates, periodic points, laps (chapter 5).
- :mod:`initdyn.chaos`: Li-Yorke chaos, random recurrent maps, scrambled pairs, Lyapunov exponents (chapter 5).
- :mod:`initdyn.chaoslimit`: the Gaussian-process limit of random recurrent maps, random maps of the plane (chapter 5).
- :mod:`initdyn.precomputed`: results too costly for a chapter run, shipped as data files with their provenance.
- :mod:`initdyn.sweep`: parameter sweeps with one seed per point, serially or on any executor.
- :mod:`initdyn.kernels`: the heavy kernels on any array-API library (numpy, CuPy, PyTorch, ...).
- :mod:`initdyn.stats`: the Kolmogorov-Smirnov distance, DKW bound, Wilson and t intervals the tests and chapters share.
- :mod:`initdyn.atlas`: every initializer on the diagnostics of chapters 1-5, residual stacks (chapter 6).
- :mod:`initdyn.comparison`: MLPs drawn with any initializer, trained over (initializer, depth, draw, rate) (chapter 6).
- :mod:`initdyn.plotting`: the figure style and helpers the chapters share (needs matplotlib).

Only numpy and scipy are needed by everything but :mod:`initdyn.plotting` (matplotlib) and
:func:`initdyn.datasets.digits_task` (scikit-learn) and :mod:`initdyn.kernels` (array-api-compat), each imported
when it is called.
"""

from . import (activations, atlas, chaos, chaoslimit, comparison, datasets, driven, exact, expressivity, freeprob,
               gaussian, ginibre, init, jacobianlaw, kernels, meanfield, network, piecewise, preactivation,
               precomputed, recurrence, rnntrain, spectra, stats, sweep, train, trainability)

__version__ = "0.1.0"
__all__ = ["activations", "atlas", "chaos", "chaoslimit", "comparison", "datasets", "driven", "exact",
           "expressivity", "freeprob", "gaussian", "ginibre", "init", "jacobianlaw", "kernels", "meanfield",
           "network", "piecewise", "preactivation", "precomputed", "recurrence", "rnntrain", "spectra", "stats",
           "sweep", "train", "trainability", "__version__"]
