from cafe.synthesis.clouds import render_cloud

PNG = b"\x89PNG\r\n\x1a\n"


def test_cloud_is_a_png_and_seeded():
    words = {"housing": 3.0, "waiting list": 2.0, "refuge": 1.0}
    a = render_cloud(words, seed=1, width=200, height=100)
    assert a.startswith(PNG)
    assert render_cloud(words, seed=1, width=200, height=100) == a


def test_cloud_of_nothing_is_still_a_png():
    assert render_cloud({}, width=100, height=50).startswith(PNG)


def test_cloud_of_bengali_and_urdu_words():
    assert render_cloud({"আবাসন": 2.0, "দোভাষী": 1.0}, width=200, height=100).startswith(PNG)
    assert render_cloud({"مترجم": 2.0, "پولیس": 1.0}, width=200, height=100).startswith(PNG)
