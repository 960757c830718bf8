"""Out-of-sample skill inside the history: rolling origins and the outside view.

For each origin (default 2014, 2015, 2016) the model is recalibrated on 2011..origin only (ABC,
the data estimates cut at the origin too), then forecasts origin+1..2020 under the recorded
policy, unconditionally (GDP and coal price simulated after the origin) and conditionally (the
recorded GDP and coal price). Each is scored against the shipped history and against two naive
forecasts made at the origin: no change, and the least-squares line over the six years to the
origin. Then the shipped calibration forecasts the baseline and actual-2021-2024 scenarios, and
their 2020-2024 changes of intensity are set against the provinces' record (docs/evidence.md section 1: windows
of four years starting below 1.5%: median +0.10 pp, 90th percentile +0.39, largest +0.55).

Prints progress, then one JSON line last:
{"origins": {"2016": {"unconditional": {"rd_expenditure": {...}, "rd_intensity_first_published": {...}},
 "conditional": {...}}, ...}, "outside_view": {"baseline_change_2020_2024": {"median", "p05", "p95"}, ...},
 "goals": {...}}

With ``--seeds 2020,2021`` the rolling origins are recalibrated once more for every further ABC
seed (the calibration config's seed is the first, whose scores stay the result and the goals'):
the JSON gains ``seed_spread`` (each origin, mode and variable's skill scores and coverage at every
seed) and ``skill_short_by_seed`` (the skill goal's shortfalls under each seed), the Markdown a table
and a list of them. One seed's accepted draws move a score by about as much as
a change of mechanism does, so a variant is judged over seeds, not on one.

    python benchmarks/forecast_skill.py [--origins 2014,2015,2016] [--replications 200] [--draws N]
                                        [--seeds 2020,2021]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from ecosim.api.backtest import rolling_origin
from ecosim.api.forecast import forecast
from ecosim.explore.calibration import CalibrationConfig
from ecosim.explore.provenance import git_commit
from ecosim.scenario import load_scenario

VARIABLES = ("rd_expenditure", "rd_intensity_first_published")
CONFIG = Path(__file__).parents[1] / "experiments" / "calibration.toml"
"""The shipped calibration config: the same draws, seeds and parameters at every origin."""
KEYS = ("mae_model", "mae_random_walk", "mae_linear_trend", "crps_model", "crps_random_walk",
        "crps_random_walk_drift", "skill_random_walk", "skill_random_walk_drift", "coverage_90", "years")
MODES = {"unconditional": (), "conditional": ("gdp", "coal")}
"""The two forecasts from each origin: the paths after it simulated, or the recorded GDP and coal price given."""
NAIVE = ("random_walk", "random_walk_drift")
"""The probabilistic naive forecasts the skill scores are against."""


def skill(origins: list[int], replications: int, draws: int | None, seed: int | None = None) -> dict:
    """Recalibrate at each origin (with the ABC ``seed``, default the config's) and score both modes."""
    out = {}
    for origin in origins:
        start = time.perf_counter()
        config = CalibrationConfig.load(CONFIG)
        if draws:
            config.draws = draws
        if seed is not None:
            config.seed = seed
        results = rolling_origin(origin, config, tuple(MODES.values()), "baseline", replications)
        modes = {}
        for mode, result in zip(MODES, results):
            scores = result.scores()
            modes[mode] = {v: {k: scores[v][k] for k in KEYS} for v in VARIABLES}
        out[str(origin)] = modes
        print(f"origin {origin} (ABC seed {config.seed}): {time.perf_counter() - start:.0f} s", flush=True)
    return out


SPREAD_KEYS = ("skill_random_walk", "skill_random_walk_drift", "coverage_90")


def seed_spread(by_seed: dict[int, dict]) -> dict:
    """Each origin, mode and variable's skill scores and band coverage under every ABC seed:
    ``{origin: {mode: {variable: {key: {seed: value}}}}}`` (keys :data:`SPREAD_KEYS`)."""
    first = next(iter(by_seed.values()))
    return {origin: {mode: {variable: {key: {str(seed): result[origin][mode][variable][key]
                                             for seed, result in by_seed.items()}
                                       for key in SPREAD_KEYS}
                            for variable in scores}
                     for mode, scores in modes.items()}
            for origin, modes in first.items()}


def outside_view(replications: int) -> dict:
    """2020-2024 change of intensity (percentage points) of two scenarios, shipped calibration."""
    view = {}
    for name in ("baseline", "actual-2021-2024"):
        years = forecast(load_scenario(name), replications, progress=False).years
        by_year = years.pivot(index="replication", columns="year", values="rd_intensity")
        change = by_year[2024] - by_year[2020]
        view[f"{name.replace('-', '_')}_change_2020_2024"] = {
            "median": float(change.median()), "p05": float(change.quantile(0.05)), "p95": float(change.quantile(0.95))}
    return view


def goals(origins: dict) -> dict:
    """The goals: the median beats both naive point forecasts on MAE; the 90% band covers >= 90% of
    years; skill >= 0 against both probabilistic naive forecasts at every origin in the conditional
    mode, and on average over the origins in the unconditional mode (each variable), with the
    comparisons that fall short named (:func:`skill_short`)."""
    beats, covers = True, True
    for modes in origins.values():
        for scores in modes.values():
            for v in scores.values():
                beats &= v["mae_model"] < min(v["mae_random_walk"], v["mae_linear_trend"])
                covers &= v["coverage_90"] >= 0.9
    short = skill_short(origins)
    return {"median_beats_both_naive": bool(beats), "coverage_90_at_least_90pct": bool(covers),
            "skill_at_least_0": not short, "skill_short": short}


def skill_short(origins: dict) -> list[str]:
    """The comparisons that miss the skill goal (skill >= 0 against both probabilistic naive forecasts
    at every origin in the conditional mode, and on average over the origins in the unconditional
    mode), each with its score. ``origins`` needs only the ``skill_*`` scores."""
    short = []
    for origin, modes in origins.items():
        for variable, v in modes.get("conditional", {}).items():
            short += [f"{origin}/conditional/{variable}/{n}: {v[f'skill_{n}']:+.3f}"
                      for n in NAIVE if not v[f"skill_{n}"] >= 0]
    variables = {v for modes in origins.values() for scores in modes.values() for v in scores}
    for variable in sorted(variables):
        for n in NAIVE:
            values = [modes["unconditional"][variable][f"skill_{n}"] for modes in origins.values()
                      if "unconditional" in modes]
            if values and not np.mean(values) >= 0:
                short.append(f"mean over origins/unconditional/{variable}/{n}: {np.mean(values):+.3f}")
    return short


def short_by_seed(by_seed: dict[int, dict]) -> dict[str, list[str]]:
    """:func:`skill_short` under each ABC seed (``by_seed``: each seed's :func:`skill` result)."""
    return {str(seed): skill_short(origins) for seed, origins in by_seed.items()}


NAMES = {"rd_expenditure": "R&D expenditure (100m yuan)",
         "rd_intensity_first_published": "R&D intensity (percent of GDP, first-published)"}


def write_doc(result: dict, path: Path, command: str) -> None:
    """docs/forecast-skill.md: the rolling-origin scores and the outside view, as tables."""
    lines = ["# Forecast skill inside the history", "",
             f"Written by `{command}` (seconds: {result['seconds']}). Each origin is recalibrated on "
             "2011..origin only (ABC, data estimates cut at the origin), then forecasts origin+1..2020 under "
             "the recorded policy: unconditionally (GDP and coal price simulated after the origin) and "
             "conditionally (the recorded GDP and coal price). Naive forecasts are made at the origin: no "
             "change (random walk) and the least-squares line over the six years to the origin, as points; "
             "and as distributions, a Gaussian random walk without and with drift (the mean recorded yearly "
             "change), its standard deviation that of the yearly changes recorded up to the origin times the "
             "square root of the horizon (R&D in logs, intensity in levels). CRPS: continuous ranked "
             "probability score (scoringrules: of the model's replications, and in closed form of the naive "
             "distributions). Skill = 1 - CRPS model / CRPS naive: above 0 the model is better. The 90% band "
             "is the 5%-95% range of the replications.", ""]
    for origin, modes in result["origins"].items():
        for mode, scores in modes.items():
            lines += [f"## Origin {origin}, {mode}", "",
                      "| variable | years | MAE model | MAE random walk | MAE linear trend | CRPS model | "
                      "CRPS walk | CRPS walk + drift | skill vs walk | skill vs walk + drift | in 90% band |",
                      "|---|---|---|---|---|---|---|---|---|---|---|"]
            for variable, v in scores.items():
                lines.append(f"| {NAMES[variable]} | {v['years'][0]}-{v['years'][-1]} | {v['mae_model']:.3g} | "
                             f"{v['mae_random_walk']:.3g} | {v['mae_linear_trend']:.3g} | {v['crps_model']:.3g} | "
                             f"{v['crps_random_walk']:.3g} | {v['crps_random_walk_drift']:.3g} | "
                             f"{v['skill_random_walk']:+.2f} | {v['skill_random_walk_drift']:+.2f} | "
                             f"{v['coverage_90']:.0%} |")
            lines.append("")
    lines += ["## The outside view", "",
              "Change of Shanxi's intensity 2020-2024 (percentage points), shipped calibration, against the "
              "provinces' record (docs/evidence.md section 1, four-year windows starting below 1.5%: median +0.10, "
              "90th percentile +0.39, largest +0.55; one-year changes: 95th percentile +0.18).", "",
              "| scenario | median | 5% | 95% |", "|---|---|---|---|"]
    for name, v in result["outside_view"].items():
        lines.append(f"| {name.replace('_change_2020_2024', '')} | {v['median']:+.2f} | {v['p05']:+.2f} | "
                     f"{v['p95']:+.2f} |")
    lines += ["", f"Goals: {json.dumps(result['goals'])}", ""]
    if "seed_spread" in result:
        lines += seed_lines(result["seed_spread"])
        lines += ["The skill goal's shortfalls under each seed:", ""]
        lines += [f"* {seed}: {', '.join(short) or 'none'}" for seed, short in result["skill_short_by_seed"].items()]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


def seed_lines(spread: dict) -> list[str]:
    """The Markdown table of :func:`seed_spread`: one row per origin, mode and variable, each
    score's values at the seeds separated by slashes."""
    scores = next(iter(next(iter(next(iter(spread.values())).values())).values()))
    seeds = list(scores["skill_random_walk"])
    lines = ["## The same origins under other ABC seeds", "",
             f"Each origin recalibrated with the ABC seeds {', '.join(seeds)} (the first is the config's, "
             "whose scores are the tables above); values in that order.", "",
             "| origin, mode | variable | skill vs walk | skill vs walk + drift | in 90% band |",
             "|---|---|---|---|---|"]
    for origin, modes in spread.items():
        for mode, variables in modes.items():
            for variable, v in variables.items():
                walk, drift, band = (" / ".join(fmt.format(x) for x in v[key].values()) for key, fmt in
                                     (("skill_random_walk", "{:+.2f}"), ("skill_random_walk_drift", "{:+.2f}"),
                                      ("coverage_90", "{:.0%}")))
                lines.append(f"| {origin}, {mode} | {NAMES[variable]} | {walk} | {drift} | {band} |")
    return lines + [""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--origins", default="2014,2015,2016")
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--draws", type=int, help="ABC draws per origin (default: the calibration config's)")
    parser.add_argument("--seeds", help="ABC seeds to recalibrate the origins with, comma-separated (default: "
                                         "the calibration config's; the first seed's scores are the result)")
    parser.add_argument("--doc", type=Path, help="also write the tables to this Markdown file "
                                                 "(docs/forecast-skill.md)")
    parser.add_argument("--json", type=Path, help="also write the JSON result to this file "
                                                  "(docs/forecast-skill.json, read by agent_interactions.py)")
    args = parser.parse_args()
    start = time.perf_counter()
    years = [int(y) for y in args.origins.split(",")]
    seeds = [int(x) for x in args.seeds.split(",")] if args.seeds else [CalibrationConfig.load(CONFIG).seed]
    by_seed = {seed: skill(years, args.replications, args.draws, seed) for seed in seeds}
    origins = by_seed[seeds[0]]
    result = {"origins": origins, "outside_view": outside_view(args.replications), "goals": goals(origins)}
    if len(seeds) > 1:
        result["seed_spread"] = seed_spread(by_seed)
        result["skill_short_by_seed"] = short_by_seed(by_seed)
    result.update(seconds=round(time.perf_counter() - start, 1), commit=git_commit())
    if args.doc:
        write_doc(result, args.doc, "python benchmarks/forecast_skill.py " + " ".join(
            f"--{k} {v}" for k, v in (("origins", args.origins), ("replications", args.replications),
                                       ("draws", args.draws), ("seeds", args.seeds)) if v))
    text = json.dumps(result, default=lambda x: float(np.asarray(x)))
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
