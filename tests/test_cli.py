"""The `cafe` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cafe.cli import cli
from conftest import rows

ROOT = Path(__file__).parent.parent


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("CAFE_DB", str(tmp_path / "cli.db"))
    runner = CliRunner()
    return lambda *args, **kw: runner.invoke(cli, list(args), catch_exceptions=False, **kw)


def test_plan_check_passes_the_shipped_plans(run):
    result = run(
        "plan",
        "check",
        str(ROOT / "sessions" / "demo.toml"),
        str(ROOT / "sessions" / "partnership-cafe.toml"),
    )
    assert result.exit_code == 0 and result.output.count(": ok (") == 2


def test_plan_check_reports_line_and_field(run, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'title = "x"\n\n[[tables]]\nname = "A"\ncapacity = 1\n\n[[rounds]]\nquestion = ""\n'
    )
    result = run("plan", "check", str(bad))
    assert result.exit_code == 1
    assert f"{bad}:5: table 1.capacity: must be between 2 and 20, not 1" in result.output
    assert f"{bad}:8: round 1.question: is required" in result.output


def test_demo_makes_about_150_notes_across_tables_and_rounds(run, tmp_path):
    result = run("demo")
    assert result.exit_code == 0 and "join code" in result.output
    db = tmp_path / "cli.db"
    [(count, tables, rounds)] = rows(
        db, "SELECT COUNT(*), COUNT(DISTINCT table_no), COUNT(DISTINCT round_no) FROM notes"
    )
    assert 130 <= count <= 200 and tables == 6 and rounds == 3
    flags = [json.loads(f) for (f,) in rows(db, "SELECT flags_json FROM notes")]
    # Demo disclosures wait in the safeguarding lead's queue, like live ones.
    assert rows(db, "SELECT COUNT(*) FROM notes WHERE flags_json LIKE '%disclosure%'") == rows(
        db, "SELECT COUNT(*) FROM notes WHERE sg_status = 'new'")
    assert any("disclosure" in f for f in flags) and any(
        any(x.startswith("personal:") for x in f) for f in flags
    )
    # Running it again recreates the event rather than doubling it.
    run("demo")
    assert rows(db, "SELECT COUNT(*) FROM events") == [(1,)]
    assert rows(db, "SELECT COUNT(*) FROM notes") == [(count,)]


def test_event_create_from_a_plan(run):
    result = run("event", "create", str(ROOT / "sessions" / "partnership-cafe.toml"))
    assert result.exit_code == 0 and "partnership-cafe" in result.output
    again = CliRunner().invoke(
        cli, ["event", "create", str(ROOT / "sessions" / "partnership-cafe.toml")]
    )
    assert again.exit_code == 1 and "already exists" in again.output
    assert "--slug NEW-SLUG" in again.output and "--replace" in again.output  # a way forward
    assert "partnership-cafe" in run("event", "list").output
    other = run("event", "create", str(ROOT / "sessions" / "partnership-cafe.toml"),
                "--slug", "partnership-cafe-2")
    assert other.exit_code == 0 and "slug partnership-cafe-2" in other.output


def test_user_add_and_list(run):
    result = run("user", "add", "amina", "--role", "safeguarding", "--password", "-")
    assert result.exit_code == 0 and "Password (shown once):" in result.output
    assert "amina\tsafeguarding\tactive" in run("user", "list").output
    weak = CliRunner().invoke(cli, ["user", "add", "bob", "--password", "short"])
    assert weak.exit_code == 1 and "at least 10 characters" in weak.output
    run("user", "disable", "amina")
    assert "amina\tsafeguarding\tdisabled" in run("user", "list").output
    assert "Enabled amina." in run("user", "enable", "amina").output
    assert "amina\tsafeguarding\tactive" in run("user", "list").output
    missing = CliRunner().invoke(cli, ["user", "enable", "nobody"])
    assert missing.exit_code == 1 and "There is no user" in missing.output


@pytest.mark.parametrize("n, t, r", [(60, 12, 4), (200, 40, 4)])
def test_rotation_has_no_repeat_pairs_for_the_acceptance_sizes(run, n, t, r):
    result = run("rotation", "--participants", str(n), "--tables", str(t), "--rounds", str(r),
                 "--seed", "3", "--json")
    plan = json.loads(result.output)
    assert plan["repeat_pairs"] == 0
    assert plan["hosts"] == {str(i): i for i in range(t)}
    for seating in plan["rounds"]:
        sizes = [len(people) for people in seating]
        assert max(sizes) - min(sizes) <= 1 and sum(sizes) == n
        for table, host in plan["hosts"].items():
            assert host in seating[int(table)]  # hosts never move


def test_rotation_refuses_impossible_input(run):
    result = CliRunner().invoke(cli, ["rotation", "-n", "5", "-t", "3", "-r", "2", "--hosts", "4"])
    assert result.exit_code == 1 and "host" in result.output.lower()


def test_eval_scores_a_labelled_csv(run, tmp_path):
    import csv

    source = Path(__file__).parent / "synthesis" / "cafe_notes.csv"
    corpus = tmp_path / "labelled.csv"
    with source.open(encoding="utf-8") as inp, corpus.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["text", "label"])
        writer.writerows([row["text"], row["topic"]] for row in csv.DictReader(inp))
    result = run("eval", str(corpus), "--k", "true", "--json")
    scores = json.loads(result.output.strip().splitlines()[-1])
    assert set(scores) >= {"nmi", "ari", "acc", "k", "n", "seconds"}
    assert all(0 <= scores[key] <= 1 for key in ("nmi", "ari", "acc"))
    assert scores["nmi"] > 0.5  # four clearly different topics are found
    bad = CliRunner().invoke(cli, ["eval", str(corpus), "--k", "lots"])
    assert bad.exit_code == 2 and "--k" in bad.output


def test_backup_says_where_and_how_big(run, tmp_path):
    run("demo")
    target = tmp_path / "backups-b.db"
    result = run("backup", str(target))
    from cafe.cli.data import _file_size

    size = target.stat().st_size
    assert size > 0 and "pages" not in result.output
    assert f"Backed up to {target} ({_file_size(size)})." in result.output


def test_file_sizes_read_as_people_say_them():
    from cafe.cli.data import _file_size

    assert _file_size(812) == "812 bytes"
    assert _file_size(40_500) == "40.5 KB"
    assert _file_size(1_234_567) == "1.2 MB"
    assert _file_size(340_000_000) == "340 MB"
    assert _file_size(3_400_000_000) == "3.4 GB"


def test_commands_run_from_another_folder_do_not_quietly_make_an_empty_database(tmp_path,
                                                                               monkeypatch):
    """Without CAFE_DB, `instance/cafe.db` is relative to the folder `cafe` runs in."""
    monkeypatch.delenv("CAFE_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    where = tmp_path / "instance" / "cafe.db"
    runner = CliRunner()
    for args in (["event", "list"], ["user", "list"], ["backup", "b.db"],
                 ["purge", "--expired"], ["export", "demo", "--format", "md", "-o", "x.md"],
                 ["synthesize", "demo"], ["user", "disable", "amina"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 1, (args, result.output)
        assert f"No Café database at {where}." in result.output, args
        assert "Run Café from its project folder, or set CAFE_DB." in result.output
        assert not where.exists(), args
    added = runner.invoke(cli, ["user", "add", "amina", "--password", "-"])
    assert added.exit_code == 0 and where.exists()
    assert (f"No Café database at {where}: a new, empty one is being created. "
            "Run Café from its project folder, or set CAFE_DB.") in added.stderr
    # Now there is one: no warning, and the listing works.
    listed = runner.invoke(cli, ["user", "list"])
    assert listed.exit_code == 0 and "amina" in listed.output and "No Café" not in listed.stderr
