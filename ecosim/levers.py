"""The lever catalogue: every policy instrument of the seed text, declared once.

Each lever has a unit, an allowed range, where it comes from in the policy text, and how its
cost is counted: the kinds of cost it has (``COST_KINDS``: government outlay, revenue forgone, the
compliance cost a mandate puts on firms), the rule of each, and for outlay levers the yearly
outlay per unit of the lever, which the government's S&T budget plans with. Scenario validation,
the scenario documentation, sensitivity ranges, the CLI help and the model's cost columns all read
this table.

A lever's recorded values (the history a run follows before its policy start year, and the value
in force in the base year that the baseline holds) are region data: the bundle's
``policy_history.csv`` (:meth:`ecosim.data.Region.lever_value`), declared there as assumptions
where no source gives them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce


COST_KINDS = ("outlay", "revenue_forgone", "compliance")
"""The kinds of cost, each reported apart (100m yuan per year): ``outlay`` is government spending
(paid from the region's S&T budget, which constrains it), ``revenue_forgone`` is tax expenditure
(counted apart, not constrained by the S&T budget), ``compliance`` is the cost a mandate puts on
firms. Government cost = outlay + revenue forgone; social cost = government cost + compliance."""

COMPLIANCE_DEFINITION = (
    "the real R&D the mandate forces, counted in full: for the SOE floor, what it adds above the bound firms' own "
    "targets this year; for full coverage and cultivation, of the firms pushed or in the pipeline, real R&D above what each "
    "chose in the base year (its base-year R&D/revenue ratio x this year's revenue; zero for firms pushed into R&D); "
    "the part of reported R&D that is relabelled other spending is not spent, so not counted")
"""Why in full: the value a firm gets from R&D it would not have chosen is not observed, and counting
the whole forced spend (an upper bound of the cost borne) keeps a mandate from looking free. Why real:
reported R&D raised to meet a floor or the HTE threshold is partly relabelled spending (Chen et al.
2021; ``mandate_relabel_share``, ``hte_relabel_share``), which costs the firm nothing."""

MODEL_QUANTITIES = {
    "firm_rd": "enterprise R&D last year, m yuan",
    "tech_contracts_bought": "technology contracts bought by firms last year, m yuan",
    "tech_credit_losses": "expected defaults on last year's tech-credit loans (default rate x loans), m yuan",
    "coverage_pool": "above-scale industrial firms doing no R&D and never pushed, firms",
    "unit_100m_yuan": "100 m yuan (a lever counted in 100m yuan)",
}
"""Quantities of last year's state an outlay lever's unit cost may use (see ``Lever.outlay_per_unit``)."""


@dataclass(frozen=True)
class Lever:
    """One policy instrument a scenario can schedule by year."""

    name: str
    unit: str
    low: float
    high: float
    text: str
    """Section of the seed policy text (or national rule) the lever comes from."""
    effect: str
    """What the lever does in the model, in one line."""
    cost_rule: str
    """How the government's yearly cost of the lever is counted (100m yuan per year)."""
    integer: bool = False
    cost_kinds: tuple[str, ...] = ()
    """The kinds of cost (``COST_KINDS``) the lever has; each becomes a column ``<kind>_<lever>``."""
    outlay_per_unit: tuple[str, ...] = ()
    """For outlay levers: factors whose product is the yearly outlay per unit of the lever, in m yuan:
    assumption names (m yuan, counts or shares) or ``MODEL_QUANTITIES`` of last year's state. The
    budget plans with it: requested extra outlay = (value - base-year value) x this / 100."""
    compliance_rule: str = ""
    """For mandates: what the compliance cost counts (see ``COMPLIANCE_DEFINITION``)."""

    @property
    def government_kind(self) -> str | None:
        """The kind the government's cost of the lever is booked as (outlay or revenue forgone), if any."""
        return next((k for k in self.cost_kinds if k != "compliance"), None)

    def unit_outlay(self, values: dict[str, float]) -> float:
        """Yearly outlay per unit of the lever (100m yuan) from the factors' ``values``."""
        return reduce(lambda x, name: x * values[name], self.outlay_per_unit, 1.0) / 100.0

    @property
    def allowed(self) -> str:
        """The allowed range as a phrase for error messages and help."""
        kind = "a whole number" if self.integer else "a number"
        return f"{kind} from {self.low:g} to {self.high:g} ({self.unit})"


LEVERS: dict[str, Lever] = {
    lever.name: lever
    for lever in (
        Lever(
            "rd_super_deduction_rate", "share of R&D expense", 0.0, 2.0,
            "二、(四)4; Caishui [2015] 119, [2018] 99; Announcement 2023 No.7",
            "extra share of R&D expense deducted from taxable income (non-manufacturing firms); "
            "lowers the after-tax user cost of R&D",
            "forgone income tax: tax rate x rate x R&D of firms that can use the deduction",
            cost_kinds=("revenue_forgone",),
        ),
        Lever(
            "rd_super_deduction_rate_manufacturing", "share of R&D expense", 0.0, 2.0,
            "二、(四)4; Announcement 2021 No.13",
            "the same deduction for manufacturing firms (clusters and traditional industry)",
            "forgone income tax, as for the general rate",
            cost_kinds=("revenue_forgone",),
        ),
        Lever(
            "hte_income_tax_rate", "share of profit", 0.0, 0.25,
            "二、(四)4; Enterprise Income Tax Law art.28",
            "income-tax rate of certified high-tech enterprises; the saving draws firms near "
            "the R&D/revenue threshold up to it",
            "forgone income tax: (corporate rate - HTE rate) x profit of certified firms",
            cost_kinds=("revenue_forgone",),
        ),
        Lever(
            "software_vat_refund_threshold", "share of sales", 0.0, 0.17,
            "二、(四)4; VAT refund on self-developed software",
            "VAT burden above this share of software sales is refunded to IT and big-data firms; "
            "part of the refund is reinvested in R&D",
            "the refunds paid",
            cost_kinds=("revenue_forgone",),
        ),
        Lever(
            "hte_cultivation_firms", "firms per year", 0, 3000,
            "二、(二)1 三 ('百千': +1000 HTE by 2022)",
            "firms of a technology SME's size without a certificate enrolled each year in a cultivation "
            "pipeline, R&D performers first, the smallest first; places they cannot fill go to firms "
            "without R&D, again the smallest first, which start with cultivation_start_chance: "
            "enrolled firms aim their R&D at the HTE threshold (reaching it over the years at the "
            "adjustment speed, at once when near) and apply with a higher success chance until "
            "recognised or they stop R&D",
            "cultivation_cost_per_firm x firms enrolled",
            integer=True,
            cost_kinds=("outlay", "compliance"), outlay_per_unit=('cultivation_cost_per_firm',),
            compliance_rule='real R&D of the firms in the pipeline above their base-year ratio',
        ),
        Lever(
            "innovation_full_coverage", "share of non-performing industrial firms per year", 0.0, 1.0,
            "二、(二)2 (innovation full coverage of above-scale industrial firms)",
            "share of above-scale industrial firms without R&D pushed to start R&D each year",
            "full_coverage_cost_per_firm x firms pushed",
            cost_kinds=("outlay", "compliance"), outlay_per_unit=('coverage_pool', 'full_coverage_cost_per_firm'),
            compliance_rule='R&D of the firms pushed into R&D that still do it (none would do R&D unpushed)',
        ),
        Lever(
            "soe_rd_floor", "share of revenue", 0.0, 0.05,
            "二、(二)2 (state-owned firms' R&D floor; R&D counted as profit)",
            "minimum R&D/revenue of state-owned firms",
            "none: the floor is a requirement on firms, paid from their own funds",
            cost_kinds=("compliance",),
            compliance_rule="R&D the floor adds above the bound state-owned firms' own targets this year",
        ),
        Lever(
            "rd_reward_rate", "share of R&D expense", 0.0, 0.3,
            "二、(四)2 ('new momentum' fund rewards for R&D input)",
            "share of a performing firm's R&D expense paid back as a reward; lowers the user cost",
            "rate x R&D of rewarded firms",
            cost_kinds=("outlay",), outlay_per_unit=('firm_rd',),
        ),
        Lever(
            "pilot_scale_bases", "bases", 0, 50,
            "二、(二)3 一 (10 provincial pilot-scale and industrialisation bases)",
            "raises the share of universities' and institutes' offered technology that firms can use",
            "pilot_base_cost x bases",
            integer=True,
            cost_kinds=("outlay",), outlay_per_unit=('pilot_base_cost',),
        ),
        Lever(
            "transfer_demonstration_projects", "projects per year", 0, 1000,
            "二、(二)3 二 ('131' transfer action: 100 demonstration projects)",
            "demonstration projects each buying local technology for a firm, co-paid by the government",
            "demonstration_project_size x demonstration_subsidy_share x projects",
            integer=True,
            cost_kinds=("outlay",), outlay_per_unit=('demonstration_project_size', 'demonstration_subsidy_share'),
        ),
        Lever(
            "tech_contract_reward_rate", "share of contract value", 0.0, 0.3,
            "二、(二)3 三 (reward on technology-contract turnover)",
            "share of the value of technology bought that the government pays back; lowers its price",
            "rate x value of technology contracts bought by firms",
            cost_kinds=("outlay",), outlay_per_unit=('tech_contracts_bought',),
        ),
        Lever(
            "platforms", "platforms", 0, 200,
            "二、(二)1 二 (provincial lab, key labs, manufacturing innovation centres)",
            "key labs and innovation centres: raise institutions' knowledge and technology output "
            "and carry their own government-funded R&D",
            "platform_cost x platforms",
            integer=True,
            cost_kinds=("outlay",), outlay_per_unit=('platform_cost',),
        ),
        Lever(
            "talent_recruits", "researchers per year", 0, 5000,
            "二、(三) (young leading researchers and urgently needed talent)",
            "researchers recruited into universities and institutes each year; they raise the "
            "institutions' knowledge output, which spills over to firms",
            "talent_cost_per_person x researchers recruited",
            integer=True,
            cost_kinds=("outlay",), outlay_per_unit=('talent_cost_per_person',),
        ),
        Lever(
            "guidance_fund_capital", "100m yuan per year", 0.0, 200.0,
            "二、(四)1 (provincial venture guidance fund)",
            "government junior capital put into the guidance fund each year",
            "the capital injected",
            cost_kinds=("outlay",), outlay_per_unit=('unit_100m_yuan',),
        ),
        Lever(
            "guidance_fund_leverage", "private yuan per government yuan", 0.0, 10.0,
            "二、(四)1 (junior capital drawing in private money)",
            "private money the guidance fund draws in per yuan of government capital",
            "none beyond the capital",
        ),
        Lever(
            "tech_credit_loss_share", "share of loan losses", 0.0, 1.0,
            "二、(四)1 三 (tech-credit risk sharing)",
            "share of tech-credit loan losses the government bears; banks lend more to tech firms "
            "when it is higher",
            "share x defaulted principal of last year's loans (budgeted at share x default rate x last year's loans)",
            cost_kinds=("outlay",), outlay_per_unit=('tech_credit_losses',),
        ),
        Lever(
            "open_competition_budget", "100m yuan per year", 0.0, 100.0,
            "二、(五)1 二 (揭榜制 open-competition major projects)",
            "government-funded R&D projects, split between firms and institutions",
            "the budget spent",
            cost_kinds=("outlay",), outlay_per_unit=('unit_100m_yuan',),
        ),
        Lever(
            "smart_factories", "factories per year", 0, 1000,
            "二、(二)4 二 (100 smart factories and 100 digital workshops)",
            "industrial firms upgraded each year: a one-off productivity gain",
            "smart_factory_subsidy x factories",
            integer=True,
            cost_kinds=("outlay",), outlay_per_unit=('smart_factory_subsidy',),
        ),
    )
}


def _check_costs() -> None:
    """Every lever's cost kinds are known kinds, and outlay levers (only they) say their unit outlay."""
    from ecosim.assumptions import ASSUMPTIONS

    for lever in LEVERS.values():
        unknown = set(lever.cost_kinds) - set(COST_KINDS)
        factors = set(lever.outlay_per_unit) - set(ASSUMPTIONS) - set(MODEL_QUANTITIES)
        if unknown or factors or (("outlay" in lever.cost_kinds) != bool(lever.outlay_per_unit)) or (
                ("compliance" in lever.cost_kinds) != bool(lever.compliance_rule)):
            raise ValueError(f"lever {lever.name}: cost kinds {lever.cost_kinds}, unit outlay "
                             f"{lever.outlay_per_unit}, compliance rule {lever.compliance_rule!r} do not agree")


_check_costs()

OUTLAY_LEVERS = tuple(name for name, lever in LEVERS.items() if "outlay" in lever.cost_kinds)
"""The levers paid from the S&T budget, in catalogue order (the default funding priority)."""


def cost_columns() -> dict[str, tuple[str, str]]:
    """The yearly table's cost columns: one per lever and kind, then the totals (unit, meaning)."""
    meaning = {"outlay": "government outlay on", "revenue_forgone": "tax revenue forgone through",
               "compliance": "compliance cost to firms of"}
    columns = {f"{kind}_{lever.name}": ("100m yuan", f"{meaning[kind]} {lever.name}")
               for lever in LEVERS.values() for kind in lever.cost_kinds}
    columns.update({
        "outlay_total": ("100m yuan", "government outlay on all levers (paid from the S&T budget)"),
        "revenue_forgone_total": ("100m yuan", "tax revenue forgone through all levers (tax expenditure)"),
        "compliance_total": ("100m yuan", f"compliance cost of all mandates: {COMPLIANCE_DEFINITION}"),
        "government_cost": ("100m yuan", "government cost: outlay + revenue forgone"),
        "social_cost": ("100m yuan", "social cost: government cost + compliance cost"),
    })
    return columns


def funded_columns() -> dict[str, tuple[str, str]]:
    """The yearly table's funded value of each outlay lever (unit, meaning): what the S&T budget paid
    for, which is the scenario's value only while the budget does not bind."""
    return {f"funded_{name}": (LEVERS[name].unit, f"{name} as the S&T budget funds it (the scenario's "
                                                  f"value while the budget does not bind)")
            for name in OUTLAY_LEVERS}
