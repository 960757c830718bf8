"""The HTE certificate's life: the base year holds the recorded stock, holders keep doing R&D and
renew at their own chance, and entrants resemble the base year's firms.

Expected values are worked out from the rules, not read off a run: the recorded stock is the sum of
the last three recognition lists (INNO 2018-2020: 861 + 1,265 + 1,423 = 3,549), a certified firm's
R&D meets its revenue class's threshold (5% / 4% / 3%), and recognition counts are binomial.
"""

from __future__ import annotations

import numpy as np
import pytest

from ecosim.data import load_region
from ecosim.model.enterprises import INDUSTRIAL, TECH_SME, Enterprises
from ecosim.model.inputs import resolve
from ecosim.model.model import EcosystemModel, random_streams
from ecosim.scenario import Scenario, load_scenario


ENOUGH_TECH_SMES = 8000
"""Technology SMEs (the catalogue's most) enough for the 2020 record: its 3,549 certificates inside the
groups' R&D and two cohorts of 1,000 places among the uncertified small performers. The calibrated
point estimate (about 6,100 at a performer share of 0.80) holds about 3,480 of the certificates and
1,600 of the places at 5 firms per agent (issue 25's note)."""


def _base_model(base_year: int, seed: int = 3) -> EcosystemModel:
    """The baseline from ``base_year`` with enough technology SMEs for the record's stock to fit inside
    the groups' R&D and its programme's two cohorts to fill the pipeline (the calibrated count may be
    smaller: see the test of a small population)."""
    scenario = load_scenario("baseline").with_changes({"base_year": base_year, "parameter_uncertainty": False})
    return EcosystemModel(resolve(scenario, {"n_tech_smes": ENOUGH_TECH_SMES}), seed)


@pytest.mark.parametrize(("base_year", "recorded", "exact"), [(2020, 861 + 1265 + 1423, True), (2011, 248, False)])
def test_the_base_year_holds_the_recorded_hte_stock_and_every_holder_meets_the_threshold(base_year, recorded, exact):
    model = _base_model(base_year)
    firms, inputs = model.enterprises, model.inputs
    certified = firms.alive & (firms.hte_until >= base_year)
    if not exact:
        # only the guard may stop short of the record: some group's certified firms then hold
        # nearly CERTIFIED_RD_CAP of its R&D (2011: the few large coal firms that meet the threshold)
        from ecosim.model.enterprises import CERTIFIED_RD_CAP

        counted = firms.surveyed()
        own_rd = firms.rd[counted].sum()
        held = [firms.rd[mask & certified & counted].sum() / (share * own_rd)
                for mask, share in firms._rd_groups(inputs.base)]
        assert max(held) > 0.8 * CERTIFIED_RD_CAP, held
        assert certified.sum() >= 0.95 * recorded
    else:
        assert certified.sum() == recorded
    need = inputs.hte.for_revenue(firms.revenue, base_year) * firms.revenue
    assert np.all(firms.rd[certified] >= need[certified] * (1 - 1e-12))
    # certificates are staggered over the three years of validity
    np.testing.assert_array_equal(np.unique(firms.hte_until[certified]), base_year + np.arange(3))


def test_certifying_the_record_keeps_the_recorded_rd_and_its_split():
    """Raising the certified firms to the threshold is paid for by the other performers: the surveyed
    firms' own and outside-paid R&D (what the record counts) still sum to the record less the
    government grants the firms perform (which arrive during the year), and above-scale industry
    keeps its recorded share."""
    model = _base_model(2020)
    firms, base = model.enterprises, model.inputs.base
    live = firms.alive
    total = firms.rd[firms.surveyed()].sum()
    assert total == pytest.approx(100.0 * (base.rd_by_performer["enterprises"] - model._grant_rd(0)), rel=1e-9)
    industrial = live & (firms.segment == 0)
    assert firms.rd[industrial].sum() / total == pytest.approx(base.industrial_rd_share, rel=1e-9)


def _hand(**changes) -> dict[str, float]:
    a = load_region().defaults()
    a.update(participation_shock_sd=1e-12, hte_bunching_window=0.0)
    a.update(changes)
    return a


def test_holders_renew_the_year_after_their_last_at_the_renewal_chance_and_newcomers_at_the_application_chance():
    n = 6000
    a = _hand(hte_application_success=0.3, hte_renewal_success=0.9, hte_cultivated_success=0.85)
    firms = Enterprises(capacity=n, region=load_region())
    firms.alive[:] = True
    firms.revenue[:] = 50.0
    firms.rd[:] = 2.5                                   # exactly 5% of 50 m yuan: all meet the threshold
    last_year, lapsed, new = np.arange(0, 2000), np.arange(2000, 4000), np.arange(4000, 6000)
    firms.hte_until[last_year] = 2021                   # certificate in its last year
    firms.hte_until[lapsed] = 2020                      # lapsed the year before
    firms.hte_until[new] = -1                           # never certified
    inputs = resolve(Scenario())
    firms.recognise_hte(a, inputs, 2021 - int(inputs.years[0]), random_streams(11, inputs.years.size)[2])
    # a holder applies again the year after its certificate's last (as the record's lists show), not in it
    assert np.all(firms.hte_until[last_year] == 2021)
    for group, chance in ((lapsed, 0.9), (new, 0.3)):
        share = (firms.hte_until[group] >= 2021).mean()
        assert abs(share - chance) < 4 * np.sqrt(chance * (1 - chance) / group.size), (share, chance)
    # renewed or new, a certificate runs three years from this one: 2021-2023
    for group in (lapsed, new):
        assert set(np.unique(firms.hte_until[group][firms.hte_until[group] >= 2021])) == {2023}


def test_holders_of_a_valid_certificate_and_in_their_renewal_year_do_rd_whatever_their_propensity():
    """A holder re-applies in the year after its certificate's last (2022 for one ending 2021), and the
    renewal judges that year's R&D: it keeps R&D then too; a certificate that ended two years before
    (2020) holds nothing."""
    a = _hand(participation_shock_sd=0.3)
    firms = Enterprises(capacity=5, region=load_region())
    firms.alive[:] = True
    firms.year = 2022
    firms.propensity[:] = -50.0                         # far below any cut-off
    firms.hte_until[:] = [2022, 2024, 2021, 2020, -1]   # valid, valid, renewal year, lapsed, never
    doing = firms._participate(a, np.zeros(5), 0.0, np.full(5, 0.5))  # no shock
    np.testing.assert_array_equal(doing, [True, True, True, False, False])


def test_entrants_take_the_desired_rd_ratio_of_a_base_year_firm_of_their_segment_and_sector():
    model = _base_model(2020, seed=5)
    firms = model.enterprises
    for _ in range(3):
        model.step()
    # incumbents are at least three years old after three steps; entrants are younger
    entrants = np.flatnonzero(firms.alive & (firms.age < 3))
    assert entrants.size > 100
    codes = firms.segment * len(firms.sectors.names) + firms.sector
    held = {int(c): set(firms.template_ratio[firms.template_start[c]:firms.template_start[c] + firms.template_count[c]])
            for c in np.unique(codes[entrants])}
    assert all(firms.intensity0[i] in held[int(codes[i])] for i in entrants)
    # the tech SMEs among them carry the intensive tail the certificates demand: some sit at 5%
    sme = entrants[firms.segment[entrants] == TECH_SME]
    assert np.isclose(firms.intensity0[sme], 0.05).any()


def test_a_population_too_small_for_the_record_certifies_what_its_groups_can_pay_for():
    """With 1,000 technology SMEs there are too few cheap candidates: the certified firms stop at 90%
    of each group's recorded (surveyed) R&D, the stock falls short of the record, and every group's
    uncertified performers keep R&D, so the recorded total still holds."""
    from ecosim.model.enterprises import CERTIFIED_RD_CAP

    scenario = load_scenario("baseline").with_changes({"parameter_uncertainty": False})
    model = EcosystemModel(resolve(scenario, {"n_tech_smes": 1000}), 3)
    firms, base = model.enterprises, model.inputs.base
    certified = firms.alive & (firms.hte_until >= 2020)
    assert 0 < certified.sum() < 3549
    own_rd = 100.0 * (base.rd_by_performer["enterprises"] - model._grant_rd(0))
    counted = firms.surveyed()
    assert firms.rd[counted].sum() == pytest.approx(own_rd, rel=1e-9)
    for mask, share in firms._rd_groups(base):
        group = mask & firms.alive
        assert firms.rd[group & certified & counted].sum() <= CERTIFIED_RD_CAP * share * own_rd * (1 + 1e-9)
        assert firms.rd[group & ~certified].sum() > 0


# --- the participation rule's steady state ----------------------------------------------------


ENTRY = {"participation_shock_sd": 0.4, "participation_persistence": 1.5, "participation_size_effect": 1.0,
         "entrant_size_ratio": 0.5, "revenue_dispersion": 1.1}


def _entrant_indices(rng: np.random.Generator, size: tuple, log_floor: float) -> np.ndarray:
    """Entrants' latent index plus the year's shock, drawn as ``Enterprises._populate`` and
    ``_participate`` draw them under ENTRY: normal propensity, size effect times the floored log
    relative revenue (median 0.5, log-sd 1.1), logistic shock of sd 0.4."""
    size_term = np.maximum(np.log(0.5) + 1.1 * rng.standard_normal(size), log_floor)
    return rng.standard_normal(size) + size_term + rng.logistic(0.0, 0.4 * np.sqrt(3.0) / np.pi, size)


@pytest.mark.parametrize("log_floor", [-np.inf, np.log(20.0 / 60.0)])
def test_an_entrants_chance_of_starting_rd_is_the_simulated_share(log_floor):
    """The quadrature against a million simulated entrants, at cut-offs from the middle to the tail."""
    from ecosim.model.enterprises import entrant_index_nodes, entrant_start_chance

    index = _entrant_indices(np.random.default_rng(7), (1_000_000,), log_floor)
    nodes = entrant_index_nodes(ENTRY, log_floor)
    for cutoff in (-1.5, 0.0, 2.5):
        share = np.mean(index > cutoff)
        assert abs(entrant_start_chance(cutoff, nodes) - share) < 4 * np.sqrt(share * (1 - share) / 1e6) + 1e-4


def test_with_only_entrants_starting_the_cutoff_is_the_normal_quantile():
    """Every performer certified and no non-performer: entrants' starts replace the exits, so their
    chance is exits / entrants. With a small shock (sd 0.01) the index is nearly normal with mean
    log 0.5 and variance 1 + 1.1**2 + 0.01**2, so the cut-off is mean - sd x ndtri(0.5 / 5)."""
    from scipy.special import ndtri

    from ecosim.model.enterprises import entrant_index_nodes, steady_cutoff

    a = dict(ENTRY, participation_shock_sd=0.01)
    propensity, doing = np.linspace(1.0, 3.0, 10), np.ones(10, dtype=bool)
    cutoff = steady_cutoff(propensity, doing, doing, np.full(10, 0.05), 5.0, entrant_index_nodes(a, -np.inf), a)
    expected = np.log(0.5) - np.sqrt(1.0 + 1.1**2 + 0.01**2) * ndtri(0.1)
    assert cutoff == pytest.approx(expected, abs=1e-3)


def test_starts_balance_stops_halfway_between_the_two_groups():
    """No entry or exit, equal groups of non-performers at index 0 and uncertified performers at
    index -1: starts expit(-c / s) equal stops expit((c + 1 - 1.5) / s) at c = (0 - 1 + 1.5) / 2."""
    from ecosim.model.enterprises import entrant_index_nodes, steady_cutoff

    propensity = np.repeat([0.0, -1.0], 50)
    doing = propensity < 0
    cutoff = steady_cutoff(propensity, doing, np.zeros(100, dtype=bool), np.zeros(100), 0.0,
                           entrant_index_nodes(ENTRY, -np.inf), ENTRY)
    assert cutoff == pytest.approx(0.25, abs=1e-8)


def test_the_base_year_cutoff_keeps_the_count_when_shocks_exits_and_entrants_are_drawn():
    """At the cut-off the count of performers holds in expectation, checked by drawing a year many
    times: which firms leave (4% each), every survivor's logistic shock (certificate holders keep R&D)
    and the entrants (120, from the whole distribution, floored) with theirs."""
    from ecosim.model.enterprises import entrant_index_nodes, steady_cutoff

    rng = np.random.default_rng(4)
    n, years, log_floor = 3000, 400, np.log(20.0 / 60.0)
    propensity = rng.normal(0.0, 1.5, n)
    doing = propensity > 1.0
    certified = doing & (rng.random(n) < 0.2)
    cutoff = steady_cutoff(propensity, doing, certified, np.full(n, 0.04), 120.0,
                           entrant_index_nodes(ENTRY, log_floor), ENTRY)
    scale = 0.4 * np.sqrt(3.0) / np.pi
    stays = rng.random((years, n)) >= 0.04
    margin = propensity - cutoff + 1.5 * doing + rng.logistic(0.0, scale, (years, n))
    kept = (stays & ((margin > 0) | certified)).sum(axis=1)
    started = (_entrant_indices(rng, (years, 120), log_floor) > cutoff).sum(axis=1)
    change = kept + started - doing.sum()
    assert abs(change.mean()) < 4 * change.std() / np.sqrt(years)
    # and the entrants matter: without them the same cut-off would let the count fall by their starts
    assert started.mean() > 8 * change.std() / np.sqrt(years)


def test_without_campaigns_the_count_of_firms_doing_rd_holds_in_expectation():
    """Policy held at the base year and no campaign pushing firms into R&D: the steady-state cut-off
    keeps the recorded count of performers (entry, exit and turnover together) within a few percent."""
    scenario = load_scenario("baseline").with_changes(
        {"parameter_uncertainty": False, "firms_per_agent": 5, "horizon": 2023,
         "levers": {"innovation_full_coverage": 0.0, "hte_cultivation_firms": 0}})
    inputs = resolve(scenario)
    counts = np.array([EcosystemModel(inputs, seed).run().set_index("year")["firms_doing_rd"] for seed in range(8)])
    base = counts[:, 0].mean()
    assert np.all(np.abs(counts[:, 1:].mean(axis=0) / base - 1.0) < 0.04), counts.mean(axis=0)


# --- the cultivation pipeline -----------------------------------------------------------------


def _pipeline_population() -> Enterprises:
    """Ten performers without certificates: revenues 10..100 and 250..650 m yuan, ratio 1%."""
    firms = Enterprises(capacity=10, region=load_region())
    firms.alive[:] = True
    firms.revenue[:] = [10.0, 20.0, 30.0, 40.0, 100.0, 250.0, 300.0, 400.0, 500.0, 650.0]
    firms.intensity[:] = firms.intensity0[:] = 0.01
    firms.rd[:] = 0.01 * firms.revenue
    return firms


def _cultivation(places: int):
    from ecosim.model.enterprises import YearPolicy

    return YearPolicy(super_deduction=0.75, super_deduction_manufacturing=0.75, hte_tax_rate=0.15,
                      reward_rate=0.0, full_coverage=0.0, soe_floor=0.0, cultivation_firms=places,
                      smart_factories=0)


def test_the_pipeline_enrols_technology_sme_sized_performers_smallest_first_and_holds_them():
    firms, inputs = _pipeline_population(), resolve(Scenario())
    doing = np.ones(10, dtype=bool)
    assert firms._cultivate(_cultivation(3), doing, inputs, 2021) == 3
    # the three smallest, each aiming at its revenue class's threshold (5% up to 50m, 4% to 200m)
    np.testing.assert_array_equal(firms.coached_ratio[:5], [0.05, 0.05, 0.05, 0.0, 0.0])
    # next year: the enrolled stay, two new ones join; firms above 200m yuan never enrol
    assert firms._cultivate(_cultivation(10), doing, inputs, 2022) == 2
    np.testing.assert_array_equal(firms.coached_ratio[:5], [0.05, 0.05, 0.05, 0.05, 0.04])
    assert np.all(firms.coached_ratio[5:] == 0.0)
    # a coached firm that is now certified graduates with the threshold as its own desired ratio;
    # one that stopped R&D drops out
    firms.hte_until[0] = 2025
    doing[1] = False
    firms._cultivate(_cultivation(0), doing, inputs, 2023)
    assert firms.intensity0[0] == 0.05 and firms.coached_ratio[0] == 0.0
    assert firms.coached_ratio[1] == 0.0 and firms.intensity0[1] == 0.01
    np.testing.assert_array_equal(firms.coached_ratio[2:5], [0.05, 0.05, 0.04])


def test_places_the_performers_cannot_fill_go_to_the_smallest_non_performers_who_start_at_the_chance():
    """Two small performers and 4,000 small non-performing technology SMEs (revenues 50.0 down to 10.01
    m yuan, the 5% threshold's class) and a smaller industrial firm, 3,002 places: the performers enrol,
    then the 3,000 smallest technology SMEs are recruited (not the industrial firm: the full-coverage
    campaign's; all take a place, whatever their propensity), and a binomial share of them at
    ``cultivation_start_chance`` starts R&D: doing, in the pipeline at the threshold, marked, and
    propensity at least the pushed firms' (so they stay while they do R&D)."""
    from ecosim.model.enterprises import PUSHED_PROPENSITY

    n, places, chance = 4002, 3002, 0.3
    firms = Enterprises(capacity=n + 1, region=load_region())
    firms.alive[:] = True
    firms.segment[:] = TECH_SME
    firms.revenue[:2] = 40.0
    firms.revenue[2:n] = np.linspace(50.0, 10.01, n - 2)  # 5% threshold class (up to 50m yuan)
    firms.rd[:2] = firms.intensity[:2] = firms.intensity0[:2] = 0.01
    firms.propensity[2:n] = np.linspace(-1.0, -40.0, n - 2)  # the smallest are the least inclined
    firms.segment[n], firms.revenue[n] = INDUSTRIAL, 5.0  # the smallest, but the campaign's to push
    inputs = resolve(Scenario(), {"cultivation_start_chance": chance})
    draws = random_streams(7, inputs.years.size)[2]
    doing = firms.rd > 0
    t = 2021 - int(inputs.years[0])
    enrolled = firms._cultivate(_cultivation(places), doing, inputs, 2021)
    assert enrolled == 2
    assert firms._recruit(places - enrolled, doing, inputs, t, draws) == 3000
    recruited, passed_over = np.arange(n - 3000, n), np.arange(2, n - 3000)
    started = firms.cultivation_started[recruited]
    assert abs(started.mean() - chance) < 4 * np.sqrt(chance * (1 - chance) / 3000), started.mean()
    assert not firms.cultivation_started[passed_over].any() and not doing[passed_over].any()
    np.testing.assert_array_equal(doing[recruited], started)
    np.testing.assert_array_equal(firms.coached_ratio[recruited], np.where(started, 0.05, 0.0))
    persistence = inputs.assumptions["participation_persistence"]
    assert np.all(firms.propensity[recruited[started]] >= PUSHED_PROPENSITY * persistence)
    assert not firms.cultivation_started[:2].any() and not firms.cultivation_started[n] and not doing[n]


def test_a_recruit_that_stops_rd_leaves_the_pipeline_and_loses_its_mark():
    firms, inputs = _pipeline_population(), resolve(Scenario())
    firms.coached_ratio[0] = 0.05
    firms.cultivation_started[0] = True
    doing = np.ones(10, dtype=bool)
    doing[0] = False
    firms._cultivate(_cultivation(0), doing, inputs, 2022)
    assert firms.coached_ratio[0] == 0.0 and not firms.cultivation_started[0]


def test_coached_firms_are_recognised_at_the_cultivated_chance():
    n = 4000
    a = _hand(hte_application_success=0.3, hte_cultivated_success=0.8)
    firms = Enterprises(capacity=n, region=load_region())
    firms.alive[:] = True
    firms.revenue[:] = 50.0
    firms.rd[:] = 2.5                                   # at the 5% threshold
    coached = np.arange(0, n, 2)
    firms.coached_ratio[coached] = 0.05
    inputs = resolve(Scenario())
    firms.recognise_hte(a, inputs, 2021 - int(inputs.years[0]), random_streams(5, inputs.years.size)[2])
    for group, chance in ((coached, 0.8), (np.arange(1, n, 2), 0.3)):
        share = (firms.hte_until[group] >= 2021).mean()
        assert abs(share - chance) < 4 * np.sqrt(chance * (1 - chance) / group.size), (share, chance)


def test_base_year_certificates_end_as_the_recorded_lists_were_issued():
    """The 2020 stock is the 2018, 2019 and 2020 lists (861, 1,265, 1,423): their certificates end in
    2020, 2021 and 2022, in those proportions (binomial tolerance)."""
    model = _base_model(2020)
    firms = model.enterprises
    ends = firms.hte_until[firms.alive & (firms.hte_until >= 2020)]
    for end, listed in zip((2020, 2021, 2022), (861, 1265, 1423)):
        p = listed / 3549
        assert abs((ends == end).mean() - p) < 4 * np.sqrt(p * (1 - p) / ends.size), (end, (ends == end).mean(), p)


def test_with_policy_held_at_2020_the_hte_stock_grows_after_the_first_renewals():
    """The 2020 programme (1,000 firms enrolled a year) held, as a forecast runs it (each replication
    with its own posterior draw): the median stock starts at the record and, once the base year's
    pipeline reaches the threshold, recognitions replace the certificates that end, so it is above
    2020's from 2022 on (the 2018 list's renewals in 2021 lose those that fail the renewal or have
    left; at the calibrated population the pipeline is short, so 2021 may dip: issue 25's note)."""
    from ecosim.explore.runs import run_replications

    scenario = load_scenario("baseline").with_changes({"firms_per_agent": 5, "horizon": 2024})
    stock = run_replications(scenario, 12).groupby("year")["high_tech_enterprises"].median()
    assert stock[2020] == pytest.approx(3549, abs=5)
    assert np.all(stock[stock.index >= 2022] > stock[2020]), stock.to_dict()


def test_the_base_year_pipeline_holds_the_year_before_s_cohort_one_year_along():
    """Three places the year before the base year: the three smallest candidates aim at their class's
    threshold, and their desired ratio has moved one year toward it (1% + speed x (5% - 1%))."""
    firms, inputs = _pipeline_population(), resolve(Scenario())
    speed = inputs.assumptions["rd_adjustment_speed"]
    candidates = np.ones(10, dtype=bool)
    candidates[1] = False                                 # e.g. certified: not a candidate
    coached = firms._carry_pipeline(3, inputs, candidates)
    np.testing.assert_array_equal(np.flatnonzero(coached), [0, 2, 3])
    np.testing.assert_array_equal(firms.coached_ratio[[0, 2, 3]], [0.05, 0.05, 0.05])
    np.testing.assert_allclose(firms.intensity0[[0, 2, 3]], 0.01 + speed * 0.04)
    assert np.all(firms.intensity0[[1, 4, 5]] == 0.01)
    assert not firms._carry_pipeline(0, inputs, candidates).any()


def _coached(model: EcosystemModel) -> int:
    firms = model.enterprises
    return int(((firms.coached_ratio > 0) & firms.alive).sum())


def test_a_run_from_the_record_starts_with_the_pipeline_a_run_of_the_record_reaches():
    """A run from 2020 starts with the pipeline that the run of the record from 2011 (the recorded
    programme: 1,000 places a year from 2017) holds at the end of 2020, within 15% (this year's
    places and about as many from the year before): without the earlier cohort it held half. Both with
    a population whose small performers can hold the two cohorts (at the calibrated count the base
    year holds about 1,600 of the 2,000 places: issue 25's note)."""
    history = load_scenario("baseline").with_changes(
        {"base_year": 2011, "parameter_uncertainty": False, "firms_per_agent": 5, "policy_start_year": 2021})
    history = history.until(2020).with_changes({"history_until": 2020})
    record = resolve(history, {"n_tech_smes": ENOUGH_TECH_SMES})
    reached = []
    for seed in range(8):
        model = EcosystemModel(record, seed)
        while model.t < record.years.size:
            model.step()
        reached.append(_coached(model))
    start = resolve(load_scenario("baseline").with_changes({"parameter_uncertainty": False, "firms_per_agent": 5}),
                    {"n_tech_smes": ENOUGH_TECH_SMES})
    started = [_coached(EcosystemModel(start, seed)) for seed in range(8)]
    assert np.mean(started) == pytest.approx(np.mean(reached), rel=0.15), (started, reached)
