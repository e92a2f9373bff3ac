"""QR symbols: tiny 1-bit PNG data URIs for printed badges and certificates, inline SVG for pages.

A code (26 base32 characters) is all QR alphanumeric characters, so it encodes in
alphanumeric mode: version 2 at error correction M. One PNG pixel per module, drawn
without interpolation (CSS `image-rendering: pixelated`), prints with sharp edges at any
size, and badges with them rendered in about half the time of badges with SVG-path symbols.
"""

from __future__ import annotations

import base64
import re
import struct
import zlib

import qrcode
import qrcode.image.svg
from markupsafe import Markup, escape
from qrcode.constants import ERROR_CORRECT_M

QUIET_ZONE = 4  # modules of white around the symbol, as the standard asks
# Stands for a QR image in HTML until `with_qr_images` replaces it: choosing the best mask
# makes a symbol cost ~2 ms, so large batches make them in the rendering processes.
QR_PLACEHOLDER = "moim-qr:"
_PLACEHOLDER_RE = re.compile(re.escape(QR_PLACEHOLDER) + r"([0-9A-Z$%*+\-./:]{1,100})(?=\")")


def qr_matrix(data: str) -> tuple[int, list[list[bool]]]:
    """(version, modules including the quiet zone) for ``data`` at error correction M."""
    symbol = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE)
    symbol.add_data(data)
    symbol.make(fit=True)
    return symbol.version, symbol.get_matrix()


def _png_1bit(matrix: list[list[bool]]) -> bytes:
    """A grayscale 1-bit PNG of the matrix: dark modules black, light ones white."""
    size = len(matrix)
    rows = bytearray()
    for row in matrix:
        rows.append(0)  # filter type: none
        byte, bits = 0, 0
        for dark in row:
            byte = (byte << 1) | (0 if dark else 1)
            bits += 1
            if bits == 8:
                rows.append(byte)
                byte, bits = 0, 0
        if bits:
            rows.append((byte << (8 - bits)) & 0xFF)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def qr_png(data: str) -> bytes:
    return _png_1bit(qr_matrix(data)[1])


def qr_data_uri(data: str) -> str:
    return "data:image/png;base64," + base64.b64encode(qr_png(data)).decode("ascii")


def qr_placeholder(data: str) -> str:
    """An image URL standing for the QR code of ``data`` (QR alphanumeric characters only)."""
    return QR_PLACEHOLDER + data


def with_qr_images(html: str) -> str:
    """``html`` with every QR placeholder (inside a quoted attribute) replaced by its PNG data URI."""
    return _PLACEHOLDER_RE.sub(lambda m: qr_data_uri(m.group(1)), html)


def qr_svg(data: str, label: str, *, size: str = "12rem") -> Markup:
    """A QR code as inline SVG for a page (drawn on the server: no script, no third-party service).

    The SVG is the library's own markup (path data only); the accessible label is escaped."""
    symbol = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=2, image_factory=qrcode.image.svg.SvgPathImage)
    symbol.add_data(data)
    symbol.make(fit=True)
    svg = symbol.make_image().to_string(encoding="unicode")
    return Markup(
        svg.replace(
            "<svg ",
            f'<svg role="img" aria-label="{escape(label)}" style="width:{size};height:{size};background:#fff" ',
            1,
        )
    )
