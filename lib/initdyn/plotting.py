"""Figure style and helpers shared by the chapters (needs matplotlib and seaborn; IPython optional).

Every chapter calls :func:`use_style` once and draws with the helpers here, so
figures look alike and no plotting block is repeated across notebooks.  The
convention: theory is a line, simulation is markers with error bars (or a
band), axes are always labelled.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from .stats import mean_interval

try:
    from IPython import get_ipython
except ImportError:  # pragma: no cover - IPython is not a dependency of the library
    get_ipython = None

__all__ = ["use_style", "subplots", "theory_vs_simulation", "histogram_vs_density", "label",
           "log_histogram_vs_density", "Table"]

#: Colours for the curves of one figure, colour-blind safe (seaborn "colorblind").
PALETTE = "colorblind"


def use_style() -> None:
    """Set the book's seaborn/matplotlib style: deterministic output, figures at 200 dpi.

    In a notebook, figures are stored as "retina" PNGs (twice the 100 dpi of the page size, so
    200 dpi) that display at their nominal size and stay sharp at any zoom.
    """
    _inline_in_notebooks()
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE)
    mpl.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": 200,
            "figure.figsize": (6.4, 4.0),
            "axes.titlesize": "medium",
            "legend.fontsize": "small",
            "legend.frameon": False,
            "svg.hashsalt": "initdyn",
        }
    )


def _inline_in_notebooks() -> None:
    """Inside a Jupyter kernel, draw figures inline even when MPLBACKEND=Agg is set in the environment."""
    if get_ipython is None:  # pragma: no cover - IPython is not installed
        return
    shell = get_ipython()
    if shell is not None and type(shell).__name__ == "ZMQInteractiveShell":
        shell.run_line_magic("matplotlib", "inline")
        shell.run_line_magic("config", "InlineBackend.figure_formats = ['retina']")


def subplots(ncols: int = 1, nrows: int = 1, *, width: float = 4.2, height: float = 3.4, **kwargs):
    """``plt.subplots`` with a panel size in inches and constrained layout; axes always an array."""
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
    r"""A theory line and simulation means with 95% confidence intervals over ``axis`` of ``samples``.

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


def _is_number(v) -> bool:
    """A real number, a numpy scalar or a 0-d numeric array (not a bool)."""
    if isinstance(v, (bool, np.bool_)):
        return False
    if isinstance(v, np.ndarray):
        return v.ndim == 0 and v.dtype.kind in "iuf"
    return isinstance(v, (int, float, np.integer, np.floating))


class Table:
    """A table of results that a notebook shows as HTML and a console (and nbval) as aligned text.

    Parameters
    ----------
    columns : mapping of str to sequence
        Column header -> the column's values, all columns of one length.
    formats : mapping of str to str, optional
        Column header -> a format spec (``"{:.3f}"`` style, without braces: ``".3f"``) for its values;
        values of other columns are shown with ``str``.
    caption : str, optional
        A line above the table.

    Both renderings show exactly the same strings, so the text a test or nbval compares is the text a
    reader sees.  Numbers are right-aligned, text left-aligned.

    Examples
    --------
    >>> Table({"width": [2, 16], "P(chaos)": [0.25, 0.5]}, formats={"P(chaos)": ".2f"})
    width | P(chaos)
    ----- | --------
        2 |     0.25
       16 |     0.50
    """

    def __init__(self, columns: Mapping[str, Sequence], *, formats: Mapping[str, str] | None = None,
                 caption: str | None = None):
        if not isinstance(columns, Mapping) or not columns:
            raise TypeError(f"columns must be a non-empty mapping of header -> values, got {columns!r}")
        formats = dict(formats or {})
        unknown = set(formats) - set(columns)
        if unknown:
            raise ValueError(f"formats names columns that are not in the table: {sorted(unknown)}")
        lengths = {name: len(values) for name, values in columns.items()}
        if len(set(lengths.values())) != 1:
            raise ValueError(f"every column must have the same length, got lengths {lengths}")
        self.caption = caption
        self.headers = [str(name) for name in columns]
        self.numeric = []
        self.cells = []
        for name, values in columns.items():
            spec = formats.get(name)
            values = list(values)
            self.numeric.append(all(_is_number(v) for v in values))
            self.cells.append([format(v, spec) if spec else str(v) for v in values])
        self.rows = [list(row) for row in zip(*self.cells)]

    def __repr__(self) -> str:
        widths = [max([len(h)] + [len(c) for c in col]) for h, col in zip(self.headers, self.cells)]

        def line(values):
            return " | ".join(v.rjust(w) if num else v.ljust(w)
                              for v, w, num in zip(values, widths, self.numeric)).rstrip()

        out = [self.caption] if self.caption else []
        out += [line(self.headers), " | ".join("-" * w for w in widths)]
        out += [line(row) for row in self.rows]
        return "\n".join(out)

    def _repr_html_(self) -> str:
        def cell(tag, value, num):
            style = ' style="text-align: right"' if num else ' style="text-align: left"'
            return f"<{tag}{style}>{html.escape(value)}</{tag}>"

        head = "".join(cell("th", h, n) for h, n in zip(self.headers, self.numeric))
        body = "".join("<tr>" + "".join(cell("td", v, n) for v, n in zip(row, self.numeric)) + "</tr>"
                       for row in self.rows)
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        return (f'<table class="initdyn-table">{caption}<thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table>")
