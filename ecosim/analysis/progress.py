"""Running many replications with a plan and a progress bar (``tqdm.auto``: a terminal bar or a
Jupyter widget).

Before the work the plan is printed (runs, simulated years, expected time); the bar appears when
the work is expected to take more than :data:`SHOW_AFTER_SECONDS`, or when asked for. The
expected time uses the speed measured on earlier runs in this process.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from ecosim.explore.runs import replications
from ecosim.scenario import Scenario

SHOW_AFTER_SECONDS = 3.0
"""Work expected to take longer than this gets a plan line and a progress bar."""
_speed = {"seconds_per_run_year": 0.004}
"""Measured speed of this process (updated after every job)."""


@dataclass(frozen=True)
class Job:
    """``count`` replications of ``scenario`` from root seed ``seed``."""

    scenario: Scenario
    count: int
    seed: int

    @property
    def run_years(self) -> int:
        """Simulated years of all the job's runs."""
        return self.count * len(self.scenario.years)


def expected_seconds(jobs: Sequence[Job]) -> float:
    """Expected run time of the jobs at the speed measured so far."""
    return sum(j.run_years for j in jobs) * _speed["seconds_per_run_year"]


def plan_text(jobs: Sequence[Job], what: str) -> str:
    """One line: what is run, how many runs, and about how long it takes."""
    runs = sum(j.count for j in jobs)
    seconds = expected_seconds(jobs)
    when = f"about {seconds:.0f} s" if seconds < 120 else f"about {seconds / 60:.0f} min"
    scenarios = len({j.scenario.name for j in jobs})
    return (f"{what}: {runs} runs ({len(jobs)} scenario variant{'s' if len(jobs) != 1 else ''}"
            f"{f' of {scenarios} scenarios' if scenarios > 1 else ''}), {when}")


def run_jobs(jobs: Sequence[Job], what: str, progress: bool | None = None) -> list[pd.DataFrame]:
    """The stacked yearly tables of each job (as :func:`ecosim.explore.runs.run_replications`).

    ``progress``: None shows the plan and a bar when the work is expected to exceed
    :data:`SHOW_AFTER_SECONDS`; True always; False never.
    """
    show = expected_seconds(jobs) > SHOW_AFTER_SECONDS if progress is None else progress
    bar = None
    if show:
        from tqdm.auto import tqdm

        print(plan_text(jobs, what), file=sys.stderr, flush=True)
        bar = tqdm(total=sum(j.count for j in jobs), desc=what, unit="run", leave=False, file=sys.stderr)
    tables = []
    started = time.perf_counter()
    try:
        for job in jobs:
            runs = []
            for table in replications(job.scenario, job.count, job.seed):
                runs.append(table)
                if bar is not None:
                    bar.update(1)
            tables.append(pd.concat(runs, ignore_index=True))
    finally:
        if bar is not None:
            bar.close()
    elapsed, done = time.perf_counter() - started, sum(j.run_years for j in jobs)
    if done and elapsed > 0:
        _speed["seconds_per_run_year"] = elapsed / done
    return tables
