"""The documents people download: DOCX reopened with python-docx (layout, title, document number, table
values against the stored figures, embedded charts), XLSX reopened with openpyxl, and the charts' CJK
font (the shipped file, no missing glyphs)."""

from __future__ import annotations

import io
import warnings
import zipfile
from datetime import datetime

import pytest
from docx import Document
from docx.oxml.ns import qn
from matplotlib import font_manager
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from app.analysis import cycle
from app.analysis.models import HealthReport, PeriodReport, ReminderLetter, ReportKind
from app.analysis.periods import parse_period
from app.audit.service import Actor
from app.documents import charts, render
from app.documents.indicator_labels import SHOWN, label, shown
from app.documents.typeface import BODY_FONT, FONT_PATH, TITLE_FONT, chart_font
from app.http.deps import get_now
from tests import factories
from tests.analysis.county import MONTHLY_SLOT, TZ, GenCounty, overdue_key_item

P = "/api/v1/period-reports"


async def _monthly(session, settings) -> PeriodReport:
    report, _ = await cycle.run_period(
        session,
        kind=ReportKind.monthly,
        period=parse_period("2026-11"),
        settings=settings,
        actor=Actor.system("t"),
        now=MONTHLY_SLOT,
        with_units=True,
    )
    assert report is not None
    return report


def _texts(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.text.strip()]


def _table_map(table) -> dict[str, list[str]]:
    return {row.cells[0].text: [c.text for c in row.cells[1:]] for row in table.rows[1:]}


def _east_asia_fonts(document) -> set[str]:
    return {
        r._element.rPr.rFonts.get(qn("w:eastAsia"))
        for p in document.paragraphs
        for r in p.runs
        if r._element.rPr is not None and r._element.rPr.rFonts is not None
    }


async def test_the_period_report_docx_has_the_official_layout_figures_and_charts(
    session, client, settings, county: GenCounty
):
    report = await _monthly(session, settings)
    headers = await factories.staff_token(client, county.sup_county)
    res = await client.get(f"{P}/{report.id}.docx", headers=headers)
    assert res.status_code == 200 and res.headers["content-type"] == render.DOCX
    document = Document(io.BytesIO(res.content))

    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4, in twips
    assert [
        round(m.mm)
        for m in (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    ] == [
        37,
        35,
        28,
        26,
    ]
    texts = _texts(document)
    assert texts[0] == "2026年11月月度分析排名" and texts[1] == "（第1版）"
    title_run = document.paragraphs[0].runs[0]
    assert title_run.font.size.pt == 22 and title_run._element.rPr.rFonts.get(qn("w:eastAsia")) == TITLE_FONT
    assert BODY_FONT in _east_asia_fonts(document)
    body = next(p for p in document.paragraphs if p.text.startswith("2026年11月，全县"))
    assert body.paragraph_format.line_spacing.pt == 28 and body.runs[0].font.size.pt == 16
    assert texts[-2:] == ["平昌县综治中心", "2026年12月1日"]

    county_table = _table_map(document.tables[0])
    stored = report.analysis["current"]["county"]
    assert [county_table[label(n)][0] for n in SHOWN] == [shown(n, stored[n]) for n in SHOWN]
    assert county_table["收到反映"][0] == str(stored["received"])
    # Rankings: the village table lists every village in the stored order with its stored rate.
    villages = report.analysis["current"]["rankings"]["village"]
    village_table = next(t for t in document.tables if t.rows[1].cells[1].text == villages[0]["unit_name"])
    assert [row.cells[1].text for row in village_table.rows[1:]] == [v["unit_name"] for v in villages]
    assert [row.cells[2].text for row in village_table.rows[1:]] == [
        shown("on_time_rate", v["on_time_rate"]) for v in villages
    ]

    # Charts: trend, categories, and the town / village / department rankings, as PNG pictures.
    assert len(document.inline_shapes) == 5
    with zipfile.ZipFile(io.BytesIO(res.content)) as z:
        media = [n for n in z.namelist() if n.startswith("word/media/")]
        assert len(media) == 5 and all(n.endswith(".png") for n in media)
        font_table = z.read("word/fontTable.xml").decode()
    assert f'w:name="{TITLE_FONT}"' in font_table and 'w:altName w:val="黑体"' in font_table


async def test_the_period_report_xlsx_matches_the_stored_figures(
    session, client, settings, county: GenCounty
):
    report = await _monthly(session, settings)
    headers = await factories.staff_token(client, county.sup_county)
    res = await client.get(f"{P}/{report.id}.xlsx", headers=headers)
    assert res.status_code == 200 and res.headers["content-type"] == render.XLSX
    workbook = load_workbook(io.BytesIO(res.content))
    summary = workbook["全县汇总"]
    rows = {r[0]: r[1:] for r in summary.iter_rows(min_row=4, values_only=True)}
    stored, before = report.analysis["current"]["county"], report.analysis["previous"]["county"]
    for name in SHOWN:
        assert rows[label(name)] == (stored[name], before[name]), name
    villages = workbook["村(社区)"]
    header = [c.value for c in villages[1]]
    by_id = {r[0]: dict(zip(header, r, strict=True)) for r in villages.iter_rows(min_row=2, values_only=True)}
    ranks = {r["unit_id"]: r["rank"] for r in report.analysis["current"]["rankings"]["village"]}
    for unit in report.analysis["current"]["units"]["village"]:
        row = by_id[unit["unit_id"]]
        assert row["收到反映"] == unit["received"] and row["按时办结率"] == unit["on_time_rate"]
        assert row["排名"] == ranks[unit["unit_id"]]
    assert villages.cell(row=2, column=header.index("按时办结率") + 1).number_format == "0.0%"
    trend = [r for r in workbook["每周趋势"].iter_rows(min_row=2, values_only=True)]
    assert sum(r[3] for r in trend) == stored["received"]


async def test_a_town_supervisor_reads_the_county_figures_and_only_their_towns_units(
    session, client, settings, county: GenCounty
):
    report = await _monthly(session, settings)
    town = county.towns[1]
    headers = await factories.staff_token(client, county.sup_town[town.id])
    data = (await client.get(f"{P}/{report.id}", headers=headers)).json()["analysis"]
    assert data["current"]["county"] == report.analysis["current"]["county"]
    mine = {v.id for v in county.villages if v.parent_id == town.id}
    assert {u["unit_id"] for u in data["current"]["units"]["village"]} == mine
    assert {u["unit_id"] for u in data["current"]["units"]["town"]} == {town.id}
    assert {u["unit_id"] for u in data["current"]["units"]["department"]} == {county.departments[1].id}
    assert len(data["current"]["rankings"]["town"]) == 2  # the county's town ranking stays whole
    workbook = load_workbook(io.BytesIO((await client.get(f"{P}/{report.id}.xlsx", headers=headers)).content))
    assert {r[0] for r in workbook["村(社区)"].iter_rows(min_row=2, values_only=True)} == mine


async def test_regenerating_a_period_from_the_console(app, session, client, settings, county: GenCounty):
    headers = await factories.staff_token(client, county.sup_county)
    town_headers = await factories.staff_token(client, county.sup_town[county.towns[0].id])
    # Which periods have ended is the console's now: December 2026's first day, not the machine's
    # (set after signing in: a token issued then would be past its expiry by the machine's clock).
    app.dependency_overrides[get_now] = lambda: MONTHLY_SLOT
    first = await client.post(P, headers=headers, json={"kind": "monthly", "period": "2026-11"})
    assert first.status_code == 201, first.text
    assert first.json()["created"] is True and first.json()["report"]["version"] == 1
    again = await client.post(P, headers=headers, json={"kind": "monthly", "period": "2026-11"})
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["report"]["id"] == first.json()["report"]["id"]
    for bad, reason in (
        ({"kind": "monthly", "period": "2026-W48"}, "2026-11"),
        ({"kind": "monthly", "period": "2026-12"}, "已结束"),
        ({"kind": "weekly", "period": "2026-W99"}, "第99周"),
    ):
        res = await client.post(P, headers=headers, json=bad)
        assert res.status_code == 422 and reason in res.json()["detail"]["message"], res.text
    assert (
        await client.post(P, headers=town_headers, json={"kind": "monthly", "period": "2026-11"})
    ).status_code == 403
    listed = (await client.get(P, headers=headers, params={"kind": "monthly", "period": "2026-11"})).json()
    assert [(r["period_key"], r["version"], r["generated_by"]) for r in listed] == [("2026-11", 1, "staff")]


async def test_the_health_report_docx_shows_standing_figures_and_overdue_items(
    session, client, settings, county: GenCounty
):
    key_item = await overdue_key_item(session, county, now=MONTHLY_SLOT)
    await _monthly(session, settings)
    village = county.villages[1]
    row = await session.scalar(
        select(HealthReport).where(HealthReport.unit_kind == "village", HealthReport.unit_id == village.id)
    )
    assert row is not None
    headers = await factories.staff_token(client, county.secretary[village.id])
    res = await client.get(f"/api/v1/health-reports/{row.id}.docx", headers=headers)
    assert res.status_code == 200, res.text
    document = Document(io.BytesIO(res.content))
    texts = _texts(document)
    assert texts[0] == f"{village.name}2026年11月体检报告"
    assert f"（共{row.peers}个）中按时办结率排名第{row.rank}位" in texts[3]
    figures = _table_map(document.tables[0])
    assert [figures[label(n)][0] for n in SHOWN] == [shown(n, row.indicators[n]) for n in SHOWN]
    overdue = document.tables[1]
    assert [r.cells[1].text for r in overdue.rows[1:]] == [key_item.ledger_no]
    assert len(document.inline_shapes) == 1
    # Another village's secretary cannot read it.
    other = await factories.staff_token(client, county.secretary[county.villages[4].id])
    assert (await client.get(f"/api/v1/health-reports/{row.id}.docx", headers=other)).status_code == 404


async def test_the_letter_docx_carries_the_document_number_title_addressee_and_signature(
    session, client, settings, county: GenCounty
):
    await _monthly(session, settings)
    letter = await session.scalar(
        select(ReminderLetter).where(ReminderLetter.unit_id == county.bad_village.id)
    )
    assert letter is not None
    headers = await factories.staff_token(client, county.sup_county)
    draft = Document(
        io.BytesIO((await client.get(f"/api/v1/letters/{letter.id}.docx", headers=headers)).content)
    )
    assert _texts(draft)[1] == "（草稿，印发时编号）"
    issued = (await client.post(f"/api/v1/letters/{letter.id}/issue", headers=headers)).json()
    res = await client.get(f"/api/v1/letters/{letter.id}.docx", headers=headers)
    document = Document(io.BytesIO(res.content))
    texts = _texts(document)
    assert texts[:4] == ["平昌县综治中心", issued["doc_no"], letter.title, f"{county.bad_village.name}："]
    assert texts[4].startswith("经平昌县综治中心对2026年11月")
    issued_on = datetime.fromisoformat(issued["issued_at"]).astimezone(TZ).date()
    assert texts[-1] == f"{issued_on.year}年{issued_on.month}月{issued_on.day}日"
    assert document.paragraphs[-1].alignment == 2  # right
    assert _east_asia_fonts(document) >= {BODY_FONT, TITLE_FONT}


def test_charts_use_the_shipped_font_and_render_chinese_without_missing_glyphs():
    font = chart_font()
    assert str(font_manager.findfont(font, fallback_to_default=False)) == str(FONT_PATH)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" would raise here
        pngs = [
            charts.trend_chart(
                "每周受理与办结",
                ["11月2日—11月8日", "11月9日—11月15日"],
                {"收到反映": [3, 5], "已办结": [2, 4]},
            ),
            charts.category_chart("各类别反映件数", ["公用设施", "邻里纠纷"], [7, 2]),
            charts.ranking_chart("村(社区)按时办结率排名", ["石垭村", "白衣社区"], [0.9, None]),
        ]
    for png in pngs:
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG" and image.width == int(7.2 * charts.DPI)


@pytest.mark.parametrize("name", ["trend", "category", "ranking"])
def test_chart_text_is_drawn_in_the_shipped_family(name):
    from matplotlib.figure import Figure

    seen: list[str] = []
    original = Figure.savefig

    def spy(self, *args, **kwargs):
        for text in self.findobj(lambda o: hasattr(o, "get_fontproperties") and hasattr(o, "get_text")):
            if text.get_text() and text.get_visible():
                seen.append(str(font_manager.findfont(text.get_fontproperties(), fallback_to_default=False)))
        return original(self, *args, **kwargs)

    Figure.savefig = spy  # type: ignore[method-assign]
    try:
        {
            "trend": lambda: charts.trend_chart("趋势", ["第一周", "第二周"], {"收到反映": [1, 2]}),
            "category": lambda: charts.category_chart("类别", ["公用设施"], [1]),
            "ranking": lambda: charts.ranking_chart("排名", ["石垭村"], [0.5]),
        }[name]()
    finally:
        Figure.savefig = original  # type: ignore[method-assign]
    assert seen and set(seen) == {str(FONT_PATH)}
