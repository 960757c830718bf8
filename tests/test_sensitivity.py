"""Sensitivity analysis: analytic models recover their known indices; a tiny real batch gives per-year indices.

The analytic tests plug a function in place of the ABM (``model=``), so the whole pipeline runs
(design as the batch engine builds it, evaluation, per-point mean, SALib, tidy table) in
milliseconds. Only one test runs the real model (a few 2015-2024 runs in this process).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecosim.analysis.sensitivity import INDEX_COLUMNS, noise_share, unit_design
from ecosim.api.sensitivity import sensitivity
from ecosim.cli.sensitivity import main as cli_main
from ecosim.explore.experiment import ExperimentError
from ecosim.explore.sensitivity import Settings, load, method_experiment
from ecosim.explore.store import OutputFolderError
from ecosim.levers import LEVERS

SCENARIOS = Path(__file__).resolve().parents[1] / "ecosim" / "scenarios"
# four levers, each uniform over its catalogue range; the models rescale them to their own inputs
FACTORS = ["rd_super_deduction_rate", "rd_reward_rate", "tech_contract_reward_rate", "innovation_full_coverage"]
FAST = Settings(num_resamples=50)


def experiment_file(folder: Path, design: str, replications: int = 1, extra: str = "",
                    scenario: str = "baseline", factors: list[str] = FACTORS) -> Path:
    lines = ['name = "analytic"', f'scenario = "{scenario}"', f"replications = {replications}", "seed = 3"]
    for name in factors:
        lines += [f'[factors."levers.{name}"]', 'distribution = "uniform"']
    lines += ["[design]", design, extra]
    path = folder / "experiment.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def unit(frame: pd.DataFrame) -> list[np.ndarray]:
    """The factor columns of a design frame rescaled to [0, 1] by their catalogue ranges."""
    out = []
    for name in FACTORS:
        lever = LEVERS[name]
        out.append((frame[f"levers.{name}"].to_numpy() - lever.low) / (lever.high - lever.low))
    return out


def ishigami(frame: pd.DataFrame) -> dict:
    x1, x2, x3, _ = (-np.pi + 2 * np.pi * u for u in unit(frame))  # the fourth factor is ignored
    return {"y": np.sin(x1) + 7 * np.sin(x2) ** 2 + 0.1 * x3**4 * np.sin(x1)}


def values(table: pd.DataFrame, index: str, output: str = "y") -> pd.DataFrame:
    rows = table[(table["output"] == output) & (table["index"] == index) & table["year"].isna()]
    return rows.set_index("factor").loc[[f"levers.{n}" for n in FACTORS]]


def test_sobol_recovers_the_ishigami_indices(tmp_path):
    path = experiment_file(tmp_path, 'method = "sobol"\nn = 2048\nsecond_order = false')
    table = sensitivity(path, tmp_path / "out", "sobol", model=ishigami, settings=FAST, charts=False)
    assert list(table.columns) == INDEX_COLUMNS
    analytic = {"S1": [0.3139, 0.4424, 0.0, 0.0], "ST": [0.5576, 0.4424, 0.2437, 0.0]}
    for index, truth in analytic.items():
        rows = values(table, index)
        half_width = (rows["conf_high"] - rows["conf_low"]).to_numpy() / 2
        # within the confidence interval, widened by half (and at least 0.02)
        assert np.all(np.abs(rows["value"].to_numpy() - truth) <= np.maximum(1.5 * half_width, 0.02)), rows
    # the ignored factor has no total effect
    assert values(table, "ST").loc["levers.innovation_full_coverage", "value"] < 0.05
    summary = json.loads((tmp_path / "out" / "sensitivity.json").read_text())
    assert summary["methods"]["sobol"]["outputs"]["y"]["top_factors"] == [
        "levers.rd_super_deduction_rate", "levers.rd_reward_rate", "levers.tech_contract_reward_rate"]
    written = pd.read_csv(tmp_path / "out" / "indices.csv")
    assert len(written) == len(table) and written["year"].isna().all()


def test_sobol_second_order_interaction_and_charts(tmp_path):
    path = experiment_file(tmp_path, 'method = "sobol"\nn = 512\nsecond_order = true')
    table = sensitivity(path, tmp_path / "out", model=ishigami, settings=FAST, charts=True)
    s2 = table[table["index"] == "S2"].set_index("factor")["value"]
    assert len(s2) == 6  # one per pair of the 4 factors
    # Ishigami's only interaction is x1-x3 (S13 = 0.2437)
    assert s2.idxmax() == "levers.rd_super_deduction_rate:levers.tech_contract_reward_rate"
    assert abs(s2.max() - 0.2437) < 0.1
    charts = tmp_path / "out" / "charts"
    assert (charts / "sobol-y.png").is_file() and (charts / "sobol-s2-y.svg").is_file()


def test_morris_ranks_a_linear_function_by_coefficient(tmp_path):
    path = experiment_file(tmp_path, 'method = "morris"\ntrajectories = 20\nlevels = 4')

    def linear(frame):
        u = unit(frame)
        return {"y": 1.0 * u[0] + 4.0 * u[1] + 2.0 * u[2] + 0.0 * u[3]}

    table = sensitivity(path, tmp_path / "out", "morris", model=linear, settings=FAST, charts=True)
    mu = values(table, "mu_star")["value"]
    assert list(mu.sort_values(ascending=False).index) == [
        "levers.rd_reward_rate", "levers.tech_contract_reward_rate", "levers.rd_super_deduction_rate",
        "levers.innovation_full_coverage"]
    np.testing.assert_allclose(mu.to_numpy(), [1.0, 4.0, 2.0, 0.0], atol=1e-9)  # per unit-range step
    np.testing.assert_allclose(values(table, "sigma")["value"].to_numpy(), 0.0, atol=1e-9)  # linear: no spread
    assert (tmp_path / "out" / "charts" / "morris-y.png").is_file()


def test_delta_on_lhs_ranks_the_influential_factor_first(tmp_path):
    path = experiment_file(tmp_path, 'method = "lhs"\npoints = 300')

    def steep(frame):
        u = unit(frame)
        return {"y": 5.0 * u[1] + 0.5 * u[0]}

    table = sensitivity(path, tmp_path / "out", "delta", model=steep, settings=Settings(num_resamples=20),
                        charts=False)
    delta = values(table, "delta")["value"]
    assert delta.idxmax() == "levers.rd_reward_rate"
    assert delta["levers.rd_reward_rate"] > 3 * delta["levers.innovation_full_coverage"]


def test_replication_noise_share_is_zero_for_deterministic_and_one_for_noise(tmp_path):
    path = experiment_file(tmp_path, 'method = "sobol"\nn = 64\nsecond_order = false', replications=4)

    def model(frame):
        u = unit(frame)
        noise = np.array([np.random.default_rng(seed).normal() for seed in frame["seed"]])
        return {"deterministic": u[0] + 2 * u[1], "noise": noise}

    table = sensitivity(path, tmp_path / "out", model=model, settings=FAST, charts=False)
    outputs = table.attrs["summary"]["methods"]["sobol"]["outputs"]
    assert outputs["deterministic"]["replication_noise_share"] == pytest.approx(0.0, abs=1e-12)
    assert outputs["noise"]["replication_noise_share"] == pytest.approx(1.0, abs=0.15)
    # one replication: no within-point variance to estimate
    runs = pd.DataFrame({"point": [0, 1, 2], "y": [1.0, 2.0, 3.0]})
    assert noise_share(runs, "y") is None


def test_model_sees_the_batch_design_points_in_order(tmp_path):
    path = experiment_file(tmp_path, 'method = "sobol"\nn = 8\nsecond_order = true', replications=2)
    experiment, settings = load(path)
    design = method_experiment(experiment, "sobol", settings)
    seen = {}

    def model(frame):
        seen["frame"] = frame
        return {"y": frame["levers.rd_reward_rate"].to_numpy()}

    sensitivity(path, tmp_path / "out", model=model, charts=False)
    frame = seen["frame"]
    points = design.points()
    assert len(frame) == len(points) * 2 and list(frame["point"][:4]) == [0, 0, 1, 1]
    np.testing.assert_array_equal(frame.groupby("point")[design.factor_names].first().to_numpy(), points)
    # the unit sample SALib analyses maps onto the same points
    lever = LEVERS["rd_reward_rate"]
    np.testing.assert_allclose(unit_design(design)[:, 1] * (lever.high - lever.low) + lever.low, points[:, 1])


def test_per_year_indices_on_a_tiny_real_batch(tmp_path, capsys):
    scenario = (SCENARIOS / "baseline.toml").read_text().replace("horizon = 2030", "horizon = 2024")
    (tmp_path / "short.toml").write_text(scenario)
    path = experiment_file(tmp_path, 'method = "sobol"\nn = 4\nsecond_order = false',
                           extra='[outputs]\nyearly = ["target_met"]\n[sensitivity]\nnum_resamples = 20',
                           scenario="short.toml", factors=FACTORS[:2])
    out = tmp_path / "out"
    code = cli_main([str(path), "--out", str(out), "--workers", "1", "--yearly", "rd_intensity", "--no-charts"])
    assert code == 0
    table = pd.read_csv(out / "indices.csv")
    yearly = table[table["year"].notna()]
    assert set(yearly["output"]) == {"rd_intensity"}
    assert sorted(yearly["year"].unique()) == [2021, 2022, 2023, 2024]
    # one row per factor x year x index
    assert len(yearly) == 2 * 4 * 2
    assert not yearly.duplicated(["factor", "year", "index"]).any()
    scalar = table[table["year"].isna()]
    assert set(scalar["output"]) <= {"rd_intensity", "rd_intensity_gap", "p_target_met", "government_cost",
                                     "social_cost"}
    assert {"rd_intensity", "government_cost", "social_cost"} <= set(scalar["output"])
    # the batch kept the yearly column although the experiment's outputs did not list it
    runs = pd.concat(pd.read_parquet(p) for p in sorted((out / "batch-sobol").glob("runs/part-*.parquet")))
    assert "rd_intensity" in runs.columns and len(runs) == 4 * 4 * 5  # (n * (D + 2)) runs x 5 years (2020-2024)
    summary = json.loads((out / "sensitivity.json").read_text())
    assert summary["converged"] is False  # n = 4 cannot converge
    assert "WARNING" in capsys.readouterr().err
    # a second call resumes: the batch is done, the indices are the same
    again = sensitivity(path, out, yearly=["rd_intensity"], workers=1, charts=False)
    pd.testing.assert_frame_equal(again.reset_index(drop=True), table.assign(year=table["year"].astype("Int64")),
                                  check_dtype=False)


def test_bad_sensitivity_settings_name_the_field(tmp_path, capsys):
    path = experiment_file(tmp_path, 'method = "lhs"\npoints = 10', extra="[sensitivity]\nyearly = [\"nope\"]")
    with pytest.raises(ExperimentError, match=r"sensitivity.yearly\[0\]"):
        load(path)
    assert cli_main([str(path), "--out", str(tmp_path / "out")]) == 2
    assert "sensitivity.yearly[0]" in capsys.readouterr().err


def test_nan_outputs_are_reported_not_hidden(tmp_path):
    path = experiment_file(tmp_path, 'method = "lhs"\npoints = 200')

    def model(frame):
        u = unit(frame)
        y = 3.0 * u[1] + u[0]
        y[:5] = np.nan  # e.g. runs whose user cost of R&D turned negative
        return {"y": y, "z": y}

    sobol = sensitivity(path, tmp_path / "sobol", "sobol", model=model, settings=FAST, charts=False)
    entry = sobol.attrs["summary"]["methods"]["sobol"]["outputs"]["y"]
    assert entry["analysed"] is False and entry["nonfinite_count"] > 0 and "needs every point" in entry["reason"]
    assert sobol.empty
    # delta is a given-data method: it drops the points (and says so)
    delta = sensitivity(path, tmp_path / "delta", "delta", model=model, settings=Settings(num_resamples=10),
                        charts=False)
    entry = delta.attrs["summary"]["methods"]["delta"]["outputs"]["y"]
    assert entry["analysed"] and entry["dropped_points"] == 5
    assert values(delta, "delta")["value"].idxmax() == "levers.rd_reward_rate"


def test_convergence_verdict(tmp_path):
    def linear(frame):
        u = unit(frame)
        return {"y": 4.0 * u[1] + 2.0 * u[2] + 1.0 * u[0]}

    big = experiment_file(tmp_path, 'method = "sobol"\nn = 4096\nsecond_order = false')
    table = sensitivity(big, tmp_path / "big", model=linear, settings=FAST, charts=False)
    verdict = table.attrs["summary"]["methods"]["sobol"]["outputs"]["y"]["convergence"]
    assert verdict["ranking_stable"] and verdict["converged"] and table.attrs["summary"]["warnings"] == []
    assert verdict["top"] == verdict["top_half"] == [
        "levers.rd_reward_rate", "levers.tech_contract_reward_rate", "levers.rd_super_deduction_rate"]
    small = experiment_file(tmp_path, 'method = "sobol"\nn = 8\nsecond_order = false')
    table = sensitivity(small, tmp_path / "small", model=linear, settings=FAST, charts=False)
    assert table.attrs["summary"]["converged"] is False
    assert "have not converged" in table.attrs["summary"]["warnings"][0]


def test_methods_run_one_after_another_share_the_files(tmp_path):
    path = experiment_file(tmp_path, 'method = "morris"\ntrajectories = 10\nlevels = 4')

    def linear(frame):
        u = unit(frame)
        return {"y": 2.0 * u[0] + u[1]}

    sensitivity(path, tmp_path / "out", "morris", model=linear, settings=FAST, charts=False)
    sobol = sensitivity(path, tmp_path / "out", "sobol", model=linear, settings=FAST, charts=False)
    assert set(sobol["method"]) == {"sobol"}  # the returned table is this call's
    written = pd.read_csv(tmp_path / "out" / "indices.csv")
    assert set(written["method"]) == {"morris", "sobol"}
    summary = json.loads((tmp_path / "out" / "sensitivity.json").read_text())
    assert set(summary["methods"]) == {"morris", "sobol"}


def _tiny_real(folder: Path, yearly: str = "") -> Path:
    """The smallest real experiment: 2 levers, Sobol n = 4 (16 runs), 2015-2024."""
    folder.mkdir(parents=True, exist_ok=True)
    scenario = (SCENARIOS / "baseline.toml").read_text().replace("horizon = 2030", "horizon = 2024")
    (folder / "short.toml").write_text(scenario)
    return experiment_file(folder, 'method = "sobol"\nn = 4\nsecond_order = false',
                           extra=f'{yearly}[sensitivity]\nnum_resamples = 20', scenario="short.toml",
                           factors=FACTORS[:2])


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_without_out_nothing_is_written_and_the_indices_are_the_same(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))  # where a batch without --out goes
    (tmp_path / "tmp").mkdir()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)

    def linear(frame):
        u = unit(frame)
        return {"y": 2.0 * u[0] + u[1]}

    model_file = experiment_file(tmp_path, 'method = "morris"\ntrajectories = 10\nlevels = 4')
    before = _files(tmp_path)
    in_memory = sensitivity(model_file, model=linear, settings=FAST, charts=True)
    real_file = _tiny_real(tmp_path / "real")
    before_real = _files(tmp_path)
    from_temporary = sensitivity(real_file, workers=1)
    assert _files(tmp_path) == before_real and set(before) <= set(before_real)
    assert list(work.iterdir()) == [] and list((tmp_path / "tmp").iterdir()) == []
    assert from_temporary.attrs["summary"]["methods"]["sobol"]["batch"] is None
    # the same numbers with --out, which writes the files
    written = sensitivity(model_file, tmp_path / "out-model", model=linear, settings=FAST, charts=False)
    pd.testing.assert_frame_equal(in_memory, written)
    written = sensitivity(real_file, tmp_path / "out-real", workers=1, charts=False)
    pd.testing.assert_frame_equal(from_temporary, written)
    assert (tmp_path / "out-real" / "indices.csv").is_file()
    assert json.loads((tmp_path / "out-real" / "manifest.json").read_text())["kind"] == "sensitivity"


def test_other_analysis_settings_in_the_same_out_are_refused_unless_forced(tmp_path):
    path = experiment_file(tmp_path, 'method = "morris"\ntrajectories = 10\nlevels = 4')

    def linear(frame):
        u = unit(frame)
        return {"y": 2.0 * u[0] + u[1]}

    out = tmp_path / "out"
    sensitivity(path, out, model=linear, settings=FAST, charts=False)
    with pytest.raises(OutputFolderError, match=r"--out.*num_resamples"):
        sensitivity(path, out, model=linear, settings=Settings(num_resamples=20), charts=False)
    sensitivity(path, out, model=linear, settings=Settings(num_resamples=20), force=True, charts=False)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["inputs"]["sensitivity setting num_resamples"] == 20


def test_the_folder_rule_on_the_command_line(tmp_path, capsys):
    path = _tiny_real(tmp_path)
    out = tmp_path / "out"
    command = [str(path), "--out", str(out), "--workers", "1", "--no-charts"]
    assert cli_main(command) == 0
    batch = out / "batch-sobol"
    runs = {p: p.stat().st_mtime_ns for p in _files(batch) if p.suffix in (".parquet", ".json")}
    assert any(p.parent.name == "runs" for p in runs)
    indices = pd.read_csv(out / "indices.csv")
    # the same command again resumes: no run is made again, the indices are the same
    assert cli_main(command) == 0
    assert {p: p.stat().st_mtime_ns for p in runs if p.parent.name != batch.name} == {
        p: t for p, t in runs.items() if p.parent.name != batch.name}
    pd.testing.assert_frame_equal(pd.read_csv(out / "indices.csv"), indices)
    kept = {p: p.stat().st_mtime_ns for p in _files(out)}
    capsys.readouterr()
    # another experiment in the same folder: refused, naming --out and what changed
    path.write_text(path.read_text().replace("seed = 3", "seed = 4"))
    assert cli_main(command) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "experiment file" in err and "--force" in err
    assert {p: p.stat().st_mtime_ns for p in _files(out)} == kept  # nothing touched
    # --force replaces the results
    assert cli_main([*command, "--force"]) == 0
    assert json.loads((batch / "manifest.json").read_text())["root_seed"] == 4
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "sensitivity"
    assert manifest["inputs"]["experiment file"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
