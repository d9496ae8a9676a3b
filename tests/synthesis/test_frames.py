from cafe.synthesis import Frame, SynthesisPipeline


def test_notes_go_under_the_frame_they_fit(corpus):
    notes, topics = corpus
    frames = [Frame("Housing", ["housing waiting list", "temporary accommodation", "refuge"]),
              Frame("Police response", ["police officers", "police response to abuse"])]
    result = SynthesisPipeline(frames=frames, n_themes=2).run(notes)
    by_frame = {t.frame: set(t.note_ids) for t in result.themes if t.frame}
    assert set(by_frame) == {"Housing", "Police response"}
    for frame, topic in (("Housing", "housing"), ("Police response", "police")):
        ids = by_frame[frame]
        assert len(ids & topics[topic]) >= 0.6 * len(topics[topic])
        assert len(ids - topics[topic]) <= 0.25 * len(ids)
    emergent = [t for t in result.themes if t.frame is None]
    assert emergent and all(not set(t.note_ids) & by_frame["Housing"] for t in emergent)
    assert result.params["frames"] == ["Housing", "Police response"]


def test_frame_themes_come_first_and_take_the_frame_name(corpus):
    notes, _ = corpus
    result = SynthesisPipeline(frames=[Frame("Funding", ["funding", "grants for charities"])]).run(notes)
    assert result.themes[0].frame == "Funding" and result.themes[0].label == "Funding"


def test_frame_nothing_fits_makes_no_theme(corpus):
    notes, _ = corpus
    result = SynthesisPipeline(frames=[Frame("Astronomy", ["telescope galaxies"])]).run(notes)
    assert all(t.frame is None for t in result.themes)
