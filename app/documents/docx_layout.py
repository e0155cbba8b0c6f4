"""The layout of Chinese official documents (公文, GB/T 9704) with python-docx.

A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; the title centred in 小标宋 2号 (22 pt);
the body in 仿宋 3号 (16 pt) at an exact 28 pt line spacing, first lines indented two characters; the
document number (〔2026〕第12号) centred under the issuer; the issuing unit and date at the bottom
right. python-docx sets only the Latin font names: East Asian text follows w:rFonts/@w:eastAsia, which is
set here on every run and on the styles. The font table names a fallback (w:altName) for each font, so
a reader without 方正小标宋简体 sees 黑体.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from app.documents.typeface import BODY_FONT, FALLBACKS, HEADING_FONT, SUBHEADING_FONT, TITLE_FONT

BODY_PT = 16  # 3号
TITLE_PT = 22  # 2号
TABLE_PT = 12  # 小四
LINE_PT = 28
TEXT_WIDTH_MM = 210 - 28 - 26
_RED = RGBColor(0xC0, 0x00, 0x00)  # the issuer's header (红头)


def set_font(run: Run, name: str, size_pt: float, *, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size_pt)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _exact_spacing(paragraph: Paragraph, line_pt: float = LINE_PT) -> None:
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(line_pt)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)


def _add_fallbacks(document: DocumentObject) -> None:
    """w:altName entries in the font table: the font Word/WPS uses when the named one is missing."""
    for part in document.part.package.parts:
        if str(part.partname) != "/word/fontTable.xml":
            continue
        entries = "".join(
            f'<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/></w:font>'
            for name, alt in (*FALLBACKS.items(), (HEADING_FONT, "SimHei"))
        )
        blob = part.blob.decode("utf-8").replace("</w:fonts>", entries + "</w:fonts>")
        # Generic parts keep their bytes in `_blob`; python-docx has no public setter for them.
        part._blob = blob.encode("utf-8")


def new_document() -> DocumentObject:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal: Any = document.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(BODY_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    _add_fallbacks(document)
    return document


def title(document: DocumentObject, text: str) -> Paragraph:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _exact_spacing(paragraph, 35)
    paragraph.paragraph_format.space_after = Pt(LINE_PT)
    set_font(paragraph.add_run(text), TITLE_FONT, TITLE_PT)
    return paragraph


def issuer_line(document: DocumentObject, text: str) -> Paragraph:
    """The issuing unit's header above the document number (in 公文 red; here bold, centred)."""
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _exact_spacing(paragraph, 40)
    run = paragraph.add_run(text)
    set_font(run, TITLE_FONT, 26)
    run.font.color.rgb = _RED
    return paragraph


def doc_number(document: DocumentObject, number: str) -> Paragraph:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _exact_spacing(paragraph)
    paragraph.paragraph_format.space_after = Pt(LINE_PT)
    set_font(paragraph.add_run(number), BODY_FONT, BODY_PT)
    return paragraph


def heading(document: DocumentObject, text: str, *, level: int = 1) -> Paragraph:
    """一、 headings in 黑体, （一） headings in 楷体, both at 3号 with the body's indent."""
    paragraph = body(document, "")
    set_font(paragraph.add_run(text), HEADING_FONT if level == 1 else SUBHEADING_FONT, BODY_PT)
    return paragraph


def body(document: DocumentObject, text: str, *, indent: bool = True) -> Paragraph:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _exact_spacing(paragraph)
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
    if text:
        set_font(paragraph.add_run(text), BODY_FONT, BODY_PT)
    return paragraph


def addressee(document: DocumentObject, text: str) -> Paragraph:
    return body(document, f"{text}：", indent=False)


def table(document: DocumentObject, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> Any:
    grid = document.add_table(rows=1, cols=len(headers))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(grid.rows[0].cells, headers, strict=True):
        _cell_text(cell, str(text), bold=True)
    for row in rows:
        cells = grid.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            _cell_text(cell, "" if value is None else str(value))
    document.add_paragraph()
    return grid


def _cell_text(cell: Any, text: str, *, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(paragraph.add_run(text), HEADING_FONT if bold else BODY_FONT, TABLE_PT, bold=False)


def picture(document: DocumentObject, png: bytes, *, width_mm: float = TEXT_WIDTH_MM) -> Paragraph:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run().add_picture(io.BytesIO(png), width=Mm(width_mm))
    return paragraph


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def signature(document: DocumentObject, unit: str, day: date) -> None:
    """Issuing unit and date at the bottom right, the date four characters from the right margin."""
    document.add_paragraph()
    for text in (unit, chinese_date(day)):
        paragraph = body(document, "", indent=False)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.right_indent = Pt(BODY_PT * 4 if text != unit else BODY_PT * 2)
        set_font(paragraph.add_run(text), BODY_FONT, BODY_PT)


def to_bytes(document: DocumentObject) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
