"""Reading the two EXIF facts we keep: where the photo was taken (if the villager lets us use it) and
which way up it is. Everything else in EXIF (device, owner, time, thumbnails) is thrown away."""

from __future__ import annotations

from typing import Any

from PIL import ExifTags, Image

# The only tag written back: without it a phone photo shows sideways.
ORIENTATION = 0x0112


def _load(raw: bytes | None) -> Image.Exif | None:
    if not raw:
        return None
    exif = Image.Exif()
    try:
        # Accepts both the JPEG/WebP form ("Exif\0\0" + TIFF) and a bare TIFF header (HEIC, PNG eXIf).
        exif.load(raw)
    except Exception:  # malformed EXIF is ignored, not fatal: the photo itself was already checked
        return None
    return exif


def _degrees(value: Any, ref: Any) -> float:
    d, m, s = (float(x) for x in value)
    result = d + m / 60 + s / 3600
    return -result if str(ref).upper() in ("S", "W") else result


def gps_of(raw: bytes | None) -> tuple[float, float] | None:
    """(lat, lng) in WGS-84, as phones record it, or None when absent or implausible."""
    exif = _load(raw)
    if exif is None:
        return None
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        lat = _degrees(gps[ExifTags.GPS.GPSLatitude], gps.get(ExifTags.GPS.GPSLatitudeRef))
        lng = _degrees(gps[ExifTags.GPS.GPSLongitude], gps.get(ExifTags.GPS.GPSLongitudeRef))
    except Exception:  # missing tags, zero denominators, odd types: no usable position
        return None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180) or (lat == 0 and lng == 0):
        return None
    return round(lat, 6), round(lng, 6)


def orientation_of(raw: bytes | None) -> int:
    exif = _load(raw)
    value = exif.get(ORIENTATION) if exif is not None else None
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def orientation_only(orientation: int) -> bytes:
    """A minimal EXIF block ("Exif\\0\\0" + TIFF) holding nothing but the orientation."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    return exif.tobytes()
