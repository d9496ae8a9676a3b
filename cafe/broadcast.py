"""Publishing server events, and broadcasts to big rooms that let phones' notes through.

`publish` sends one event to a room, then calls whoever subscribed to that kind of event in this
process (the safeguarding lead's "where is the writer now" follows the seats, the held notes and
the phones' presence without the actions calling into its namespace).

python-socketio hands a broadcast to every socket of a room in one go: with 5,000 phones the
5,000 sends ran back to back and every note that arrived meanwhile waited for its ack (a round
change held the acks 250-300 ms). Here a broadcast to a room of more than `CHUNK` sockets yields
to the event loop after every `CHUNK` sockets, so notes are read, saved and acked between chunks.
The packet is still encoded once; each socket still gets exactly one copy, and two broadcasts to
the same room still reach every socket in the order they were sent.

With several workers (`--message-queue redis://`), each worker's share of a broadcast arrives
through Redis and goes out the same way.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import socketio as python_socketio
from engineio import packet as eio_packet
from socketio import packet

from cafe import rooms
from cafe.events import ServerEvent
from cafe.pushguard import before_push
from cafe.sockets import socketio

Subscriber = Callable[[int, ServerEvent], None]
_SUBSCRIBERS: dict[type[ServerEvent], list[Subscriber]] = {}


def subscribe(*kinds: type[ServerEvent]) -> Callable[[Subscriber], Subscriber]:
    """Call the decorated function with (event id, event) after each event of these kinds is published."""

    def register(subscriber: Subscriber) -> Subscriber:
        for kind in kinds:
            _SUBSCRIBERS.setdefault(kind, []).append(subscriber)
        return subscriber

    return register


def publish(change: ServerEvent, room: str) -> None:
    """Send a server event to a room (only ever after the commit it reports), then tell its subscribers."""
    before_push(change.namespace)  # e.g. close a just-disabled lead's socket first (issue 19)
    socketio.emit(change.name, change.payload(), to=room, namespace=change.namespace)
    for subscriber in _SUBSCRIBERS.get(type(change), ()):
        subscriber(rooms.event_of(room), change)


# Sockets sent to between yields. Measured at 5,000 phones and 200 notes/s (docs/BENCHMARKS.md):
# 100 kept the acks' p99 under 100 ms; 500 gave 150 ms; no chunks 210 ms.
CHUNK = 100


class ChunkedManager(python_socketio.Manager):
    """The in-process client manager, with big room broadcasts sent in chunks."""

    chunk = CHUNK

    def emit(  # noqa: PLR0913 - python-socketio's signature
        self,
        event: str,
        data: Any,
        namespace: str,
        room: Any = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: Any = None,
        **kwargs: Any,
    ) -> None:
        room = to or room
        members = self.rooms.get(namespace, {}).get(room) if isinstance(room, str) else None
        if callback is not None or members is None or len(members) <= self.chunk:
            # If a big broadcast to this room is going out, this one comes after it.
            lock = self._room_locks().get((namespace, room)) if isinstance(room, str) else None
            with lock or contextlib.nullcontext():
                super().emit(
                    event, data, namespace, room=room, skip_sid=skip_sid, callback=callback,
                    **kwargs,
                )  # fmt: skip
            return
        # Two broadcasts to one room reach every socket in the order they were sent, as when
        # each went out in one go: another greenlet's broadcast to this room waits for this one.
        lock = self._room_locks().setdefault((namespace, room), threading.Lock())
        with lock:
            self._emit_in_chunks(event, data, namespace, room, skip_sid)

    def _room_locks(self) -> dict[tuple[str, str], Any]:
        return self.__dict__.setdefault("_locks", {})

    def _emit_in_chunks(
        self, event: str, data: Any, namespace: str, room: str, skip_sid: Any
    ) -> None:
        if isinstance(data, tuple):
            data = list(data)
        elif data is not None:
            data = [data]
        else:
            data = []
        skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        encoded = self.server.packet_class(
            packet.EVENT, namespace=namespace, data=[event, *data]
        ).encode()
        frames = [
            eio_packet.Packet(eio_packet.MESSAGE, p)
            for p in (encoded if isinstance(encoded, list) else [encoded])
        ]
        # A snapshot of the room (as python-socketio takes): joins and leaves during the yields
        # change neither who gets this broadcast nor the loop.
        for i, (sid, eio_sid) in enumerate(self.get_participants(namespace, room)):
            if sid not in skip:
                for frame in frames:
                    self.server._send_eio_packet(eio_sid, frame)
            if i % self.chunk == self.chunk - 1:
                self.server.sleep(0)


class ChunkedRedisManager(python_socketio.RedisManager, ChunkedManager):
    """The Redis client manager (several workers): publishing is unchanged, and what each worker
    receives goes out in chunks (in the MRO ChunkedManager.emit comes after the publishing emit,
    which is what the listener's `super().emit` reaches)."""
