"""The region's government: the policy schedule, the S&T budget that limits its outlays, and the
yearly cost of each lever by kind (outlay, revenue forgone, compliance).

The budget is the region's general-budget expenditure on science and technology (FIN, recorded
to the last history year), then a constant share of GDP (or a growth rate) as the scenario's
``[budget]`` says. The base year's programmes are inside its recorded budget; from the policy start
year on, what the **outlay** levers would spend beyond their base-year cost must fit in the
budget's growth since the base year (its headroom). Each year, before any lever acts, the
government plans with last year's quantities (the catalogue's ``outlay_per_unit``): when the mix
asks for more than the headroom it funds every increase by one factor (``scale``) or in priority
order (``priority``): the government's :meth:`Government.step` (the first event of every year)
plans it, and :meth:`Government.lever` returns the funded value, so the rest of the model sees only
what is paid for. Tax expenditures (revenue forgone) and mandates are not limited by the S&T budget.
While the budget does not bind, every lever is exactly its schedule.

The yearly cost of each lever is counted by one rule per lever and kind (:data:`COST_RULES`, named
after the lever catalogue's entries, ``ecosim.levers.LEVERS``, whose ``cost_rule`` describes it), all
booked in one event of the year (:meth:`Government.book_costs`).
"""

from __future__ import annotations

import functools
import math

import mesa
import numpy as np

from ecosim.levers import COST_KINDS, LEVERS, OUTLAY_LEVERS
from ecosim.model.accounts import M_YUAN_PER_100M, PERCENT, in_100m_yuan, in_m_yuan
from ecosim.model.enterprises import CORPORATE_INCOME_TAX_RATE, YearPolicy
from ecosim.model.inputs import ModelInputs

BUDGET_SHARE_YEARS = 1
"""The S&T budget's share of GDP after its record is the share of the last this many recorded years:
the last year's (in the built-in record 0.376% of GDP in 2020), so the path continues from the recorded
level and grows with GDP. There a mean of 2018-2020 (0.356%: 0.353, 0.339, 0.376) would start the path
below the 2020 record and leave no headroom at all in 2021, cutting every programme's increase that
year for a reason in the averaging, not in the budget."""


def recorded_budget_share(budget: dict[int, float], gdp: dict[int, float], years: int = BUDGET_SHARE_YEARS) -> float:
    """Mean S&T budget / GDP of the last ``years`` years recorded in both, percent of GDP."""
    known = sorted(y for y in budget if y in gdp)[-years:]
    if not known:
        raise ValueError("no year has both a recorded S&T budget and GDP")
    return float(np.mean([PERCENT * budget[y] / gdp[y] for y in known]))


def budget_share_of_gdp(inputs: ModelInputs) -> float | None:
    """The S&T budget's share of GDP after its record, percent: the scenario's ``[budget] share_of_gdp``,
    else (when no growth rate is given either) the recorded share; None when it grows at a rate instead."""
    rule = inputs.budget
    if rule.share_of_gdp is not None or rule.growth is not None:
        return rule.share_of_gdp
    return recorded_budget_share(inputs.budget_history or {}, inputs.gdp_history)


def fund_increases(requests: dict[str, float], available: float, shortfall: str,
                   priority: tuple[str, ...]) -> dict[str, float]:
    """The funded share (0-1) of each requested increase (100m yuan) given the money ``available``.

    ``scale``: every increase gets the same share, available / total asked. ``priority``: the
    increases are paid in full in the order of ``priority`` until the money runs out; the lever at
    which it runs out gets what is left, the rest nothing.
    """
    total = sum(requests.values())
    available = max(available, 0.0)
    if total <= available or shortfall == "none":
        return {name: 1.0 for name in requests}
    if shortfall == "scale":
        return {name: available / total for name in requests}
    shares, left = {}, available
    for name in sorted(requests, key=priority.index):
        ask = requests[name]
        shares[name] = min(left / ask, 1.0)
        left = max(left - ask, 0.0)
    return shares


class Government(mesa.Agent):
    """One agent: each lever's scheduled and funded value by year, the S&T budget, and the cost of
    each lever in each year by kind (100m yuan)."""

    def __init__(self, model: mesa.Model, inputs: ModelInputs):
        super().__init__(model)
        self.inputs = inputs
        self.schedule = inputs.levers
        n = inputs.years.size
        self.costs = {kind: {name: np.zeros(n) for name, lever in LEVERS.items() if kind in lever.cost_kinds}
                      for kind in COST_KINDS}
        """Cost of each lever by kind and simulated year, 100m yuan: outlay, revenue forgone, compliance."""
        self.funded = {name: np.array(self.schedule[name], dtype=float) for name in OUTLAY_LEVERS}
        """Each outlay lever's value as funded by the budget (its schedule in a year not yet planned,
        and while the budget does not bind)."""
        self.values = {**self.schedule, **self.funded}
        """Each lever's value by year as the model sees it: the funded value of outlay levers, the
        schedule of the others."""
        self.budget = np.zeros(n)
        """The S&T budget of each year, 100m yuan."""
        self.headroom = np.zeros(n)
        """Budget growth since the base year available to outlays beyond their base-year cost, 100m yuan."""
        self.requested = np.zeros(n)
        """Outlay the mix asks for beyond the levers' base-year cost, at last year's quantities, 100m yuan."""
        self.funded_share = np.ones(n)
        """Share of the requested increases that is funded."""
        rule = inputs.budget
        self.shortfall = rule.shortfall
        self.priority = rule.priority + tuple(n for n in OUTLAY_LEVERS if n not in rule.priority)
        self.share_of_gdp = budget_share_of_gdp(inputs)
        """The budget's share of GDP after its record, percent (None when it grows at a rate instead)."""
        self.planned = 0
        """Years planned so far (the year index of the next plan)."""
        self.firm_policy = self.policy(0).per_agent(model.per_agent)
        """The levers acting on firms this year, as the firm agents see them (set by :meth:`step`)."""

    def step(self) -> None:
        """The government's year, the first event of every year: plan this year's budget and the
        funded value of each outlay lever, then set the levers acting on firms."""
        t = self.model.t
        self.plan(t)
        self.firm_policy = self.policy(t).per_agent(self.model.per_agent)

    def lever(self, name: str, t: int) -> float:
        """A lever's value in the t-th simulated year: for outlay levers, the value the budget funds
        (the schedule in a year not yet planned: its plan needs the quantities of the year before)."""
        return float(self.values[name][t])

    def policy(self, t: int) -> YearPolicy:
        """The levers that act on firms in the t-th year."""
        lever = self.lever
        return YearPolicy(
            super_deduction=lever("rd_super_deduction_rate", t),
            super_deduction_manufacturing=lever("rd_super_deduction_rate_manufacturing", t),
            hte_tax_rate=lever("hte_income_tax_rate", t),
            reward_rate=lever("rd_reward_rate", t),
            full_coverage=lever("innovation_full_coverage", t),
            soe_floor=lever("soe_rd_floor", t),
            cultivation_firms=int(lever("hte_cultivation_firms", t)),
            smart_factories=int(lever("smart_factories", t)),
        )

    # --- the budget -------------------------------------------------------------------------

    def plan(self, t: int) -> None:
        """The t-th year's budget and, from the policy start on, the funded value of each outlay
        lever, planned at the start of the year on last year's quantities (once a year, in order)."""
        if t != self.planned:
            raise ValueError(f"year {t} planned out of order (next is {self.planned})")
        self.planned += 1
        self.budget[t] = self._budget(t)
        if not self.planned_limit(t):
            return
        self.headroom[t] = max(self.budget[t] - self.budget[0], 0.0)
        quantities = self._quantities()
        extra = {name: (self.schedule[name][t] - self.schedule[name][0]) * LEVERS[name].unit_outlay(quantities)
                 for name in OUTLAY_LEVERS}
        increases = {name: cost for name, cost in extra.items() if cost > 0}
        savings = -sum(cost for cost in extra.values() if cost < 0)
        self.requested[t] = sum(extra.values())
        shares = fund_increases(increases, self.headroom[t] + savings, self.shortfall, self.priority)
        asked = sum(increases.values())
        self.funded_share[t] = sum(shares[n] * increases[n] for n in increases) / asked if asked > 0 else 1.0
        for name, share in shares.items():
            base, wanted = self.schedule[name][0], self.schedule[name][t]
            step = share * (wanted - base)
            self.funded[name][t] = base + (math.floor(step + 1e-9) if LEVERS[name].integer else step)

    def _budget(self, t: int) -> float:
        """The S&T budget of the t-th year (100m yuan): recorded while known, then the scenario's path
        (a share of GDP planned on last year's GDP grown at the nominal trend, or a growth rate)."""
        year = int(self.inputs.years[t])
        recorded = (self.inputs.budget_history or {}).get(year)
        if recorded is not None:
            return recorded
        if t == 0:
            raise ValueError(f"no recorded S&T budget for the base year {year}")
        growth = self.inputs.budget.growth
        if growth is not None:
            return self.budget[t - 1] * (1.0 + growth)
        model = self.model
        return self.share_of_gdp / PERCENT * model.economy.gdp * math.exp(model.a["gdp_remainder_growth"])

    def _quantities(self) -> dict[str, float]:
        """Last year's quantities the outlay levers' unit costs use (``MODEL_QUANTITIES``) and the assumptions."""
        model = self.model
        firms = model.enterprises
        pool = firms.coverage_pool(firms.rd > 0)
        losses = in_m_yuan(model.a["tech_credit_default_rate"]) * model.funds.lender.loans
        return {**model.a, "firm_rd": model.per_agent * float(firms.rd.sum()),
                "tech_contracts_bought": in_m_yuan(model.tech_bought_total),
                "tech_credit_losses": losses, "coverage_pool": model.per_agent * float(pool.sum()),
                "unit_100m_yuan": M_YUAN_PER_100M}

    def binding(self, t: int) -> bool:
        """Whether the budget cut the mix in the t-th year (some requested increase not fully funded)."""
        return bool(self.funded_share[t] < 1.0 - 1e-12)

    def shortfall_amount(self, t: int) -> float:
        """Requested outlay beyond the base-year cost that the headroom does not cover, 100m yuan
        (from the policy start on; with ``shortfall = "none"`` it is reported but not cut)."""
        return max(self.requested[t] - self.headroom[t], 0.0) if self.planned_limit(t) else 0.0

    def planned_limit(self, t: int) -> bool:
        """Whether the budget limits outlays in the t-th year (from the policy start year on)."""
        return t > 0 and int(self.inputs.years[t]) >= self.inputs.policy_start_year

    # --- the costs --------------------------------------------------------------------------

    def book_costs(self, t: int, policy: YearPolicy, rules: dict | None = None) -> None:
        """Book the t-th year's cost of every lever by its rule (``rules``, default :data:`COST_RULES`),
        ``policy`` being the levers acting on firms this year (as the firm agents see them)."""
        year = CostYear(self.model, t, policy)
        for (name, kind), rule in (COST_RULES if rules is None else rules).items():
            self.book(t, name, rule(year), kind)

    def book(self, t: int, name: str, cost: float, kind: str | None = None) -> None:
        """Record a lever's cost for the year (100m yuan), as ``kind`` (default: the lever's government kind)."""
        kind = kind or LEVERS[name].government_kind
        if kind not in LEVERS[name].cost_kinds:
            raise ValueError(f"lever {name} has no {kind} cost (its kinds are {LEVERS[name].cost_kinds})")
        self.costs[kind][name][t] += cost

    def total(self, kind: str, t: int) -> float:
        """The cost of all levers of one kind in the t-th year, 100m yuan."""
        return float(sum(cost[t] for cost in self.costs[kind].values()))

    def spending(self, t: int) -> float:
        """Government cost in the t-th year: outlay + revenue forgone (100m yuan)."""
        return self.total("outlay", t) + self.total("revenue_forgone", t)


# --- the cost rules -------------------------------------------------------------------------
# One rule per lever and kind of cost, named after the lever catalogue's entry (``ecosim.levers``,
# whose ``cost_rule`` and ``compliance_rule`` describe them). A rule reads the model at the year's end,
# before the record: ``rule(year: CostYear) -> cost`` in 100m yuan for the region.


class CostYear:
    """What the cost rules read in the t-th year: the model, the year index and ``policy``, the levers
    acting on firms as the firm agents see them; what several rules share is computed once."""

    def __init__(self, model, t: int, policy: YearPolicy):
        self.model, self.t, self.policy = model, t, policy
        self.a, self.firms, self.government = model.a, model.enterprises, model.government

    def lever(self, name: str) -> float:
        """A lever's (funded) value this year."""
        return self.government.lever(name, self.t)

    def of_firms(self, m_yuan: float) -> float:
        """A sum over the firm agents (m yuan) as the region's (100m yuan)."""
        return self.model.of_firms(m_yuan)

    @functools.cached_property
    def deductible_tax(self) -> tuple[float, float]:
        """Tax value of the R&D firms may deduct (deduction share x tax rate x R&D) outside and inside
        manufacturing, m yuan over the firm agents."""
        firms = self.firms
        tau = firms.tax_rate(self.policy, int(self.model.inputs.years[self.t]))
        deduction = firms.deduction_share * tau * firms.rd
        manufacturing = float((deduction * firms.manufacturing).sum())
        return float(deduction.sum()) - manufacturing, manufacturing


def rd_super_deduction_rate(year: CostYear) -> float:
    """Revenue forgone: the tax value of deductible R&D outside manufacturing x the extra deduction rate."""
    return year.of_firms(year.deductible_tax[0] * year.policy.super_deduction)


def rd_super_deduction_rate_manufacturing(year: CostYear) -> float:
    """Revenue forgone: the tax value of manufacturers' deductible R&D x their extra deduction rate."""
    return year.of_firms(year.deductible_tax[1] * year.policy.super_deduction_manufacturing)


def hte_income_tax_rate(year: CostYear) -> float:
    """Revenue forgone: (statutory rate - HTE rate) x the profit of live certificate holders."""
    firms = year.firms
    hte = firms.high_tech(firms.year) & firms.alive
    profit = float((np.maximum(firms.profit, 0.0) * hte).sum())
    return year.of_firms((CORPORATE_INCOME_TAX_RATE - year.policy.hte_tax_rate) * profit)


def rd_reward_rate(year: CostYear) -> float:
    """Outlay: the reward rate x firms' R&D."""
    return year.of_firms(year.policy.reward_rate * year.firms.rd.sum())


def innovation_full_coverage(year: CostYear) -> float:
    """Outlay: the campaign's cost per firm x firms pushed this year."""
    return year.of_firms(year.firms.pushed_count * year.a["full_coverage_cost_per_firm"])


def hte_cultivation_firms(year: CostYear) -> float:
    """Outlay: the programme's cost per firm x firms enrolled this year."""
    return year.of_firms(year.firms.cultivated_count * year.a["cultivation_cost_per_firm"])


def pilot_scale_bases(year: CostYear) -> float:
    """Outlay: the cost per base (m yuan) x bases."""
    return in_100m_yuan(year.lever("pilot_scale_bases") * year.a["pilot_base_cost"])


def soe_rd_floor_compliance(year: CostYear) -> float:
    """Compliance: the real R&D the floor adds above the bound firms' own targets this year
    (``Enterprises.floor_rd``; what it makes them relabel is not spent)."""
    return year.of_firms(year.firms.floor_rd)


def innovation_full_coverage_compliance(year: CostYear) -> float:
    """Compliance: the real R&D of the live firms the campaign pushed (they chose none in the base year)."""
    firms = year.firms
    pushed = firms.pushed & firms.alive
    return year.of_firms(firms.rd_real[pushed].sum())


def hte_cultivation_firms_compliance(year: CostYear) -> float:
    """Compliance: the real R&D of the coached performers above what they chose in the base year
    (their base-year ratio x this year's revenue; none for the firms the programme recruited without
    R&D, all of whose R&D is the programme's)."""
    firms = year.firms
    coached = np.flatnonzero((firms.coached_ratio > 0) & firms.alive & (firms.rd > 0))
    chosen = np.where(firms.cultivation_started[coached], 0.0, firms.intensity0[coached] * firms.revenue[coached])
    return year.of_firms(float(np.maximum(firms.rd_real[coached] - chosen, 0.0).sum()))


def software_vat_refund_threshold(year: CostYear) -> float:
    """Revenue forgone: the VAT refunded to software firms this year."""
    return year.of_firms(year.firms.refund.sum())


def platforms(year: CostYear) -> float:
    """Outlay: the cost per platform (m yuan) x platforms."""
    return in_100m_yuan(year.lever("platforms") * year.a["platform_cost"])


def talent_recruits(year: CostYear) -> float:
    """Outlay: the cost per recruit (m yuan) x researchers recruited."""
    return in_100m_yuan(year.lever("talent_recruits") * year.a["talent_cost_per_person"])


def open_competition_budget(year: CostYear) -> float:
    """Outlay: the budget itself (100m yuan)."""
    return year.lever("open_competition_budget")


def transfer_demonstration_projects(year: CostYear) -> float:
    """Outlay: the subsidised share of each project's contract x the firms in a project this year."""
    a = year.a
    return year.of_firms(year.model.demonstration_firms * a["demonstration_project_size"]
                          * a["demonstration_subsidy_share"])


def tech_contract_reward_rate(year: CostYear) -> float:
    """Outlay: the reward rate x the technology contracts firms signed this year."""
    return year.lever("tech_contract_reward_rate") * year.model.contracts_signed


def smart_factories(year: CostYear) -> float:
    """Outlay: the subsidy per firm (m yuan) x firms upgraded this year."""
    return year.of_firms(year.model.upgraded_firms * year.a["smart_factory_subsidy"])


def guidance_fund_capital(year: CostYear) -> float:
    """Outlay: the government's capital committed to the guidance fund this year (100m yuan)."""
    return year.lever("guidance_fund_capital")


def tech_credit_loss_share(year: CostYear) -> float:
    """Outlay: the government's share of the tech-credit defaults that fell due this year."""
    return year.model.funds.lender.record["government_share"]


FIRM_COST_RULES = {
    ("rd_super_deduction_rate", "revenue_forgone"): rd_super_deduction_rate,
    ("rd_super_deduction_rate_manufacturing", "revenue_forgone"): rd_super_deduction_rate_manufacturing,
    ("hte_income_tax_rate", "revenue_forgone"): hte_income_tax_rate,
    ("rd_reward_rate", "outlay"): rd_reward_rate,
    ("innovation_full_coverage", "outlay"): innovation_full_coverage,
    ("hte_cultivation_firms", "outlay"): hte_cultivation_firms,
    ("pilot_scale_bases", "outlay"): pilot_scale_bases,
    ("soe_rd_floor", "compliance"): soe_rd_floor_compliance,
    ("innovation_full_coverage", "compliance"): innovation_full_coverage_compliance,
    ("hte_cultivation_firms", "compliance"): hte_cultivation_firms_compliance,
}
"""The cost rules of the levers acting through firms' taxes, rewards and mandates (lever, kind): rule."""

PROGRAMME_COST_RULES = {
    ("software_vat_refund_threshold", "revenue_forgone"): software_vat_refund_threshold,
    ("platforms", "outlay"): platforms,
    ("talent_recruits", "outlay"): talent_recruits,
    ("open_competition_budget", "outlay"): open_competition_budget,
    ("transfer_demonstration_projects", "outlay"): transfer_demonstration_projects,
    ("tech_contract_reward_rate", "outlay"): tech_contract_reward_rate,
    ("smart_factories", "outlay"): smart_factories,
    ("guidance_fund_capital", "outlay"): guidance_fund_capital,
    ("tech_credit_loss_share", "outlay"): tech_credit_loss_share,
}
"""The cost rules of the other levers: refunds, programmes, projects and finance (lever, kind): rule."""

COST_RULES = {**FIRM_COST_RULES, **PROGRAMME_COST_RULES}
"""Every lever's cost rule by (lever, kind of cost): one for each kind the catalogue gives a lever."""


def _check_cost_rules() -> None:
    """Each lever and kind of cost of the catalogue has exactly one rule, and no rule is for another."""
    catalogued = {(name, kind) for name, lever in LEVERS.items() for kind in lever.cost_kinds}
    if set(COST_RULES) != catalogued:
        raise ValueError(f"cost rules without a catalogue entry: {sorted(set(COST_RULES) - catalogued)}; "
                         f"catalogue entries without a rule: {sorted(catalogued - set(COST_RULES))}")


_check_cost_rules()
