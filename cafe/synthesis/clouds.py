"""Render a theme's word cloud as PNG bytes, from the same c-TF-IDF weights as its label."""

from __future__ import annotations

import io
from pathlib import Path

from .scripts import dominant_script

NOTO_DIR = Path("/usr/share/fonts/truetype/noto")
# Noto Sans has no Arabic or Bengali glyphs: pick the font of the words' dominant script.
FONTS = {"arabic": "NotoSansArabic-Regular.ttf", "bengali": "NotoSansBengali-Regular.ttf",
         "devanagari": "NotoSansDevanagari-Regular.ttf", "gurmukhi": "NotoSansGurmukhi-Regular.ttf"}


def font_path(words=()) -> str | None:
    """Return a Noto font for the words' script when installed; None means wordcloud's own font."""
    script = dominant_script(" ".join(words))
    for name in (FONTS.get(script), "NotoSans-Regular.ttf"):
        if name and (NOTO_DIR / name).is_file():
            return str(NOTO_DIR / name)
    return None


# Dark colours only, each at least 4.5:1 against the white background (WCAG AA for text), told
# apart by hue: a colour map such as viridis ends in a pale yellow that low-vision readers lose.
PALETTE = ("#1f3a93", "#8e1b1b", "#1d5e2f", "#5b2a86", "#7a4100", "#0b5563", "#3d3d3d")


def _colour(word, font_size, position, orientation, random_state=None, **kwargs) -> str:
    """Pick a palette colour for a word (wordcloud's color_func; seeded through random_state)."""
    return PALETTE[random_state.randint(0, len(PALETTE) - 1)] if random_state else PALETTE[0]


def render_cloud(frequencies: dict[str, float], seed: int = 0, width: int = 800,
                 height: int = 400) -> bytes:
    """Return a PNG word cloud of `frequencies`; the same input and seed give the same image."""
    from wordcloud import WordCloud  # imported here: it pulls in matplotlib, slow to load

    words = {w: float(f) for w, f in frequencies.items() if w and f > 0}
    cloud = WordCloud(
        width=width, height=height, background_color="white", random_state=seed,
        font_path=font_path(words), prefer_horizontal=1.0, collocations=False,
        color_func=_colour,
    )
    image = cloud.generate_from_frequencies(words or {" ": 1.0}).to_image()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
