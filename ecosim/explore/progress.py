"""Running many replications with a plan and a progress bar (``tqdm.auto``: a terminal bar or a
Jupyter widget), and the measured speed the plans' expected times come from.

Every expected time is measured here and now, for the kind of run it is about, and nothing is
remembered between calls: :func:`run_jobs` times the job's own first runs before it prints the
plan (runs, simulated years, expected time), so the expected time counts this machine's speed
and its present load; :func:`time_runs` times a few runs of any run function (the optimiser's
objective, for one). The plan and the bar appear when the work is expected to take more than
:data:`SHOW_AFTER_SECONDS`, or when asked for.

Work spread over worker processes is timed as it runs there: :func:`time_runs_at_once` times runs
in several processes at once (on a machine busy with other work they may go no faster in total
than one at a time).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from ecosim.explore.executors import make_executor, map_in_order
from ecosim.explore.runs import ReplicationSlice, replications, run_slice, slices
from ecosim.scenario import Scenario

SHOW_AFTER_SECONDS = 3.0
"""Work expected to take longer than this gets a plan line and a progress bar."""
MEASURE_RUNS = 3
"""Runs timed (after a job's first, which also resolves the scenario's inputs) before a plan is made."""
MEASURE_SECONDS = 0.5
"""Wall seconds of timed runs, at least, before a plan is made (fewer runs are too noisy on a busy machine)."""


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


@dataclass(frozen=True)
class Speed:
    """How fast runs go here, measured: wall seconds per simulated run-year, and the extra wall
    seconds of a job's first run (resolving the scenario's inputs once for all its runs)."""

    seconds_per_run_year: float
    setup_seconds: float = 0.0

    def seconds(self, run_years: float, jobs: int = 0) -> float:
        """Expected wall seconds of ``run_years`` simulated years in ``jobs`` jobs not yet started."""
        return run_years * self.seconds_per_run_year + jobs * self.setup_seconds


def duration(seconds: float) -> str:
    """A duration as a plan prints it: ``4.2 s``, ``19 s``, ``3 min`` or ``3.5 h``."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def about(seconds: float) -> str:
    """An expected duration: ``about 4.2 s``, ``about 19 s`` or ``about 3 min``."""
    return f"about {duration(seconds)}"


def time_runs(run: Callable[[int], object], years: int, least: int = MEASURE_RUNS,
              seconds: float = MEASURE_SECONDS, most: int = 50) -> Speed:
    """The speed of ``run(r)`` (one simulated run of ``years`` years, replication ``r``), timed here.

    One run warms up (not timed); then at least ``least`` runs and ``seconds`` wall seconds are
    timed, at most ``most`` runs."""
    return Speed(_seconds_per_run_year(run, years, least, seconds, most))


def _seconds_per_run_year(run: Callable[[int], object], years: int, least: int, seconds: float,
                          most: int) -> float:
    """Wall seconds per simulated run-year of ``run(r)``: one warm-up run (not timed: it resolves
    inputs and, in a forked copy, copies the memory pages it writes to), then at least ``least``
    runs and ``seconds`` wall seconds timed, at most ``most`` runs."""
    run(0)
    started, count = time.perf_counter(), 0
    while count < most and (count < least or time.perf_counter() - started < seconds):
        count += 1
        run(count)
    return (time.perf_counter() - started) / (count * years)


def process_age_seconds() -> float | None:
    """Wall seconds since this process started (Linux /proc), or None where that is not known.

    Read by a command as it begins, it is the start-up a new process of the same command pays here:
    the interpreter and the imports."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            start_ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime", encoding="ascii") as uptime:
            up_seconds = float(uptime.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return max(0.0, up_seconds - start_ticks / os.sysconf("SC_CLK_TCK"))


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def time_runs_at_once(run: Callable[[int], object], years: int, processes: int, least: int = MEASURE_RUNS,
                      seconds: float = MEASURE_SECONDS, most: int = 50) -> Speed | None:
    """The speed of ``run(r)`` in each of ``processes`` processes running at once, as the workers of
    a pool run: this process forks ``processes`` copies (which share its warm caches) that time
    their runs together, as :func:`time_runs`, and report through a pipe. The mean of their speeds;
    None where processes cannot be forked or a copy failed.

    On a machine busy with other work, runs at once may go no faster in total than one at a time:
    only a measurement tells."""
    if not hasattr(os, "fork"):
        return None
    children: dict[int, int] = {}
    try:
        for _ in range(processes):
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(read)
                _time_in_copy(run, years, write, least, seconds, most)
            os.close(write)
            children[pid] = read
        reports = [_read_all(read) for read in children.values()]
    finally:
        for pid, read in children.items():
            _stop(pid)
            os.close(read)
    try:
        return Speed(sum(float(r) for r in reports) / len(reports))
    except ValueError:
        return None


def _time_in_copy(run: Callable[[int], object], years: int, write: int, least: int, seconds: float,
                  most: int) -> None:
    """In a forked copy: time the runs, write the seconds per run-year to ``write`` and exit (never
    returns; Ctrl-C is left to the parent, which stops the copies)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    code = 1
    try:
        os.write(write, repr(_seconds_per_run_year(run, years, least, seconds, most)).encode("ascii"))
        code = 0
    finally:
        os._exit(code)


def _read_all(fd: int) -> str:
    """Everything written to the pipe ``fd`` until its writer closes it."""
    parts = []
    while chunk := os.read(fd, 4096):
        parts.append(chunk)
    return b"".join(parts).decode("ascii")


def _stop(pid: int) -> None:
    """Stop (if still running) and reap the forked copy ``pid``."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)


class StageBar:
    """A progress bar of runs on stderr whose label names the stage; does nothing when not shown."""

    def __init__(self, total_runs: int, stage: str, show: bool = True, done_runs: int = 0):
        self._bar = None
        if show:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total_runs, initial=done_runs, desc=stage, unit="run", leave=False,
                             file=sys.stderr)

    def stage(self, text: str) -> None:
        """Name the stage now under way."""
        if self._bar is not None:
            self._bar.set_description_str(text, refresh=True)

    def advance(self, runs: int) -> None:
        """Count ``runs`` more runs done."""
        if self._bar is not None:
            self._bar.update(runs)

    def close(self) -> None:
        """Remove the bar (before the results, or the one line of an interruption, are printed)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def plan_text(jobs: Sequence[Job], what: str, seconds: float) -> str:
    """One line: what is run, how many runs, and about how long it all takes (``seconds``)."""
    runs = sum(j.count for j in jobs)
    scenarios = len({j.scenario.name for j in jobs})
    return (f"{what}: {runs} runs ({len(jobs)} scenario variant{'s' if len(jobs) != 1 else ''}"
            f"{f' of {scenarios} scenarios' if scenarios > 1 else ''}), {about(seconds)}")


class _JobMeter:
    """Times the runs of :func:`run_jobs`; once the first runs are timed it prints the plan and
    opens the bar (when shown)."""

    def __init__(self, jobs: Sequence[Job], what: str, progress: bool | None):
        self.jobs, self.what, self.progress = list(jobs), what, progress
        self.total_runs = sum(j.count for j in jobs)
        self.total_years = sum(j.run_years for j in jobs)
        self.started = time.perf_counter()
        self.first_run_seconds: float | None = None
        self.runs = self.years = self.jobs_started = 0
        self.planned = progress is False
        self.bar: StageBar | None = None

    def ran_slices(self, done: int, total: int) -> None:
        """Count the runs of ``done`` of ``total`` slices finished on workers; make the plan from the
        wall time so far (worker start-up included) once enough runs are done."""
        runs = round(self.total_runs * done / total)
        elapsed = time.perf_counter() - self.started
        if self.bar is not None:
            self.bar.advance(runs - self.runs)
        self.runs = runs
        if self.bar is None and not self.planned and elapsed >= MEASURE_SECONDS and done < total:
            self.planned = True
            expected = elapsed * self.total_runs / max(runs, 1)
            if self.progress or expected > SHOW_AFTER_SECONDS:
                print(plan_text(self.jobs, self.what, expected), file=sys.stderr, flush=True)
                self.bar = StageBar(self.total_runs, self.what, done_runs=runs)

    def ran(self, job: Job, replication: int) -> None:
        """Count one run of ``job`` just finished; make the plan once enough runs are timed."""
        elapsed = time.perf_counter() - self.started
        if replication == 0:
            self.jobs_started += 1
            if self.first_run_seconds is None:
                self.first_run_seconds = elapsed
        self.runs += 1
        self.years += len(job.scenario.years)
        if self.bar is not None:
            self.bar.advance(1)
        elif not self.planned and self.runs > MEASURE_RUNS and elapsed >= MEASURE_SECONDS:
            self._plan(elapsed)

    def speed(self, elapsed: float) -> Speed:
        """The speed of the runs so far: the runs after the first give seconds per run-year; the
        first run's excess over them is the set-up every job pays once."""
        first_years = len(self.jobs[0].scenario.years)
        per_year = (elapsed - self.first_run_seconds) / max(self.years - first_years, 1)
        return Speed(per_year, max(0.0, self.first_run_seconds - per_year * first_years))

    def _plan(self, elapsed: float) -> None:
        """Print the plan and open the bar when the whole work is expected to take long enough."""
        self.planned = True
        speed = self.speed(elapsed)
        expected = elapsed + speed.seconds(self.total_years - self.years, len(self.jobs) - self.jobs_started)
        if self.progress or expected > SHOW_AFTER_SECONDS:
            print(plan_text(self.jobs, self.what, expected), file=sys.stderr, flush=True)
            self.bar = StageBar(self.total_runs, self.what, done_runs=self.runs)

    def close(self) -> None:
        """Remove the bar, however the work ended."""
        if self.bar is not None:
            self.bar.close()


SLICES_PER_WORKER = 4
"""Slices of replications per worker when runs are spread over workers: enough to keep every worker
busy to the end and to move the bar, few enough that each slice's pickled scenario is cheap."""


def run_jobs(jobs: Sequence[Job], what: str, progress: bool | None = None, workers: int = 1,
             dask: str | bool | None = None) -> list[pd.DataFrame]:
    """The stacked yearly tables of each job (as :func:`ecosim.explore.runs.run_replications`).

    ``progress``: None shows the plan and a bar when the work is expected to exceed
    :data:`SHOW_AFTER_SECONDS`; True always (once the first runs are timed: work done before
    that shows nothing); False never. ``workers`` > 1 or ``dask`` spread the replications over the
    executors batches use (:func:`ecosim.explore.executors.make_executor`); every replication has
    its own seed, so the tables are the same whatever the workers.
    """
    meter = _JobMeter(jobs, what, progress)
    try:
        if workers > 1 or dask:
            return _run_on_workers(jobs, meter, workers, dask)
        tables = []
        for job in jobs:
            runs = []
            for r, table in enumerate(replications(job.scenario, job.count, job.seed)):
                runs.append(table)
                meter.ran(job, r)
            tables.append(pd.concat(runs, ignore_index=True))
        return tables
    finally:
        meter.close()


def _run_on_workers(jobs: Sequence[Job], meter: _JobMeter, workers: int,
                    dask: str | bool | None) -> list[pd.DataFrame]:
    """:func:`run_jobs` with the replications cut into slices and run by an executor."""
    with make_executor(workers, dask) as executor:
        size = max(1, -(-sum(j.count for j in jobs) // (executor.workers * SLICES_PER_WORKER)))
        parts: list[ReplicationSlice] = [p for job in jobs for p in slices(job.scenario, job.count, job.seed, size)]
        tables = map_in_order(executor, run_slice, parts, 1, meter.ran_slices)
    stacked, start = [], 0
    for job in jobs:
        count = -(-job.count // size)
        stacked.append(pd.concat(tables[start:start + count], ignore_index=True))
        start += count
    return stacked
