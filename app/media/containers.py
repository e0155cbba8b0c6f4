"""Lossless clean-up of JPEG, PNG and WebP files, walking their container structure.

Each walker keeps only what draws the picture (and its colour profile), drops metadata segments (EXIF,
XMP, IPTC, comments, text chunks) and anything after the image's end marker, and raises when the
structure is cut short or inconsistent. Re-encoding would also do it, but loses quality on evidence
photos and costs far more CPU; walking keeps the pixels bit for bit. Pure: bytes in, bytes out.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from app.media import errors, exif


@dataclass(frozen=True, slots=True)
class Cleaned:
    data: bytes
    # The EXIF block that was removed, for reading the position and orientation from it.
    exif: bytes | None


# JPEG markers kept: APP0 (JFIF), APP2 only for ICC profiles, APP14 (Adobe colour transform).
_JPEG_DROP = frozenset(range(0xE1, 0xF0)) - {0xEE} | {0xFE}


def clean_jpeg(data: bytes) -> Cleaned:
    if data[:2] != b"\xff\xd8":
        raise errors.unsupported()
    out: list[bytes] = [b"\xff\xd8"]
    found_exif: bytes | None = None
    n, i = len(data), 2
    while True:
        if i >= n:
            raise errors.truncated()
        if data[i] != 0xFF:
            raise errors.corrupt()
        while i < n and data[i] == 0xFF:  # fill bytes
            i += 1
        if i >= n:
            raise errors.truncated()
        marker = data[i]
        i += 1
        if marker == 0xD9:  # EOI: whatever follows (appended files, scripts) is not kept
            out.append(b"\xff\xd9")
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            out.append(bytes((0xFF, marker)))
            continue
        if i + 2 > n:
            raise errors.truncated()
        length = int.from_bytes(data[i : i + 2], "big")
        end = i + length
        if length < 2:
            raise errors.corrupt()
        if end > n:
            raise errors.truncated()
        payload = data[i + 2 : end]
        if marker == 0xE1 and payload.startswith(b"Exif\x00\x00") and found_exif is None:
            found_exif = payload
        icc = marker == 0xE2 and payload.startswith(b"ICC_PROFILE\x00")
        if marker not in _JPEG_DROP or icc:
            out.append(data[i - 2 : end])
        i = end
        if marker == 0xDA:  # start of scan: entropy-coded data runs to the next real marker
            j = i
            while True:
                j = data.find(b"\xff", j)
                if j < 0 or j + 1 >= n:
                    raise errors.truncated()
                follower = data[j + 1]
                if follower == 0x00 or 0xD0 <= follower <= 0xD7:
                    j += 2
                elif follower == 0xFF:
                    j += 1
                else:
                    break
            out.append(data[i:j])
            i = j
    orientation = exif.orientation_of(found_exif)
    if orientation != 1:
        # Keep which way up the photo is, and nothing else; placed after JFIF when there is one.
        block = exif.orientation_only(orientation)
        segment = b"\xff\xe1" + (len(block) + 2).to_bytes(2, "big") + block
        at = 2 if len(out) > 1 and out[1][:2] == b"\xff\xe0" else 1
        out.insert(at, segment)
    return Cleaned(b"".join(out), found_exif)


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_KEEP = frozenset(
    {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"pHYs"}
    | {b"bKGD", b"acTL", b"fcTL", b"fdAT"}
)


def clean_png(data: bytes) -> Cleaned:
    if not data.startswith(_PNG_SIGNATURE):
        raise errors.unsupported()
    out: list[bytes] = [_PNG_SIGNATURE]
    found_exif: bytes | None = None
    n, i, first = len(data), len(_PNG_SIGNATURE), True
    while True:
        if i + 8 > n:
            raise errors.truncated()
        length = int.from_bytes(data[i : i + 4], "big")
        ctype = data[i + 4 : i + 8]
        end = i + 12 + length
        if length > 0x7FFFFFFF or not ctype.isalpha() or (first and ctype != b"IHDR"):
            raise errors.corrupt()
        if end > n:
            raise errors.truncated()
        if zlib.crc32(data[i + 4 : i + 8 + length]) != int.from_bytes(data[end - 4 : end], "big"):
            raise errors.corrupt()
        if ctype == b"eXIf":
            found_exif = data[i + 8 : i + 8 + length]
        if ctype in _PNG_KEEP:
            out.append(data[i:end])
        i, first = end, False
        if ctype == b"IEND":
            return Cleaned(b"".join(out), found_exif)


_WEBP_DROP = frozenset({b"EXIF", b"XMP "})
_VP8X_METADATA_FLAGS = 0x08 | 0x04  # "has EXIF", "has XMP"


def clean_webp(data: bytes) -> Cleaned:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise errors.unsupported()
    total = 8 + int.from_bytes(data[4:8], "little")
    if total > len(data):
        raise errors.truncated()
    chunks: list[bytes] = []
    found_exif: bytes | None = None
    i = 12
    while i < total:
        if i + 8 > total:
            raise errors.truncated()
        fourcc = data[i : i + 4]
        size = int.from_bytes(data[i + 4 : i + 8], "little")
        end = i + 8 + size + (size & 1)
        if end > total:
            raise errors.truncated()
        if fourcc == b"EXIF":
            found_exif = data[i + 8 : i + 8 + size]
        if fourcc == b"VP8X" and size >= 10:
            flags = data[i + 8] & ~_VP8X_METADATA_FLAGS
            chunks.append(data[i : i + 8] + bytes((flags,)) + data[i + 9 : end])
        elif fourcc not in _WEBP_DROP:
            chunks.append(data[i:end])
        i = end
    if not chunks:
        raise errors.corrupt()
    body = b"WEBP" + b"".join(chunks)
    return Cleaned(b"RIFF" + len(body).to_bytes(4, "little") + body, found_exif)
