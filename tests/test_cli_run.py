"""The ``ecosim`` command line: ``run`` writes a consistent forecast, bad scenarios are refused cleanly."""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from ecosim.cli import main
from ecosim.levers import LEVERS

MALFORMED = Path(__file__).parent / "malformed"
EXPECT = re.compile(r"^# expect: (?P<field>\S+) \| (?P<message>.+?)\s*$")


@pytest.fixture(scope="module")
def forecast_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "o"
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(["run", "--replications", "3", "--out", str(out)])
    return code, out, stdout.getvalue()


def test_run_exits_zero_and_writes_the_three_files(forecast_run):
    code, out, _ = forecast_run
    assert code == 0
    assert {p.name for p in out.iterdir()} >= {"years.csv", "summary.json", "columns.csv"}


def test_years_csv_has_one_row_per_replication_and_year(forecast_run):
    _, out, _ = forecast_run
    years = pd.read_csv(out / "years.csv")
    assert len(years) == 3 * 11  # 2020-2030
    assert {"replication", "seed", "year"} <= set(years.columns)
    assert sorted(years["replication"].unique()) == [0, 1, 2]
    assert years.groupby("replication")["year"].apply(list).map(lambda y: y == list(range(2020, 2031))).all()
    assert years["seed"].nunique() == 3  # each replication its own seed


def test_summary_probability_is_the_share_of_replications_meeting_the_target_in_2024(forecast_run):
    _, out, _ = forecast_run
    years = pd.read_csv(out / "years.csv")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["target_year"] == 2024 and summary["target"] == "national_average"
    assert summary["replications"] == 3
    p = summary["probability_target_met"]
    assert 0.0 <= p <= 1.0
    rows = years[years["year"] == 2024]
    assert len(rows) == 3
    share = float((rows["rd_intensity"] >= rows["national_rd_intensity"]).mean())
    assert p == pytest.approx(share, abs=1e-12)


def test_printed_summary_mentions_the_probability(forecast_run):
    _, out, printed = forecast_run
    summary = json.loads((out / "summary.json").read_text())
    assert "P(target met" in printed
    assert f"{summary['probability_target_met']:.0%}" in printed
    assert str(out / "years.csv") in printed


def test_the_gap_printed_is_to_the_target_a_fixed_value_included(tmp_path: Path):
    """With a fixed target (1.3% of GDP) the printed gap is the region's intensity less 1.3, not less the
    national average; worked out from years.csv."""
    out = tmp_path / "fixed"
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        assert main(["run", "--replications", "3", "--set", "target.value=1.3", "--out", str(out)]) == 0
    rows = pd.read_csv(out / "years.csv").query("year == 2024")
    printed = re.search(r"Gap to the target in 2024: median ([+-]\d+\.\d+) percentage points", stdout.getvalue())
    assert printed, stdout.getvalue()
    assert float(printed.group(1)) == pytest.approx(rows["rd_intensity"].median() - 1.3, abs=0.006)
    assert abs(float(printed.group(1)) - (rows["rd_intensity"] - rows["national_rd_intensity"]).median()) > 0.5


@pytest.mark.parametrize("name", ["05-unknown-top-level-key.toml", "09-lever-string-for-number.toml"])
def test_malformed_scenario_exits_2_names_file_and_field_and_writes_nothing(name, tmp_path, capsys):
    path = MALFORMED / name
    expected = EXPECT.match(path.read_text(encoding="utf-8").splitlines()[0])
    assert expected, f"{name} lacks its '# expect:' line"
    out = tmp_path / "o"
    code = main(["run", str(path), "--replications", "2", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 2
    assert str(path) in captured.err
    assert expected["field"] in captured.err
    assert expected["message"] in captured.err
    assert captured.out == ""
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_levers_lists_every_lever(capsys):
    assert main(["levers"]) == 0
    printed = capsys.readouterr().out
    listed = {line.strip() for line in printed.splitlines() if line and not line.startswith(" ")}
    assert listed == set(LEVERS)


@pytest.mark.parametrize("how", ["set", "file"])
def test_the_suggested_optimize_command_runs_as_printed(tmp_path: Path, how: str, monkeypatch):
    """A run out of reach suggests `ecosim optimize ...`; that command, as printed (plus a tiny search),
    must run: with --set changes it names the scenario file the run wrote, not the scenario's name."""
    monkeypatch.chdir(tmp_path)
    if how == "set":
        argv = ["run", "baseline", "--set", "target.year=2030", "--replications", "4", "--out", "run"]
    else:
        (tmp_path / "my-mix.toml").write_text('name = "my-mix"\n[levers]\nrd_reward_rate = 0.1\n', encoding="utf-8")
        argv = ["run", "my-mix.toml", "--replications", "4", "--out", "run"]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(argv) == 0
    [command] = [line.strip() for line in printed.getvalue().splitlines() if line.strip().startswith("ecosim optimize")]
    suggested = command.split()[1:]
    with contextlib.redirect_stdout(io.StringIO()):
        code = main([*suggested, "--replications", "2", "--maxiter", "1", "--workers", "1", "--out", "opt"])
    # 0: a mix reaches the target, 1: none does (the answer); 2 would be a command that cannot run
    assert code in (0, 1) and any((tmp_path / "opt").iterdir())


def test_a_mix_the_budget_cuts_prints_what_was_funded_and_the_budget_that_funds_it(tmp_path: Path):
    # guiding-opinions asks for far more than the S&T budget's growth (docs/costs-and-budget.md):
    # the answer must say what was funded and which [budget] setting funds the mix as written; run
    # again with that setting, the budget may cut it in at most the 10% of replications above the
    # 90th percentile the setting is read from.
    out, stdout = tmp_path / "go", io.StringIO()
    with contextlib.redirect_stdout(stdout):
        assert main(["run", "guiding-opinions", "--replications", "10", "--out", str(out)]) == 0
    text = stdout.getvalue()
    assert "Funded share of the mix's requested outlay increase" in text
    assert "rd_reward_rate: written 0.05, funded" in text
    setting = re.search(r"set \[budget\] share_of_gdp = ([0-9.]+)", text)
    assert setting, text
    summary = json.loads((out / "summary.json").read_text())
    reward = summary["budget"]["levers"]["rd_reward_rate"]
    assert reward["requested"]["2021"] == 0.05
    assert 0.02 <= reward["funded"]["2021"] < 0.05
    assert summary["budget"]["to_fund_as_written"]["share_of_gdp"]["q90"] <= float(setting.group(1))
    years = pd.read_csv(out / "years.csv")
    assert (years["funded_rd_reward_rate"] <= 0.05 + 1e-12).all()
    again = tmp_path / "go-funded"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["run", "guiding-opinions", "--replications", "10", "--out", str(again),
                     "--set", f"budget.share_of_gdp={setting.group(1)}"]) == 0
    assert json.loads((again / "summary.json").read_text())["budget_binding_share"] <= 0.1


def test_the_brief_and_the_fan_chart_say_what_the_budget_funded(tmp_path: Path):
    # The shares are read back from years.csv here (median of budget_funded_share by year), not from
    # the code that writes the brief.
    from ecosim.charts.fan import funded_text
    from ecosim.outputs.run_folder import read_run

    out = tmp_path / "go"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["run", "guiding-opinions", "--replications", "6", "--out", str(out)]) == 0
        assert main(["report", str(out), "--out", str(tmp_path / "brief")]) == 0
    years = pd.read_csv(out / "years.csv")
    shares = years[years["year"].between(2021, 2024)].groupby("year")["budget_funded_share"].median()
    assert shares.max() < 1.0
    brief = re.sub(r"<[^>]+>", "", (tmp_path / "brief.html").read_text(encoding="utf-8"))  # its text, no spans
    expected = ", ".join(f"{share:.0%} ({year})" for year, share in shares.items())
    assert f"funded {expected} of the mix" in brief
    setting = json.loads((out / "summary.json").read_text())["budget"]["to_fund_as_written"]["share_of_gdp"]["q90"]
    assert re.search(r"set \[budget\] share_of_gdp = ([0-9]+\.[0-9]+)", brief).group(1) == f"{math.ceil(setting * 1000) / 1000:g}"
    label = funded_text(read_run(out), "en")
    assert label.startswith(f"S&T budget funded {shares.iloc[0]:.0%} (2021) to {shares.iloc[-1]:.0%} (2024)")
    assert funded_text(read_run(out), "zh").replace("\n", "").startswith(f"科技预算资助了该组合所需增量的{shares.iloc[0]:.0%}（2021年）")
