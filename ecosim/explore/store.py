"""The output folder of a batch: chunk files in subfolders, a record per finished chunk, a manifest,
a failure log and a lock.

::

    OUT/manifest.json            what the batch depends on (content hashes), its layout and its counts
    OUT/failures.jsonl           one line per run that raised or was lost with its worker
    OUT/runs/part-NNNNNN.parquet       yearly rows of chunk NNNNNN (read the folder with pd.read_parquet)
    OUT/summaries/part-NNNNNN.parquet  one row per run of chunk NNNNNN
    OUT/chunks/NNNNNN.json       the chunk's record: its run keys and seeds, which runs failed, the
                                 sha256 of its Parquet files; written last, so its presence means done
    OUT/.lock, OUT/.lock-holder  the lock held by the batch writing the folder, and the holder's pid

Every file is written atomically (a temporary file renamed into place), so a kill leaves no
half-written file behind that could pass for a finished one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
from filelock import FileLock, Timeout

from ecosim.errors import ScenarioError

MANIFEST = "manifest.json"
FAILURES = "failures.jsonl"
LOCK = ".lock"
HOLDER = ".lock-holder"
KINDS = ("runs", "summaries")
RECORDS = "chunks"
_PART = re.compile(r"^part-(\d{6})\.parquet$")
_RECORD = re.compile(r"^(\d{6})\.json$")
_UMASK = os.umask(0o022)
os.umask(_UMASK)
_MODE = 0o666 & ~_UMASK


class BatchFolderError(ValueError):
    """A batch folder that cannot be used as asked (locked by another batch, unfinished, or holding
    results that do not belong to this experiment); the message says why and what to do."""


FOLDER_RULE = ("An output folder that already holds results is resumed when the inputs it was made with match "
               "(a finished run is read back, an interrupted batch carries on, sensitivity adds methods to the "
               "same experiment's results) and refused otherwise, naming what changed, unless --force, which "
               "removes ecosim's results there first.")
"""The one rule for an existing ``--out`` folder, shared by ``ecosim run``, ``batch``, ``sensitivity``,
``compare`` and ``contribution`` (:func:`claim_folder`)."""


class OutputFolderError(ScenarioError):
    """An output folder holding results of other inputs (or not ecosim's): the message names what differs."""


def claim_folder(out: str | Path, kind: str, inputs: dict[str, Any], force: bool,
                 results: tuple[str, ...] = ()) -> dict[str, Any] | None:
    """Apply :data:`FOLDER_RULE` to ``out`` before a ``kind`` of work (``run``, ``batch``, ...) writes there.

    ``inputs`` is everything the results depend on (label -> value, or {"path", "sha256"} for a
    file), as the folder's ``manifest.json`` records it under ``inputs``. Returns that manifest when
    the folder holds results of the same kind and inputs (resume them), None when the folder is new or
    empty, or ``force`` was given: then the ``results`` (file and folder names) ecosim writes there,
    and the ``files`` the previous manifest lists, are removed first. Otherwise raises
    :class:`OutputFolderError` naming ``--out`` and what differs."""
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise OutputFolderError(str(folder), "--out", "is a file, not a folder")
    if not folder.exists() or not any(p.name not in (LOCK, HOLDER) for p in folder.iterdir()):
        return None
    if force:
        listed = (_read_manifest(folder / MANIFEST) or {}).get("files", [])
        for name in {*results, *(Path(str(n)).name for n in listed)}:
            path = folder / name
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
        return None
    previous = _read_manifest(folder / MANIFEST)
    if previous is None:
        problems = [f"it holds files but no {MANIFEST} of ecosim results"]
    elif previous.get("kind", kind) != kind:
        problems = [f"it holds the results of an ecosim {previous['kind']}, not of a {kind}"]
    elif not isinstance(previous.get("inputs"), dict):
        problems = ["it was written by an older ecosim that did not record its inputs"]
    else:
        problems = changed_inputs(previous["inputs"], inputs)
    if problems:
        raise OutputFolderError(str(folder), "--out", "the folder holds results of other inputs: " + "; ".join(problems)
                                + "; give --force to replace them, or choose another --out folder")
    return previous


def _read_manifest(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``; None when it is missing or not an object."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def changed_inputs(before: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """What differs between the inputs a folder was made with and this work's, one phrase each. A git
    commit that could not be read (None: not a checkout, or git failed) is unknown, not a change."""
    changes = []
    for label in dict.fromkeys([*before, *current]):
        old, new = before.get(label), current.get(label)
        if label == "git commit" and (old is None or new is None):
            continue
        if old is None or new is None:
            if old != new:
                what = (new or old).get("path") if isinstance(new or old, dict) else None
                changes.append(f"the {label}{f' {what}' if what else ''} "
                               + ("is new" if old is None else "is no longer among the inputs"))
        elif isinstance(old, dict) != isinstance(new, dict):
            changes.append(f"the {label} has changed")
        elif isinstance(old, dict):
            old_sha, new_sha = (old or {}).get("sha256"), (new or {}).get("sha256")
            if old_sha != new_sha:
                path = (new or old or {}).get("path")
                changes.append(f"the {label} {path} has changed (sha256 {_short(old_sha)} then, "
                               f"{_short(new_sha)} now)")
        elif old != new:
            changes.append(f"the {label} has changed ({old} then, {new} now)")
    return changes


def _short(sha: str | None) -> str:
    return f"{sha[:12]}..." if sha else "none"


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def git_commit() -> str | None:
    """The commit of the source tree the package is imported from, if it is a git checkout."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent,
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else None


def file_sha256(path: str | Path) -> str:
    """The sha256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class FolderLock:
    """One writer per folder: an OS-level lock (released by the kernel if the holder dies), with the
    holder's pid written beside it so a refused batch can say who holds it."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._lock = FileLock(str(folder / LOCK), timeout=0)

    def __enter__(self) -> "FolderLock":
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire()
        except Timeout:
            raise BatchFolderError(f"{self.folder} is being written by another batch (pid {self._holder()}); "
                                   "wait for it to finish, or give another --out folder") from None
        _atomic_text(f"{os.getpid()} {socket.gethostname()} {now()}\n", self.folder / HOLDER)
        return self

    def __exit__(self, *exc: Any) -> None:
        (self.folder / HOLDER).unlink(missing_ok=True)
        self._lock.release()

    def _holder(self) -> str:
        """The pid written by the holder (it may be writing it this instant: wait a little)."""
        for _ in range(50):
            try:
                return (self.folder / HOLDER).read_text(encoding="utf-8").split()[0]
            except (OSError, IndexError):
                time.sleep(0.02)
        return "unknown"


class Store:
    """A batch's output folder."""

    def __init__(self, folder: str | Path, summaries: bool = True):
        self.folder = Path(folder)
        self.summaries = summaries

    # --- files ----------------------------------------------------------------------------

    @property
    def kinds(self) -> tuple[str, ...]:
        return KINDS if self.summaries else KINDS[:1]

    def part(self, kind: str, chunk: int) -> Path:
        return self.folder / kind / f"part-{chunk:06d}.parquet"

    def record_path(self, chunk: int) -> Path:
        return self.folder / RECORDS / f"{chunk:06d}.json"

    def prepare(self) -> None:
        """Create the subfolders."""
        for name in (*self.kinds, RECORDS):
            (self.folder / name).mkdir(parents=True, exist_ok=True)

    def records(self) -> dict[int, dict[str, Any]]:
        """The records of the finished chunks, by chunk index."""
        folder = self.folder / RECORDS
        if not folder.is_dir():
            return {}
        found = {}
        for path in folder.iterdir():
            match = _RECORD.match(path.name)
            if match:
                found[int(match[1])] = json.loads(path.read_text(encoding="utf-8"))
        return found

    def write_chunk(self, chunk: int, yearly: pd.DataFrame, summaries: pd.DataFrame | None,
                    runs: list[list[Any]], failed: list[list[Any]]) -> None:
        """Write a chunk's Parquet files and then its record (run keys and seeds, failed keys, file
        hashes), each atomically; the record's presence means the chunk is done."""
        tables = {"runs": yearly, "summaries": summaries}
        hashes = {}
        for kind in self.kinds:
            path = self.part(kind, chunk)
            _atomic_parquet(tables[kind], path)
            hashes[kind] = file_sha256(path)
        record = {"chunk": chunk, "runs": runs, "failed": failed, "sha256": hashes}
        _atomic_text(json.dumps(record) + "\n", self.record_path(chunk))

    def verify(self, chunk: int, record: dict[str, Any], expected: list[list[Any]]) -> str | None:
        """Why a finished chunk does not belong to this batch (its run keys and seeds differ, or a file
        is missing or changed since it was written), or None when it does."""
        if record.get("runs") != expected:
            return (f"chunk {chunk} holds runs (point, replication, seed) {_preview(record.get('runs'))}, "
                    f"this experiment has {_preview(expected)} there")
        for kind in self.kinds:
            path = self.part(kind, chunk)
            if not path.is_file():
                return f"chunk {chunk} is recorded as done but {path} is missing"
            if file_sha256(path) != record.get("sha256", {}).get(kind):
                return f"{path} has changed since the batch wrote it"
        return None

    def remove_stale(self, done: set[int]) -> None:
        """Remove temporary files and the files of chunks not done (half-written or orphaned)."""
        for name in (*KINDS, RECORDS, "."):
            folder = self.folder / name
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                match = _PART.match(path.name) or _RECORD.match(path.name)
                if path.name.startswith(".tmp-") or (name != "." and match and int(match[1]) not in done):
                    path.unlink(missing_ok=True)

    def completed_runs(self, chunks: set[int], years_per_run: int) -> int:
        """The runs whose results are on disk in ``chunks``, counted from the Parquet files."""
        count = 0
        for chunk in chunks:
            path = self.part(self.kinds[-1], chunk)
            rows = pq.ParquetFile(path).metadata.num_rows
            count += rows if self.summaries else rows // max(1, years_per_run)
        return count

    # --- manifest and failures ------------------------------------------------------------

    def read_manifest(self) -> dict[str, Any] | None:
        path = self.folder / MANIFEST
        if not path.is_file():
            return None
        return json.loads(path.read_text(encoding="utf-8"))

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        _atomic_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", self.folder / MANIFEST)

    def read_failures(self) -> list[dict[str, Any]]:
        path = self.folder / FAILURES
        if not path.is_file():
            return []
        records = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:  # a line cut by a kill
                continue
        return records

    def keep_failures_of(self, done: set[int]) -> None:
        """Drop logged failures of chunks not done (they will be run again)."""
        if (self.folder / FAILURES).exists():
            kept = [r for r in self.read_failures() if r.get("chunk") in done]
            _atomic_text("".join(json.dumps(r) + "\n" for r in kept), self.folder / FAILURES)

    def append_failures(self, records: list[dict[str, Any]]) -> None:
        if not records:
            return
        with open(self.folder / FAILURES, "a", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    # --- reading --------------------------------------------------------------------------

    def read(self, kind: str) -> pd.DataFrame:
        """All chunks of ``runs`` or ``summaries`` stacked, sorted by point, replication (and year)."""
        folder = self.folder / kind
        files = sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []
        frames = [pd.read_parquet(path) for path in files]
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.read_parquet(files[0]) if files else pd.DataFrame()
        table = pd.concat(frames, ignore_index=True)
        keys = [k for k in ("point", "replication", "year") if k in table.columns]
        return table.sort_values(keys, kind="stable").reset_index(drop=True)


def _preview(runs: Any) -> str:
    """The first run keys of a chunk, for a message."""
    if not isinstance(runs, list):
        return repr(runs)
    shown = ", ".join(f"({p}, {r}, {s})" for p, r, s in runs[:2])
    return f"{shown}{', ...' if len(runs) > 2 else ''} ({len(runs)} runs)"


def _atomic_parquet(table: pd.DataFrame, path: Path) -> None:
    handle, temp = tempfile.mkstemp(prefix=".tmp-", suffix=".parquet", dir=path.parent)
    os.close(handle)
    try:
        os.chmod(temp, _MODE)
        table.to_parquet(temp, index=False)
        with open(temp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _atomic_text(text: str, path: Path) -> None:
    handle, temp = tempfile.mkstemp(prefix=".tmp-", suffix=".txt", dir=path.parent)
    try:
        os.chmod(temp, _MODE)
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
