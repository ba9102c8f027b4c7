"""Tables over many analyses, for studies: one row per clip, one row per rep or step.

Pure functions of ``summary.json`` contents (schema ``kneecoach.summary/1``, see
docs/summary-schema.md); the command line writes them as ``clips.csv`` and
``reps.csv`` beside the clips' own folders. Values are copied, never recomputed,
so a table cell always equals the number in that clip's summary.json and report.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from kneecoach.core.schema import SIDES

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
CLIP_LEAD = ("source", "folder", "status", "message", "test", "test_label", "view", "fps")
REP_LEAD = ("source", "folder", "test", "view", "side", "kind", "index")


def clip_row(
    source: str, folder: str, status: str, message: str, summary: Mapping[str, Any] | None
) -> dict[str, Any]:
    """One clips.csv row: how the analysis ended and each side's headline numbers.

    ``n_reps_<side>`` counts the reps found, complete or not (the side's rows in
    reps.csv); ``n_steps_<side>`` is summary.json's ``n_steps``, the complete steps
    the means are over (reps.csv also lists the incomplete ones).
    ``status`` is ``ok``, ``partial`` (some results kept, ``message`` says what
    is missing) or ``failed`` (nothing measured); ``summary`` is the clip's
    summary.json, or ``None`` when none was written.
    """
    row: dict[str, Any] = {"source": source, "folder": folder, "status": status,
                           "message": message}  # fmt: skip
    if summary is None:
        return row
    row.update({k: summary.get(k) for k in CLIP_LEAD[4:]})
    quality = summary.get("quality") or {}
    row["detection_rate"] = quality.get("detection_rate")
    row["usable_for_frontal_measures"] = quality.get("usable_for_frontal_measures")
    for side in SIDES:
        s = (summary.get("sides") or {}).get(side) or {}
        for field in SIDE_FIELDS:
            if field == "n_reps":
                value: Any = len(s.get("reps") or [])
            elif field == "n_steps":  # gait: summary's count of complete steps
                value = s["n_steps"] if "n_steps" in s else len(s.get("steps") or [])
            elif field == "classification":
                value = (s.get("classification") or {}).get("label")
            else:
                value = s.get(field)
            row[f"{field}_{side}"] = value
    asymmetry = summary.get("asymmetry") or {}
    row["asymmetry_beyond_noise"] = asymmetry.get("beyond_noise")
    # what a study reports beside the numbers: how the test was chosen, how much was
    # analysed, the quality warnings and the software that measured (added last, so
    # the columns above keep their places)
    row["test_detected"] = (summary.get("test_detected") or {}).get("evidence")
    row["frames"] = quality.get("frames")
    row["duration_s"] = quality.get("duration_s")
    row["quality_warnings"] = "; ".join(map(str, quality.get("warnings") or []))
    row["sex"] = summary.get("sex")
    row["kneecoach_version"] = summary.get("kneecoach_version")
    row["created"] = summary.get("created")
    return row


def rep_rows(source: str, folder: str, summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    """reps.csv rows: every rep (movement tests) or step (gait) of both sides.

    Each row holds the rep's or step's own scalar fields as summary.json has them
    (lists such as ``notes`` are joined with "; ").
    """
    rows = []
    for side in SIDES:
        s = (summary.get("sides") or {}).get(side) or {}
        for kind, items in (("rep", s.get("reps") or []), ("step", s.get("steps") or [])):
            for item in items:
                row: dict[str, Any] = {"source": source, "folder": folder,
                                       "test": summary.get("test"), "view": summary.get("view"),
                                       "side": side, "kind": kind}  # fmt: skip
                for key, value in item.items():
                    row[key] = "; ".join(map(str, value)) if isinstance(value, list) else value
                rows.append(row)
    return rows


def write_table(rows: Sequence[Mapping[str, Any]], path: Path, lead: Iterable[str]) -> Path:
    """Write rows as CSV: the ``lead`` columns first, then every other key in first-seen order.

    Missing and null values are empty cells; booleans are ``true``/``false``.
    The table replaces ``path`` whole (:func:`written_whole`).
    """
    columns = list(lead)
    for row in rows:
        columns += [k for k in row if k not in columns]
    with written_whole(path) as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="raise")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(row.get(k)) for k in columns})
    return path


@contextmanager
def written_whole(path: Path) -> Iterator[TextIO]:
    """A text file to write in place of ``path``: written beside it, then put in its place,
    so a run stopped while writing (Ctrl-C) leaves the previous whole file, never half one."""
    part = path.with_name(f".{path.name}.part")
    try:
        with part.open("w", newline="", encoding="utf-8") as fh:
            yield fh
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
