"""QR codes for join links: SVG for pages and prints, text for the terminal."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg


def svg(data: str) -> bytes:
    """Return a QR code of `data` as a standalone SVG document."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathFillImage, border=2)
    return image.to_string(encoding="unicode").encode("utf-8")


def terminal(data: str) -> str:
    """Return a QR code of `data` drawn with block characters for a terminal."""
    code = qrcode.QRCode(border=2)
    code.add_data(data)
    out = io.StringIO()
    code.print_ascii(out=out, invert=True)
    return out.getvalue()
