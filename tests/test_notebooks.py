"""The notebooks run start to finish without errors (they are committed without outputs)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from ecosim.charts.fonts import INSTALL_HELP, has_cjk_font

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


needs_cjk = pytest.mark.skipif(not has_cjk_font(), reason=INSTALL_HELP.splitlines()[0] + " (see ecosim.charts.fonts)")


def test_there_are_notebooks():
    assert [p.name for p in NOTEBOOKS] == ["01-forecast.ipynb", "02-compare-intervention-mixes.ipynb",
                                           "03-sensitivity-and-policy-design.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    assert all(not cell.get("outputs") and cell.get("execution_count") is None
               for cell in nb.cells if cell.cell_type == "code")


@needs_cjk  # the notebooks draw Chinese charts too
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, tmp_path, monkeypatch):
    nb = nbformat.read(path, as_version=4)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))  # the kernel's temporary folders go here
    client = NotebookClient(nb, kernel_name="python3", timeout=120,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    assert list(scratch.iterdir()) == [], "the notebook left temporary files behind"
    errors = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs
              if out.output_type == "error"]
    assert not errors
    # nothing warns on the way (tqdm.auto without ipywidgets prints "IProgress not found" in a notebook)
    texts = [out.get("text", "") for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs
             if out.output_type == "stream"]
    assert not [t for t in texts if "IProgress" in t or "Warning" in t], texts
    # every cell that draws a chart shows it once
    for cell in nb.cells:
        if cell.cell_type == "code" and ".plot(" in cell.source:
            images = [out for out in cell.outputs if "image/png" in out.get("data", {})]
            assert len(images) == 1, f"chart not shown once: {cell.source!r}"
