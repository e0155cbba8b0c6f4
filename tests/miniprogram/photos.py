"""Real photo files for the tests, made with Pillow (HEIC built box by box: Pillow cannot write it)."""

from __future__ import annotations

import io

from PIL import ExifTags, Image

# 石垭村 in 平昌县, roughly: where the test photos claim to have been taken.
LAT, LNG = 31.56, 107.1
SECRET_MAKER = "SecretPhone Model X"


def exif_block(*, orientation: int = 6, gps: bool = True) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = SECRET_MAKER
    if gps:
        exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (31.0, 33.0, 36.0), 3: "E", 4: (107.0, 6.0, 0.0)}
    return exif


def image(
    fmt: str = "JPEG", *, size: tuple[int, int] = (320, 240), color: int = 1, exif: bool = True
) -> bytes:
    img = Image.new("RGB", size, (color * 37 % 256, 120, 200))
    buf = io.BytesIO()
    kwargs: dict[str, object] = {"exif": exif_block()} if exif else {}
    if fmt == "JPEG":
        kwargs["comment"] = b"taken by someone"
    img.save(buf, fmt, **kwargs)
    return buf.getvalue()


def _box(kind: bytes, payload: bytes) -> bytes:
    return (8 + len(payload)).to_bytes(4, "big") + kind + payload


def _full(kind: bytes, version: int, payload: bytes) -> bytes:
    return _box(kind, bytes((version, 0, 0, 0)) + payload)


def heic(*, with_exif: bool = True) -> bytes:
    """A structurally valid HEIC: ftyp, meta (hdlr, iloc, iinf, iprp/ispe), mdat with an Exif item."""
    ftyp = _box(b"ftyp", b"heic" + bytes(4) + b"mif1heic")
    hdlr = _full(b"hdlr", 0, bytes(4) + b"pict" + bytes(12) + b"\x00")
    infe = [_full(b"infe", 2, (1).to_bytes(2, "big") + bytes(2) + b"hvc1\x00")]
    if with_exif:
        infe.append(_full(b"infe", 2, (2).to_bytes(2, "big") + bytes(2) + b"Exif\x00"))
    iinf = _full(b"iinf", 0, len(infe).to_bytes(2, "big") + b"".join(infe))
    ispe = _full(b"ispe", 0, (4032).to_bytes(4, "big") + (3024).to_bytes(4, "big"))
    iprp = _box(b"iprp", _box(b"ipco", ispe))
    picture = b"\x00\x00\x00\x20" + bytes(range(32)) * 8  # stands in for the HEVC bitstream
    exif_item = bytes(4) + exif_block(orientation=1).tobytes()[6:] if with_exif else b""

    def meta(picture_at: int, exif_at: int) -> bytes:
        items = [(1, picture_at, len(picture))] + ([(2, exif_at, len(exif_item))] if with_exif else [])
        body = b"".join(
            i.to_bytes(2, "big")
            + bytes(2)
            + (1).to_bytes(2, "big")
            + o.to_bytes(4, "big")
            + n.to_bytes(4, "big")
            for i, o, n in items
        )
        iloc = _full(b"iloc", 0, bytes((0x44, 0x00)) + len(items).to_bytes(2, "big") + body)
        return _full(b"meta", 0, hdlr + iloc + iinf + iprp)

    start = len(ftyp) + len(meta(0, 0)) + 8
    return ftyp + meta(start, start + len(picture)) + _box(b"mdat", picture + exif_item)
