"""The progress page as a PDF to send to a client or a clinician: a one-page summary first
(the headline, each test's first → latest change against its noise, pain, sessions done, and
the safety note), then the details (the charts, every comparison, the worst moments, training,
sources). Made from the same context as progress.html (``app.journal``), with fpdf2 as the
worksheet; the charts are the page's own PNGs.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from typing import Any

from fpdf import FPDF

from kneecoach.reports.worksheet import plain
from kneecoach.reports.worksheet_pdf import BODY_PT, HEADING_PT, MARGIN_MM, TITLE_PT, _fonts

COLUMNS = ("Measure", "Before", "After", "Change", "Detectable", "Verdict")
WIDTHS = (52, 22, 22, 22, 26, 42)
LEAD = 0.45


def _png(uri: str | None) -> io.BytesIO | None:
    """The PNG inside a ``data:image/png;base64,`` address (None: there is none)."""
    if not uri or "," not in uri:
        return None
    return io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))


class _Doc:
    def __init__(self, title: str, made: dt.date) -> None:
        self.pdf = FPDF(format="A4", unit="mm")
        self.pdf.set_creation_date(dt.datetime.combine(made, dt.time(0, 0), tzinfo=dt.UTC))
        self.pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        self.pdf.set_auto_page_break(auto=True, margin=MARGIN_MM)
        self.pdf.set_title(title)
        self.pdf.set_creator("kneecoach")
        _fonts(self.pdf)
        self.width = self.pdf.w - 2 * MARGIN_MM

    def text(self, line: str, *, size: float = BODY_PT, bold: bool = False) -> None:
        self.pdf.set_font("DejaVu", "B" if bold else "", size)
        self.pdf.multi_cell(self.width, size * LEAD, line, new_x="LMARGIN", new_y="NEXT")

    def heading(self, line: str) -> None:
        self.pdf.ln(2)
        self.text(line, size=HEADING_PT, bold=True)
        self.pdf.ln(1)

    def table(self, caption: str, rows: Sequence[Mapping[str, str]]) -> None:
        self.text(caption, bold=True)
        self.pdf.set_font("DejaVu", "", BODY_PT - 1)
        with self.pdf.table(col_widths=WIDTHS, text_align="LEFT", line_height=4.2) as table:
            table.row(COLUMNS)
            for r in rows:
                table.row((r["what"], r["before"], r["after"], r["change"], r["sdc"],
                           r["verdict"]))  # fmt: skip
        self.pdf.ln(1)

    def image(self, uri: str | None, *, height: float, caption: str = "") -> None:
        png = _png(uri)
        if png is None:
            return
        if self.pdf.get_y() + height > self.pdf.h - MARGIN_MM:
            self.pdf.add_page()
        self.pdf.image(png, w=self.width, h=height, keep_aspect_ratio=True)
        if caption:
            self.text(caption, size=BODY_PT - 1.5)
        self.pdf.ln(1)


def progress_pdf(context: Mapping[str, Any], made: dt.date, /) -> bytes:
    """The PDF of a progress page's ``context`` (as :meth:`Journal.write_progress_report`
    builds it), made on ``made``: page one a summary, then the details."""
    doc = _Doc(f"kneecoach progress: {context['person']}", made)
    _summary(doc, context)
    _details(doc, context)
    return bytes(doc.pdf.output())


def _summary(doc: _Doc, context: Mapping[str, Any]) -> None:
    """Page one: the headline, each test's first → latest against its noise, pain, sessions."""
    doc.pdf.add_page()
    doc.text(f"Progress: {context['person']}", size=TITLE_PT, bold=True)
    sessions = context["n_sessions"]
    doc.text(f"{context['period']} · {context['n_assessments']} assessments · "
             f"{sessions} session{'' if sessions == 1 else 's'} logged · made "
             f"{context['generated']}")  # fmt: skip
    doc.pdf.ln(3)
    doc.text(plain(context["sentence"]), size=HEADING_PT, bold=True)
    doc.pdf.ln(2)
    if context.get("chosen"):
        chosen = context["chosen"]
        doc.table(f"The two you chose: {chosen['title']}", chosen["rows"])
    for t in context["tests"]:
        if t["comparisons"]:
            first = t["comparisons"][0]
            doc.table(f"{t['label']}: {first['title']}", first["rows"])
    if not context["tests"]:
        doc.text("No assessment stored yet.")
    doc.heading("Pain and training")
    doc.image(context.get("pain_chart"), height=48)
    if context.get("programme"):
        doc.text(plain(context["programme"]))
    doc.text(plain(context["adherence"]["text"]))
    doc.pdf.ln(2)
    doc.text(plain(context["disclaimer"]), size=BODY_PT - 1)


def _details(doc: _Doc, context: Mapping[str, Any]) -> None:
    """The charts, every comparison, the worst moments, training and the sources."""
    doc.pdf.add_page()
    doc.text("Details", size=TITLE_PT, bold=True)
    for t in context["tests"]:
        doc.heading(t["label"])
        if t["chart"]:
            doc.image(t["chart"], height=62, caption="Each big dot is the worst rep of one "
                      f"assessment; the band is the first assessment ± {t['sdc']}: a later "
                      "value inside it is within the noise of re-filming.")  # fmt: skip
        else:
            doc.text("No knee angle (FPPA) is read in this test: it is not valid at the depth "
                     "of a squat. The knee is judged against its foot: see the table.")  # fmt: skip
        for c in t["comparisons"][1:]:
            doc.table(c["title"], c["rows"])
        for w in t["worst"]:
            doc.image(w["uri"], height=70, caption=f"Worst moment, {w['caption']}")
    trained, sense = context.get("trained") or [], context.get("sense_tests") or []
    chart = context["adherence"].get("chart")
    if chart or trained or sense:
        doc.heading("Training")
    doc.image(chart, height=45, caption="Per week: sessions planned and done.")
    for row in trained:
        doc.text(f"{row['day']}, {row['exercise']}: {row['reps']}; knee inside at worst left "
                 f"{row['inside_left']}, right {row['inside_right']}; in line "
                 f"{row['in_line']} of the time")  # fmt: skip
    for s in sense:
        doc.text(f"{s['day']}, {s['label']}: {plain(s['text'])}")
    doc.heading("Sources")
    for line in context["sources"]:
        doc.text(f"• {line}", size=BODY_PT - 1)
