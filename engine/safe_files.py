"""Reading untrusted files and writing our own ones safely: the primitives every loader and cache uses.

Every file a user names (a data file, a label file, an image listed in it, a GloVe file) is untrusted:

- it may not be a regular file at all: a named pipe blocks a reader forever (and ignores Ctrl+C), a
  device such as ``/dev/zero`` never ends, a folder or a symlink loop fails with an OS error name.
  :func:`open_regular` opens without blocking, checks what it opened and refuses anything but a
  regular file, with the path and what it is instead;
- it may be huge where it should be small: :func:`read_limited` and :func:`bounded_lines` refuse
  before allocating, and :func:`clip` keeps every echoed value to about 200 characters, so a
  200 MB one-line file never becomes a 200 MB message (or a 200 MB row in the run store).

Every file we write goes to a temporary name in the same folder and is renamed into place
(:func:`atomic_path`, :func:`atomic_write_text`), so a crash, a full disk or a second process never
leaves a half-written file under the real name.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import functools
import io
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

#: How much of an untrusted value a message may echo.
ECHO_LIMIT = 200
#: Longest line a text reader accepts: far above any real CSV row or GloVe line (300-d GloVe lines
#: are ~3 KB), far below what would exhaust memory when a file has no line breaks at all.
MAX_LINE_CHARS = 4 << 20


class InputFileError(ValueError):
    """A file cannot be used as input; the message names the file and the problem."""


ErrorType = type[ValueError]


def clip(value: object, limit: int = ECHO_LIMIT) -> str:
    """``str(value)``, cut to ``limit`` characters with an ellipsis and the full length when longer."""
    text = str(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


def clip_repr(value: object, limit: int = ECHO_LIMIT) -> str:
    """``repr`` of a string value, cut like :func:`clip` (for messages that quote what they read)."""
    text = str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"


def _kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def describe_os_error(exc: OSError) -> str:
    """An OS error in words, without the Python class name ("Too many levels of symbolic links")."""
    if exc.errno == errno.ELOOP:
        return "a symbolic link loop"
    return exc.strerror or str(exc)


def file_problem(path: str | Path, what: str = "file") -> str | None:
    """Why ``path`` is not a readable regular file (symlinks followed), in words; None when it is one."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return f"{what} not found"
    except OSError as exc:
        return f"cannot read the {what} ({describe_os_error(exc)})"
    if not stat.S_ISREG(info.st_mode):
        return f"is {_kind_of(info.st_mode)}, expected a regular {what}"
    return None


def check_regular_file(path: str | Path, error: ErrorType = InputFileError, what: str = "file") -> int:
    """The size of ``path`` if it is a regular file (symlinks followed); otherwise ``error`` naming why.

    Args:
        path: The file.
        error: The exception type raised (a loader's own error type). Defaults to InputFileError.
        what: What the file is, for the message ("label file", "image"). Defaults to "file".
    """
    problem = file_problem(path, what)
    if problem is not None:
        raise error(f"{clip(path)}: {problem}")
    return os.stat(path).st_size


def open_regular(
    path: str | Path, error: ErrorType = InputFileError, what: str = "file", label: str | None = None
) -> BinaryIO:
    """Open ``path`` for reading in binary, refusing anything but a regular file before reading a byte.

    The file is opened non-blocking (a named pipe without a writer would otherwise block the open
    forever) and checked with ``fstat`` on the open descriptor, so nothing can swap it between the
    check and the read.

    Args:
        path: The file.
        error: The exception type raised. Defaults to InputFileError.
        what: What the file is, for messages. Defaults to "file".
        label: How messages name the file. Defaults to the path.

    Raises:
        ``error``: Missing, unreadable, or a folder, pipe, device, socket or symlink loop.
    """
    name = clip(path if label is None else label)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise error(f"{name}: {what} not found") from None
    except IsADirectoryError:
        raise error(f"{name}: is a folder, expected a regular {what}") from None
    except OSError as exc:
        raise error(f"{name}: cannot read the {what} ({describe_os_error(exc)})") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise error(f"{name}: is {_kind_of(mode)}, expected a regular {what}")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)  # regular files never block; keep ordinary reads
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def open_text(
    path: str | Path,
    error: ErrorType = InputFileError,
    what: str = "file",
    encoding: str = "utf-8-sig",
    errors: str = "strict",
) -> TextIO:
    """:func:`open_regular` as text; ``utf-8-sig`` drops a byte-order mark (Excel writes one)."""
    return io.TextIOWrapper(open_regular(path, error, what), encoding=encoding, errors=errors, newline="")


def read_limited(
    path: str | Path,
    max_bytes: int,
    error: ErrorType = InputFileError,
    what: str = "file",
    label: str | None = None,
) -> bytes:
    """All bytes of a regular file of at most ``max_bytes`` (checked before reading).

    ``label`` names the file in messages (defaults to the path).
    """
    name = clip(path if label is None else label)
    with open_regular(path, error, what, label) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > max_bytes:
            raise error(f"{name}: the {what} is {size:,} bytes; at most {max_bytes:,} are accepted")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:  # grew while we read it
        raise error(f"{name}: the {what} is larger than {max_bytes:,} bytes")
    return data


def bounded_lines(
    handle: TextIO, name: str, error: ErrorType = InputFileError, max_chars: int = MAX_LINE_CHARS
) -> Iterator[str]:
    """The lines of ``handle`` (with their line ends), refusing a line longer than ``max_chars``.

    ``for line in handle`` would read a file without line breaks into one string of its whole size.
    """
    number = 0
    while True:
        line = handle.readline(max_chars + 1)
        if not line:
            return
        number += 1
        if len(line) > max_chars:
            raise error(f"{clip(name)}: line {number} is longer than {max_chars:,} characters")
        yield line


def decode_error_line(path: str | Path) -> int | None:
    """The line number of the first byte of ``path`` that is not UTF-8 (None if none is found).

    A text reader's error only knows the offset inside the chunk it was decoding; the message should
    say which line to fix, so the file is read again in binary, in chunks.
    """
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    lines = 1
    try:
        with open_regular(path) as handle:
            while chunk := handle.read(1 << 20):
                pending = len(decoder.getstate()[0])  # bytes of a character cut by the last chunk
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    return lines + chunk.count(b"\n", 0, max(exc.start - pending, 0))
                lines += chunk.count(b"\n")
    except (OSError, ValueError):
        return None
    return None


# --- writing our own files ------------------------------------------------------------------------


@contextlib.contextmanager
def atomic_path(path: str | Path, mode: int | None = None) -> Iterator[Path]:
    """A temporary path beside ``path``; when the block ends without an error it replaces ``path``.

    On an error (a full disk, a Stop) the temporary file is removed and ``path`` is untouched. The file
    gets ``mode`` as its permissions (default: what a plain ``open`` gives, from the umask; the
    temporary file alone would be private to its owner).
    """
    target = Path(path)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, mode if mode is not None else 0o666 & ~_umask())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


@functools.cache
def _umask() -> int:
    # Reading the umask means setting it: put it straight back, once per process (it is process-wide).
    current = os.umask(0o022)
    os.umask(current)
    return current


def atomic_write_bytes(path: str | Path, data: bytes, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` via a temporary file and a rename (``mode``: see :func:`atomic_path`)."""
    with atomic_path(path, mode) as temporary:
        temporary.write_bytes(data)


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` via a temporary file and a rename."""
    atomic_write_bytes(path, text.encode("utf-8"))
