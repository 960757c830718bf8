"""Funds: the regional venture guidance fund, private venture money, and the tech-credit lender.

Funds are Mesa agents stepped once a year in a declared order (guidance fund, private VC,
lender) through an ``AgentSet``. Each has

* a **mandate**: which firms it may finance and which of their observable traits it values
  (:data:`MANDATES`): the guidance fund cluster firms, young technology SMEs and certified HTEs;
  private VC the best expected return anywhere (growth signals and the size and margin that
  predict survival); the lender technology firms with positive cash flow, revenue (collateral)
  and a track record;
* a **capital constraint**: its cash (100m yuan) is what was committed to it plus the proceeds
  of its exits (repayments for the lender) less what it invested; it never invests more than
  its cash (deals are whole, m yuan each);
* a **screening rule**: the sum of its mandate's signals, each standardised over the candidate
  firms, plus noise of ``fund_screening_noise`` standard deviations (funds see accounts, not
  prospects). ``screening="random"`` replaces the score by the noise alone: random picks from
  the same eligible firms, with the same random numbers.

Outcomes flow back: a venture stake exits after ``venture_holding_years`` at the deal times
``venture_exit_multiple`` times the investee's revenue growth (which its innovations, from its
knowledge, raise) against the trend, to the power ``venture_exit_growth_elasticity``, and is written off when the investee
has left; one-year loans are repaid next year unless the borrower defaults, which it does when
it has left or with a chance that rises as its margin falls (coal-linked borrowers in a coal
slump default more); the government pays ``tech_credit_loss_share`` of the defaults (booked as
that lever's cost) and the lender bears the rest. Next year's cash is this year's plus exits
less write-offs and defaults.

Each fund's yearly record (:data:`FUND_RECORD`) is collected by a ``mesa.DataCollector`` with
named reporters; :meth:`Funds.records` returns it as a tidy table (fund, year, ...). Identity
per fund and year: ``cash_end = cash_start + committed + proceeds - invested``.

Money: fund level in 100m yuan, deals and loans in m yuan (firm level).
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np
import pandas as pd

from ecosim.model import kernels
from ecosim.model.accounts import in_m_yuan
from ecosim.model.draws import KeyedDraws, smallest
from ecosim.model.enterprises import Enterprises

SCREENINGS = ("score", "random")
"""How a fund ranks eligible firms: its mandate's score plus noise, or the noise alone (random picks)."""

SIGNALS = ("young", "tech_sme", "hte", "cluster", "knowledge", "rd_intensity", "size", "margin", "age")
"""What funds can observe about a firm (see :class:`FirmView`)."""
LOGGED_SIGNALS = {"knowledge": np.log1p, "size": np.log, "age": np.log1p}
"""The signals funds read in logs (:func:`ecosim.model.kernels.candidate_signals` gives their arguments)."""

MANDATES: dict[str, tuple[tuple[str, ...], str]] = {
    "guidance_fund": (("young", "tech_sme", "hte", "knowledge", "rd_intensity"), "cluster"),
    "private_vc": (("knowledge", "rd_intensity", "young", "size", "margin"), "candidate"),
    "tech_credit": (("size", "margin", "age", "hte"), "creditworthy"),
}
"""Each fund's valued signals (each counts once, standardised: no weights to choose) and the
firms it may finance: cluster candidates, any candidate, or candidates with positive cash flow."""

FUND_RECORD: dict[str, str] = {
    "fund": "the fund (guidance_fund, private_vc, tech_credit)",
    "year": "calendar year",
    "cash_start": "cash at the start of the year, 100m yuan",
    "committed": "capital committed in the year (government and private; the bank's top-up), 100m yuan",
    "proceeds": "exit proceeds (lender: repaid principal plus the government's share of defaults), 100m yuan",
    "invested": "invested or lent in the year, 100m yuan",
    "cash_end": "cash at the end of the year, 100m yuan",
    "deals": "deals or loans made in the year",
    "exits": "stakes exited with the investee alive (lender: loans repaid)",
    "write_offs": "stakes written off at cost (lender: its own share of defaults), 100m yuan",
    "defaults": "defaulted principal (lender only), 100m yuan",
    "government_share": "the government's share of defaults (lender only), 100m yuan",
    "portfolio": "open stakes or loans outstanding at the end of the year",
}
"""The yearly record of each fund: name and meaning (unit)."""


def record_value(agent: "Fund", name: str) -> float:
    """Reporter: the named entry of a fund's record for the year (see :data:`FUND_RECORD`)."""
    return agent.record[name]


FUND_REPORTERS = {name: [record_value, [name]] for name in FUND_RECORD}
"""Named DataCollector reporters for the funds (a module-level function with parameters; no lambdas)."""


MANDATE_MATRIX = np.array([[name in MANDATES[fund][0] for name in SIGNALS] for fund in MANDATES], dtype=float)
"""Fund x signal: 1 where the fund's mandate values the signal (the rows follow :data:`MANDATES`)."""


class FirmView:
    """What funds can observe about the firms this year.

    Candidates are live firms doing R&D and technology SMEs; every signal is standardised over them
    (mean 0, sd 1), so a mandate's merit is a sum of comparable terms. Everything is held over the
    candidates only (``slots`` maps them back to the firm arrays): funds never look at other firms.
    ``noise(fund, slots)`` gives a fund's standard-normal screening noise for firm slots (keyed by
    fund, year and slot: common random numbers, drawn only for the firms a fund ranks).
    """

    def __init__(self, firms: Enterprises, a: dict, year: int, noise=None):
        self.slots, raw = kernels.candidate_signals(
            firms.alive, firms.rd, firms.segment, firms.in_cluster, firms.budget_margin, firms.revenue, firms.age,
            firms.hte_until, firms.knowledge, year, a["venture_young_age"], a["knowledge_half_saturation"])
        for signal, log in LOGGED_SIGNALS.items():
            raw[SIGNALS.index(signal)] = log(raw[SIGNALS.index(signal)])
        self.noise = noise or (lambda fund, slots: np.zeros(slots.size))
        self.candidate = np.ones(self.slots.size, dtype=bool)
        self.cluster = raw[SIGNALS.index("cluster")] > 0
        self.creditworthy = raw[SIGNALS.index("margin")] > 0
        self.taken = np.zeros(self.slots.size, dtype=bool)
        self.signals = raw
        """Each signal (row) over the candidates (columns)."""
        self.mean, self.scaled = standardised_signals(MANDATE_MATRIX, raw)
        """Each signal's mean over the candidates, and each fund's weight on it (its mandate's 0 or 1
        over the signal's sd): a fund's merit is the sum of its weighted centred signals (:meth:`merit`)."""

    def merit(self, order: int, pool: np.ndarray) -> np.ndarray:
        """The merit of the candidates ``pool`` (positions) to the fund of ``order`` (its row of
        :data:`MANDATES`): the sum of its mandate's signals, each standardised over all candidates
        (compiled for the pool only: :func:`ecosim.model.kernels.weighted_centred_sums`)."""
        weights = self.scaled[order]
        return kernels.weighted_centred_sums(self.signals, self.mean, weights, np.flatnonzero(weights), pool)

    def pool(self, eligible: np.ndarray) -> np.ndarray:
        """Candidates (positions) a fund may still pick: ``eligible`` and not financed this year."""
        return np.flatnonzero(eligible & ~self.taken)

    def take(self, count: int, pool: np.ndarray, score: np.ndarray) -> np.ndarray:
        """The ``count`` best-scoring candidates of ``pool`` (``score`` aligned with it); marks them
        taken and returns their slots in the firm arrays."""
        chosen = smallest(pool, -score, count)
        self.taken[chosen] = True
        return self.slots[chosen]


def standardised_signals(weights: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's mean (a signal over the candidates), and ``weights`` (fund x signal) over each
    signal's sd (0 for a signal that does not vary): a fund's merit is the sum of its weighted centred
    signals, i.e. of its standardised signals. Numpy's pairwise sums and elementwise products
    (compiled: :func:`ecosim.model.kernels.row_moments`), not BLAS, whose summation order depends on
    the processor: the same seed gives the same funds' picks on every machine."""
    if not values.shape[1]:
        return np.zeros(values.shape[0]), np.zeros_like(weights)
    mean, sd = kernels.row_moments(values)
    return mean, np.divide(weights, sd, out=np.zeros_like(weights), where=sd > 1e-12)


@dataclass
class Positions:
    """Deals of one year: slots, the firms' age at the deal (identifies the firm when its slot is
    reused), amount per deal (m yuan), and the investee's revenue at the deal (m yuan)."""

    year: int
    slots: np.ndarray
    age: np.ndarray
    amount: float
    value: np.ndarray

    def same_firms(self, firms: Enterprises, year: int) -> np.ndarray:
        """Which of the deals' firms are still there: the slot is live and its firm has aged since
        the deal (an entrant in a reused slot is younger)."""
        return firms.alive[self.slots] & (firms.age[self.slots] == self.age + (year - self.year))


@dataclass
class YearContext:
    """What every fund needs this year: time, the finance scale, the firms and what funds observe."""

    t: int
    year: int
    scale: float
    firms: Enterprises
    view: FirmView
    draws: KeyedDraws


class Fund(mesa.Agent):
    """A fund: mandate, cash, screening; subclasses say what is committed and how money comes back."""

    name = "fund"
    order = 0

    def __init__(self, model: mesa.Model, book: "Funds", screening: str = "score"):
        super().__init__(model)
        if screening not in SCREENINGS:
            raise ValueError(f"screening must be one of {SCREENINGS}, got {screening!r}")
        self.book = book
        self.screening = screening
        self.cash = 0.0
        self.positions: list[Positions] = []
        self.record: dict[str, float] = {}
        self.per_agent = model.per_agent
        """Firms each firm agent stands for: one deal with an agent is that many deals."""

    def deals(self, money: float, size: float) -> int:
        """Whole deals of ``size`` (m yuan) that ``money`` (100m yuan) pays for, in firm agents."""
        return int(np.floor(in_m_yuan(money) / (size * self.per_agent) + 1e-9))

    def money(self, m_yuan: float) -> float:
        """A sum over firm agents' deals (m yuan) as the region's money (100m yuan)."""
        return self.model.of_firms(m_yuan)

    @property
    def a(self) -> dict:
        """The run's assumption values."""
        return self.model.a

    def scores(self, view: FirmView, pool: np.ndarray) -> np.ndarray:
        """Ranking of the candidates ``pool``: the mandate's merit plus noise, or the noise alone
        (random picks)."""
        noise = view.noise(self.name, view.slots[pool])
        if self.screening == "random":
            return noise
        return view.merit(self.order, pool) + self.a["fund_screening_noise"] * noise

    def eligible(self, view: FirmView) -> np.ndarray:
        """The firms the mandate allows."""
        return getattr(view, MANDATES[self.name][1])

    def choose(self, ctx: YearContext, count: int) -> np.ndarray:
        """Up to ``count`` firms by the screening rule (slots)."""
        view = ctx.view
        pool = view.pool(self.eligible(view))
        if count <= 0 or not pool.size:
            return view.slots[:0]
        return view.take(count, pool, self.scores(view, pool))

    def open_positions(self, ctx: YearContext, slots: np.ndarray, amount: float) -> None:
        """Keep the year's deals for their outcome later."""
        firms = ctx.firms
        self.positions.append(Positions(ctx.year, slots, firms.age[slots].copy(), amount,
                                        firms.revenue[slots].copy()))

    def write(self, ctx: YearContext, **entries: float) -> None:
        """The year's record (see :data:`FUND_RECORD`)."""
        record = dict.fromkeys(FUND_RECORD, 0.0)
        record.update(fund=self.name, year=ctx.year, cash_end=self.cash,
                      portfolio=self.per_agent * sum(p.slots.size for p in self.positions), **entries)
        self.record = record


class VentureFund(Fund):
    """Private venture money: commits its yearly capital, invests in whole deals up to its cash,
    exits after the holding period at a value set by what the investee did."""

    name = "private_vc"
    order = 1

    def committed(self, ctx: YearContext) -> float:
        """Capital committed this year (100m yuan): the 2020 volume times the finance scale."""
        return self.a["venture_private_capital"] * ctx.scale

    def step(self) -> None:
        """Exit mature stakes, add commitments, invest the cash in screened firms."""
        ctx, a = self.book.context, self.a
        start = self.cash
        proceeds, exits, written_off = self.exit(ctx)
        committed = self.committed(ctx)
        self.cash += committed + proceeds
        size = a["venture_deal_size"]
        chosen = self.choose(ctx, self.deals(self.cash, size))
        invested = self.money(chosen.size * size)
        ctx.firms.venture_funds[chosen] += size
        self.cash -= invested
        if chosen.size:
            self.open_positions(ctx, chosen, size)
        self.write(ctx, cash_start=start, committed=committed, proceeds=proceeds, invested=invested,
                   deals=self.per_agent * chosen.size, exits=exits, write_offs=written_off)

    def exit(self, ctx: YearContext) -> tuple[float, int, float]:
        """Stakes held ``venture_holding_years``: proceeds (100m yuan), stakes exited alive, and the
        cost of stakes written off because the investee left (100m yuan)."""
        a = self.a
        due = ctx.year - int(a["venture_holding_years"])
        mature = [p for p in self.positions if p.year <= due]
        self.positions = [p for p in self.positions if p.year > due]
        proceeds, exits, written_off = 0.0, 0, 0.0
        for p in mature:
            alive = p.same_firms(ctx.firms, ctx.year)
            proceeds += self.money(exit_values(p, ctx.firms, alive, a, ctx.year - p.year).sum())
            exits += self.per_agent * int(alive.sum())
            written_off += self.money((~alive).sum() * p.amount)
        return proceeds, exits, written_off


def exit_values(p: Positions, firms: Enterprises, alive: np.ndarray, a: dict, years: int) -> np.ndarray:
    """Exit value of each stake (m yuan): the deal times the exit multiple times the investee's
    revenue growth against the trend over the holding, to the power of the growth elasticity;
    nothing for investees that left."""
    now = firms.revenue[p.slots]
    growth = np.divide(now, p.value, out=np.ones_like(now), where=p.value > 0)
    trend = (1.0 + a["firm_revenue_growth"]) ** years
    value = p.amount * a["venture_exit_multiple"] * (growth / trend) ** a["venture_exit_growth_elasticity"]
    return np.where(alive, value, 0.0)


class GuidanceFund(VentureFund):
    """The regional venture guidance fund: government junior capital drawing in private money at
    the leverage lever, invested in cluster firms only; the government's capital is its cost."""

    name = "guidance_fund"
    order = 0

    def committed(self, ctx: YearContext) -> float:
        """Government capital plus the private money it draws in (100m yuan); the government's part is
        its cost (``government.guidance_fund_capital``)."""
        gov = self.model.government
        capital = gov.lever("guidance_fund_capital", ctx.t)
        return capital * (1.0 + gov.lever("guidance_fund_leverage", ctx.t))


class TechCreditLender(Fund):
    """A bank's tech-credit pool: one-year loans to creditworthy technology firms. Its lending
    quota rises with the government's loss share; the bank tops its pool up to the quota, so
    defaults cost it new capital; the government pays its share of the defaults."""

    name = "tech_credit"
    order = 2

    def __init__(self, model: mesa.Model, book: "Funds", screening: str = "score"):
        super().__init__(model, book, screening)
        self.loans = 0.0
        self.defaults = 0.0

    def quota(self, ctx: YearContext, loss_share: float) -> float:
        """This year's lending quota (100m yuan): the 2020 volume times the finance scale, raised
        by the loss share."""
        a = self.a
        return a["tech_credit_base_lending"] * ctx.scale * (1.0 + a["tech_credit_risk_response"] * loss_share)

    def step(self) -> None:
        """Collect last year's loans, top the pool up to the quota, lend to screened firms."""
        ctx, a = self.book.context, self.a
        gov = self.model.government
        loss_share = gov.lever("tech_credit_loss_share", ctx.t)
        start = self.cash
        repaid, defaulted, repaid_count = self.collect(ctx)
        government_share = loss_share * defaulted
        proceeds = repaid + government_share
        self.cash += proceeds
        committed = max(self.quota(ctx, loss_share) - self.cash, 0.0)
        self.cash += committed
        size = a["tech_credit_loan_size"]
        quota = min(self.quota(ctx, loss_share), self.cash)
        borrowers = self.choose(ctx, self.deals(quota, size))
        ctx.firms.credit[:] = 0.0
        ctx.firms.credit[borrowers] = size
        self.loans = self.money(borrowers.size * size)
        self.defaults = defaulted
        self.cash -= self.loans
        if borrowers.size:
            self.open_positions(ctx, borrowers, size)
        self.write(ctx, cash_start=start, committed=committed, proceeds=proceeds, invested=self.loans,
                   deals=self.per_agent * borrowers.size, exits=repaid_count, write_offs=defaulted - government_share,
                   defaults=defaulted, government_share=government_share)

    def collect(self, ctx: YearContext) -> tuple[float, float, int]:
        """Last year's loans fall due: repaid principal and defaulted principal (100m yuan), loans repaid.
        A borrower defaults when it has left, or when its draw is below its default chance."""
        repaid, defaulted, count = 0.0, 0.0, 0
        for p in self.positions:
            alive = p.same_firms(ctx.firms, ctx.year)
            chance = default_chance(ctx.firms.margin[p.slots], self.a)
            default = ~alive | (ctx.draws.uniform("defaults", ctx.t, p.slots) < chance)
            defaulted += self.money(default.sum() * p.amount)
            repaid += self.money((~default).sum() * p.amount)
            count += self.per_agent * int((~default).sum())
        self.positions = []
        return repaid, defaulted, count


def default_chance(margin: np.ndarray, a: dict) -> np.ndarray:
    """Yearly default chance of borrowers with this year's ``margin`` (share of revenue): the
    default rate at the reference margin, multiplied by e per 1/sensitivity of margin below it, at most 1."""
    exponent = -a["tech_credit_default_margin_sensitivity"] * (margin - a["tech_credit_reference_margin"])
    return np.minimum(a["tech_credit_default_rate"] * np.exp(exponent), 1.0)


class Funds:
    """The three funds, stepped once a year in a declared order, and their records.

    ``screening`` maps a fund's name to its screening rule ('score' by default, or 'random').
    """

    def __init__(self, model: mesa.Model, screening: dict[str, str] | None = None):
        screening = screening or {}
        unknown = set(screening) - set(MANDATES)
        if unknown:
            raise ValueError(f"no fund named {sorted(unknown)}; funds are {list(MANDATES)}")
        self.guidance = GuidanceFund(model, self, screening.get("guidance_fund", "score"))
        self.venture = VentureFund(model, self, screening.get("private_vc", "score"))
        self.lender = TechCreditLender(model, self, screening.get("tech_credit", "score"))
        self.agents = mesa.agent.AgentSet((self.guidance, self.venture, self.lender), random=model.random)
        """The funds in their stepping order: the guidance fund, private VC, the lender."""
        self.collector = mesa.DataCollector(agenttype_reporters={type(fund): FUND_REPORTERS for fund in self.agents})
        """One named reporter set per fund class (each class is one fund: the model's registered agent types)."""
        self.model = model
        self.context: YearContext | None = None

    def step(self, t: int, year: int, scale: float, firms: Enterprises, a: dict, draws: KeyedDraws) -> float:
        """The funds' year: what they observe (screening noise keyed by fund, year and firm), each
        fund's step in order, the records collected. Returns venture money invested (100m yuan)."""
        def noise(fund: str, slots: np.ndarray) -> np.ndarray:
            return draws.normal(f"screen_{fund}", t, slots)
        self.context = YearContext(t, year, scale, firms, FirmView(firms, a, year, noise), draws)
        self.agents.do("step")
        self.collector.collect(self.model)
        self.context = None
        return self.guidance.record["invested"] + self.venture.record["invested"]

    def settle_venture_stock(self, firms: Enterprises, a: dict) -> None:
        """Base year: the investees hold the venture money of the last ``venture_spend_years`` years'
        deals (the steady-state stock), not only this year's."""
        firms.venture_funds *= a["venture_spend_years"]

    def spend_venture_money(self, firms: Enterprises, a: dict) -> None:
        """At the year's end investees have spent a ``1 / venture_spend_years`` share of the venture
        money they hold (on R&D and the rest)."""
        firms.venture_funds *= 1.0 - 1.0 / a["venture_spend_years"]

    def output_row(self) -> dict[str, float]:
        """This year's fund columns of the model's yearly table (100m yuan)."""
        return {"tech_credit_loans": self.lender.loans,
                "venture_exits": self.guidance.record["proceeds"] + self.venture.record["proceeds"],
                "venture_write_offs": self.guidance.record["write_offs"] + self.venture.record["write_offs"],
                "tech_credit_defaults": self.lender.defaults}

    def records(self) -> pd.DataFrame:
        """Every fund's yearly record as a tidy table: one row per (fund, year), columns of :data:`FUND_RECORD`."""
        tables = [self.collector.get_agenttype_vars_dataframe(type(fund)) for fund in self.agents]
        order = {fund.name: fund.order for fund in self.agents}
        table = pd.concat([t.reset_index(drop=True)[list(FUND_RECORD)] for t in tables], ignore_index=True)
        table = table.assign(_order=table["fund"].map(order)).sort_values(["year", "_order"], kind="stable")
        return table.drop(columns="_order").reset_index(drop=True)
