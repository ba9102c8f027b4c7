"""Terminal output of ``kneecoach analyze --test run|walk|skate`` (gait)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from kneecoach.cli.common import out, print_outcome
from kneecoach.reports.numbers import fmt

if TYPE_CHECKING:
    from kneecoach.analyze import AnalysisResult


def print_gait(result: AnalysisResult, title: str) -> None:
    """A per-side table of the gait summary, then the findings and the files."""
    a = result.assessment
    if a is None:
        return
    table = Table(title=title, title_justify="left")
    for col in ("side", "steps", "FPPA", "peak", "pelvic drop", "width", "cross", "stance"):
        table.add_column(col)
    for side, v in a.sides.items():
        share = v.crossover_share
        table.add_row(
            side, str(v.n_steps or 0), fmt(v.mean_fppa_deg, unit="°"),
            fmt(v.peak_fppa_deg, unit="°"), fmt(v.mean_pelvic_drop_deg, unit="°"),
            fmt(v.mean_step_width, 2), "—" if share is None else f"{share:.0%}",
            fmt(v.mean_stance_time_s, 3, "s"),
        )  # fmt: skip
    out.print(table)
    if a.gait is not None and a.gait.cadence_spm:
        # the duration as the report gives it (one decimal): a 1.53 s clip is not "2 s"
        out.print(f"cadence {a.gait.cadence_spm:.0f} steps/min over {a.gait.duration_s:.1f} s")
    print_outcome(result)
