"""Judging an uploaded photo: its type by magic bytes (never the file name or the client's content type),
its integrity by a full decode, its size in bytes and pixels; then the cleaned bytes that are stored.

CPU-bound and pure; the service runs it in a worker thread.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image

from app.media import containers, errors, exif, heic

MIME_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "heic": "image/heic"}
EXTENSIONS = {"jpeg": "jpg", "png": "png", "webp": "webp", "heic": "heic"}
_PILLOW_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}


@dataclass(frozen=True, slots=True)
class CleanImage:
    data: bytes
    kind: str
    width: int | None
    height: int | None
    # Where the photo was taken (WGS-84) according to the EXIF that was removed; used only on consent.
    gps: tuple[float, float] | None

    @property
    def mime_type(self) -> str:
        return MIME_TYPES[self.kind]

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.kind]


def sniff(data: bytes) -> str | None:
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if heic.is_heic(data):
        return "heic"
    return None


def clean(data: bytes, *, max_bytes: int, max_pixels: int) -> CleanImage:
    if len(data) > max_bytes:
        raise errors.ImageTooLarge(f"照片不能超过 {max_bytes // (1024 * 1024)} MB", field="file")
    if not data:
        raise errors.BrokenImage("没有收到照片内容", field="file")
    kind = sniff(data)
    if kind is None:
        raise errors.unsupported()
    if kind == "heic":
        cleaned, (width, height) = heic.clean_heic(data)
        if width and height and width * height > max_pixels:
            raise errors.ImageTooLarge("照片分辨率过大", field="file")
        return CleanImage(cleaned.data, kind, width, height, exif.gps_of(cleaned.exif))
    walker = {"jpeg": containers.clean_jpeg, "png": containers.clean_png, "webp": containers.clean_webp}
    cleaned = walker[kind](data)
    width, height = _decode(cleaned.data, kind, max_pixels)
    return CleanImage(cleaned.data, kind, width, height, exif.gps_of(cleaned.exif))


def _decode(data: bytes, kind: str, max_pixels: int) -> tuple[int, int]:
    """Decode every pixel once (at 1/8 scale for JPEG, which still reads the whole bitstream)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[_PILLOW_FORMATS[kind]]) as img:
                width, height = img.size
                if width * height > max_pixels:
                    raise errors.ImageTooLarge("照片分辨率过大", field="file")
                if kind == "jpeg":
                    img.draft(img.mode, (max(1, width // 8), max(1, height // 8)))
                img.load()
    except errors.ImageTooLarge:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise errors.ImageTooLarge("照片分辨率过大", field="file") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        # Pillow says "truncated" for cut-short data; everything else is a broken file.
        raise (errors.truncated() if "runcat" in str(exc) else errors.corrupt()) from exc
    return width, height
