"""What the page exports: the mix as a scenario TOML file that ``ecosim run`` accepts unchanged, and the run
as a folder with the files ``ecosim run`` writes (so ``ecosim plot`` and ``ecosim report`` read it)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ecosim.analysis.forecast import Forecast
from ecosim.api.forecast import budget_to_fund_as_written
from ecosim.explore.provenance import scenario_toml
from ecosim.outputs.run_folder import claim_out, folder_inputs, write_forecast
from ecosim.scenario import Scenario


def mix_scenario(mix: Scenario, replications: int, seed: int) -> Scenario:
    """The mix with the page's replications and seed written in, so that ``ecosim run FILE`` gives the
    page's numbers without options; its name is kept."""
    return mix.with_changes({"replications": replications, "seed": seed}, name=mix.name)


def scenario_text(mix: Scenario, replications: int, seed: int) -> str:
    """The mix as a scenario TOML file (the writer of ``ecosim run``'s ``scenario.toml``)."""
    return scenario_toml(mix_scenario(mix, replications, seed))


def scenario_file_name(mix: Scenario) -> str:
    """The name the scenario file is offered under: the mix's name, as a file name."""
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in mix.name).strip("-.") or "scenario"
    return f"{safe}.toml"


def save_run(result: Forecast, out: Path, force: bool = False) -> list[Path]:
    """Write the run into ``out`` as ``ecosim run --out`` does (under the output-folder rule: a folder of
    the same run is written again, one of other results refused unless ``force``), with the S&T budget that would fund the mix as written worked out as ``ecosim run`` does;
    returns the paths written."""
    claim_out(out, "run", folder_inputs([result.scenario], result.seed, result.replications), force)
    complete = replace(result, years=result.years.copy(), to_fund_as_written=budget_to_fund_as_written(
        result, progress=False))
    return write_forecast(complete, out)
