"""worksheet.pdf with fpdf2 (pure Python), from the same pages as worksheet.html.

A4, DejaVu Sans (shipped with matplotlib, so every character prints), body
text 10 pt: readable at 100 %. Each session starts a new page; the creation
date is the plan's start date, so the same plan gives the same file.
"""

from __future__ import annotations

import datetime as dt

from fpdf import FPDF
from matplotlib import font_manager

from kneecoach.program.models import Programme
from kneecoach.reports.worksheet import LOG_LINE, Item, Page

BODY_PT = 10.0
TITLE_PT = 16.0
HEADING_PT = 12.0
MARGIN_MM = 12.0


def _fonts(pdf: FPDF) -> None:
    regular = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    bold = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans", weight="bold"))
    pdf.add_font("DejaVu", "", regular)
    pdf.add_font("DejaVu", "B", bold)


def render_pdf(pages: list[Page], plan: Programme, /) -> bytes:
    """The worksheet as PDF bytes: one page per session, cover and guide around them."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(auto=True, margin=MARGIN_MM)
    pdf.set_creation_date(dt.datetime.combine(plan.start, dt.time(0, 0), tzinfo=dt.UTC))
    pdf.set_title("kneecoach worksheet")
    pdf.set_creator("kneecoach")
    _fonts(pdf)
    for page in pages:
        pdf.add_page()
        _page(pdf, page)
    return bytes(pdf.output())


def _text(
    pdf: FPDF, text: str, *, size: float = BODY_PT, bold: bool = False, indent: float = 0
) -> None:
    pdf.set_font("DejaVu", "B" if bold else "", size)
    pdf.set_x(MARGIN_MM + indent)
    pdf.multi_cell(pdf.epw - indent, size * 0.45, text, new_x="LMARGIN", new_y="NEXT")


def _page(pdf: FPDF, page: Page) -> None:
    _text(pdf, page.title, size=TITLE_PT, bold=True)
    if page.subtitle:
        _text(pdf, page.subtitle)
    pdf.ln(2)
    for para in page.paragraphs:
        _text(pdf, para)
        pdf.ln(1)
    for heading, lines in page.sections:
        pdf.ln(1.5)
        _text(pdf, heading, size=HEADING_PT, bold=True)
        _bullets(pdf, lines)
    for item in page.items:
        _item(pdf, item, log=page.kind == "session")
    _bullets(pdf, page.bullets)


def _bullets(pdf: FPDF, bullets: list[str]) -> None:
    for b in bullets:
        _text(pdf, f"• {b}", indent=2)


def _lines(pdf: FPDF, text: str, indent: float) -> int:
    pdf.set_font("DejaVu", "", BODY_PT)
    lines = pdf.multi_cell(pdf.epw - indent, BODY_PT * 0.45, text, dry_run=True, output="LINES")
    return len(lines) if isinstance(lines, list) else 1


def _item(pdf: FPDF, item: Item, *, log: bool) -> None:
    """One exercise, kept together on one page (a new page when it would not fit)."""
    texts = [t for t in (item.title, item.sides, *item.lines, LOG_LINE if log else "") if t]
    line_mm = BODY_PT * 0.45
    room = pdf.page_break_trigger - pdf.get_y() - 3
    # a generous guess first (wide characters, 0.65 em); measure exactly only when it is close
    chars_per_line = (pdf.epw - 3) / (BODY_PT * 0.3528 * 0.65)
    guess = sum(len(t) // int(chars_per_line) + 2 for t in texts) * line_mm
    if guess > room and sum(_lines(pdf, t, 3) for t in texts) * line_mm > room:
        pdf.add_page()
    pdf.ln(1.5)
    y = pdf.get_y()
    _text(pdf, f"{item.title}   {item.dosage}", bold=True)
    if item.sides:
        _text(pdf, f"Sides: {item.sides}", indent=3)
    for line in item.lines:
        _text(pdf, line, indent=3)
    if log:
        _text(pdf, LOG_LINE, indent=3)
    if pdf.get_y() > y:
        pdf.set_draw_color(180, 180, 180)
        pdf.line(MARGIN_MM, pdf.get_y() + 0.8, MARGIN_MM + pdf.epw, pdf.get_y() + 0.8)
        pdf.ln(1)
