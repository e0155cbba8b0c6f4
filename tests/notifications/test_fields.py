"""Every field type is cut to WeChat's limit, so a send never fails with 47003 for length or alphabet."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from app.notifications.fields import cut, field_type
from tests.fakes.wechat_state import value_problem

TZ = ZoneInfo("Asia/Shanghai")
LONG = "村口路灯坏了三天，晚上很黑，老人小孩出门都不方便，希望尽快修好，谢谢！\n另外水沟也堵了"


def check(
    key: str,
    value: object,
    expected: str | None = None,
    *,
    oa: bool = False,
    written_at: datetime | None = None,
) -> str:
    text = cut(value, field_type(key), tz=TZ, oa=oa, fallback_time=written_at)
    assert value_problem(key, text, oa=oa) is None, (key, text)  # the fake's independent rules agree
    if expected is not None:
        assert text == expected
    return text


def test_thing_is_cut_to_20_characters_with_an_ellipsis_and_one_line():
    text = check("thing2", LONG)
    assert len(text) == 20 and text.endswith("…") and "\n" not in text
    assert check("thing2", "  路灯\r\n坏了  ") == "路灯 坏了"


def test_phrase_keeps_only_chinese_and_at_most_5():
    assert check("phrase3", "已受理") == "已受理"
    assert check("phrase3", "已受理(重办)ABC处理中") == "已受理重办"


def test_character_string_keeps_32_visible_ascii_characters():
    assert check("character_string1", "SP20261203-00017") == "SP20261203-00017"
    text = check("character_string1", "编号 SP20261203-00017 " + "X" * 40)
    assert len(text) == 32 and text.startswith("SP20261203-00017")


def test_number_keeps_32_digits():
    assert check("number3", "共 12 件") == "12"
    assert len(check("number3", "9" * 40)) == 32
    assert check("number3", "3.5.1") == "3.51"


def test_letter_keeps_32_letters():
    assert check("letter4", "abc 123 DEF") == "abcDEF"
    assert len(check("letter4", "a" * 50)) == 32


def test_symbol_keeps_5_symbols():
    assert check("symbol5", "a+b-c*d/e=f%") == "+-*/="


def test_phone_number_keeps_17_phone_characters():
    assert check("phone_number6", "电话：138 0013 8000") == "13800138000"
    assert len(check("phone_number6", "+86-" + "1" * 30)) == 17


def test_car_number_keeps_8_characters():
    assert check("car_number7", "川Y 12345 6789") == "川Y123456"


def test_name_allows_10_chinese_or_20_latin_characters():
    assert check("name8", "欧阳" * 8) == "欧阳" * 5
    assert check("name8", "Alexandra Konstantinopolous") == "Alexandra Konstantin"


def test_amount_is_a_currency_symbol_and_at_most_10_digits():
    assert check("amount9", "84495元") == "¥84495"
    assert check("amount9", "43.005") == "¥43.00"
    assert check("amount9", "123456789012") == "¥9999999999"


def test_time_and_date_are_written_in_asia_shanghai():
    at = datetime(2026, 12, 3, 7, 1, tzinfo=UTC)
    assert check("time4", at) == "2026年12月3日 15:01"
    assert check("time4", at.isoformat()) == "2026年12月3日 15:01"
    assert check("date3", datetime(2026, 12, 3, 17, 0, tzinfo=UTC)) == "2026年12月4日"
    # naive or missing: never guess a zone; say when the notification was written instead
    written = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    assert check("time4", "2026-12-03T07:01:00", written_at=written) == "2026年12月3日 10:00"
    assert check("date3", None, written_at=written) == "2026年12月3日"


def test_official_account_values_are_at_most_20_characters_whatever_the_type():
    assert len(check("character_string1", "X" * 40, oa=True)) == 20
    assert len(check("thing2", LONG, oa=True)) == 20


@pytest.mark.parametrize("key", ["thing1", "phrase2", "character_string3", "number4", "name5", "amount6"])
def test_empty_values_get_a_placeholder_never_an_empty_string(key):
    assert check(key, None)
    assert check(key, "   \n ")


def test_unknown_key_types_are_treated_as_thing():
    assert field_type("keyword1") == "thing"
    assert field_type("thing12") == "thing" and field_type("character_string10") == "character_string"
    assert field_type("first", "phrase") == "phrase"
