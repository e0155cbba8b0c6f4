"""WeChat's limits on template values, by field type, and the cutting that keeps a send clear of 47003.

A field's type is its key's prefix, as in WeChat's own templates (`thing2` is a thing, `time4` a time).
Limits (subscribe messages; Official Account template messages also cap every value at 20 characters
and refuse line breaks since 2023-05-04):

    thing ≤ 20 chars · number ≤ 32 digits · letter ≤ 32 letters · symbol ≤ 5 · character_string ≤ 32
    (digits, letters, symbols) · phone_number ≤ 17 · car_number ≤ 8 · name ≤ 10 CJK or 20 letters ·
    phrase ≤ 5 Chinese characters only · amount: one currency symbol + ≤ 10 digits · time/date like
    `2026年12月3日 15:01`, in the county's zone (Asia/Shanghai).

Pure functions; no I/O.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

TYPES = frozenset(
    {
        "thing",
        "number",
        "letter",
        "symbol",
        "character_string",
        "phone_number",
        "car_number",
        "name",
        "phrase",
        "amount",
        "time",
        "date",
    }
)
LIMITS = {
    "thing": 20,
    "number": 32,
    "letter": 32,
    "symbol": 5,
    "character_string": 32,
    "phone_number": 17,
    "car_number": 8,
    "phrase": 5,
}
OA_VALUE_LIMIT = 20
ELLIPSIS = "…"
# WeChat may refuse an empty value; these stand in for "nothing to say" in each type's alphabet.
PLACEHOLDERS = {
    "thing": "无",
    "name": "无",
    "phrase": "无",
    "number": "0",
    "amount": "¥0",
    "letter": "N",
    "symbol": "-",
    "character_string": "-",
    "phone_number": "-",
    "car_number": "-",
}

_KEY = re.compile(r"([a-z_]+?)(\d+)")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_SPACES = re.compile(r"\s+")
_NOT_ASCII_VISIBLE = re.compile(r"[^\x21-\x7e]")
_AMOUNT = re.compile(r"(\d+)(?:\.(\d+))?")


def field_type(key: str, declared: str | None = None) -> str:
    if declared in TYPES:
        return declared
    match = _KEY.fullmatch(key)
    kind = match.group(1) if match else key
    return kind if kind in TYPES else "thing"


def one_line(text: str) -> str:
    return _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()


def _when(value: object, tz: ZoneInfo) -> datetime | date | None:
    if isinstance(value, datetime | date):
        parsed: datetime | date = value
    elif isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    if isinstance(parsed, datetime):
        if parsed.tzinfo is None:
            return None  # a naive time has no meaning here; never guess its zone
        return parsed.astimezone(tz)
    return parsed


def _time(value: object, tz: ZoneInfo, with_clock: bool) -> str:
    when = _when(value, tz)
    if when is None:
        return ""
    text = f"{when.year}年{when.month}月{when.day}日"
    if with_clock and isinstance(when, datetime):
        text += f" {when.hour:02d}:{when.minute:02d}"
    return text


def _thing(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def _number(text: str) -> str:
    whole, dot, rest = re.sub(r"[^0-9.]", "", text).partition(".")
    digits = whole + (dot + rest.replace(".", "") if rest else "")
    return digits[: LIMITS["number"]].rstrip(".")


def _amount(text: str) -> str:
    match = _AMOUNT.search(text.replace(",", ""))
    if match is None:
        return ""
    whole, cents = match.group(1).lstrip("0") or "0", (match.group(2) or "")[:2]
    if len(whole) > 10:
        whole, cents = "9" * 10, ""
    cents = cents[: max(0, 10 - len(whole))]
    return "¥" + whole + (f".{cents}" if cents else "")


def cut(
    value: object, type_: str, *, tz: ZoneInfo, oa: bool = False, fallback_time: datetime | None = None
) -> str:
    """`value` made acceptable for a field of `type_` (never empty, never over the limit).

    A time or date that is missing or naive becomes `fallback_time` (when the notification was written).
    """
    if type_ in ("time", "date"):
        clock = type_ == "time"
        text = _time(value, tz, with_clock=clock) or _time(fallback_time, tz, with_clock=clock)
        return text or "-"
    text = one_line("" if value is None else str(value))
    if type_ == "phrase":
        text = "".join(_CJK.findall(text))[: LIMITS["phrase"]]
    elif type_ == "name":
        text = text[: 10 if _CJK.search(text) else 20]
    elif type_ == "character_string":
        text = _NOT_ASCII_VISIBLE.sub("", text)[: LIMITS["character_string"]]
    elif type_ == "number":
        text = _number(text)
    elif type_ == "letter":
        text = re.sub(r"[^A-Za-z]", "", text)[: LIMITS["letter"]]
    elif type_ == "symbol":
        text = "".join(c for c in text if not c.isalnum() and not c.isspace())[: LIMITS["symbol"]]
    elif type_ == "phone_number":
        text = re.sub(r"[^0-9+\-]", "", text)[: LIMITS["phone_number"]]
    elif type_ == "car_number":
        text = text.replace(" ", "")[: LIMITS["car_number"]]
    elif type_ == "amount":
        text = _amount(text)
    else:
        text = _thing(text, LIMITS["thing"])
    text = text or PLACEHOLDERS.get(type_, "-")
    if oa and len(text) > OA_VALUE_LIMIT:
        text = _thing(text, OA_VALUE_LIMIT) if type_ == "thing" else text[:OA_VALUE_LIMIT]
    return text
