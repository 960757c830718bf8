"""Executors: where chunks of runs are computed, behind one interface.

Each executor is a context manager with ``workers`` and ``map_chunks(fn, chunks)``, which yields
``fn(chunk)`` for every chunk as each finishes (in completion order). Only a bounded number of
chunks is in flight at a time, so memory does not grow with the number of chunks.

* :class:`SerialExecutor`: in this process, one chunk after another (tests, ``workers=1``).
* :class:`ProcessExecutor`: a local ``concurrent.futures.ProcessPoolExecutor`` (forkserver where
  available, else spawn: no forked copies of threads or open files).
* :class:`DaskExecutor`: ``dask.distributed``; a ``LocalCluster`` of single-threaded worker
  processes, or an existing scheduler at an address (``tcp://HOST:PORT``).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any


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


class ProcessExecutor:
    """A local process pool."""

    def __init__(self, workers: int | None = None):
        self.workers = workers or default_workers()
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> "ProcessExecutor":
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def map_chunks(self, fn: Callable, chunks: Iterable) -> Iterator:
        assert self._pool is not None, "use the executor as a context manager"
        pending = set()
        limit = 2 * self.workers
        for chunk in chunks:
            pending.add(self._pool.submit(fn, chunk))
            if len(pending) >= limit:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()

    def describe(self) -> str:
        return f"{self.workers} local processes"


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

        if self.address is None:
            self._cluster = LocalCluster(n_workers=self.requested, threads_per_worker=1, processes=True,
                                         dashboard_address=None)
            self._client = Client(self._cluster)
        else:
            self._client = Client(self.address)
            threads = self._client.nthreads()
            self.workers = max(1, sum(threads.values())) if threads else self.requested
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def map_chunks(self, fn: Callable, chunks: Iterable) -> Iterator:
        from dask.distributed import as_completed

        assert self._client is not None, "use the executor as a context manager"
        limit = 2 * self.workers
        queue = as_completed()
        in_flight = 0
        for chunk in chunks:
            queue.add(self._client.submit(fn, chunk, pure=False))
            in_flight += 1
            if in_flight >= limit:
                future = next(queue)
                in_flight -= 1
                yield future.result()
                future.release()
        for future in queue:
            yield future.result()
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
