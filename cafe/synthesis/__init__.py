"""The synthesis engine: notes in, themes out. Pure Python: no Flask, no database."""

from .cluster import ThemeClusterer
from .frames import FrameMatcher
from .label import CtfidfLabeler
from .pipeline import SynthesisPipeline
from .represent import MMRRepresentatives
from .types import Frame, NoteInput, SynthesisResult, Theme
from .vectorize import TfidfLsaVectorizer

__all__ = [
    "CtfidfLabeler", "Frame", "FrameMatcher", "MMRRepresentatives", "NoteInput",
    "SynthesisPipeline", "SynthesisResult", "TfidfLsaVectorizer", "Theme", "ThemeClusterer",
]
