"""The CJK typeface shipped with the project, for charts; and the font names DOCX files ask for.

Charts never depend on system fonts: the shipped WenQuanYi Micro Hei (Apache-2.0) is registered with
matplotlib's font manager once and used by name. DOCX files name the fonts of Chinese official documents
(仿宋_GB2312, 方正小标宋简体, 黑体, 楷体_GB2312); a reader without them gets the listed fallbacks.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from matplotlib import font_manager

FONT_PATH = Path(__file__).parent / "fonts" / "wqy-microhei.ttc"

# DOCX font names (w:rFonts w:eastAsia) and what Word or WPS substitutes when one is not installed.
BODY_FONT = "仿宋_GB2312"  # 正文: 仿宋 3号
TITLE_FONT = "方正小标宋简体"  # 标题: 小标宋 2号
HEADING_FONT = "黑体"  # 一级标题
SUBHEADING_FONT = "楷体_GB2312"  # 二级标题
FALLBACKS = {BODY_FONT: "仿宋", TITLE_FONT: "黑体", SUBHEADING_FONT: "楷体"}


@cache
def chart_font() -> font_manager.FontProperties:
    """The shipped font as FontProperties (registered on first use; the family name is the font's own)."""
    font_manager.fontManager.addfont(str(FONT_PATH))
    name = font_manager.FontProperties(fname=str(FONT_PATH)).get_name()
    return font_manager.FontProperties(family=name)
