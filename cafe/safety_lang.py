"""Which language is a note in, and can Café screen it? (English, Urdu, Bengali, Polish.)

Unicode script ranges decide most notes: Bengali letters are Bengali, Ethiopic letters are
Tigrinya or Amharic, Arabic letters are Urdu when Urdu's own letters or words are there. Notes in
Roman letters are read by word lists of our own (Roman Urdu and Roman Bengali, which no language
identifier knows) and by py3langid (BSD-3-Clause, its model inside the wheel) for the rest. When
in doubt the note counts as screened *only* if it is short or mostly words we know: a note we
cannot read is held for a person, never shown unread.

Pure functions (no Flask, no database); the identifier loads once per process (`warm`).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from cafe.safety_text import fold, script_counts

SCREENED = ("en", "ur", "bn", "pl")


def _lex(words: str) -> frozenset[str]:
    """Read a word list in the form `fold` gives."""
    return frozenset(fold(w) for w in words.split())


# Words that mark Roman Urdu (and Hindi in Roman letters, the same spoken language), after `fold`
# (doubled letters read as one: "maarta" is "marta"). Short words shared with English, Polish or
# Somali ("ko", "se", "ka", "do") are left out: these alone must say "Urdu".
ROMAN_UR = _lex(
    """
    hai hain hay hen ho hon hun hoon mujhe mujhay mujy mje mjhe mujh mera meri mere mra mri
    tum tumhe tumhara ap apko apne apna apni apki woh wo yeh ye usne unhon unke uske uski iske
    aur nahi nahin nai nhi bhi kya kyun kyon kuch kuj bohat bahut bht bohot kar karta karti karte
    krta krti kr raha rahi rahe rha rhi tha thi thay jab agar lekin magar sath sat ghar gar log
    hum hamara hamari hamen humein wala wali wale sirf abhi phir pe ek koi kisi kaise kese kaisay
    keh kehta kehti kaha bolta bolti dekh dekhta jata jati jana ana ata ati diya dia liya lia
    gaya gayi gai hua hui howa hoti hota shohar shauhar shohr khawand miyan biwi sas susar
    marta marti mara mari marte pitai pita peet dhamki darta darti dar lagta lagti zabardasti
    shadi pese paise paisay bachay bache bacha bachi beti beta behen bhai ami abu amma aba
    acha accha acha laga lagta shukriya baat bat mauka mila milta chahiye chahie zarurat
    """
)
ROMAN_BN = _lex(
    """
    ami amar amake amay amra amader tumi tomar tomake apni apnar apnake shey tar take tara
    tader ki kintu jodi kore korche korchi korbe korte koreche korechi korlo korle hoy hoye
    hoche hocche hobe ache ase achi chilo cilo theke diye jonno gulo khub onek kotha bari barite
    shami sami swami bhoy voy bhoi voi pai paina kichu keu kew ekhon tai nai ei oi kono shob sob
    shudhu bole bolche boleche bolo jai jabo jete ashe asche dey dei daw nei mare mar marche
    mardhor pitay shoshur shashuri sasuri bou biye meye chele baccha bachcha taka bondho
    dorja ghore kew karo sathe shathe amio ekta ekti bhalo valo laglo lage lagche dhonnobad
    sothik thik kemon kemne bujhi bujhte pari parina parbo chai chaina dite nite
    """
)
# Common words of the screened Latin-script languages, to tell "mostly words we know".
EN_WORDS = _lex(
    """
    the a an and or but if of to in on at for with from by about as is are was were be been am
    i me my mine we us our you your he him his she her it its they them their this that these
    those there here what who when where why how not no yes do does did don't can can't could
    will would should must have has had get got go going went come came see say said tell told
    want need feel think know like just more most very so too all some any every one two
    people women men children kids family home house work help support service services group
    groups time day night week year money good bad new old small big need needs please thanks
    thank because after before again still only also really make made out up down over into
    """
)
PL_WORDS = _lex(
    """
    i w na z ze że do to jak mnie mi mój moj moja moje ale co o po tak czy jego jej ich tylko bo
    już juz przez od dla jest sa są byl był byla była sie się nie mam ma nas nam jestem boje boję
    dom domu maz mąż meza męża dzieci dziecko pieniadze pieniądze prosze proszę pomocy pomoc
    bardzo kiedy gdy jesli jeśli ktos ktoś nikt nic teraz juz wiem chce chcę moze może mozna
    """
)
_SCREENED_WORDS = ROMAN_UR | ROMAN_BN | EN_WORDS | PL_WORDS

# Letters only Urdu (of the Arabic-script languages we meet) writes, and very common Urdu words.
_URDU_LETTERS = re.compile("[\u06d2\u06ba\u0679\u0688\u0691\u06be\u06c1]")
_URDU_WORDS = frozenset(
    fold(w)
    for w in "ہے ہیں میں مجھے میرا میری میرے اور نہیں کے کی کا کو سے نے بھی کیا تھا تھی وہ یہ".split()
)

# Scripts that, alone, name the language (or its family) we cannot screen.
_SCRIPT_LANG = {
    "ethiopic": "ti",
    "tamil": "ta",
    "gurmukhi": "pa",
    "devanagari": "hi",
    "gujarati": "gu",
    "telugu": "te",
    "kannada": "kn",
    "malayalam": "ml",
    "sinhala": "si",
    "cyrillic": "ru",
    "greek": "el",
    "hebrew": "he",
    "armenian": "hy",
    "georgian": "ka",
    "thai": "th",
    "myanmar": "my",
    "khmer": "km",
    "syriac": "syr",
    "thaana": "dv",
    "hangul": "ko",
    "kana": "ja",
    "han": "zh",
}
# py3langid's labels that are the screened languages themselves or close enough that our
# rules and model read them (Hausa and Swahili are its usual guesses for Roman Urdu).
_ID_SCREENED = {"en", "pl", "ur", "bn", "hi"}
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_SENTENCE = re.compile(r"(?<=[.!?;:\n])\s+|\s+[-–—]\s+")


@dataclass(frozen=True)
class Language:
    """The language a note seems to be in and whether Café screens it."""

    code: str  # ISO 639-1 where there is one ("so", "ar", "ti"); "und" when unknown
    script: str  # "latin", "arabic", "bengali", ... of most of its letters
    screened: bool


_identifier = None
_lock = threading.Lock()


def _langid():
    """Return py3langid's identifier, loading its model once (about 1.5 s)."""
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _identifier


def warm() -> None:
    """Load the language identifier now, not on the first note of a live event."""
    _langid().classify("warm up")


def _arabic_script_language(text: str) -> str:
    """Tell Urdu from the other languages written in Arabic letters."""
    folded = fold(text)
    words = folded.split()
    urdu_words = sum(w in _URDU_WORDS for w in words)
    if _URDU_LETTERS.search(text) or urdu_words >= max(1, len(words) // 5):
        return "ur"
    code, _ = _langid().classify(text)
    # Moroccan and Egyptian Arabic are named "Arabic" on the console: one word a person knows.
    return code if code in {"fa", "ps", "ku", "sdh", "ug"} else "ar"


def _latin_chunk_language(chunk: str) -> str | None:
    """Return the code of an unscreened language a Roman-letter chunk is clearly in, else None."""
    words = [fold(w) for w in _WORD.findall(chunk)]
    if not words:
        return None
    known = sum(w in _SCREENED_WORDS for w in words) / len(words)
    if known >= 0.35 or sum(w in ROMAN_UR or w in ROMAN_BN for w in words) >= 2:
        return None
    code, prob = _langid().classify(chunk)
    if code in _ID_SCREENED:
        return None
    if len(words) < 4:
        # Too short to call foreign on a guess: "ok", "Hola" or a name stay screened.
        return code if known == 0 and prob >= 0.95 else None
    if prob >= 0.75 or (known < 0.15 and prob >= 0.5):
        return code
    return None


def detect_language(text: str) -> Language:
    """Guess a note's language and tell whether it is one Café screens."""
    counts = script_counts(text)
    letters = sum(counts.values())
    if not letters:
        return Language("und", "none", True)
    script = max(counts, key=counts.__getitem__)
    # A script we cannot read, with more than a few letters, is unscreened even beside English.
    for name, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        if name in _SCRIPT_LANG and n >= 3:
            return Language(_SCRIPT_LANG[name], name, False)
        if name == "other" and n >= 3:
            return Language("und", name, False)
    if counts.get("arabic", 0) >= 3:
        code = _arabic_script_language(text)
        if code != "ur":
            return Language(code, "arabic", False)
    if counts.get("latin", 0) >= 3:
        for chunk in _SENTENCE.split(text):
            code = _latin_chunk_language(chunk)
            if code:
                return Language(code, "latin", False)
    if script == "arabic":
        return Language("ur", script, True)
    if script == "bengali":
        return Language("bn", script, True)
    return Language(_latin_screened_code(text), script, True)


def _latin_screened_code(text: str) -> str:
    """Name which screened language a Roman-letter note is most like."""
    words = [fold(w) for w in _WORD.findall(text)]
    scores = {
        "ur": sum(w in ROMAN_UR for w in words),
        "bn": sum(w in ROMAN_BN for w in words),
        "pl": sum(w in PL_WORDS for w in words),
        "en": sum(w in EN_WORDS for w in words) * 0.8,
    }
    best = max(scores, key=scores.__getitem__)
    return best if scores[best] else "en"
