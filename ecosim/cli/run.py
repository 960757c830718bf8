"""``ecosim run``: forecast a scenario and write its yearly table, summary, scenario and manifest."""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path

from ecosim.analysis.forecast import Forecast
from ecosim.api.forecast import forecast
from ecosim.checks import check_changes
from ecosim.scenario import scenario_of
from ecosim.cli.args import common
from ecosim.outputs.run_folder import claim_out, finished_run, folder_inputs, write_forecast
from ecosim.scenario import Scenario, ScenarioError

def register(sub) -> None:
    """Add the subcommand to the ``ecosim`` command's subparsers."""
    run = sub.add_parser("run", help="forecast a scenario: P(target met), intensity bands, yearly table",
                         epilog="example: ecosim run baseline --replications 200 --seed 7 --set "
                                "levers.rd_reward_rate=0.08 --out out/reward",
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("scenario", nargs="?", default="baseline",
                     help="scenario TOML file or built-in name (baseline, guiding-opinions, actual-2021-2024); "
                          "default: baseline")
    common(run, "output folder (default: out/<scenario name>); one of the same inputs is read back, of other inputs "
                "refused unless --force")
    run.set_defaults(command=handle)


def handle(args: argparse.Namespace) -> int:
    """Forecast the scenario, write the run folder and print the answer."""
    scenario = load_with_changes(args.scenario, args.changes, args.region)
    out = args.out or Path("out") / scenario.name
    seed = scenario.seed if args.seed is None else args.seed
    replications = scenario.replications if args.replications is None else args.replications
    result = finished_run(out, claim_out(out, "run", folder_inputs([scenario], seed, replications), args.force))
    if result is not None:
        print(describe(result, runnable_reference(args, out)))
        print(f"\n{out} already holds this run (the same inputs): read back, nothing run again; --force runs it anew")
        return 0
    result = forecast(scenario, replications, seed, workers=args.workers, dask=args.dask)
    written = write_forecast(result, out)
    print(describe(result, runnable_reference(args, out)))
    print("\nwrote " + ", ".join(str(p) for p in written))
    return 0


def parse_changes(items: list[str]) -> dict[str, object]:
    """``["levers.x=0.1", ...]`` as a mapping of dotted keys to TOML values (text if not TOML)."""
    changes: dict[str, object] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ScenarioError("--set", item, "must be KEY=VALUE, e.g. levers.rd_reward_rate=0.08")
        try:
            changes[key] = tomllib.loads(f"v = {value.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            changes[key] = value.strip()
    check_changes(changes)
    return changes


def load_with_changes(name: str, items: list[str], region: str | None = None) -> Scenario:
    """The scenario ``name`` (file or built-in) on ``region`` (``--region``) with the ``--set`` changes applied."""
    scenario = scenario_of(name, region)
    return scenario.with_changes(parse_changes(items)) if items else scenario


def runnable_reference(args: argparse.Namespace, out: Path) -> str:
    """How a suggested command names this run's scenario so that it runs as printed: as typed when
    nothing was changed, else the scenario file the run wrote (``--set`` changes are in it); with the
    ``--region`` given."""
    reference = str(args.scenario) if not args.changes else str(out / "scenario.toml")
    return reference + (f" --region {args.region}" if args.region else "")


def describe(result: Forecast, scenario_reference: str | None = None) -> str:
    """A short summary a person can read; suggested commands name the scenario by
    ``scenario_reference`` (default: its name, which runs only for a built-in scenario)."""
    from ecosim.analysis.intervals import format_share

    s = result.summary()
    region = result.scenario.region
    name, benchmark = region.name("en"), region.benchmark_name("en")
    target = f"the {region.benchmark_labels['en']}" if s["target"] == "national_average" else f"{s['target']}% of GDP"
    own, national = s["rd_intensity"], s["national_rd_intensity"]
    gap = result.gap_to_target()
    first = s["first_year_met"]
    lines = [
        f"Scenario '{s['scenario']}': {s['replications']} replications, root seed {s['seed']}",
        *record_lines(result),
        f"Question: does {name}'s R&D intensity reach {target} in {s['target_year']}?",
        f"  P(target met in {s['target_year']}) = {format_share(s['target_met_count'], s['replications'])}",
        f"  {name} R&D / GDP in {s['target_year']}: median {own['q50']:.2f}% "
        f"(90% range {own['q05']:.2f}-{own['q95']:.2f}%)",
        f"  {benchmark} R&D / GDP in {s['target_year']}: median {national['q50']:.2f}% "
        f"(90% range {national['q05']:.2f}-{national['q95']:.2f}%)",
        f"  Gap to the target in {s['target_year']}: median {gap['q50']:+.2f} percentage points "
        f"(90% range {gap['q05']:+.2f} to {gap['q95']:+.2f})",
        f"  First year met in at least half the replications: {first if first else 'none up to the horizon'}",
        *cost_lines(s),
    ]
    horizon = result.scenario.horizon
    at_horizon = result.gap_to_target(horizon)["q50"]
    if s["probability_target_met"] < 0.5 and at_horizon < 0:
        lines += [f"  Out of reach in {s['target_year']} for this mix: the median gap is {at_horizon:+.2f} "
                  f"points in {horizon}. What a mix would take, e.g. for {horizon}:",
                  f"    ecosim optimize {scenario_reference or result.scenario.name} --target-probability 0.5 "
                  f"--target-year {horizon}"]
    return "\n".join(lines)


def record_lines(result: Forecast) -> list[str]:
    """Where the run starts: the region, the base year, the last recorded year, the calibration used and
    the base-year fields carried forward from earlier years."""
    scenario = result.scenario
    region = scenario.region
    lines = [f"Region: {region.name('en')} ({region.ref}); base year {scenario.base_year}, record to "
             f"{region.last_year}; calibration: "
             + ("the bundle's own" if region.has_own_calibration else "the built-in one (the bundle has none)")
             + (f", fitted to the record up to {region.calibration_meta['last_year']} only"
                if region.calibration_stale else "")]
    carried = region.base_record(scenario.base_year).carried
    if carried:
        lines.append(f"  Not recorded for {scenario.base_year}, carried forward: "
                     + "; ".join(f"{field} from {year} ({how})" for field, year, how in carried))
    return lines


def cost_lines(s: dict) -> list[str]:
    """The cost over the cost window (medians over replications) and when the S&T budget binds."""
    c, window = s["costs"], s["cost_window"]
    lines = [f"  Cost {window} (100m yuan, medians over replications, which need not add up): outlay "
             f"{c['outlay_cost_median']:.1f}, revenue forgone {c['revenue_forgone_cost_median']:.1f}, government "
             f"(outlay + revenue forgone) {c['government_cost_median']:.1f}, compliance "
             f"{c['compliance_cost_median']:.1f}, social (government + compliance) {c['social_cost_median']:.1f}"]
    binding = {year: share for year, share in s["budget_binding_by_year"].items() if share > 0}
    if binding:
        years = ", ".join(f"{year} ({share:.0%})" for year, share in binding.items())
        lines.append(f"  S&T budget binds in {s['budget_binding_share']:.0%} of replications in {window}; "
                     f"by year (share of replications): {years}")
        lines += funding_lines(s["budget"])
    else:
        lines.append(f"  S&T budget does not bind in {window}: every outlay lever is funded as scheduled")
    return lines


def funding_lines(budget: dict) -> list[str]:
    """What the budget funded of the mix (share of the requested increase by year, each lever cut as
    written and as funded) and the ``[budget]`` setting that would fund it as written."""
    shares = ", ".join(f"{year} {share:.0%}" for year, share in budget["funded_share"].items())
    cut = {name: lever for name, lever in budget["levers"].items()
           if any(lever["funded"][y] < v - 1e-9 for y, v in lever["requested"].items())}
    lines = [f"  Funded share of the mix's requested outlay increase (median): {shares}"
             + ("; these levers act at their funded values, not as written:" if cut
                else "; in the median replication every lever is funded as written")]
    for name, lever in cut.items():
        year = max(lever["requested"], key=lambda y: lever["requested"][y] - lever["funded"][y])
        lines.append(f"    {name}: written {lever['requested'][year]:g}, funded {lever['funded'][year]:.4g} in "
                     f"{year} (median; {lever['base_year_value']:g} in the base year)")
    need = budget.get("to_fund_as_written")
    if need:
        lines.append("  " + budget_setting_text(need))
    return lines


def budget_setting_text(need: dict) -> str:
    """The ``[budget]`` line that funds the mix as written in 90% of the replications checked."""
    from ecosim.analysis.costs import budget_setting
    from ecosim.scenario import BUDGET_GROWTH_RANGE, BUDGET_SHARE_RANGE

    key, setting, now = budget_setting(need)
    unit, allowed = ("% of GDP", BUDGET_SHARE_RANGE) if key == "share_of_gdp" else (" a year", BUDGET_GROWTH_RANGE)
    median = f"{need[key]['median']:.3f}" + ("%" if key == "share_of_gdp" else "")
    text = (f"To fund it as written in {need['years']}: an S&T budget of {setting:g}{unit}"
            + (f" (now {now:.3f}%)" if now is not None else "")
            + f" in 90% of {need['replications']} replications run without the cut (median {median}): "
              f"set [budget] {key} = {setting:g}")
    if not allowed[0] <= setting <= allowed[1]:
        text += f" (beyond the {allowed[0]:g}-{allowed[1]:g} a scenario accepts)"
    return text


