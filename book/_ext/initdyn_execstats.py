"""Sphinx extension: what every chapter costs to execute, measured during the build.

Jupyter Book executes each chapter in a fresh IPython kernel, a child process of
the build.  A background thread samples the kernels' peak resident memory
(``VmHWM`` in ``/proc/<pid>/status``, the kernel's own high-water mark, so a
sample taken any time before the kernel exits sees the peak up to then; the
sampling period is 0.1 s) and attributes each kernel to the document being read
when it appeared.  The run time comes from myst-nb's execution records.

The directive ``{initdyn-exec-costs}`` renders both as a table, flagging any
chapter over the Binder budget (90 s, 2 GB), and the build writes the same
numbers to ``_build/execution-costs.json`` for ``benchmarks/bench_notebooks.py``.
On a system without ``/proc`` the memory column reads "n/a".
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

BUDGET_SECONDS = 90.0
BUDGET_MB = 2048.0


class _KernelWatcher:
    def __init__(self, period: float = 0.1):
        self.period = period
        self.current: str | None = None
        self.owner: dict[int, str] = {}
        self.peak_kb: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="initdyn-kernel-watcher", daemon=True)
        self.available = Path("/proc/self/status").is_file()

    def start(self):
        if self.available:
            self._thread.start()

    def stop(self):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)

    @staticmethod
    def _children(pid: int) -> list[int]:
        kids = []
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                kids += [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                continue
        return kids

    def _sample(self):
        me = os.getpid()
        frontier, seen = [me], set()
        while frontier:  # the kernel and anything it starts
            pid = frontier.pop()
            for kid in self._children(pid):
                if kid not in seen:
                    seen.add(kid)
                    frontier.append(kid)
        for pid in seen:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            hwm = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
            if pid not in self.owner and self.current is not None:
                self.owner[pid] = self.current
            self.peak_kb[pid] = max(self.peak_kb.get(pid, 0), hwm)

    def _run(self):
        while not self._stop.is_set():
            self._sample()
            time.sleep(self.period)

    def peak_mb(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for pid, doc in self.owner.items():
            out[doc] = max(out.get(doc, 0.0), self.peak_kb.get(pid, 0) / 1024)
        return out


class exec_costs_node(nodes.General, nodes.Element):
    """Placeholder, replaced by the table once every chapter has run."""


class ExecCostsDirective(SphinxDirective):
    has_content = False

    def run(self):
        return [exec_costs_node()]


def _runtimes(env) -> dict[str, float | None]:
    from myst_nb.sphinx_ import NbMetadataCollector  # myst-nb is part of Jupyter Book

    out = {}
    for docname, data in NbMetadataCollector.get_doc_data(env).items():
        exec_data = data.get("exec_data")
        if exec_data:
            out[docname] = exec_data.get("runtime")
    return out


def costs(app) -> list[dict]:
    watcher: _KernelWatcher = app.initdyn_watcher
    peak = watcher.peak_mb()
    rows = []
    for docname, runtime in sorted(_runtimes(app.env).items()):
        mem = peak.get(docname) if watcher.available else None
        rows.append({
            "chapter": docname,
            "runtime_s": None if runtime is None else round(runtime, 1),
            "peak_memory_mb": None if mem is None else round(mem),
            "within_budget": (runtime is not None and runtime < BUDGET_SECONDS)
                             and (mem is None or mem < BUDGET_MB),
        })
    return rows


def _table(app, rows) -> nodes.table:
    headers = ["Chapter", "Run time (s)", "Kernel peak memory (MB)", f"Within {BUDGET_SECONDS:.0f} s / 2 GB"]
    table = nodes.table(classes=["colwidths-auto"])
    tgroup = nodes.tgroup(cols=len(headers))
    table += tgroup
    for _ in headers:
        tgroup += nodes.colspec(colwidth=25)
    thead, tbody = nodes.thead(), nodes.tbody()
    tgroup += thead
    tgroup += tbody

    def row(cells):
        r = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            entry += cell if isinstance(cell, nodes.Node) else nodes.paragraph(text=str(cell))
            r += entry
        return r

    thead += row(headers)
    for item in rows:
        title = app.env.titles.get(item["chapter"])
        link = nodes.paragraph()
        ref = nodes.reference("", "", internal=True, refuri=app.builder.get_relative_uri(app.env.docname, item["chapter"])
                              if hasattr(app.builder, "get_relative_uri") else item["chapter"])
        ref += nodes.Text(title.astext() if title else item["chapter"])
        link += ref
        tbody += row([
            link,
            "-" if item["runtime_s"] is None else f"{item['runtime_s']:.1f}",
            "n/a" if item["peak_memory_mb"] is None else f"{item['peak_memory_mb']:.0f}",
            "yes" if item["within_budget"] else "NO",
        ])
    return table


class ExecCostsTransform(SphinxPostTransform):
    default_priority = 8

    def run(self, **kwargs):
        for node in list(self.document.findall(exec_costs_node)):
            node.replace_self(_table(self.app, costs(self.app)))


def _source_read(app, docname, source):
    app.initdyn_watcher.current = docname


def _build_finished(app, exception):
    app.initdyn_watcher.stop()
    if exception is None:
        target = Path(app.outdir).parent / "execution-costs.json"
        target.write_text(json.dumps(costs(app), indent=2) + "\n")


def setup(app):
    app.initdyn_watcher = _KernelWatcher()
    app.initdyn_watcher.start()
    app.add_node(exec_costs_node)
    app.add_directive("initdyn-exec-costs", ExecCostsDirective)
    app.add_post_transform(ExecCostsTransform)
    app.connect("source-read", _source_read)
    app.connect("build-finished", _build_finished)
    return {"parallel_read_safe": False, "parallel_write_safe": True, "version": "1.0"}
