"""Event plans: `sessions/*.toml` -> validated frozen dataclasses (no Flask here)."""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$")
TOP_KEYS = {
    "title",
    "slug",
    "context",
    "etiquette",
    "content_warnings",
    "helpline",
    "safeguarding_lead",
    "retention_days",
    "k_threshold",
    "language",
    "wall_requires_approval",
    "tables",
    "rounds",
    "frames",
    "names",
    "audience",
    "dots",
    "translations",
}
TABLE_KEYS = {"name", "capacity", "host"}
ROUND_KEYS = {"question", "minutes", "move", "content_warning", "translations"}
LANG_RE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")
FRAME_KEYS = {"name", "seeds"}
# The event's own words a phone shows, which a plan may give in other languages.
TRANSLATED_KEYS = {"title", "context", "etiquette", "content_warnings", "helpline", "safeguarding_lead"}


@dataclass(frozen=True)
class TablePlan:
    """One table: its name and how many people it seats."""

    name: str
    capacity: int = 5
    host: bool = False  # the table has a host, who joins by the table's host link and stays


@dataclass(frozen=True)
class RoundPlan:
    """One round: its question, length, and whether travellers move after it."""

    question: str
    minutes: int = 20
    move: bool = True
    content_warning: str = ""
    translations: tuple[tuple[str, str], ...] = ()  # (language code, question) pairs
    warning_translations: tuple[tuple[str, str], ...] = ()  # (language code, content warning)


@dataclass(frozen=True)
class EventText:
    """The event's own words in one more language; an empty field falls back to the plan's own."""

    language: str
    title: str = ""
    context: str = ""
    etiquette: tuple[str, ...] = ()
    content_warnings: tuple[str, ...] = ()
    helpline: str = ""
    safeguarding_lead: str = ""


@dataclass(frozen=True)
class FramePlan:
    """A theme staff expect, with a few seed phrases."""

    name: str
    seeds: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    """A whole event plan."""

    title: str
    tables: tuple[TablePlan, ...]
    rounds: tuple[RoundPlan, ...]
    slug: str = ""
    context: str = ""
    etiquette: tuple[str, ...] = ()
    content_warnings: tuple[str, ...] = ()
    helpline: str = ""
    safeguarding_lead: str = ""
    retention_days: int = 90
    k_threshold: int = 3
    language: str = "en"
    wall_requires_approval: bool = True
    frames: tuple[FramePlan, ...] = field(default_factory=tuple)
    names: tuple[str, ...] = ()  # people's names to flag and redact wherever notes mention them
    dots: int = 3  # dots each participant may place on the insights in the harvest
    audience: str = ""  # who the event's briefings are for and why (opens every briefing)
    translations: tuple[EventText, ...] = ()  # the event's words in other languages

    def to_dict(self) -> dict[str, Any]:
        """Return the plan as plain JSON-ready data."""
        return asdict(self)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a plan, located by line and field."""

    field: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.field}: {self.message}"


class PlanError(ValueError):
    """A plan that cannot be used; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


@dataclass(frozen=True)
class PlanFile:
    """A plan file in a folder: its name and source, and its title when it can be read."""

    name: str
    source: str
    title: str = ""
    problems: tuple[Problem, ...] = ()


def plan_files(folder: str | Path) -> list[PlanFile]:
    """List the `*.toml` plans in a folder by name, each read and checked (never raising)."""
    found = []
    for path in sorted(Path(folder).glob("*.toml")):
        try:
            source = path.read_text(encoding="utf-8")
            found.append(PlanFile(path.name, source, parse_plan(source).title))
        except (OSError, UnicodeDecodeError) as exc:
            found.append(PlanFile(path.name, "", "", (Problem("(file)", f"cannot read: {exc}"),)))
        except PlanError as exc:
            found.append(PlanFile(path.name, source, "", tuple(exc.problems)))
    return found


class _Locator:
    """Find the line of a field in TOML source, so problems point somewhere useful."""

    def __init__(self, source: str) -> None:
        self.lines = source.splitlines()

    def _header_lines(self, name: str) -> list[int]:
        pattern = re.compile(rf"^\s*\[\[\s*{re.escape(name)}\s*\]\]")
        return [i for i, line in enumerate(self.lines) if pattern.match(line)]

    def _key_line(self, key: str, start: int, stop: int) -> int | None:
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for i in range(start, stop):
            if pattern.match(self.lines[i]):
                return i + 1
        return None

    def find(self, path: str) -> int | None:
        """Return the 1-based line of `key`, `table N`, `table N.key` (the N-th [[tables]]
        section, counted from 1 as people count), if it can be found."""
        match = re.match(r"^(table|round|frame) (\d+)(?:\.(\w+))?", path)
        if not match:
            headers = [i for i, line in enumerate(self.lines) if line.lstrip().startswith("[")]
            stop = headers[0] if headers else len(self.lines)
            return self._key_line(path, 0, stop)
        name, index, key = match.group(1) + "s", int(match.group(2)) - 1, match.group(3)
        headers = self._header_lines(name)
        if index >= len(headers):
            return self._key_line(name, 0, len(self.lines))
        start = headers[index]
        following = [
            i for i, line in enumerate(self.lines) if i > start and line.lstrip().startswith("[")
        ]
        stop = following[0] if following else len(self.lines)
        return (self._key_line(key, start + 1, stop) if key else None) or start + 1


class _Checker:
    """Collect problems while reading raw TOML data into a Plan."""

    def __init__(self, locator: _Locator) -> None:
        self.locator = locator
        self.problems: list[Problem] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message, self.locator.find(path)))

    def text(
        self, data: dict, key: str, path: str, *, required: bool = False, limit: int = 5000
    ) -> str:
        value = data.get(key, "")
        if not isinstance(value, str):
            self.problem(path, f"must be text, not {type(value).__name__}")
            return ""
        value = value.strip()
        if required and not value:
            self.problem(path, "is required")
        if len(value) > limit:
            self.problem(path, f"is {len(value)} characters; at most {limit}")
        return value

    def integer(self, data: dict, key: str, path: str, default: int, low: int, high: int) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(path, f"must be a whole number, not {value!r}")
            return default
        if not low <= value <= high:
            self.problem(path, f"must be between {low} and {high}, not {value}")
        return value

    def boolean(self, data: dict, key: str, path: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.problem(path, f"must be true or false, not {value!r}")
            return default
        return value

    def texts(self, data: dict, key: str, path: str, limit: int = 300) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(path, "must be a list of text")
            return ()
        for item in value:
            if len(item) > limit:
                self.problem(path, f"has an item of {len(item)} characters; at most {limit}")
        return tuple(v.strip() for v in value if v.strip())

    def translations(
        self, data: dict, key: str, path: str
    ) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
        """Read a round's translations: `{ ur = "question" }`, or per language a table
        `{ question = "…", content_warning = "…" }`; return (questions, content warnings)."""
        value = data.get(key, {})
        if not isinstance(value, dict):
            self.problem(path, 'must be a table of language = "question", e.g. { ur = "…" }')
            return (), ()
        questions, warnings = [], []
        for code, text in value.items():
            if not LANG_RE.match(code):
                self.problem(path, f"{code!r} is not a language code such as 'ur' or 'pl'")
                continue
            if isinstance(text, dict):
                self.unknown(text, {"question", "content_warning"}, f"{path}.{code}.")
                warning = self.text(text, "content_warning", f"{path}.{code}.content_warning",
                                    limit=300)
                if warning:
                    warnings.append((code, warning))
                text = text.get("question", "")
            if not isinstance(text, str) or not text.strip() or len(text) > 300:
                self.problem(path, f"the {code!r} question must be text of 1 to 300 characters")
            else:
                questions.append((code, text.strip()))
        return tuple(questions), tuple(warnings)

    def event_texts(self, data: dict) -> tuple[EventText, ...]:
        value = data.get("translations", {})
        if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
            self.problem("translations", "must be written as [translations.ur] sections")
            return ()
        found = []
        for code, raw in value.items():
            path = f"translations.{code}"
            if not LANG_RE.match(code):
                self.problem(path, f"{code!r} is not a language code such as 'ur' or 'pl'")
                continue
            self.unknown(raw, TRANSLATED_KEYS, f"{path}.")
            found.append(
                EventText(
                    language=code,
                    title=self.text(raw, "title", f"{path}.title", limit=120),
                    context=self.text(raw, "context", f"{path}.context", limit=4000),
                    etiquette=self.texts(raw, "etiquette", f"{path}.etiquette"),
                    content_warnings=self.texts(raw, "content_warnings", f"{path}.content_warnings"),
                    helpline=self.text(raw, "helpline", f"{path}.helpline", limit=300),
                    safeguarding_lead=self.text(
                        raw, "safeguarding_lead", f"{path}.safeguarding_lead", limit=300
                    ),
                )
            )
        return tuple(found)

    def unknown(self, data: dict, allowed: set[str], prefix: str) -> None:
        for key in sorted(set(data) - allowed):
            near = difflib.get_close_matches(str(key), sorted(allowed), n=1, cutoff=0.75)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            self.problem(f"{prefix}{key}", f"is not a known field{hint}")

    def array(self, data: dict, key: str, *, required: bool, limit: int) -> list[dict]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problem(key, f"must be written as [[{key}]] sections")
            return []
        if required and not value:
            self.problem(key, f"needs at least one [[{key}]] section")
        if len(value) > limit:
            self.problem(key, f"has {len(value)} entries; at most {limit}")
        return value


def _read(data: dict, checker: _Checker) -> Plan:
    """Turn parsed TOML into a Plan, recording every problem on the checker."""
    c = checker
    c.unknown(data, TOP_KEYS, "")
    tables = []
    for i, raw in enumerate(c.array(data, "tables", required=True, limit=500)):
        c.unknown(raw, TABLE_KEYS, f"table {i + 1}.")
        tables.append(
            TablePlan(
                name=c.text(raw, "name", f"table {i + 1}.name", required=True, limit=60),
                capacity=c.integer(raw, "capacity", f"table {i + 1}.capacity", 5, 2, 20),
                host=c.boolean(raw, "host", f"table {i + 1}.host", False),
            )
        )
    seen: set[str] = set()
    for i, table in enumerate(tables):
        if table.name and table.name.casefold() in seen:
            c.problem(f"table {i + 1}.name", f"{table.name!r} is used by another table")
        seen.add(table.name.casefold())
    rounds = []
    for i, raw in enumerate(c.array(data, "rounds", required=True, limit=20)):
        c.unknown(raw, ROUND_KEYS, f"round {i + 1}.")
        questions, warnings = c.translations(raw, "translations", f"round {i + 1}.translations")
        rounds.append(
            RoundPlan(
                question=c.text(raw, "question", f"round {i + 1}.question", required=True, limit=300),
                minutes=c.integer(raw, "minutes", f"round {i + 1}.minutes", 20, 1, 180),
                move=c.boolean(raw, "move", f"round {i + 1}.move", True),
                content_warning=c.text(
                    raw, "content_warning", f"round {i + 1}.content_warning", limit=300
                ),
                translations=questions,
                warning_translations=warnings,
            )
        )
    frames = []
    for i, raw in enumerate(c.array(data, "frames", required=False, limit=20)):
        c.unknown(raw, FRAME_KEYS, f"frame {i + 1}.")
        frames.append(
            FramePlan(
                name=c.text(raw, "name", f"frame {i + 1}.name", required=True, limit=80),
                seeds=c.texts(raw, "seeds", f"frame {i + 1}.seeds", limit=120),
            )
        )
    slug = c.text(data, "slug", "slug", limit=48)
    if slug and not SLUG_RE.match(slug):
        c.problem("slug", "use lowercase letters, digits and hyphens (e.g. 'spring-cafe')")
    return Plan(
        title=c.text(data, "title", "title", required=True, limit=120),
        slug=slug,
        context=c.text(data, "context", "context", limit=4000),
        etiquette=c.texts(data, "etiquette", "etiquette"),
        content_warnings=c.texts(data, "content_warnings", "content_warnings"),
        helpline=c.text(data, "helpline", "helpline", limit=300),
        safeguarding_lead=c.text(data, "safeguarding_lead", "safeguarding_lead", limit=300),
        retention_days=c.integer(data, "retention_days", "retention_days", 90, 1, 3650),
        k_threshold=c.integer(data, "k_threshold", "k_threshold", 3, 1, 50),
        language=c.text(data, "language", "language", limit=16) or "en",
        wall_requires_approval=c.boolean(
            data, "wall_requires_approval", "wall_requires_approval", True
        ),
        tables=tuple(tables),
        rounds=tuple(rounds),
        frames=tuple(frames),
        names=c.texts(data, "names", "names", limit=80),
        dots=c.integer(data, "dots", "dots", 3, 1, 20),
        audience=c.text(data, "audience", "audience", limit=600),
        translations=c.event_texts(data),
    )


# What tomllib's messages mean for someone editing a plan, first match wins; tomllib's own words
# follow in brackets for whoever knows TOML.
_SYNTAX_HINTS = (
    (r"Illegal character '\\n'|Unterminated string",
     'a text in quotes is not closed on this line: add the closing " (text over several lines '
     'goes between """ and """)'),
    (r"Cannot overwrite a value|Cannot declare .* twice",
     "the same field or section is given twice; keep one"),
    (r"Expected '=' after a key", "each line needs the form: field = value"),
    (r"Invalid value", 'this value is not understood: put text in "quotes", and write numbers '
                       "and true/false without them"),
    (r"Invalid statement|Expected newline", "something extra or missing on this line"),
)


def _plain_syntax(message: str) -> str:
    """Say a TOML syntax error in plain words, keeping tomllib's own message in brackets."""
    for pattern, plain in _SYNTAX_HINTS:
        if re.search(pattern, message):
            return f"{plain} ({message})"
    return message


def parse_plan(source: str) -> Plan:
    """Parse and validate plan TOML; raise PlanError listing every problem."""
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise PlanError(
            [Problem("(syntax)", _plain_syntax(str(exc)), int(match.group(1)) if match else None)]
        ) from None
    except RecursionError:  # arrays or tables nested thousands deep
        raise PlanError(
            [Problem("(syntax)", "values are nested too deeply inside each other; a plan needs "
                     "at most a few levels", None)]
        ) from None
    checker = _Checker(_Locator(source))
    plan = _read(data, checker)
    if checker.problems:
        raise PlanError(checker.problems)
    return plan


def load_plan(path: str | Path) -> Plan:
    """Read and validate a plan file."""
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError([Problem("(file)", f"cannot read {path}: {exc}")]) from None
    return parse_plan(source)


def in_language(plan: dict[str, Any], language: str) -> dict[str, Any]:
    """Return a stored plan (`Plan.to_dict()`) with the event's words in `language` where the plan
    gives them ("ur", or "pt" for "pt-BR"), each missing field keeping the plan's own words."""
    wanted = (language or "").lower()
    texts = {t["language"].lower(): t for t in plan.get("translations") or ()}
    chosen = texts.get(wanted) or texts.get(wanted.split("-")[0])
    if not chosen:
        return plan
    return {**plan, **{key: chosen[key] for key in TRANSLATED_KEYS if chosen.get(key)}}
