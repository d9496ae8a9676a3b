"""A lean asyncio client of the Socket.IO v5 / Engine.IO v4 wire protocol over WebSocket.

Thousands of python-socketio clients in one process cost a lot of CPU and memory (a task or two per
client, an aiohttp session each). A load generator shares the machine with the server, so every
simulated phone here is one `asyncio.Protocol`: no task, no dependency beyond the standard library,
callbacks straight from `data_received`. It speaks only what a phone needs: the WebSocket transport
(no long-polling, no compression), one namespace per socket, JSON events with acks, Engine.IO pings.
`tests/test_live_load.py` checks it against the official python-socketio client on a real server.

    sock = await LeanSocket.connect("127.0.0.1", 5000, "/participant", auth={"event": "x", "token": t})
    ack = await sock.call("choose_table", {"table": 1})
    sock.emit("submit_note", {...}, callback=lambda ack: ...)
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import struct
from collections.abc import Callable
from typing import Any

_SEPARATORS = (",", ":")


class ConnectRefused(Exception):
    """The server refused the namespace connection (Socket.IO CONNECT_ERROR) or the upgrade."""


def _mask(payload: bytes, key: bytes) -> bytes:
    """XOR a client frame's payload with its masking key (RFC 6455 5.3), one big-int operation."""
    n = len(payload)
    if not n:
        return payload
    keys = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(keys, "little")).to_bytes(
        n, "little"
    )


def _frame(opcode: int, payload: bytes) -> bytes:
    """Return one final, masked client frame."""
    n = len(payload)
    if n < 126:
        header = bytes((0x80 | opcode, 0x80 | n))
    elif n < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0xFE, n)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0xFF, n)
    key = os.urandom(4)
    return header + key + _mask(payload, key)


class LeanSocket(asyncio.Protocol):
    """One Socket.IO client connected to one namespace over one WebSocket."""

    def __init__(
        self,
        host: str,
        port: int,
        namespace: str,
        auth: Any = None,
        headers: dict[str, str] | None = None,
        path: str = "/socket.io/",
        on_event: Callable[[str, list], None] | None = None,
    ) -> None:
        self.host, self.port, self.path = host, port, path
        self.namespace = namespace
        self.auth = auth
        self.headers = headers or {}
        # on_event(name, args) receives every server -> client event; handlers[name](*args) too.
        self.on_event = on_event
        self.handlers: dict[str, Callable[..., Any]] = {}
        self.loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self.ready: asyncio.Future = self.loop.create_future()
        self.closed: asyncio.Future = self.loop.create_future()
        self.sid: str | None = None
        self.eio_sid: str | None = None
        self._acks: dict[int, Callable[..., Any]] = {}
        self._next_id = 0
        self._upgraded = False
        self._buffer = bytearray()
        self._fragments: list[bytes] = []
        self._prefix = "" if namespace == "/" else f"{namespace},"
        self._key = base64.b64encode(os.urandom(16)).decode()

    # ---- opening ----------------------------------------------------------------------------

    @classmethod
    async def connect(
        cls,
        host: str,
        port: int,
        namespace: str,
        auth: Any = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30.0,
        **kwargs: Any,
    ) -> LeanSocket:
        """Open the WebSocket, the Engine.IO session and the namespace; raise ConnectRefused on refusal."""
        loop = asyncio.get_running_loop()
        sock = cls(host, port, namespace, auth, headers, **kwargs)
        await asyncio.wait_for(loop.create_connection(lambda: sock, host, port), timeout)
        try:
            await asyncio.wait_for(asyncio.shield(sock.ready), timeout)
        except BaseException:
            sock.close()
            raise
        return sock

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        lines = [
            f"GET {self.path}?EIO=4&transport=websocket HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {self._key}",
            "Sec-WebSocket-Version: 13",
            *(f"{k}: {v}" for k, v in self.headers.items()),
        ]
        transport.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))  # type: ignore[attr-defined]

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(f"connection lost before connect: {exc}"))
        if not self.closed.done():
            self.closed.set_result(exc)

    # ---- receiving --------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        buf = self._buffer
        buf += data
        if not self._upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buf[: buf.find(b"\r\n")])
            if b" 101 " not in status + b" ":
                self._fail(ConnectRefused(f"upgrade refused: {status.decode('latin-1')}"))
                return
            self._upgraded = True
            del buf[: end + 4]
        pos, size = 0, len(buf)
        while size - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            length, head = b1 & 0x7F, 2
            if length == 126:
                if size - pos < 4:
                    break
                length, head = (buf[pos + 2] << 8) | buf[pos + 3], 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 10], "big"), 10
            key = None
            if b1 & 0x80:  # servers must not mask, but tolerate it
                if size - pos < head + 4:
                    break
                key = bytes(buf[pos + head : pos + head + 4])
                head += 4
            if size - pos < head + length:
                break
            payload = bytes(buf[pos + head : pos + head + length])
            pos += head + length
            if key:
                payload = _mask(payload, key)
            self._frame_received(b0 & 0x80, b0 & 0x0F, payload)
            if self.transport is None:
                return
        if pos:
            del buf[:pos]

    def _frame_received(self, fin: int, opcode: int, payload: bytes) -> None:
        if opcode in (0, 1, 2):
            if not fin:
                self._fragments.append(payload)
                return
            if self._fragments:
                payload = b"".join(self._fragments) + payload
                self._fragments = []
            self._eio_packet(payload.decode("utf-8", "surrogatepass"))
        elif opcode == 9:  # WebSocket ping
            self._write(_frame(10, payload))
        elif opcode == 8:  # close
            self._write(_frame(8, payload[:2]))
            self.close()

    def _eio_packet(self, packet: str) -> None:
        kind = packet[:1]
        if kind == "4":
            self._sio_packet(packet[1:])
        elif kind == "2":  # Engine.IO ping from the server: answer pong
            self._write(_frame(1, b"3" + packet[1:].encode()))
        elif kind == "0":
            self.eio_sid = json.loads(packet[1:]).get("sid")
            auth = "" if self.auth is None else json.dumps(self.auth, separators=_SEPARATORS)
            self._write(_frame(1, f"40{self._prefix}{auth}".encode()))
        elif kind == "1":
            self.close()

    def _sio_packet(self, packet: str) -> None:
        kind = packet[:1]
        rest = packet[1:]
        if rest.startswith("/"):
            comma = rest.find(",")
            namespace, rest = (rest, "") if comma < 0 else (rest[:comma], rest[comma + 1 :])
        else:
            namespace = "/"
        if namespace != self.namespace:
            return
        digits = 0
        while digits < len(rest) and rest[digits].isdigit():
            digits += 1
        ack_id = int(rest[:digits]) if digits else None
        data = json.loads(rest[digits:]) if len(rest) > digits else None
        if kind == "2":  # EVENT
            name, args = data[0], data[1:]
            if self.on_event is not None:
                self.on_event(name, args)
            handler = self.handlers.get(name)
            if handler is not None:
                handler(*args)
        elif kind == "3":  # ACK
            callback = self._acks.pop(ack_id, None)
            if callback is not None:
                callback(*data)
        elif kind == "0":  # CONNECT
            self.sid = (data or {}).get("sid")
            if not self.ready.done():
                self.ready.set_result(self.sid)
        elif kind == "4":  # CONNECT_ERROR
            message = data.get("message") if isinstance(data, dict) else data
            self._fail(ConnectRefused(str(message)))
        elif kind == "1":  # DISCONNECT
            self.close()

    # ---- sending ----------------------------------------------------------------------------

    def _write(self, frame: bytes) -> None:
        if self.transport is not None:
            self.transport.write(frame)

    def emit(
        self, event: str, data: Any = None, callback: Callable[..., Any] | None = None
    ) -> None:
        """Send an event; `callback(*ack_args)` runs when the server acks it."""
        ack = ""
        if callback is not None:
            self._next_id += 1
            ack = str(self._next_id)
            self._acks[self._next_id] = callback
        body = json.dumps([event] if data is None else [event, data], separators=_SEPARATORS)
        self._write(_frame(1, f"42{self._prefix}{ack}{body}".encode()))

    async def call(self, event: str, data: Any = None, timeout: float = 30.0) -> Any:
        """Send an event and return the server's ack (its first argument)."""
        done = self.loop.create_future()

        def on_ack(*args: Any) -> None:
            if not done.done():
                done.set_result(args[0] if len(args) == 1 else list(args))

        self.emit(event, data, on_ack)
        return await asyncio.wait_for(done, timeout)

    @property
    def connected(self) -> bool:
        return self.transport is not None and self.ready.done() and not self.ready.exception()

    def _fail(self, exc: Exception) -> None:
        if not self.ready.done():
            self.ready.set_exception(exc)
        self.close()

    def close(self) -> None:
        """Close the socket at once (the server sees the connection go)."""
        if self.transport is not None:
            transport, self.transport = self.transport, None
            transport.close()
        if not self.closed.done():
            self.closed.set_result(None)

    async def disconnect(self) -> None:
        """Leave the namespace and close the WebSocket politely."""
        if self.transport is not None:
            self._write(_frame(1, f"41{self._prefix}".rstrip(",").encode()))
            self._write(_frame(8, struct.pack("!H", 1000)))
        self.close()
