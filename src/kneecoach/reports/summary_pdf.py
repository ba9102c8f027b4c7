"""An analysis as a PDF to send to a client or a clinician: a one-page summary first
(the numbers per side, the findings in plain words, the worst moment), then the method and
the sources. Made from the assessment (summary.json) and its pictures; fpdf2, as the
worksheet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF

from kneecoach.assessment.model import Assessment
from kneecoach.reports.numbers import fmt
from kneecoach.reports.worksheet import plain
from kneecoach.reports.worksheet_pdf import BODY_PT, HEADING_PT, MARGIN_MM, TITLE_PT, _fonts

#: The summary table's columns.
COLUMNS = ("Side", "Working", "Reps", "Peak FPPA", "Mean FPPA", "Knee inside foot (peak)")


def _created(assessment: Assessment) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(assessment.created)
    except ValueError:
        return dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def analysis_pdf(assessment: Assessment, pictures: Sequence[Path] = (), /) -> bytes:
    """The PDF of ``assessment``; ``pictures``: its worst-moment PNGs, worst first."""
    a = assessment
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(auto=True, margin=MARGIN_MM)
    pdf.set_creation_date(_created(a))  # the same assessment gives the same file
    pdf.set_title(f"kneecoach: {a.test_label}")
    pdf.set_creator("kneecoach")
    _fonts(pdf)
    pdf.add_page()
    width = pdf.w - 2 * MARGIN_MM
    pdf.set_font("DejaVu", "B", TITLE_PT)
    pdf.multi_cell(width, TITLE_PT * 0.5, a.test_label, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", BODY_PT)
    when = _created(a)
    pdf.multi_cell(width, BODY_PT * 0.45, f"{when:%d %B %Y} · {a.view} view · "
                   f"{Path(a.source).name}", new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.ln(3)
    with pdf.table(col_widths=(14, 16, 12, 18, 18, 30), text_align="LEFT") as table:
        table.row(COLUMNS)
        for side, s in a.sides.items():
            table.row((side, "yes" if s.working else "no", str(len(s.reps) or len(s.steps)),
                       fmt(s.peak_fppa_deg, 1, "°"), fmt(s.mean_fppa_deg, 1, "°"),
                       fmt(s.peak_knee_over_foot_pct, 1, "%")))  # fmt: skip
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", HEADING_PT)
    pdf.cell(width, HEADING_PT * 0.5, "What it shows", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", BODY_PT)
    for f in a.findings:
        pdf.multi_cell(width, BODY_PT * 0.45, f"• {plain(f.text)}", new_x="LMARGIN",
                       new_y="NEXT")  # fmt: skip
    if pictures:
        pdf.ln(2)
        room = pdf.h - MARGIN_MM - pdf.get_y() - 12
        if room > 40:
            pdf.image(str(pictures[0]), h=min(room, 110), keep_aspect_ratio=True)
    pdf.ln(2)
    pdf.set_font("DejaVu", "", BODY_PT - 1)
    pdf.multi_cell(width, BODY_PT * 0.42, plain(a.disclaimer), new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()  # the method and the sources: for the clinician
    pdf.set_font("DejaVu", "B", HEADING_PT)
    pdf.cell(width, HEADING_PT * 0.5, "Method and sources", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", BODY_PT - 1)
    for line in [*a.method_notes, *a.sources]:
        pdf.multi_cell(width, BODY_PT * 0.42, f"• {line}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
