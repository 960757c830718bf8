"""Do the agents matter? The size of each interaction, measured with paired runs (common random numbers).

* ``institution_quality_effect``: percent change of technology bought from the 10% of institutions
  whose quality is raised by one standard step (benchmarks/_market_effects.py);
* ``pilot_base_cluster_effect``: percent change of contracts bought by the cluster a new pilot-scale
  base serves (benchmarks/_market_effects.py);
* ``fund_screening_effect``: percent change of investees' R&D, the funds' screening against random
  picks (benchmarks/_fund_effects.py);
* ``budget_binding_share``: share of replications of guiding-opinions in which the S&T budget binds
  in at least one year of the cost window (benchmarks/_budget_effects.py);
* ``forecast_skill_unchanged``: whether the rolling-origin goals of benchmarks/forecast_skill.py hold,
  read from its JSON result (``--skill-json``, default docs/forecast-skill.json, written by
  ``python benchmarks/forecast_skill.py --json docs/forecast-skill.json``), which must have been
  run on the same model: the file records the commit it was run at.

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


def forecast_skill_holds(path: Path) -> dict:
    """The forecast-skill goals from the benchmark's JSON result: both must hold."""
    result = json.loads(path.read_text(encoding="utf-8"))
    goals = result["goals"]
    return {"forecast_skill_unchanged": bool(all(goals.values())), "forecast_skill_goals": goals,
            "forecast_skill_commit": result.get("commit", "unknown")}


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
