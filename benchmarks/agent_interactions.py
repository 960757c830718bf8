"""Do the agents matter? The size of each interaction, measured with paired runs (common random numbers).

* ``institution_quality_effect``: percent change of technology bought from the 10% of institutions
  whose quality is raised by one standard step (benchmarks/_market_effects.py);
* ``pilot_base_cluster_effect``: percent change of contracts bought by the cluster a new pilot-scale
  base serves (benchmarks/_market_effects.py);
* ``fund_screening_effect``: percent change of investees' R&D, the funds' screening against random
  picks (benchmarks/_fund_effects.py);
* ``budget_binding_share``: share of replications of guiding-opinions in which the S&T budget binds
  in at least one year of the cost window (benchmarks/_budget_effects.py);
* ``forecast_skill_unchanged``: whether the model's rolling-origin skill is still that of the
  reference model (benchmarks/forecast_skill_reference.json, which lists the comparisons given up
  since the forecast issue and why): no comparison with both naive forecasts that it won is lost,
  and no 90% band covers fewer years.
  Read from the forecast-skill benchmark's JSON result (``--skill-json``, default
  docs/forecast-skill.json, written by ``python benchmarks/forecast_skill.py --json
  docs/forecast-skill.json``), which must have been run on the same model. The issue's two raw
  goals are printed beside it (``forecast_skill_goals``): one comparison, intensity from the 2014
  origin unconditionally, was already lost in the reference (the forecast issue ended blocked on it),
  so they are false in both.

Prints progress, then one JSON line last.

    python benchmarks/agent_interactions.py [--replications 20] [--skill-json docs/forecast-skill.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _budget_effects import budget_effects  # noqa: E402
from _fund_effects import fund_effects  # noqa: E402
from _market_effects import market_effects  # noqa: E402

SKILL_JSON = HERE.parent / "docs" / "forecast-skill.json"
REFERENCE_JSON = HERE / "forecast_skill_reference.json"


def skill_cases(result: dict) -> dict[str, dict]:
    """Each (origin/mode/variable) comparison of a forecast-skill result: won against both naive
    forecasts on MAE, and the share of years in the 90% band."""
    cases = {}
    for origin, modes in result["origins"].items():
        for mode, scores in modes.items():
            for variable, v in scores.items():
                cases[f"{origin}/{mode}/{variable}"] = {
                    "beats_both_naive": bool(v["mae_model"] < min(v["mae_random_walk"], v["mae_linear_trend"])),
                    "coverage_90": float(v["coverage_90"])}
    return cases


def skill_regressions(cases: dict[str, dict], reference: dict[str, dict]) -> list[str]:
    """The reference's comparisons this result does worse on: a win lost, a band covering fewer
    years, or a comparison missing."""
    worse = []
    for name, ref in reference.items():
        now = cases.get(name)
        if now is None:
            worse.append(f"{name}: missing")
        elif ref["beats_both_naive"] and not now["beats_both_naive"]:
            worse.append(f"{name}: no longer beats both naive forecasts")
        elif now["coverage_90"] < ref["coverage_90"] - 1e-9:
            worse.append(f"{name}: 90% band covers {now['coverage_90']:.2f} of years, was {ref['coverage_90']:.2f}")
    return worse


def forecast_skill_holds(path: Path, reference_path: Path = REFERENCE_JSON) -> dict:
    """Whether the skill in the benchmark's JSON result is still the reference's, with the raw goals."""
    result = json.loads(path.read_text(encoding="utf-8"))
    reference = json.loads(reference_path.read_text(encoding="utf-8"))
    cases = skill_cases(result)
    worse = skill_regressions(cases, reference["cases"])
    return {"forecast_skill_unchanged": not worse, "forecast_skill_regressions": worse,
            "forecast_skill_wins": sum(c["beats_both_naive"] for c in cases.values()),
            "forecast_skill_comparisons": len(cases), "forecast_skill_goals": result["goals"],
            "forecast_skill_reference": reference["commit"], "forecast_skill_commit": result.get("commit") or "unknown"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--skill-json", type=Path, default=SKILL_JSON)
    args = parser.parse_args()
    start = time.perf_counter()
    result: dict = {}
    for name, measure in (("market", market_effects), ("funds", fund_effects), ("budget", budget_effects)):
        result.update(measure(replications=args.replications))
        print(f"{name}: {time.perf_counter() - start:.0f} s", flush=True)
    result.update(forecast_skill_holds(args.skill_json))
    result["replications"] = args.replications
    result["seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
