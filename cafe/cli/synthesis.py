"""The `cafe synthesize` and `cafe eval` commands."""

from __future__ import annotations

import json
import os

import click

from cafe.cli.app import make_app, require_database


@click.command()
@click.argument("event_slug", required=False)
@click.option("--k", "k", default="auto", show_default=True, help="Number of themes, or 'auto'.")
@click.option(
    "--embeddings", is_flag=True, help="Use sentence embeddings (needs cafe[embeddings])."
)
@click.option("--no-frames", is_flag=True, help="Ignore the plan's frames.")
@click.option(
    "--all-questions", is_flag=True,
    help="Theme all rounds' notes together (default: each round's question on its own).",
)
@click.option(
    "--job", type=int, default=None, hidden=True, help="Worker for a queued run (internal)."
)
def synthesize(
    event_slug: str | None, k: str, embeddings: bool, no_frames: bool, all_questions: bool,
    job: int | None,
) -> None:
    """Theme an event's notes now, keeping staff's locked themes, exclusions and moves.

    Progress goes to stderr and a summary to stdout; the themes appear in the staff workspace.

    Example: cafe synthesize demo --k 8
    """
    if job is not None:
        from cafe.actions.synthesis.worker import worker_main

        raise SystemExit(worker_main(job, os.environ.get("CAFE_DB", "instance/cafe.db")))
    if not event_slug:
        raise click.UsageError("Name an event, e.g. cafe synthesize demo.")
    require_database()
    from cafe import queries
    from cafe.actions import Refused
    from cafe.actions.synthesis.result import current_result
    from cafe.actions.synthesis.runs import do_start_run
    from cafe.actions.synthesis.worker import run_foreground
    from cafe.db import get_writer, reading

    app = make_app()
    with app.app_context():
        with reading() as db:
            event = queries.event_by_slug(db, event_slug)
        if event is None:
            raise click.ClickException(f"There is no event {event_slug!r}.")
        try:
            run = do_start_run(
                event, "command line", n_themes=k, embeddings=embeddings, frames=not no_frames,
                by_question=not all_questions,
            )
        except Refused as exc:
            raise click.ClickException(str(exc.message)) from None

        def progress(fraction: float, message: str) -> None:
            click.echo(f"[{fraction * 100:3.0f}%] {message}", err=True)

        try:
            with reading() as db:
                detail = run_foreground(get_writer(), db, run["id"], progress)
        except Exception as exc:  # noqa: BLE001 - one clear line; the run is marked failed
            raise click.ClickException(f"Synthesis failed: {exc}") from None
        with reading() as db:
            result = current_result(db, event["id"])
    click.echo(
        f"{len(result.themes)} themes from {result.params.get('n_notes', 0)} notes "
        f"({len(result.unthemed)} not yet themed, {detail['locked_kept']} locked themes kept):"
    )
    for theme in result.themes:
        click.echo(f"  {len(theme.note_ids):4d}  {theme.label}")


@click.command("eval")
@click.argument("csv_path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--k",
    "k",
    default=None,
    help="Number of themes: a number, 'true' (the number of labels) or 'auto' "
    "[default: 'true', with --group 'auto'].",
)
@click.option(
    "--embeddings", is_flag=True, help="Use sentence embeddings (needs cafe[embeddings])."
)
@click.option("--sample", type=click.IntRange(2, None), default=None, help="Score a random sample.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--group",
    default=None,
    help="Theme each value of this column on its own, as the app themes each question.",
)
@click.option(
    "--themes-out",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="With --group: write the themes (rows, label, key point, stance) to this JSON file.",
)
@click.option(
    "--llm",
    is_flag=True,
    help="With --themes-out: reword each key point with the local language model "
    "(CAFE_LLM_URL or CAFE_LLM_GGUF), kept only where its notes support it.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object as the last line.")
def eval_command(
    csv_path: str, k: str | None, embeddings: bool, sample: int | None, seed: int,
    group: str | None, themes_out: str | None, llm: bool, as_json: bool,
) -> None:
    """Cluster a labelled CSV (`text,label`) and score the themes: NMI, ARI, accuracy.

    With --group COLUMN each group of rows is themed separately (rows with an empty label are
    themed but not scored) and the last JSON line holds the means over the groups.

    With --llm each theme's key point is reworded by the configured local model, as a draft's
    are; a sentence its notes do not support keeps the extractive point (`key_point_by` says which).

    Example: cafe eval notes.csv --k auto --json
    Example: cafe eval notes.csv --group topic --json --themes-out themes.json
    Example: CAFE_LLM_GGUF=model.gguf cafe eval notes.csv --group question --themes-out t.json --llm
    """
    from cafe.synthesis.evaluate import evaluate_csv, evaluate_groups

    k = k or ("auto" if group else "true")
    if k not in ("true", "auto"):
        try:
            k = int(k)
        except ValueError:
            raise click.BadParameter("use a number, 'true' or 'auto'", param_hint="--k") from None
    if themes_out and not group:
        raise click.BadParameter("needs --group", param_hint="--themes-out")
    if llm and not themes_out:
        raise click.BadParameter("needs --themes-out (the key points go there)",
                                 param_hint="--llm")
    chat = _eval_chat() if llm else None
    if group:
        if sample is not None:
            raise click.BadParameter("cannot be used with --group", param_hint="--sample")
        try:
            per_group, means, themes = evaluate_groups(csv_path, group, k=k,
                                                       embeddings=embeddings, seed=seed)
        except Exception as exc:  # noqa: BLE001 - a bad file or a missing extra gets one clear line
            raise click.ClickException(str(exc)) from None
        if chat is not None:
            from cafe.llm.eval_points import reword_points
            from cafe.synthesis.evaluate import read_grouped_csv

            texts = [row["text"] for row in read_grouped_csv(csv_path, group)]
            said = reword_points(themes, texts, chat, lambda _f, msg: click.echo(msg, err=True))
            click.echo(f"Key points reworded by the model: {said['reworded']}; kept as written "
                       f"(the model's sentence was not supported): {said['kept']}", err=True)
        if themes_out:
            with open(themes_out, "w", encoding="utf-8") as f:
                json.dump(themes, f, ensure_ascii=False, indent=1)
        for g in per_group:
            scores = (f"NMI {g['nmi']:.3f}, ARI {g['ari']:.3f}" if "nmi" in g else "no labels")
            click.echo(f"{g['group']}: {g['n']} notes, {g['k']} themes "
                       f"({g['k_expected']} labels): {scores}")
            if as_json:
                click.echo(json.dumps(g, ensure_ascii=False))
        nmi = "-" if means["nmi"] is None else f"{means['nmi']:.3f}"
        click.echo(f"{means['groups']} groups, mean {means['k']} themes: mean NMI {nmi}")
        if as_json:
            click.echo(json.dumps(means))
        return
    try:
        scores = evaluate_csv(csv_path, k=k, embeddings=embeddings, sample=sample, seed=seed)
    except Exception as exc:  # noqa: BLE001 - a bad file or a missing extra gets one clear line
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"{scores['n']} notes, {scores['k']} themes in {scores['seconds']:.1f} s: "
        f"NMI {scores['nmi']:.3f}, ARI {scores['ari']:.3f}, accuracy {scores['acc']:.3f}"
    )
    if as_json:
        click.echo(json.dumps(scores))


def _eval_chat():
    """Return the configured local model's chat function for `cafe eval --llm`, or stop with why."""
    from cafe.llm.backends import LlmConfig, LlmUnavailable, open_chat, problem
    from cafe.settings import load_settings

    config = LlmConfig.from_config(load_settings())
    why = problem(config)  # None when none is set up: open_chat then says so
    if why:
        raise click.ClickException(why)
    try:
        return open_chat(config)
    except LlmUnavailable as exc:
        raise click.ClickException(str(exc)) from None
