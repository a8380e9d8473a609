"""The engine never imports Qt, and the registry never imports TensorFlow."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _engine_modules():
    for path in sorted((ROOT / "engine").rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        yield module.removesuffix(".__init__")


def test_no_engine_module_imports_qt():
    modules = list(_engine_modules())
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'gui', 'shiboken6'))\n"
        "print(len(sys.modules)); assert not bad, bad\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_lab_registry_and_cli_listing_do_not_import_tensorflow():
    code = (
        "import sys, io\n"
        "from engine.labs import LABS\n"
        "from engine import cli\n"
        "cli.main(['list'], io.StringIO(), io.StringIO())\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'TF imported'\n"
        "print(sorted(LABS))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]


def _stderr_of(code: str, log_level: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    if log_level is not None:
        env["TF_CPP_MIN_LOG_LEVEL"] = log_level
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stderr


def test_tensorflow_import_notices_are_dropped_and_nothing_else() -> None:
    from engine import native_stderr

    notice = b"WARNING: " + native_stderr.NOTICES[0] + b"\n"
    assert native_stderr.kept_lines(notice + b"keep me\n" + notice) == b"keep me\n"
    # Through fd 2 itself, as the C++ side writes: other lines come back, in order.
    code = (
        "import os\n"
        "from engine import native_stderr\n"
        "with native_stderr.filtered():\n"
        "    os.write(2, b'first\\n')\n"
        "    os.write(2, b'I0000 cudart_stub.cc:31] ' + native_stderr.NOTICES[1] + b'\\n')\n"
        "    os.write(2, b'second\\n')\n"
        "os.write(2, b'after\\n')\n"
    )
    assert _stderr_of(code, "3").splitlines() == ["first", "second", "after"]
    assert "cudart_stub" in _stderr_of(code, "0")  # the user asked for TensorFlow's logs: all pass


def test_importing_tensorflow_through_any_engine_module_prints_no_notices() -> None:
    # engine.labs.bert.encoder has its own top-level `import tensorflow`, not engine.tfrt's; and no level is
    # set, as for a user of the engine as a library: the first import makes it quiet by default.
    code = (
        "import os, engine.labs.bert.encoder, tensorflow as tf\n"
        "assert float(tf.constant(2.0) * 3) == 6.0 and os.environ['TF_CPP_MIN_LOG_LEVEL'] == '3'\n"
    )
    stderr = _stderr_of(code, None)
    assert "cudart_stub" not in stderr and "absl::InitializeLog" not in stderr, stderr
    assert "oneDNN" not in stderr and stderr.strip() == "", stderr
