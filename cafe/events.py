"""Server -> client events: one small dataclass each; each name and namespace is written once, here."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

PARTICIPANT = "/participant"
SAFEGUARDING = "/safeguarding"
CONSOLE = "/console"
WALL = "/wall"


@dataclass(frozen=True)
class ServerEvent:
    """Base of every server -> client event."""

    name: ClassVar[str]
    namespace: ClassVar[str]

    def payload(self) -> dict[str, Any]:
        """Return the JSON payload sent to clients.

        A shallow dict: the fields already hold plain JSON values (views built for this send), and
        `dataclasses.asdict` deep-copied every nested note, span and table on each send.
        """
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class NoteAdded(ServerEvent):
    """A new note reached the console."""

    name: ClassVar[str] = "note_added"
    namespace: ClassVar[str] = CONSOLE
    note: dict


@dataclass(frozen=True)
class NoteChanged(ServerEvent):
    """A note was edited, withdrawn, approved or hidden (console view of it)."""

    name: ClassVar[str] = "note_changed"
    namespace: ClassVar[str] = CONSOLE
    note: dict


@dataclass(frozen=True)
class PresenceChanged(ServerEvent):
    """The number of connected phones per table changed."""

    name: ClassVar[str] = "presence_changed"
    namespace: ClassVar[str] = CONSOLE
    tables: dict
    total: int


@dataclass(frozen=True)
class WallNoteShown(ServerEvent):
    """An approved note goes up on the wall (or its approved text changed)."""

    name: ClassVar[str] = "note_shown"
    namespace: ClassVar[str] = WALL
    note: dict


@dataclass(frozen=True)
class WallNoteRemoved(ServerEvent):
    """A note comes off the wall (hidden, withdrawn, or edited back to pending)."""

    name: ClassVar[str] = "note_removed"
    namespace: ClassVar[str] = WALL
    id: int


@dataclass(frozen=True)
class OwnNoteChanged(ServerEvent):
    """One of the participant's own notes changed (e.g. from their other tab)."""

    name: ClassVar[str] = "own_note_changed"
    namespace: ClassVar[str] = PARTICIPANT
    note: dict


@dataclass(frozen=True)
class TableChanged(ServerEvent):
    """The participant's table changed (from their other tab)."""

    name: ClassVar[str] = "table_changed"
    namespace: ClassVar[str] = PARTICIPANT
    table: int


@dataclass(frozen=True)
class RoundChanged(ServerEvent):
    """The phase, round or timer changed; sent to every phone, console and wall of the event."""

    name: ClassVar[str] = "round_changed"
    namespace: ClassVar[str] = PARTICIPANT
    clock: dict
    round: dict
    server_time: float


# A pause with no words of its own carries this; each screen shows its own translated heading instead.
DEFAULT_HOLD_MESSAGE = "Please pause for a moment."


@dataclass(frozen=True)
class HoldChanged(ServerEvent):
    """ "Pause everyone" began (with a calm message) or was lifted (message None)."""

    name: ClassVar[str] = "hold_changed"
    namespace: ClassVar[str] = PARTICIPANT
    message: str | None


@dataclass(frozen=True)
class MessageSent(ServerEvent):
    """A facilitator's message to every phone, or to one table's phones."""

    name: ClassVar[str] = "message_sent"
    namespace: ClassVar[str] = PARTICIPANT
    text: str
    table: int | None


@dataclass(frozen=True)
class SafeguardingItemChanged(ServerEvent):
    """A note in the safeguarding lead's queue arrived or changed (status, edit, withdrawal)."""

    name: ClassVar[str] = "item_changed"
    namespace: ClassVar[str] = SAFEGUARDING
    item: dict


@dataclass(frozen=True)
class Whereabouts(ServerEvent):
    """Where the writer of each held note is now (they move tables, leave, lose their phone's
    connection), so the lead finds the person where they are, not where they wrote."""

    name: ClassVar[str] = "whereabouts"
    namespace: ClassVar[str] = SAFEGUARDING
    items: dict


@dataclass(frozen=True)
class MoveAssigned(ServerEvent):
    """At a rotation: the table this participant goes to next round, or that they stay."""

    name: ClassVar[str] = "move_assigned"
    namespace: ClassVar[str] = PARTICIPANT
    move: dict


@dataclass(frozen=True)
class HostBriefed(ServerEvent):
    """This participant hosts a table (briefing: earlier notes, this round's insights), or no longer."""

    name: ClassVar[str] = "host_briefed"
    namespace: ClassVar[str] = PARTICIPANT
    host: dict | None


@dataclass(frozen=True)
class SeatOfferChanged(ServerEvent):
    """A table gained or lost its host (or changed who hosts it): whether its phones offer
    "I am in seat 1" now."""

    name: ClassVar[str] = "seat_offer_changed"
    namespace: ClassVar[str] = PARTICIPANT
    table: int
    offer: bool


@dataclass(frozen=True)
class InsightsChanged(ServerEvent):
    """The insights everyone may dot-vote on (sent to phones in the harvest)."""

    name: ClassVar[str] = "insights_changed"
    namespace: ClassVar[str] = PARTICIPANT
    insights: list


@dataclass(frozen=True)
class RotationChanged(ServerEvent):
    """The rotation plan, hosts or people not yet placed changed (console view)."""

    name: ClassVar[str] = "rotation_changed"
    namespace: ClassVar[str] = CONSOLE
    rotation: dict


@dataclass(frozen=True)
class InsightAdded(ServerEvent):
    """A host shared one of the round's key insights."""

    name: ClassVar[str] = "insight_added"
    namespace: ClassVar[str] = CONSOLE
    insight: dict


@dataclass(frozen=True)
class InsightChanged(ServerEvent):
    """The facilitator approved, hid or removed the personal details from a key insight."""

    name: ClassVar[str] = "insight_changed"
    namespace: ClassVar[str] = CONSOLE
    insight: dict


@dataclass(frozen=True)
class HarvestChanged(ServerEvent):
    """The harvest wall's word cloud, insights and dots."""

    name: ClassVar[str] = "harvest_changed"
    namespace: ClassVar[str] = WALL
    harvest: dict


@dataclass(frozen=True)
class VotesChanged(ServerEvent):
    """The dots on each insight changed (sent to walls and consoles)."""

    name: ClassVar[str] = "votes_changed"
    namespace: ClassVar[str] = WALL
    votes: dict


@dataclass(frozen=True)
class LeftChanged(ServerEvent):
    """This participant left the café (their phone says goodbye), or came back."""

    name: ClassVar[str] = "left_changed"
    namespace: ClassVar[str] = PARTICIPANT
    left: bool


@dataclass(frozen=True)
class SafeguardingItemReturned(ServerEvent):
    """The lead returned a held note to normal moderation ("not a disclosure"): it left the queue."""

    name: ClassVar[str] = "item_returned"
    namespace: ClassVar[str] = SAFEGUARDING
    id: int


@dataclass(frozen=True)
class LeadMessaged(ServerEvent):
    """The safeguarding lead sent the writer of a held note a private message, to their phones
    only (never stored, never on another screen)."""

    name: ClassVar[str] = "lead_messaged"
    namespace: ClassVar[str] = PARTICIPANT
    text: str


ALL_EVENTS: tuple[type[ServerEvent], ...] = (
    NoteAdded,
    NoteChanged,
    PresenceChanged,
    WallNoteShown,
    WallNoteRemoved,
    OwnNoteChanged,
    TableChanged,
    RoundChanged,
    HoldChanged,
    MessageSent,
    SafeguardingItemChanged,
    Whereabouts,
    MoveAssigned,
    HostBriefed,
    InsightsChanged,
    RotationChanged,
    InsightAdded,
    HarvestChanged,
    VotesChanged,
    LeftChanged,
    SafeguardingItemReturned,
    LeadMessaged,
)
