"""Compiled arithmetic of the firms' yearly rules: one pass over the firms an event touches.

Written as numpy array expressions, a rule over ten thousand firms makes a temporary array and a
pass over memory for every operation, and a year's rules cost more in those passes than in the
arithmetic. Here each rule's arithmetic is one loop (numba), operation for operation the array
expression it replaces, in the same order: additions, products, quotients, minima and maxima are
IEEE-exact, so the results are bitwise those of the expressions. Exponentials, logarithms and powers
stay numpy's (their vectorised implementations round differently from the C library's that compiled
code calls): a kernel prepares their arguments and takes their values, and the caller applies them
between two kernels. A sum over firms is numpy's pairwise sum, done here in numpy's order
(:func:`pairwise_sum`), so a kernel may sum what it computes.
"""

from __future__ import annotations

import numba
import numpy as np

INDUSTRIAL, TECH_SME = 0, 2
"""The above-scale industrial and the technology SME segments' codes (``enterprises.INDUSTRIAL``,
``enterprises.TECH_SME``)."""


PAIRWISE_BLOCK = 128
"""Numpy's pairwise summation sums blocks of at most this many values with eight accumulators."""


PAIRWISE_DEPTH = 64
"""More halvings than any array's pairwise sum needs (2**64 values)."""


@numba.njit(cache=True)
def _block(values, start, n):
    """Numpy's sum of a run of at most ``PAIRWISE_BLOCK`` values: fewer than eight one by one, else
    eight interleaved accumulators combined as a tree, then the rest one by one."""
    if n < 8:
        total = 0.0
        for k in range(start, start + n):
            total += values[k]
        return total
    r0, r1, r2, r3 = values[start], values[start + 1], values[start + 2], values[start + 3]
    r4, r5, r6, r7 = values[start + 4], values[start + 5], values[start + 6], values[start + 7]
    k = 8
    whole = n - n % 8
    while k < whole:
        j = start + k
        r0 += values[j]
        r1 += values[j + 1]
        r2 += values[j + 2]
        r3 += values[j + 3]
        r4 += values[j + 4]
        r5 += values[j + 5]
        r6 += values[j + 6]
        r7 += values[j + 7]
        k += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while k < n:
        total += values[start + k]
        k += 1
    return total


@numba.njit(cache=True)
def _left_half(n):
    """Where numpy's pairwise sum splits a run of ``n`` values: a multiple of eight below its half."""
    half = n // 2
    return half - half % 8


@numba.njit(cache=True)
def _pairwise(values):
    """Numpy's pairwise sum of ``values`` (``pairwise_sum`` in numpy's ``loops_utils.h``): a run of at
    most ``PAIRWISE_BLOCK`` values summed as a block (:func:`_block`), a longer one split in two
    (:func:`_left_half`) and the halves' sums added. The halving is walked with a stack instead of
    recursion (numba's cache does not reload recursive functions safely)."""
    starts = np.empty(PAIRWISE_DEPTH, dtype=np.int64)
    sizes = np.empty(PAIRWISE_DEPTH, dtype=np.int64)
    is_right = np.zeros(PAIRWISE_DEPTH, dtype=np.bool_)
    lefts = np.empty(PAIRWISE_DEPTH)
    depth = 0
    starts[0], sizes[0] = 0, values.size
    while True:
        if sizes[depth] > PAIRWISE_BLOCK:
            half = _left_half(sizes[depth])
            starts[depth + 1], sizes[depth + 1], is_right[depth + 1] = starts[depth], half, False
            depth += 1
            continue
        total = _block(values, starts[depth], sizes[depth])
        while depth > 0 and is_right[depth]:
            depth -= 1
            total = lefts[depth] + total
        if depth == 0:
            return total
        lefts[depth - 1] = total
        half = _left_half(sizes[depth - 1])
        starts[depth], sizes[depth], is_right[depth] = starts[depth - 1] + half, sizes[depth - 1] - half, True


@numba.njit(cache=True)
def pairwise_sum(values) -> float:
    """``values.sum()`` as numpy computes it (float64, contiguous): the same additions in the same
    order, so the same bits, in compiled code."""
    return 0.0 + _pairwise(values)


@numba.njit(cache=True)
def year_totals(alive, segment, revenue, va_ratio, rd, hte_until, year, above_scale_revenue):
    """The firm sums and counts of the year's record in one pass (``Enterprises.year_totals``): value
    added over all slots, R&D of the surveyed firms, of the industrial ones and of the live firms
    outside the survey, each summed in numpy's order over the firms it takes (``rd[mask].sum()``);
    live firms, slots doing R&D, industrial firms doing R&D, live certificate holders."""
    n = alive.size
    value_added = np.empty(n)
    surveyed, industrial, outside = np.empty(n), np.empty(n), np.empty(n)
    n_surveyed = n_industrial = n_outside = 0
    live = doing = industrial_doing = certified = 0
    for j in range(n):
        value_added[j] = revenue[j] * va_ratio[j]
        if rd[j] > 0:
            doing += 1
        if not alive[j]:
            continue
        live += 1
        if hte_until[j] >= year:
            certified += 1
        if segment[j] == INDUSTRIAL:
            industrial[n_industrial] = rd[j]
            n_industrial += 1
            if rd[j] > 0:
                industrial_doing += 1
        if segment[j] != TECH_SME or revenue[j] >= above_scale_revenue:
            surveyed[n_surveyed] = rd[j]
            n_surveyed += 1
        else:
            outside[n_outside] = rd[j]
            n_outside += 1
    return (pairwise_sum(value_added), pairwise_sum(surveyed[:n_surveyed]), pairwise_sum(industrial[:n_industrial]),
            pairwise_sum(outside[:n_outside]), live, doing, industrial_doing, certified)


@numba.njit(cache=True)
def candidate_signals(alive, rd, segment, in_cluster, budget_margin, revenue, age, hte_until, knowledge, year,
                      young_age, half_saturation):
    """The funds' candidates (live firms doing R&D and technology SMEs: their slots) and their nine
    signals (``funds.SIGNALS``) as rows, in one pass: the flags, R&D over revenue (revenue 1 where it
    is not positive), the margin, and the arguments of the three logarithms the caller takes (row 4:
    knowledge over ``half_saturation`` x revenue, for ``log1p``; row 6: revenue, for ``log``; row 8:
    age, for ``log1p``)."""
    count = 0
    for j in range(alive.size):
        if alive[j] and (rd[j] > 0 or segment[j] == TECH_SME):
            count += 1
    slots = np.empty(count, dtype=np.int64)
    raw = np.empty((9, count))
    k = 0
    for j in range(alive.size):
        if not (alive[j] and (rd[j] > 0 or segment[j] == TECH_SME)):
            continue
        size = revenue[j] if revenue[j] > 0 else 1.0
        slots[k] = j
        raw[0, k] = 1.0 if age[j] < young_age else 0.0
        raw[1, k] = 1.0 if segment[j] == TECH_SME else 0.0
        raw[2, k] = 1.0 if hte_until[j] >= year else 0.0
        raw[3, k] = 1.0 if in_cluster[j] else 0.0
        raw[4, k] = knowledge[j] / (half_saturation * size)
        raw[5, k] = rd[j] / size
        raw[6, k] = size
        raw[7, k] = budget_margin[j]
        raw[8, k] = age[j]
        k += 1
    return slots, raw


@numba.njit(cache=True)
def row_moments(values):
    """Each row's mean and standard deviation (the root of the mean square of the row less its mean):
    ``values.mean(axis=1)`` and ``np.sqrt(((values - mean) ** 2).mean(axis=1))`` as numpy computes
    them (``(values - mean) * (values - mean)``, each row summed pairwise), without the centred
    rows as arrays."""
    rows, n = values.shape
    mean, sd = np.empty(rows), np.empty(rows)
    squares = np.empty(n)
    for r in range(rows):
        mean[r] = pairwise_sum(values[r]) / n
        for k in range(n):
            centred = values[r, k] - mean[r]
            squares[k] = centred * centred
        sd[r] = np.sqrt(pairwise_sum(squares) / n)
    return mean, sd


@numba.njit(cache=True)
def weighted_centred_sums(values, mean, weights, signals, columns):
    """For each of ``columns``: the sum over the rows ``signals``, in their order, of the row's
    ``weights`` x (value less the row's ``mean``), starting from zero: a fund's merit
    (``FirmView.merit``) for its pool, the candidates' centred signals never held as arrays."""
    out = np.empty(columns.size)
    for k in range(columns.size):
        j = columns[k]
        total = 0.0
        for s in signals:
            total += weights[s] * (values[s, j] - mean[s])
        out[k] = total
    return out


@numba.njit(cache=True)
def count_at_most(table, start, n, key) -> int:
    """How many of the sorted ``table[start:start + n]`` (``n`` at least 1) are at most ``key``: a
    binary search without branches (each step's choice a conditional move, as keys come in random
    order and a branch would be mispredicted half the time)."""
    base = start
    while n > 1:
        half = n // 2
        base = base + half if table[base + half] <= key else base
        n -= half
    return base - start + (1 if table[base] <= key else 0)


@numba.njit(cache=True)
def choose_sellers(sector, tie, u, attract, value, cdf, tie_boost):
    """``TechnologyMarket.choose_sellers``'s rule, one buyer at a time: a buyer with a tie stays with
    it when its uniform ``u`` is below the tie's odds (``tie_boost`` x the tie's attractiveness over the
    sector's sum plus that), else draws a seller by the inverse CDF of ``u`` rescaled past the tie's
    odds, searched in its sector's row of ``cdf`` (the rows end to end, row k shifted by k: the key,
    in [k, k + 1), is above every entry of the rows before and below every entry of the rows after, so
    the count in the row is ``np.searchsorted(cdf, key, side="right") - k n``)."""
    n = attract.shape[1]
    seller = tie.copy()
    for k in range(sector.size):
        stay = 0.0
        if tie[k] >= 0:
            extra = tie_boost * attract[sector[k], tie[k]]
            stay = extra / (value[sector[k]] + extra)
        if u[k] >= stay:
            room = 1.0 - stay
            if not (room >= 1e-12 or room != room):  # np.maximum(room, 1e-12)
                room = 1e-12
            rescaled = (u[k] - stay) / room
            drawn = count_at_most(cdf, sector[k] * n, n, sector[k] + rescaled * (1.0 - 1e-12))
            seller[k] = min(drawn, n - 1)
    return seller


@numba.njit(cache=True)
def cost_changes(cost_class, hte_until, year, log_cost, log_user_cost0, classes):
    """Each firm's log user cost this year less its reference one: ``log_cost`` of its class (the
    class without a certificate plus ``classes`` with one valid in ``year``), less ``log_user_cost0``."""
    out = np.empty(cost_class.size)
    for j in range(cost_class.size):
        out[j] = log_cost[cost_class[j] + (classes if hte_until[j] >= year else 0)] - log_user_cost0[j]
    return out


@numba.njit(cache=True)
def participate(alive, propensity, cost_change, rd, hte_until, segment, log_odds, shock_scale, sensitivity,
                persistence, holding_year, trending, common, drawn_in):
    """``Enterprises._participate``'s rule given the logistic draws' log odds (``log_odds``, numpy's
    ``log``): a firm's index is propensity less ``sensitivity`` x its cost change, plus ``persistence``
    if it does R&D, plus ``shock_scale`` x its log odds (in that order); a live firm does R&D when the
    index (plus ``common`` for industrial firms when ``trending``) is above zero or it holds a
    certificate valid in ``holding_year`` or later; with the trend, firms doing R&D only through it
    are marked in ``drawn_in``."""
    doing = np.empty(alive.size, dtype=np.bool_)
    for j in range(alive.size):
        own = (propensity[j] - sensitivity * cost_change[j] + persistence * (1.0 if rd[j] > 0 else 0.0)
               + shock_scale * log_odds[j])
        holding = hte_until[j] >= holding_year
        if not trending:
            doing[j] = alive[j] and (own > 0 or holding)
            continue
        doing[j] = alive[j] and (own + common * (1.0 if segment[j] == INDUSTRIAL else 0.0) > 0 or holding)
        if doing[j] and own <= 0 and not holding:
            drawn_in[j] = True
    return doing


@numba.njit(cache=True)
def write_new_firms(slots, segment, sector, revenue, draws, age, desire_factor, sector_columns, sector_flags,
                    margin_table, rd_intensity, scalars, firm_columns, firm_flags, firm_codes):
    """``Enterprises._populate``'s writes for new firms in ``slots``, given what numpy drew and
    computed (their segments, sectors, revenue, the three standard-normal rows ``draws``, ages and
    the exponential factor of their desired ratios): the slot is alive; the sector's value-added
    ratio, growth gap and coal link (``sector_columns``) and its cluster, manufacturing, software and
    coal flags (``sector_flags``) are copied; the reference margin is the sector's plus the
    dispersion x the first draw, and this year's, the planning and the base year's planning margin
    add the coal link times each gap's shift; a profitable firm deducts at 1, else at the loss
    carry-forward value; its cost class is 2 x manufacturing + profitable; its desired ratio is the
    sector's x the desire scale x the factor; its propensity the third draw.

    ``scalars``: margin dispersion, the three margin shifts per unit of coal link (now, planning,
    base-year planning), the loss carry-forward value, the desire scale. ``firm_columns``: revenue,
    value-added ratio, growth gap, coal link, reference margin, margin, planning margin, base-year
    planning margin, deduction share, desired ratio, propensity. ``firm_flags``: alive, cluster,
    manufacturing, software, coal. ``firm_codes``: segment, sector, cost class, age."""
    dispersion, shift_now, shift_plan, shift_plan0, loss_value, desire_scale = scalars
    (revenue_of, va_ratio_of, growth_of, coal_link_of, margin_ref_of, margin_of, budget_margin_of, margin0_of,
     deduction_of, intensity0_of, propensity_of) = firm_columns
    alive, in_cluster, manufacturing, software, coal = firm_flags
    segment_of, sector_of, cost_class_of, age_of = firm_codes
    va_ratio, growth, coal_link = sector_columns
    is_cluster, is_manufacturing, is_software, is_coal = sector_flags
    for k in range(slots.size):
        j, s = slots[k], sector[k]
        alive[j] = True
        segment_of[j], sector_of[j] = segment[k], s
        va_ratio_of[j], growth_of[j], coal_link_of[j] = va_ratio[s], growth[s], coal_link[s]
        in_cluster[j], manufacturing[j] = is_cluster[s], is_manufacturing[s]
        software[j], coal[j] = is_software[s], is_coal[s]
        revenue_of[j] = revenue[k]
        margin_ref = margin_table[s] + dispersion * draws[0, k]
        margin = margin_ref + shift_now * coal_link[s]
        margin_ref_of[j], margin_of[j] = margin_ref, margin
        budget_margin_of[j] = margin_ref + shift_plan * coal_link[s]
        margin0_of[j] = margin_ref + shift_plan0 * coal_link[s]
        deduction_of[j] = 1.0 if margin > 0 else loss_value
        cost_class_of[j] = 2 * (1 if is_manufacturing[s] else 0) + (1 if margin > 0 else 0)
        age_of[j] = age[k]
        intensity0_of[j] = rd_intensity[s] * desire_scale * desire_factor[k]
        propensity_of[j] = draws[2, k]


@numba.njit(cache=True)
def accumulate_knowledge(knowledge, kept, rd_real, absorption, tech_bought, half_saturation, revenue):
    """``Enterprises.innovate``'s knowledge stocks (``kept`` x last year's plus real R&D plus
    ``absorption`` x technology bought, in that order), the slots with knowledge, and for them the
    argument of the innovation chance's ``expm1``: minus knowledge over ``half_saturation`` x revenue."""
    stock = np.empty(knowledge.size)
    count = 0
    for j in range(knowledge.size):
        stock[j] = kept * knowledge[j] + rd_real[j] + absorption * tech_bought[j]
        if stock[j] > 0:
            count += 1
    knowing = np.empty(count, dtype=np.int64)
    exponent = np.empty(count)
    k = 0
    for j in range(knowledge.size):
        if stock[j] > 0:
            knowing[k] = j
            exponent[k] = -stock[j] / (half_saturation * revenue[j])
            k += 1
    return stock, knowing, exponent


@numba.njit(cache=True)
def log_growth(common, gap, growth_of, coal, coal_link_of, width, u, alive, age):
    """Each slot's log revenue growth for ``Enterprises.grow``: the ``common`` part, plus ``gap`` x its
    sector's growth gap, plus ``coal`` x its coal link, plus ``width`` x its uniform (in that order);
    live firms age a year."""
    out = np.empty(u.size)
    for j in range(u.size):
        out[j] = common + gap * growth_of[j] + coal * coal_link_of[j] + width * u[j]
        if alive[j]:
            age[j] += 1
    return out


@numba.njit(cache=True)
def _column_major(rows, columns):
    """An empty ``rows`` x ``columns`` table stored column by column (numpy's Fortran order)."""
    return np.empty((columns, rows)).T


@numba.njit(cache=True)
def offer_tables(own, closeness):
    """``TechnologyMarket.offer``'s tables from each institution's own attractiveness (``own``) and the
    sector x institution field closeness (stored column by column): the attractiveness (own x
    closeness), each sector's sum, the choice probabilities (attractiveness over the sum) and their
    running sums (at most 1) laid end to end, row k shifted by k. The tables are column-major like the
    closeness, as numpy's products of it are, and a sector's sum adds its institutions in order (numpy's
    sum along the non-contiguous axis), so numpy's later sums over them are the same."""
    sectors, n = closeness.shape
    attract, probability = _column_major(sectors, n), _column_major(sectors, n)
    value, cdf = np.empty(sectors), np.empty(sectors * n)
    for r in range(sectors):
        total = 0.0
        for j in range(n):
            attract[r, j] = own[j] * closeness[r, j]
            total = attract[r, j] if j == 0 else total + attract[r, j]
        value[r] = total
        running = 0.0
        for j in range(n):
            probability[r, j] = attract[r, j] / value[r]
            running = probability[r, j] if j == 0 else running + probability[r, j]
            cdf[r * n + j] = (running if (running <= 1.0 or running != running) else 1.0) + r
    return attract, value, probability, cdf


@numba.njit(cache=True)
def cash_flow(margin: float, buffer: float, floor: float) -> float:
    """Cash that funds R&D at a profit ``margin`` (share of revenue): margin plus buffer, at least the floor."""
    return max(margin + buffer, floor)


@numba.njit(cache=True)
def rd_factors_arguments(i, sector, spill, elasticity, soe_response, state_owned, cost_change,
                         budget_margin, margin0, margin_ref, coal_link, coal_sensitivity, coal_gap, coal_gap0,
                         buffer, floor, comfort_share):
    """For the firms ``i`` that plan R&D this year, the arguments of the three transcendental factors of
    their R&D (see ``Enterprises.decide_rd``): the exponent of the spill-over and user-cost factor, the
    ratio of planning cash flow to the base year's (raised to the cash-flow elasticity: the budget
    factor), and the ratio of this year's cash cover to the base year's (raised to the same elasticity:
    the liquidity factor)."""
    n = i.size
    exponent, cash_ratio, cover_ratio = np.empty(n), np.empty(n), np.empty(n)
    for k in range(n):
        j = i[k]
        response = elasticity * (soe_response if state_owned[j] else 1.0)
        exponent[k] = spill[sector[j]] - response * cost_change[j]
        cash_ratio[k] = cash_flow(budget_margin[j], buffer, floor) / cash_flow(margin0[j], buffer, floor)
        shift = coal_sensitivity * coal_link[j]
        comfort = comfort_share * cash_flow(margin_ref[j], buffer, floor)
        now = min(cash_flow(margin_ref[j] + shift * coal_gap, buffer, floor) / comfort, 1.0)
        then = min(cash_flow(margin_ref[j] + shift * coal_gap0, buffer, floor) / comfort, 1.0)
        cover_ratio[k] = now / then
    return exponent, cash_ratio, cover_ratio


@numba.njit(cache=True)
def plan_rd(i, doing, soe_bound, pushed, drawn_in, intensity0, coached_ratio, segment, sector, sector_level,
            spill_cost, budget, liquidity, outside, threshold, intensity, revenue, margin, hte_until, cost_class,
            cost_table, rd, rd_real, year, classes, p):
    """Each firm's R&D this year, ``Enterprises.decide_rd``'s rule given what numpy computes over
    ``i``: the transcendental factors (``spill_cost``, ``budget``, ``liquidity``), the R&D outside
    money pays (``outside``, m yuan) and the HTE threshold ratio (``threshold``). The target ratio,
    the SOE floor, partial adjustment, own R&D under this year's cash and the common shock, and the
    lift to the HTE threshold. Writes ``intensity``, ``rd`` and ``rd_real`` (zero for the firms not in
    ``i``) and returns the R&D the floor added to each firm of ``i`` (m yuan).

    ``p`` holds the scalars in this order: low-tail intensity ratio, SOE floor, adjustment speed,
    exp(common shock), HTE relabel share, floor relabel share, bunching window, the tax saving per
    yuan of profit with a certificate, certificate years; ``year`` is the year and ``classes`` the
    cost classes per certificate state (``cost_table`` is indexed by class + classes x certified)."""
    (low_tail_ratio, soe_floor, speed, shock, hte_relabel, floor_relabel, window, tax_saving,
     certificate_years) = p
    n = i.size
    floor_part = np.empty(n)
    old = intensity.copy()
    intensity[:] = 0.0
    rd[:] = 0.0
    rd_real[:] = 0.0
    for k in range(n):
        j = i[k]
        ratio = intensity0[j] * (low_tail_ratio if (pushed[j] or drawn_in[j]) else 1.0)
        level = max(ratio, coached_ratio[j])
        catch_up = sector_level[sector[j]] if segment[j] == INDUSTRIAL else 1.0
        target = level * catch_up * spill_cost[k] * budget[k] * (1.0 if doing[j] else 0.0)
        floored = max(target, soe_floor * (1.0 if soe_bound[j] else 0.0))
        mandated = floored - target
        now = old[j] + speed * (floored - old[j])
        own = now * revenue[j] * shock * liquidity[k]
        planned = own + outside[k]
        need = threshold[k] * revenue[j]
        gap = need - planned
        lifted = 0.0
        if gap > 0 and planned >= (1.0 - window) * need:
            certified = hte_until[j] >= year
            committed = coached_ratio[j] > 0 or hte_until[j] >= year - 1
            saving = tax_saving * max(margin[j] * revenue[j], 0.0)
            cost = cost_table[cost_class[j] + classes * (1 if certified else 0)]
            if committed or certificate_years * saving > gap * cost * (1.0 - hte_relabel):
                lifted = need
        reported = max(planned, lifted)
        floor_part[k] = min(mandated, now) * revenue[j]
        relabelled = hte_relabel * (reported - planned) + floor_relabel * floor_part[k]
        intensity[j] = now
        rd[j] = reported
        rd_real[j] = reported - relabelled
    return floor_part


__all__ = ["accumulate_knowledge", "candidate_signals", "cash_flow", "choose_sellers", "cost_changes",
           "count_at_most", "log_growth", "offer_tables", "pairwise_sum", "participate",
           "plan_rd", "rd_factors_arguments", "row_moments", "weighted_centred_sums", "write_new_firms",
           "year_totals"]
