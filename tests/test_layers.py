"""Imports run one way: catalogues (errors, levers, assumptions) -> region data -> scenario -> model ->
explore -> analysis -> charts -> report -> the interfaces (cli, app).

Module-level imports only (a ``.plot()`` method may import charts inside the method), and an
analysis module imported alone loads neither matplotlib nor the chart modules."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ecosim"
LAYERS = {"errors": 0, "levers": 0, "assumptions": 0, "data": 1, "constraints": 2, "scenario": 2, "model": 3,
          "explore": 4, "analysis": 5, "charts": 6, "report": 7, "cli": 8,
          "app": 8}
"""Layer of each part of the package: a module may import its own layer and those below."""


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if parts[0] == "ecosim" and len(parts) > 1 else None


def _module_level_imports(path: Path) -> list[str]:
    """The ecosim modules a file imports at module level (not inside functions or TYPE_CHECKING)."""
    names = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names += [a.name for a in node.names]
    return [n for n in names if n.startswith("ecosim.")]


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(("ecosim", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")
        if _layer(name) is not None:
            yield name, path


@pytest.mark.parametrize("name, path", list(_modules()), ids=lambda v: v if isinstance(v, str) else "")
def test_imports_run_one_way(name, path):
    own = _layer(name)
    upward = [m for m in _module_level_imports(path) if (_layer(m) or 0) > own]
    assert not upward, f"{name} imports {upward} at module level"


ANALYSIS = sorted(p.stem for p in (PACKAGE / "analysis").glob("*.py") if p.stem != "__init__")


def test_analysis_modules_do_not_load_charts_or_matplotlib():
    code = ("import importlib, sys\n"
            f"for name in {ANALYSIS!r}:\n"
            "    importlib.import_module('ecosim.analysis.' + name)\n"
            "bad = sorted(k for k in sys.modules if k.split('.')[0] == 'matplotlib' or k.startswith('ecosim.charts')"
            " or k.startswith('ecosim.cli') or k == 'ecosim.report')\n"
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
