"""The assumption catalogue: every number the data do not give, declared once.

Each assumption has a unit, a default, a plausible range and a one-line reason. Scenarios may
override defaults (validated against the range); sensitivity analysis and calibration sample
inside the ranges. Numbers derived from a region's record are not here: they are computed from
the bundle where they are used (``ecosim.data.Region.base_record``,
``ecosim.data.estimates.data_estimates``), except where a data-derived figure is also
uncertain enough to be worth sampling, in which case the reason says how the default was derived.
Assumptions that describe a place rather than behaviour (its firm and institution counts, local
shares) take their value, range and reason from the region bundle's ``region.toml [place]``
(:meth:`ecosim.data.Region.catalogue`); the defaults here are the generic fallback. Calibrated values
come from the bundle's ``calibration.toml`` (:meth:`ecosim.data.Region.defaults`).

Money at the firm level is in million yuan (m yuan); aggregates are in 100m yuan (亿元), the
unit of the statistics.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Assumption:
    """One model input that the data do not pin down."""

    name: str
    unit: str
    default: float
    low: float
    high: float
    reason: str
    integer: bool = False
    group: str = "behaviour"

    @property
    def allowed(self) -> str:
        """The allowed range as a phrase for error messages and help."""
        kind = "a whole number" if self.integer else "a number"
        return f"{kind} from {self.low:g} to {self.high:g} ({self.unit})"


def _a(name, unit, default, low, high, reason, group, integer=False) -> Assumption:
    return Assumption(name, unit, default, low, high, reason, integer, group)


ASSUMPTIONS: dict[str, Assumption] = {
    a.name: a
    for a in (
        # --- the population -------------------------------------------------------------
        _a("n_above_scale_firms", "firms", 10000, 9000, 12000,
           "the region bundle's [place] value (region.toml) replaces this default: above-scale firms of all sectors (a regional survey or yearbook count)",
           "population", integer=True),
        _a("n_tech_smes", "firms", 4000, 1000, 8000,
           "technology-based SMEs below the above-scale threshold, where most HTEs outside industry are; rarely "
           "counted: the HTE stock of the base year bounds it from below",
           "population", integer=True),
        _a("industrial_share", "share of above-scale firms", 0.45, 0.38, 0.55,
           "the region bundle's [place] value (region.toml) replaces this default: above-scale industrial firms against above-scale firms of all sectors",
           "population"),
        _a("cluster_share", "share of above-scale industrial firms", 0.25, 0.15, 0.40,
           "the region bundle's [place] value (region.toml) replaces this default: firms of the flagship clusters "
           "(sectors.csv cluster = 1) among above-scale industrial firms",
           "population"),
        _a("tech_sme_cluster_share", "share of tech SMEs", 0.7, 0.5, 0.9,
           "technology SMEs concentrate in IT, big data, new materials and equipment", "population"),
        _a("state_owned_share", "share of industrial firms", 0.15, 0.08, 0.25,
           "the region bundle's [place] value (region.toml) replaces this default: state-owned firms among industrial firms; the count share is lower than the revenue share",
           "population"),
        _a("software_share_of_services", "share of above-scale non-industrial firms", 0.05, 0.02, 0.10,
           "IT-application and big-data firms among above-scale services", "population"),
        _a("tech_sme_revenue_median", "m yuan", 8.0, 3.0, 20.0,
           "technology SMEs are below the 20m yuan above-scale threshold", "population"),
        _a("services_revenue_ratio", "relative median revenue", 0.5, 0.3, 1.0,
           "above-scale services firms are smaller than industrial ones", "population"),
        _a("margin_dispersion", "sd of profit/revenue", 0.06, 0.03, 0.10,
           "firm profit margins scatter around their sector's; some firms make losses", "population"),
        _a("revenue_dispersion", "log-sd of firm revenue", 1.1, 0.8, 1.5,
           "firm-size distributions of above-scale firms are roughly lognormal with log-sd about 1",
           "population"),
        _a("modelled_va_share_of_gdp", "share of GDP", 0.45, 0.35, 0.55,
           "the region bundle's [place] value (region.toml) replaces this default: above-scale firms' value added against the region's GDP",
           "population"),
        _a("services_rd_performer_share", "share of above-scale services firms", 0.03, 0.01, 0.08,
           "few services firms report R&D; the innovation-active share (INV18) is an upper bound", "population"),
        _a("tech_sme_rd_performer_share", "share of tech SMEs", 0.8, 0.6, 0.95,
           "technology SMEs are registered for doing R&D", "population"),
        _a("rd_intensity_dispersion", "log-sd of desired R&D/revenue", 0.6, 0.3, 0.9,
           "R&D intensities of performers spread over an order of magnitude", "population"),
        _a("n_universities", "institutions", 80, 70, 90,
           "the region bundle's [place] value (region.toml) replaces this default: institutions of higher education", "population", integer=True),
        _a("n_research_institutes", "institutions", 120, 80, 200,
           "the region bundle's [place] value (region.toml) replaces this default: government research institutes at provincial and city level", "population", integer=True),
        # --- the R&D decision -----------------------------------------------------------
        _a("rd_user_cost_elasticity", "elasticity (minus)", 0.9, 0.4, 1.3,
           "long-run response of desired R&D to its user cost: about 1.0 (Bloom, Griffith & Van Reenen 2002), "
           "1.1 for real R&D at China's HTE notch (Chen et al. 2021); 0.4 is Jia & Ma's (2017) short-run Chinese figure",
           "behaviour"),
        _a("rd_adjustment_speed", "share of the gap closed per year", 0.3, 0.15, 0.5,
           "R&D ratios adjust slowly: with the long-run elasticity this gives one-year elasticities of 0.1-0.5 "
           "(Bloom et al. 0.1, Jia & Ma 0.40, Thomson 0.5 short run)", "behaviour"),
        _a("rd_catch_up_rate", "share of the log gap closed per year", 0.04, 0.0, 0.12,
           "each sector's desired R&D ratio closes this share of its remaining log gap to the sector ceiling "
           "(national intensity of the industry, sectors.csv) a year: bounded, with decaying growth; "
           "provinces below 1.5% gained +0.10 pp in four years at the median (docs/evidence.md section 1)",
           "behaviour"),
        _a("soe_user_cost_response", "share of the private firms' elasticity", 0.3, 0.0, 0.6,
           "state-owned firms respond little to tax incentives (Jia & Ma 2017): their R&D follows mandates "
           "and assessment rules more than its after-tax cost", "behaviour"),
        _a("participation_cost_sensitivity", "latent units per log user cost", 0.5, 0.0, 1.0,
           "cheaper R&D pulls some firms into doing R&D; kept small so the extensive margin is a minor part of "
           "the response (published elasticities are mostly intensive-margin and total below 0.5 in the short run)",
           "behaviour"),
        _a("rd_cash_flow_elasticity", "elasticity", 0.4, 0.0, 1.0,
           "R&D budgets follow last year's cash flow (internal finance: Brown, Fazzari & Petersen 2009); the built-in region's "
           "R&D growth regressed on the lagged coal-price change gives about 0.37 (docs/evidence.md section 2)",
           "behaviour"),
        _a("rd_budget_smoothing", "weight on the previous planning value", 0.5, 0.0, 0.8,
           "firms plan R&D on past cash flow and smooth it with cash reserves (Brown & Petersen 2011, J. Corp. "
           "Finance 17(3)): the coal price they plan on is an exponentially weighted average of past years' "
           "prices, lagged one year (mean lag 1/(1-w) years); the built-in region's R&D fell in 2014-2016 after the price "
           "had been falling since 2012 and recovered from 2017 (docs/evidence.md section 2)", "behaviour"),
        _a("rd_liquidity_comfort", "share of the firm's normal cash flow", 0.6, 0.3, 1.0,
           "this year's cash binds R&D only when it runs short: below this share of a firm's normal cash flow "
           "(margin at the coal price's long-run mean plus the buffer) its own R&D is cut in the year, by the "
           "cash-flow elasticity, outside the partial adjustment. The cash-flow sensitivity of R&D is concentrated "
           "in firms short of internal funds (Brown, Fazzari & Petersen 2009); above the threshold reserves smooth "
           "R&D (Brown & Petersen 2011). the built-in region's R&D rose 2012-2014 while the coal price fell by a third, then "
           "fell 13.9% (enterprise-funded 19%) and R&D staff 12% in 2015, when the price fell to US$68/t and "
           "coal firms' margins to about zero (docs/evidence.md section 2). At 1.0 any shortfall binds; at 0.3 only "
           "a collapse to under a third of normal cash flow", "behaviour"),
        _a("cash_flow_buffer", "share of revenue", 0.05, 0.02, 0.10,
           "cash flow beyond accounting profit (depreciation, working capital) that also funds R&D", "behaviour"),
        _a("full_coverage_intensity_ratio", "share of the desired R&D ratio", 0.2, 0.1, 0.4,
           "firms pushed into R&D by campaigns come from the low tail: the 306 industrial firms added 2012-2019 "
           "(224 to 530, history.csv) raised above-scale industrial R&D by at most 31 (100m yuan, 107 to 138), "
           "0.10 each against 0.48 for a 2012 performer: a ratio of at most 0.21", "behaviour"),
        _a("soe_floor_enforcement", "share of state-owned firms", 0.4, 0.2, 0.7,
           "share of state-owned industrial firms where an R&D floor is enforced (the provincial groups assessed "
           "on R&D; their many subsidiaries and city-level SOEs are not)", "behaviour"),
        _a("mandate_relabel_share", "share of the R&D a floor adds", 0.4, 0.2, 0.6,
           "R&D reported to meet a floor is partly relabelled spending, as at the HTE notch (Chen et al. 2021: "
           "30-45% of the increase); it counts in the statistics, not in knowledge", "behaviour"),
        _a("hte_relabel_share", "share of the lift to the HTE threshold", 0.4, 0.2, 0.6,
           "at the HTE notch part of the reported rise is relabelled other spending: 24% of reported R&D, "
           "30-45% of the increase (Chen, Liu, Suarez Serrato & Xu 2021); relabelled R&D counts in the statistics "
           "but adds no knowledge", "behaviour"),
        _a("reward_marginal_share", "share of the reward rate", 0.5, 0.3, 0.8,
           "share of an R&D input reward that lowers the cost of marginal R&D; the rest rewards R&D firms would do "
           "anyway (Boeing 2016: a yuan of subsidy displaced 0.5 yuan of own R&D; Boeing & Peters 2021: misuse "
           "halved the effect)", "behaviour"),
        _a("grant_crowding_out", "share of the grant", 0.5, 0.2, 0.8,
           "open-competition grants to firms displace this share of their own R&D money (Boeing 2016: 0.5 in the "
           "same year)", "behaviour"),
        _a("participation_persistence", "latent units", 1.5, 0.5, 3.0,
           "sunk costs make R&D status persistent from year to year", "behaviour"),
        _a("participation_national_weight", "latent units per unit of the nation's log-odds", 0.8, 0.0, 1.5,
           "industrial firms' R&D participation follows a trend common to every province: the nation's share of "
           "above-scale industrial firms doing R&D rose from 11.5% (2011) to 28.0% (2018) and 36.7% (2020) (YBF), "
           "and the built-in region's count from 224 (2012) to 445 (2018) before any provincial campaign, a "
           "log-odds change of about 0.85 times the nation's with the firm count held (docs/evidence.md section 2). "
           "Each unit of the nation's log-odds since the base year moves industrial firms' latent R&D index by "
           "this many units; the segment's share moves less than one for one, as firms' indices spread over "
           "about one unit per log of revenue (calibrated to the counts of 2012, 2018 and 2019). 0: no common "
           "trend. Held after the record (a forecast assumes no further trend)",
           "behaviour"),
        _a("participation_shock_sd", "latent units", 0.25, 0.05, 0.6,
           "year-to-year idiosyncratic noise in the decision to do R&D", "behaviour"),
        _a("participation_size_effect", "latent units per log revenue", 1.0, 0.5, 1.5,
           "larger firms are likelier to do R&D", "behaviour"),
        _a("spillover_strength", "elasticity", 0.3, 0.0, 0.8,
           "knowledge in the firm's cluster and its institutions raises the return of R&D", "behaviour"),
        _a("tech_absorption_weight", "yuan of knowledge per yuan of technology bought", 0.5, 0.1, 1.0,
           "bought technology adds to a firm's knowledge stock less than one for one (absorptive capacity)",
           "behaviour"),
        _a("institution_spillover_strength", "elasticity", 0.15, 0.0, 0.4,
           "knowledge of universities and institutes raises firms' return on R&D", "behaviour"),
        _a("loss_carry_forward_value", "share of the deduction's value", 0.5, 0.2, 0.8,
           "loss-making firms get the super-deduction only later, through loss carry-forward", "behaviour"),
        # --- innovation and knowledge ---------------------------------------------------
        _a("knowledge_depreciation", "per year", 0.15, 0.10, 0.25,
           "conventional R&D-capital depreciation rate (Hall 2007; Griliches)", "innovation"),
        _a("innovation_success_max", "chance per year", 0.3, 0.1, 0.5,
           "the highest yearly chance of a product or process innovation that raises productivity", "innovation"),
        _a("knowledge_half_saturation", "knowledge stock / revenue", 0.1, 0.03, 0.3,
           "knowledge intensity at which the innovation chance is half its maximum", "innovation"),
        _a("innovation_productivity_gain", "share of revenue", 0.03, 0.01, 0.08,
           "revenue gain from one successful innovation", "innovation"),
        _a("firm_revenue_growth", "per year", 0.05, 0.0, 0.09,
           "trend nominal revenue growth of above-scale firms before innovation", "innovation"),
        _a("sector_growth_persistence", "share kept per year", 0.85, 0.5, 0.95,
           "sectors' growth gaps over the trend (sectors.csv) fade by this factor a year: no sector outgrows the "
           "economy for ever", "innovation"),
        _a("firm_revenue_shock_sd", "log points per year", 0.12, 0.05, 0.25,
           "idiosyncratic yearly revenue shocks", "innovation"),
        _a("firm_exit_rate", "per year", 0.05, 0.02, 0.10,
           "above-scale firms leave the register (exit or fall below the threshold)", "innovation"),
        _a("entrant_size_ratio", "share of the typical firm's revenue", 0.5, 0.2, 1.0,
           "new firms on the register (start-ups, spin-offs, firms crossing the threshold) are smaller than "
           "incumbents of their segment", "innovation"),
        _a("exit_size_elasticity", "elasticity", 0.5, 0.0, 1.0,
           "exits concentrate among small firms (those falling below the 20m yuan threshold); 0 = size-blind",
           "innovation"),
        _a("firm_net_growth", "per year, share of the population", 0.0, -0.02, 0.03,
           "entry (start-ups, spin-offs) exceeds exit by this share; the data hold no series of firm counts, "
           "and the register of above-scale firms is roughly stable", "innovation"),
        # --- high-tech enterprises ------------------------------------------------------
        _a("hte_application_success", "chance per year", 0.5, 0.25, 0.8,
           "an eligible firm applies and passes the other criteria (IP, staff, revenue from new products)", "hte"),
        _a("hte_renewal_success", "chance per year", 0.9, 0.7, 0.98,
           "ASSUMPTION: a certificate holder in its last year (or lapsed the year before) that meets the R&D "
           "threshold passes the other criteria again: it met them three years before and most of them "
           "(IP, staff) persist; the project holds no renewal statistics, so the range is wide", "hte"),
        _a("hte_cultivated_success", "chance per year", 0.85, 0.6, 0.95,
           "a firm in the cultivation pipeline that meets the R&D threshold passes the other criteria "
           "(the programme coaches it on IP, staff and the application): above the unaided chance", "hte"),
        _a("cultivation_start_chance", "chance per year", 0.5, 0.2, 0.8,
           "ASSUMPTION: a firm of a technology SME's size without R&D that a cultivation programme recruits "
           "(when the small uncertified performers cannot fill its places) starts R&D that year; the project "
           "holds no statistics of the programmes' recruits, so the range is wide: a recruit has a technology "
           "base (the programmes take firms with staff and IP), but R&D accounts set up to qualify cost money "
           "and not every recruit follows through", "hte"),
        _a("hte_bunching_window", "share of the threshold", 0.4, 0.1, 0.6,
           "firms this close below the R&D threshold weigh lifting R&D to reach it", "hte"),
        # --- technology market ----------------------------------------------------------
        _a("tech_ratio_plateau", "yuan of technology bought per yuan of enterprise R&D", 2.2, 1.2, 3.5,
           "purchases per yuan of R&D rose from 0.5 (2010) to 1.9 (2020, buyer basis, YBM) and level off: "
           "they cannot grow faster than R&D for ever", "technology"),
        _a("tech_ratio_adjustment", "share of the gap closed per year", 0.15, 0.02, 0.4,
           "speed at which purchases per yuan of R&D approach the plateau", "technology"),
        _a("tech_price_elasticity", "elasticity", 1.0, 0.3, 2.0,
           "response of technology purchases to their net price (after the reward)", "technology"),
        _a("local_tech_share", "share of purchases", 0.3, 0.15, 0.5,
           "the region bundle's [place] value (region.toml) replaces this default: share of firms' technology bought from the region's own universities and institutes", "technology"),
        _a("usable_tech_share", "share of offered technology", 0.3, 0.1, 0.6,
           "share of institutions' offered technology that firms can use without pilot-scale testing", "technology"),
        _a("pilot_base_usable_gain", "relative gain per base", 0.3, 0.1, 0.6,
           "each pilot-scale base serves one cluster and raises the usable share of the technology of the "
           "institutions whose field is that cluster's sector by this fraction (ASSUMPTION: the former "
           "province-wide 0.03 a base, concentrated on one of the 14 clusters, is about 0.4)", "technology"),
        _a("platform_productivity_gain", "relative gain per platform hosted", 0.2, 0.05, 0.5,
           "each key lab or innovation centre raises its host institution's knowledge output per yuan (its "
           "quality) by this fraction; platforms go to the largest institutions first (ASSUMPTION: equipment, a "
           "team and programme money; no estimate for the built-in region)", "technology"),
        _a("talent_productivity_gain", "elasticity", 0.5, 0.2, 1.0,
           "institutions' knowledge output rises with their researcher stock", "technology"),
        _a("institution_researcher_share", "share of R&D personnel", 0.3, 0.2, 0.45,
           "the region bundle's [place] value (region.toml) replaces this default: share of the region's R&D personnel (FTE) working in universities and institutes", "technology"),
        _a("institution_size_dispersion", "log-sd of institutions' shares of R&D", 1.0, 0.5, 1.5,
           "the region bundle's [place] value (region.toml) replaces this default: a few large universities and institutes carry much of the sector's R&D", "technology"),
        _a("institution_productivity_dispersion", "log-sd of knowledge per yuan", 0.3, 0.1, 0.6,
           "institutions differ in how much usable knowledge their R&D yields", "technology"),
        # --- finance --------------------------------------------------------------------
        _a("venture_private_capital", "100m yuan per year", 5.0, 1.0, 20.0,
           "the region bundle's [place] value (region.toml) replaces this default: private angel and VC money invested in the region's firms in its reference year "
           "(region.toml reference_year). Other years scale with enterprise R&D (base year) and the trend growth "
           "(later years)", "finance"),
        _a("venture_deal_size", "m yuan", 10.0, 3.0, 30.0, "typical early-stage deal", "finance"),
        _a("venture_spend_years", "years", 3, 1, 6,
           "an investee spends its venture money over this many years", "finance", integer=True),
        _a("venture_young_age", "years", 8, 3, 15,
           "funds count a firm as young (a screening plus) below this age", "finance", integer=True),
        _a("venture_holding_years", "years", 5, 3, 8, "holding period before exit", "finance", integer=True),
        _a("venture_exit_multiple", "returned per invested yuan", 1.2, 0.6, 2.5,
           "gross multiple at exit of a surviving investee whose revenue grew at the trend (investees that left "
           "are written off, so a portfolio returns somewhat less)", "finance"),
        _a("venture_rd_share", "share of invested money", 0.4, 0.2, 0.7,
           "share of venture money an investee spends on R&D", "finance"),
        _a("tech_credit_base_lending", "100m yuan per year", 20.0, 5.0, 50.0,
           "the region bundle's [place] value (region.toml) replaces this default: tech-credit loans to "
           "technology SMEs with no government loss sharing, in the reference year; other years scale like private "
           "venture money", "finance"),
        _a("tech_credit_risk_response", "relative lending per unit loss share", 2.0, 0.5, 4.0,
           "banks lend more when the government bears part of the losses", "finance"),
        _a("tech_credit_default_rate", "per year", 0.03, 0.01, 0.08,
           "loan losses on tech-SME credit: the yearly default chance of a borrower at the reference margin "
           "(tech_credit_reference_margin); borrowers that leave default too", "finance"),
        _a("tech_credit_rd_share", "share of loans", 0.3, 0.1, 0.6,
           "share of tech credit spent on R&D", "finance"),
        # --- funds that choose (screening, exit values, defaults) -----------------------
        _a("fund_screening_noise", "standard deviations of one standardised signal", 1.0, 0.25, 3.0,
           "ASSUMPTION: funds see firms' accounts (size, margin, R&D, age, certificates), not their prospects; "
           "an error as large as one signal's spread leaves the mandate's signals (4-5 of them) about four "
           "fifths of the score's variance. No regional evidence on screening skill; the range runs from "
           "near-perfect screening to scores dominated by noise", "finance"),
        _a("venture_exit_growth_elasticity", "elasticity", 1.0, 0.5, 2.0,
           "ASSUMPTION: a surviving investee's exit value moves with its revenue growth against the trend "
           "(firm_revenue_growth; 1: value proportional to the business's scale; above 1 for the convex pay-offs "
           "of venture portfolios). venture_exit_multiple is then the multiple of an investee that grew at the "
           "trend; investees that left are written off", "finance"),
        _a("tech_credit_default_margin_sensitivity", "log default chance per unit of margin", 10.0, 3.0, 25.0,
           "ASSUMPTION: a borrower's default chance rises by a factor e for each 10 points of profit margin "
           "below the reference; the 2012-2015 coal slump, which took coal miners' margins from about 15% to "
           "near zero (coal_margin_sensitivity), then raises coal borrowers' default chance about 4.5-fold, "
           "the order of the rise of bad-loan ratios in coal regions then", "finance"),
        _a("tech_credit_reference_margin", "share of revenue", 0.06, 0.03, 0.10,
           "ASSUMPTION: the margin at which a borrower's default chance is tech_credit_default_rate: the "
           "typical margin of the sectors' firms (5-8%, the bundle's sectors.csv)", "finance"),
        # --- cost rules of the levers ---------------------------------------------------
        _a("cultivation_cost_per_firm", "m yuan per firm", 0.2, 0.05, 0.5,
           "coaching, fees and small grants for HTE candidates", "cost"),
        _a("full_coverage_cost_per_firm", "m yuan per firm", 0.1, 0.02, 0.5,
           "support for a firm starting R&D (advice, R&D-centre set-up grants)", "cost"),
        _a("pilot_base_cost", "m yuan per base per year", 20.0, 10.0, 50.0,
           "running support of a pilot-scale base", "cost"),
        _a("demonstration_project_size", "m yuan per project", 5.0, 2.0, 10.0,
           "technology bought in one demonstration transfer project", "cost"),
        _a("demonstration_subsidy_share", "share of project", 0.3, 0.1, 0.5,
           "government co-payment of a demonstration project", "cost"),
        _a("platform_cost", "m yuan per platform per year", 10.0, 5.0, 30.0,
           "government support of a key lab or innovation centre", "cost"),
        _a("platform_rd_share", "share of platform cost", 0.7, 0.5, 0.9,
           "share of platform money spent on R&D", "cost"),
        _a("talent_cost_per_person", "m yuan per researcher", 0.5, 0.2, 1.5,
           "start-up grants and housing for one recruited researcher", "cost"),
        _a("smart_factory_subsidy", "m yuan per factory", 5.0, 2.0, 10.0,
           "government grant for one smart factory or digital workshop", "cost"),
        _a("smart_factory_productivity_gain", "share of revenue", 0.05, 0.02, 0.10,
           "one-off revenue gain of an upgraded factory", "cost"),
        _a("open_competition_firm_share", "share of budget", 0.6, 0.4, 0.8,
           "share of open-competition projects led by firms", "cost"),
        _a("software_vat_burden", "share of software sales", 0.08, 0.05, 0.13,
           "effective VAT burden of software sales before the refund", "cost"),
        _a("software_refund_rd_share", "share of the refund", 0.3, 0.1, 0.6,
           "share of the VAT refund firms reinvest in R&D", "cost"),
        _a("government_rd_firm_share", "share of government-funded R&D", 0.13, 0.05, 0.25,
           "share of the government's R&D money that firms perform (grants, programme funds); the rest funds "
           "universities, institutes and other performers. The data give only the total; 0.13 leaves institutions "
           "a government share of about 0.75 in 2020 and 0.62 in 2011", "cost"),
        _a("institution_other_share", "share of institutions' R&D", 0.05, 0.0, 0.1,
           "institutions' R&D funded neither by government nor by firms", "cost"),
        _a("other_performer_government_share", "share of other performers' R&D", 0.5, 0.3, 0.7,
           "hospitals and other performers are funded half by government", "cost"),
        _a("talent_retention", "share per year", 0.9, 0.7, 0.97,
           "recruited researchers who stay in the region from one year to the next", "technology"),
        _a("tech_credit_loan_size", "m yuan per loan", 3.0, 1.0, 10.0, "typical tech-SME loan", "finance"),
        # --- the economy and the target -------------------------------------------------
        _a("gdp_remainder_growth", "per year", 0.05, 0.02, 0.09,
           "nominal growth of the non-modelled economy after 2020: the mean log growth of the region's GDP over its calibration window "
           "(history.csv, gdp and gdp_implied) is 0.050", "economy"),
        _a("coal_price_log_mean", "log US$/t", 4.51, 4.0, 5.0,
           "long-run mean of the log coal price: the AR(1) fit to the recorded log price 2005-2020 "
           "(coal_price.csv) gives 4.51 (91 US$/t)", "economy"),
        _a("coal_price_persistence", "AR(1) coefficient", 0.59, 0.2, 0.9,
           "least-squares AR(1) of the recorded log coal price 2005-2020 (coal_price.csv): 0.59", "economy"),
        _a("coal_price_volatility", "log points per year", 0.18, 0.1, 0.35,
           "residual sd of that AR(1): 0.18", "economy"),
        _a("coal_gdp_elasticity", "elasticity", 0.30, 0.0, 0.6,
           "least-squares slope of the region's nominal GDP growth on the coal price's log change 2012-2020 "
           "(history.csv, coal_price.csv): 0.30", "economy"),
        _a("coal_firm_elasticity", "elasticity", 0.8, 0.4, 1.2,
           "response of coal-linked firms' revenue to the coal price (times the sector's coal_link)", "economy"),
        _a("coal_margin_sensitivity", "share of revenue per log point", 0.15, 0.05, 0.3,
           "coal-linked firms' profit margin moves by this much per log point of the coal price against its mean "
           "(coal miners' margins fell from about 15% to near zero as the price halved 2011-2015)", "economy"),
        _a("rd_common_shock_sd", "log points per year", 0.06, 0.0, 0.3,
           "sd of the yearly innovation of the common R&D shock, set by the calibration: the larger of the fit's "
           "residual spread of yearly R&D growth and the spread of the recorded growth itself (few years make the "
           "residual understate the out-of-sample error), so forecasts carry the model's own error; it multiplies firms' "
           "own R&D only, part of which the HTE threshold holds, so its sd exceeds the spread it gives total "
           "R&D: the calibration sets it so that the first forecast year's 90% range of total R&D growth is as "
           "wide as a normal's with that spread (300 seeds, posterior draws)", "economy"),
        _a("rd_common_shock_persistence", "AR(1) coefficient", 0.7, 0.0, 0.95,
           "persistence of the common R&D shock (campaign years and budget cycles last a few years)", "economy"),
        _a("national_intensity_drift", "percentage points per year", 0.064, 0.02, 0.10,
           "mean yearly change of the benchmark's first-published R&D intensity over the record (the bundle's history.csv; China 2010-2020 for the built-in one)", "economy"),
        _a("national_intensity_sd", "percentage points per year", 0.06, 0.02, 0.10,
           "standard deviation of those yearly changes 2010-2020 (history.csv)", "economy"),
        # --- the technology market between firms and particular institutions -------------
        _a("market_quality_weight", "elasticity of choice odds", 1.0, 0.3, 2.0,
           "a buyer's odds of choosing an institution rise with its quality (knowledge per yuan of R&D) to this "
           "power; 1 makes odds proportional to quality times usable offer (ASSUMPTION: no choice data for the built-in region)",
           "technology"),
        _a("market_field_weight", "log odds", 2.5, 0.5, 4.0,
           "log odds of an institution serving the buyer's own sector against one of an unrelated field: "
           "technology contracts are mostly within a field (ASSUMPTION)", "technology"),
        _a("market_related_field_closeness", "share of the field weight", 0.3, 0.0, 0.7,
           "closeness of a related field (a sector of the same kind: cluster, manufacturing, software and coal "
           "flags of sectors.csv equal) as a share of the own field's log odds; 0 = only the own field counts "
           "(ASSUMPTION)", "technology"),
        _a("market_main_contract_share", "share of local purchases", 0.5, 0.2, 1.0,
           "share of a buyer's local purchases in its main contract with one chosen seller (where its tie acts); "
           "the rest goes in small contracts over its sector's institutions by their choice odds: firms work "
           "with one main partner and a few others (ASSUMPTION)", "technology"),
        _a("market_tie_weight", "log odds", 1.5, 0.0, 3.0,
           "extra log odds of a firm's last seller: firms return to institutions they know (repeat contracting "
           "lowers search and trust costs; ASSUMPTION, 0 = no ties)", "technology"),
        _a("market_spare_capacity", "share of base-year orders", 0.25, 0.05, 0.6,
           "contract value an institution can deliver beyond its base-year orders; capacity then moves with its "
           "usable knowledge (ASSUMPTION)", "technology"),
    )
}


def catalogue_defaults() -> dict[str, float]:
    """Every assumption at its catalogue default (before calibration)."""
    return {name: a.default for name, a in ASSUMPTIONS.items()}
