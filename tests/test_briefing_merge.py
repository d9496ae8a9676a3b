"""The three-way merge behind "Regenerate": staff edits kept, theme changes taken, conflicts chosen."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cafe.briefing.merge import digest, merge_texts

BASE = """# Briefing

Summary naming Trust in police.

## Key points

1. **Trust in police** — 4 notes.
2. **Waiting lists** — 3 notes.
3. **Example** — 2 notes.

## Questions

- What would it take to act on trust in police?
"""


def _rename(text: str) -> str:
    return text.replace("Trust in police", "Renamed").replace("trust in police", "renamed")


def test_staff_edits_are_kept_and_theme_only_changes_come_in():
    ours = BASE.replace("## Key points", "Staff paragraph.\n\n## Key points").replace(
        "2. **Waiting lists** — 3 notes.", "2. **Waiting lists** — 3 notes. Staff's note.")
    theirs = _rename(BASE)
    merged = merge_texts(BASE, ours, theirs)
    assert merged.conflicts == ()
    text = merged.text()
    assert "Staff paragraph." in text and "Staff's note." in text
    assert "Summary naming Renamed." in text and "1. **Renamed** — 4 notes." in text
    assert "act on renamed?" in text and "Trust in police" not in text
    # The summary, the key point and the question came in; the new paragraph and the edited
    # neighbouring key point (next to a changed one) are the staff's.
    assert merged.updated == 3 and merged.kept == 2
    assert text == _rename(ours)


def test_a_paragraph_added_next_to_one_the_themes_changed_is_not_a_conflict():
    ours = BASE.replace("## Key points", "Staff paragraph.\n\n## Key points")
    merged = merge_texts(BASE, ours, _rename(BASE))
    assert merged.conflicts == () and merged.text() == _rename(ours)
    assert [p.kind for p in merged.parts][:3] == ["unchanged", "theirs", "ours"]
    # Both adding a different paragraph at the same place is a conflict.
    theirs = BASE.replace("## Key points", "Theme paragraph.\n\n## Key points")
    (conflict,) = merge_texts(BASE, ours, theirs).conflicts
    assert "Staff paragraph." in conflict.ours and "Theme paragraph." in conflict.theirs


def test_a_draft_never_edited_takes_the_new_text_exactly():
    theirs = _rename(BASE) + "\n- A new question\u2028with a line separator kept as it is\n"
    merged = merge_texts(BASE, BASE, theirs)
    assert merged.text() == theirs and merged.conflicts == () and merged.kept == 0


def test_nothing_changed_in_the_themes_keeps_the_staff_text():
    ours = BASE.replace("Summary", "Our summary")
    merged = merge_texts(BASE, ours, BASE)
    assert merged.text() == ours and merged.updated == 0 and merged.conflicts == ()


def test_a_part_changed_on_both_sides_is_a_conflict_resolved_by_choice():
    ours = BASE.replace("1. **Trust in police**", "1. **Police and trust (staff)**")
    theirs = _rename(BASE)
    merged = merge_texts(BASE, ours, theirs)
    (conflict,) = merged.conflicts
    assert conflict.ours == ("1. **Police and trust (staff)** — 4 notes.",)
    assert conflict.theirs == ("1. **Renamed** — 4 notes.",)
    assert conflict.base == ("1. **Trust in police** — 4 notes.",)
    kept = merged.text()  # the default keeps the staff's text
    assert "Police and trust (staff)" in kept and "1. **Renamed**" not in kept
    assert "Summary naming Renamed." in kept  # the theme-only change still comes in
    assert merged.text({conflict.key: "ours"}) == kept
    taken = merged.text({conflict.key: "theirs"})
    assert taken == theirs
    assert merged.text({"unknown-1": "theirs"}) == kept


def test_the_same_change_on_both_sides_is_not_a_conflict():
    theirs = _rename(BASE)
    merged = merge_texts(BASE, theirs.replace("## Questions", "## Questions for later"), theirs)
    assert merged.conflicts == ()
    assert {p.kind for p in merged.parts} >= {"same", "ours"}
    assert merged.text() == theirs.replace("## Questions", "## Questions for later")


def test_removed_parts_conflict_with_a_change_and_can_be_chosen_either_way():
    ours = BASE.replace("3. **Example** — 2 notes.\n", "")
    theirs = BASE.replace("3. **Example** — 2 notes.", "3. **Example** — 5 notes.")
    merged = merge_texts(BASE, ours, theirs)
    (conflict,) = merged.conflicts
    assert conflict.ours == () and conflict.theirs == ("3. **Example** — 5 notes.",)
    assert merged.text() == ours
    assert merged.text({conflict.key: "theirs"}) == theirs


def test_conflict_keys_are_distinct_and_stable():
    ours = BASE.replace("Trust in police", "Ours").replace("trust in police", "ours")
    theirs = _rename(BASE)
    first = merge_texts(BASE, ours, theirs).conflicts
    assert len(first) == 3 and len({c.key for c in first}) == 3
    assert [c.key for c in merge_texts(BASE, ours, theirs).conflicts] == [c.key for c in first]
    choices = {first[1].key: "theirs"}
    text = merge_texts(BASE, ours, theirs).text(choices)
    assert "1. **Renamed**" in text and "Summary naming Ours." in text and "act on ours?" in text


def test_empty_texts():
    assert merge_texts("", "", "").text() == ""
    assert merge_texts("", "", "New\n").text() == "New\n"
    assert merge_texts("Old\n", "", "Old\n").text() == ""  # staff emptied it; themes the same
    merged = merge_texts("Old\n", "", "New\n")  # staff emptied it; themes changed it
    (conflict,) = merged.conflicts
    assert merged.text() == "" and merged.text({conflict.key: "theirs"}) == "New\n"
    assert merge_texts("Old\n", "Mine\n", "").text() == "Mine\n"  # nothing generated: conflict
    assert merge_texts("", "Mine\n", "New\n").conflicts  # both wrote into an empty text


def test_the_final_line_break_follows_the_side_that_changed_it():
    theirs = _rename(BASE)
    assert merge_texts(BASE, BASE.rstrip("\n"), theirs).text() == theirs.rstrip("\n")
    assert merge_texts(BASE.rstrip("\n"), BASE.rstrip("\n"), theirs).text() == theirs
    retitled = BASE.replace("# Briefing", "# Briefing on trust")
    assert merge_texts(BASE, BASE + "\n", retitled).text() == retitled + "\n"  # a blank line
    assert merge_texts(BASE, "", "").text() == ""
    # Windows line breaks never reach here (saving normalises them), but a lone "\r" is text.
    assert merge_texts("a\n", "a\r\n", "b\n").conflicts


def test_digest_tells_texts_apart():
    assert digest(BASE) == digest(str(BASE)) and digest(BASE) != digest(_rename(BASE))
    assert len(digest("")) == 32 and digest("\ud800") != digest("")


def test_a_long_draft_with_many_blank_lines_merges_paragraph_by_paragraph():
    lines = []
    for i in range(1500):  # about the largest draft allowed
        lines += [f"Paragraph {i} about something.", ""]
    ours, theirs = list(lines), list(lines)
    for i in range(0, 3000, 14):
        ours[i] += " Staff."
    for i in range(0, 3000, 22):
        theirs[i] += " Themes."
    merged = merge_texts(*("\n".join(t) + "\n" for t in (lines, ours, theirs)))
    both = set(range(0, 3000, 14)) & set(range(0, 3000, 22))
    assert len(merged.conflicts) == len(both)  # only where both sides changed one paragraph
    expected = [t if o == b else o for b, o, t in zip(lines, ours, theirs, strict=True)]
    assert merged.text() == "\n".join(expected) + "\n"


_PARAGRAPHS = st.lists(st.sampled_from(["", "a", "b", "c", "# T", "- x"]), max_size=8)


def _edit(paragraphs: list[str], edits: list[tuple[int, int, str]]) -> list[str]:
    """Apply (operation, place, words) edits: 0 deletes, 1 inserts, 2 replaces a paragraph."""
    out = list(paragraphs)
    for op, place, words in edits:
        i = place % (len(out) + 1)
        if op == 0 and out:
            del out[min(i, len(out) - 1)]
        elif op == 1:
            out.insert(i, words)
        elif out:
            out[min(i, len(out) - 1)] = words
    return out


_EDITS = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 9), st.sampled_from(["n", "m", ""])),
                  max_size=3)


@settings(max_examples=300, deadline=None)
@given(_PARAGRAPHS, _EDITS, _EDITS)
def test_the_merge_keeps_its_laws(base, our_edits, their_edits):
    base_text = "\n".join(base) + "\n"
    ours = "\n".join(_edit(base, our_edits)) + "\n"
    theirs = "\n".join(_edit(base, their_edits)) + "\n"
    # Staff changed nothing: the new text. The themes changed nothing: the staff's text.
    assert merge_texts(base_text, base_text, theirs).text() == theirs
    assert merge_texts(base_text, ours, base_text).text() == ours
    # The same change on both sides is taken once, and with no conflict.
    same = merge_texts(base_text, ours, ours)
    assert same.text() == ours and not same.conflicts
    # Every conflict's choice gives a text made only of the three sides' paragraphs.
    merged = merge_texts(base_text, ours, theirs)
    for choice in ("ours", "theirs"):
        lines = merged.text({c.key: choice for c in merged.conflicts}).split("\n")
        known = set(base_text.split("\n")) | set(ours.split("\n")) | set(theirs.split("\n"))
        assert set(lines) <= known
