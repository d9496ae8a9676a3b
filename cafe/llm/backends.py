"""Where the language model runs: a local OpenAI-compatible server, or a GGUF file in-process.

Both are optional and off by default (`cafe.settings`: LLM_URL, LLM_MODEL, LLM_GGUF). A server
must be on this machine or the local network: notes are people's words, and Café never sends them
to a cloud. A URL whose host is anywhere else is refused unless an admin set LLM_ALLOW_REMOTE.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

Messages = list[dict[str, str]]
Chat = Callable[[Messages, int], str]  # messages, max new tokens -> the reply's text


class LlmUnavailable(RuntimeError):
    """The language model cannot be used; the message says why, in words staff can act on."""


@dataclass(frozen=True)
class LlmConfig:
    """The language-model settings (from `cafe.settings`)."""

    url: str = ""
    model: str = ""
    gguf: str = ""
    allow_remote: bool = False
    timeout: float = 900.0

    @property
    def enabled(self) -> bool:
        return bool(self.url or self.gguf)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LlmConfig:
        """Read the settings from an app config (keys CAFE_LLM_*) or `load_settings()` (LLM_*)."""
        def get(name: str, default: Any) -> Any:
            return config.get(f"CAFE_{name}", config.get(name, default))

        return cls(str(get("LLM_URL", "") or ""), str(get("LLM_MODEL", "") or ""),
                   str(get("LLM_GGUF", "") or ""), bool(get("LLM_ALLOW_REMOTE", False)),
                   float(get("LLM_TIMEOUT", 900.0) or 900.0))

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "model": self.model, "gguf": self.gguf,
                "allow_remote": self.allow_remote, "timeout": self.timeout}


# This machine and the private networks of a building (RFC 1918, IPv6 unique-local, link-local).
LOCAL_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7",
    "169.254.0.0/16", "fe80::/10"))


def _local_address(host: str) -> bool:
    """Say whether every address a host name stands for is loopback or a private network's."""
    try:
        addresses = {ipaddress.ip_address(host.strip("[]"))}
    except ValueError:
        if host.lower() == "localhost":
            return True
        try:
            addresses = {ipaddress.ip_address(info[4][0].split("%")[0])
                         for info in socket.getaddrinfo(host, None)}
        except (OSError, ValueError):
            return False
    return bool(addresses) and all(
        any(a.version == n.version and a in n for n in LOCAL_NETWORKS)
        or (a.version == 6 and a.ipv4_mapped is not None and _local_address(str(a.ipv4_mapped)))
        for a in addresses)


def check_url(url: str, allow_remote: bool = False) -> str:
    """Return the server's base URL (no trailing slash) or say why it may not be used."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LlmUnavailable(
            f"CAFE_LLM_URL must be an http:// or https:// address, like "
            f"http://127.0.0.1:11434 for Ollama (it is {url!r}).")
    if not allow_remote and not _local_address(parts.hostname):
        raise LlmUnavailable(
            f"CAFE_LLM_URL points at {parts.hostname}, which is neither this machine nor the "
            "local network: notes would leave the building, so Café will not send them there. "
            "Run the model on this machine or the local network, or have an admin set "
            "CAFE_LLM_ALLOW_REMOTE=1 if that server is the charity's own.")
    base = url.strip().rstrip("/")
    return base[: -len("/v1")] if base.endswith("/v1") else base


def server_chat(url: str, model: str = "", timeout: float = 120.0,
                allow_remote: bool = False) -> Chat:
    """Return a chat function that POSTs to {url}/v1/chat/completions (OpenAI's format)."""
    base = check_url(url, allow_remote)

    def chat(messages: Messages, max_tokens: int) -> str:
        body = {"messages": messages, "max_tokens": max_tokens, "temperature": 0.2,
                "stream": False}
        if model:
            body["model"] = model
        request = urllib.request.Request(  # noqa: S310 - checked above: http(s), local only
            base + "/v1/chat/completions", data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                reply = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            raise LlmUnavailable(f"The language-model server at {base} answered "
                                 f"{exc.code} {exc.reason}.") from None
        except (urllib.error.URLError, OSError) as exc:
            raise LlmUnavailable(f"Could not reach the language-model server at {base}: "
                                 f"{getattr(exc, 'reason', exc)}.") from None
        except ValueError:
            raise LlmUnavailable(f"The language-model server at {base} did not answer in "
                                 "JSON.") from None
        try:
            return str(reply["choices"][0]["message"]["content"] or "")
        except (KeyError, IndexError, TypeError):
            raise LlmUnavailable(f"The language-model server at {base} answered without a "
                                 "message.") from None

    return chat


def gguf_chat(path: str, n_ctx: int = 2048, threads: int = 1) -> Chat:
    """Return a chat function over a GGUF model loaded in this process (llama-cpp-python)."""
    if not Path(path).is_file():
        raise LlmUnavailable(f"CAFE_LLM_GGUF names {path}, which is not a file.")
    try:
        from llama_cpp import Llama
    except ImportError:
        raise LlmUnavailable("CAFE_LLM_GGUF is set but llama-cpp-python is not installed "
                             "(pip install 'cafe[llm]').") from None
    try:
        llama = Llama(model_path=path, n_ctx=n_ctx, n_threads=threads, verbose=False, seed=0)
    except (ValueError, RuntimeError) as exc:
        raise LlmUnavailable(f"Could not load the model {path}: {exc}") from None

    def chat(messages: Messages, max_tokens: int) -> str:
        reply = llama.create_chat_completion(messages=messages, max_tokens=max_tokens,
                                             temperature=0.2, seed=0)
        return str(reply["choices"][0]["message"]["content"] or "")

    return chat


def open_chat(config: LlmConfig) -> Chat:
    """Return the configured model's chat function, or say why there is none."""
    if config.url:
        return server_chat(config.url, config.model, min(300.0, config.timeout),
                           config.allow_remote)
    if config.gguf:
        return gguf_chat(config.gguf)
    raise LlmUnavailable("No language model is set up: set CAFE_LLM_URL (a local server such "
                         "as Ollama) or CAFE_LLM_GGUF (a model file). Café works without one.")


def problem(config: LlmConfig) -> str | None:
    """Say why the configured model cannot be used, without loading it; None when it can."""
    if not config.enabled:
        return None
    try:
        if config.url:
            check_url(config.url, config.allow_remote)
        elif not Path(config.gguf).is_file():
            return f"CAFE_LLM_GGUF names {config.gguf}, which is not a file."
        else:
            import importlib.util

            if importlib.util.find_spec("llama_cpp") is None:
                return ("CAFE_LLM_GGUF is set but llama-cpp-python is not installed "
                        "(pip install 'cafe[llm]').")
    except LlmUnavailable as exc:
        return str(exc)
    return None
