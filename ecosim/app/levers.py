"""The levers as the page offers them: grouped as the seed text groups them, each with its unit, range,
base-year value and cost rule, and a typed value checked exactly as a scenario file is checked."""

from __future__ import annotations

import math
from typing import Any

from ecosim.app.labels import page_text
from ecosim.charts.labels import lever_name
from ecosim.cli.run import parse_changes
from ecosim.levers import LEVERS
from ecosim.scenario import Scenario

LEVER_GROUPS: dict[str, tuple[str, ...]] = {
    "tax": ("rd_super_deduction_rate", "rd_super_deduction_rate_manufacturing", "hte_income_tax_rate",
            "software_vat_refund_threshold"),
    "programmes": ("hte_cultivation_firms", "innovation_full_coverage", "soe_rd_floor", "rd_reward_rate",
                   "pilot_scale_bases", "transfer_demonstration_projects", "tech_contract_reward_rate", "platforms",
                   "talent_recruits", "open_competition_budget", "smart_factories"),
    "finance": ("guidance_fund_capital", "guidance_fund_leverage", "tech_credit_loss_share"),
}
"""The seed text's grouping: tax incentives (二、(四)4), the programmes of sections 二、(二), (三), (四)2
and (五) (cultivation, mandates, rewards, transfer, platforms, talent, projects, factories), and
finance (二、(四)1: the guidance fund and tech-credit risk sharing). Every lever is in one group."""

SLIDER_STEPS = 100
"""A slider moves in at least this many steps over a lever's range (rounded to a power of ten)."""


def lever_hint(lang: str, scenario: Scenario, name: str) -> str:
    """One line under a lever: its unit, allowed range, value in the scenario's base year and cost rule."""
    lever = LEVERS[name]
    base_year = scenario.base_year
    return page_text(lang, "lever_hint", unit=lever.unit, low=lever.low, high=lever.high, base_year=base_year,
                     base=scenario.region.lever_value(name, base_year),
                     cost=lever.cost_rule if lever.cost_kinds else page_text(lang, "no_cost"))


def lever_label(lang: str, name: str) -> str:
    """A lever's display name in ``lang`` with its identifier, which scenario files and ``--set`` use."""
    return f"{lever_name(lang, name)} ({name})"


def number_text(name: str, value: float) -> str:
    """A lever value as a scenario file writes it: a whole number for a whole-number lever, else the
    shortest decimal that reads back to the same float."""
    return str(int(value)) if LEVERS[name].integer else repr(float(value))


def written_text(scenario: Scenario, name: str) -> str:
    """The lever as the scenario writes it (a value, or ``{ 2021 = 60, 2023 = 80 }`` steps), or the value
    it takes from the policy start year when the scenario leaves it to the record."""
    schedule = scenario.levers.get(name)
    if isinstance(schedule, dict):
        return "{ " + ", ".join(f"{year} = {number_text(name, v)}" for year, v in sorted(schedule.items())) + " }"
    return number_text(name, schedule if schedule is not None else value_from_start(scenario, name))


def value_from_start(scenario: Scenario, name: str) -> float:
    """The lever's value in the policy start year (in the horizon when the policy starts after it)."""
    years = list(int(y) for y in scenario.years)
    year = min(scenario.policy_start_year, years[-1])
    return float(scenario.lever_path(name)[years.index(year)])


def slider_step(name: str) -> float:
    """The slider's step: 1 for a whole-number lever, else the power of ten that gives at least
    :data:`SLIDER_STEPS` steps over the range (0.001 for a share from 0 to 0.3)."""
    lever = LEVERS[name]
    if lever.integer:
        return 1
    return 10.0 ** math.floor(math.log10((lever.high - lever.low) / SLIDER_STEPS))


def slider_value(name: str, value: float) -> float | int:
    """A slider's value as the lever takes it: whole for a whole-number lever, else rounded to the step
    (so 0.07 stays 0.07 and is not 0.07000000000000001)."""
    if LEVERS[name].integer:
        return int(round(value))
    digits = max(0, -int(math.floor(math.log10(slider_step(name)))))
    return round(float(value), digits)


def lever_change(base: Scenario, changes: dict[str, Any], name: str, text: str) -> dict[str, Any]:
    """``changes`` with lever ``name`` set to the typed ``text`` (a value, or ``{year = value}`` steps, as
    ``ecosim run --set levers.NAME=TEXT`` reads it). Raises the ScenarioError that scenario validation
    gives (the field, what is allowed) when the mix with it is refused; ``changes`` is left as it was."""
    new = {**changes, **parse_changes([f"levers.{name}={text.strip()}"])}
    base.with_changes(new)
    return new
