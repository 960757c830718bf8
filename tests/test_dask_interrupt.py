"""Ctrl-C during a dask client call: the one-line message and nothing else on stderr.

distributed's ``sync`` schedules a ``cancel`` callback when Ctrl-C arrives; if the call's coroutine
had not started yet, that callback fails with NameError and tornado logs a traceback. The executor
installs a logging filter for exactly that record. The case is made deterministic here: the loop is
kept busy so that the coroutine cannot start before the signal arrives."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("distributed")

SCRIPT = textwrap.dedent("""
    import os, signal, sys, threading, time
    from distributed.utils import LoopRunner, sync
    from ecosim.explore import executors

    if sys.argv[1] != "plain":
        executors._hide_interrupted_sync_cancel()
    runner = LoopRunner(asynchronous=False)
    runner.start()

    def cancel():  # the same name and error, elsewhere: must still be logged
        return undefined_name

    if sys.argv[1] == "other":
        runner.loop.add_callback(cancel)

    async def nothing():
        return 1

    runner.loop.add_callback(time.sleep, 0.5)  # the loop is busy: sync's coroutine cannot start yet
    threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGINT)).start()
    try:
        sync(runner.loop, nothing)
    except KeyboardInterrupt:
        print("interrupted")
    runner.stop()  # joins the loop thread: the cancel callback has run
""")


def _run(mode: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, timeout=60)


def test_the_known_cancel_failure_is_logged_without_the_filter():
    done = _run("plain")
    assert done.stdout.strip() == "interrupted"
    assert "NameError" in done.stderr and "in cancel" in done.stderr


def test_the_filter_hides_that_record_and_only_that_record():
    done = _run("filtered")
    assert done.stdout.strip() == "interrupted" and done.returncode == 0
    assert done.stderr == ""
    other = _run("other")
    assert other.stderr.count("NameError") == 1 and "undefined_name" in other.stderr
    assert "distributed/utils.py" not in other.stderr
