"""Socket.IO namespaces, one per audience; thin: parse, authorise, call actions, return the ack."""

from cafe.live import console, lead, participant, rotation, safeguarding, wall  # noqa: F401
