"""Chat keywords: a whole message that asks for the guide, for progress, or to start over. Pure."""

from __future__ import annotations

import enum
import re


class Keyword(enum.StrEnum):
    help = "help"
    progress = "progress"
    new = "new"


_WORDS = {
    Keyword.help: ("帮助", "help", "?", "？", "菜单", "使用说明", "怎么用", "怎么反映", "你好", "您好"),
    Keyword.progress: ("进度", "查进度", "查询", "查询进度", "办理进度", "我的反映", "状态"),
    Keyword.new: ("新反映", "重新反映", "重新开始", "再反映"),
}
_LOOKUP = {word.lower(): keyword for keyword, words in _WORDS.items() for word in words}
# Spaces and trailing punctuation people add around a keyword ("进度？", " 帮助 ").
_TRIM = re.compile(r"^[\s，。！!、.]+|[\s，。！!、.？?]+$")


def classify(text: str) -> Keyword | None:
    """The keyword this whole message is, if any. A longer message is a description, never a keyword."""
    stripped = text.strip()
    if stripped in ("?", "？"):
        return Keyword.help
    return _LOOKUP.get(_TRIM.sub("", stripped).lower())


# Menu buttons (CLICK events) whose key names a keyword.
MENU_KEYS = {"help": Keyword.help, "progress": Keyword.progress, "new_report": Keyword.new}
