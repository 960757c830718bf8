"""The page's runs: replications in worker processes, in chunks, stopped between replications when a newer
change makes them moot.

Every replication draws from its own seed (:func:`ecosim.explore.runs.run_seed`), so chunks may run in any
worker in any order: stacked by replication, the yearly table is the one :func:`ecosim.forecast` makes in one
process, number for number. The pool is the server's (sessions share the cores, not their results); a run
is stopped through a shared table of cancelled run ids that the workers read before each replication.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

import pandas as pd

from ecosim.analysis.forecast import Forecast
from ecosim.explore.progress import usable_cores
from ecosim.explore.provenance import manifest
from ecosim.explore.runs import replications
from ecosim.scenario import Scenario

WORKERS = usable_cores()
"""Worker processes: the cores this server may run on."""
CHUNKS_PER_WORKER = 5
"""A run is cut into about this many chunks per worker: enough for a smooth progress bar and for both
workers to finish together, few enough that sending them costs nothing next to the runs."""
MAX_CHUNK = 10
"""At most this many replications in one chunk, so that progress moves on large runs too."""
CANCEL_SLOTS = 4096
"""Size of the shared table of cancelled run ids (slot = id modulo this): far more runs than can be in
flight at once, so a slot is never reused while its run may still be running."""
POLL_SECONDS = 0.05
"""How often a waiting run checks whether it is still wanted."""
WATCH_SECONDS = 0.2
"""How often a worker checks that the server that started it still runs."""

_cancelled = None
"""In a worker: the shared table of cancelled run ids (set by :func:`_start_worker`)."""


class RunFailed(RuntimeError):
    """The runs could not be done (a worker process died); the message says what to do."""


def chunk_size(count: int, workers: int = WORKERS) -> int:
    """Replications per chunk for a run of ``count``: about :data:`CHUNKS_PER_WORKER` chunks per worker,
    at most :data:`MAX_CHUNK` replications each."""
    return max(1, min(MAX_CHUNK, math.ceil(count / (workers * CHUNKS_PER_WORKER))))


def run_chunks(count: int, early: int | None = None, workers: int = WORKERS) -> list[tuple[int, int]]:
    """The chunks (first replication, one past the last) of a run of ``count``: when ``early`` is given,
    replications 0 to ``early - 1`` first, in even chunks, as many for each worker (so that they are all done
    at about the same time), then the rest in even chunks of at most :func:`chunk_size`."""
    first = 0 if early is None else min(early, count)
    rest = count - first
    first_pieces = workers * math.ceil(first / (workers * MAX_CHUNK))
    rest_pieces = math.ceil(rest / chunk_size(rest, workers)) if rest else 0
    bounds = ({round(first * c / first_pieces) for c in range(first_pieces + 1)} if first else {0}) | \
        {first + round(rest * c / rest_pieces) for c in range(1, rest_pieces + 1)}
    ordered = sorted(bounds)
    return list(zip(ordered[:-1], ordered[1:]))


def stacked(scenario: Scenario, seed: int, parts: dict[tuple[int, int], list[pd.DataFrame]], index: int,
            count: int) -> Forecast:
    """The forecast of replications 0 to ``count - 1`` of scenario number ``index``, from its finished chunks
    stacked in replication order."""
    starts = sorted(start for i, start in parts if i == index and start < count)
    years = pd.concat([table for start in starts for table in parts[(index, start)]], ignore_index=True)
    return Forecast(scenario, years, seed, manifest(scenario, seed, count))


def replication_tables(scenario: Scenario, seed: int, start: int, stop: int, run_id: int = 0) -> list[pd.DataFrame] | None:
    """The yearly tables of replications ``start`` to ``stop - 1`` of ``scenario`` from root seed ``seed``
    (:func:`ecosim.explore.runs.replications`); None when run ``run_id`` is cancelled before they are all
    done (checked before each replication)."""
    runs = replications(scenario, stop - start, seed, first=start)
    tables = []
    for _ in range(stop - start):
        if _is_cancelled(run_id):
            return None
        tables.append(next(runs))
    return tables


def _is_cancelled(run_id: int) -> bool:
    """Whether run ``run_id`` was cancelled (never, outside a worker of a pool)."""
    return _cancelled is not None and _cancelled[run_id % CANCEL_SLOTS] == run_id


def _start_worker(cancelled, server: int) -> None:
    """A worker's start: keep the shared table of cancelled runs, leave Ctrl-C to the server (which stops
    the pool), exit when the server's process is gone, and load the model now rather than in the first
    run a planner waits for."""
    global _cancelled
    _cancelled = cancelled
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_server, args=(server,), daemon=True, name="watch-server").start()
    import ecosim.model  # noqa: F401  (loaded for its import time)


def _watch_server(server: int) -> None:
    """Exit this worker as soon as the server process ``server`` is gone, however it ended (a worker
    left behind would hold a core and memory for nothing)."""
    while os.getppid() == server:
        time.sleep(WATCH_SECONDS)
    os._exit(1)


def _ready() -> bool:
    """Nothing: a task that makes a worker start (and load the model) before anyone waits for it."""
    return True


class ReplicationPool:
    """Worker processes that run a forecast's replications in chunks, with progress and cancellation."""

    def __init__(self, workers: int = WORKERS):
        self.workers = workers
        self._context = multiprocessing.get_context("spawn")
        self._cancelled = self._context.RawArray("q", CANCEL_SLOTS)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._executor = self._new_executor()

    def _new_executor(self) -> ProcessPoolExecutor:
        """Worker processes started fresh (spawned: the server's threads are not copied into them)."""
        return ProcessPoolExecutor(self.workers, mp_context=self._context, initializer=_start_worker,
                                   initargs=(self._cancelled, os.getpid()))

    def warm_up(self) -> None:
        """Start every worker now and wait until each has loaded the model."""
        for future in [self._executor.submit(_ready) for _ in range(self.workers)]:
            future.result()

    def forecast(self, scenario: Scenario, count: int, seed: int, keep_going: Callable[[], bool] = lambda: True,
                 on_progress: Callable[[int], None] | None = None) -> Forecast | None:
        """``count`` replications of ``scenario`` from root seed ``seed`` as a Forecast (the same numbers as
        ``ecosim.forecast(scenario, count, seed)``, without its budget check); None when ``keep_going()``
        turned false first, in which case the run's remaining replications are not run.
        ``on_progress(done)`` hears how many replications are done."""
        for results in self.forecasts([scenario], count, seed, None, keep_going, on_progress):
            return results[0]
        return None

    def forecasts(self, scenarios: list[Scenario], count: int, seed: int, early: int | None = None,
                  keep_going: Callable[[], bool] = lambda: True,
                  on_progress: Callable[[int], None] | None = None) -> Iterator[list[Forecast]]:
        """The forecasts of ``scenarios`` (``count`` replications each from root seed ``seed``, the numbers of
        ``ecosim.forecast``): first, when ``early`` is given, those of replications 0 to ``early - 1`` as
        soon as they are all done (they are run first), then those of all ``count``. Yields nothing more once
        ``keep_going()`` turns false, and the remaining replications are not run. ``on_progress(done)``
        hears how many replications (of all the scenarios) are done."""
        with self._lock:
            run_id = next(self._ids)
        chunks = run_chunks(count, early, self.workers)
        order = [(index, start, stop) for stage in (True, False) for index in range(len(scenarios))
                 for start, stop in chunks if (early is not None and start < early) == stage]
        try:
            futures = {self._executor.submit(replication_tables, scenarios[index], seed, start, stop, run_id):
                       (index, start) for index, start, stop in order}
            parts: dict[tuple[int, int], list[pd.DataFrame]] = {}
            early_due = early is not None
            for key, tables in self._finished_chunks(futures, run_id, keep_going, on_progress):
                parts[key] = tables
                if early_due and all((i, s) in parts for i, s, _ in order if s < early):
                    early_due = False
                    yield [stacked(scenario, seed, parts, index, early) for index, scenario in enumerate(scenarios)]
        except BrokenProcessPool:
            self._executor = self._new_executor()
            raise RunFailed("a worker process stopped (out of memory?); the pool was restarted: change a "
                            "value to run again") from None
        if len(parts) == len(futures):
            yield [stacked(scenario, seed, parts, index, count) for index, scenario in enumerate(scenarios)]

    def _finished_chunks(self, futures: dict[Future, tuple[int, int]], run_id: int, keep_going: Callable[[], bool],
                         on_progress: Callable[[int], None] | None) -> Iterator[tuple[tuple[int, int], list[pd.DataFrame]]]:
        """Each chunk's key and tables as it finishes; stops (and the rest are cancelled) once ``keep_going()``
        is false or the consumer stops asking."""
        pending = set(futures)
        done_count = 0
        try:
            while pending:
                if not keep_going():
                    return
                done, pending = wait(pending, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
                finished = [(futures[future], future.result()) for future in done]
                done_count += sum(len(tables) for _, tables in finished)
                if finished and on_progress is not None:
                    on_progress(done_count)
                yield from finished
        finally:
            if pending:
                self.cancel(run_id, pending)

    def cancel(self, run_id: int, pending: set[Future]) -> None:
        """Stop run ``run_id``: chunks not started are dropped, chunks under way stop before their next
        replication."""
        self._cancelled[run_id % CANCEL_SLOTS] = run_id
        for future in pending:
            future.cancel()

    def shutdown(self) -> None:
        """Stop the workers (runs not started are dropped)."""
        self._executor.shutdown(wait=True, cancel_futures=True)


_shared: ReplicationPool | None = None
_shared_lock = threading.Lock()


def shared_pool() -> ReplicationPool:
    """The server's pool, started on first use."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ReplicationPool()
        return _shared
