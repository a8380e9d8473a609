"""Read-only folders that stay read-only for root: tests run as root in CI, and root ignores file modes.

Root reads and writes anything through two capabilities, CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH.
Without them root is an ordinary owner, and ``chmod 0o555`` makes a folder read-only for it too.

- :func:`without_dac_override` drops them from the *calling thread's* effective set for the block
  (Linux capabilities are per thread; the permitted set keeps them, so they are restored after),
  for in-process tests of the engine;
- :func:`restricted_command` runs a command without them: through ``capsh --drop=…`` where capsh is
  installed (Debian's libcap2-bin), otherwise through the same system call in the child before exec
  (:func:`drop_in_child`), so the test never needs capsh to exist.

Not root: nothing to drop, modes already apply. Not Linux: :data:`AVAILABLE` is False (tests skip).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import sys
from collections.abc import Iterator, Sequence

_VERSION_3 = 0x20080522
_DAC_BITS = (1 << 1) | (1 << 2)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
_PR_CAPBSET_DROP = 24
CAPSH_DROP = "--drop=cap_dac_override,cap_dac_read_search"

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
AVAILABLE = sys.platform.startswith("linux")


class _Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _Data(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _get() -> tuple[_Header, ctypes.Array[_Data]]:
    header, data = _Header(_VERSION_3, 0), (_Data * 2)()
    if _libc().capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget failed")
    return header, data


def _set(header: _Header, data: ctypes.Array[_Data]) -> None:
    if _libc().capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")


@contextlib.contextmanager
def without_dac_override() -> Iterator[None]:
    """Within the block, this thread obeys file modes even as root."""
    if not IS_ROOT:
        yield
        return
    header, data = _get()
    saved = data[0].effective
    data[0].effective &= ~_DAC_BITS
    _set(header, data)
    try:
        yield
    finally:
        header, data = _get()
        data[0].effective = saved
        _set(header, data)


def drop_in_child() -> None:
    """``preexec_fn`` for subprocess: drop the two capabilities for good, as ``capsh --drop`` does.

    They leave the bounding set (else exec would give root all of them back) and the current sets.
    """
    for capability in (1, 2):
        if _libc().prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")
    header, data = _get()
    data[0].effective &= ~_DAC_BITS
    data[0].permitted &= ~_DAC_BITS
    data[0].inheritable &= ~_DAC_BITS
    _set(header, data)


def restricted_command(argv: Sequence[str]) -> tuple[list[str], object]:
    """``(argv, preexec_fn)`` that run ``argv`` without the capabilities (capsh when installed)."""
    if not IS_ROOT:
        return list(argv), None
    capsh = shutil.which("capsh")
    if capsh is not None:
        import shlex

        return [capsh, CAPSH_DROP, "--", "-c", "exec " + shlex.join(argv)], None
    return list(argv), drop_in_child
