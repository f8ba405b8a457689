"""Figure style and helpers shared by the chapters (needs matplotlib and seaborn).

Every chapter calls :func:`use_style` once and draws with the helpers here, so
figures look alike and no plotting block is repeated across notebooks.  The
convention: theory is a line, simulation is markers with error bars (or a
band), axes are always labelled.
"""

from __future__ import annotations

import numpy as np

from .stats import mean_interval

__all__ = ["use_style", "subplots", "theory_vs_simulation", "histogram_vs_density", "label", "log_histogram_vs_density"]

#: Colours for the curves of one figure, colour-blind safe (seaborn "colorblind").
PALETTE = "colorblind"


def use_style() -> None:
    """Set the book's seaborn/matplotlib style (deterministic PNG output, fixed DPI)."""
    import matplotlib as mpl
    import seaborn as sns

    _inline_in_notebooks()
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE)
    mpl.rcParams.update(
        {
            "figure.dpi": 96,
            "savefig.dpi": 96,
            "figure.figsize": (6.4, 4.0),
            "axes.titlesize": "medium",
            "legend.fontsize": "small",
            "legend.frameon": False,
            "svg.hashsalt": "initdyn",
        }
    )


def _inline_in_notebooks() -> None:
    """Inside a Jupyter kernel, draw figures inline even when MPLBACKEND=Agg is set in the environment."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is not a dependency of the library
        return
    shell = get_ipython()
    if shell is not None and type(shell).__name__ == "ZMQInteractiveShell":
        shell.run_line_magic("matplotlib", "inline")


def subplots(ncols: int = 1, nrows: int = 1, *, width: float = 4.2, height: float = 3.4, **kwargs):
    """``plt.subplots`` with a panel size in inches and constrained layout; axes always an array."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        nrows, ncols, figsize=(width * ncols, height * nrows), layout="constrained", squeeze=False, **kwargs
    )
    return fig, axes.ravel()


def label(ax, xlabel: str, ylabel: str, title: str | None = None, *, legend: bool = True):
    """Label both axes (and optionally title, legend) of ``ax``."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if legend and ax.get_legend_handles_labels()[0]:
        ax.legend()
    return ax


def theory_vs_simulation(ax, x_theory, theory, x_sim, samples, *, label: str | None = None, color=None,
                         axis: int = 0, marker: str = "o"):
    """A theory line and simulation means with 95% confidence intervals over ``axis`` of ``samples``.

    ``samples`` holds independent repetitions along ``axis``; the error bar is the Student-t 95%
    interval of their mean (:func:`initdyn.stats.mean_interval`: with 3 repetitions
    :math:`\pm 4.30\,s/\sqrt 3`, with many :math:`\pm 1.96\,s/\sqrt n`).
    """
    samples = np.asarray(samples, dtype=float)
    n = samples.shape[axis]
    if n > 1:
        mean, low, _ = mean_interval(samples, axis=axis)
        err = mean - low
    else:
        mean, err = samples.mean(axis=axis), None
    (line,) = ax.plot(x_theory, theory, color=color, label=f"{label} (theory)" if label else "theory")
    ax.errorbar(x_sim, mean, yerr=err, fmt=marker, ms=4, color=line.get_color(), capsize=2,
                label=f"{label} (simulation)" if label else "simulation")
    return ax


def histogram_vs_density(ax, samples, grid, density, *, bins=60, label: str | None = None, color=None):
    """A normalised histogram of ``samples`` under a theoretical ``density`` on ``grid``."""
    (line,) = ax.plot(grid, density, color=color, label=f"{label} (theory)" if label else "theory")
    ax.hist(np.asarray(samples).ravel(), bins=bins, density=True, alpha=0.35, color=line.get_color(),
            label=f"{label} (simulation)" if label else "simulation")
    return ax


def log_histogram_vs_density(ax, samples, grid, density, *, atoms=(), floor=0.0, bins=50, label=None, color=None):
    r"""Histogram of :math:`\log_{10}` of positive ``samples`` under the density of :math:`\log_{10}\lambda`.

    For spectra spread over decades (chapter 2): the theory line is
    :math:`\ln(10)\,\lambda\rho(\lambda)` against :math:`\log_{10}\lambda`; the histogram (a step
    line) is normalised by the *total* number of samples, so both integrate to the mass of the
    continuous part.  Samples at or below ``floor`` and samples within 1e-8 (relative) of an atom
    location ``(loc, mass)`` in ``atoms`` are left out of the histogram; atoms at ``loc > 0`` are
    drawn as dotted vertical lines.
    """
    samples = np.asarray(samples, dtype=float).ravel()
    n = samples.size
    keep = samples > floor
    for loc, _ in atoms:
        if loc > 0:
            keep &= np.abs(samples - loc) > 1e-8 * loc
    grid = np.asarray(grid, dtype=float)
    (line,) = ax.plot(np.log10(grid), np.log(10) * grid * np.asarray(density), color=color,
                      label=f"{label} (theory)" if label else "theory")
    if np.any(keep):
        logs = np.log10(samples[keep])
        edges = np.histogram_bin_edges(logs, bins=bins)
        width = np.diff(edges)[0] if edges.size > 1 and np.ptp(logs) > 0 else 1.0
        ax.hist(logs, bins=edges, weights=np.full(logs.size, 1.0 / (n * width)), histtype="step",
                color=line.get_color(), linestyle="--", label=f"{label} (simulation)" if label else "simulation")
    for loc, _ in atoms:
        if loc > 0:
            ax.axvline(np.log10(loc), color=line.get_color(), linestyle=":")
    return ax
