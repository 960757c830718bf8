"""Imports run one way: catalogues (errors, levers, assumptions, version) -> region data -> scenario and
its checks -> model -> explore (the runners) -> analysis (statistics) -> charts -> outputs (writers) ->
api (the notebook API, and the package itself) -> the interfaces (cli, app).

Every import counts, at module level and inside functions (those under ``if TYPE_CHECKING:`` are for
type checkers only and run never). One exception: a result object's ``plot`` method in analysis
draws its chart, so it may import ``ecosim.charts`` inside the method. Besides the order:

* charts take results and import no analysis (except for type checking), but for the wording of
  intervals (``ecosim.analysis.intervals``), which a chart label shares with the brief, the page and
  the command line so that a share and its Wilson interval read the same everywhere;
* analyses take tables and return tables: they neither run the model nor read or write files;
* an analysis module imported alone loads neither matplotlib nor the chart modules.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ecosim"
LAYERS = {"errors": 0, "levers": 0, "assumptions": 0, "version": 0, "data": 1, "constraints": 2, "scenario": 2,
          "checks": 2, "model": 3, "explore": 4, "analysis": 5, "charts": 6, "outputs": 7, "api": 8, "cli": 9,
          "app": 9}
"""Layer of each part of the package: a module may import its own layer and those below."""
PACKAGE_LAYER = LAYERS["api"]
"""``import ecosim`` (the package's ``__init__``) is the notebook API."""
RUNNERS = ("ecosim.explore.progress", "ecosim.explore.runs", "ecosim.explore.executors", "ecosim.explore.batch",
           "ecosim.explore.store", "ecosim.explore.calibration", "ecosim.explore.backtest",
           "ecosim.explore.lever_response", "ecosim.explore.sensitivity", "ecosim.explore.design")
"""The modules that run the model or write results: analyses import none of them."""
MODEL_RUNS = {"simulate", "EcosystemModel", "resolve"}
"""Names of ``ecosim.model`` that run (or set up a run of) the model."""
FILE_CALLS = {"write_text", "write_bytes", "to_csv", "to_parquet", "to_json", "savefig", "mkdir", "open",
              "read_text", "read_bytes", "read_csv", "read_parquet", "read_json"}
"""Calls that write or read files: analyses take what the loaders (``ecosim.data``) and runners give them."""


def _name(path: Path) -> str:
    return ".".join(("ecosim", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "ecosim":
        return None
    return PACKAGE_LAYER if len(parts) == 1 else LAYERS.get(parts[1])


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the nodes inside ``if TYPE_CHECKING:`` blocks."""
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            inside |= {id(n) for child in node.body for n in ast.walk(child)}
    return inside


def imports(path: Path) -> list[tuple[str, list[str], str | None]]:
    """Every ecosim import of a file, outside TYPE_CHECKING: (module, names, enclosing function or None)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_nodes(tree)
    found = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            if id(child) not in skip:
                if isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                    found.append((child.module, [a.name for a in child.names], function))
                elif isinstance(child, ast.Import):
                    found.extend((a.name, [], function) for a in child.names)
            visit(child, inner)

    visit(tree, None)
    return [(m, names, f) for m, names, f in found if m == "ecosim" or m.startswith("ecosim.")]


def _targets(module: str, names: list[str]) -> list[str]:
    """The modules an import reaches: ``from ecosim import scenario`` reaches ``ecosim.scenario``."""
    if module == "ecosim" and names:
        return [f"ecosim.{n}" if n in LAYERS else "ecosim" for n in names]
    return [module]


MODULES = sorted((_name(p), p) for p in PACKAGE.rglob("*.py"))


def test_every_module_has_a_layer():
    assert [name for name, _ in MODULES if _layer(name) is None] == []


@pytest.mark.parametrize("name, path", MODULES, ids=[n for n, _ in MODULES])
def test_imports_run_one_way(name, path):
    own = _layer(name)
    upward = []
    for module, names, function in imports(path):
        for target in _targets(module, names):
            if (_layer(target) or 0) <= own:
                continue
            if name.startswith("ecosim.analysis.") and target.startswith("ecosim.charts") and function == "plot":
                continue
            upward.append(f"{target} (in {function or 'module'})")
    assert not upward, f"{name} imports {upward}"


SHARED_WORDING = "ecosim.analysis.intervals"
"""The one analysis module a chart may import: how an interval is written."""
CHARTS = [(n, p) for n, p in MODULES if n.startswith("ecosim.charts")]
ANALYSES = [(n, p) for n, p in MODULES if n.startswith("ecosim.analysis")]


@pytest.mark.parametrize("name, path", CHARTS, ids=[n for n, _ in CHARTS])
def test_charts_import_no_analysis(name, path):
    used = [m for m, _, _ in imports(path) if m.startswith("ecosim.analysis") and m != SHARED_WORDING]
    assert not used, f"{name} imports {used} (charts take results; import analysis types under TYPE_CHECKING)"


@pytest.mark.parametrize("name, path", ANALYSES, ids=[n for n, _ in ANALYSES])
def test_analyses_neither_run_the_model_nor_touch_files(name, path):
    runs = [m for m, names, _ in imports(path)
            if m in RUNNERS or m.startswith("ecosim.api") or m.startswith("ecosim.outputs")
            or (m.startswith("ecosim.model") and MODEL_RUNS & set(names))]
    assert not runs, f"{name} imports {runs}"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = sorted({node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
                    for node in ast.walk(tree) if isinstance(node, ast.Call)
                    and ((isinstance(node.func, ast.Attribute) and node.func.attr in FILE_CALLS)
                         or (isinstance(node.func, ast.Name) and node.func.id in FILE_CALLS))})
    assert not calls, f"{name} calls {calls}"


def test_the_checks_read_function_level_imports_and_type_checking_blocks(tmp_path):
    """The reader above sees an import inside a function and skips one under TYPE_CHECKING."""
    source = tmp_path / "sample.py"
    source.write_text("from typing import TYPE_CHECKING\n"
                      "if TYPE_CHECKING:\n    from ecosim.analysis.forecast import Forecast\n"
                      "def f():\n    from ecosim.cli import main\n"
                      "class A:\n    def plot(self):\n        import ecosim.charts.fan\n")
    assert imports(source) == [("ecosim.cli", ["main"], "f"), ("ecosim.charts.fan", [], "plot")]


ANALYSIS = sorted(p.stem for p in (PACKAGE / "analysis").glob("*.py") if p.stem != "__init__")


def test_analysis_modules_do_not_load_charts_or_matplotlib():
    code = ("import importlib, sys\n"
            f"for name in {ANALYSIS!r}:\n"
            "    importlib.import_module('ecosim.analysis.' + name)\n"
            "bad = sorted(k for k in sys.modules if k.split('.')[0] == 'matplotlib' or k.startswith('ecosim.charts')"
            " or k.startswith('ecosim.cli') or k.startswith('ecosim.outputs'))\n"
            "print(' '.join(bad))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_the_package_and_its_commands_load_without_solara():
    """Solara (the ``app`` extra) is loaded only when the page is served: ``import ecosim``, the command
    line's parser and the page's helpers without a browser do not need it."""
    code = ("import sys, contextlib, io\n"
            "import ecosim, ecosim.app.levers, ecosim.app.runs, ecosim.app.answer, ecosim.app.export\n"
            "from ecosim.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n"
            "        main(['app', '--help'])\n"
            "    except SystemExit:\n"
            "        pass\n"
            "print(' '.join(sorted(k for k in sys.modules if k.split('.')[0] in ('solara', 'reacton', 'ipyvuetify'))))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
