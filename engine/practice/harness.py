"""The learner's side of grading: a script run as ``python -I harness.py JOB`` in a separate process.

It reads one job (the JSON file ``JOB``), loads the learner's file as a module, calls the requested
functions on the hidden cases and writes one JSON line per event to its standard output, which it
keeps for itself (file descriptor 1 is pointed at stderr first, so nothing the learner's code writes,
not even from C, can mix into those lines):
``loaded`` / ``load_failed``, then per exercise ``start``, one ``call`` per case and ``done``. The
app's process never imports the learner's code; it only reads these lines (see
:mod:`engine.practice.sandbox`, which also enforces the timeouts and caps the output).

Only the standard library and numpy are imported up front; our own functions (stand-ins, callable
arguments) are imported from the repository root on first use. Arrays are handed over read-only, so
a function that changes an input in place fails at that line; the report names the alias
(``w_plus is w``) when there is one. What the learner prints is kept per exercise, capped.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import io
import json
import os
import re
import sys
import time
import traceback
import types
from typing import Any

_NOT_SET = object()
#: Longest list a result may be (longer results are described, not sent).
MAX_ITEMS = 200_000


class CappedWriter(io.TextIOBase):
    """Keeps the first ``limit`` characters written to it and counts the rest (prints never flood)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.kept = 0
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        text = str(text)
        room = self.limit - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def text(self) -> str:
        kept = "".join(self.parts)
        return kept + (f"\n… {self.dropped} more characters not shown" if self.dropped else "")


def encode(value: Any, depth: int = 0) -> Any:
    """A JSON-able copy of a learner's result: numpy arrays and scalars become lists and numbers."""
    if depth > 20:
        return {"$repr": "nested too deeply"}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        if isinstance(value, numpy.ndarray):
            if value.size > MAX_ITEMS:
                return {"$repr": f"array of {value.size} values (too large to compare)"}
            return encode(value.tolist(), depth + 1)
        if isinstance(value, numpy.generic):
            return encode(value.item(), depth + 1)
    if isinstance(value, dict):
        return {str(k): encode(v, depth + 1) for k, v in list(value.items())[:MAX_ITEMS]}
    if isinstance(value, (list, tuple)):
        if len(value) > MAX_ITEMS:
            return {"$repr": f"sequence of {len(value)} values (too large to compare)"}
        return [encode(v, depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        return {"$repr": f"a set {repr(value)[:200]}"}
    return {"$repr": f"{type(value).__name__}: {repr(value)[:200]}"}


class Refs:
    """Resolves ``{"$ref": "module:name"}`` to our functions, importing from the repository root."""

    def __init__(self, repo: str) -> None:
        self.repo = repo
        self.cache: dict[str, Any] = {}

    def get(self, path: str) -> Any:
        if path not in self.cache:
            if self.repo not in sys.path:
                sys.path.append(self.repo)  # after site-packages: nothing of the learner's shadows it
            module_name, _, name = path.partition(":")
            self.cache[path] = getattr(importlib.import_module(module_name), name)
        return self.cache[path]


def decode(value: Any, refs: Refs, frozen: list[Any]) -> Any:
    """Wire values to Python: ``$array`` → read-only float64 array (recorded in ``frozen``), ``$ref``."""
    if isinstance(value, dict):
        if "$array" in value:
            import numpy

            array = numpy.array(value["$array"], dtype=numpy.float64)
            array.flags.writeable = False
            frozen.append(array)
            return array
        if "$ref" in value:
            return refs.get(value["$ref"])
        return {k: decode(v, refs, frozen) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v, refs, frozen) for v in value]
    return value


def _learner_frames(tb: Any, path: str) -> list[Any]:
    return [frame for frame, _ in traceback.walk_tb(tb) if frame.f_code.co_filename == path]


def _aliases(frame: Any, named_arrays: dict[str, Any]) -> list[str]:
    """``"w_plus is w"`` for every local of ``frame`` that is (a view of) an argument array."""
    found = []
    for local, value in frame.f_locals.items():
        for arg_name, array in named_arrays.items():
            same = value is array or getattr(value, "base", None) is array
            if same and local != arg_name:
                found.append(f"{local} is {arg_name}")
    return found


_ASSIGNMENT = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?:\[.*\])?\s*(?:[-+*/@%&|^]|//|\*\*)?=")


def _assigned_argument(frame: Any, source: str, named_arrays: dict[str, Any]) -> str | None:
    """The argument an in-place assignment on ``source`` writes to (``w`` for ``w_plus[i] += eps``
    when ``w_plus is w``), or None when the line does not say."""
    match = _ASSIGNMENT.match(source or "")
    if match is None:
        return None
    value = frame.f_locals.get(match.group(1))
    for arg_name, array in named_arrays.items():
        if value is array or getattr(value, "base", None) is array:
            return arg_name
    return None


def describe_error(exc: BaseException, path: str, named_arrays: dict[str, Any]) -> dict[str, Any]:
    """The learner's exception: type, message, their innermost line, and an in-place change of an input."""
    frames = _learner_frames(exc.__traceback__, path)
    line = frames[-1].f_lineno if frames else None
    learner_tb = [entry for entry in traceback.extract_tb(exc.__traceback__) if entry.filename == path]
    error: dict[str, Any] = {
        "type": type(exc).__name__,
        "message": str(exc)[:500],
        "line": line,
        "source": learner_tb[-1].line if learner_tb else "",
        "traceback": "".join(traceback.format_list(learner_tb))[-2000:],
    }
    if isinstance(exc, ValueError) and "read-only" in str(exc):
        error["modified_input"] = True
        error["aliases"] = _aliases(frames[-1], named_arrays) if frames else []
        target = _assigned_argument(frames[-1], error["source"], named_arrays) if frames else None
        if target:
            error["argument"] = target
    if isinstance(exc, SystemExit):
        error["message"] = f"the code called sys.exit({exc.code!r})"
    return error


def _changed(before: Any, after: Any) -> bool:
    if before is after:  # immutable values (NaN included, which is not equal to itself)
        return False
    try:
        return bool(before != after)
    except Exception:  # e.g. comparing arrays inside lists: treat as unchanged, arrays are read-only
        return False


def call_one(module: Any, name: str, params: list[str], call: dict[str, Any], refs: Refs, limit: int) -> dict:
    """Run one hidden case of ``module.name``; the message the parent reads."""
    frozen: list[Any] = []
    args = decode(call["args"], refs, frozen)
    kwargs = decode(call.get("kwargs", {}), refs, frozen)
    named_arrays = {}
    for position, value in enumerate(args):
        if any(value is array for array in frozen):
            named_arrays[params[position] if position < len(params) else f"argument {position + 1}"] = value
    before = [copy.deepcopy(a) for a in args]
    saved = {}
    for stand_in, ref in call.get("stand_ins", {}).items():
        saved[stand_in] = module.__dict__.get(stand_in, _NOT_SET)
        module.__dict__[stand_in] = refs.get(ref)
    writer = CappedWriter(limit)
    sys.stdout = sys.stderr = writer
    started = time.perf_counter()
    message: dict[str, Any] = {"event": "call"}
    try:
        value = getattr(module, name)(*args, **kwargs)
        message.update(ok=True, value=encode(value))
    except NotImplementedError:
        message.update(ok=False, not_implemented=True)
    except BaseException as exc:  # the learner's failure, whatever it is, is this case's result
        message.update(ok=False, error=describe_error(exc, module.__file__, named_arrays))
    finally:
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        for stand_in, old in saved.items():
            if old is _NOT_SET:
                module.__dict__.pop(stand_in, None)
            else:
                module.__dict__[stand_in] = old
    message["seconds"] = time.perf_counter() - started
    message["mutated"] = [
        params[i] if i < len(params) else f"argument {i + 1}"
        for i, (old, new) in enumerate(zip(before, args, strict=True))
        if not any(new is array for array in frozen) and _changed(old, new)
    ]
    message["output"] = writer.text()
    return message


def load(path: str) -> tuple[Any, dict[str, Any] | None]:
    """The learner's file as a module named ``submission`` (so ``if __name__ == "__main__"`` blocks do
    not run), or the reason it could not be loaded."""
    try:
        with open(path, "rb") as handle:
            source = handle.read()
        code = compile(source, path, "exec")
    except SyntaxError as exc:
        return None, {
            "kind": "syntax",
            "type": type(exc).__name__,
            "message": exc.msg,
            "line": exc.lineno,
            "offset": exc.offset,
            "source": (exc.text or "").rstrip("\n")[:300],
        }
    except (OSError, ValueError) as exc:
        return None, {"kind": "unreadable", "type": type(exc).__name__, "message": str(exc)[:500]}
    module = types.ModuleType("submission")
    module.__file__ = path
    sys.modules["submission"] = module
    writer = CappedWriter(2000)
    sys.stdout = sys.stderr = writer
    try:
        exec(code, module.__dict__)
    except BaseException as exc:
        failure = describe_error(exc, path, {})
        failure.update(kind="error", output=writer.text())
        return None, failure
    finally:
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    return module, None


def _limit_memory(limit: int) -> None:
    try:
        import resource
    except ImportError:  # Windows: no rlimits; the timeout still applies
        return
    with contextlib.suppress(ValueError, OSError):  # a hard limit lower than ours already applies
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def main(job_path: str) -> int:
    """Run the job in the file ``job_path``, reporting on the original standard output."""
    out = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)  # from here on fd 1 is stderr: the parent reads it as raw output, capped
    with open(job_path, encoding="utf-8") as handle:
        job = json.load(handle)
    sys.stdin = io.StringIO("")  # input() in the learner's code gets EOF instead of waiting

    def send(message: dict[str, Any]) -> None:
        out.write(json.dumps(message) + "\n")
        out.flush()

    if job.get("memory_limit"):
        _limit_memory(int(job["memory_limit"]))
    refs = Refs(job["repo"])
    module, failure = load(job["file"])
    if failure is not None:
        send({"event": "load_failed", **failure})
        return 0
    send({"event": "loaded"})
    for index, exercise in enumerate(job["exercises"]):
        name = exercise["name"]
        send({"event": "start", "exercise": index})
        if not callable(getattr(module, name, None)):
            send({"event": "done", "exercise": index, "missing": True})
            continue
        for case, call in enumerate(exercise["calls"]):
            message = call_one(module, name, exercise["params"], call, refs, int(job["output_limit"]))
            send({**message, "exercise": index, "case": case})
        send({"event": "done", "exercise": index})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
