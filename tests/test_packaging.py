"""`pip install .` gives a working app: templates, static files and plans ship in the wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    [built] = out.glob("cafe-*.whl")
    return built


def test_wheel_carries_templates_static_and_plans(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "cafe/templates/participant/app.html",
        "cafe/static/js/phone.js",
        "cafe/static/vendor/socket.io/socket.io.min.js",
        "cafe/static/vendor/socket.io/LICENSE",
        "cafe/sessions/demo.toml",
        "cafe/sessions/demo-notes.csv",
        "cafe/safety_data/train_en.csv",  # the disclosure model is trained from these at start
        "cafe/safety_data/seed_ur.csv",
        "cafe/safety_data/README.md",
    ):
        assert needed in names, needed


def test_installed_wheel_serves_pages(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    script = f"""
import sys
sys.path.insert(0, {str(target)!r})
import cafe
assert cafe.__file__.startswith({str(target)!r}), cafe.__file__
from cafe import create_app
from cafe.demo import do_create_demo
app = create_app({{"CAFE_DATABASE": {str(tmp_path / "w.db")!r}, "SECRET_KEY": "x",
                  "CAFE_ASYNC_MODE": "threading"}})
with app.app_context():
    do_create_demo()
client = app.test_client()
page = client.get("/e/demo/")
assert page.status_code == 200 and b"Exit this page" in page.data, page.status_code
assert client.get("/static/js/phone.js").status_code == 200
print("ok")
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.stdout.strip() == "ok", result.stderr
