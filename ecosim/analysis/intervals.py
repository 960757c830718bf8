"""Uncertainty of the headline numbers: Wilson intervals for shares of replications and paired
differences between scenarios run on common random numbers.

A share of replications (P(target met)) is an estimate from ``n`` runs; its Wilson score interval
(Wilson 1927) stays inside [0, 1] and is sensible at 0 of n and n of n. Two scenarios run with the
same root seed share their random numbers replication by replication, so their difference is
estimated from the paired runs: Newcombe's (1998, method 10) interval for a difference of paired
proportions, and a t interval of the mean paired difference for a continuous output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

LEVEL = 0.95
"""Coverage of every interval printed or drawn."""


@dataclass(frozen=True)
class Interval:
    """An estimate with its interval (``low`` <= ``estimate`` <= ``high``) at ``level``."""

    estimate: float
    low: float
    high: float
    level: float = LEVEL


def _z(level: float) -> float:
    return float(stats.norm.ppf(0.5 + level / 2))


def wilson(successes: int, n: int, level: float = LEVEL) -> Interval:
    """Wilson score interval of a share ``successes`` of ``n``."""
    if n <= 0:
        raise ValueError(f"a share needs at least one replication, got n = {n}")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be from 0 to n = {n}, got {successes}")
    z = _z(level)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half), level)


def share_interval(flags, level: float = LEVEL) -> Interval:
    """Wilson interval of the share of true values in ``flags`` (booleans or 0/1)."""
    values = np.asarray(flags, dtype=float)
    return wilson(int(values.sum()), int(values.size), level)


def paired_share_difference(first, second, level: float = LEVEL) -> Interval:
    """Interval of P(second) - P(first) from paired 0/1 outcomes (Newcombe 1998, method 10).

    ``first[i]`` and ``second[i]`` are the outcomes of replication ``i`` of two scenarios on the
    same random numbers. The interval combines the two Wilson intervals with the correlation of
    the pairs, so a difference that appears in only a few pairs is not mistaken for noise-free.
    """
    a_flags, b_flags = np.asarray(first, dtype=bool), np.asarray(second, dtype=bool)
    if a_flags.shape != b_flags.shape or a_flags.size == 0:
        raise ValueError("paired outcomes need the same, non-zero number of replications in both scenarios")
    n = a_flags.size
    both = int((a_flags & b_flags).sum())
    only_first = int((a_flags & ~b_flags).sum())
    only_second = int((~a_flags & b_flags).sum())
    neither = n - both - only_first - only_second
    p1, p2 = (both + only_second) / n, (both + only_first) / n
    w1, w2 = wilson(both + only_second, n, level), wilson(both + only_first, n, level)
    margins = (both + only_first) * (only_second + neither) * (both + only_second) * (only_first + neither)
    phi = (both * neither - only_first * only_second) / math.sqrt(margins) if margins else 0.0
    delta = math.sqrt(max(0.0, (p1 - w1.low) ** 2 - 2 * phi * (p1 - w1.low) * (w2.high - p2) + (w2.high - p2) ** 2))
    epsilon = math.sqrt(max(0.0, (w1.high - p1) ** 2 - 2 * phi * (w1.high - p1) * (p2 - w2.low) + (p2 - w2.low) ** 2))
    difference = p1 - p2
    return Interval(difference, max(-1.0, difference - delta), min(1.0, difference + epsilon), level)


def paired_mean_difference(first, second, level: float = LEVEL) -> Interval:
    """t interval of the mean of ``second[i] - first[i]`` over paired replications."""
    d = np.asarray(second, dtype=float) - np.asarray(first, dtype=float)
    if d.size == 0:
        raise ValueError("paired outcomes need at least one replication")
    mean = float(d.mean())
    if d.size == 1:
        return Interval(mean, -math.inf, math.inf, level)
    half = float(stats.t.ppf(0.5 + level / 2, d.size - 1)) * float(d.std(ddof=1)) / math.sqrt(d.size)
    return Interval(mean, mean - half, mean + half, level)


def percent(value: float, digits: int = 0) -> str:
    """A share as a percentage, e.g. ``0.394 -> "39%"``."""
    return f"{100 * value:.{digits}f}%"


def share_head(p: float) -> str:
    """A share as a whole percentage that never reads as certain: ``"<1%"`` below 0.5%, ``">99%"`` above 99.5%."""
    if round(100 * p) < 1:
        return "<1%"
    if round(100 * p) > 99:
        return ">99%"
    return percent(p)


ZH_SHARE_HEADS = {"<1%": "不足1%", ">99%": "超过99%"}
"""The Chinese of the bounded heads; other shares read "为39%", so that a sentence reads
"2024年达标概率为39%" or "2024年达标概率不足1%" (not "= <1%")."""


def format_share(successes: int, n: int, lang: str = "en", level: float = LEVEL) -> str:
    """A share of replications with its count and interval: ``"39% (78 of 200; 95% CI 32-46%)"``.

    A share that rounds to 0% without being 0 (and every 0 of n) prints as ``"<1%"``, one that
    rounds to 100% as ``">99%"``, so that 0 of 200 never reads as "certainly not". In Chinese the
    share carries its verb (``"为39%"``, ``"不足1%"``, ``"超过99%"``) for the sentences that use it.
    """
    ci = wilson(successes, n, level)
    head = share_head(ci.estimate)
    span = f"{100 * ci.low:.0f}-{100 * ci.high:.0f}%"
    if lang == "zh":
        return f"{ZH_SHARE_HEADS.get(head, '为' + head)}（{n}次中{successes}次；{100 * level:.0f}%置信区间{span}）"
    return f"{head} ({successes} of {n}; {100 * level:.0f}% CI {span})"


MAX_EXTRA_DIGITS = 4
"""At most this many decimals beyond those asked for, to tell an interval's ends apart."""


def distinct_digits(low: float, high: float, digits: int) -> int:
    """The fewest decimals, at least ``digits``, at which ``low`` and ``high`` print differently (up to
    ``digits + MAX_EXTRA_DIGITS``): an interval must not print as a point when its ends differ."""
    for extra in range(MAX_EXTRA_DIGITS + 1):
        if f"{low:.{digits + extra}f}" != f"{high:.{digits + extra}f}":
            return digits + extra
    return digits


def format_difference(ci: Interval, unit: str = "pp", scale: float = 100.0, digits: int = 0,
                      lang: str = "en") -> str:
    """A difference with its interval, e.g. ``"+3 pp (95% CI -2 to +8)"`` (values times ``scale``), with
    more decimals than ``digits`` where needed so that the interval's two ends differ."""
    digits = distinct_digits(scale * ci.low, scale * ci.high, digits)
    est, low, high = (f"{scale * v:+.{digits}f}" for v in (ci.estimate, ci.low, ci.high))
    level = f"{100 * ci.level:.0f}%"
    if lang == "zh":
        return f"{est} {unit}（{level}置信区间 {low} 至 {high}）"
    return f"{est} {unit} ({level} CI {low} to {high})"


def independent_share_difference(first: Interval, second: Interval) -> Interval:
    """Interval of P(second) - P(first) from two independent Wilson intervals (Newcombe 1998,
    method 10 for unpaired samples): for runs that do not share random numbers."""
    if first.level != second.level:
        raise ValueError("both intervals need the same level")
    d = second.estimate - first.estimate
    low = d - math.sqrt((second.estimate - second.low) ** 2 + (first.high - first.estimate) ** 2)
    high = d + math.sqrt((second.high - second.estimate) ** 2 + (first.estimate - first.low) ** 2)
    return Interval(d, max(-1.0, low), min(1.0, high), first.level)


def welch_mean_difference(first, second, level: float = LEVEL) -> Interval:
    """Welch t interval of mean(second) - mean(first) for two independent samples."""
    a, b = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    d = float(b.mean() - a.mean())
    if a.size < 2 or b.size < 2:
        return Interval(d, -math.inf, math.inf, level)
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = math.sqrt(va + vb)
    if se == 0:
        return Interval(d, d, d, level)
    dof = (va + vb) ** 2 / (va ** 2 / (a.size - 1) + vb ** 2 / (b.size - 1))
    half = float(stats.t.ppf(0.5 + level / 2, dof)) * se
    return Interval(d, d - half, d + half, level)
