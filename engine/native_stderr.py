"""Keep TensorFlow's import-time C++ chatter off the terminal.

``import tensorflow`` prints, straight to file descriptor 2 and whatever ``TF_CPP_MIN_LOG_LEVEL`` says,
absl's "All log messages before absl::InitializeLog() is called are written to STDERR" notice and an
``I0000 … cudart_stub.cc … Could not find cuda drivers on your machine, GPU will not be used.`` line
and an ``I0000 … port.cc … oneDNN custom operations are on …`` line, each twice. On a laptop without a
GPU that is expected, and a learner reading the CLI's output should not have to wonder about it.
Python-level redirection cannot catch them (they come from C++), so while the ``tensorflow`` package
executes, fd 2 goes to a temporary file; afterwards every line except those
known notices is written back, in order. Nothing else is dropped. The same import sets
``TF_CPP_MIN_LOG_LEVEL=3`` unless the user chose a level; with ``0`` (the user asked for TensorFlow's
logs) nothing is filtered at all.

:func:`install` puts a finder on ``sys.meta_path`` that wraps only the first import of ``tensorflow``,
wherever it happens (``engine.tfrt``, a module's own ``import tensorflow``, tensorflow_hub ...); it is
called by ``engine/__init__.py``. No TensorFlow is imported here.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from types import ModuleType

#: Substrings of the lines dropped; a line is dropped only if it contains one of them. The oneDNN line
#: is an INFO line that ``TF_CPP_MIN_LOG_LEVEL=3`` does not silence (it is written before absl reads it).
NOTICES: tuple[bytes, ...] = (
    b"All log messages before absl::InitializeLog() is called are written to STDERR",
    b"Could not find cuda drivers on your machine, GPU will not be used.",
    b"oneDNN custom operations are on.",
)
_lock = threading.Lock()


def kept_lines(text: bytes) -> bytes:
    """``text`` without the lines that contain one of :data:`NOTICES` (line endings kept)."""
    lines = text.splitlines(keepends=True)
    return b"".join(line for line in lines if not any(notice in line for notice in NOTICES))


def _wanted() -> bool:
    return os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0").strip() not in ("", "0")


@contextmanager
def filtered() -> Iterator[None]:
    """Hold fd 2 in a temporary file for the block, then pass on all but the known notices."""
    if not _wanted():
        yield
        return
    with _lock:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, ValueError, AttributeError):  # no fd 2 (pythonw), or stderr replaced oddly
            yield
            return
        with tempfile.TemporaryFile() as held:
            os.dup2(held.fileno(), 2)
            try:
                yield
            finally:
                with suppress(OSError, ValueError, AttributeError):
                    sys.stderr.flush()
                os.dup2(saved, 2)
                os.close(saved)
                held.seek(0)
                rest = kept_lines(held.read())
                if rest:
                    os.write(2, rest)


class _FilteredLoader(importlib.abc.Loader):
    def __init__(self, loader: importlib.abc.Loader) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        # The module keeps the real loader (importlib.resources and friends ask it for things).
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        # TensorFlow's C++ logs are off unless the user set a level: this is the one place every
        # first import passes through (engine.tfrt, a module's own `import tensorflow`, tensorflow_hub).
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        with filtered():
            self._loader.exec_module(module)


class _TensorFlowFinder(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` the normal way, once, and hands back a spec whose loader filters fd 2."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "tensorflow":
            return None
        uninstall()  # one import only; find the real spec without this finder in the way
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _FilteredLoader(spec.loader)
        return spec


_finder = _TensorFlowFinder()


def install() -> None:
    """Filter the first ``import tensorflow`` of this process (idempotent; no-op once it is loaded)."""
    if "tensorflow" not in sys.modules and _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)


def uninstall() -> None:
    """Remove the finder (tests; also done by the finder itself on first use)."""
    while _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
