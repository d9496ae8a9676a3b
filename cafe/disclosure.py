"""Disclosure and risk: does a note look like a personal disclosure the safeguarding lead must see?

Configurable phrases and patterns (a `DisclosureRules`), first-person and recent-harm cues in
English; rules for Urdu, Bengali and Polish in their scripts and Roman letters
(`cafe.disclosure_intl`); and, OR-ed with them, a learned model (`cafe.safety_model`) above a
threshold chosen for recall. Pure functions over plain text; reasons are labels, never note text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache

from cafe import safety_model
from cafe.disclosure_intl import INTL_RULES
from cafe.safety_lang import detect_language
from cafe.safety_text import content_words, fold

# ---------------------------------------------------------------- disclosure and risk

Rule = tuple[str, str]  # (label shown to the safeguarding lead, regex)

# Word lists shared by several rules; a rule writes <NAME> where one belongs.
_VOCAB = {
    "HARM_VERB": r"(?:hit|hits|hitting|beat|beats|beating|beaten|punch\w*|kick\w*|slap\w*|strangl\w*"
    r"|chok\w*|push\w*|rape\w*|raping|hurt\w*|attack\w*|grab\w*|burn\w*|touch\w*|abuses|abused"
    r"|abusing|stalk\w*|follow\w*|track\w*|harass\w*|shout\w*|scream\w*|threaten\w*|control\w*"
    r"|smash\w*|broke|broken|lock\w*|stop\w*|bully\w*|insult\w*|spit\w*|spat|bit|bite\w*|reads?"
    r"|checks?)",
    "ABUSER": r"(?:husband|husbands|partner|ex|boyfriend|wife|girlfriend|dad|daddy|father|stepdad"
    r"|stepfather|brother|brothers|uncle|mother[- ]in[- ]law|father[- ]in[- ]law|in[- ]laws|family"
    r"|husband'?s family|son|mum|mother|parents|auntie|aunt|grandmother)",
    "CLOSE": r"(?:sister|daughter|son|niece|nephew|cousin|friend|friend'?s \w+|kids|children|child"
    r"|baby|little \w+|neighbour'?s? \w+|grandchild\w*|granddaughter|grandson|\d+ ?year ?old)",
    "HARM_WORDS": r"(?:hit|hits|beat\w*|punch\w*|kick\w*|slap\w*|strangl\w*|chok\w*|rape\w*|raping"
    r"|hurt\w*|bruis\w*|knife|weapon|kill\w*|threat\w*|abus\w*|scared|afraid|frightened|terrified"
    r"|forced|marr(?:y|ied|iage)|cut|cutting|deport\w*|passport\w*|documents|locked|touches"
    r"|screaming|shouting|unsafe|danger|control\w*|smash\w*|broke|broken|survive|shame"
    r"|dishonou?r\w*|(?:being|is|was) (?:kept|held|locked))",
    "FAMILY": r"(?:parents|family|mum|mother|dad|father|auntie|aunt|uncle|grandmother|grandma"
    r"|in[- ]laws|relatives|brothers?)",
    "WEDDING": r"(?:marr\w*|husband|wife|wedding|engaged|rishta|nikah)",
}

# Always flagged, whatever else the note says. One "label | regex" per line.
_ALWAYS_TABLE = r"""
self-harm or suicide | \b(?:kill|killing|hurt|hurting|harm|harming|cut|cutting|burn|burning) myself\b
self-harm or suicide | \b(?:end|ending) (?:my life|it all)\b|\bi (?:want|wanna|need|am going) to end it\b
self-harm or suicide | \b(?:want|wish|wanted) (?:to die|to disappear|i was dead|i were dead)\b
self-harm or suicide | \bdon'?t want to (?:be alive|live|wake up|be here)\b|\bbetter off without me\b
self-harm or suicide | \b(?:can'?t|cannot|can not) (?:go on|carry on|take (?:it|this) anymore)\b|\bno point (?:in )?(?:going on|living|carrying on)\b
self-harm or suicide | \b(?:i'?m|i am|i feel|feeling|i'?ve been|i have been) (?:so |very |really )?suicidal\b
self-harm or suicide | \bi(?:'?ve| have)? (?:thought|think|been thinking) (?:a lot )?(?:about|of) (?:suicide|dying|ending it)\b
self-harm or suicide | \b(?:took|taken|take) (?:too many|an overdose)\b|\bself[- ]?harm(?:ing|ed)? (?:again|since)\b
self-harm or suicide | \b(?:thinking|think|thought) (?:of|about) (?:ending it|ending my life|killing myself|dying)\b|\b(?:i'?ve been|i have been|i'?m|i am|been|started) cutting (?:myself|again)\b
self-harm or suicide | ^\W*(?:i'?m |feeling |i feel )?(?:so |very |really )?suicidal\W*$
unsafe now | \b(?:i'?m|i am|we are|we'?re|i feel) (?:not safe|unsafe)\b|\bi (?:don'?t|do not) feel safe\b
unsafe now | ^\W*(?:not safe|unsafe|in danger|trapped)\W*$|^\W*(?:he|she|they)(?:'s| is| are|'re) (?:back|outside|here|at the door|downstairs|coming)(?: again| now)?\W*$
unsafe now | \b(?:i have|i'?ve got|i'?ve|i got|we have) nowhere (?:to|else to) (?:go|sleep|stay|live)\b
unsafe now | \b(?:i'?m|i am|i feel|i was)(?: so| really| very)? (?:scared|afraid|frightened|terrified) (?:to go|of going|to return) (?:back )?home\b
unsafe now | \b(?:outside|waiting for me|here)\b.{0,30}\bright now\b|\b(?:tonight|right now)\b.{0,30}\b(?:kill|hurt|hit|danger|not safe)\w*
child at risk | \bmy (?:daughter|son|niece|nephew|sister|brother|cousin|kids?|children|child|baby)\b.{0,40}\b(?:be|being|get|getting|have her|had her) (?:cut|married|sent away)\b
"""

# Each is a clear statement about the writer or someone close to them; one is enough.
_STRONG_TABLE = r"""
harm to the writer | \b<HARM_VERB>\s+(?:all\s+)?(?:me|my)\b
harm to the writer | ^\W*(?:(?:he|she|they|my (?:\w+ )?<ABUSER>) (?:still |always |keeps |is |was )?)?(?:hits|beats|hurts|kicks|chokes|strangles|rapes|raped|punches|slaps|bites|burns|hitting|beating|hurting|beaten|abused|raped)(?: (?:me|us|again|still|daily|every day|everyday))*\W*$|^\W*(?:(?:he|she|they)(?:'ll| will| wants to| is going to| is gonna)? )?kill (?:me|us)\W*$
fear or entrapment | \b(?:scared|afraid|frightened|terrified) of (?:him|her|them|my (?:\w+ )?<ABUSER>)\b|^\W*(?:so |really |very |always )*(?:scared|afraid|frightened|terrified)\W*$
harm to the writer | \b<HARM_VERB>\s+(?:\w+\s+){0,3}?(?:at|on|into) me\b|\bthrew\b.{0,30}\bat me\b
harm to the writer | \bmy (?:\w+ )?<ABUSER>\b.{0,40}\b<HARM_WORDS>\b
harm to the writer | \b(?:marks|bruises|cuts|burns|scars) on my\b|\bi (?:have|'ve got|got) (?:\w+ )?(?:bruises|marks|burns|injuries)\b|\b(?:from|because of) him\b
threat to the writer | \b(?:will|would|'ll|going to|gonna|is going to) (?:kill|hurt|find|take|send|get|hit|beat|marry) (?:me|my|us|the kids|the children|them)\b
threat to the writer | \b(?:will|would|'ll|going to|gonna) (?:\w+ ){1,3}?(?:on|at|to) me\b|\b(?:he|she|they)(?: is| are| was| keeps?)? threaten\w*\b
threat to the writer | \b(?:he|she|they) (?:said|says|told me|tells me|keeps saying)\b.{0,50}\b(?:next time|will|'ll|would|going to|gonna|never)\b|\bi (?:was|am|'m) next\b
control | \b(?:not|won'?t|doesn'?t|don'?t|didn'?t|never|isn'?t) (?:let|letting|allow|allowing|give|giving) me\b
control | \b(?:makes?|made|forces?|forced|keeps?|kept) me (?:ask|stay|inside|in|do|give|send|show|work|wear|sleep)\b|\b(?:his|their) permission\b|\b(?:locked|shut) (?:me )?in (?:my|our) (?:room|bedroom)\b
control | \b(?:took|takes|take|taken|keeps?|kept|has|hides?|hid) (?:all )?(?:my|her|the children'?s|the kids'?) (?:passport|documents|papers|visa|money|wages|phone|benefits)\w*\b
control | \b(?:my|his|her) (?:visa|papers|status) (?:is |are )?in (?:his|their|her) name\b|\bi have no papers\b
harassment | \b(?:he|she|they|my \w+) (?:is |keeps |kept |keep )?(?:sending me|messaging me|texting me|calling me|ringing me|turning up)\b
fear or entrapment | \b(?:i'?m|i am|i feel|i'?ve been|i get|i always feel)(?: so| really| very| always)? (?:scared|afraid|frightened|terrified)(?= *(?:$|[.,!;:]|of\b|for\b|all\b|at\b|and\b|he\b|she\b|they\b|when\b|what\b|to (?:go|leave|tell|say|be|sleep|stay|return|speak to (?:him|them))\b))
fear or entrapment | \b(?:i'?m|i am|i feel|i'?ve been)(?: so| really| very| always)? (?:trapped|in danger|like (?:a )?(?:servant|slave|prisoner))\b
forced marriage or cutting | \b(?:i am|i'?m|i'?m being|i am being|being|been|is being|getting)(?: \w+)? (?:forced|made|pressured|sent|taken)\b.{0,40}\b(?:marr(?:y|ied|iage)|cut)\b
forced marriage or cutting | \b(?:take|taking|send|sending) (?:me|my \w+)\b.{0,40}\b(?:marr(?:y|ied|iage)|be cut|to cut)\b
forced marriage or cutting | \bmarried\b.{0,40}\b(?:doesn'?t|don'?t|do not|does not) want\b|\bcut me\b
forced marriage or cutting | ^(?=.*\b<FAMILY>\b)(?=.*\b<WEDDING>\b)(?=.*\b(?:abroad|back home|go to|going to|tickets?|holidays?|summer|after (?:my )?(?:exams|gcses|a levels|school)|don'?t want|doesn'?t want)\b)(?=.*\b(?:me|i|my (?:sister|daughter|cousin|niece))\b)
forced marriage or cutting | ^(?=.*\b<FAMILY>\b)(?=.*\b(?:cut|fgm|circumcis\w*|done)\b)(?=.*\bmy (?:little )?(?:sister|daughter|niece|cousin|girls?)\b)(?=.*\b(?:summer|holidays?|back home|abroad|wants?|going to|planning|booked)\b)
close person at risk | \bmy <CLOSE>\b.{0,60}\b<HARM_WORDS>\b
close person at risk | \b<HARM_VERB>\s+(?:at\s+)?(?:my|our) <CLOSE>\b|\b(?:worried|scared|afraid|frightened|fear\w*) (?:for |about )?my <CLOSE>\b
hiding or escaping | \b(?:ran out|ran away|run away|fled|escaped|hid|hiding|hide) (?:of |from )?(?:him|them|the house|home)\b|\b(?:chair|lock) (?:against|on) (?:my|the) (?:bedroom )?door\b|\bsleep(?:ing)? in (?:the|my) car\b
identifies with it | \b(?:happening|happens|happened) to me\b|\bthis is my (?:life|situation|story)\b|\bthat'?s my situation\b|\bliving (?:this|it|with this)\b|\bme too\b
asks for help | \b(?:speak|talk) to (?:someone|somebody|anyone)\b|\b(?:please )?help me\b|\bplease help\b|\bget me out\b|\b(?:someone|somebody|anyone) (?:please )?help\b|^\W*(?:help|sos|help us)\W*$|\bsave (?:me|us)\b(?=\s*(?:$|[.,!]|please\b|now\b|from\b|someone\b|somebody\b))|\bi need (?:help|a refuge|refuge)\b|\bthings at home\b|\bneeds help\b
harassment | \b(?:put|installed|hid|found) (?:a |an )?(?:tracker|tracking app|airtag|app|gps)\b.{0,30}\b(?:my|on me)\b|\b(?:always |somehow )?knows where i (?:am|go|have been|'ve been)\b|\b(?:waits|waiting|waited|turns up|turned up|turning up|parks|parked|sits|sat) (?:\w+ )?(?:outside|at|near|by) (?:my|the kids'?|the children'?s|our) (?:work|house|flat|school|door|home|mum'?s|job|college)\b
harassment | \b(?:follows|followed|following|tracks|tracked|watches|watched|watching) (?:me|where i)\b|\bnew (?:number|phone|address)\b.{0,40}\b(?:still|found|finds|keeps)\b
threat to the writer | \b(?:report|reports|reporting|reported|grass) (?:me|us) (?:to|with) (?:the )?(?:home office|immigration|police|border)\b|\b(?:get|have|has|will get) (?:me|us) deported\b|\b(?:send|sending|sent) me back\b
control | \bmy (?:visa|status|leave to remain|spousal visa|spouse visa|settlement|immigration)\b.{0,40}\b(?:depends|tied|relies|through|sponsor\w*)\b|\b(?:he|she|they) (?:is|are) my sponsor\b|\bno recourse to public funds\b.{0,40}\b(?:me|i|my)\b
control | \b(?:reads|read|checks|checked|goes through|went through|listens to|monitors|monitored|watches|opens) (?:all |every )?(?:my|our) (?:messages|texts|phone|emails|calls|letters|post|search history|browser|bank)\w*\b|\b(?:would|will|'d|'ll) (?:find out|know|see|check) if i (?:called|rang|contacted|went|spoke|told|messaged|searched)\b|\b(?:can'?t|cannot|couldn'?t|daren'?t|dare not) (?:call|ring|phone|contact|go to|email|text|message|visit) (?:the |a |my )?(?:gp|doctor|helpline|police|refuge|social services|school|services|anyone|support)\b
control | \b(?:gives|gave|allows|lets|leaves) me (?:only |just )?£?\d+|\b(?:takes|took|controls|keeps|has|holds) (?:all |most of )?(?:my|our) (?:money|wages|salary|benefits|universal credit|bank cards?|cards?|pay|pension|earnings|child benefit)\b|\bi (?:have|had|need) to (?:ask|beg) (?:him|her|them) for (?:money|everything|the bus fare|food)\b|\b(?:debts?|loans?|credit cards?) in my name\b|\b(?:no|not a) (?:penny|pound|money) of my own\b
close person at risk | \b(?:my|our|the) (?:kids|children|son|daughter|little one|baby|boy|girl|toddler)\b.{0,60}\b(?:hides?|hiding|hid|cries|crying|cried|wets? the bed|wetting the bed|scared of (?:him|her|them|his|their)|flinch\w*|under the bed|covers? (?:his|her|their) ears|saw (?:him|her|it|everything)|seen (?:him|her|it)|watched (?:him|her|it)|heard (?:him|her|it|everything)|stopped eating|won'?t go home|doesn'?t want to go home)\b
close person at risk | \b(?:does|did|doing|happens|happened) (?:it )?in front of (?:the|my|our) (?:kids|children|son|daughter|baby)\b|\b(?:the|my|our) (?:kids|children) (?:saw|see|watched|watch|heard|hear) (?:him|her|them|it|everything|what)\b|\b(?:leaves?|left) (?:the|my|our) (?:kids|children|baby) (?:alone|on (?:their|his|her) own)\b
not told anyone | \b(?:haven'?t|have not|never) told (?:anyone|anybody)\b|\bno ?one\b.{0,30}\b(?:knows|believes me)\b|\bnobody (?:knows|believes me)\b|\bdon'?t tell anyone\b
"""


def _expand(pattern: str) -> str:
    """Put the shared word lists into a rule pattern."""
    for name, words in _VOCAB.items():
        pattern = pattern.replace(f"<{name}>", words)
    return pattern


def _parse_rules(table: str) -> tuple[Rule, ...]:
    """Read a "label | regex" table into rules."""
    rows = (line.split(" | ", 1) for line in table.strip().splitlines() if line.strip())
    return tuple((label.strip(), _expand(pattern.strip())) for label, pattern in rows)


DEFAULT_ALWAYS = _parse_rules(_ALWAYS_TABLE)
DEFAULT_STRONG = _parse_rules(_STRONG_TABLE)
DEFAULT_HARM: tuple[str, ...] = (
    _expand(r"\b<HARM_WORDS>\b"),
    r"\b(?:bruises|injur\w*|broke my|tablets|overdose|drinking)\b",
)
DEFAULT_FIRST_PERSON = r"\b(?:i|i'?m|i'?ve|i'?d|i'?ll|me|my|myself|mine)\b"
# Someone else acting in the writer's story: "he", "him", "my husband".
DEFAULT_ACTOR = _expand(r"\b(?:he|him|he'?s|he'?ll|my <ABUSER>)\b")
DEFAULT_RECENT: tuple[str, ...] = (
    (
        r"\b(?:last (?:night|week|month)|yesterday|today|tonight|this (?:morning|week|summer)"
        r"|right now|again|every (?:night|day)|all day|still|anymore|next (?:week|month|time)"
        r"|in the (?:summer|holidays))\b"
    ),
)
# Someone speaking from their job, or quoting what others say, is not disclosing.
DEFAULT_DISTANCING: tuple[str, ...] = (
    (
        r"\b(?:as an? (?:idva|isva|caseworker|case worker|worker|practitioner|professional"
        r"|social worker|advocate)|i work with|when i was an?|in my (?:work|job|role)|the training"
        r"|the helpline says|we practi[sc]e)\b"
    ),
)
DEFAULT_GENERAL: tuple[str, ...] = (
    (
        r"\b(?:survivors|women|girls|victims|perpetrators|abusers|services|professionals|agencies"
        r"|staff|schools|commissioners|should|must|policy|guidance|training)\b"
    ),
)

# One strong personal cue is enough (recall first); supporting cues add up but
# topic words, a writer and a harm word alone stay below the threshold.
_W_STRONG, _W_HARM, _W_FIRST, _W_ACTOR, _W_RECENT = 0.5, 0.2, 0.15, 0.1, 0.1
_W_DISTANCING, _W_GENERAL = 0.5, 0.15
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|«[^»]*»")


@dataclass(frozen=True)
class DisclosureRules:
    """Phrases and patterns that make a note look like a personal disclosure or risk.

    `extra_phrases` (from the event plan) are plain phrases that always flag a note.
    """

    always: tuple[Rule, ...] = DEFAULT_ALWAYS
    strong: tuple[Rule, ...] = DEFAULT_STRONG
    harm: tuple[str, ...] = DEFAULT_HARM
    first_person: str = DEFAULT_FIRST_PERSON
    actor: str = DEFAULT_ACTOR
    recent: tuple[str, ...] = DEFAULT_RECENT
    distancing: tuple[str, ...] = DEFAULT_DISTANCING
    general: tuple[str, ...] = DEFAULT_GENERAL
    extra_phrases: tuple[str, ...] = field(default=())
    threshold: float = 0.5
    # Urdu, Bengali and Polish rules (read folded text) and the learned model's threshold;
    # `model_threshold=None` leaves the model out (rules alone).
    intl: tuple[Rule, ...] = INTL_RULES
    model_threshold: float | None = safety_model.THRESHOLD
    # The model alone decides nothing about a note of fewer content words than this ("Ok",
    # "Approve me", "Money"): its probability on so little text is noise. The rules still read it,
    # and the short cries for help ("help me", "bachao", "ratunku") are rules.
    model_min_words: int = safety_model.MIN_CONTENT_WORDS

    def with_phrases(self, *phrases: str) -> DisclosureRules:
        """Return these rules plus event-specific phrases that always flag."""
        return replace(
            self, extra_phrases=self.extra_phrases + tuple(p for p in phrases if p.strip())
        )


DEFAULT_RULES = DisclosureRules()


@dataclass(frozen=True)
class Assessment:
    """Whether a note looks like a disclosure, how strongly (0 to 1), and why."""

    flagged: bool
    score: float
    reasons: tuple[str, ...]


# Rules run on lower-cased text (`_normalise`), so a rule written in lower case needs no
# IGNORECASE, which made every rule about twice as slow (a note's rules took 250-900 µs on the
# event loop). The few letters IGNORECASE would still fold into an ASCII one that lower() and
# NFKC leave alone are folded by hand (dotless ı reads as i); a rule with a capital letter in it
# keeps IGNORECASE.
_ESCAPES = re.compile(r"\\.")
_FOLD_TO_ASCII = str.maketrans({"ı": "i"})


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern[str]:
    """Compile one rule pattern once."""
    literal = _ESCAPES.sub("", pattern)
    flags = 0 if literal == literal.lower() else re.IGNORECASE
    return re.compile(pattern, flags)


def _normalise(text: str) -> str:
    """Lower-case, unify apostrophes and drop quoted speech, which is someone else's words."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'").lower()
    text = text.translate(_FOLD_TO_ASCII)
    text = " ".join(text.split())
    text = _QUOTED.sub(" ", text)
    # Phones drop apostrophes: "dont", "cant", "im" should read like the full forms.
    text = re.sub(r"\b(don|can|won|didn|doesn|isn|haven)t\b", r"\1't", text)
    return re.sub(r"\bim\b", "i'm", text)


def _any(patterns: Iterable[str], text: str) -> bool:
    """Tell whether any pattern matches."""
    return any(_compiled(p).search(text) for p in patterns)


# "Should", "must", "we need" in the other languages, read on folded text: a note that says what
# services should do is talk about the topic, and weakens the model's reading a little.
_GENERAL_INTL = (
    r"\b(?:powin\w*|musi|musza|trzeba|nalezy|potrzebujemy|chahiye|chahiyen|chahie|zaruri|zarori"
    r"|uchit|dorkar|proyojon)\b|(?:چاہیے|چاہییں|ضروری|উচিত|দরকার|প্রয়োজন)"
)


def assess_disclosure(text: str, rules: DisclosureRules = DEFAULT_RULES) -> Assessment:
    """Score how much a note looks like a personal disclosure or a risk."""
    return assess_with(text, rules, safety_model.probability)


def assess_with(
    text: str, rules: DisclosureRules, probability: Callable[[str], float]
) -> Assessment:
    """Score a note with a given model (`probability`); the bench passes each fold's own."""
    plain = _normalise(text)
    urgent = [label for label, p in rules.always if _compiled(p).search(plain)]
    urgent += [
        f"event phrase: {p}"
        for p in rules.extra_phrases
        if _compiled(
            r"(?<!\w)" + r"\s+".join(map(re.escape, _normalise(p).split())) + r"(?!\w)"
        ).search(plain)
    ]
    if urgent:
        return Assessment(True, 1.0, tuple(dict.fromkeys(urgent)))

    folded = fold(_QUOTED.sub(" ", text))
    intl = [label for label, p in rules.intl if _compiled(p).search(folded)]
    if "self-harm or suicide" in intl:
        return Assessment(True, 1.0, ("self-harm or suicide",))
    strong = tuple(
        dict.fromkeys([label for label, p in rules.strong if _compiled(p).search(plain)] + intl)
    )
    harm = _any(rules.harm, plain)
    first = bool(_compiled(rules.first_person).search(plain))
    reasons = list(strong)
    score = _W_STRONG * min(len(strong), 2)
    if harm:
        score += _W_HARM
        reasons.append("harm or risk words")
    if first:
        score += _W_FIRST
        reasons.append("first person")
        if _compiled(rules.actor).search(plain):
            score += _W_ACTOR
            reasons.append("someone acting in the writer's story")
    # Recency only matters when something harmful is being described.
    if (strong or harm) and _any(rules.recent, plain):
        score += _W_RECENT
        reasons.append("recent or ongoing")
    distanced = _any(rules.distancing, plain)
    if distanced:
        score -= _W_DISTANCING
        reasons.append("professional or reported framing")
    # Topic words weaken loose evidence, not a clear statement about the writer.
    general = not strong and (
        _any(rules.general, plain) or bool(_compiled(_GENERAL_INTL).search(folded))
    )
    if general:
        score -= _W_GENERAL
        reasons.append("general or policy language")
    # The model's n-grams mean nothing in a language it never saw; such a note is held as
    # `unscreened` for a person instead (cafe.safety), and only the rules speak here.
    if (
        rules.model_threshold is not None
        and content_words(text) >= rules.model_min_words
        and detect_language(text).screened
    ):
        model_score = _model_score(probability(text), rules.model_threshold)
        # Speaking from one's job, or of what services should do, weakens the model's reading.
        model_score -= (_W_DISTANCING / 2 if distanced else 0.0) + (_W_GENERAL if general else 0.0)
        if model_score >= 0.5:
            reasons.append("learned model")
        score = max(score, model_score)
    score = round(min(max(score, 0.0), 1.0), 3)
    return Assessment(score >= rules.threshold, score, tuple(reasons))


def _model_score(probability: float, threshold: float) -> float:
    """Map the model's probability onto the rules' scale: its threshold at 0.5, never past 0.95.

    The model alone never makes a note certain, so a strict threshold (0.95 or more) leaves
    only what the rules say for certain.
    """
    if probability < threshold:
        return 0.5 * probability / threshold if threshold else 0.0
    return 0.5 + 0.45 * (probability - threshold) / (1 - threshold) if threshold < 1 else 0.5
