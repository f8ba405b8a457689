r"""An atlas of initializers on the book's diagnostics, and the chapter-6 helpers behind it.

Each diagnostic is one function that takes an initializer ``f(shape, *, gain, rng)`` and calls the
single-purpose functions of the chapter that defines it; :func:`atlas_table` only loops over
initializers and diagnostics, so every cell is computed once, live, by the function named in its
column (and the tests compare cells against direct calls of those functions):

=====================  ==========================================================  =========
column                 computed by                                                 chapter
=====================  ==========================================================  =========
``sigma_w2``           :func:`effective_sigma_w2`, :func:`snap_sigma_w2`              1
``chi1_tanh``          :func:`initdyn.meanfield.chi1` at that ``sigma_w2``          1
``chi1_relu``          same, ReLU                                                   1
``xi_q_relu``          :func:`initdyn.meanfield.depth_scales` (ReLU)                1
``spread_tanh``        :func:`jacobian_spread` via                                  2
                       :func:`initdyn.spectra.jacobian_singular_values_of`
``spread_relu``        same, ReLU                                                   2
``survival``           :func:`norm_survival` via                                    3
                       :func:`initdyn.exact.simulate_squared_norm_ratio`
``recurrence``         :func:`recurrence_growth` via                                4
                       :func:`initdyn.recurrence.log_norm_trajectory`
``period3``            :func:`period3_probability` via                              5
                       :func:`initdyn.chaos.random_relu_map`
=====================  ==========================================================  =========

The mean-field columns assume i.i.d. (or Haar-orthogonal) weights; for the structured initializers
(:data:`STRUCTURED`: IDInit, parameter sharing, sparse orthogonal) they are left undefined (NaN), and a
diagnostic an initializer cannot serve (e.g. an odd fan for the mirrored schemes) is NaN too.  Those are
the only undefined cells: any other failure of a cell raises, naming the initializer and the column.

Also here, for chapter 6: :func:`random_mask` (sparse baselines), :func:`expected_givens_density`
(the exact mean density of :func:`initdyn.init.sparse_orthogonal` after ``t`` rotations) and
:func:`residual_stack` (signal, Jacobian and first-layer gradients of a residual stack at initialization).  Defined in chapter 6.

Argument checks: every argument is checked where it enters (``ValueError``/``TypeError`` naming it);
an initializer's draws are checked (a finite array of the shape asked for); networks, stacks and
ensembles beyond 4 GiB are refused up front with the estimate, and loop counts are at most 10**7.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Callable, NamedTuple

import numpy as np

from . import chaos, exact, init, meanfield, recurrence, spectra
from ._structured import (GivensResult, expected_givens_density,  # noqa: F401
                          safe_norm)
from ._validate import (as_rng, check_count, check_finite_array, check_int, check_nbytes, check_probability, check_real,
                        check_variance)
from .activations import get_activation
from .network import network_from_initializer

__all__ = [
    "STRUCTURED",
    "COLUMNS",
    "N_SAMPLES",
    "default_initializers",
    "random_mask",
    "expected_givens_density",
    "GivensResult",
    "meanfield_applies",
    "idinit_residual_norms",
    "effective_sigma_w2",
    "snap_sigma_w2",
    "meanfield_cells",
    "jacobian_spread",
    "norm_survival",
    "recurrence_growth",
    "period3_probability",
    "Atlas",
    "atlas_table",
    "format_atlas",
    "ResidualSignal",
    "residual_stack",
]

#: Initializers whose entries are neither i.i.d. nor Haar-orthogonal, so without mean-field cells.
STRUCTURED = (init.idinit, init.gaussian_submatrix, init.looks_linear, init.sparse_orthogonal,
              init.delta_orthogonal)

#: Column keys of :func:`atlas_table`, in order, with their printed headers.
COLUMNS = {
    "sigma_w2": "sigma_w2",
    "chi1_tanh": "chi1 tanh",
    "chi1_relu": "chi1 relu",
    "xi_q_relu": "xi_q relu",
    "spread_tanh": "spread tanh",
    "spread_relu": "spread relu",
    "survival": "median R",
    "recurrence": "log10 growth",
    "period3": "P(period 3)",
}


#: Default ensemble sizes of :func:`atlas_table`'s simulated columns (its ``n_samples`` argument).
N_SAMPLES = {"spread": 3, "survival": 10, "recurrence": 20, "period3": 400}


def default_initializers() -> dict[str, Callable]:
    """The book's initializers, one row each (a new dict: add your own entries to it)."""
    names = ["glorot_normal", "he_normal", "lecun_normal", "orthogonal", "gaussian_submatrix", "looks_linear",
             "idinit", "sparse_orthogonal", "rescaled_glorot"]
    return {name: init.INITIALIZERS[name] for name in names if name in init.INITIALIZERS}


def _check_init(fn, name="init"):
    if not callable(fn):
        raise TypeError(f"{name}: expected an initializer f(shape, *, gain, rng), got {fn!r}")
    return fn


def _checking(fn, name):
    """``fn`` with every draw checked by ``initdyn.init._checked_draw`` (same calls, same values)."""
    def checked(shape, **kwargs):
        return init._checked_draw(fn, shape, name=name, **kwargs)

    checked.__name__ = getattr(fn, "__name__", type(fn).__name__)
    return checked


class _CannotServe(Exception):
    """Raised (inside :func:`atlas_table` only) when an initializer refuses a shape with ``ValueError``."""

    def __init__(self, shape, exc):
        super().__init__(f"cannot serve shape {tuple(shape)}: {exc}")
        self.shape, self.exc = shape, exc


def _refusing(fn):
    """``fn``, with its own ``ValueError`` (a shape it cannot serve) turned into :class:`_CannotServe`."""
    def served(shape, **kwargs):
        try:
            return fn(shape, **kwargs)
        except ValueError as exc:
            raise _CannotServe(shape, exc) from exc

    served.__name__ = getattr(fn, "__name__", type(fn).__name__)
    return served


def random_mask(base, *, density: float) -> Callable:
    r"""The initializer ``base`` with a uniformly random mask of the given density, rescaled by :math:`1/\sqrt{d}`.

    :math:`W = M \odot W_0/\sqrt d` with :math:`M_{ij} \sim \mathrm{Bernoulli}(d)` independent of
    :math:`W_0 \sim` ``base``, so :math:`\mathbb E[W_{ij}^2]` is that of ``base`` (the same
    :math:`\sigma_w^2`): the random-pruning baseline of sparse training (the "uniform" mask with scaled
    initialization in Nowak et al. 2024, Sec. 5).  Returns ``f(shape, *, gain=1.0, rng=None)``.
    """
    _check_init(base, "base")
    if np.ndim(density) != 0:
        raise TypeError(f"density: expected a scalar in (0, 1], got {density!r}")
    d = check_probability(density, "density", open_low=True)
    if not isinstance(d, float):
        raise TypeError("density: expected a scalar")

    def masked(shape, *, gain: float = 1.0, rng=None):
        gen = as_rng(rng)
        w = base(shape, gain=gain, rng=gen)
        return np.where(gen.random(w.shape) < d, w / math.sqrt(d), 0.0)

    masked.__name__ = f"random_mask({getattr(base, '__name__', 'init')}, density={d:g})"
    masked.base, masked.density = base, d
    return masked


def meanfield_applies(fn) -> bool:
    """False for the :data:`STRUCTURED` initializers (also inside ``functools.partial`` or :func:`random_mask`)."""
    _check_init(fn, "fn")
    while True:
        inner = getattr(fn, "func", None) or getattr(fn, "base", None)
        if fn in STRUCTURED:
            return False
        if inner is None:
            return True
        fn = inner


def effective_sigma_w2(fn, *, width: int = 100, n_samples: int = 10, rng=None) -> float:
    r"""The mean-field weight variance :math:`\sigma_w^2 = n\,\overline{W_{ij}^2}` over ``n_samples`` ``(width, width)`` draws.

    For i.i.d. Gaussian entries its relative standard error is :math:`\sqrt{2/(\text{n\_draws}\,n^2)}`
    (0.45% for the defaults); :func:`atlas_table` rounds it with :func:`snap_sigma_w2`.
    """
    _check_init(fn, "fn")
    width = check_int(width, "width", minimum=1)
    n_samples = check_count(n_samples, "n_samples", minimum=1)
    check_nbytes(8 * 4 * width * width, "width", width, what=f"a ({width}, {width}) draw with its squares",
                 reduce="width")
    gen = as_rng(rng)
    with np.errstate(over="ignore"):  # entries beyond 1e154 square to inf: reported below
        out = float(np.mean([width * np.mean(w * w) for w in (init._checked_draw(fn, (width, width), name="fn", rng=gen)
                                                                for _ in range(n_samples))]))
    if not math.isfinite(out):
        raise ValueError("fn: the mean squared entry of its draws overflows float64 (entries beyond ~1e154)")
    return out


def snap_sigma_w2(value: float, *, width: int, n_samples: int) -> float:
    r"""Round a measured :math:`\sigma_w^2` to the digits its sampling error supports.

    For i.i.d. Gaussian entries the relative standard error of :func:`effective_sigma_w2` is
    :math:`s = \sqrt{2/(\text{n\_draws}\,n^2)}`.  The value is rounded to 2 significant digits when that
    moves it by at most :math:`3s` (He weights measured at 1.993 are reported as 2, which is what puts
    them on the critical line), and to 3 otherwise (an exact 1.44 stays 1.44).  ``value`` must be a
    real number >= 0; 0 and ``inf`` are returned as they are.
    """
    value = check_real(value, "value", low=0.0, allow_inf=True)
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    width = check_int(width, "width", minimum=1)
    if not math.isfinite(value) or value <= 0:
        return value
    draws = n_samples * width**2
    rel = 3 * math.sqrt(2.0 / draws) if draws < 10**300 else 0.0  # beyond the float range: no sampling error
    two = float(f"{value:.2g}")
    return two if abs(two - value) <= rel * value else float(f"{value:.3g}")


def meanfield_cells(sigma_w2) -> dict[str, float]:
    r"""Chapter 1 at :math:`\sigma_b^2 = 0`: :math:`\chi_1` for tanh and ReLU and the ReLU length depth scale :math:`\xi_q`.

    ``chi1`` and ``depth_scales`` of :mod:`initdyn.meanfield` (Poole et al. 2016, eq. 7; Schoenholz et
    al. 2017, eq. 5); for ReLU :math:`\chi_1 = \sigma_w^2/2` and :math:`q^l = \chi_1^l q^0`, so
    :math:`\xi_q = -1/\log\chi_1` (``inf`` from :math:`\chi_1 = 1` on).  The correlation depth scale
    :math:`\xi_c` is infinite for every ReLU network without bias (the arc-cosine c-map has slope 1 at
    :math:`c = 1` whatever :math:`\sigma_w^2`), so it has no column.

    Implements equations ``eq-ch1-chi1`` and ``eq-ch1-depth-scales`` of chapter 1 (:doc:`/notebooks/01-mean-field`)
    at :math:`\sigma_b^2 = 0`.
    """
    if np.ndim(sigma_w2) != 0:
        raise TypeError(f"sigma_w2: expected a scalar variance > 0, got {sigma_w2!r}")
    sw2 = check_variance(sigma_w2, "sigma_w2", positive=True)
    return {
        "chi1_tanh": float(meanfield.chi1(sigma_w2=sw2, sigma_b2=0.0, activation="tanh")),
        "chi1_relu": float(meanfield.chi1(sigma_w2=sw2, sigma_b2=0.0, activation="relu")),
        "xi_q_relu": float(meanfield.depth_scales(sigma_w2=sw2, sigma_b2=0.0, activation="relu")[0]),
    }


def _check_network_memory(width, depth):
    check_nbytes(8 * depth * width * width + 8 * 8 * width * width,
                 "depth" if depth > width else "width", depth if depth > width else width,
                 what=f"a network of depth {depth} and width {width} (its weights and Jacobian work arrays)",
                 reduce="width or depth")


def jacobian_spread(fn, *, activation, width: int = 100, depth: int = 100, n_samples: int = 3, rng=None) -> np.ndarray:
    r"""Normalised variance of the squared singular values of the input-output Jacobian, per network.

    For ``n_samples`` networks of :func:`initdyn.network.network_from_initializer` (no biases) and one
    Gaussian input each with :math:`\|x\|^2 = N`, the squared singular values :math:`\lambda` of
    :math:`J` (chapter 2, :func:`initdyn.spectra.jacobian_singular_values_of`) give
    :math:`\mathrm{Var}(\lambda)/\mathbb E[\lambda]^2`: 0 for dynamical isometry, and
    :math:`L(\mu_2/\mu_1^2 - 1 - s_1)` in the wide limit (Pennington et al. 2017, Sec. 2.5; the left side
    of equation ``eq-ch6-free-spread`` of chapter 6 (:doc:`/notebooks/06-initializers-in-practice`)).
    Scale-free, so it measures the *shape* of the spectrum, not its overall growth; ``inf`` for a
    network whose Jacobian vanishes exactly (every ReLU unit of a layer dead, say).
    """
    _check_init(fn, "fn")
    act = get_activation(activation)
    n_samples = check_count(n_samples, "n_samples", minimum=1)
    width = check_int(width, "width", minimum=1)
    depth = check_int(depth, "depth", minimum=1)
    _check_network_memory(width, depth)
    gen = as_rng(rng)
    out = np.empty(n_samples)
    draw = _checking(fn, "fn")
    for k in range(n_samples):
        net = network_from_initializer(draw, width=width, depth=depth, rng=gen)
        x = gen.standard_normal(net.width)
        x *= math.sqrt(net.width) / np.linalg.norm(x)
        lam = spectra.jacobian_singular_values_of(net, x, activation=act) ** 2
        mean = lam.mean()
        out[k] = lam.var() / mean**2 if mean > 0 else np.inf
    return out


def norm_survival(fn, *, width: int = 100, depth: int = 100, n_samples: int = 10, rng=None) -> np.ndarray:
    r"""Chapter 3's :math:`R = \|x^L\|^2/\|x^0\|^2` of ReLU networks with weights from ``fn`` (no biases).

    :func:`initdyn.exact.simulate_squared_norm_ratio` with ``initializer=fn`` (mirrored inputs
    :math:`x^0 = (\mathrm{relu}(z), \mathrm{relu}(-z))`, so ``width`` must be even); one sample per
    network.  For He weights the exact law is :func:`initdyn.exact.squared_norm_ratio` with
    ``sigma_w2=2``.
    """
    _check_init(fn, "fn")
    width = check_int(width, "width", minimum=1)
    depth = check_int(depth, "depth", minimum=1)
    n_samples = check_count(n_samples, "n_samples", minimum=1)
    _check_network_memory(width, depth)
    return exact.simulate_squared_norm_ratio(width=width, depth=depth, sigma_w2=1.0, n_samples=n_samples,
                                             rng=rng, initializer=_checking(fn, "fn"))


def recurrence_growth(fn, *, n: int = 100, n_samples: int = 20, steps: int | None = None, rng=None) -> np.ndarray:
    r"""Chapter 4's hidden-state growth :math:`\log_{10}(\|h_t\|/\|h_0\|)` of :math:`h_t = A h_{t-1}`, :math:`A \sim` ``fn``.

    One Gaussian :math:`h_0` per matrix, :math:`t = \lceil 4\sqrt n\rceil` steps unless ``steps`` is
    given (the horizon at which Glorot recurrences explode, Bar et al. 2025), computed by
    :func:`initdyn.recurrence.log_norm_trajectory` for a stack of ``n_samples`` matrices.  A matrix
    that maps :math:`h_0` exactly to zero (the zero matrix, a nilpotent one) gives ``-inf``.
    """
    _check_init(fn, "fn")
    n = check_int(n, "n", minimum=2)
    n_samples = check_count(n_samples, "n_samples", minimum=1)
    check_nbytes(8 * 3 * n_samples * n * n, "n_samples" if n_samples > n else "n",
                 n_samples if n_samples > n else n, what=f"a stack of {n_samples} ({n}, {n}) matrices",
                 reduce="n_samples or n")
    steps = math.ceil(4 * math.sqrt(n)) if steps is None else check_count(steps, "steps", minimum=1)
    gen = as_rng(rng)
    A = np.stack([init._checked_draw(fn, (n, n), name="fn", rng=gen) for _ in range(n_samples)])
    h0 = gen.standard_normal((n_samples, 1, n))
    traj = recurrence.log_norm_trajectory(A, h0, steps)[:, 0]
    return (traj[:, -1] - traj[:, 0]) / math.log(10)


def period3_probability(fn, *, width: int = 16, n_samples: int = 400, rng=None) -> tuple[int, int]:
    r"""Chapter 5's count of width-``width`` random ReLU maps :math:`\mathbb R \to \mathbb R^n \to \mathbb R` with period 3.

    :func:`initdyn.chaos.random_relu_map` with ``init=fn`` (weights *and* biases from ``fn``, as in
    that chapter) and the exact ensemble test ``has_period3``.  Returns ``(k, n_samples)``; the Wilson
    interval is :func:`initdyn.stats.wilson_interval`.  The maps are those of equation ``eq-ch5-relu-map``
    of chapter 5 (:doc:`/notebooks/05-li-yorke-chaos`).
    """
    _check_init(fn, "fn")
    width = check_int(width, "width", minimum=1)
    n_samples = check_count(n_samples, "n_samples", minimum=1)
    check_nbytes(8 * 6 * n_samples * width, "n_samples" if n_samples > width else "width", n_samples if n_samples > width else width,
                 what=f"the parameters of {n_samples} maps of width {width}", reduce="n_samples or width")
    draw = fn if init.iid_law(fn) is not None else _checking(fn, "fn")  # the i.i.d. laws are drawn in one call
    ens = chaos.random_relu_map(width=width, init=draw, n_samples=n_samples, rng=rng)
    return int(np.sum(ens.has_period3())), int(n_samples)


class Atlas(NamedTuple):
    """Rows (initializer names) and columns (:data:`COLUMNS` keys -> float arrays, NaN where undefined)."""

    names: list
    columns: dict
    settings: dict


def atlas_table(initializers: dict | None = None, *, seed: int = 0, width: int = 100, depth: int = 100,
                map_width: int = 16, n_samples: Mapping[str, int] | None = None) -> Atlas:
    """Every diagnostic for every initializer of ``initializers`` (default :func:`default_initializers`).

    Each cell is one call of the diagnostic function of its column with ``rng=seed`` (common random
    numbers across rows, so the rows differ only by the initializer).  ``period3`` is the fraction
    ``k / n_samples["period3"]``.

    ``n_samples`` gives the ensemble size of each simulated column: a dict with any of the keys of
    :data:`N_SAMPLES` (``"spread"``: networks per Jacobian spread, ``"survival"``: networks per norm
    survival, ``"recurrence"``: recurrent matrices, ``"period3"``: random maps); missing keys take
    the defaults of :data:`N_SAMPLES`.

    Every argument is checked before any cell is computed: ``initializers`` a non-empty dict of names
    (str) to callables, ``seed >= 0``, ``width >= 2``, and ``depth``, ``map_width`` and every value of
    ``n_samples`` >= 1 (the counts at most 10**7).

    A cell is NaN (printed ``-``) only for a structural reason:

    * the mean-field columns of :data:`STRUCTURED` initializers (not i.i.d.), or of a row whose
      ``sigma_w2`` is infinite;
    * an initializer that raises ``ValueError`` for a shape the column needs, i.e. a scheme that cannot
      serve it: ``(width, width)`` for every column but ``period3``, ``(map_width, 1)`` and
      ``(1, map_width)`` for ``period3`` (e.g. the mirrored schemes at an odd fan);
    * ``survival`` for an odd ``width`` (its mirrored inputs need an even one).

    Any other failure of a cell raises, as the diagnostic raised it, with a message that names the
    cell (initializer and column) and the reason.
    """
    if initializers is None:
        inits = default_initializers()
    elif not isinstance(initializers, Mapping):
        raise TypeError(f"initializers: expected a dict name -> initializer f(shape, *, gain, rng), got "
                        f"{type(initializers).__name__}")
    else:
        inits = dict(initializers)
    if not inits:
        raise ValueError("initializers: expected a non-empty dict name -> initializer")
    for name, fn in inits.items():
        if not isinstance(name, str):
            raise TypeError(f"initializers: expected names (keys) of type str, got {name!r}")
        _check_init(fn, f"initializers[{name!r}]")
    seed = check_int(seed, "seed", minimum=0)
    width = check_int(width, "width", minimum=2)
    depth = check_int(depth, "depth", minimum=1)
    map_width = check_int(map_width, "map_width", minimum=1)
    if n_samples is None:
        n_samples = {}
    if not isinstance(n_samples, Mapping):
        raise TypeError(f"n_samples: expected a dict with keys among {sorted(N_SAMPLES)}, got {n_samples!r}")
    unknown = sorted(map(repr, set(n_samples) - set(N_SAMPLES)))
    if unknown:
        raise ValueError(f"n_samples: unknown keys {', '.join(unknown)}; expected keys among {sorted(N_SAMPLES)}")
    n_samples = {key: check_count(n_samples.get(key, default), f"n_samples[{key!r}]", minimum=1)
                 for key, default in N_SAMPLES.items()}
    n_nets, n_networks = n_samples["spread"], n_samples["survival"]
    n_matrices, n_maps = n_samples["recurrence"], n_samples["period3"]
    _check_network_memory(width, depth)
    check_nbytes(8 * 3 * n_matrices * width * width, "n_samples['recurrence']", n_matrices,
                 what=f"the recurrence column's stack of {n_matrices} ({width}, {width}) matrices",
                 reduce="n_samples['recurrence'] or width")
    check_nbytes(8 * 6 * n_maps * map_width,
                 *(("n_samples['period3']", n_maps) if n_maps > map_width else ("map_width", map_width)),
                 what=f"the parameters of {n_maps} maps of width {map_width}",
                 reduce="n_samples['period3'] or map_width")
    cols = {key: np.full(len(inits), np.nan) for key in COLUMNS}

    for r, (name, fn) in enumerate(inits.items()):
        # An initializer's own ValueError (a shape it cannot serve) leaves its cell undefined; the
        # i.i.d. schemes serve every shape and keep their identity (the ensembles draw them in one call).
        g = fn if init.iid_law(fn) is not None else _refusing(fn)

        def cell(column, compute):
            try:
                return compute()
            except _CannotServe:
                return np.nan
            except Exception as exc:
                msg = f"atlas_table: cell ({name!r}, {column!r}) failed: {type(exc).__name__}: {exc}"
                try:
                    err = type(exc)(msg)
                except Exception:
                    err = RuntimeError(msg)
                raise err from exc

        sw2 = cell("sigma_w2", lambda: snap_sigma_w2(effective_sigma_w2(g, width=width, rng=seed), width=width,
                                                     n_samples=10))
        cols["sigma_w2"][r] = sw2
        if meanfield_applies(fn) and np.isfinite(sw2):
            for key, val in cell("chi1_tanh, chi1_relu, xi_q_relu", lambda: meanfield_cells(sw2)).items():
                cols[key][r] = val
        for act in ("tanh", "relu"):
            cols[f"spread_{act}"][r] = cell(f"spread_{act}", lambda: float(np.median(
                jacobian_spread(g, activation=act, width=width, depth=depth, n_samples=n_nets, rng=seed))))
        if width % 2 == 0:
            cols["survival"][r] = cell("survival", lambda: float(np.median(
                norm_survival(g, width=width, depth=depth, n_samples=n_networks, rng=seed))))
        cols["recurrence"][r] = cell("recurrence", lambda: float(np.median(
            recurrence_growth(g, n=width, n_samples=n_matrices, rng=seed))))
        cols["period3"][r] = cell("period3", lambda: period3_probability(g, width=map_width, n_samples=n_maps,
                                                                         rng=seed)[0] / n_maps)
    settings = dict(seed=seed, width=width, depth=depth, map_width=map_width, n_samples=n_samples)
    return Atlas(list(inits), cols, settings)


def _fmt(x: float) -> str:
    if np.isnan(x):
        return "-"
    if np.isinf(x):
        return "inf"
    if x == 0:
        return "0"
    return f"{x:.2g}" if abs(x) < 1e-3 or abs(x) >= 1e4 else f"{x:.3g}"


def format_atlas(table: Atlas) -> str:
    """The atlas as a fixed-width text table (3 significant digits; ``-`` where undefined; log-growths
    below 1e-9 in absolute value, rounding error of norm-preserving maps, as 0)."""
    if not isinstance(table, Atlas):
        raise TypeError(f"table: expected an Atlas from atlas_table, got {type(table).__name__}")
    names, columns = table.names, table.columns
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
        raise TypeError(f"table: expected names, a list of str, got {names!r}")
    if not isinstance(columns, Mapping) or set(columns) != set(COLUMNS):
        got = sorted(columns) if isinstance(columns, Mapping) else type(columns).__name__
        raise ValueError(f"table: expected the columns {list(COLUMNS)}, got {got}")
    for key in COLUMNS:
        col = np.asarray(columns[key])
        if col.shape != (len(names),) or col.dtype.kind not in "iuf":
            raise ValueError(f"table: column {key!r} should hold {len(names)} numbers, one per name; got "
                             f"dtype {col.dtype} and shape {col.shape}")
    head = ["initializer"] + list(COLUMNS.values())
    # log-growths of norm-preserving maps are 0 up to rounding (~1e-16): print them as 0
    clean = lambda k, x: 0.0 if k == "recurrence" and abs(x) < 1e-9 else x  # noqa: E731
    rows = [[name] + [_fmt(clean(k, table.columns[k][r])) for k in COLUMNS] for r, name in enumerate(table.names)]
    widths = [max(len(row[c]) for row in [head] + rows) for c in range(len(head))]
    line = lambda row: "  ".join(s.ljust(w) if c == 0 else s.rjust(w) for c, (s, w) in enumerate(zip(row, widths)))  # noqa: E731
    return "\n".join([line(head)] + [line(row) for row in rows])


# ---------------------------------------------------------------------------
# Residual stacks at initialization (section 1)
# ---------------------------------------------------------------------------

class ResidualSignal(NamedTuple):
    """Norms :math:`\\|x_l\\|` (``depth + 1``), Jacobian singular values, first-layer gradient norms per block."""

    norms: np.ndarray
    singular_values: np.ndarray
    grad_w1: np.ndarray
    log_singular_values: np.ndarray


def residual_stack(W1, W2, x, *, activation) -> ResidualSignal:
    r"""Signal, Jacobian and gradients of the residual stack :math:`x_{l+1} = x_l + W_2^l\,\phi(W_1^l x_l)`.

    For ReLU blocks initialised by IDInit its norms and Jacobian are equation ``eq-ch6-idinit-residual``
    of chapter 6 (:doc:`/notebooks/06-initializers-in-practice`).

    ``W1`` has shape ``(depth, hidden, width)``, ``W2`` ``(depth, width, hidden)``; ``x`` one input.
    The Jacobian :math:`\prod_l (I + W_2^l D_l W_1^l)`, :math:`D_l = \mathrm{diag}\,\phi'(W_1^l x_l)`,
    is accumulated in forward mode as a :class:`initdyn.spectra.ProductQR`, so every singular value is
    accurate relative to itself (the explicit product would lose those below :math:`10^{-16}\sigma_{\max}`);
    ``log_singular_values`` holds their logarithms, which never overflow.  For the loss :math:`\ell = \tfrac12\|x_L\|^2` the gradient
    with respect to :math:`W_1^l` is :math:`(D_l W_2^{l\top} g_{l+1})\,x_l^\top` with
    :math:`g_L = x_L`, :math:`g_l = (I + W_2^l D_l W_1^l)^\top g_{l+1}`; its Frobenius norm
    :math:`\|D_l W_2^{l\top} g_{l+1}\|\,\|x_l\|` vanishes identically when :math:`W_2^l = 0`
    (dead first layers, the problem IDInit's :math:`\varepsilon` avoids).
    """
    act = get_activation(activation)
    W1 = check_finite_array(W1, "W1", ndim=3)
    W2 = check_finite_array(W2, "W2", ndim=3)
    x = check_finite_array(x, "x", ndim=1)
    depth, hidden, width = W1.shape
    if W2.shape != (depth, width, hidden) or x.shape != (width,):
        raise ValueError(f"W1, W2, x: expected shapes (L, H, N), (L, N, H), (N,), got {W1.shape}, {W2.shape}, {x.shape}")
    if min(depth, hidden, width) == 0:
        raise ValueError(f"W1: expected at least one block, hidden unit and unit, got shape {W1.shape}")
    check_nbytes(8 * (6 * width * width + 2 * depth * (width + hidden)), "W1", f"shape {W1.shape}",
                 what=f"the Jacobian of width {width} and the signals of {depth} blocks", reduce="the width")
    xs = np.empty((depth + 1, width))
    ds = np.empty((depth, hidden))
    xs[0] = x
    J = spectra.ProductQR(width)
    eye = np.eye(width)
    def overflow(what, l):
        return ValueError(f"W1, W2, x: the {what} of the residual stack left the float range at block {l} "
                          "(the stack explodes beyond 1.8e308); rescale the weights or the input")

    with np.errstate(over="ignore", invalid="ignore"):
        for l in range(depth):
            h = W1[l] @ xs[l]
            ds[l] = act.dphi(h)
            xs[l + 1] = xs[l] + W2[l] @ act.phi(h)
            step = eye + W2[l] @ (ds[l][:, None] * W1[l])
            if not (np.all(np.isfinite(xs[l + 1])) and np.all(np.isfinite(step))):
                raise overflow("signal" if not np.all(np.isfinite(xs[l + 1])) else "Jacobian", l)
            J.push(step)
        g = xs[-1].copy()
        grad = np.empty(depth)
        for l in range(depth - 1, -1, -1):
            u = ds[l] * (W2[l].T @ g)
            grad[l] = safe_norm(u, axis=None) * safe_norm(xs[l], axis=None)
            g = g + W1[l].T @ u
            if not (np.all(np.isfinite(g)) and np.isfinite(grad[l])):
                raise overflow("gradient", l)
    log_sv = J.log_singular_values()
    if not np.all(np.isfinite(log_sv) | (log_sv == -np.inf)):
        raise overflow("Jacobian", depth - 1)
    return ResidualSignal(safe_norm(xs, axis=1), np.exp(log_sv), grad, log_sv)


def idinit_residual_norms(x, *, epsilon, copies, depth) -> np.ndarray:
    r"""Closed form of :func:`residual_stack`'s norms for ReLU blocks initialised by IDInit.

    Implements equation ``eq-ch6-idinit-residual`` of chapter 6 (:doc:`/notebooks/06-initializers-in-practice`).

    With :math:`W_1 = [I; \dots; I]` (``copies`` stacked identities, :func:`initdyn.init.idinit` of shape
    ``(copies * N, N)``) and :math:`W_2` the zero-preserving IDInit of scale :math:`\varepsilon`
    (``idinit(..., zero_preserving=True, epsilon=epsilon)``), one block maps
    :math:`x \mapsto x + \varepsilon\,\mathrm{copies}\;\mathrm{relu}(x)`: the positive coordinates grow by
    :math:`1 + \mathrm{copies}\,\varepsilon`, the others are kept, so

    .. math:: \|x_l\|^2 = (1 + \mathrm{copies}\,\varepsilon)^{2l}\,\|x_+\|^2 + \|x_-\|^2,
              \qquad l = 0, \dots, \mathrm{depth}.

    Returns the norms :math:`\|x_l\|`, shape ``(depth + 1,)`` (chapter 6, Figure 1); ``inf`` where a
    norm exceeds the float range (1.8e308), never NaN.
    """
    x = check_finite_array(x, "x", ndim=1)
    eps = float(check_finite_array(epsilon, "epsilon", ndim=0))
    if eps < 0:
        raise ValueError(f"epsilon: expected a number >= 0, got {epsilon!r}")
    copies = check_int(copies, "copies", minimum=1)
    depth = check_int(depth, "depth", minimum=0)
    check_nbytes(8 * 4 * (depth + 1), "depth", depth, what=f"{depth} + 1 norms", reduce="depth")
    pos = x > 0
    try:
        ce = copies * eps
    except OverflowError:  # copies beyond the float range
        ce = math.inf if eps > 0 else 0.0
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        grow = (1.0 + ce) ** np.arange(depth + 1)
        out = np.sqrt(grow**2 * np.sum(x[pos] ** 2) + np.sum(x[~pos] ** 2))
    bad = ~np.isfinite(out) | ((out < 2.0**-510) & np.any(x != 0))
    if np.any(bad):  # squares that over- or underflow: the same norms from logarithms of rescaled sums
        big = np.max(np.abs(x))
        e = int(np.frexp(big)[1])
        xs = np.ldexp(x, -e)
        p, q = np.sum(xs[pos] ** 2), np.sum(xs[~pos] ** 2)
        with np.errstate(divide="ignore", over="ignore"):
            log_g = math.log1p(ce) if math.isfinite(ce) else math.log(copies) + math.log(eps)
            lp = 2.0 * log_g * np.arange(depth + 1) + (math.log(p) if p > 0 else -np.inf)
            log_norm = 0.5 * np.logaddexp(lp, math.log(q) if q > 0 else -np.inf) + e * math.log(2.0)
            out = np.where(bad, np.exp(log_norm), out)
    return out
