"""The command line: one subcommand per user task. Thin: parse, call the API, print."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tomllib
from pathlib import Path

import pandas as pd

from ecosim import __version__, cli_backtest, cli_batch, cli_calibrate, cli_design, cli_plot, cli_sensitivity
from ecosim.analysis.forecast import Forecast, forecast
from ecosim.analysis.names import check_changes, check_levers, scenario_of
from ecosim.analysis.provenance import MANIFEST, SCENARIO_FILE, manifest, scenario_toml, write_provenance
from ecosim.assumptions import ASSUMPTIONS
from ecosim.charts.fonts import CJKFontMissing
from ecosim.cli_args import non_negative_int, positive_int
from ecosim.levers import LEVERS, baseline_value
from ecosim.model import OUTPUT_COLUMNS
from ecosim.scenario import Scenario, ScenarioError

EXIT_BAD_INPUT = 2
RUN_FILES = ("years.csv", "summary.json", "columns.csv", SCENARIO_FILE, MANIFEST)
"""The files ``ecosim run`` writes."""
CHART_STEMS = ("fan", "fan-zh", "contribution", "contribution-zh", "compare", "compare-zh", "cost", "cost-zh",
               "report", "report-zh")
"""Charts and reports a later step may have written into a run folder (removed by ``run --force``)."""

EXAMPLES = """examples:
  ecosim run                                        baseline, its 200 replications, into out/baseline
  ecosim run guiding-opinions --replications 500 --seed 7 --out out/go
  ecosim run baseline --set levers.rd_reward_rate=0.08 --set levers.platforms=80 --out out/reward
  ecosim compare baseline guiding-opinions --replications 200 --out out/cmp
  ecosim contribution guiding-opinions --replications 50 --out out/contrib
  ecosim plot out/go --kind fan --lang zh
  ecosim report out/baseline out/go --lang zh
"""
EXIT_INTERRUPTED = 130
"""Ctrl-C: 128 + SIGINT, as shells report it."""
EXIT_CLOSED_PIPE = 141
"""The reader of the output went away (``ecosim levers | head``): 128 + SIGPIPE, as shells report it."""


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ecosim`` command."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "command"):
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        return args.command(args)
    except KeyboardInterrupt:
        print("ecosim: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_CLOSED_PIPE
    except (ScenarioError, ValueError, KeyError, OSError, CJKFontMissing) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"ecosim: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so flushing it at exit does not raise a second BrokenPipeError."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ecosim", epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Simulate Shanxi's innovation ecosystem: does a policy mix reach the R&D-intensity target?")
    parser.add_argument("--version", action="version", version=f"ecosim {__version__}")
    sub = parser.add_subparsers()
    _add_run(sub)
    _add_compare(sub)
    _add_contribution(sub)
    _add_report(sub)
    for module in (cli_batch, cli_sensitivity, cli_calibrate, cli_backtest, cli_plot, cli_design):
        module.register(sub)
    levers = sub.add_parser("levers", help="list the policy levers: unit, allowed range, 2020 value, cost rule")
    levers.set_defaults(command=_levers)
    assumptions = sub.add_parser("assumptions", help="list the assumptions: unit, default, range, reason")
    assumptions.set_defaults(command=_assumptions)
    return parser


def _common(parser: argparse.ArgumentParser, out_help: str) -> None:
    parser.add_argument("--replications", type=positive_int,
                        help="replications per scenario (default: the (first) scenario's own, e.g. 200)")
    parser.add_argument("--seed", type=non_negative_int,
                        help="root seed; the same seed gives the same numbers (default: the (first) scenario's)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="changes",
                        help="change a field without editing a file, e.g. --set levers.rd_reward_rate=0.08 or "
                             "--set 'levers.platforms={2021=60, 2023=80}' (TOML values; repeat for several)")
    parser.add_argument("--out", type=Path, help=out_help)
    parser.add_argument("--force", action="store_true", help="replace the results already in the output folder")


def _add_run(sub) -> None:
    run = sub.add_parser("run", help="forecast a scenario: P(target met), intensity bands, yearly table",
                         epilog="example: ecosim run baseline --replications 200 --seed 7 --set "
                                "levers.rd_reward_rate=0.08 --out out/reward",
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("scenario", nargs="?", default="baseline",
                     help="scenario TOML file or built-in name (baseline, guiding-opinions, actual-2021-2024); "
                          "default: baseline")
    _common(run, "output folder (default: out/<scenario name>); must be new or empty unless --force")
    run.set_defaults(command=_run)


def _add_compare(sub) -> None:
    cmp = sub.add_parser("compare", help="compare policy mixes on common random numbers: P(target met) and "
                                         "paired differences with intervals (CSV)",
                         epilog="example: ecosim compare baseline guiding-opinions --replications 200 --out out/cmp",
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    cmp.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                     help="scenario files or built-in names; the first is the reference. With --set, the first "
                          "scenario with the changes is added as '<name>-modified'")
    _common(cmp, "output folder for compare.csv, the scenarios and the manifest (default: out/compare)")
    cmp.set_defaults(command=_compare)


def _add_contribution(sub) -> None:
    con = sub.add_parser("contribution", help="each lever's contribution to the target-year intensity (CSV)",
                         epilog="example: ecosim contribution guiding-opinions --replications 50 --out out/contrib",
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    con.add_argument("scenario", help="scenario TOML file or built-in name")
    con.add_argument("--levers", help="comma-separated levers to compute (default: every lever the scenario changes)")
    _common(con, "output folder for contribution.csv, the scenario and the manifest "
                 "(default: out/<scenario name>-contribution)")
    con.set_defaults(command=_contribution)


def _add_report(sub) -> None:
    rep = sub.add_parser("report", help="a short brief (HTML and PDF) from run folders: question, answer with "
                                        "its interval, fan, comparison, cost, caveats",
                         epilog="example: ecosim report out/baseline out/go --lang zh --out out/brief",
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    rep.add_argument("results", nargs="+", type=Path, metavar="RUN_DIR",
                     help="folders written by 'ecosim run'; the first is the reference")
    rep.add_argument("--lang", choices=("en", "zh"), default="en", help="language (default: en)")
    rep.add_argument("--out", type=Path, help="output path without extension (default: FIRST_RUN_DIR/report[-zh])")
    rep.add_argument("--allow-unpaired", action="store_true",
                     help="compare runs with different seeds or replication counts (intervals then unpaired)")
    rep.set_defaults(command=_report)


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


def load_with_changes(name: str, items: list[str]) -> Scenario:
    """The scenario ``name`` (file or built-in) with the ``--set`` changes applied."""
    scenario = scenario_of(name)
    return scenario.with_changes(parse_changes(items)) if items else scenario


def prepare_out(out: Path, force: bool, names: tuple[str, ...] = RUN_FILES) -> None:
    """Refuse an output folder that already holds files unless ``force``; with ``force`` remove the
    files ecosim wrote there before (results, charts, reports), so nothing stale is left beside the new."""
    if out.exists() and not out.is_dir():
        raise ScenarioError(str(out), "--out", "is a file, not a folder")
    if out.exists() and any(out.iterdir()):
        if not force:
            raise ScenarioError(str(out), "--out", "the folder already holds results; give --force to replace "
                                                   "them or choose another --out")
        for name in names:
            (out / name).unlink(missing_ok=True)
        for stem in CHART_STEMS:
            for ext in ("png", "pdf", "svg", "html"):
                (out / f"{stem}.{ext}").unlink(missing_ok=True)


def _run(args: argparse.Namespace) -> int:
    scenario = load_with_changes(args.scenario, args.changes)
    out = args.out or Path("out") / scenario.name
    prepare_out(out, args.force)
    result = forecast(scenario, args.replications, args.seed)
    written = write_forecast(result, out)
    print(describe(result))
    print("\nwrote " + ", ".join(str(p) for p in written))
    return 0


def write_forecast(result: Forecast, out: Path) -> list[Path]:
    """Write the yearly table, the summary, the column dictionary, the scenario as run and the
    manifest of a forecast to ``out``; returns the paths."""
    out.mkdir(parents=True, exist_ok=True)
    result.years.to_csv(out / "years.csv", index=False)
    (out / "summary.json").write_text(json.dumps(result.summary(), indent=2, ensure_ascii=False) + "\n")
    columns = pd.DataFrame([(name, unit, meaning) for name, (unit, meaning) in OUTPUT_COLUMNS.items()],
                           columns=["column", "unit", "meaning"])
    columns.to_csv(out / "columns.csv", index=False)
    info = result.provenance or manifest(result.scenario, result.seed, result.replications)
    return [out / "years.csv", out / "summary.json", out / "columns.csv",
            *write_provenance(out, result.scenario, info)]


def describe(result: Forecast) -> str:
    """A short summary a person can read."""
    from ecosim.analysis.intervals import format_share

    s = result.summary()
    target = "the national average" if s["target"] == "national_average" else f"{s['target']}% of GDP"
    shanxi, national, gap = s["rd_intensity"], s["national_rd_intensity"], s["rd_intensity_gap"]
    first = s["first_year_met"]
    lines = [
        f"Scenario '{s['scenario']}': {s['replications']} replications, root seed {s['seed']}",
        f"Question: does Shanxi's R&D intensity reach {target} in {s['target_year']}?",
        f"  P(target met in {s['target_year']}) = {format_share(s['target_met_count'], s['replications'])}",
        f"  Shanxi R&D / GDP in {s['target_year']}: median {shanxi['q50']:.2f}% "
        f"(90% range {shanxi['q05']:.2f}-{shanxi['q95']:.2f}%)",
        f"  National R&D / GDP in {s['target_year']}: median {national['q50']:.2f}% "
        f"(90% range {national['q05']:.2f}-{national['q95']:.2f}%)",
        f"  Gap to the target in {s['target_year']}: median {gap['q50']:+.2f} percentage points "
        f"(90% range {gap['q05']:+.2f} to {gap['q95']:+.2f})",
        f"  First year met in at least half the replications: {first if first else 'none up to the horizon'}",
        f"  Government cost of the levers from {result.scenario.policy_start_year} on (median): "
        f"{s['government_cost_from_policy_start_median']:.1f} (100m yuan)",
    ]
    if s["probability_target_met"] < 0.5:
        horizon = result.scenario.horizon
        gaps = result.bands("rd_intensity_gap")["q50"]
        lines += [f"  Out of reach in {s['target_year']} for this mix: the median gap is {gaps.loc[horizon]:+.2f} "
                  f"points in {horizon}. What a mix would take, e.g. for {horizon}:",
                  f"    ecosim optimize {result.scenario.name} --target-probability 0.5 --target-year {horizon}"]
    return "\n".join(lines)


def _write_table(table: pd.DataFrame, out: Path, stem: str) -> list[Path]:
    """The table as CSV and its column dictionary (unit, meaning) beside it."""
    table.to_csv(out / f"{stem}.csv")
    units, meanings = table.attrs.get("units", {}), table.attrs.get("definitions", {})
    columns = pd.DataFrame([(c, units.get(c, ""), meanings.get(c, "")) for c in table.columns],
                           columns=["column", "unit", "meaning"])
    columns.to_csv(out / f"{stem}-columns.csv", index=False)
    return [out / f"{stem}.csv", out / f"{stem}-columns.csv"]


def _compare(args: argparse.Namespace) -> int:
    from ecosim.analysis.compare import compare
    from ecosim.analysis.intervals import format_difference, format_share

    scenarios = [scenario_of(name) for name in args.scenarios]
    if args.changes:
        scenarios.append(scenarios[0].with_changes(parse_changes(args.changes)))
    out = args.out or Path("out") / "compare"
    prepare_out(out, args.force, ("compare.csv", "compare-columns.csv", MANIFEST))
    result = compare(scenarios, args.replications, args.seed)
    table = result.table()
    out.mkdir(parents=True, exist_ok=True)
    written = _write_table(table, out, "compare")
    folder = out / "scenarios"
    folder.mkdir(exist_ok=True)
    for name, f in result.forecasts.items():
        (folder / f"{name}.toml").write_text(scenario_toml(f.scenario), encoding="utf-8")
    first = result.forecasts[result.baseline]
    (out / MANIFEST).write_text(json.dumps({**first.provenance, "scenarios": list(result.forecasts)}, indent=2,
                                           ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(result.forecasts)} scenarios, {first.replications} replications each, root seed {result.seed} "
          f"(common random numbers; differences paired by replication)")
    for name, row in table.iterrows():
        line = f"  {name}: P(target met in {first.scenario.target.year}) = " \
               f"{format_share(int(row['target_met_count']), int(row['replications']))}"
        if name != result.baseline:
            p_diff, x_diff = result.differences(name)
            line += (f"; vs {result.baseline}: {format_difference(p_diff)}, intensity "
                     f"{format_difference(x_diff, unit='pp', scale=1.0, digits=2)}")
        print(line)
    print("\nwrote " + ", ".join(str(p) for p in [*written, folder, out / MANIFEST]))
    return 0


def _contribution(args: argparse.Namespace) -> int:
    from ecosim.analysis.contribution import contribution

    scenario = load_with_changes(args.scenario, args.changes)
    levers = check_levers([s.strip() for s in args.levers.split(",")], "--levers") if args.levers else None
    out = args.out or Path("out") / f"{scenario.name}-contribution"
    prepare_out(out, args.force, ("contribution.csv", "contribution-columns.csv", SCENARIO_FILE, MANIFEST))
    result = contribution(scenario, args.replications, args.seed, levers)
    out.mkdir(parents=True, exist_ok=True)
    written = _write_table(result.table(), out, "contribution")
    written += write_provenance(out, scenario, manifest(scenario, result.seed, result.replications))
    shown = result.table()
    shown = shown[shown["changed"]] if levers is None else shown
    print(f"Contribution to the median {scenario.target.year} intensity of '{scenario.name}' "
          f"({result.replications} replications, root seed {result.seed}); drop in pp, 95% interval of the mean drop:")
    for lever, row in shown.sort_values("drop", ascending=False).iterrows():
        print(f"  {lever}: {row['drop']:+.3f} (mean {row['drop_mean']:+.3f}, {row['drop_low']:+.3f} to "
              f"{row['drop_high']:+.3f})")
    print(f"  all changed levers at once: {result.total:+.3f}; interactions {result.interaction:+.3f}")
    print("\nwrote " + ", ".join(str(p) for p in written))
    return 0


def _report(args: argparse.Namespace) -> int:
    from ecosim.report import write_report

    paths = write_report(args.results, args.lang, args.out, args.allow_unpaired)
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0


def _levers(_: argparse.Namespace) -> int:
    for lever in LEVERS.values():
        print(f"{lever.name}\n  {lever.effect}\n  allowed: {lever.allowed}; 2020 value: "
              f"{baseline_value(lever.name):g}\n  source: {lever.text}\n  cost: {lever.cost_rule}")
    return 0


def _assumptions(_: argparse.Namespace) -> int:
    for a in ASSUMPTIONS.values():
        print(f"{a.name} = {a.default:g} ({a.unit}); range {a.low:g} to {a.high:g}  [{a.group}]\n  {a.reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
