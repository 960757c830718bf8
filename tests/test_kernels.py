"""The compiled kernels against numbers worked out by hand: the keyed uniforms' grid, and the firms'
R&D rule for one firm in each of its cases (plain adjustment, the low tail and catch-up, the lift
to the HTE threshold with relabelling, a tax saving too small to lift, the SOE floor)."""

from __future__ import annotations

import numpy as np
import pytest

from ecosim.model.draws import keyed_uniforms, splitmix64
from ecosim.model.kernels import (
    accumulate_knowledge,
    candidate_signals,
    choose_sellers,
    cost_changes,
    count_at_most,
    log_growth,
    offer_tables,
    pairwise_sum,
    participate,
    plan_rd,
    row_moments,
    weighted_centred_sums,
    write_new_firms,
    year_totals,
)


def test_keyed_uniforms_are_the_top_52_bits_on_the_odd_grid():
    """Uniform j is (2m + 1) / 2**53 with m the top 52 bits of SplitMix64's output j: exactly, as
    every such number is a double, and strictly inside (0, 1)."""
    key = np.uint64(0x0123456789ABCDEF)
    slots = np.array([0, 1, 2, 7, 10**6, 2**40], dtype=np.int64)
    top = splitmix64(key, slots) >> np.uint64(12)
    expected = (2.0 * top.astype(np.float64) + 1.0) * 2.0**-53
    np.testing.assert_array_equal(keyed_uniforms(key, slots), expected)
    np.testing.assert_array_equal(keyed_uniforms(key, slots.astype(np.uint64)), expected)


YEAR, CLASSES = 2022, 4
SPEED, SHOCK, HTE_RELABEL, FLOOR_RELABEL, WINDOW, TAX_SAVING = 0.5, 1.1, 0.4, 0.3, 0.2, 0.1


def one_firm(**changes):
    """Arrays for one firm (slot 1 of two; slot 0 plans no R&D) and the rule's scalars: revenue 100m
    yuan, desired ratio 2%, last year's ratio 1%, all factors 1, no outside money, threshold 3%."""
    firm = dict(doing=True, soe_bound=False, pushed=False, drawn_in=False, intensity0=0.02, coached_ratio=0.0,
                segment=1, sector_level=1.0, spill_cost=1.0, budget=1.0, liquidity=1.0, outside=0.0, threshold=0.03,
                intensity=0.01, revenue=100.0, margin=0.1, hte_until=0, cost=0.8, low_tail_ratio=1.0, soe_floor=0.0)
    firm.update(changes)
    two = {name: np.array([0, firm[name]], dtype=type(firm[name])) for name in
           ("doing", "soe_bound", "pushed", "drawn_in", "intensity0", "coached_ratio", "segment", "intensity",
            "revenue", "margin", "hte_until")}
    two["intensity"][0] = 0.7  # a firm outside ``i`` ends with nothing
    rd, rd_real = np.full(2, 9.0), np.full(2, 9.0)
    scalars = (firm["low_tail_ratio"], firm["soe_floor"], SPEED, SHOCK, HTE_RELABEL, FLOOR_RELABEL, WINDOW,
               TAX_SAVING, 3.0)
    floor_part = plan_rd(np.array([1]), two["doing"], two["soe_bound"], two["pushed"], two["drawn_in"],
                         two["intensity0"], two["coached_ratio"], two["segment"], np.zeros(2, dtype=np.int64),
                         np.array([firm["sector_level"]]), np.array([firm["spill_cost"]]), np.array([firm["budget"]]),
                         np.array([firm["liquidity"]]), np.array([firm["outside"]]), np.array([firm["threshold"]]),
                         two["intensity"], two["revenue"], two["margin"], two["hte_until"], np.zeros(2, dtype=np.int8),
                         np.full(2 * CLASSES, firm["cost"]), rd, rd_real, YEAR, CLASSES, scalars)
    assert two["intensity"][0] == 0.0 and rd[0] == 0.0 and rd_real[0] == 0.0
    return two["intensity"][1], rd[1], rd_real[1], floor_part[0]


def test_ratio_moves_part_way_and_rd_is_ratio_times_revenue_and_shock():
    """0.01 + 0.5 (0.02 - 0.01) = 0.015; R&D 0.015 x 100 x 1.1 = 1.65 m yuan, all real."""
    intensity, rd, rd_real, floor_part = one_firm()
    assert intensity == pytest.approx(0.015, rel=1e-15)
    assert rd == pytest.approx(1.65, rel=1e-15) and rd_real == rd and floor_part == 0.0


def test_factors_low_tail_and_catch_up_scale_the_target():
    """Target 0.02 x 0.5 (low tail) x 1.2 (catch-up, industry) x 1.5 x 0.8 (spill-over, budget) =
    0.0144; ratio 0.01 + 0.5 x 0.0044 = 0.0122; own R&D 0.0122 x 100 x 1.1 x 0.9 (cash) = 1.2078 plus
    0.3 of outside money. Services do not catch up: target 0.012, ratio 0.011."""
    changes = dict(pushed=True, low_tail_ratio=0.5, segment=0, sector_level=1.2, spill_cost=1.5, budget=0.8,
                   liquidity=0.9, outside=0.3)
    intensity, rd, _, _ = one_firm(**changes)
    assert intensity == pytest.approx(0.0122, rel=1e-14)
    assert rd == pytest.approx(1.2078 + 0.3, rel=1e-14)
    intensity, _, _, _ = one_firm(**{**changes, "segment": 1})
    assert intensity == pytest.approx(0.011, rel=1e-14)


def test_a_committed_firm_near_the_threshold_lifts_to_it_partly_by_relabelling():
    """A certificate holder plans 0.0275 x 100 x 1.1 = 3.025 (ratio 0.025 -> 0.0275 with desired 0.03):
    above a 3.0% threshold's need of 3.0, nothing is lifted. At a 3.3% threshold (need 3.3, and
    3.025 is within 20% of it) it is lifted to 3.3, and 0.4 of the 0.275 added is relabelled."""
    held = dict(intensity0=0.03, intensity=0.025, hte_until=YEAR)
    _, rd, rd_real, _ = one_firm(**held)
    assert rd == pytest.approx(3.025, rel=1e-14) and rd_real == rd
    _, rd, rd_real, _ = one_firm(**held, threshold=0.033)
    assert rd == pytest.approx(3.3, rel=1e-14)
    assert rd_real == pytest.approx(3.3 - 0.4 * 0.275, rel=1e-14)


def test_an_uncommitted_firm_lifts_only_when_three_years_of_tax_saving_beat_the_cost():
    """Plans 1.65 against a need of 1.8 (threshold 1.8%): gap 0.15, cost 0.15 x 0.8 x 0.6 = 0.072.
    Saving 0.1 x profit x 3 years: with margin 0.1 (profit 10) 3.0 > 0.072, lifted; with margin
    0.0002 (profit 0.02) 0.006 < 0.072, not lifted. Below the window (need 2.1, 1.65 < 0.8 x 2.1 = 1.68)
    nobody lifts."""
    assert one_firm(threshold=0.018)[1] == pytest.approx(1.8, rel=1e-14)
    assert one_firm(threshold=0.018, margin=0.0002)[1] == pytest.approx(1.65, rel=1e-14)
    assert one_firm(threshold=0.021, hte_until=YEAR)[1] == pytest.approx(1.65, rel=1e-14)


def test_the_soe_floor_binds_a_firm_that_would_do_no_rd_and_part_of_it_is_relabelled():
    """A state-owned firm bound by a 1.5% floor that plans no R&D of its own: target 0, floored 0.015,
    ratio 0.01 + 0.5 x 0.005 = 0.0125, R&D 0.0125 x 100 x 1.1 = 1.375. What the floor added,
    min(0.015, 0.0125) x 100 = 1.25, is 0.3 relabelled."""
    intensity, rd, rd_real, floor_part = one_firm(doing=False, soe_bound=True, soe_floor=0.015)
    assert intensity == pytest.approx(0.0125, rel=1e-14)
    assert rd == pytest.approx(1.375, rel=1e-14)
    assert floor_part == pytest.approx(1.25, rel=1e-14)
    assert rd_real == pytest.approx(1.375 - 0.3 * 1.25, rel=1e-14)


@pytest.mark.parametrize("sizes", [range(0, 300), (1000, 4095, 8192, 8193, 16_085, 17_699, 100_003)])
def test_pairwise_sum_is_numpys_sum_bit_for_bit(sizes):
    """The compiled sum adds in numpy's order: equal bits for every length, on values whose sum
    depends on the order (magnitudes over 16 orders of ten, both signs)."""
    rng = np.random.default_rng(7)
    for n in sizes:
        values = rng.standard_normal(n) * 10.0 ** rng.uniform(-8, 8, n)
        assert pairwise_sum(values) == values.sum(), n


def test_year_totals_are_the_masked_sums_and_counts():
    """Each total of the record's pass equals the array expression over its mask, bit for bit."""
    rng = np.random.default_rng(3)
    n, year = 5_000, 2024
    alive = rng.random(n) < 0.9
    segment = rng.integers(0, 3, n)
    revenue = np.where(alive, rng.lognormal(3.0, 1.5, n), 0.0)
    va_ratio = rng.uniform(0.1, 0.5, n)
    rd = np.where(alive & (rng.random(n) < 0.4), rng.lognormal(0.0, 2.0, n), 0.0)
    hte_until = rng.integers(2018, 2028, n)
    totals = year_totals(alive, segment, revenue, va_ratio, rd, hte_until, year, 20.0)
    surveyed = alive & ((segment != 2) | (revenue >= 20.0))
    industrial = alive & (segment == 0)
    assert totals == ((revenue * va_ratio).sum(), rd[surveyed].sum(), rd[industrial].sum(),
                      rd[alive & ~surveyed].sum(), int(alive.sum()), int((rd > 0).sum()),
                      int(((rd > 0) & industrial).sum()), int(((hte_until >= year) & alive).sum()))


def market_table(rng, sectors=6, institutions=40):
    """Sector x institution attractiveness, its row sums and the choice CDF laid end to end (row k
    shifted by k), as ``TechnologyMarket.offer`` makes them."""
    attract = rng.lognormal(0.0, 1.5, size=(sectors, institutions))
    value = attract.sum(axis=1)
    cdf = np.minimum(np.cumsum(attract / value[:, None], axis=1), 1.0) + np.arange(sectors)[:, None]
    return attract, value, cdf.ravel()


def test_count_at_most_finds_what_searchsorted_finds_in_the_row():
    """Within a sector's row, the count of entries at most the key is numpy's right-side search less
    the rows before it, for keys anywhere in the row and keys on its entries."""
    rng = np.random.default_rng(5)
    _, _, cdf = market_table(rng)
    n = 40
    sector = rng.integers(0, 6, size=5000)
    keys = sector + rng.random(5000) * (1.0 - 1e-12)
    on_entries = rng.integers(0, cdf.size, size=50)
    sector[:50], keys[:50] = on_entries // n, cdf[on_entries]
    keys[50:60] = sector[50:60]  # the row's lower end
    counts = [count_at_most(cdf, k * n, n, key) for k, key in zip(sector, keys)]
    np.testing.assert_array_equal(np.minimum(counts, n - 1),
                                  np.clip(np.searchsorted(cdf, keys, side="right") - sector * n, 0, n - 1))


def test_choose_sellers_is_the_array_rule_bit_for_bit():
    """The compiled seller choice equals the array expressions it replaced: the tie's odds, the
    rescaled uniform and the inverse-CDF search, for tied and untied buyers."""
    rng = np.random.default_rng(11)
    attract, value, cdf = market_table(rng)
    n_buyers, n, boost = 4000, 40, np.expm1(0.8)
    sector = rng.integers(0, 6, size=n_buyers)
    tie = np.where(rng.random(n_buyers) < 0.7, rng.integers(0, n, size=n_buyers), -1)
    u = rng.random(n_buyers)
    expected = tie.copy()
    tied = np.flatnonzero(tie >= 0)
    extra = boost * attract[sector[tied], tie[tied]]
    stay = np.zeros(n_buyers)
    stay[tied] = extra / (value[sector[tied]] + extra)
    move = np.flatnonzero(u >= stay)
    rescaled = (u[move] - stay[move]) / np.maximum(1.0 - stay[move], 1e-12)
    drawn = np.searchsorted(cdf, sector[move] + rescaled * (1.0 - 1e-12), side="right") - sector[move] * n
    expected[move] = np.clip(drawn, 0, n - 1)
    np.testing.assert_array_equal(choose_sellers(sector, tie, u, attract, value, cdf, boost), expected)


def test_row_moments_and_weighted_centred_sums_are_the_array_expressions():
    """The funds' signal moments and merits equal the array expressions, bit for bit: each row's mean
    and sd, and the weighted centred rows summed signal by signal, for a pool of columns."""
    rng = np.random.default_rng(13)
    values = rng.standard_normal((9, 3_001)) * 10.0 ** rng.uniform(-3, 3, (9, 1))
    mean, sd = row_moments(values)
    centred = values - values.mean(axis=1, keepdims=True)
    np.testing.assert_array_equal(mean, values.mean(axis=1))
    np.testing.assert_array_equal(sd, np.sqrt((centred * centred).mean(axis=1)))
    weights = np.where(rng.random(9) < 0.5, 1.0 / sd, 0.0)
    expected = np.zeros(values.shape[1])
    for signal in np.flatnonzero(weights):
        expected += weights[signal] * centred[signal]
    pool = rng.choice(values.shape[1], 700, replace=False)
    np.testing.assert_array_equal(weighted_centred_sums(values, mean, weights, np.flatnonzero(weights), pool),
                                  expected[pool])


@pytest.mark.parametrize("trend", [0.0, 0.4])
def test_participate_is_the_array_rule_bit_for_bit(trend):
    """The compiled participation rule gives the array rule's decisions and marks the same firms
    drawn in, with and without the common trend; the cost changes are the class table's less the
    reference."""
    rng = np.random.default_rng(17)
    n, year = 6_000, 2024
    alive = rng.random(n) < 0.9
    propensity, u = rng.standard_normal(n), rng.random(n)
    rd = np.where(rng.random(n) < 0.4, rng.lognormal(0.0, 1.0, n), 0.0)
    hte_until, segment = rng.integers(2018, 2028, n), rng.integers(0, 3, n)
    cost_class, log_cost0 = rng.integers(0, 4, n), rng.normal(0.0, 0.1, n)
    log_cost = np.log(rng.uniform(0.6, 1.0, 8))
    cost_change = cost_changes(cost_class, hte_until, year, log_cost, log_cost0, 4)
    code = cost_class + 4 * (hte_until >= year).view(np.int8)
    np.testing.assert_array_equal(cost_change, np.take(log_cost, code) - log_cost0)
    scale, sensitivity, persistence, weight = 0.9 * np.sqrt(3.0) / np.pi, 0.7, 1.5, 0.8
    own = (propensity - sensitivity * cost_change + persistence * (rd > 0) + scale * np.log(u / (1.0 - u)))
    holding = hte_until >= year - 1
    common = weight * trend * (segment == 0)
    expected = alive & ((own + (common if trend else 0.0) > 0) | holding)
    drawn_in = np.zeros(n, dtype=bool)
    doing = participate(alive, propensity, cost_change, rd, hte_until, segment, np.log(u / (1.0 - u)), scale,
                        sensitivity, persistence, year - 1, trend != 0.0, weight * trend, drawn_in)
    np.testing.assert_array_equal(doing, expected)
    np.testing.assert_array_equal(drawn_in, expected & (own <= 0) & ~holding if trend else np.zeros(n, dtype=bool))


def test_candidate_signals_are_the_array_expressions():
    """The funds' candidates and the rows of their signals (the log rows' arguments) equal the masks
    and array expressions, bit for bit."""
    rng = np.random.default_rng(19)
    n, year, young, half = 5_000, 2024, 5.0, 0.8
    alive, segment = rng.random(n) < 0.9, rng.integers(0, 3, n)
    rd = np.where(rng.random(n) < 0.4, rng.lognormal(0.0, 1.0, n), 0.0)
    revenue = np.where(rng.random(n) < 0.98, rng.lognormal(3.0, 1.0, n), 0.0)
    in_cluster, margin = rng.random(n) < 0.3, rng.normal(0.05, 0.1, n)
    age, hte_until, knowledge = rng.integers(0, 30, n), rng.integers(2018, 2028, n), rng.lognormal(1.0, 1.0, n)
    slots, raw = candidate_signals(alive, rd, segment, in_cluster, margin, revenue, age, hte_until, knowledge, year,
                                   young, half)
    at = np.flatnonzero(alive & ((rd > 0) | (segment == 2)))
    size = np.where(revenue[at] > 0, revenue[at], 1.0)
    np.testing.assert_array_equal(slots, at)
    expected = [age[at] < young, segment[at] == 2, hte_until[at] >= year, in_cluster[at],
                knowledge[at] / (half * size), rd[at] / size, size, margin[at], age[at]]
    for row, values in zip(raw, expected):
        np.testing.assert_array_equal(row, values)


def test_write_new_firms_is_the_array_writes():
    """New firms' slots get the sector's columns and flags, the margins at the three coal-price
    shifts, the deduction share, cost class, desired ratio and propensity the array expressions
    give, bit for bit; other slots are untouched."""
    rng = np.random.default_rng(23)
    sectors, slots_total, k = 12, 400, 150
    columns = tuple(rng.uniform(-0.1, 0.6, sectors) for _ in range(3))
    flags = tuple(rng.random(sectors) < 0.5 for _ in range(4))
    margin_table, rd_intensity = rng.normal(0.05, 0.05, sectors), rng.uniform(0.001, 0.05, sectors)
    slots = rng.choice(slots_total, k, replace=False)
    segment, sector = rng.integers(0, 3, k), rng.integers(0, sectors, k)
    revenue, draws, age = rng.lognormal(3.0, 1.0, k), rng.standard_normal((3, k)), rng.integers(0, 30, k)
    factor = np.exp(0.5 * draws[1] - 0.125)
    scalars = (0.04, 0.03 * -0.2, 0.03 * 0.1, 0.03 * 0.05, 0.6, 1.3)
    firm_columns = tuple(np.full(slots_total, 7.0) for _ in range(11))
    firm_flags = tuple(np.zeros(slots_total, dtype=bool) for _ in range(5))
    firm_codes = tuple(np.full(slots_total, -3, dtype=np.int64) for _ in range(4))
    write_new_firms(slots, segment, sector, revenue, draws, age, factor, columns, flags, margin_table, rd_intensity,
                    scalars, firm_columns, firm_flags, firm_codes)
    dispersion, now, plan, plan0, loss, scale = scalars
    margin_ref = margin_table[sector] + dispersion * draws[0]
    margin = margin_ref + now * columns[2][sector]
    expected = (revenue, columns[0][sector], columns[1][sector], columns[2][sector], margin_ref, margin,
                margin_ref + plan * columns[2][sector], margin_ref + plan0 * columns[2][sector],
                np.where(margin > 0, 1.0, loss), rd_intensity[sector] * scale * factor, draws[2])
    for written, values in zip(firm_columns, expected):
        np.testing.assert_array_equal(written[slots], values)
        assert (np.delete(written, slots) == 7.0).all()
    for written, values in zip(firm_flags, (np.ones(k, dtype=bool), *(flag[sector] for flag in flags))):
        np.testing.assert_array_equal(written[slots], values)
    for written, values in zip(firm_codes, (segment, sector, 2 * flags[1][sector] + (margin > 0), age)):
        np.testing.assert_array_equal(written[slots], values)


def test_log_growth_is_the_array_sum_and_ages_live_firms():
    """The compiled log growth equals the array expression bit for bit; live firms age a year."""
    rng = np.random.default_rng(29)
    n = 3_000
    growth_of, coal_link, u = rng.normal(0.0, 0.02, n), rng.random(n), rng.random(n)
    alive, age = rng.random(n) < 0.9, rng.integers(0, 30, n)
    common, gap, coal, width = 0.07 - 0.5 * 0.2**2 - 0.2 * np.sqrt(3.0), 0.8**3, (1.1 - 0.4) * -0.05, 0.4 * np.sqrt(3.0)
    expected_age = age + alive
    out = log_growth(common, gap, growth_of, coal, coal_link, width, u, alive, age)
    np.testing.assert_array_equal(out, common + gap * growth_of + coal * coal_link + width * u)
    np.testing.assert_array_equal(age, expected_age)


def test_accumulate_knowledge_is_the_array_rule():
    """The compiled knowledge stocks, the slots with knowledge and the innovation chance's argument
    equal the array expressions bit for bit."""
    rng = np.random.default_rng(31)
    n = 4_000
    knowledge = np.where(rng.random(n) < 0.6, rng.lognormal(1.0, 1.0, n), 0.0)
    rd_real = np.where(rng.random(n) < 0.4, rng.lognormal(0.0, 1.0, n), 0.0)
    tech, revenue = np.where(rng.random(n) < 0.3, rng.lognormal(-1.0, 1.0, n), 0.0), rng.lognormal(3.0, 1.0, n)
    stock, knowing, exponent = accumulate_knowledge(knowledge, 1.0 - 0.15, rd_real, 0.5, tech, 0.8, revenue)
    expected = (1.0 - 0.15) * knowledge + rd_real + 0.5 * tech
    np.testing.assert_array_equal(stock, expected)
    np.testing.assert_array_equal(knowing, np.flatnonzero(expected > 0))
    np.testing.assert_array_equal(exponent, -expected[knowing] / (0.8 * revenue[knowing]))


def test_offer_tables_are_the_array_expressions_in_the_closeness_order():
    """With the closeness stored column by column (as the market keeps it), the compiled tables equal
    the array expressions bit for bit and are column-major like them, so numpy's later sums over
    them add in the same order."""
    rng = np.random.default_rng(37)
    closeness = np.asfortranarray(np.exp(rng.uniform(0.0, 2.0, (17, 200))))
    own = rng.lognormal(0.0, 2.0, 200)
    attract = own[None, :] * closeness
    value = attract.sum(axis=1)
    probability = attract / value[:, None]
    cdf = np.minimum(np.cumsum(probability, axis=1), 1.0) + np.arange(17)[:, None]
    tables = offer_tables(own, closeness)
    for compiled, expected in zip(tables, (attract, value, probability, cdf.ravel())):
        np.testing.assert_array_equal(compiled, expected)
    assert tables[0].flags.f_contiguous and tables[2].flags.f_contiguous
    local = rng.random(17)
    np.testing.assert_array_equal((local[:, None] * tables[2]).sum(axis=0), (local[:, None] * probability).sum(axis=0))
