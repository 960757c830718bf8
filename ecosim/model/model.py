"""EcosystemModel: the Mesa model, one step per year, and ``simulate``, a run as a pure function.

The model owns the random generator, the firm population (arrays), the institutions, funds and
government (Mesa agents) and the economy. :meth:`EcosystemModel.step` is the yearly order of
events and nothing else; each event lives in the module of the agent that acts.
"""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd

from ecosim.model.accounts import (
    M_YUAN_PER_100M,
    PERCENT,
    OUTPUT_COLUMNS,
    PERFORMERS,
    SOURCES,
    base_funding,
    funding_row,
)
from ecosim.model.draws import KeyedDraws, smallest
from ecosim.model.economy import Economy
from ecosim.model.enterprises import CORPORATE_INCOME_TAX_RATE, Enterprises, agents
from ecosim.model.funds import MANDATES, Funds
from ecosim.model.government import Government
from ecosim.model.inputs import ModelInputs, resolve
from ecosim.model.institutions import Institutions, TechnologyMarket, institution_collector, sector_affinity
from ecosim.scenario import NATIONAL_AVERAGE, Scenario

SeedLike = int | np.random.SeedSequence
EVENTS = ("economy", "participation", "coverage", "hte", "market_main", "market_next", "demonstration",
          "innovation", "factories", "growth", "exit", "entry", "defaults", *(f"screen_{fund}" for fund in MANDATES))
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
        self.enterprises = Enterprises.initial(inputs, self.government.policy(0).per_agent(self.per_agent),
                                               self.economy.coal_gap,
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
        self.rows: list[dict[str, float]] = []

    # --- the year ---------------------------------------------------------------------------

    def step(self) -> None:
        """One year: the budget's plan, the economy, finance, institutions, firms' R&D, technology
        trade, innovation, accounts, growth and turnover (in the base year the firms' R&D is the
        record's, so its R&D, recognition, trade and innovation events are skipped)."""
        t, a, firms, gov, draws = self.t, self.a, self.enterprises, self.government, self.draws
        year = int(self.inputs.years[t])
        gov.plan(t)
        policy = gov.policy(t).per_agent(self.per_agent)
        firms.year = year
        economy = self.economy
        economy.advance(t, draws.normal("economy", t, ECONOMY_SHOCKS))
        firms.apply_coal(a, economy.coal_gap, economy.planning_gap)
        venture = self._finance(t, year)
        self._fund_institutions(t, year)
        if t > 0:
            firms.decide_rd(a, policy, self.inputs, t, self._spillovers(), economy.rd_shock, draws)
            firms.recognise_hte(a, self.inputs, t, draws)
            self._trade_technology(t)
            firms.receive_grants(self.to_agents(self._grant(t)))
            firms.innovate(a, t, draws)
        self._upgrade_factories(t, policy)
        self._book_firm_levers(t, policy)
        self.rows.append(self._record(t, year, venture))
        firms.grow(a, t, economy.firm_growth(t), economy.coal_change, draws)
        firms.turnover(self.inputs, t, draws)
        self.funds.spend_venture_money(firms, a)
        self.t += 1

    def of_firms(self, m_yuan: float) -> float:
        """A sum over the firm agents (m yuan) as the region's (100m yuan): times the firms per agent."""
        return self.per_agent * float(m_yuan) / M_YUAN_PER_100M

    def to_agents(self, amount: float) -> float:
        """The region's ``amount`` (100m yuan) as a sum over the firm agents (m yuan)."""
        return amount * M_YUAN_PER_100M / self.per_agent

    def _settle_outside_money(self) -> None:
        """Start the base year in equilibrium with the outside money it already has: the investees
        hold the venture money of the last few years' deals (the steady-state stock); each
        performer's desired own R&D is what its recorded R&D leaves after the outside money it gets,
        and all performers' own R&D is scaled so that own plus outside money equals the recorded
        total (investees that did no R&D start spending theirs). Firms that do no R&D keep their desired
        ratio for when they start, scaled by the same common factor."""
        a, firms = self.a, self.enterprises
        firms.venture_funds *= a["venture_spend_years"]
        outside = np.zeros(firms.rd.size)
        outside[firms.indices()] = firms.outside_rd(a, firms.indices())
        performing = firms.rd > 0
        own = np.where(performing, np.maximum(firms.rd - outside, 0.0), 0.0)
        total = float(firms.rd.sum())
        scale = (total - float(outside.sum())) / float(own.sum())
        share = np.divide(own * scale, firms.rd, out=np.full_like(own, scale), where=performing)
        firms.own_share(share)

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

    # --- events -----------------------------------------------------------------------------

    def _finance(self, t: int, year: int) -> float:
        """Funds screen, exit, invest and lend, software firms get VAT refunds; venture money (100m yuan).
        In the base year the firms' R&D is then settled with the outside money they hold."""
        a, firms, gov = self.a, self.enterprises, self.government
        invested = self.funds.step(t, year, self._finance_scale(t), firms, a, self.draws)
        burden = max(a["software_vat_burden"] - gov.lever("software_vat_refund_threshold", t), 0.0)
        firms.refund = burden * firms.revenue * firms.software
        gov.book(t, "software_vat_refund_threshold", self.of_firms(firms.refund.sum()))
        if t == 0:
            self._settle_outside_money()
        return invested

    def _finance_scale(self, t: int) -> float:
        """Private venture money and tech credit against their volumes in the region's reference year (the
        assumptions): in proportion to enterprise R&D in the base year (the record), then growing at the trend."""
        base = self.inputs.base
        recorded_reference = self.inputs.enterprise_rd_reference
        return base.rd_by_performer["enterprises"] / recorded_reference * (1.0 + self.a["firm_revenue_growth"]) ** t

    def _lever_change(self, name: str, t: int) -> float:
        """A lever's value now minus its base-year value."""
        return self.government.lever(name, t) - self.government.lever(name, 0)

    def _fund_institutions(self, t: int, year: int) -> None:
        """Government science money (its recorded path, then a constant share of GDP, plus platforms,
        talent and open competition) and each institution's contract sales fund institutions; platforms
        and talent join their hosts."""
        a, gov = self.a, self.government
        if t > 0:
            recorded = self.inputs.government_rd.get(year)
            self.science_index = (recorded / self.inputs.base.government_rd if recorded is not None
                                  else self.science_index * np.exp(a["gdp_remainder_growth"]))
        firm_share = a["open_competition_firm_share"]
        extra = (self._lever_change("platforms", t) * a["platform_cost"] * a["platform_rd_share"] / M_YUAN_PER_100M
                 + self._lever_change("talent_recruits", t) * a["talent_cost_per_person"] / M_YUAN_PER_100M
                 + self._lever_change("open_competition_budget", t) * (1.0 - firm_share))
        self.institutions.step(a, year, self.science_index, extra, gov.lever("platforms", t),
                               self._lever_change("talent_recruits", t))
        gov.book(t, "platforms", gov.lever("platforms", t) * a["platform_cost"] / M_YUAN_PER_100M)
        gov.book(t, "talent_recruits", gov.lever("talent_recruits", t) * a["talent_cost_per_person"] / M_YUAN_PER_100M)
        gov.book(t, "open_competition_budget", gov.lever("open_competition_budget", t))

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

    def _trade_technology(self, t: int) -> None:
        """Firms buy technology in proportion to their R&D (the ratio moves to its plateau, the price
        with the reward): outside the region a fixed share, from particular local institutions through the
        market (with rationing at capacity), plus demonstration projects tying firms to institutions."""
        a, firms, gov, inst = self.a, self.enterprises, self.government, self.institutions
        reward, reward0 = gov.lever("tech_contract_reward_rate", t), gov.lever("tech_contract_reward_rate", 0)
        price = ((1.0 - reward) / (1.0 - reward0)) ** -a["tech_price_elasticity"]
        plateau = a["tech_ratio_plateau"]
        ratio = plateau + (self.tech_ratio0 - plateau) * (1.0 - a["tech_ratio_adjustment"]) ** t
        demand = ratio * price * firms.rd
        usable = self._usable_share(t)
        capacity = inst.update_capacity(usable)
        projects = agents(gov.lever("transfer_demonstration_projects", t), self.per_agent)
        performers = np.flatnonzero(firms.rd > 0)
        chosen = smallest(performers, self.draws.uniform("demonstration", t, performers), projects)
        self.market.forget(~firms.alive | (firms.age == 0))
        firms.tech_bought, inst.sales = self.market.trade(int(self.inputs.years[t]), demand, firms.sector, usable,
                                                          self._market_draws(t), capacity, chosen,
                                                          a["demonstration_project_size"])
        bought = self.of_firms(firms.tech_bought.sum())
        gov.book(t, "transfer_demonstration_projects",
                 self.of_firms(chosen.size * a["demonstration_project_size"] * a["demonstration_subsidy_share"]))
        gov.book(t, "tech_contract_reward_rate", reward * bought)
        self.local_sales, self.tech_bought_total = float(inst.sales.sum()), bought
        self.institution_records.collect(self)

    def _market_draws(self, t: int):
        """The technology market's keyed uniforms of year ``t``: ``(slots) -> draws`` for the main
        contract and for a next choice."""
        draws = self.draws
        return (lambda slots: draws.uniform("market_main", t, slots),
                lambda slots: draws.uniform("market_next", t, slots))

    def _upgrade_factories(self, t: int, policy) -> None:
        """Smart-factory grants upgrade the year's firms; the government pays the subsidy per firm."""
        upgraded = self.enterprises.upgrade_factories(policy.smart_factories, self.a["smart_factory_productivity_gain"],
                                                      t, self.draws)
        self.government.book(t, "smart_factories", self.of_firms(upgraded * self.a["smart_factory_subsidy"]))

    def _book_firm_levers(self, t: int, policy) -> None:
        """Cost of the levers that act through firms' taxes and grants this year (100m yuan)."""
        a, firms, gov = self.a, self.enterprises, self.government
        year = int(self.inputs.years[t])
        hte = firms.high_tech(firms.year) & firms.alive
        tau = firms.tax_rate(policy, year)
        deduction = firms.deduction_share * tau * firms.rd
        manufacturing = float((deduction * firms.manufacturing).sum())
        general = float(deduction.sum()) - manufacturing
        gov.book(t, "rd_super_deduction_rate", self.of_firms(general * policy.super_deduction))
        gov.book(t, "rd_super_deduction_rate_manufacturing",
                 self.of_firms(manufacturing * policy.super_deduction_manufacturing))
        profit = float((np.maximum(firms.profit, 0.0) * hte).sum())
        gov.book(t, "hte_income_tax_rate", self.of_firms((CORPORATE_INCOME_TAX_RATE - policy.hte_tax_rate) * profit))
        gov.book(t, "rd_reward_rate", self.of_firms(policy.reward_rate * firms.rd.sum()))
        gov.book(t, "innovation_full_coverage", self.of_firms(firms.pushed_count * a["full_coverage_cost_per_firm"]))
        gov.book(t, "hte_cultivation_firms", self.of_firms(firms.cultivated_count * a["cultivation_cost_per_firm"]))
        gov.book(t, "pilot_scale_bases", gov.lever("pilot_scale_bases", t) * a["pilot_base_cost"] / M_YUAN_PER_100M)
        self._book_compliance(t)

    def _book_compliance(self, t: int) -> None:
        """Compliance cost of the mandates this year (100m yuan), by the catalogue's definition
        (``ecosim.levers.COMPLIANCE_DEFINITION``): the real R&D each forces (relabelled spending is not
        spent) above what the firms it binds or pushes chose in the base year (their base-year ratio x
        this year's revenue); for the SOE floor, the real R&D it adds above the bound firms' own targets
        this year (``Enterprises.floor_rd``)."""
        firms, gov = self.enterprises, self.government
        gov.book(t, "soe_rd_floor", self.of_firms(firms.floor_rd), "compliance")
        pushed = firms.pushed & firms.alive
        gov.book(t, "innovation_full_coverage", self.of_firms(firms.rd_real[pushed].sum()), "compliance")
        coached = np.flatnonzero((firms.coached_ratio > 0) & firms.alive & (firms.rd > 0))
        chosen = firms.intensity0[coached] * firms.revenue[coached]
        forced = float(np.maximum(firms.rd_real[coached] - chosen, 0.0).sum())
        gov.book(t, "hte_cultivation_firms", self.of_firms(forced), "compliance")

    # --- the record -------------------------------------------------------------------------

    def _funding_matrix(self, t: int) -> dict[str, dict[str, float]]:
        """This year's performer x source R&D matrix (100m yuan)."""
        firms_rd = self.of_firms(self.enterprises.rd.sum())
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

    def _record(self, t: int, year: int, venture: float) -> dict[str, float]:
        """The year's row of the output table."""
        firms, economy, gov = self.enterprises, self.economy, self.government
        modelled_va = self.of_firms((firms.revenue * firms.va_ratio_of).sum())
        economy.close(t, modelled_va)
        row: dict[str, float] = {"year": year, "gdp": economy.gdp}
        row.update(funding_row(self._funding_matrix(t)))
        row["rd_intensity"] = PERCENT * row["rd_expenditure"] / economy.gdp
        row["national_rd_intensity"] = economy.national
        row["rd_intensity_gap"] = row["rd_intensity"] - economy.national
        target = economy.national if self.inputs.target_value == NATIONAL_AVERAGE else float(self.inputs.target_value)
        row["target_rd_intensity"] = target
        row["target_met"] = float(row["rd_intensity"] >= target)
        doing = firms.rd > 0
        row["firms"] = self.per_agent * len(firms)
        row["firms_doing_rd"] = self.per_agent * int(doing.sum())
        row["industrial_firms_doing_rd"] = self.per_agent * int((doing & firms.industrial_above_scale()).sum())
        row["high_tech_enterprises"] = self.per_agent * int((firms.high_tech(year) & firms.alive).sum())
        row["hte_recognised_in_year"] = self.per_agent * firms.new_hte
        row["tech_contract_value"] = self.tech_bought_total
        row["tech_contracts_local"] = self.local_sales
        row["venture_invested"] = venture
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
