"""HEIC (HEIF with HEVC): checked and cleaned at the container level.

Pillow cannot decode HEVC, so a HEIC photo is judged by its ISO-BMFF box structure: every box must fit
exactly (a cut-short upload or bytes appended after the last box are refused), the brand must be an
HEVC one, and `meta` and `mdat` must be there. Metadata items (EXIF, XMP) are zeroed in place, which keeps
every offset in `iloc` valid. Pure: bytes in, bytes out.
"""

from __future__ import annotations

from collections.abc import Iterator

from app.media import errors
from app.media.containers import Cleaned

HEVC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"})


def is_heic(data: bytes) -> bool:
    if len(data) < 16 or data[4:8] != b"ftyp":
        return False
    size = int.from_bytes(data[0:4], "big")
    brands = {data[8:12]} | {data[k : k + 4] for k in range(16, min(size, len(data), 64), 4)}
    return bool(brands & HEVC_BRANDS)


def _u(data: bytes | bytearray, at: int, size: int) -> int:
    if at + size > len(data):
        raise errors.truncated()
    return int.from_bytes(data[at : at + size], "big")


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, box end) for each box between start and end."""
    i = start
    while i < end:
        if i + 8 > end:
            raise errors.truncated()
        size, btype, header = _u(data, i, 4), data[i + 4 : i + 8], 8
        if size == 1:
            size, header = _u(data, i + 8, 8), 16
        elif size == 0:
            size = end - i
        if size < header or not btype.isascii():
            raise errors.corrupt()
        if i + size > end:
            raise errors.truncated()
        yield btype, i + header, i + size
        i += size


def _children(data: bytes, start: int, end: int) -> dict[bytes, tuple[int, int]]:
    return {t: (p, e) for t, p, e in _boxes(data, start, end)}


def _metadata_items(data: bytes, start: int, end: int) -> dict[int, bytes]:
    """item id → item type, for the items that carry metadata (EXIF, XMP)."""
    version = data[start]
    p = start + 4 + (2 if version == 0 else 4)
    found: dict[int, bytes] = {}
    for btype, q, box_end in _boxes(data, p, end):
        if btype != b"infe" or data[q] < 2:
            continue
        id_size = 2 if data[q] == 2 else 4
        item_id = _u(data, q + 4, id_size)
        item_type = data[q + 6 + id_size : q + 10 + id_size]
        rest = data[q + 10 + id_size : box_end].split(b"\x00")
        content_type = rest[1] if len(rest) > 1 else b""
        if item_type == b"Exif" or (item_type == b"mime" and b"xml" in content_type.lower()):
            found[item_id] = item_type
    return found


def _extents(data: bytes, start: int, idat_start: int | None) -> Iterator[tuple[int, int, int]]:
    """(item id, absolute offset, length) of every extent listed in `iloc`."""
    version = data[start]
    p = start + 4
    offset_size, length_size = data[p] >> 4, data[p] & 15
    base_size, index_size = data[p + 1] >> 4, (data[p + 1] & 15) if version in (1, 2) else 0
    p += 2
    id_size = 2 if version < 2 else 4
    count = _u(data, p, id_size)
    p += id_size
    for _ in range(count):
        item_id = _u(data, p, id_size)
        p += id_size
        method = 0
        if version in (1, 2):
            method = _u(data, p, 2) & 0xF
            p += 2
        p += 2  # data_reference_index
        base = _u(data, p, base_size) if base_size else 0
        p += base_size
        extent_count = _u(data, p, 2)
        p += 2
        for _ in range(extent_count):
            p += index_size
            offset = _u(data, p, offset_size) if offset_size else 0
            p += offset_size
            length = _u(data, p, length_size) if length_size else 0
            p += length_size
            origin = 0 if method == 0 else idat_start
            if origin is None or method > 1 or length == 0:
                raise errors.corrupt()
            yield item_id, origin + base + offset, length


def _largest_ispe(data: bytes, start: int, end: int) -> tuple[int | None, int | None]:
    ipco = _children(data, start, end).get(b"ipco")
    best: tuple[int | None, int | None] = (None, None)
    if ipco is None:
        return best
    for btype, q, _ in _boxes(data, *ipco):
        if btype == b"ispe":
            w, h = _u(data, q + 4, 4), _u(data, q + 8, 4)
            if best[0] is None or w * h > best[0] * (best[1] or 0):
                best = (w, h)
    return best


def clean_heic(data: bytes) -> tuple[Cleaned, tuple[int | None, int | None]]:
    if not is_heic(data):
        raise errors.unsupported()
    top = _children(data, 0, len(data))
    if b"meta" not in top or b"mdat" not in top:
        raise errors.corrupt()
    meta_start, meta_end = top[b"meta"]
    meta = _children(data, meta_start + 4, meta_end)
    if b"iloc" not in meta or b"iinf" not in meta:
        raise errors.corrupt()
    wanted = _metadata_items(data, *meta[b"iinf"])
    idat = meta.get(b"idat")
    out = bytearray(data)
    found_exif: bytes | None = None
    for item_id, offset, length in _extents(data, meta[b"iloc"][0], idat[0] if idat else None):
        if item_id not in wanted:
            continue
        if offset + length > len(data):
            raise errors.truncated()
        if wanted[item_id] == b"Exif" and found_exif is None and length > 4:
            # The item starts with a 4-byte offset to the TIFF header.
            skip = 4 + int.from_bytes(data[offset : offset + 4], "big")
            found_exif = bytes(data[offset + skip : offset + length]) or None
        out[offset : offset + length] = bytes(length)
    size = _largest_ispe(data, *meta[b"iprp"]) if b"iprp" in meta else (None, None)
    return Cleaned(bytes(out), found_exif), size
