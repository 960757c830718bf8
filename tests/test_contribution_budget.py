"""The contribution decomposition with the S&T budget cap as its own term: the terms add up to the
mix's total in every replication, a budget that never binds contributes exactly zero, and on the
funded value of an outlay lever every term follows from the budget's scale rule."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from ecosim.analysis.contribution import BUDGET_CAP, INTERACTIONS, TOTAL, budget_lifted, lever_off  # noqa: E402
from ecosim.api.contribution import contribution  # noqa: E402
from ecosim.charts.contribution import TERM_LABELS  # noqa: E402
from ecosim.charts.fonts import INSTALL_HELP, has_cjk_font  # noqa: E402
from ecosim.cli import main  # noqa: E402
from ecosim.explore.runs import run_replications  # noqa: E402
from ecosim.scenario import load_scenario  # noqa: E402

REPLICATIONS = 4
SEED = 5
REWARD_RATE = 0.2
"""The two-outlay mix's reward rate (share of R&D expense; the record's 2020 rate is 0.02)."""
needs_cjk = pytest.mark.skipif(not has_cjk_font(), reason=INSTALL_HELP.splitlines()[0] + " (see ecosim.charts.fonts)")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def two_outlays():
    """Two outlay levers raised far beyond the budget's headroom (the cap binds), to 2022."""
    return load_scenario("baseline").with_changes(
        {"name": "two-outlays", "horizon": 2022, "target": {"year": 2022},
         "levers": {"rd_reward_rate": REWARD_RATE, "platforms": 80}})


@pytest.fixture(scope="module")
def capped(two_outlays):
    return contribution(two_outlays, REPLICATIONS, SEED, progress=False)


def _target_year(scenario, column="rd_intensity") -> np.ndarray:
    """The target-year value of ``column`` in each replication, run on its own (not by the decomposition)."""
    years = run_replications(scenario, REPLICATIONS, SEED)
    return years[years["year"] == scenario.target.year].sort_values("replication")[column].to_numpy()


def test_terms_add_up_to_the_mix_total_in_every_replication(two_outlays, capped):
    assert capped.budget_binding_share == 1.0  # the cap binds, so the budget term is not trivially zero
    terms = capped.terms()
    assert list(terms.columns) == ["rd_reward_rate", "platforms", BUDGET_CAP, INTERACTIONS, TOTAL]
    parts = terms.drop(columns=TOTAL).sum(axis=1)
    np.testing.assert_allclose(parts, terms[TOTAL], rtol=0, atol=1e-12)
    mix, all_off = _target_year(two_outlays), _target_year(lever_off(two_outlays, ["rd_reward_rate", "platforms"]))
    np.testing.assert_allclose(terms[TOTAL], mix - all_off, rtol=0, atol=1e-12)
    lifted = _target_year(two_outlays.with_changes({"budget": {"shortfall": "none"}}))
    np.testing.assert_allclose(terms[BUDGET_CAP], mix - lifted, rtol=0, atol=1e-12)
    assert (terms[BUDGET_CAP] != 0).all()
    table = capped.table()
    parts = table[table["kind"] != "total"]
    assert parts["drop_mean"].sum() == pytest.approx(table.loc[TOTAL, "drop_mean"], abs=1e-12)
    assert parts["drop"].sum() == pytest.approx(table.loc[TOTAL, "drop"], abs=1e-12)
    assert capped.levers_sum + capped.budget_cap + capped.interaction == pytest.approx(capped.total, abs=1e-12)
    assert table.loc[BUDGET_CAP, "kind"] == "budget" and "budget cap" in table.loc[BUDGET_CAP, "explanation"]
    assert "not the sum of their separate effects" in table.loc[INTERACTIONS, "explanation"]


def test_a_budget_that_never_binds_contributes_exactly_zero(two_outlays, capped):
    generous = two_outlays.with_changes({"name": "two-outlays-generous", "budget": {"share_of_gdp": 2.0}})
    result = contribution(generous, REPLICATIONS, SEED, progress=False)
    assert result.budget_binding_share == 0.0 and result.funded_share_median == 1.0
    assert (result.terms()[BUDGET_CAP].abs() <= 1e-15).all()
    assert result.budget_cap == 0.0 and result.table().loc[BUDGET_CAP, "drop"] == 0.0
    # the levers' own effects do not depend on the budget: the same as under the binding cap
    own = ["rd_reward_rate", "platforms"]
    np.testing.assert_allclose(result.terms()[own], capped.terms()[own], rtol=0, atol=1e-12)


def test_on_an_outlay_levers_funded_value_each_term_follows_from_the_scale_rule(two_outlays):
    """With shortfall = "scale" the budget funds the same share s of every requested increase, so the
    reward rate is funded at base + s x (0.2 - base): its own term is the scheduled increase, the other
    outlay lever's own term is zero (with every outlay funded nothing is shared), the budget cap is
    -(1 - s) x the increase (never positive, negative when the cap binds) and nothing is left to
    interactions."""
    result = contribution(two_outlays, REPLICATIONS, SEED, progress=False, output="funded_rd_reward_rate")
    base = two_outlays.region.lever_value("rd_reward_rate", two_outlays.base_year)
    increase = REWARD_RATE - base
    terms = result.terms()
    np.testing.assert_allclose(terms["rd_reward_rate"], increase, rtol=0, atol=1e-12)
    np.testing.assert_allclose(terms["platforms"], 0.0, rtol=0, atol=1e-12)
    funded_share = _target_year(two_outlays, "budget_funded_share")
    assert (funded_share < 1).all()
    np.testing.assert_allclose(terms[BUDGET_CAP], -(1 - funded_share) * increase, rtol=0, atol=1e-12)
    assert (terms[BUDGET_CAP] < 0).all()
    np.testing.assert_allclose(terms[INTERACTIONS], 0.0, rtol=0, atol=1e-12)
    assert result.table().attrs["units"]["drop"] == "share of R&D expense (difference)"


def test_lifting_the_budget_keeps_its_path_and_drops_a_priority_order():
    priority = load_scenario("guiding-opinions").with_changes(
        {"budget": {"shortfall": "priority", "priority": ["platforms"], "growth": 0.05}})
    lifted = budget_lifted(priority)
    assert lifted.budget.shortfall == "none" and lifted.budget.priority == ()
    assert lifted.budget.growth == 0.05 and lifted.levers == priority.levers


def test_the_command_names_each_terms_cause_with_figures(tmp_path, capsys):
    out = tmp_path / "con"
    assert main(["contribution", "baseline", "--set", f"levers.rd_reward_rate={REWARD_RATE}",
                 "--set", "levers.platforms=80", "--set", "horizon=2022", "--set", "target.year=2022",
                 "--replications", str(REPLICATIONS), "--seed", str(SEED), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    table = pd.read_csv(out / "contribution.csv", index_col="term")
    assert list(table.index[-3:]) == [BUDGET_CAP, INTERACTIONS, TOTAL]
    assert table["explanation"].notna().all()
    budget = table.loc[BUDGET_CAP, "drop_mean"]
    assert f"Budget cap {budget:+.3f} pp: the mix as written minus the same mix with every outlay funded" in printed
    assert "binds in 100% of replications" in printed
    interactions = table.loc[INTERACTIONS, "drop_mean"]
    assert f"Interactions {interactions:+.3f} pp: effects of levers together that are not the sum" in printed
    assert "a fund's money and its leverage" in printed


def _bar_labels(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[0].get_yticklabels()]


def _outside(fig) -> list[str]:
    """Texts the figure draws that reach outside it (by more than a pixel)."""
    drawn = []
    original = Text.draw

    def record(self, renderer):
        original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn.append((self.get_text(), self.get_window_extent(renderer)))

    Text.draw = record
    try:
        fig.canvas.draw()
    finally:
        Text.draw = original
    page = fig.bbox
    return [text for text, box in drawn if box.x0 < page.x0 - 1 or box.x1 > page.x1 + 1
            or box.y0 < page.y0 - 1 or box.y1 > page.y1 + 1]


@pytest.mark.parametrize("lang", ["en", pytest.param("zh", marks=needs_cjk)])
def test_the_chart_draws_the_budget_cap_as_its_own_bar(capped, lang):
    fig = capped.plot(lang)
    labels = _bar_labels(fig)
    assert labels[-2] == TERM_LABELS[lang]["budget_cap"]
    bars = fig.axes[0].patches
    assert len(bars) == 4  # two levers, the budget cap, interactions
    assert bars[-2].get_width() == pytest.approx(capped.budget_cap)
    assert bars[-1].get_width() == pytest.approx(capped.interaction)
    assert not _outside(fig)


def test_chart_labels_exist_in_both_languages():
    assert set(TERM_LABELS["en"]) == set(TERM_LABELS["zh"])
