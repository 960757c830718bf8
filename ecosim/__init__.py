"""ecosim: does a policy mix reach the R&D-intensity target, how likely, and which levers matter.

The notebook API::

    import ecosim
    baseline = ecosim.load_scenario("baseline")
    result = ecosim.forecast(baseline.with_changes({"levers.rd_reward_rate": 0.05}), replications=100)
    result.summary(); result.plot(lang="zh")
    screening = ecosim.Experiment(scenario="baseline", factors={"levers.rd_reward_rate": (0.0, 0.10)},
                                  design={"method": "lhs", "points": 16}, replications=2)
    runs, summaries = ecosim.batch(screening, "out/screening")
    ecosim.compare({"baseline": "baseline", "guiding opinions": "guiding-opinions"}).table()

    mine = ecosim.load_region("my-bundle")          # a bundle folder with newer years (ecosim data init)
    latest = ecosim.load_scenario("baseline", region=mine)   # starts from the bundle's last recorded year
"""

from ecosim.analysis.compare import Comparison
from ecosim.analysis.contribution import Contribution, changed_levers
from ecosim.analysis.forecast import Forecast
from ecosim.api.backtest import backtest, backtest_origin, rolling_origin
from ecosim.api.calibration import calibrate, calibration_fit
from ecosim.api.compare import compare
from ecosim.api.contribution import contribution
from ecosim.api.design import optimize
from ecosim.api.discovery import discover
from ecosim.api.forecast import forecast
from ecosim.api.lever_response import lever_responses
from ecosim.api.sensitivity import sensitivity
from ecosim.data import BundleError, Region, load_region
from ecosim.explore.batch import batch, read_results
from ecosim.explore.experiment import Experiment, ExperimentError, load_experiment
from ecosim.explore.results import BatchResults
from ecosim.scenario import Scenario, ScenarioError, load_scenario
from ecosim.version import __version__


def save(fig, path_stem, formats=("png", "pdf", "svg")):
    """Write a chart as ``path_stem.png`` (300 dpi), ``.pdf`` and ``.svg`` (text kept as text); the paths."""
    from ecosim.charts.style import save as save_chart

    return save_chart(fig, path_stem, formats)


__all__ = ["BatchResults", "BundleError", "Comparison", "Contribution", "Experiment", "ExperimentError", "Forecast",
           "Region", "Scenario", "ScenarioError", "backtest", "backtest_origin", "batch", "calibrate", "calibration_fit",
           "changed_levers", "compare", "contribution", "discover", "forecast", "lever_responses", "load_experiment",
           "load_region", "load_scenario", "optimize", "read_results", "rolling_origin", "save", "sensitivity",
           "__version__"]
