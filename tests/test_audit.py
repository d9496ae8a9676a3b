"""Static security checks that run with every `make test`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def test_bandit_finds_no_high_severity_issue():
    bandit = Path(sys.executable).with_name("bandit")
    if not bandit.exists() and not shutil.which("bandit"):
        pytest.fail("bandit is a test dependency: pip install -e '.[test]'")
    result = subprocess.run([str(bandit), "-q", "-r", str(ROOT / "cafe"), "-lll", "-f", "txt"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dependencies_pin_the_denial_of_service_fixes():
    text = (ROOT / "pyproject.toml").read_text()
    assert '"python-engineio>=4.13.3"' in text and '"python-socketio>=5.16.3"' in text
