"""The result store of a batch: one folder, Parquet files per chunk, a manifest and a failure log.

``runs-NNNNNN.parquet`` (one row per run and year) and ``summaries-NNNNNN.parquet`` (one row per
run) are written atomically (a temporary file, then ``os.replace``) as each chunk finishes; a
chunk is done when its files exist. ``manifest.json`` records the experiment file's sha256, the
package version, the git commit, the root seed, the chunk layout and counts. ``failures.jsonl``
holds one line per run that raised.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

MANIFEST = "manifest.json"
FAILURES = "failures.jsonl"
_CHUNK = re.compile(r"^(runs|summaries)-(\d{6})\.parquet$")
_UMASK = os.umask(0o022)
os.umask(_UMASK)
_MODE = 0o666 & ~_UMASK


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


class Store:
    """A batch's output folder."""

    def __init__(self, folder: str | Path, summaries: bool = True):
        self.folder = Path(folder)
        self.summaries = summaries

    # --- files ----------------------------------------------------------------------------

    def chunk_files(self, chunk: int) -> list[Path]:
        names = [f"runs-{chunk:06d}.parquet"] + ([f"summaries-{chunk:06d}.parquet"] if self.summaries else [])
        return [self.folder / name for name in names]

    def done_chunks(self) -> set[int]:
        """Chunks whose files all exist."""
        if not self.folder.is_dir():
            return set()
        found: dict[int, set[str]] = {}
        for path in self.folder.iterdir():
            match = _CHUNK.match(path.name)
            if match:
                found.setdefault(int(match[2]), set()).add(match[1])
        need = {"runs", "summaries"} if self.summaries else {"runs"}
        return {chunk for chunk, kinds in found.items() if need <= kinds}

    def write_chunk(self, chunk: int, yearly: pd.DataFrame, summaries: pd.DataFrame | None) -> None:
        """Write a chunk's files, each atomically; the runs file last, so its presence means done."""
        runs_path, *rest = self.chunk_files(chunk)
        if rest:
            _atomic_parquet(summaries, rest[0])
        _atomic_parquet(yearly, runs_path)

    def remove_stale(self, done: set[int]) -> None:
        """Remove temporary files and the half-written files of chunks not done."""
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            match = _CHUNK.match(path.name)
            if path.name.startswith(".tmp-") or (match and int(match[2]) not in done):
                path.unlink(missing_ok=True)

    def clear(self) -> None:
        """Remove everything a batch writes (for ``--restart``); other files are left alone."""
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if _CHUNK.match(path.name) or path.name in (MANIFEST, FAILURES) or path.name.startswith(".tmp-"):
                path.unlink(missing_ok=True)

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

    def keep_failures_of(self, done: set[int]) -> int:
        """Drop logged failures of chunks not done (they will be run again); the count kept."""
        kept = [r for r in self.read_failures() if r.get("chunk") in done]
        if (self.folder / FAILURES).exists():
            _atomic_text("".join(json.dumps(r) + "\n" for r in kept), self.folder / FAILURES)
        return len(kept)

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
        files = sorted(self.folder.glob(f"{kind}-*.parquet"))
        frames = [pd.read_parquet(path) for path in files]
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.read_parquet(files[0]) if files else pd.DataFrame()
        table = pd.concat(frames, ignore_index=True)
        keys = [k for k in ("point", "replication", "year") if k in table.columns]
        return table.sort_values(keys, kind="stable").reset_index(drop=True)


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
