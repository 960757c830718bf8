"""Executors: where chunks of runs are computed, behind one interface.

Each executor is a context manager with ``workers`` and ``map_chunks(fn, chunks)``, which yields
``fn(chunk)`` for every chunk as each finishes (in completion order). Only a bounded number of
chunks is in flight at a time, so memory does not grow with the number of chunks.

* :class:`SerialExecutor`: in this process, one chunk after another (tests, ``workers=1``).
* :class:`ProcessExecutor`: a local ``concurrent.futures.ProcessPoolExecutor`` (forkserver where
  available, else spawn: no forked copies of threads or open files). Its workers ignore Ctrl-C
  (the parent stops them) and exit on their own when the parent process dies.
* :class:`DaskExecutor`: ``dask.distributed``; a ``LocalCluster`` of single-threaded worker
  processes (set up by :data:`LOCAL_CLUSTER_CONFIG` to compute as fast as the pool's), or an
  existing scheduler at an address (``tcp://HOST:PORT``).

A chunk whose worker process dies (killed by the system, as out-of-memory does) is retried once;
if it dies again, ``map_chunks`` yields a :class:`LostChunk` with the reason instead of a result.

:func:`map_in_order` is ``map`` over an executor, for work that needs every result in order (the
draws of a calibration, the candidates of a generation of the optimiser): a lost chunk raises.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

LOST_REASON = ("the worker process running this chunk died twice (killed by the system, as out-of-memory "
               "does, or crashed); it was retried once")


@dataclass(frozen=True)
class LostChunk:
    """A chunk that could not be computed because its worker died on the first try and on the retry."""

    chunk: Any
    reason: str


def default_workers() -> int:
    return os.cpu_count() or 1


class SerialExecutor:
    """Chunks run one after another in this process."""

    workers = 1

    def __enter__(self) -> "SerialExecutor":
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def map_chunks(self, fn: Callable, chunks: Iterable) -> Iterator:
        for chunk in chunks:
            yield fn(chunk)

    def describe(self) -> str:
        return "serial (in process)"


def _process_start(pid: int) -> str | None:
    """The start time of a process (Linux /proc), telling it from a later process given the same
    pid; None where /proc is not available. A zombie (dead, not yet reaped) counts as gone."""
    try:
        fields = open(f"/proc/{pid}/stat", encoding="ascii").read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] == "Z" else fields[19]


def _alive(pid: int, start: str | None) -> bool:
    """Whether the process ``pid`` that started at ``start`` still runs."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return start is None or _process_start(pid) == start


def _watch_parent(parent: int, start: str | None) -> None:
    """Exit this worker as soon as the batch's process is gone (it was killed, even with SIGKILL)."""
    while _alive(parent, start):
        time.sleep(0.2)
    os._exit(1)


def _worker_init(parent: int, start: str | None) -> None:
    """In each pool worker: leave Ctrl-C to the parent, and die with it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent, start), daemon=True, name="watch-parent").start()


class WorkersUnavailable(OSError):
    """The machine will not keep worker processes alive (out of memory, file descriptors or PIDs)."""


MAX_IDLE_RESTARTS = 10  # a pool that cannot start a worker this often in a row is not a passing race


class ProcessExecutor:
    """A local process pool whose workers die with the parent; a chunk whose worker dies is retried
    once, alone (so the chunk that kills its worker is told from the chunks that were beside it)."""

    def __init__(self, workers: int | None = None):
        self.workers = workers or default_workers()
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> "ProcessExecutor":
        self._pool = self._new_pool()
        return self

    def _new_pool(self) -> ProcessPoolExecutor:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        me = os.getpid()
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=context, initializer=_worker_init,
                                   initargs=(me, _process_start(me)))

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        if self._pool is not None:
            if exc_type is not None:
                self._terminate_workers()
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _terminate_workers(self) -> None:
        """Stop the workers now (on Ctrl-C or an error) instead of waiting for their chunks."""
        pool = self._pool
        if hasattr(pool, "terminate_workers"):  # Python >= 3.14
            pool.terminate_workers()
            return
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            if process.is_alive():
                process.terminate()

    def map_chunks(self, fn: Callable, chunks: Iterable) -> Iterator:
        """Yield ``fn(chunk)`` (or a LostChunk) for every chunk, at most 2 x workers in flight."""
        assert self._pool is not None, "use the executor as a context manager"
        source = iter(chunks)
        pending: dict[Future, tuple[Any, bool]] = {}
        suspects: deque = deque()
        held: deque = deque()  # chunks not yet run whose submission found the pool broken: submitted first
        exhausted = False
        idle_restarts = 0  # pools replaced in a row without a single chunk ending
        while True:
            refused = False
            if suspects:
                if not pending:
                    chunk = suspects.popleft()
                    refused = not self._submit(fn, chunk, pending, True)
                    if refused:
                        suspects.appendleft(chunk)
            else:
                while not exhausted and len(pending) < 2 * self.workers:
                    chunk = held.popleft() if held else next(source, None)
                    if chunk is None:
                        exhausted = True
                        break
                    refused = not self._submit(fn, chunk, pending, False)
                    if refused:
                        held.appendleft(chunk)
                        break
            if not pending and not refused:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            if refused or any(isinstance(f.exception(), BrokenProcessPool) for f in done):
                done, _ = wait(pending)  # every other chunk in flight ends too, broken or finished
                idle_restarts = 0 if done else idle_restarts + 1
                if idle_restarts > MAX_IDLE_RESTARTS:
                    raise WorkersUnavailable(f"could not start worker processes ({MAX_IDLE_RESTARTS} pools in a row "
                                             "lost every worker before a chunk ended)")
                yield from self._collect(done, pending, suspects)
                self._replace_pool()
            else:
                yield from self._collect(done, pending, suspects)

    def _submit(self, fn: Callable, chunk: Any, pending: dict, alone: bool) -> bool:
        """Submit a chunk; False when the pool broke since the last wait (a worker died while this
        process was writing results), so that the caller replaces the pool and submits it again.

        Starting a worker for the new chunk can also fail with an OSError (EBADF) when a worker dies
        while its replacement is being forked: the dying pool closes the queues whose pipes the new
        worker was to inherit. That too is a broken pool, not a failed chunk."""
        try:
            pending[self._pool.submit(fn, chunk)] = (chunk, alone)
        except (BrokenProcessPool, OSError, EOFError):
            return False
        return True

    def _replace_pool(self) -> None:
        """Stop what is left of a broken pool (workers a failed start left behind included) and
        start a new one."""
        self._terminate_workers()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = self._new_pool()

    @staticmethod
    def _collect(done, pending: dict, suspects: deque) -> Iterator:
        """Results of finished futures; chunks of a broken pool become suspects (retried alone), or
        lost when they already ran alone."""
        for future in done:
            chunk, alone = pending.pop(future)
            if isinstance(future.exception(), BrokenProcessPool):
                if alone:
                    yield LostChunk(chunk, LOST_REASON)
                else:
                    suspects.append(chunk)
            else:
                yield future.result()

    def describe(self) -> str:
        return f"{self.workers} local processes"


def _quiet_distributed() -> None:
    """Silence dask.distributed's warnings about tasks cancelled by a shutdown (after Ctrl-C or an
    error, closing the cluster mid-chunk is expected and the one-line message says what to do)."""
    logging.getLogger("distributed").setLevel(logging.CRITICAL)


def _is_interrupted_sync_cancel(record: logging.LogRecord) -> bool:
    """True for the log record of distributed's ``sync`` cancel callback failing with NameError.

    When Ctrl-C reaches a client call before its coroutine started, ``distributed.utils.sync``
    schedules ``cancel()``, which reads a variable not yet bound and fails (distributed 2024-2026);
    tornado logs the traceback on stderr, under the one-line message. Nothing was lost: the
    interrupted call raised KeyboardInterrupt as it should."""
    if record.exc_info is None or not isinstance(record.exc_info[1], NameError):
        return False
    frame = record.exc_info[2]
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    code = frame.tb_frame.f_code if frame is not None else None
    return code is not None and code.co_name == "cancel" and code.co_filename.endswith(
        os.path.join("distributed", "utils.py"))


def _drop_interrupted_sync_cancel(record: logging.LogRecord) -> bool:
    """Logging filter: keep every record but the one of ``_is_interrupted_sync_cancel``."""
    return not _is_interrupted_sync_cancel(record)


def _hide_interrupted_sync_cancel() -> None:
    """Install the filter on tornado's callback-error logger (once)."""
    logger = logging.getLogger("tornado.application")
    if _drop_interrupted_sync_cancel not in logger.filters:
        logger.addFilter(_drop_interrupted_sync_cancel)


@contextmanager
def _ctrl_c_ignored():
    """Ignore Ctrl-C while worker processes are started, so they inherit the ignored signal and leave
    a terminal's Ctrl-C (sent to the whole process group) to the batch, which closes the cluster."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


LOCAL_CLUSTER_CONFIG = {
    "distributed.scheduler.allowed-failures": 1,
    "distributed.worker.profile.enabled": False,
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.admin.tick.interval": "1s",
}
"""Dask settings of the LocalCluster this executor starts (a cluster at an address keeps its own).

* ``allowed-failures`` 1: a task whose worker dies is retried once, then fails with KilledWorker
  (a LostChunk), as a chunk of the process pool.
* The rest make a worker compute a chunk as fast as a process pool's worker does; with Dask's
  defaults a run took 13-18% longer on 2 workers of a 2-core machine (``benchmarks/batch_scaling.py``):
  no statistical profiler sampling the running chunk's stack every 10 ms (no dashboard shows it);
  malloc's own trimming as in the pool's workers (Dask's ``MALLOC_TRIM_THRESHOLD_=65536`` also fixes
  the mmap threshold, so every large array is mapped and unmapped again: 10 times the page faults);
  event-loop health checks every second rather than every 20 ms, in the workers, nannies and scheduler.
"""


class DaskExecutor:
    """dask.distributed: a LocalCluster (``address=None``) or an existing scheduler."""

    def __init__(self, address: str | None = None, workers: int | None = None):
        self.address = address
        self.requested = workers or default_workers()
        self.workers = self.requested
        self._client = None
        self._cluster = None

    def __enter__(self) -> "DaskExecutor":
        from dask.distributed import Client, LocalCluster

        import dask

        _hide_interrupted_sync_cancel()
        if self.address is None:
            with dask.config.set(LOCAL_CLUSTER_CONFIG), _ctrl_c_ignored(), warnings.catch_warnings():
                # the scheduler's HTTP port taken by another cluster: it takes another one, nothing to say
                warnings.filterwarnings("ignore", message="Port .* is already in use")
                self._cluster = LocalCluster(n_workers=self.requested, threads_per_worker=1, processes=True,
                                             dashboard_address=None)
            self._client = Client(self._cluster)
        else:
            self._client = Client(self.address)
            threads = self._client.nthreads()
            self.workers = max(1, sum(threads.values())) if threads else self.requested
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        if exc_type is not None and self._cluster is not None and self._client is not None:
            _quiet_distributed()
            try:
                self._client.run(_quiet_distributed)
            except Exception:  # noqa: BLE001 - a worker already gone needs no quieting
                pass
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def map_chunks(self, fn: Callable, chunks: Iterable) -> Iterator:
        """Yield ``fn(chunk)`` (or a LostChunk when the scheduler gave up on its workers) for every
        chunk, at most 2 x workers in flight."""
        from dask.distributed import as_completed

        assert self._client is not None, "use the executor as a context manager"
        limit = 2 * self.workers
        queue = as_completed()
        of: dict[str, Any] = {}
        for chunk in chunks:
            future = self._client.submit(fn, chunk, pure=False)
            of[future.key] = chunk
            queue.add(future)
            if len(of) >= limit:
                yield self._outcome(next(queue), of)
        for future in queue:
            yield self._outcome(future, of)

    @staticmethod
    def _outcome(future, of: dict[str, Any]):
        """The chunk's result, or a LostChunk when its workers died; the future is released."""
        from distributed.scheduler import KilledWorker

        chunk = of.pop(future.key)
        try:
            return future.result()
        except KilledWorker:
            return LostChunk(chunk, LOST_REASON)
        finally:
            future.release()

    def describe(self) -> str:
        where = "a LocalCluster" if self.address is None else self.address
        return f"Dask ({where}, {self.workers} workers)"


def make_executor(workers: int | None = None, dask: str | bool | None = None):
    """The executor for ``workers`` and ``dask`` (None: local; True/"local": LocalCluster; else an address)."""
    if dask:
        address = None if dask is True or dask == "local" else str(dask)
        return DaskExecutor(address, workers)
    workers = workers or default_workers()
    return SerialExecutor() if workers == 1 else ProcessExecutor(workers)


@dataclass(frozen=True)
class _Slice:
    """Items ``start``, ``start + 1``, ... of a :func:`map_in_order`, with the function to apply."""

    fn: Callable
    start: int
    items: tuple


def _run_slice(part: _Slice) -> tuple[int, list]:
    return part.start, [part.fn(item) for item in part.items]


def map_in_order(executor, fn: Callable, items: Iterable, size: int = 1,
                 progress: Callable[[int, int], None] | None = None) -> list:
    """``[fn(item) for item in items]``, computed by an entered ``executor`` in chunks of ``size``
    consecutive items. The results are in the items' order whatever the order the chunks finish in,
    so they do not depend on the executor, its number of workers or ``size`` (``fn`` must not
    depend on which chunk an item is in). ``progress(done, total)`` is called as each chunk ends.

    An exception raised by ``fn`` propagates (the executor's ``__exit__`` then stops its workers);
    a chunk whose worker died on the try and the retry raises :class:`WorkersUnavailable`.
    """
    items = list(items)
    size = max(1, int(size))
    results: list = [None] * len(items)
    done = 0
    chunks = (_Slice(fn, start, tuple(items[start:start + size])) for start in range(0, len(items), size))
    for outcome in executor.map_chunks(_run_slice, chunks):
        if isinstance(outcome, LostChunk):
            part = outcome.chunk
            raise WorkersUnavailable(f"items {part.start} to {part.start + len(part.items) - 1} of {len(items)} "
                                     f"could not be computed: {outcome.reason}")
        start, values = outcome
        results[start:start + len(values)] = values
        done += len(values)
        if progress is not None:
            progress(done, len(items))
    return results
