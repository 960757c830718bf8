"""Compiled passes over the firm arrays, with the numpy rules they replace as the fallback.

Each kernel is one loop over firms that does what a chain of numpy expressions did with a
temporary array per step. They are compiled with numba (``cache=True``: once per machine, in the
package's ``__pycache__``) when it can be imported; otherwise the numpy rule runs and a warning
says so once. The numpy rules stay the reference: ``tests/test_kernels.py`` checks every kernel
against them and whole runs against the numpy path.

Random numbers are never drawn here: the callers draw them exactly as before (the same amount
every year from the same stream), so the compiled path shares the numpy path's random numbers.
Results are identical to the numpy path except where a sum is taken in another order
(floating-point reassociation): :data:`RELATIVE_TOLERANCE`.

``use_compiled(False)`` switches to the numpy rules for this process (for comparison);
the environment variable ``ECOSIM_KERNELS=numpy`` does so at import.
"""

from __future__ import annotations

import os
import warnings

import numpy as np

RELATIVE_TOLERANCE = 1e-9
"""Largest relative difference between compiled and numpy results of a run's output columns that
reassociated sums explain (they differ near 1e-15 per sum; a run compounds a few hundred)."""

try:
    import numba
except ImportError:  # pragma: no cover - exercised only where numba is missing
    numba = None

_state = {"compiled": numba is not None and os.environ.get("ECOSIM_KERNELS", "") != "numpy", "warned": False}


def compiled() -> bool:
    """Whether the compiled kernels are in use in this process."""
    if numba is None and not _state["warned"]:
        warnings.warn("numba is not installed: ecosim runs its firm rules with numpy, several times slower "
                      "(pip install numba)", RuntimeWarning, stacklevel=3)
        _state["warned"] = True
    return _state["compiled"]


def use_compiled(flag: bool) -> bool:
    """Use the compiled kernels (True, where numba is installed) or the numpy rules (False) in this
    process; returns the previous setting."""
    previous = _state["compiled"]
    _state["compiled"] = bool(flag) and numba is not None
    return previous


def _jit(function):
    """Compile ``function`` without Python objects, cached on disk; the plain function without numba."""
    if numba is None:  # pragma: no cover
        return function
    return numba.njit(cache=True, nogil=True)(function)


SEARCH_BUCKETS = 256
"""Buckets per sector of the sellers' cumulative choice probabilities (:func:`bucket_starts`)."""


@_jit
def bucket_starts(flat, sectors):
    """For each sector s and bucket b, how many entries of ``flat`` are at most s + b / SEARCH_BUCKETS:
    where the search for a key at or above that bound can start. ``flat`` holds ``sectors`` rows of
    non-decreasing values in [s, s + 1]: every entry of an earlier row is at most s, every entry of a
    later row above the bound, so one walk along each row counts them (as
    ``np.searchsorted(flat, bound, side="right")``)."""
    n = flat.size // sectors
    starts = np.empty((sectors, SEARCH_BUCKETS), dtype=np.int64)
    for sector in range(sectors):
        j, end = sector * n, (sector + 1) * n
        for b in range(SEARCH_BUCKETS):
            bound = sector + b / SEARCH_BUCKETS
            while j < end and flat[j] <= bound:
                j += 1
            starts[sector, b] = j
    return starts


@_jit
def choose_sellers_kernel(s, tie, attract, value, flat, starts, u, tie_boost):
    """One seller per buyer (see ``TechnologyMarket.choose_sellers``): the tie with probability
    ``extra / (value + extra)``, else the inverse CDF of the rescaled uniform in ``flat`` (sector
    index plus the sector's cumulative choice probabilities, row after row), the same index as
    ``np.searchsorted(flat, key, side="right")``: the scan starts at the key's bucket
    (``starts``, :func:`bucket_starts`), below which every entry is at most the key."""
    n = attract.shape[1]
    buckets = starts.shape[1]
    out = np.empty(s.size, dtype=np.int64)
    for k in range(s.size):
        sector = s[k]
        extra = tie_boost * attract[sector, tie[k]] if tie[k] >= 0 else 0.0
        stay = extra / (value[sector] + extra)
        if u[k] < stay:
            out[k] = tie[k]
            continue
        rescaled = (u[k] - stay) / max(1.0 - stay, 1e-12)
        key = sector + rescaled * (1.0 - 1e-12)
        b = min(int((key - sector) * buckets), buckets - 1)
        while b > 0 and sector + b / buckets > key:
            b -= 1
        j = starts[sector, b]
        while j < flat.size and flat[j] <= key:
            j += 1
        out[k] = min(max(j - sector * n, 0), n - 1)
    return out


@_jit
def standardise_rows(raw):
    """Each row of ``raw`` minus its mean, over its population sd (0 where it does not vary), in
    place and returned: ``funds.standardised`` row by row, with sums taken in order."""
    rows, n = raw.shape
    if n == 0:
        return raw
    for r in range(rows):
        total = 0.0
        for k in range(n):
            total += raw[r, k]
        mean = total / n
        squares = 0.0
        for k in range(n):
            squares += (raw[r, k] - mean) ** 2
        sd = np.sqrt(squares / n)
        for k in range(n):
            raw[r, k] = (raw[r, k] - mean) / sd if sd > 0 else 0.0
    return raw


@_jit
def firm_signals_kernel(age, tech_sme, hte, cluster, knowledge, rd, revenue, margin, young_age, half_saturation):
    """The funds' nine raw signals of the candidate firms (rows in ``funds.SIGNALS`` order: young,
    technology SME, HTE, cluster, knowledge, R&D intensity, size, margin, age), standardised over
    the candidates: ``funds.FirmView``'s numpy rule in one pass. Revenue that is not positive counts 1."""
    n = age.size
    raw = np.empty((9, n))
    for k in range(n):
        r = revenue[k] if revenue[k] > 0 else 1.0
        raw[0, k] = 1.0 if age[k] < young_age else 0.0
        raw[1, k] = 1.0 if tech_sme[k] else 0.0
        raw[2, k] = 1.0 if hte[k] else 0.0
        raw[3, k] = 1.0 if cluster[k] else 0.0
        raw[4, k] = np.log1p(knowledge[k] / (half_saturation * r))
        raw[5, k] = rd[k] / r
        raw[6, k] = np.log(r)
        raw[7, k] = margin[k]
        raw[8, k] = np.log1p(age[k])
    return standardise_rows(raw)


@_jit
def rd_plan_kernel(i, firm, sector_catch_up, spill, cost_change, doing, soe_bound, p):
    """This year's R&D ratio and planned R&D of firms ``i`` (see ``Enterprises.decide_rd``), one pass.

    ``firm`` holds the firm arrays in :data:`RD_PLAN_FIRM` order and ``p`` the scalars in
    :data:`RD_PLAN_SCALARS` order. Returns, over ``i``: the new R&D/revenue ratio, the planned R&D
    (own plus outside money, m yuan) and the ratio the SOE floor adds (``mandated``)."""
    (intensity0, pushed, industrial, sector, soe, intensity, revenue, budget_margin, margin0, margin_ref,
     coal_link, venture, credit, refund) = firm
    (user_cost_elasticity, soe_response, coverage_ratio, soe_floor, speed, shock, cash_elasticity, buffer,
     cash_floor, margin_sensitivity, coal_gap, coal_gap0, comfort_share, venture_rate, credit_share,
     refund_share) = p
    n = i.size
    new_intensity, planned, mandated = np.empty(n), np.empty(n), np.empty(n)
    for k in range(n):
        f = i[k]
        elasticity = user_cost_elasticity * (soe_response if soe[f] else 1.0)
        level = intensity0[f] * (coverage_ratio if pushed[f] else 1.0)
        catch = sector_catch_up[sector[f]] if industrial[f] else 1.0
        cash_factor = (max(budget_margin[f] + buffer, cash_floor) / max(margin0[f] + buffer, cash_floor)) \
            ** cash_elasticity
        target = level * catch * np.exp(spill[sector[f]] - elasticity * cost_change[f]) * cash_factor
        target = target * (1.0 if doing[f] else 0.0)
        floored = max(target, soe_floor * (1.0 if soe_bound[f] else 0.0))
        mandated[k] = floored - target
        ratio = intensity[f] + speed * (floored - intensity[f])
        new_intensity[k] = ratio
        shift = margin_sensitivity * coal_link[f]
        comfort = comfort_share * max(margin_ref[f] + buffer, cash_floor)
        now = min(max(margin_ref[f] + shift * coal_gap + buffer, cash_floor) / comfort, 1.0)
        then = min(max(margin_ref[f] + shift * coal_gap0 + buffer, cash_floor) / comfort, 1.0)
        liquidity = (now / then) ** cash_elasticity
        outside = venture[f] * venture_rate + credit[f] * credit_share + refund[f] * refund_share
        planned[k] = ratio * revenue[f] * shock * liquidity + outside
    return new_intensity, planned, mandated
