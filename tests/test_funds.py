"""Funds that choose: stock-flow identity, capital constraint, screening, exits, defaults, cost.

Each expectation is worked out independently of the fund code: the cash identity is a
conservation law; the government's cost is the loss share times the defaults; the exit value and
the default chance are checked against their formulas on hand-built firms; the screening effect
is compared with what the model's own exit rule predicts for the firms each rule picked; the
default response to a coal slump with what the default-chance formula predicts for the same
borrowers and the same draws.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pandas as pd
import pytest

from ecosim.data import load_region
from ecosim.model import EcosystemModel, resolve, simulate
from ecosim.model.enterprises import Enterprises
from ecosim.model.funds import (
    FUND_RECORD,
    MANDATES,
    FirmView,
    Positions,
    TechCreditLender,
    YearContext,
    default_chance,
    exit_values,
)
from ecosim.scenario import load_scenario

SEEDS = (11, 12, 13, 14)
MONEY_TOLERANCE = 1e-9
"""100m yuan: sums of a few hundred deals in floating point."""


def scenario(horizon: int = 2030, **levers):
    """The baseline without parameter uncertainty, to ``horizon``, with lever changes."""
    changes = {"horizon": horizon, "parameter_uncertainty": False}
    changes.update({f"levers.{name}": value for name, value in levers.items()})
    return load_scenario("baseline").with_changes(changes)


@cache
def run(seed: int, screening: str = "score", horizon: int = 2030) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(yearly table, fund records) of one baseline run with every fund's screening set."""
    model = EcosystemModel(resolve(scenario(horizon)), seed)
    for fund in (model.funds.guidance, model.funds.venture, model.funds.lender):
        fund.screening = screening
    table = model.run()
    return table, model.funds.records()


# --- the records ---------------------------------------------------------------------------


def test_records_are_a_tidy_table_of_every_fund_and_year():
    table, records = run(SEEDS[0])
    assert list(records.columns) == list(FUND_RECORD)
    assert len(records) == len(MANDATES) * len(table)
    assert set(records["fund"]) == set(MANDATES)
    assert not records.duplicated(["fund", "year"]).any()
    assert sorted(records["year"].unique()) == list(table["year"])


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_cash_identity_holds_for_every_fund_and_year(seed):
    _, records = run(seed)
    expected = records["cash_start"] + records["committed"] + records["proceeds"] - records["invested"]
    assert np.allclose(records["cash_end"], expected, atol=MONEY_TOLERANCE, rtol=0)
    for _, fund in records.groupby("fund"):
        fund = fund.sort_values("year")
        # next year's cash is this year's closing cash
        assert np.allclose(fund["cash_start"].iloc[1:].to_numpy(), fund["cash_end"].iloc[:-1].to_numpy(),
                           atol=MONEY_TOLERANCE, rtol=0)
        assert fund["cash_start"].iloc[0] == 0.0


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_no_fund_invests_more_than_its_cash(seed):
    _, records = run(seed)
    available = records["cash_start"] + records["committed"] + records["proceeds"]
    assert (records["invested"] <= available + MONEY_TOLERANCE).all()
    assert (records["cash_end"] >= -MONEY_TOLERANCE).all()


def test_deals_are_whole_deals_of_the_assumed_size():
    a = load_region().defaults()
    _, records = run(SEEDS[0])
    venture = records[records["fund"] != "tech_credit"]
    lender = records[records["fund"] == "tech_credit"]
    assert np.allclose(venture["invested"], venture["deals"] * a["venture_deal_size"] / 100.0)
    assert np.allclose(lender["invested"], lender["deals"] * a["tech_credit_loan_size"] / 100.0)
    # a fund keeps less than one deal's worth of cash unless it ran out of eligible firms
    assert (venture["cash_end"] < a["venture_deal_size"] / 100.0 + MONEY_TOLERANCE).all()


def test_the_yearly_table_adds_up_the_funds():
    table, records = run(SEEDS[0])
    by_year = records.set_index(["year", "fund"])
    venture = by_year.drop(index="tech_credit", level="fund").groupby(level="year")
    lender = by_year.xs("tech_credit", level="fund")
    assert np.allclose(table["venture_invested"], venture["invested"].sum().to_numpy())
    assert np.allclose(table["venture_exits"], venture["proceeds"].sum().to_numpy())
    assert np.allclose(table["venture_write_offs"], venture["write_offs"].sum().to_numpy())
    assert np.allclose(table["tech_credit_loans"], lender["invested"].to_numpy())
    assert np.allclose(table["tech_credit_defaults"], lender["defaults"].to_numpy())


# --- the government's cost -----------------------------------------------------------------


@pytest.mark.parametrize("loss_share", [0.2, 0.6])
def test_government_pays_its_loss_share_of_the_defaults(loss_share):
    table = simulate(scenario(2026, tech_credit_loss_share=loss_share), SEEDS[0])
    policy = table["year"] >= 2021
    assert (table.loc[policy, "tech_credit_defaults"] > 0).all()
    assert np.allclose(table.loc[policy, "outlay_tech_credit_loss_share"],
                       loss_share * table.loc[policy, "tech_credit_defaults"], rtol=1e-12, atol=0)


def test_guidance_fund_commits_capital_times_one_plus_leverage():
    _, records = run(SEEDS[0])
    guidance = records[records["fund"] == "guidance_fund"]
    # baseline: 5 (100m yuan) of government capital drawing in 2 private yuan per yuan
    assert np.allclose(guidance["committed"], 5.0 * (1.0 + 2.0))


# --- outcomes flow back --------------------------------------------------------------------


def tiny_firms(revenue: list[float], age: list[int], margin: list[float] | None = None) -> Enterprises:
    """A hand-built population of live firms."""
    firms = Enterprises(len(revenue), load_region())
    firms.alive[:] = True
    firms.revenue[:] = revenue
    firms.age[:] = age
    if margin is not None:
        firms.margin[:] = margin
    return firms


def test_exit_value_follows_revenue_growth_and_write_offs_pay_nothing():
    a = load_region().defaults()
    firms = tiny_firms([200.0, 50.0, 80.0], [9, 4, 2])
    deal = Positions(year=2020, slots=np.array([0, 1, 2]), age=np.array([4, 0, 0]), amount=10.0,
                     value=np.array([100.0, 50.0, 80.0]))
    alive = deal.same_firms(firms, 2025)
    # slot 0 aged 5 years; slot 1 too (age 4 -> 0 + 5 would be 5: it is 4, so a younger entrant); slot 2 likewise
    assert alive.tolist() == [True, False, False]
    values = exit_values(deal, firms, alive, a, 5)
    trend = (1.0 + a["firm_revenue_growth"]) ** 5
    expected = 10.0 * a["venture_exit_multiple"] * (2.0 / trend) ** a["venture_exit_growth_elasticity"]
    assert values[0] == pytest.approx(expected)
    assert values[1] == 0.0 and values[2] == 0.0


def test_default_chance_is_the_rate_at_the_reference_margin_and_rises_as_margins_fall():
    a = load_region().defaults()
    reference = a["tech_credit_reference_margin"]
    sensitivity = a["tech_credit_default_margin_sensitivity"]
    chance = default_chance(np.array([reference, reference - 0.1, reference + 0.1, -10.0]), a)
    assert chance[0] == pytest.approx(a["tech_credit_default_rate"])
    assert chance[1] == pytest.approx(a["tech_credit_default_rate"] * math.exp(0.1 * sensitivity))
    assert chance[2] == pytest.approx(a["tech_credit_default_rate"] * math.exp(-0.1 * sensitivity))
    assert chance[3] == 1.0


def test_coal_slump_raises_coal_borrowers_defaults_by_what_the_default_rule_predicts():
    """The lender's loans of the base year fall due; a coal slump lowers coal-linked borrowers'
    margins by coal_margin_sensitivity x the fall of the coal gap x their coal link. With the same
    draws, the extra defaults are exactly the borrowers whose draws fall between the old and the
    new chance; their expected count is the sum of the chance differences."""
    model = EcosystemModel(resolve(scenario(2024)), SEEDS[0])
    model.step()
    a, firms = model.a, model.enterprises
    loans = model.funds.lender.positions[0]
    coal_link = firms.coal_link_of[loans.slots]
    assert (coal_link > 0).sum() >= 30, "too few coal-linked borrowers for the test"
    slump = 0.5
    margin_before = firms.margin.copy()
    outcomes = {}
    for name, shift in (("normal", 0.0), ("slump", -a["coal_margin_sensitivity"] * slump)):
        firms.margin[:] = margin_before + shift * firms.coal_link_of
        lender = TechCreditLender(model, model.funds)
        lender.positions = [Positions(loans.year, loans.slots, loans.age, loans.amount, loans.value)]
        ctx = YearContext(1, loans.year + 1, 1.0, firms, None, model.draws)
        outcomes[name] = lender.collect(ctx)[1]
    firms.margin[:] = margin_before
    chance_before = default_chance(margin_before[loans.slots], a)
    chance_after = default_chance(margin_before[loans.slots] - a["coal_margin_sensitivity"] * slump * coal_link, a)
    extra_loans = outcomes["slump"] / (loans.amount / 100.0) - outcomes["normal"] / (loans.amount / 100.0)
    expected = float((chance_after - chance_before).sum())
    spread = math.sqrt(float(((chance_after - chance_before) * (1 - (chance_after - chance_before))).sum()))
    assert extra_loans > 0
    assert abs(extra_loans - expected) <= 4.0 * spread + 1.0


def test_defaults_fall_on_borrowers_that_left():
    model = EcosystemModel(resolve(scenario(2024)), SEEDS[1])
    model.step()
    firms = model.enterprises
    loans = model.funds.lender.positions[0]
    there = loans.same_firms(firms, loans.year + 1)
    kept = Positions(loans.year, loans.slots[there], loans.age[there], loans.amount, loans.value[there])
    never = NeverDraws()  # draws that never cause a default by themselves
    lender = TechCreditLender(model, model.funds)
    lender.positions = [kept]
    assert lender.collect(YearContext(1, loans.year + 1, 1.0, firms, None, never))[1] == 0.0
    firms.alive[kept.slots] = False
    lender.positions = [kept]
    repaid, defaulted, count = lender.collect(YearContext(1, loans.year + 1, 1.0, firms, None, never))
    assert repaid == 0.0 and count == 0
    assert defaulted == pytest.approx(kept.slots.size * kept.amount / 100.0)


class NeverDraws:
    """Keyed draws whose uniforms are all 1: no borrower defaults by chance."""

    def uniform(self, event: str, t: int, slots: np.ndarray) -> np.ndarray:
        return np.ones(slots.size)


# --- screening matters ---------------------------------------------------------------------


def exit_chance_of(firms: Enterprises, slots: np.ndarray, a: dict, t: int) -> np.ndarray:
    """The model's own yearly exit chance of the firms in ``slots`` (turnover's rule, independent
    of the funds): exit rate x (typical / revenue) ** elasticity, normalised over live firms."""
    live = firms.indices()
    weight = (firms.typical_revenue(firms.segment, a, t) / np.where(firms.alive, firms.revenue, 1.0)) ** a[
        "exit_size_elasticity"]
    return np.minimum(a["firm_exit_rate"] * weight[slots] / weight[live].mean(), 1.0)


@cache
def followed(seed: int, screening: str, fund_name: str = "private_vc", years: int = 3) -> dict:
    """Deals of 2021-2023 of one fund, followed ``years`` years: deals, still there, predicted
    survival from the exit rule at the deal, R&D before the deal and after (m yuan)."""
    model = EcosystemModel(resolve(scenario(2026)), seed)
    for fund in (model.funds.guidance, model.funds.venture, model.funds.lender):
        fund.screening = screening
    fund = {f.name: f for f in (model.funds.guidance, model.funds.venture, model.funds.lender)}[fund_name]
    a = model.a
    watched, out = {}, {"deals": 0, "there": 0, "predicted": 0.0, "rd_before": 0.0, "rd_after": 0.0}
    while model.t < model.inputs.years.size:
        year, t = int(model.inputs.years[model.t]), model.t
        rd_seen = model.enterprises.rd.copy()
        model.step()
        firms = model.enterprises
        latest = fund.positions[-1] if fund.positions and fund.positions[-1].year == year else None
        if 2021 <= year <= 2023 and latest is not None:
            chance = exit_chance_of(firms, latest.slots, a, t)
            watched[year] = (latest.slots, latest.age, rd_seen[latest.slots].sum())
            # the chance of the year of the deal, from sizes after this year's growth (turnover's inputs),
            # held for the following years
            out["predicted"] += float(((1.0 - chance) ** years).sum())
        if year - years in watched:
            slots, age, before = watched.pop(year - years)
            there = firms.alive[slots] & (firms.age[slots] == age + years + 1)
            out["deals"] += slots.size
            out["there"] += int(there.sum())
            out["rd_before"] += float(before)
            out["rd_after"] += float(np.where(there, firms.rd[slots], 0.0).sum())
    model.release()
    return out


def pooled(screening: str, fund_name: str) -> dict:
    runs = [followed(seed, screening, fund_name) for seed in SEEDS]
    return {key: sum(run[key] for run in runs) for key in runs[0]}


@pytest.mark.parametrize("fund_name", ["private_vc", "tech_credit"])
def test_screening_picks_investees_that_survive_better_than_random_picks(fund_name):
    """Both mandates value size (and margin), and the exit rule makes larger firms likelier to
    stay: the survival gap the exit rule predicts for the firms each rule picked must show up,
    at least half of it, beyond the binomial noise of the counts."""
    screened, randomised = pooled("score", fund_name), pooled("random", fund_name)
    predicted_gap = screened["predicted"] / screened["deals"] - randomised["predicted"] / randomised["deals"]
    observed_gap = screened["there"] / screened["deals"] - randomised["there"] / randomised["deals"]
    assert predicted_gap > 0.01, f"the exit rule predicts too small a gap: {predicted_gap:.4f}"
    p = randomised["there"] / randomised["deals"]
    noise = math.sqrt(p * (1 - p) * (1 / screened["deals"] + 1 / randomised["deals"]))
    assert observed_gap > 0.5 * predicted_gap - 2.0 * noise, (observed_gap, predicted_gap, noise)
    assert observed_gap > 0


def test_screened_investees_do_more_rd_three_years_on_than_random_picks():
    """The private VC values R&D intensity, knowledge and size, so it picks firms doing more R&D;
    R&D persists (the ratio adjusts partly each year, revenue grows alike), so three years on the
    screened investees' R&D is at least half as far above random picks' as it was before the deal,
    and survival does not undo it."""
    screened, randomised = pooled("score", "private_vc"), pooled("random", "private_vc")
    before = screened["rd_before"] / randomised["rd_before"]
    after = screened["rd_after"] / randomised["rd_after"]
    assert before > 1.5
    assert after > 1.0 + 0.5 * (before - 1.0), (before, after)


def test_random_screening_keeps_the_mandate():
    model = EcosystemModel(resolve(scenario(2024)), SEEDS[0])
    model.funds.guidance.screening = "random"
    model.step()
    deals = model.funds.guidance.positions[0]
    still_there = deals.same_firms(model.enterprises, deals.year + 1)  # after the year's growth and turnover
    assert still_there.mean() > 0.8
    assert model.enterprises.in_cluster[deals.slots[still_there]].all()


def test_screening_rule_is_checked():
    model = EcosystemModel(resolve(scenario(2024)), SEEDS[0])
    with pytest.raises(ValueError, match="screening"):
        TechCreditLender(model, model.funds, screening="best")


def test_firm_view_takes_each_firm_once_a_year():
    firms = tiny_firms([10.0, 20.0, 30.0, 40.0], [1, 2, 3, 4])
    firms.rd[:] = 1.0
    view = FirmView(firms, load_region().defaults(), 2020)
    score = np.array([4.0, 3.0, 2.0, 1.0])
    first = view.take(2, view.pool(view.candidate), score)
    rest = view.pool(view.candidate)
    second = view.take(5, rest, score[rest])
    assert sorted(first.tolist()) == [0, 1]
    assert sorted(second.tolist()) == [2, 3]


# --- reproducibility -----------------------------------------------------------------------


def test_same_seed_same_funds():
    first = EcosystemModel(resolve(scenario(2026)), 99)
    second = EcosystemModel(resolve(scenario(2026)), 99)
    pd.testing.assert_frame_equal(first.run(), second.run())
    pd.testing.assert_frame_equal(first.funds.records(), second.funds.records())


def test_screening_rule_changes_the_picks_not_the_draws():
    """Random picks and screening rank the same firms with the same keyed noise: a firm's noise
    depends on the seed, the fund, the year and its slot only (common random numbers), so the
    noise a fund sees for a firm is the same under either rule, while the firms financed differ."""
    def run(screening: str) -> tuple[EcosystemModel, pd.DataFrame]:
        model = EcosystemModel(resolve(scenario(2026)), SEEDS[0])
        for fund in (model.funds.guidance, model.funds.venture, model.funds.lender):
            fund.screening = screening
        model.run()
        return model, model.funds.records()

    scored, scored_records = run("score")
    randomised, random_records = run("random")
    slots = np.arange(50)
    for fund in MANDATES:
        np.testing.assert_array_equal(scored.draws.normal(f"screen_{fund}", 3, slots),
                                      randomised.draws.normal(f"screen_{fund}", 3, slots))
    assert not scored_records["invested"].equals(random_records["invested"]) or \
        not scored_records["exits"].equals(random_records["exits"])


