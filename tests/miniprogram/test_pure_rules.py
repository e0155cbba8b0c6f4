"""Rules with no I/O: encryption at rest, signed links, distances across coordinate systems."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.exceptions import InvalidTag

from app.media import links
from app.villagers import crypto, nearby

SECRET = "a-test-secret-that-is-long-enough-0123456789"
NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


def test_encrypted_values_round_trip_and_cannot_be_moved_to_another_column():
    sealed = crypto.encrypt(SECRET, "13812345678", purpose="villager.phone")
    assert "13812345678" not in sealed
    assert crypto.decrypt(SECRET, sealed, purpose="villager.phone") == "13812345678"
    with pytest.raises(InvalidTag):
        crypto.decrypt(SECRET, sealed, purpose="villager.session_key")
    with pytest.raises(InvalidTag):
        crypto.decrypt("another-secret-entirely-0123456789abcdef", sealed, purpose="villager.phone")


def test_phone_numbers_are_shown_masked():
    assert crypto.mask_phone("13812345678") == "138****5678"


def test_a_signed_photo_link_works_until_it_expires_and_only_for_its_photo():
    expires, sig = links.sign(SECRET, 7, now=NOW, ttl=timedelta(minutes=30))
    assert links.verify(SECRET, 7, expires, sig, now=NOW + timedelta(minutes=29))
    assert not links.verify(SECRET, 8, expires, sig, now=NOW)
    assert not links.verify(SECRET, 7, expires + 3600, sig, now=NOW)
    assert not links.verify(SECRET, 7, expires, sig, now=NOW + timedelta(minutes=31))


def test_gps_and_gcj02_points_of_one_spot_are_compared_in_one_system():
    wgs = (31.56, 107.1)
    gcj = nearby.wgs84_to_gcj02(*wgs)
    # The raw offset is hundreds of metres in Sichuan, more than the 250 m search radius ...
    assert nearby.distance_m(wgs, gcj) > 250
    # ... and disappears once both are in GCJ-02.
    assert nearby.distance_m(nearby.as_gcj02(*wgs, "wgs84"), nearby.as_gcj02(*gcj, "gcj02")) < 1


def test_distance_is_in_metres():
    # 0.001 degrees of latitude is about 111 m.
    assert 110 < nearby.distance_m((31.0, 107.0), (31.001, 107.0)) < 112
