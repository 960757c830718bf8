"""Compare policy mixes on the same random numbers: each scenario forecast with the same root seed and
replications, read as a :class:`~ecosim.analysis.compare.Comparison`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ecosim.analysis.compare import Comparison
from ecosim.analysis.forecast import Forecast
from ecosim.explore.progress import Job, run_jobs
from ecosim.explore.provenance import manifest
from ecosim.scenario import Scenario, scenario_of


def _named(scenarios: Mapping[str, Scenario | str] | Sequence[Scenario | str]) -> dict[str, Scenario]:
    """Display name -> Scenario (a sequence is named by the scenarios' own names)."""
    if isinstance(scenarios, Mapping):
        return {name: scenario_of(s) for name, s in scenarios.items()}
    loaded = [scenario_of(s) for s in scenarios]
    names = [s.name for s in loaded]
    if len(set(names)) != len(names):
        raise ValueError(f"two scenarios share a name ({', '.join(names)}); give a mapping of display names")
    return dict(zip(names, loaded))


def compare(scenarios: Mapping[str, Scenario | str] | Sequence[Scenario | str], replications: int | None = None,
            seed: int | None = None, progress: bool | None = None, workers: int = 1,
            dask: str | bool | None = None) -> Comparison:
    """Forecast each scenario with the same root seed (common random numbers).

    ``scenarios`` maps a display name to a Scenario or a scenario file / built-in name (or is a
    list of them, named by their own names); the first is the reference for gains, extra cost and
    differences. The default seed is the first scenario's; the default replication count the first
    scenario's too, so that every scenario is paired with it.
    ``workers`` > 1 (local processes) or ``dask`` (True: a LocalCluster; else a scheduler address)
    spread the replications over workers, with the same numbers as in one process.
    """
    loaded = _named(scenarios)
    if not loaded:
        raise ValueError("compare needs at least one scenario")
    first = next(iter(loaded.values()))
    root = first.seed if seed is None else seed
    count = first.replications if replications is None else replications
    jobs = [Job(s, count, root) for s in loaded.values()]
    tables = run_jobs(jobs, f"compare {len(jobs)} scenarios", progress, workers, dask)
    return Comparison({name: Forecast(s, years, root, manifest(s, root, count))
                       for (name, s), years in zip(loaded.items(), tables)}, root)
