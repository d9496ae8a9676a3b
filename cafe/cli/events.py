"""The `cafe demo`, `cafe plan`, `cafe event` and `cafe rotation` commands."""

from __future__ import annotations

import json

import click

from cafe.cli.app import make_app, require_database, warn_if_new_database


@click.command()
@click.option("--slug", default="demo", show_default=True, help="Slug of the demo event.")
def demo(slug: str) -> None:
    """(Re)create the demo event with about 150 notes.

    Example: cafe demo
    """
    from cafe.demo import do_create_demo

    warn_if_new_database(demo=True)
    app = make_app()
    with app.app_context():
        event = do_create_demo(slug)
    click.echo(
        f"Demo event '{event['title']}' ready: slug {event['slug']}, join code {event['code']}."
    )


@click.group()
def plan() -> None:
    """Event plans (sessions/*.toml)."""


@plan.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def plan_check(files: tuple[str, ...]) -> None:
    """Validate plan files and report each problem with its line and field.

    Example: cafe plan check sessions/demo.toml
    """
    from cafe.plans import PlanError, load_plan

    failed = False
    for path in files:
        try:
            plan_ = load_plan(path)
        except PlanError as exc:
            failed = True
            for problem in exc.problems:
                where = f":{problem.line}" if problem.line else ""
                click.echo(f"{path}{where}: {problem.field}: {problem.message}", err=True)
            continue
        click.echo(
            f"{path}: ok ({len(plan_.tables)} tables, {len(plan_.rounds)} rounds, "
            f"{len(plan_.frames)} frames)"
        )
    if failed:
        raise SystemExit(1)


@click.group()
def event() -> None:
    """Events."""


@event.command("create")
@click.argument("plan_file", type=click.Path(dir_okay=False))
@click.option("--slug", default=None, help="Slug (default: the plan's).")
@click.option(
    "--replace", is_flag=True, help="Replace an existing event with this slug (deletes its notes)."
)
def event_create(plan_file: str, slug: str | None, replace: bool) -> None:
    """Create an event from a plan file.

    Example: cafe event create sessions/partnership-cafe.toml
    """
    from cafe.actions import Refused, do_create_event
    from cafe.plans import PlanError, load_plan

    try:
        plan_ = load_plan(plan_file)
    except PlanError as exc:
        raise click.ClickException(f"{plan_file}: {exc}") from None
    warn_if_new_database()
    app = make_app()
    with app.app_context():
        try:
            created = do_create_event(plan_, slug=slug, replace=replace)
        except Refused as exc:
            if exc.code == "slug_taken":
                raise click.ClickException(
                    f"{exc.message} Give this one another slug with --slug NEW-SLUG (or change "
                    f"`slug` in {plan_file}), or use --replace to replace the existing event "
                    "(that deletes its notes)."
                ) from None
            raise click.ClickException(exc.message) from None
    click.echo(
        f"Created '{created['title']}': slug {created['slug']}, join code {created['code']}."
    )


@event.command("list")
def event_list() -> None:
    """List events.

    Example: cafe event list
    """
    from cafe import queries
    from cafe.db import reading

    require_database()
    app = make_app()
    with app.app_context(), reading() as db:
        for row in queries.events(db):
            click.echo(f"{row['slug']}\t{row['code']}\t{row['status']}\t{row['title']}")


@click.command()
@click.option("--participants", "-n", type=click.IntRange(1, 20_000), required=True, help="People.")
@click.option("--tables", "-t", type=click.IntRange(1, 5_000), required=True, help="Tables.")
@click.option("--rounds", "-r", type=click.IntRange(1, 50), required=True, help="Rounds.")
@click.option(
    "--hosts",
    type=click.IntRange(0, 5_000),
    default=None,
    help="Hosts: participants 0..H-1 host tables 0..H-1 (default: one per table).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed (same seed, same plan).")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
def rotation(
    participants: int, tables: int, rounds: int, hosts: int | None, seed: int, as_json: bool
) -> None:
    """Plan who sits where each round: hosts stay, travellers move, fewest repeat meetings.

    Example: cafe rotation --participants 60 --tables 12 --rounds 4 --seed 1 --json
    """
    from cafe.seating import rotation_for_cli

    try:
        plan_ = rotation_for_cli(participants, tables, rounds, hosts, seed)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(plan_))
        return
    for number, seating in enumerate(plan_["rounds"], start=1):
        click.echo(f"Round {number}")
        for table, people in enumerate(seating):
            click.echo(f"  table {table}: {' '.join(map(str, people))}")
    click.echo(f"Pairs who meet more than once: {plan_['repeat_pairs']}")
