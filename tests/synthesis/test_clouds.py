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


def _contrast_with_white(hex_colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (luminance + 0.05)


def test_every_word_is_drawn_in_a_colour_readable_on_white():
    import io

    from PIL import Image

    from cafe.synthesis.clouds import PALETTE

    assert all(_contrast_with_white(c) >= 4.5 for c in PALETTE)
    words = {f"word{i}": float(20 - i) for i in range(20)}
    image = Image.open(io.BytesIO(render_cloud(words, seed=3, width=400, height=200)))
    counts = image.convert("RGB").getcolors(maxcolors=1 << 20)
    # The solid strokes of each word are its own colour; the rest is white or anti-aliasing.
    solid = [rgb for n, rgb in sorted(counts, reverse=True) if rgb != (255, 255, 255)][:5]
    palette = {tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in PALETTE}
    assert solid and set(solid) <= palette
    assert len(set(solid)) > 1  # told apart by colour, not all one
