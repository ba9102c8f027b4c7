"""Synthetic kneecoach summaries with known per-rep values, for the journal tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tests.fixtures.assessments import assessment


def summary(
    left_reps: Sequence[float] = (10.0, 12.0, 14.0),
    right_reps: Sequence[float] = (),
    *,
    test: str = "single-leg-squat",
    created: str = "2026-03-01T10:00:00+00:00",
    pelvic_drop: Sequence[float] | None = None,
    images: int = 1,
) -> dict[str, Any]:
    """A kneecoach.summary/1 document with known per-rep FPPA (and pelvic drop)."""

    def side(reps: Sequence[float]) -> dict[str, Any]:
        drops = list(pelvic_drop) if pelvic_drop is not None else [4.0] * len(reps)
        rows = [
            {
                "index": i + 1,
                "frame": 60 * (i + 1),
                "time_s": 1.0 + i,
                "start_time_s": 0.5 + i,
                "end_time_s": 1.5 + i,
                "complete": True,
                "fppa_deg": f,
                "pelvic_drop_deg": d,
                "knee_shift_pct": 5.0,
                "confidence": 0.9,
            }
            for i, (f, d) in enumerate(zip(reps, drops, strict=False))
        ]
        mean = sum(reps) / len(reps) if reps else None
        return {
            "working": bool(reps),
            "reps": rows,
            "steps": [],
            "peak_fppa_deg": max(reps) if reps else None,
            "mean_fppa_deg": mean,
            "sd_fppa_deg": None,
            "mean_pelvic_drop_deg": sum(drops) / len(drops) if reps and drops else None,
            "classification": {
                "label": "above typical range",
                "level": "above",
                "range_deg": [1, 12],
                "source": "Herrington",
            },  # fmt: skip
        }

    moments = [{"image": f"worst_{i}.png", "side": "left", "time_s": float(i), "frame": 60 * i,
                "fppa_deg": None} for i in range(1, images + 1)]  # fmt: skip
    return assessment(
        kneecoach_version="test", created=created, fps=60.0, test=test,
        test_label=test.replace("-", " ").capitalize(),
        sides={"left": side(left_reps), "right": side(right_reps)}, worst_moments=moments,
    ).to_json_dict()  # fmt: skip


def folders_match_rows(journal: Any) -> None:
    """Assert the files folder holds exactly the committed assessments' folders and files."""
    from sqlalchemy import select

    from kneecoach.storage.models import Assessment

    files_dir = journal.files_dir
    with journal.transaction() as s:
        rows = {f"{a.person.key}/{a.key}": a for a in s.scalars(select(Assessment))}
        expected = {f.path for a in rows.values() for f in a.files}
    on_disk = set()
    if files_dir.is_dir():
        on_disk = {
            p.relative_to(files_dir).as_posix()
            for p in files_dir.glob("*/*")
            if p.is_dir() and not p.parent.name.startswith(".")
        }
        leftovers = [
            p.name for p in files_dir.iterdir() if p.name.startswith((".incoming-", ".deleted-"))
        ]
        assert leftovers == [], leftovers
        assert not list(files_dir.rglob("*.partial"))
        people = {p.name for p in files_dir.iterdir() if p.is_dir() and not p.name.startswith(".")}
        assert people == {k.split("/")[0] for k in rows}
        files = {
            p.relative_to(files_dir).as_posix()
            for p in files_dir.glob("*/*/*")
            if not p.parts[-3].startswith(".")
        }
        assert files == expected
    assert on_disk == set(rows)
