"""The agents benchmark's skill check: the reference's wins and band coverage must still hold."""

from __future__ import annotations

import json
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from agent_interactions import REFERENCE_JSON, skill_cases, skill_regressions  # noqa: E402


def scores(mae_model: float, coverage: float) -> dict:
    """One comparison's scores against naive MAEs of 1.0 (random walk) and 2.0 (trend)."""
    return {"mae_model": mae_model, "mae_random_walk": 1.0, "mae_linear_trend": 2.0, "crps_model": 0.5,
            "coverage_90": coverage, "years": [2016, 2017]}


def result(mae: float, coverage: float) -> dict:
    """A forecast-skill result with one origin, one mode and one variable."""
    return {"origins": {"2015": {"conditional": {"rd_expenditure": scores(mae, coverage)}}}, "goals": {}}


def test_a_win_is_a_median_below_both_naive_errors():
    assert skill_cases(result(0.99, 1.0))["2015/conditional/rd_expenditure"]["beats_both_naive"]
    assert not skill_cases(result(1.0, 1.0))["2015/conditional/rd_expenditure"]["beats_both_naive"]


def test_a_lost_win_a_narrower_coverage_and_a_missing_case_are_regressions():
    reference = skill_cases(result(0.5, 1.0))
    assert skill_regressions(skill_cases(result(0.8, 1.0)), reference) == []
    assert "no longer beats" in skill_regressions(skill_cases(result(1.2, 1.0)), reference)[0]
    assert "covers 0.50" in skill_regressions(skill_cases(result(0.5, 0.5)), reference)[0]
    assert skill_regressions({}, reference) == ["2015/conditional/rd_expenditure: missing"]


def test_a_case_lost_in_the_reference_may_stay_lost():
    reference = skill_cases(result(1.5, 0.5))
    assert skill_regressions(skill_cases(result(1.6, 0.5)), reference) == []


def test_the_shipped_skill_result_holds_the_reference():
    shipped = json.loads((BENCHMARKS.parent / "docs" / "forecast-skill.json").read_text(encoding="utf-8"))
    reference = json.loads(REFERENCE_JSON.read_text(encoding="utf-8"))["cases"]
    assert len(reference) == 12
    assert skill_regressions(skill_cases(shipped), reference) == []
