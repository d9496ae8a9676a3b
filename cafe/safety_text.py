"""Text normalisation for safety screening: one form for every way a language is typed.

Pure functions over plain text (no Flask, no database). `fold` is what the multilingual rules and
the learned model read; `ascii_digits` lets the personal-detail finders read numbers typed in
Eastern Arabic, Urdu, Bengali or Devanagari digits.
"""

from __future__ import annotations

import re
import unicodedata

# Digits of the scripts the phones offer (and their neighbours), each to its ASCII digit.
_DIGITS = {
    start + i: str(i)
    for start in (0x0660, 0x06F0, 0x09E6, 0x0966, 0x0A66, 0x0AE6, 0x0BE6, 0xFF10)
    for i in range(10)
}
# Polish letters and the Latin ones that share a base letter; ł does not decompose.
_LATIN_FOLD = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe"})
# Arabic-keyboard forms of the letters Urdu writes differently, and marks nobody types the same way.
_ARABIC_FOLD = str.maketrans(
    {
        "\u064a": "\u06cc",  # Arabic yeh -> Farsi/Urdu yeh
        "\u0649": "\u06cc",  # alef maksura -> yeh
        "\u06d0": "\u06cc",
        "\u0643": "\u06a9",  # Arabic kaf -> keheh
        "\u0647": "\u06c1",  # heh -> heh goal (Urdu's final h)
        "\u06d5": "\u06c1",
        "\u0629": "\u06c1",  # teh marbuta
        "\u06c3": "\u06c1",
        "\u0623": "\u0627",  # alef with hamza -> alef
        "\u0625": "\u0627",
        "\u0671": "\u0627",
        "\u06c0": "\u06c1",
        "\u06be": "\u06c1",  # do-chashmi heh: Arabic keyboards type it as plain heh
        "\u0640": None,  # tatweel (elongation)
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\u200e": None,
        "\u200f": None,
        "\ufeff": None,
    }
)
_ARABIC_MARKS = re.compile(r"[\u064b-\u065f\u0670\u06d6-\u06ed]")
_LATIN_MARKS = re.compile(r"(?<=[a-z])[\u0300-\u036f]+")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
# Roman letters typed long for feeling ("maaarta", "pleeease") and doubled spellings
# ("maarta", "bohhat") read as one: both the rules and the model see "marta".
_REPEATS = re.compile(r"([a-z])\1+")
_SPACES = re.compile(r"\s+")


def ascii_digits(text: str) -> str:
    """Return text with every script's digits as ASCII digits (same length, same offsets)."""
    return text.translate(_DIGITS) if not text.isascii() else text


def fold(text: str) -> str:
    """Return the one form screening reads: NFKC, case-folded, accents and script variants unified."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES)
    if not text.isascii():
        text = text.translate(_DIGITS).translate(_ARABIC_FOLD).translate(_LATIN_FOLD)
        text = _ARABIC_MARKS.sub("", text)
        # Strip accents from Latin letters only: NFD of Bengali would split its letters too.
        text = _LATIN_MARKS.sub("", unicodedata.normalize("NFD", text))
        text = unicodedata.normalize("NFC", text)
        text = text.replace("ı", "i")
    text = _REPEATS.sub(r"\1", text)
    return _SPACES.sub(" ", text).strip()


# ---------------------------------------------------------------- scripts

# Script of a letter by code point range; anything else that is a letter is "other".
_SCRIPTS = (
    (0x0041, 0x024F, "latin"),
    (0x1E00, 0x1EFF, "latin"),
    (0x0600, 0x06FF, "arabic"),
    (0x0750, 0x077F, "arabic"),
    (0xFB50, 0xFDFF, "arabic"),
    (0xFE70, 0xFEFF, "arabic"),
    (0x0980, 0x09FF, "bengali"),
    (0x0900, 0x097F, "devanagari"),
    (0x0A00, 0x0A7F, "gurmukhi"),
    (0x0A80, 0x0AFF, "gujarati"),
    (0x0B80, 0x0BFF, "tamil"),
    (0x0C00, 0x0C7F, "telugu"),
    (0x0C80, 0x0CFF, "kannada"),
    (0x0D00, 0x0D7F, "malayalam"),
    (0x0D80, 0x0DFF, "sinhala"),
    (0x1200, 0x139F, "ethiopic"),
    (0x2D80, 0x2DDF, "ethiopic"),
    (0x0400, 0x052F, "cyrillic"),
    (0x0370, 0x03FF, "greek"),
    (0x0590, 0x05FF, "hebrew"),
    (0x0530, 0x058F, "armenian"),
    (0x10A0, 0x10FF, "georgian"),
    (0x0E00, 0x0E7F, "thai"),
    (0x1000, 0x109F, "myanmar"),
    (0x1780, 0x17FF, "khmer"),
    (0x0700, 0x074F, "syriac"),
    (0x0780, 0x07BF, "thaana"),
    (0xAC00, 0xD7AF, "hangul"),
    (0x3040, 0x30FF, "kana"),
    (0x4E00, 0x9FFF, "han"),
)


def script_of(char: str) -> str | None:
    """Name the script of one letter, or None for anything that is not a letter."""
    if not char.isalpha():
        return None
    code = ord(char)
    for low, high, name in _SCRIPTS:
        if low <= code <= high:
            return name
    return "other"


def script_counts(text: str) -> dict[str, int]:
    """Count a text's letters by script."""
    counts: dict[str, int] = {}
    for char in text:
        if char.isascii():
            if char.isalpha():
                counts["latin"] = counts.get("latin", 0) + 1
            continue
        name = script_of(char)
        if name:
            counts[name] = counts.get(name, 0) + 1
    return counts


# ---------------------------------------------------------------- how much a note says

# Words that carry grammar, not content, as `fold` writes them: pronouns, articles, particles,
# prepositions, auxiliaries, yes/no/please, in English, Polish, Urdu and Bengali (each in its
# script and in Roman letters). A note of one or two other words gives a model too little to go on.
_FUNCTION_WORDS = frozenset(
    fold(word)
    for word in
    # English
    "i i'm im i've i'd i'll me my mine myself you your you're we us our he him his she her they"
    " them their it it's its this that these those a an the and or but so to of in on at for"
    " with from by up out as is am are was were be been do does did have has had will would can"
    " could shall should not no yes ok okay please pls plz thanks thank just too very here there"
    " what who how"
    # Polish
    " ja mnie mi mna moj moja moje mojego mojej ty ciebie cie ci twoj on ona ono oni one go jego"
    " jej ich je nas nam my wy was wam sie to ten ta te tu tam i a ale lub albo czy ze w we z na"
    " do od o po za przez dla u jest sa byl byla bylo byli jestem jestesmy nie tak juz tez prosze"
    " dzieki dziekuje no"
    # Urdu in Roman letters
    " main mein mai mujhe mujh mje mjhe mera meri mere tum ap aap woh wo yeh ye ham hum hamen"
    " hamein hai hain h tha thi the ho hon hun ka ki ke ko se par pe ne aur ya bhi hi na nahi"
    " nahin nhi kya jo us un ek ji haan han acha theek thik"
    # Urdu in Arabic letters (folded: ہ for ھ)
    " میں مجہے مجہ میرا میری میرے تم آپ وہ یہ ہم ہمیں ہے ہیں تہا تہی تہے ہو ہوں کا کی کے کو سے"
    " پر نے اور یا تو بہی ہی نہ نہیں کیا جو اس ان ایک جی ہاں"
    # Bengali in its script
    " আমি আমার আমাকে আমায় তুমি আপনি সে ও এ এই সেই তার আমরা আমাদের তারা হয় আছে ছিল না নেই আর"
    " এবং কিন্তু বা যে কে কি কী তো হ্যাঁ জি দিয়ে থেকে জন্য সাথে একটা একটি"
    # Bengali in Roman letters
    " ami amar amake amay tumi apni se e ei sei tar amra amader tara hoy ache acche chilo nei ar"
    " ebong kintu ba je ki ha haa diye theke jonno sathe ekta ekti thik"
    " ঠিক".split()
)
# Links and addresses are not words; a word is a run of letters of any script (with its marks).
_NOT_WORDS = re.compile(r"\S+@\S+|(?:https?://|www\.)\S+", re.IGNORECASE)
_WORD_BREAKS = re.compile(r"[\s.,;:!?()\[\]{}\"“”«»„/…،۔।|*+=<>~_-]+")


def words(text: str) -> list[str]:
    """Return a note's words in folded form: runs of letters between spaces and punctuation,
    in any script (a Bengali word keeps its vowel signs); links, addresses and numbers are not
    words."""
    tokens = _WORD_BREAKS.split(fold(_NOT_WORDS.sub(" ", text)))
    return [t.strip("'") for t in tokens if any(c.isalpha() for c in t)]


def content_words(text: str) -> int:
    """Count the words of a note that are not grammar (`_FUNCTION_WORDS`)."""
    return sum(1 for w in words(text) if w not in _FUNCTION_WORDS)
