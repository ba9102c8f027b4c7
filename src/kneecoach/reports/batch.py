"""Tables over many analyses, for studies: one row per clip, one row per rep or step.

Pure functions of clips' assessments (``summary.json``, schema ``kneecoach.summary/1``,
see docs/summary-schema.md); the command line writes them as ``clips.csv`` and
``reps.csv`` beside the clips' own folders. Values are copied, never recomputed,
so a table cell always equals the number in that clip's summary.json and report.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TypeAlias

from kneecoach.assessment.model import Assessment
from kneecoach.core.files import replacing

#: Per-side summary fields copied into clips.csv as ``<field>_<side>``.
SIDE_FIELDS = (
    "working",
    "n_reps",
    "n_steps",
    "peak_fppa_deg",
    "mean_fppa_deg",
    "sd_fppa_deg",
    "mean_pelvic_drop_deg",
    "mean_hip_adduction_deg",
    "mean_kasr",
    "mean_knee_shift_pct",
    "classification",
    "peak_knee_over_foot_pct",
    "knee_over_foot_noise_pct",
    "knee_inward",
)
#: One value of a table: what summary.json holds in that place (None: an empty cell).
Cell: TypeAlias = str | int | float | bool | None
#: One row of clips.csv or reps.csv, by column.
Row: TypeAlias = dict[str, Cell]

CLIP_LEAD = ("source", "folder", "status", "message", "test", "test_label", "view", "fps")
REP_LEAD = ("source", "folder", "test", "view", "side", "kind", "index")


def clip_row(
    source: str, folder: str, status: str, message: str, assessment: Assessment | None
) -> Row:
    """One clips.csv row: how the analysis ended and each side's headline numbers.

    ``n_reps_<side>`` counts the reps found, complete or not (the side's rows in
    reps.csv); ``n_steps_<side>`` is summary.json's ``n_steps``, the complete steps
    the means are over (reps.csv also lists the incomplete ones).
    ``status`` is ``ok``, ``partial`` (some results kept, ``message`` says what
    is missing) or ``failed`` (nothing measured); ``assessment`` is the clip's
    summary.json, or ``None`` when none was written.
    """
    row: Row = {"source": source, "folder": folder, "status": status,
                "message": message}  # fmt: skip
    a = assessment
    if a is None:
        return row
    quality = a.quality
    row.update(test=a.test, test_label=a.test_label, view=a.view, fps=a.fps,
               detection_rate=quality.detection_rate,
               usable_for_frontal_measures=quality.usable_for_frontal_measures)  # fmt: skip
    for side, s in a.sides.items():
        for field in SIDE_FIELDS:
            if field == "n_reps":
                value: Cell = len(s.reps)
            elif field == "n_steps":  # gait: the count of complete steps
                value = s.n_steps if s.n_steps is not None else len(s.steps)
            elif field == "classification":
                value = s.classification.label
            else:
                value = getattr(s, field)
            row[f"{field}_{side}"] = value
    row["asymmetry_beyond_noise"] = a.asymmetry.beyond_noise if a.asymmetry else None
    # what a study reports beside the numbers: how the test was chosen, how much was
    # analysed, the quality warnings and the software that measured (added last, so
    # the columns above keep their places)
    row["test_detected"] = a.test_detected.evidence if a.test_detected else None
    row.update(frames=quality.frames, duration_s=quality.duration_s,
               quality_warnings="; ".join(quality.warnings), sex=a.sex,
               kneecoach_version=a.kneecoach_version, created=a.created)  # fmt: skip
    return row


def rep_rows(source: str, folder: str, assessment: Assessment) -> list[Row]:
    """reps.csv rows: every rep (movement tests) or step (gait) of both sides.

    Each row holds every field of the rep or step as summary.json has them (lists such
    as ``notes`` are joined with "; ").
    """
    rows = []
    for side, s in assessment.sides.items():
        for kind, items in (("rep", s.reps), ("step", s.steps)):
            for item in items:
                row: Row = {"source": source, "folder": folder, "test": assessment.test,
                            "view": assessment.view, "side": side, "kind": kind}  # fmt: skip
                for key, value in item.model_dump().items():
                    row[key] = "; ".join(map(str, value)) if isinstance(value, list) else value
                rows.append(row)
    return rows


def write_table(rows: Sequence[Mapping[str, Cell]], path: Path, lead: Iterable[str]) -> Path:
    """Write rows as CSV: the ``lead`` columns first, then every other key in first-seen order.

    Missing and null values are empty cells; booleans are ``true``/``false``.
    The table replaces ``path`` whole (:func:`kneecoach.core.files.replacing`).
    """
    columns = list(lead)
    for row in rows:
        columns += [k for k in row if k not in columns]
    with replacing(path) as part, part.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="raise")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(row.get(k)) for k in columns})
    return path


def _cell(value: Cell) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
