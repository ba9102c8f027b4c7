"""worksheet.pdf with fpdf2 (pure Python), from the same pages as worksheet.html.

A4, DejaVu Sans (shipped with matplotlib, so every character prints), body
text 10 pt: readable at 100 %. Each session starts a new page and stays on it
(a long session is set more tightly, never smaller); the creation date is the
plan's start date, so the same plan gives the same file.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass

from fpdf import FPDF
from matplotlib import font_manager

from kneecoach.program.models import Programme
from kneecoach.reports.exercise_picture import exercise_png
from kneecoach.reports.worksheet import LOG_LINE, Item, Page

BODY_PT = 10.0
TITLE_PT = 16.0
HEADING_PT = 12.0
MARGIN_MM = 12.0
#: an exercise's picture beside its text: on a session page, and larger in the guide (4:3)
PICTURE_MM = 28.0
GUIDE_PICTURE_MM = 40.0


def _fonts(pdf: FPDF) -> None:
    regular = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    bold = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans", weight="bold"))
    pdf.add_font("DejaVu", "", regular)
    pdf.add_font("DejaVu", "B", bold)


#: line height per point of font size (mm): 0.45 is 1.27 em
LEADING = 0.45


@dataclass(frozen=True)
class _Layout:
    """How tightly a page is set: the first that keeps a session on one sheet is used."""

    #: "Sides: …" and "Cue: …" share one paragraph instead of two lines
    join_sides: bool = False
    leading: float = LEADING


#: from the most spacious to the tightest; the text stays 10 pt in every one
LAYOUTS = (_Layout(), _Layout(join_sides=True), _Layout(join_sides=True, leading=0.40))


def _new_pdf(plan: Programme) -> FPDF:
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(auto=True, margin=MARGIN_MM)
    pdf.set_creation_date(dt.datetime.combine(plan.start, dt.time(0, 0), tzinfo=dt.UTC))
    pdf.set_title("kneecoach worksheet")
    pdf.set_creator("kneecoach")
    _fonts(pdf)
    return pdf


def render_pdf(pages: list[Page], plan: Programme, /) -> bytes:
    """The worksheet as PDF bytes: one page per session, cover and guide around them.

    A session, re-test or maintenance page that would run onto a second sheet is
    set again more tightly (:data:`LAYOUTS`), tried first on a scratch document.
    """
    pdf = _new_pdf(plan)
    scratch = _new_pdf(plan)
    for page in pages:
        layout = LAYOUTS[0]
        if page.kind != "guide" and not _surely_fits(scratch, page):
            layout = next((lay for lay in LAYOUTS if _fits(scratch, page, lay)), LAYOUTS[-1])
        pdf.add_page()
        _page(pdf, page, layout)
    return bytes(pdf.output())


def _surely_fits(pdf: FPDF, page: Page) -> bool:
    """An upper bound of ``page``'s height in the first layout is under one sheet, so
    the scratch run of :func:`_fits` can be skipped (most pages): each text measured in
    bold, on the narrowest width any text gets, and wrapped as if every line lost the
    width of its longest word (no line of a word-wrapped text ends emptier than that)."""
    pictured = any(item.exercise for item in page.items)
    usable = pdf.epw - 3 - 2 * pdf.c_margin - (PICTURE_MM + 3 if pictured else 0)

    def height(texts: list[str], pt: float) -> float:
        pdf.set_font("DejaVu", "B", pt)
        lines = 0
        for t in filter(None, texts):
            longest = max(pdf.get_string_width(w) for w in t.split()) if t.split() else 0.0
            if longest >= usable:
                return math.inf  # a word longer than a line: let the scratch run decide
            lines += max(1, math.ceil(pdf.get_string_width(t) / (usable - longest)))
        return lines * pt * LEADING

    body = [page.subtitle, *page.paragraphs, *page.bullets]
    body += [line for _, lines in page.sections for line in lines]
    items = sum(
        max(height([item.title, f"Sides: {item.sides}", *item.lines, LOG_LINE], BODY_PT),
            PICTURE_MM * 0.75 + 1 if item.exercise else 0.0)
        for item in page.items
    )  # fmt: skip
    headings = [heading for heading, _ in page.sections]
    total = height([page.title], TITLE_PT) + height(headings, HEADING_PT) + height(body, BODY_PT)
    gaps = 2 + len(page.paragraphs) + 1.5 * len(page.sections) + 4 * len(page.items)
    return total + items + gaps < pdf.eph


def _fits(scratch: FPDF, page: Page, layout: _Layout) -> bool:
    """Whether ``page`` set with ``layout`` stays on one sheet."""
    before = scratch.page
    scratch.add_page()
    _page(scratch, page, layout)
    return scratch.page == before + 1


def _text(
    pdf: FPDF,
    text: str,
    *,
    size: float = BODY_PT,
    bold: bool = False,
    indent: float = 0,
    leading: float = LEADING,
) -> None:
    pdf.set_font("DejaVu", "B" if bold else "", size)
    pdf.set_x(MARGIN_MM + indent)
    pdf.multi_cell(pdf.epw - indent, size * leading, text, new_x="LMARGIN", new_y="NEXT")


def _page(pdf: FPDF, page: Page, layout: _Layout = LAYOUTS[0]) -> None:
    lead = layout.leading
    _text(pdf, page.title, size=TITLE_PT, bold=True, leading=lead)
    if page.subtitle:
        _text(pdf, page.subtitle, leading=lead)
    pdf.ln(2)
    for para in page.paragraphs:
        _text(pdf, para, leading=lead)
        pdf.ln(1)
    for heading, lines in page.sections:
        pdf.ln(1.5)
        _text(pdf, heading, size=HEADING_PT, bold=True, leading=lead)
        _bullets(pdf, lines, lead)
    for item in page.items:
        size = GUIDE_PICTURE_MM if page.kind == "guide" else PICTURE_MM
        _item(pdf, item, layout, log=page.kind == "session", picture_mm=size)
    _bullets(pdf, page.bullets, lead)


def _bullets(pdf: FPDF, bullets: list[str], leading: float) -> None:
    for b in bullets:
        _text(pdf, f"• {b}", indent=2, leading=leading)


def _lines(pdf: FPDF, text: str, indent: float, leading: float) -> int:
    pdf.set_font("DejaVu", "", BODY_PT)
    lines = pdf.multi_cell(pdf.epw - indent, BODY_PT * leading, text, dry_run=True, output="LINES")
    return len(lines) if isinstance(lines, list) else 1


def _item(pdf: FPDF, item: Item, layout: _Layout, *, log: bool, picture_mm: float) -> None:
    """One exercise, its picture at the left, kept together on one page (a new page when
    it would not fit)."""
    lead = layout.leading
    pic_w = picture_mm if item.exercise else 0.0
    pic_h = pic_w * 0.75
    left = pic_w + 3 if pic_w else 0.0
    lines = list(item.lines)
    sides = f"Sides: {item.sides}" if item.sides else ""
    if sides and layout.join_sides and lines:
        lines[0] = f"{sides}. {lines[0]}"
        sides = ""
    texts = [t for t in (item.title, sides, *lines, LOG_LINE if log else "") if t]
    line_mm = BODY_PT * lead
    room = pdf.page_break_trigger - pdf.get_y() - 3
    # a generous guess first (wide characters, 0.65 em); measure exactly only when it is close
    chars_per_line = (pdf.epw - 3 - left) / (BODY_PT * 0.3528 * 0.65)
    guess = max(sum(len(t) // int(chars_per_line) + 2 for t in texts) * line_mm, pic_h)
    if (
        guess > room
        and max(sum(_lines(pdf, t, 3 + left, lead) for t in texts) * line_mm, pic_h) > room
    ):
        pdf.add_page()
    pdf.ln(1.5)
    y = pdf.get_y()
    if item.exercise:
        png = exercise_png(item.exercise)
        pdf.image(io.BytesIO(png), x=MARGIN_MM, y=y + 0.5, w=pic_w, h=pic_h)
    _text(pdf, f"{item.title}   {item.dosage}", bold=True, indent=left, leading=lead)
    if sides:
        _text(pdf, sides, indent=left + 3, leading=lead)
    for line in lines:
        _text(pdf, line, indent=left + 3, leading=lead)
    if log:
        _text(pdf, LOG_LINE, indent=left + 3, leading=lead)
    if pdf.get_y() < y + pic_h + 1:
        pdf.set_y(y + pic_h + 1)
    if pdf.get_y() > y:
        pdf.set_draw_color(180, 180, 180)
        pdf.line(MARGIN_MM, pdf.get_y() + 0.8, MARGIN_MM + pdf.epw, pdf.get_y() + 0.8)
        pdf.ln(1)
