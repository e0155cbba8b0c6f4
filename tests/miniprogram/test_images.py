"""Photo judging and cleaning: pure functions, no database."""

from __future__ import annotations

import io
import zlib

import pytest
from PIL import Image

from app.media import errors, images
from tests.miniprogram import photos

MB = 1024 * 1024


def clean(data: bytes, *, max_bytes: int = 10 * MB) -> images.CleanImage:
    return images.clean(data, max_bytes=max_bytes, max_pixels=60_000_000)


@pytest.mark.parametrize(("fmt", "kind"), [("JPEG", "jpeg"), ("PNG", "png"), ("WEBP", "webp")])
def test_each_format_is_recognised_by_its_bytes_and_loses_its_exif_but_not_its_pixels(fmt, kind):
    original = photos.image(fmt)
    result = clean(original)
    assert result.kind == kind and (result.width, result.height) == (320, 240)
    assert result.gps == (photos.LAT, photos.LNG)
    assert photos.SECRET_MAKER.encode() not in result.data and b"taken by someone" not in result.data
    with Image.open(io.BytesIO(original)) as before, Image.open(io.BytesIO(result.data)) as after:
        assert after.getexif().get_ifd(0x8825) == {}
        assert after.convert("RGB").tobytes() == before.convert("RGB").tobytes()


def test_jpeg_keeps_only_its_orientation_so_phone_photos_stay_upright():
    with Image.open(io.BytesIO(clean(photos.image("JPEG")).data)) as img:
        assert dict(img.getexif()) == {0x0112: 6}


def test_heic_is_accepted_by_its_box_structure_and_its_exif_item_is_zeroed():
    original = photos.heic()
    result = clean(original)
    assert result.kind == "heic" and result.mime_type == "image/heic"
    assert (result.width, result.height) == (4032, 3024)
    assert photos.SECRET_MAKER.encode() in original and photos.SECRET_MAKER.encode() not in result.data
    assert len(result.data) == len(original)  # zeroed in place: every offset stays valid


def test_the_file_name_and_declared_type_do_not_matter_only_the_bytes():
    with pytest.raises(errors.UnsupportedImage):
        clean(b"GIF89a" + bytes(100))
    with pytest.raises(errors.UnsupportedImage):
        clean(b"%PDF-1.7 pretending to be photo.jpg")


def test_a_file_over_the_limit_is_refused_before_decoding():
    with pytest.raises(errors.ImageTooLarge):
        clean(photos.image("JPEG") + bytes(12 * MB))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_truncated_photo_is_refused(fmt):
    data = photos.image(fmt)
    with pytest.raises(errors.BrokenImage):
        clean(data[: len(data) * 2 // 3])


def test_a_truncated_heic_is_refused():
    data = photos.heic()
    with pytest.raises(errors.BrokenImage):
        clean(data[:-40])


def test_an_image_header_followed_by_a_script_is_refused():
    polyglot = (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00<?php system($_GET['c']); ?>"
    )
    with pytest.raises(errors.BrokenImage):
        clean(polyglot)
    png_polyglot = b"\x89PNG\r\n\x1a\n<script>alert(document.cookie)</script>"
    with pytest.raises(errors.BrokenImage):
        clean(png_polyglot)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_script_appended_after_a_valid_image_is_not_stored(fmt):
    result = clean(photos.image(fmt) + b"<script>alert(1)</script>")
    assert b"<script>" not in result.data


def test_bytes_after_the_last_heic_box_are_refused():
    with pytest.raises(errors.BrokenImage):
        clean(photos.heic() + b"<?php echo 1; ?>")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")


def test_a_decompression_bomb_is_refused_by_its_pixel_count_before_decoding():
    # A few hundred bytes that claim 90,000 x 90,000 pixels.
    header = (90_000).to_bytes(4, "big") * 2 + bytes((8, 2, 0, 0, 0))
    bomb = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(bytes(1000)))
    with pytest.raises(errors.ImageTooLarge):
        clean(bomb + _chunk(b"IEND", b""))


def test_the_same_photo_cleans_to_the_same_bytes_so_it_is_stored_once():
    data = photos.image("JPEG")
    assert clean(data).data == clean(data).data
