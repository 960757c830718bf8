"""Global sensitivity indices (Sobol, Morris, delta) of an experiment's factors: the designs run through
:mod:`ecosim.explore.sensitivity` (the batch engine, or a ``model`` function), the indices come from
:mod:`ecosim.analysis.sensitivity`, and :mod:`ecosim.outputs.sensitivity` writes the files when an
``out`` folder is given.

>>> table = sensitivity("experiments/sobol-levers.toml", "out/sobol-levers")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ecosim.analysis.sensitivity import SCALAR_OUTPUTS, MethodResult, analyse_method, model_outputs, summarise
from ecosim.explore.experiment import Experiment
from ecosim.explore.sensitivity import (Model, Settings, analysis_inputs, batch_folder, batch_name, evaluate_batch,
                                        evaluate_model, experiment_settings, method_experiment, methods_to_run)
from ecosim.explore.store import claim_folder


def sensitivity(experiment: str | Path | Experiment, out: str | Path | None = None, method: str | None = None,
                workers: int | None = None, dask: str | bool | None = None, *, model: Model | None = None,
                yearly: list[str] | tuple[str, ...] | None = None, settings: Settings | None = None,
                force: bool = False, charts: bool = True, lang: str = "en") -> pd.DataFrame:
    """Sensitivity indices of an experiment's factors: the tidy index table (``method, output, year,
    factor, index, value, conf_low, conf_high``); its ``attrs["summary"]`` is this call's part of
    ``sensitivity.json``.

    ``method``: ``sobol``, ``morris``, ``delta`` or ``all``; by default the experiment's design
    decides (:func:`ecosim.explore.sensitivity.default_method`). The runs go through the batch engine
    (``workers``, ``dask`` and resume as for :func:`ecosim.batch`), or through ``model`` when given.
    ``yearly`` adds yearly columns analysed year by year.

    Without ``out`` nothing is written: the batches run in a temporary folder removed afterwards
    (a ``model``'s runs stay in memory). With ``out``, the batches go to ``out/batch-<method>`` and
    ``out/indices.csv``, ``sensitivity.json`` and (``charts``) the charts in ``lang`` (``en`` or ``zh``;
    those of indices that did not converge stamped NOT CONVERGED) are written, following
    :data:`ecosim.explore.store.FOLDER_RULE`: a folder of the same inputs is resumed (its batches carry
    on, the other methods already analysed there are kept, so ``--method sobol`` then ``--method
    morris`` leaves both in ``indices.csv``); one of other inputs is refused (OutputFolderError naming
    what changed) unless ``force``, which removes its results first.
    """
    experiment, settings = experiment_settings(experiment, settings, yearly)
    methods = methods_to_run(experiment, method)
    if out is not None:
        from ecosim.outputs.sensitivity import RESULTS, write_manifest, write_sensitivity  # files only when asked

        out = Path(out)
        inputs = analysis_inputs(experiment, settings, model)
        if claim_folder(out, "sensitivity", inputs, force, RESULTS) is None:
            write_manifest(out, experiment, inputs)
    with batch_folder(out, model) as folder:
        results = _method_results(experiment, methods, settings, model, folder, workers, dask)
    if out is None:
        for result in results:
            result.summary["batch"] = None  # the temporary folder is gone
    table, summary = summarise(experiment, results)
    if out is not None:
        write_sensitivity(out, table, summary, charts, lang)
    table.attrs["summary"] = summary
    return table


def _method_results(experiment: Experiment, methods: tuple[str, ...], settings: Settings, model: Model | None,
                    folder: Path | None, workers: int | None, dask: str | bool | None) -> list[MethodResult]:
    """Run each method's design (through ``model``, or as a batch in ``folder``) and analyse its runs."""
    results, folders = [], {}
    for m in methods:
        design = method_experiment(experiment, m, settings)
        if model is not None:
            runs, yearly_table, failed = evaluate_model(design, model), None, 0
            outputs = model_outputs(runs, design.factor_names)
            batch = None
        else:
            batch = folders.setdefault(design.sha256, folder / f"batch-{batch_name(m, design)}")
            runs, yearly_table, failed = evaluate_batch(design, batch, workers, dask)
            outputs = SCALAR_OUTPUTS
        result = analyse_method(m, design, runs, settings, outputs, yearly_table, settings.yearly,
                                design.scenario.policy_start_year)
        result.summary["batch"] = str(batch) if batch else None
        result.summary["failed_runs"] = failed
        results.append(result)
    return results
