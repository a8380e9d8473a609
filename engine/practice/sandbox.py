"""Runs a learner's file in a separate Python process, one exercise after another, with timeouts.

The app never imports the learner's code: :func:`run_exercises` starts ``python -I harness.py`` (see
:mod:`engine.practice.harness`), hands it the job in a temporary file and reads its JSON lines from
its stdout (the harness keeps that for itself). Each exercise (all of its cases together) has
``timeout`` seconds; loading the file has the same. An exercise that runs out of time, or a process
that dies under it (a crash, ``os._exit``, running out of memory), is that exercise's failure: the
process is killed and a fresh one carries on with the exercises after it. What the learner's code
writes to the real stdout or stderr is read continuously and capped, so an endless ``print`` loop
cannot fill memory or a disk.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from engine.jobs import CancelToken

#: Seconds each exercise may take (all its cases together), and loading the file as well.
DEFAULT_TIMEOUT = 10.0
#: Characters of printed output kept per exercise (and of raw stdout/stderr per process).
OUTPUT_LIMIT = 2000
#: Address-space limit of the learner's process (where the OS supports it): 4 GiB.
MEMORY_LIMIT = 4 << 30
HARNESS = Path(__file__).with_name("harness.py")
REPO_ROOT = Path(__file__).resolve().parents[2]

RunStatus = Literal["ran", "missing", "timeout", "crashed", "load_failed"]


@dataclass(frozen=True)
class ExerciseJob:
    """What to call: the function's name, its parameter names and one wire-form call per case."""

    name: str
    params: tuple[str, ...]
    calls: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class ExerciseRun:
    """How one exercise ran: ``calls`` holds the harness's ``call`` messages (one per finished case).

    ``detail`` says more when it did not simply run: the load failure (``kind`` ``syntax``, ``error``,
    ``timeout``, ``crashed``), the case a timeout hit, a crash's exit code and stderr.
    """

    status: RunStatus
    calls: tuple[dict[str, Any], ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)


class _Capped:
    """The first ``limit`` bytes of a stream; the rest is read and dropped (the pipe never fills)."""

    def __init__(self, limit: int) -> None:
        self.data = bytearray()
        self.limit = limit

    def drain(self, stream: IO[bytes]) -> None:
        for chunk in iter(lambda: stream.read1(65536), b""):  # type: ignore[attr-defined]
            room = self.limit - len(self.data)
            if room > 0:
                self.data += chunk[:room]

    def text(self) -> str:
        return self.data.decode("utf-8", "replace")


def _kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        if sys.platform != "win32":
            os.killpg(process.pid, signal.SIGKILL)  # the learner's own child processes too
        else:
            process.kill()
    except (ProcessLookupError, PermissionError):
        process.kill()
    process.wait(5)


class _Session:
    """One harness process, read by two threads (no select(): it does not work on pipes on Windows):
    its protocol lines go to a queue, its stderr (everything the learner's code wrote) to a cap."""

    def __init__(self, path: Path, jobs: Sequence[ExerciseJob]) -> None:
        job = {
            "file": str(path),
            "repo": str(REPO_ROOT),
            "output_limit": OUTPUT_LIMIT,
            "memory_limit": MEMORY_LIMIT,
            "exercises": [{"name": j.name, "params": list(j.params), "calls": list(j.calls)} for j in jobs],
        }
        handle, self.job_file = tempfile.mkstemp(prefix="dllab-grade-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(job, out)
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-I", str(HARNESS), self.job_file],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=str(path.parent),
            env=env,
            start_new_session=sys.platform != "win32",
        )
        assert self.process.stdout is not None and self.process.stderr is not None
        self.messages: queue.Queue[bytes | None] = queue.Queue()
        self.stderr = _Capped(OUTPUT_LIMIT)
        self.readers = [
            threading.Thread(target=self._read_lines, args=(self.process.stdout,), daemon=True),
            threading.Thread(target=self.stderr.drain, args=(self.process.stderr,), daemon=True),
        ]
        for reader in self.readers:
            reader.start()
        self.ended = False
        self.current: int | None = None
        self.calls: list[dict[str, Any]] = []

    def _read_lines(self, stream: IO[bytes]) -> None:
        for line in stream:  # a line longer than memory allows cannot come: results are capped
            self.messages.put(line)
        self.messages.put(None)

    def next_message(self, deadline: float, token: CancelToken | None) -> dict[str, Any] | None:
        """The next JSON line; ``None`` at the end of the stream. Raises TimeoutError at ``deadline``."""
        while not self.ended:
            if token is not None:
                token.raise_if_cancelled()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            try:
                line = self.messages.get(timeout=min(remaining, 0.1))
            except queue.Empty:
                continue
            if line is None:
                self.ended = True
                break
            try:
                message = json.loads(line)
            except ValueError:
                continue  # not one of ours
            if isinstance(message, dict):
                return message
        return None

    def read(
        self,
        indices: list[int],
        results: dict[int, ExerciseRun],
        timeout: float,
        token: CancelToken | None,
    ) -> dict[str, Any] | None:
        """Read this process's messages into ``results`` (``indices`` maps its exercises to the
        caller's); returns the load failure when the file did not load."""
        deadline = time.monotonic() + timeout
        loaded = False
        while True:
            try:
                message = self.next_message(deadline, token)
            except TimeoutError:
                if not loaded:
                    return {"kind": "timeout", "seconds": timeout}
                if self.current is not None:
                    detail = {"seconds": timeout, "case": len(self.calls)}
                    results[self.current] = ExerciseRun("timeout", tuple(self.calls), detail)
                    self.current = None
                return None
            if message is None:  # the process ended; a crash mid-exercise leaves self.current set
                return None if loaded else {"kind": "crashed"}
            event = message.get("event")
            if event == "load_failed":
                return message
            if event == "loaded":
                loaded = True
            elif event == "start":
                self.current, self.calls = indices[int(message["exercise"])], []
                deadline = time.monotonic() + timeout
            elif event == "call" and self.current is not None:
                self.calls.append(message)
            elif event == "done" and self.current is not None:
                status: RunStatus = "missing" if message.get("missing") else "ran"
                results[self.current] = ExerciseRun(status, tuple(self.calls))
                self.current = None

    def close(self) -> dict[str, Any]:
        """Kill the process if it still runs; its exit code and the start of what it wrote to stderr."""
        _kill(self.process)
        for reader in self.readers:
            reader.join(5)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        Path(self.job_file).unlink(missing_ok=True)
        code = self.process.returncode
        detail: dict[str, Any] = {"exit_code": code}
        if code is not None and code < 0:
            try:
                detail["signal"] = signal.Signals(-code).name
            except ValueError:
                detail["signal"] = str(-code)
        if self.stderr.data:
            detail["stderr"] = self.stderr.text()
        return detail


def run_exercises(
    path: Path,
    jobs: Sequence[ExerciseJob],
    timeout: float = DEFAULT_TIMEOUT,
    token: CancelToken | None = None,
) -> list[ExerciseRun]:
    """Run every job's calls on the learner's file at ``path``; one :class:`ExerciseRun` per job.

    Raises:
        JobCancelled: ``token`` was cancelled (the process is killed first).
    """
    results: dict[int, ExerciseRun] = {}
    remaining = list(range(len(jobs)))
    while remaining:
        session = _Session(path, [jobs[i] for i in remaining])
        try:
            failure = session.read(remaining, results, timeout, token)
        finally:
            detail = session.close()
        if failure is not None:  # the file itself did not load: every remaining exercise fails with it
            for index in remaining:
                results[index] = ExerciseRun("load_failed", (), {**detail, **failure})
        elif session.current is not None:  # the process ended under this exercise
            results[session.current] = ExerciseRun("crashed", tuple(session.calls), detail)
        elif not any(i in results for i in remaining):  # ended between exercises: never loop forever
            results[remaining[0]] = ExerciseRun("crashed", (), detail)
        remaining = [i for i in remaining if i not in results]
    return [results[i] for i in range(len(jobs))]
