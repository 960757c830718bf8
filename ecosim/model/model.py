"""EcosystemModel: the Mesa model, one step per year, and ``simulate``, a run as a pure function.

The model owns the random generator, the firm population (arrays), the institutions, funds and
government (Mesa agents) and the economy. :meth:`EcosystemModel.step` is the yearly order of
events and nothing else; each event is a small method that hands the work to the agent that acts
(its rules live in that agent's module) and says what happens in the base year, whose firms' R&D,
certificates, purchases and knowledge are the record's.
"""

from __future__ import annotations

import functools

import mesa
import numpy as np
import pandas as pd

from ecosim.model.accounts import (
    PERCENT,
    OUTPUT_COLUMNS,
    PERFORMERS,
    SOURCES,
    base_funding,
    funding_row,
    in_100m_yuan,
    in_m_yuan,
)
from ecosim.model.draws import KeyedDraws, smallest
from ecosim.model.economy import Economy
from ecosim.model.enterprises import MIN_GROUP_SCALE, Enterprises, agents
from ecosim.model.funds import MANDATES, Funds
from ecosim.model.government import Government
from ecosim.model.inputs import ModelInputs, resolve
from ecosim.model.institutions import Institutions, TechnologyMarket, institution_collector, sector_affinity
from ecosim.scenario import NATIONAL_AVERAGE, Scenario

SeedLike = int | np.random.SeedSequence
EVENTS = ("economy", "participation", "coverage", "hte", "market_main", "market_next", "demonstration",
          "innovation", "factories", "growth", "exit", "entry", "defaults", *(f"screen_{fund}" for fund in MANDATES),
          "cultivation")
"""The random events of a year. Each draws keyed numbers (:class:`ecosim.model.draws.KeyedDraws`): a
firm's draw in an event and year depends on the seed, the event, the year and its slot only, so two
runs with the same seed and different levers share their random numbers (common random numbers)
wherever they touch the same firms, and an event pays only for the firms it touches."""


ECONOMY_SHOCKS = np.arange(3)
"""Keys of the economy's three yearly shocks (coal price, national intensity, common R&D)."""


def random_streams(seed: SeedLike, years: int) -> tuple[np.random.Generator, np.random.Generator, KeyedDraws]:
    """The set-up generator, the institutions' field generator and the keyed draws of the years,
    derived from the seed without mutating it."""
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    setup, fields = (np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, i)))
                     for i in range(2))
    return setup, fields, KeyedDraws(root, EVENTS, years)


def after_base_year(event):
    """An event of the years after the base year: in the base year the firms' R&D, certificates,
    technology purchases and knowledge are the record's (the set-up put them there), so it does nothing."""
    @functools.wraps(event)
    def run_after_base_year(model: "EcosystemModel") -> None:
        if model.t > 0:
            event(model)
    return run_after_base_year


def base_year_only(event):
    """An event of the base year only: settling the set-up with what the base year's first events did."""
    @functools.wraps(event)
    def run_in_base_year(model: "EcosystemModel") -> None:
        if model.t == 0:
            event(model)
    return run_in_base_year


class EcosystemModel(mesa.Model):
    """A region's innovation ecosystem from a base year to a horizon, one step per year."""

    def __init__(self, inputs: ModelInputs, seed: SeedLike = 0):
        setup, fields, self.draws = random_streams(seed, inputs.years.size)
        super().__init__(rng=setup)
        self.inputs = inputs
        a = self.a = inputs.assumptions
        self.t = 0
        self.per_agent = inputs.firms_per_agent
        """Firms each firm agent stands for (the population scale): counts and money of the firm
        arrays are the agents', the accounts and records the region's."""
        self.government = Government(self, inputs)
        self.economy = Economy(inputs)
        self.funding0 = base_funding(inputs.base, a)
        firms_rd0 = inputs.base.rd_by_performer["enterprises"]
        grant0 = self._grant_rd(0)
        self.enterprises = Enterprises.initial(inputs, self.government.firm_policy, self.economy.coal_gap,
                                               self.economy.planning_gap, self.to_agents(firms_rd0 - grant0),
                                               self.rng)
        institution_funding = {s: self.funding0["government_institutes"][s] + self.funding0["higher_education"][s]
                               for s in SOURCES}
        self.science_index = 1.0
        """Government science money against the base year: the recorded government-funded R&D while
        known, then growing with the economy's nominal trend (a constant share of GDP)."""
        firms = self.enterprises
        technology_demand = np.bincount(firms.sector, weights=firms.rd, minlength=len(firms.sectors.names)) + 1e-9
        self.institutions = Institutions(self, inputs, institution_funding, self.rng, fields,
                                         technology_demand)
        self.institutions.set_base_platforms(self.government.lever("platforms", 0), a["platform_productivity_gain"])
        clusters = np.flatnonzero(firms.sectors.is_cluster)
        self.pilot_base_fields = clusters[np.argsort(-technology_demand[clusters], kind="stable")]
        """Sectors the pilot-scale bases serve: base k serves the k-th (cycling) of the cluster sectors
        ranked by base-year enterprise R&D."""
        self.funds = Funds(self)
        """The guidance fund, private VC and the tech-credit lender, stepped in that order."""
        self.performed0 = sum(inputs.base.rd_by_performer[p] for p in ("enterprises", "government_institutes",
                                                                        "higher_education"))
        """Base-year R&D of firms, institutes and universities; other performers move in proportion (100m yuan)."""
        self.firm_government0 = self.funding0["enterprises"]["government"] - self._grant(0)
        """Government money in firms' base-year R&D beyond the open-competition grants, 100m yuan."""
        self.firm_other_share = self.funding0["enterprises"]["other"] / (firms_rd0 - grant0)
        self.local_sales = self.local_sales0 = a["local_tech_share"] * inputs.base.tech_bought
        self.tech_bought_total = inputs.base.tech_bought
        self.tech_ratio0 = inputs.base.tech_bought / firms_rd0
        """Technology bought per yuan of enterprise R&D in the base year."""
        self.enterprises.tech_bought[:] = self.tech_ratio0 * self.enterprises.rd
        self.enterprises.settle_knowledge(a)
        self._open_market(int(inputs.years[0]))
        self.cluster_index0 = self.enterprises.cluster_knowledge_index(a)
        self.institution_intensity0 = self._institution_intensity()
        self.venture_invested = 0.0
        """Guidance-fund and private venture money invested this year, 100m yuan."""
        self.contracts_signed = 0.0
        """Technology contracts firms signed this year, 100m yuan (none in the base year, whose
        purchases are the record's)."""
        self.demonstration_firms = 0
        """Firm agents in a demonstration project this year."""
        self.upgraded_firms = 0
        """Firm agents upgraded by a smart-factory grant this year."""
        self.rows: list[dict[str, float]] = []

    # --- the year ---------------------------------------------------------------------------

    def step(self) -> None:
        """One year: the order of events, each a method below saying what it does and why."""
        self.government.step()
        self._advance_economy()
        self._finance()
        self._refund_software_vat()
        self._settle_outside_money()
        self._fund_institutions()
        self._decide_rd()
        self._recognise_hte()
        self._trade_technology()
        self._receive_grants()
        self._innovate()
        self._upgrade_factories()
        self._book_costs()
        self._record_year()
        self._grow()
        self._turnover()
        self._spend_venture_money()
        self.t += 1

    def of_firms(self, m_yuan: float) -> float:
        """A sum over the firm agents (m yuan) as the region's (100m yuan): times the firms per agent."""
        return in_100m_yuan(self.per_agent * float(m_yuan))

    def to_agents(self, amount: float) -> float:
        """The region's ``amount`` (100m yuan) as a sum over the firm agents (m yuan)."""
        return in_m_yuan(amount) / self.per_agent

    def run(self) -> pd.DataFrame:
        """Step from the base year to the horizon and return the yearly table."""
        while self.t < self.inputs.years.size:
            self.step()
        self.release()
        return self.results()

    def release(self) -> None:
        """Let the model be garbage-collected: mesa.Agent keeps a class-level id counter per model
        (``Agent._ids`` in mesa 3.x), which otherwise holds every model ever made."""
        ids = getattr(mesa.Agent, "_ids", None)
        if isinstance(ids, dict):
            ids.pop(self, None)

    def results(self) -> pd.DataFrame:
        """The yearly table so far: one row per year, columns as in ``OUTPUT_COLUMNS``."""
        return pd.DataFrame(self.rows, columns=list(OUTPUT_COLUMNS))

    @property
    def year(self) -> int:
        """The calendar year of the year index ``t``."""
        return int(self.inputs.years[self.t])

    # --- events -----------------------------------------------------------------------------

    def _advance_economy(self) -> None:
        """The economy moves to this year (coal price, national intensity, common R&D shock, drawn
        whatever is recorded) and the coal price sets coal-linked firms' margins."""
        t, firms, economy = self.t, self.enterprises, self.economy
        firms.year = self.year
        economy.advance(t, self.draws.normal("economy", t, ECONOMY_SHOCKS))
        firms.apply_coal(self.a, economy.coal_gap, economy.planning_gap)

    def _finance(self) -> None:
        """Funds screen, exit, invest and lend (``Funds.step``); keeps the venture money invested (100m yuan)."""
        t = self.t
        self.venture_invested = self.funds.step(t, self.year, self._finance_scale(t), self.enterprises, self.a,
                                                self.draws)

    def _refund_software_vat(self) -> None:
        """Software firms get back the VAT they pay beyond the lever's threshold (share of revenue)."""
        burden = max(self.a["software_vat_burden"] - self.government.lever("software_vat_refund_threshold", self.t),
                     0.0)
        self.enterprises.refund_software_vat(burden)

    @base_year_only
    def _settle_outside_money(self) -> None:
        """Start the base year in equilibrium with the outside money it already has: the investees
        hold the venture money of the last few years' deals (the steady-state stock); each
        performer's desired own R&D is what its recorded R&D leaves after the outside money it gets.
        Among the surveyed firms (``Enterprises.surveyed``, whose total is the record's) own R&D is
        scaled so that own plus outside money equals the record (investees that did no R&D start
        spending theirs), and firms that do no R&D keep their desired ratio for when they start,
        scaled by the same common factor. The others (small technology SMEs, outside the record)
        keep what their own R&D leaves, at least ``MIN_GROUP_SCALE`` of it: nothing to hold them to,
        and a firm whose outside money pays all its R&D still has a ratio of its own to go back to.
        Runs after the base year's finance and refunds, which set the outside money."""
        a, firms = self.a, self.enterprises
        self.funds.settle_venture_stock(firms, a)
        outside = np.zeros(firms.rd.size)
        outside[firms.indices()] = firms.outside_rd(a, firms.indices())
        performing = firms.rd > 0
        own = np.where(performing, np.maximum(firms.rd - outside, 0.0), 0.0)
        counted = firms.surveyed()
        kept = float(own[counted].sum())
        scale = (float(firms.rd[counted].sum()) - float(outside[counted].sum())) / kept
        share = np.divide(own * scale, firms.rd, out=np.full_like(own, scale), where=performing)
        alone = np.divide(own, firms.rd, out=np.ones_like(own), where=performing)
        share[~counted] = np.maximum(alone[~counted], MIN_GROUP_SCALE)
        firms.own_share(share)

    def _fund_institutions(self) -> None:
        """Government science money (its recorded path, then a constant share of GDP, plus platforms,
        talent and open competition) and each institution's contract sales fund institutions; platforms
        and talent join their hosts. The base year's science money is the record's (index 1)."""
        t, a, gov = self.t, self.a, self.government
        if t > 0:
            recorded = self.inputs.government_rd.get(self.year)
            self.science_index = (recorded / self.inputs.base.government_rd if recorded is not None
                                  else self.science_index * np.exp(a["gdp_remainder_growth"]))
        firm_share = a["open_competition_firm_share"]
        extra = (in_100m_yuan(self._lever_change("platforms", t) * a["platform_cost"] * a["platform_rd_share"])
                 + in_100m_yuan(self._lever_change("talent_recruits", t) * a["talent_cost_per_person"])
                 + self._lever_change("open_competition_budget", t) * (1.0 - firm_share))
        self.institutions.step(a, self.year, self.science_index, extra, gov.lever("platforms", t),
                               self._lever_change("talent_recruits", t))

    @after_base_year
    def _decide_rd(self) -> None:
        """Firms decide whether to do R&D and how much (``Enterprises.decide_rd``), given the
        spill-overs of their clusters and of the institutions and the common R&D shock."""
        t = self.t
        self.enterprises.decide_rd(self.a, self.government.firm_policy, self.inputs, t, self._spillovers(),
                                   self.economy.rd_shock, self.draws)

    @after_base_year
    def _recognise_hte(self) -> None:
        """Firms meeting the HTE threshold may be recognised (``Enterprises.recognise_hte``)."""
        self.enterprises.recognise_hte(self.a, self.inputs, self.t, self.draws)

    @after_base_year
    def _trade_technology(self) -> None:
        """Firms buy technology in proportion to their R&D (the ratio moves to its plateau, the price
        with the reward): outside the region a fixed share, from particular local institutions through the
        market (with rationing at capacity), plus demonstration projects tying firms to institutions."""
        t, a, firms, gov, inst = self.t, self.a, self.enterprises, self.government, self.institutions
        reward, reward0 = gov.lever("tech_contract_reward_rate", t), gov.lever("tech_contract_reward_rate", 0)
        price = ((1.0 - reward) / (1.0 - reward0)) ** -a["tech_price_elasticity"]
        plateau = a["tech_ratio_plateau"]
        ratio = plateau + (self.tech_ratio0 - plateau) * (1.0 - a["tech_ratio_adjustment"]) ** t
        demand = ratio * price * firms.rd
        usable = self._usable_share(t)
        capacity = inst.update_capacity(usable)
        chosen = self._demonstration_firms(t)
        self.market.forget(~firms.alive | (firms.age == 0))
        firms.tech_bought, inst.sales = self.market.trade(self.year, demand, firms.sector, usable,
                                                          self._market_draws(t), capacity, chosen,
                                                          a["demonstration_project_size"])
        bought = self.of_firms(firms.tech_bought.sum())
        self.demonstration_firms = int(chosen.size)
        self.local_sales, self.tech_bought_total = float(inst.sales.sum()), bought
        self.contracts_signed = bought
        self.institution_records.collect(self)

    @after_base_year
    def _receive_grants(self) -> None:
        """Open-competition grants reach the cluster firms doing R&D (``Enterprises.receive_grants``)."""
        self.enterprises.receive_grants(self.to_agents(self._grant(self.t)))

    @after_base_year
    def _innovate(self) -> None:
        """Knowledge accumulates and innovations raise revenue (``Enterprises.innovate``)."""
        self.enterprises.innovate(self.a, self.t, self.draws)

    def _upgrade_factories(self) -> None:
        """Smart-factory grants upgrade the year's firms (``Enterprises.upgrade_factories``)."""
        self.upgraded_firms = self.enterprises.upgrade_factories(
            self.government.firm_policy.smart_factories, self.a["smart_factory_productivity_gain"], self.t, self.draws)

    def _book_costs(self) -> None:
        """The government books every lever's cost of the year by its rule (``government.COST_RULES``),
        at the year's end, before the record."""
        self.government.book_costs(self.t, self.government.firm_policy)

    def _record_year(self) -> None:
        """The year's row of the output table (closes this year's GDP)."""
        self.rows.append(self._record(self.t, self.year))

    def _grow(self) -> None:
        """Revenue grows to next year's (``Enterprises.grow``)."""
        t, economy = self.t, self.economy
        self.enterprises.grow(self.a, t, economy.firm_growth(t), economy.coal_change, self.draws)

    def _turnover(self) -> None:
        """Firms exit and enter at the year's end (``Enterprises.turnover``)."""
        self.enterprises.turnover(self.inputs, self.t, self.draws)

    def _spend_venture_money(self) -> None:
        """Investees spend part of the venture money they hold (``Funds.spend_venture_money``)."""
        self.funds.spend_venture_money(self.enterprises, self.a)

    # --- what the set-up and the events read and use ----------------------------------------

    def _finance_scale(self, t: int) -> float:
        """Private venture money and tech credit against their volumes in the region's reference year (the
        assumptions): in proportion to enterprise R&D in the base year (the record), then growing at the trend."""
        base = self.inputs.base
        recorded_reference = self.inputs.enterprise_rd_reference
        return base.rd_by_performer["enterprises"] / recorded_reference * (1.0 + self.a["firm_revenue_growth"]) ** t

    def _lever_change(self, name: str, t: int) -> float:
        """A lever's value now minus its base-year value."""
        return self.government.lever(name, t) - self.government.lever(name, 0)

    def _institution_intensity(self) -> float:
        """Institutions' knowledge per yuan of the modelled firms' revenue (a stationary ratio)."""
        return float(self.institutions.knowledge.sum()) / float(self.enterprises.revenue.sum())

    def _spillovers(self) -> np.ndarray:
        """Each sector's spill-over term (log points): its cluster's knowledge intensity and the
        institutions' knowledge per yuan of firms' revenue, both against the base year's."""
        a = self.a
        cluster = self.enterprises.cluster_knowledge_index(a) - self.cluster_index0
        institutions = np.log(self._institution_intensity() / self.institution_intensity0)
        return a["spillover_strength"] * cluster + a["institution_spillover_strength"] * institutions

    def _usable_share(self, t: int) -> np.ndarray:
        """Share of each institution's technology firms can use: raised, in the field a pilot-scale base
        serves, by each base serving it; at most 1."""
        a = self.a
        bases = int(self.government.lever("pilot_scale_bases", t))
        fields = self.pilot_base_fields
        serving = np.zeros(len(self.enterprises.sectors.names))
        if fields.size:
            serving[fields] = bases // fields.size
            serving[fields[: bases % fields.size]] += 1.0
        gain = 1.0 + a["pilot_base_usable_gain"] * serving[self.institutions.field]
        return np.minimum(a["usable_tech_share"] * gain, 1.0)

    def _open_market(self, year: int) -> None:
        """The base-year technology market: firms' demand is their base-year purchases; the outside
        option and the institutions' capacities are set so that local contracts equal the data's
        ``local_tech_share`` of purchases and no buyer is rationed (the base year in equilibrium)."""
        a, firms, inst = self.a, self.enterprises, self.institutions
        sectors = firms.sectors
        affinity = sector_affinity(sectors.is_cluster, sectors.is_manufacturing, sectors.is_software, sectors.is_coal,
                                   a["market_related_field_closeness"])
        self.market = TechnologyMarket(inst, a, affinity, firms.rd.size, self.per_agent)
        usable = self._usable_share(0)
        demand = firms.tech_bought.copy()
        self.market.calibrate(demand, firms.sector, usable, self.to_agents(self.local_sales0))
        unlimited = np.full(inst.kind.size, np.inf)
        _, sales = self.market.trade(year, demand, firms.sector, usable, self._market_draws(0),
                                     unlimited, np.zeros(0, dtype=np.int64), 0.0)
        inst.sales0, inst.sales = sales.copy(), sales
        expected = self.market.expected_sales(demand, firms.sector, usable)
        inst.calibrate_capacity(np.maximum(sales, expected), usable, a["market_spare_capacity"])
        self.contracts = self.market.contracts
        """The contracts of each year so far: a sequence of numpy record arrays (``institutions.ContractBook``)."""
        self.institution_records = institution_collector()
        """Every institution's yearly row (``institutions.institution_table`` makes it a DataFrame)."""
        self.institution_records.collect(self)

    def _demonstration_firms(self, t: int) -> np.ndarray:
        """Slots of the performers in the year's demonstration projects, one project each, picked by
        their keyed draws (drawn only in a year with projects)."""
        projects = agents(self.government.lever("transfer_demonstration_projects", t), self.per_agent)
        performers = np.flatnonzero(self.enterprises.rd > 0)
        if projects <= 0:
            return performers[:0]
        return smallest(performers, self.draws.uniform("demonstration", t, performers), projects)

    def _market_draws(self, t: int):
        """The technology market's keyed uniforms of year ``t``: ``(slots) -> draws`` for the main
        contract and for a next choice."""
        draws = self.draws
        return (lambda slots: draws.uniform("market_main", t, slots),
                lambda slots: draws.uniform("market_next", t, slots))

    # --- the record -------------------------------------------------------------------------

    def _funding_matrix(self, t: int, firms_rd: float) -> dict[str, dict[str, float]]:
        """This year's performer x source R&D matrix (100m yuan), given the surveyed firms' R&D
        ``firms_rd`` (100m yuan: the statistics' enterprise R&D, ``Enterprises.surveyed``)."""
        grant = self._grant(t)
        added = self._grant_rd(t)
        government = min(self.firm_government0 * self.science_index, (1.0 - self.firm_other_share) * firms_rd) + grant
        other = self.firm_other_share * firms_rd
        matrix = {"enterprises": {"government": government, "enterprises": firms_rd + added - government - other,
                                  "other": other}}
        uni, inst = self.institutions.rd_by_kind()
        total_institutions = uni + inst
        for name, share in (("higher_education", uni), ("government_institutes", inst)):
            matrix[name] = {s: v * share / total_institutions for s, v in self.institutions.rd_by_source.items()}
        scale = (firms_rd + added + total_institutions) / self.performed0
        matrix["other"] = {s: v * scale for s, v in self.funding0["other"].items()}
        return matrix

    def _grant(self, t: int) -> float:
        """Open-competition money paid to firm-led projects this year (100m yuan)."""
        return self.government.lever("open_competition_budget", t) * self.a["open_competition_firm_share"]

    def _grant_rd(self, t: int) -> float:
        """Enterprise R&D that open-competition grants add (100m yuan): less than their value, as firms
        cut their own money (crowding-out)."""
        return self._grant(t) * (1.0 - self.a["grant_crowding_out"])

    def _record(self, t: int, year: int) -> dict[str, float]:
        """The year's row of the output table."""
        firms, economy, gov = self.enterprises, self.economy, self.government
        totals = firms.year_totals(year)
        modelled_va = self.of_firms(totals.value_added)
        economy.close(t, modelled_va)
        row: dict[str, float] = {"year": year, "gdp": economy.gdp}
        row.update(funding_row(self._funding_matrix(t, self.of_firms(totals.surveyed_rd))))
        row["rd_intensity"] = PERCENT * row["rd_expenditure"] / economy.gdp
        row["national_rd_intensity"] = economy.national
        row["rd_intensity_gap"] = row["rd_intensity"] - economy.national
        target = economy.national if self.inputs.target_value == NATIONAL_AVERAGE else float(self.inputs.target_value)
        row["target_rd_intensity"] = target
        row["target_met"] = float(row["rd_intensity"] >= target)
        row["firms"] = self.per_agent * totals.firms
        row["firms_doing_rd"] = self.per_agent * totals.doing_rd
        row["industrial_firms_doing_rd"] = self.per_agent * totals.industrial_doing_rd
        row["industrial_rd"] = self.of_firms(totals.industrial_rd)
        row["rd_outside_survey"] = self.of_firms(totals.outside_survey_rd)
        row["high_tech_enterprises"] = self.per_agent * totals.high_tech
        row["hte_recognised_in_year"] = self.per_agent * firms.new_hte
        row["tech_contract_value"] = self.tech_bought_total
        row["tech_contracts_local"] = self.local_sales
        row["venture_invested"] = self.venture_invested
        row.update(self.funds.output_row())
        row["modelled_value_added"] = modelled_va
        row["coal_price_gap"] = economy.coal_gap
        for kind, costs in gov.costs.items():
            for name, cost in costs.items():
                row[f"{kind}_{name}"] = float(cost[t])
            row[f"{kind}_total"] = gov.total(kind, t)
        row["government_cost"] = gov.spending(t)
        row["social_cost"] = row["government_cost"] + row["compliance_total"]
        row["budget"] = float(gov.budget[t])
        row["budget_headroom"] = float(gov.headroom[t])
        row["budget_requested"] = float(gov.requested[t])
        row["budget_shortfall"] = gov.shortfall_amount(t)
        row["budget_funded_share"] = float(gov.funded_share[t])
        row["budget_binding"] = float(gov.binding(t))
        row.update({f"funded_{name}": gov.lever(name, t) for name in gov.funded})
        return row


def simulate(scenario: Scenario | ModelInputs, seed: SeedLike | None = None,
             assumptions: dict[str, float] | None = None) -> pd.DataFrame:
    """One run: (scenario, assumption values, seed) -> the yearly table. Pure: same inputs, same numbers.

    ``seed`` defaults to the scenario's seed; ``assumptions`` override the scenario's values.
    """
    if isinstance(scenario, Scenario):
        inputs = resolve(scenario, assumptions)
        seed = scenario.seed if seed is None else seed
    else:
        inputs = scenario
    return EcosystemModel(inputs, 0 if seed is None else seed).run()


__all__ = ["EcosystemModel", "simulate", "OUTPUT_COLUMNS", "PERFORMERS", "SOURCES"]
