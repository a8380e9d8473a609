"""The guard that keeps tests and their subprocesses out of the user's real dirs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.user_dirs import SubprocessGuard, app_dirs, reaches


def test_a_subprocess_with_the_users_home_is_refused_and_an_isolated_one_runs(tmp_path):
    real_home = tmp_path / "real-home"
    real = [real_home / ".config" / "DeepLearningLab", real_home / ".local" / "share" / "deep-learning-lab"]
    guard = SubprocessGuard(real)
    guard.install()
    try:
        with pytest.raises(RuntimeError, match="reaches the user's real dirs"):
            subprocess.run([sys.executable, "-c", "pass"], env={"HOME": str(real_home)}, check=True)
        isolated = {"HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
        subprocess.run([sys.executable, "-c", "pass"], env=isolated, check=True)
    finally:
        guard.uninstall()
    assert guard.started == 1


def test_app_dirs_follow_the_overrides(tmp_path):
    env = {
        "HOME": str(tmp_path),
        "DLLAB_DATA_DIR": str(tmp_path / "d"),
        "XDG_CACHE_HOME": str(tmp_path / "c"),
    }
    assert app_dirs(env) == [
        tmp_path / ".config" / "DeepLearningLab",
        tmp_path / "d",
        tmp_path / "c" / "deep-learning-lab",
    ]
    assert reaches(env, [tmp_path / "c"]) == [tmp_path / "c" / "deep-learning-lab"]


def test_the_session_itself_is_isolated(user_dirs_untouched):
    """This session's environment (inherited by every subprocess) reaches none of the real dirs."""
    import os

    assert not reaches(os.environ, user_dirs_untouched.real)
