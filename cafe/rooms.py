"""Room names, built in one place so senders and joiners cannot disagree."""


def console(event_id: int) -> str:
    """Return the room of every facilitator console watching an event."""
    return f"console:{event_id}"


def wall(event_id: int) -> str:
    """Return the room of every projector wall of an event."""
    return f"wall:{event_id}"


def table(event_id: int, table_no: int) -> str:
    """Return the room of the phones at one table."""
    return f"table:{event_id}:{table_no}"


def participant(event_id: int, participant_id: int) -> str:
    """Return the room of one participant's phones (a person may have two tabs open)."""
    return f"participant:{event_id}:{participant_id}"


def event(event_id: int) -> str:
    """Return the room of every phone of an event."""
    return f"event:{event_id}"


def safeguarding(event_id: int) -> str:
    """Return the room of the safeguarding leads watching an event."""
    return f"safeguarding:{event_id}"


def event_of(room: str) -> int:
    """Return the id of the event a room (any of the above) belongs to."""
    return int(room.split(":")[1])
