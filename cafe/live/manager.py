"""Broadcasts that let phones' notes through: a send to thousands of sockets yields as it goes.

python-socketio's `Manager.emit` encodes a room's packet once, then hands it to every socket in one
loop. On gevent that loop never yields: at 5,000 phones a round change held the event loop for
0.3-1 s, and every note sent meanwhile waited that long for its ack (bench/live_load.py: the worst
acks of every run were the notes sent at a round change). Here the same loop yields to the hub every
`CHUNK` sockets, so acks and notes interleave with a broadcast. The packet is still encoded once;
the sockets are listed before the first yield, so a phone joining or leaving the room meanwhile
cannot upset the loop (it gets the next broadcast, as it would have a moment later).
"""

from __future__ import annotations

import threading

import socketio
from engineio import packet as eio_packet
from socketio import packet

CHUNK = 100  # sockets sent to between two yields: ~5-10 ms of the event loop on this machine


def _main_ident() -> int:
    try:
        from gevent import monkey

        return monkey.get_original("threading", "get_ident")()
    except ImportError:  # pragma: no cover - gevent is a dependency
        return threading.get_ident()


_MAIN = _main_ident()


def _may_yield(server: socketio.Server) -> bool:
    """On gevent, yield only in the event loop's own thread (not a writer or pool thread)."""
    if server.async_mode in ("gevent", "gevent_uwsgi"):
        return _main_ident() == _MAIN
    return True  # threads (tests, `cafe serve --async-mode threading`): sleeping 0 is harmless


class YieldingManager(socketio.Manager):
    """A client manager whose broadcasts to many sockets yield every `CHUNK` sends."""

    def emit(self, event, data, namespace, room=None, skip_sid=None, callback=None, to=None,
             **kwargs):  # noqa: ANN001, ANN201 - python-socketio's signature
        room = to or room
        if callback or namespace not in self.rooms or not _may_yield(self.server):
            return super().emit(event, data, namespace, room=room, skip_sid=skip_sid,
                                callback=callback, **kwargs)
        recipients = list(self.get_participants(namespace, room))
        if len(recipients) <= CHUNK:
            return super().emit(event, data, namespace, room=room, skip_sid=skip_sid, **kwargs)
        if isinstance(data, tuple):
            data = list(data)
        elif data is not None:
            data = [data]
        else:
            data = []
        skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        encoded = self.server.packet_class(
            packet.EVENT, namespace=namespace, data=[event] + data
        ).encode()
        frames = [
            eio_packet.Packet(eio_packet.MESSAGE, p)
            for p in (encoded if isinstance(encoded, list) else [encoded])
        ]
        for n, (sid, eio_sid) in enumerate(recipients, 1):
            if sid in skip:
                continue
            for frame in frames:
                self.server._send_eio_packet(eio_sid, frame)
            if n % CHUNK == 0:
                self.server.sleep(0)
        return None


class YieldingRedisManager(socketio.RedisManager, YieldingManager):
    """Several workers (docs/SCALING.md): each applies a broadcast from Redis in yielding chunks."""


def client_manager(queue_url: str | None, channel: str = "cafe") -> socketio.Manager:
    """The manager `cafe serve` uses: local, or shared through a Redis message queue."""
    if queue_url:
        return YieldingRedisManager(queue_url, channel=channel)
    return YieldingManager()
