"""The planners' API: comparisons on common random numbers, lever contributions, the plot command."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ecosim.analysis.compare import TABLE_COLUMNS
from ecosim.api.compare import compare  # noqa: E402
from ecosim.analysis.contribution import budget_lifted, changed_levers
from ecosim.api.contribution import contribution  # noqa: E402
from ecosim.api.forecast import forecast  # noqa: E402
from ecosim.charts.fonts import INSTALL_HELP, has_cjk_font  # noqa: E402
from ecosim.outputs.run_folder import write_forecast  # noqa: E402
from ecosim.cli.plot import main as plot_main  # noqa: E402
from ecosim.data import load_region  # noqa: E402
from ecosim.levers import LEVERS  # noqa: E402
from ecosim.scenario import load_scenario  # noqa: E402

REPLICATIONS = 6
SEED = 7


needs_cjk = pytest.mark.skipif(not has_cjk_font(), reason=INSTALL_HELP.splitlines()[0] + " (see ecosim.charts.fonts)")


@pytest.fixture(scope="module")
def baseline():
    return load_scenario("baseline")


@pytest.fixture(scope="module")
def reward(baseline):
    return baseline.with_changes({"name": "reward", "levers.rd_reward_rate": 0.2, "levers.platforms": 80})


@pytest.fixture(scope="module")
def comparison(baseline, reward):
    return compare({"baseline": baseline, "reward": reward}, REPLICATIONS, SEED)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_compare_table_matches_each_scenarios_own_forecast(comparison, reward):
    table = comparison.table()
    assert list(table.columns) == list(TABLE_COLUMNS)
    assert list(table.index) == ["baseline", "reward"]
    own = forecast(reward, REPLICATIONS, SEED).summary()
    row = table.loc["reward"]
    assert row["probability_target_met"] == own["probability_target_met"]
    assert row["rd_intensity_q50"] == pytest.approx(own["rd_intensity"]["q50"], abs=1e-12)
    assert row["rd_intensity_q05"] == pytest.approx(own["rd_intensity"]["q05"], abs=1e-12)
    assert row["rd_intensity_q95"] == pytest.approx(own["rd_intensity"]["q95"], abs=1e-12)
    assert row["cost_window"] == own["cost_window"]
    assert row["social_cost_median"] == pytest.approx(own["costs"]["social_cost_median"], abs=1e-9)
    assert row["government_cost_median"] == pytest.approx(own["costs"]["government_cost_median"], abs=1e-9)
    first = table.loc["baseline"]
    assert first["gain_vs_first"] == 0 and np.isnan(first["cost_per_point"])
    gain = row["rd_intensity_q50"] - first["rd_intensity_q50"]
    extra = row["social_cost_median"] - first["social_cost_median"]
    assert row["gain_vs_first"] == pytest.approx(gain)
    assert row["extra_cost_vs_first"] == pytest.approx(extra)
    if gain > 0:
        assert row["cost_per_point"] == pytest.approx(extra / gain)
    if extra > 0:
        assert row["points_per_100m"] == pytest.approx(gain / extra)


def test_compare_uses_common_random_numbers(comparison):
    seeds = [f.years.groupby("replication")["seed"].first().tolist() for f in comparison.forecasts.values()]
    assert seeds[0] == seeds[1] == [f"{SEED}:0:{r}" for r in range(REPLICATIONS)]
    assert comparison.seed == SEED
    assert comparison.target_year_intensity().shape == (REPLICATIONS, 2)


def test_plots_return_figures(comparison):
    assert isinstance(comparison.plot(), Figure)
    assert isinstance(comparison.plot(kind="cost"), Figure)
    assert isinstance(comparison.forecasts["baseline"].plot(), Figure)
    with pytest.raises(ValueError):
        comparison.plot(kind="pie")


def test_contribution_of_an_unchanged_lever_is_exactly_zero(reward, comparison):
    assert changed_levers(reward) == ["rd_reward_rate", "platforms"]
    result = contribution(reward, REPLICATIONS, SEED, levers=["rd_reward_rate", "hte_income_tax_rate"],
                          skip_unchanged=False)
    table = result.table()
    assert table.loc["hte_income_tax_rate", "drop"] == 0.0
    assert not table.loc["hte_income_tax_rate", "changed"]
    assert table.loc["rd_reward_rate", "changed"]
    own = comparison.forecasts["reward"].target_year()["rd_intensity"].median()
    assert result.median == own
    lifted = budget_lifted(reward)
    own_lifted = forecast(lifted, REPLICATIONS, SEED).target_year()["rd_intensity"].median()
    off = forecast(lifted.with_changes({"levers.rd_reward_rate": load_region().lever_value("rd_reward_rate", 2020)}),
                   REPLICATIONS, SEED).target_year()["rd_intensity"].median()
    assert table.loc["rd_reward_rate", "drop"] == pytest.approx(own_lifted - off, abs=1e-12)
    assert result.levers_sum + result.budget_cap + result.interaction == pytest.approx(result.total)
    assert not result.complete  # platforms was not computed: its effect is in the remainder
    fig = result.plot()
    bars = fig.axes[0].patches
    assert len(bars) == 3  # the one changed lever computed, the budget cap, the other levers and interactions
    with pytest.raises(ValueError, match="unknown levers"):
        contribution(reward, 1, levers=["nope"])


def test_baseline_changes_no_lever(baseline):
    assert changed_levers(baseline) == []
    assert set(LEVERS) >= set(changed_levers(load_scenario("guiding-opinions")))


@needs_cjk
def test_plot_command(comparison, tmp_path, capsys):
    folders = []
    for name, result in comparison.forecasts.items():
        folder = tmp_path / "runs" / name
        write_forecast(result, folder)
        folders.append(folder)
    assert plot_main([str(folders[0]), "--kind", "fan", "--lang", "zh"]) == 0
    assert all((folders[0] / f"fan-zh.{ext}").exists() for ext in ("png", "pdf", "svg"))
    assert plot_main([str(tmp_path / "runs"), "--kind", "compare", "--format", "png",
                      "--out", str(tmp_path / "cmp")]) == 0
    assert (tmp_path / "cmp.png").exists() and not (tmp_path / "cmp.svg").exists()
    assert plot_main([str(folders[0]), str(folders[1]), "--kind", "cost", "--format", "svg"]) == 0
    assert (tmp_path / "runs" / "cost.svg").exists()
    assert plot_main([str(tmp_path / "missing")]) == 2
    assert "no such folder" in capsys.readouterr().err
