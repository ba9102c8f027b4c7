"""Terminal output of ``kneecoach analyze --test run|walk|skate`` (gait)."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from kneecoach.analyze import AnalysisResult
from kneecoach.cli.common import out


def _f(value: Any, digits: int = 1, unit: str = "") -> str:
    if value is None or isinstance(value, bool):
        return "—"
    return f"{value:.{digits}f}{unit}"


def print_gait(result: AnalysisResult, title: str) -> None:
    """A per-side table of the gait summary, the findings and the files."""
    s = result.summary
    gait = s.get("gait", {})
    table = Table(title=title, title_justify="left")
    for col in ("side", "steps", "FPPA", "peak", "pelvic drop", "width", "cross", "stance"):
        table.add_column(col)
    for side, v in s["sides"].items():
        share = v.get("crossover_share")
        table.add_row(
            side, str(v.get("n_steps", 0)), _f(v.get("mean_fppa_deg"), unit="°"),
            _f(v.get("peak_fppa_deg"), unit="°"), _f(v.get("mean_pelvic_drop_deg"), unit="°"),
            _f(v.get("mean_step_width"), 2), "—" if share is None else f"{share:.0%}",
            _f(v.get("mean_stance_time_s"), 3, " s"),
        )  # fmt: skip
    out.print(table)
    if gait.get("cadence_spm"):
        out.print(f"cadence {gait['cadence_spm']:.0f} steps/min over {gait['duration_s']:.0f} s")
    for f in s["findings"]:
        style = {"attention": "yellow", "refused": "red"}.get(f["severity"], "white")
        out.print(f"[{style}]•[/] {f['text']}")
    for note in result.notes:
        out.print(f"[cyan]note:[/] {note}")
    for w in result.track.quality.warnings:
        out.print(f"[yellow]warning:[/] {w}")
    for kind, path in result.files.items():
        out.print(f"  {kind:8} {path}")
    out.print(f"\nOpen the report: {result.files['report'].resolve()}")
