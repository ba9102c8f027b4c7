"""Many clips in one run: the tables copy each clip's summary.json, failures are recorded."""

import csv
import json
import os
import time
from pathlib import Path

import pytest
from tests.fixtures.assessments import assessment, rep, side, step

from kneecoach.app.analyze import Analysis, AnalysisRequest, analyze
from kneecoach.app.study import StudyInterrupted, StudyRequest, folders, run_study
from kneecoach.cli.batch import ConsoleObserver
from kneecoach.core.errors import InsufficientDataError
from kneecoach.io import to_netcdf_file
from kneecoach.reports.batch import CLIP_LEAD, clip_row, rep_rows, write_table
from kneecoach.sample_data.synthetic import single_leg_squat


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_folders_are_named_for_the_files_and_never_shared(tmp_path: Path) -> None:
    sources = [Path("a/clip.mp4"), Path("b/clip.mp4"), Path("b/CLIP.mov"), Path("x.trc")]
    names = [f.name for f in folders(sources, tmp_path)]
    assert names == ["clip", "clip-2", "CLIP-3", "x"]  # case-insensitive file systems too


def test_rows_copy_the_summary_values(tmp_path: Path) -> None:
    above = {"label": "above typical range", "level": "above", "range_deg": [1, 12],
             "source": "Herrington"}  # fmt: skip
    summary = assessment(
        quality={"detection_rate": 0.98, "usable_for_frontal_measures": True},
        sides={
            "left": side(working=True, peak_fppa_deg=17.0, mean_fppa_deg=14.0,
                         classification=above,
                         reps=[rep(1, fppa_deg=11.0, notes=["a", "b"]),
                               rep(2, fppa_deg=17.0)]),
            "right": side(working=False),
        },
    )  # fmt: skip
    row = clip_row("c.mp4", "c", "ok", "", summary)
    assert row["peak_fppa_deg_left"] == 17.0 and row["peak_fppa_deg_right"] is None
    assert row["n_reps_left"] == 2 and row["n_reps_right"] == 0
    assert row["classification_left"] == "above typical range"
    assert row["working_right"] is False and row["detection_rate"] == 0.98
    reps = rep_rows("c.mp4", "c", summary)
    assert [(r["side"], r["kind"], r["index"], r["fppa_deg"]) for r in reps] == [
        ("left", "rep", 1, 11.0),
        ("left", "rep", 2, 17.0),
    ]
    assert reps[0]["notes"] == "a; b"


def test_a_failing_clip_is_recorded_and_the_others_go_on(tmp_path: Path) -> None:
    good = to_netcdf_file(single_leg_squat(), tmp_path / "good.nc")
    short = to_netcdf_file(single_leg_squat(duration_s=1.0, reps=1), tmp_path / "short.nc")
    missing = tmp_path / "missing.mp4"
    (tmp_path / "b").mkdir()
    good_b = to_netcdf_file(single_leg_squat(), tmp_path / "b" / "good.nc")  # the same name
    seen = []

    def analyse(source: Path, folder: Path) -> Analysis:
        seen.append(source)
        test = "drop-jump" if source == short else "single-leg-squat"
        return analyze(AnalysisRequest(source, folder, test=test, video=False))

    study = tmp_path / "study"
    clips = run_study([good, short, missing, good_b], study, StudyRequest(), analyse=analyse)
    assert seen == [good, short, missing, good_b]
    assert [c.status for c in clips] == ["ok", "partial", "failed", "ok"]
    assert "no drop vertical jump was found" in clips[1].message
    assert "missing.mp4" in clips[2].message
    table = read_csv(study / "clips.csv")
    assert [r["folder"] for r in table] == ["good", "short", "missing", "good-2"]
    # every number is the clip's own summary.json value
    summary = json.loads((study / "good" / "summary.json").read_text(encoding="utf-8"))
    left = summary["sides"]["left"]
    assert float(table[0]["peak_fppa_deg_left"]) == pytest.approx(left["peak_fppa_deg"])
    assert table[0]["peak_fppa_deg_right"] == ""  # the lifted leg: no number
    reps = [r for r in read_csv(study / "reps.csv") if r["folder"] == "good"]
    assert [float(r["fppa_deg"]) for r in reps] == pytest.approx(
        [r["fppa_deg"] for r in left["reps"]]
    )
    assert {r["side"] for r in reps} == {"left"} and len(reps) == 3


def test_an_interrupted_run_keeps_the_tables_of_the_clips_done(tmp_path: Path) -> None:
    good = to_netcdf_file(single_leg_squat(), tmp_path / "good.nc")

    def analyse(source: Path, folder: Path) -> Analysis:
        if source.name == "stop.nc":
            raise KeyboardInterrupt
        return analyze(AnalysisRequest(source, folder, video=False))

    with pytest.raises(KeyboardInterrupt):
        run_study([good, tmp_path / "stop.nc"], tmp_path / "study", StudyRequest(), analyse=analyse)
    assert [r["status"] for r in read_csv(tmp_path / "study" / "clips.csv")] == ["ok"]


def test_an_interrupted_run_says_which_clip_it_stopped_in_and_what_the_tables_hold(
    tmp_path: Path,
) -> None:
    good = to_netcdf_file(single_leg_squat(), tmp_path / "good.nc")

    def analyse(source: Path, folder: Path) -> Analysis:
        if source.name == "stop.nc":
            folder.mkdir(parents=True)
            raise KeyboardInterrupt
        return analyze(AnalysisRequest(source, folder, video=False))

    with pytest.raises(StudyInterrupted) as stopped:
        run_study([good, tmp_path / "stop.nc", good.with_name("later.nc")],
                  tmp_path / "study", StudyRequest(), analyse=analyse)  # fmt: skip
    said = " ".join(str(stopped.value).split())
    assert "interrupted in clip 2 of 3 (" in said and "stop.nc" in said
    assert "clips.csv and reps.csv hold the 1 clip finished" in said
    assert "the folder stop is incomplete" in said


def test_a_summary_left_by_an_earlier_run_is_not_taken_for_this_one(tmp_path: Path) -> None:
    study = tmp_path / "study"
    (study / "clip").mkdir(parents=True)
    (study / "clip" / "summary.json").write_text('{"test": "squat", "sides": {}}')
    os.utime(study / "clip" / "summary.json", (0, 0))  # written long ago

    def analyse(source: Path, folder: Path) -> Analysis:
        raise InsufficientDataError("no person was found")

    clips = run_study([tmp_path / "clip.mp4"], study, StudyRequest(), analyse=analyse)
    assert clips[0].status == "failed" and "test" not in clips[0].row


def test_a_summary_from_a_run_moments_ago_is_not_taken_for_a_clip_that_failed_now(
    tmp_path: Path,
) -> None:
    """Re-running into the same --out at once: the 2 s mtime slack let the old summary in."""
    good = to_netcdf_file(single_leg_squat(), tmp_path / "clip.nc")
    study = tmp_path / "study"

    def analyse(source: Path, folder: Path) -> Analysis:
        return analyze(AnalysisRequest(source, folder, video=False))

    assert run_study([good], study, StudyRequest(), analyse=analyse)[0].status == "ok"
    moments_ago = time.time() - 1.0
    os.utime(study / "clip" / "summary.json", (moments_ago, moments_ago))

    def fails(source: Path, folder: Path) -> Analysis:
        raise InsufficientDataError("no person was found")

    # --redo: analysed again (it fails now); the old summary.json is seconds old
    clips = run_study([good], study, StudyRequest(), analyse=fails, redo=True)
    assert clips[0].status == "failed" and "test" not in clips[0].row
    assert [r["status"] for r in read_csv(study / "clips.csv")] == ["failed"]
    assert read_csv(study / "reps.csv") == []


def test_n_steps_is_the_summary_count_of_complete_steps_not_every_step_listed() -> None:
    """clips.csv n_steps_<side> is summary.json's n_steps (the steps the means are over)."""
    steps = [step(i, complete=i != 3, fppa_deg=5.0) for i in (1, 2, 3)]
    summary = assessment(
        test="walk",
        sides={"left": side(working=True, n_steps=2, steps=steps),
               "right": side(working=True, n_steps=0)},
    )  # fmt: skip
    row = clip_row("w.mp4", "w", "ok", "", summary)
    assert row["n_steps_left"] == 2 and row["n_steps_right"] == 0
    assert len(rep_rows("w.mp4", "w", summary)) == 3  # reps.csv lists the incomplete one too


def test_a_clip_given_twice_is_analysed_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Overlapping globs (study/*.mp4 study/front*.mp4) must not count a clip twice."""
    good = to_netcdf_file(single_leg_squat(), tmp_path / "good.nc")
    seen = []

    def analyse(source: Path, folder: Path) -> Analysis:
        seen.append(source)
        return analyze(AnalysisRequest(source, folder, video=False))

    again = tmp_path / "." / "good.nc"  # the same file, spelled differently
    clips = run_study([good, again, good], tmp_path / "study", StudyRequest(), analyse=analyse,
                      observer=ConsoleObserver())  # fmt: skip
    assert seen == [good] and len(clips) == 1
    assert [r["folder"] for r in read_csv(tmp_path / "study" / "clips.csv")] == ["good"]
    assert not (tmp_path / "study" / "good-2").exists()
    said = " ".join(capsys.readouterr().err.split())
    assert "given 3 times; analysed once" in said


def test_clips_csv_says_how_the_test_was_chosen_and_what_wrote_the_numbers() -> None:
    """A study reports the software version; auto-recognised tests need their evidence."""
    fields = {
        "kneecoach_version": "9.9.9", "created": "2026-01-02T03:04:05+00:00", "sex": "female",
        "test": "walk", "test_detected": {"method": "auto", "evidence": "8 alternating contacts"},
    }  # fmt: skip
    quality = {"frames": 144, "duration_s": 4.767, "warnings": ["30 fps: slow", "dark"]}
    summary = assessment(**fields, quality=quality)
    row = clip_row("w.mp4", "w", "ok", "", summary)
    assert row["test_detected"] == "8 alternating contacts"
    assert (row["frames"], row["duration_s"]) == (144, 4.767)
    assert row["quality_warnings"] == "30 fps: slow; dark"
    assert (row["sex"], row["kneecoach_version"]) == ("female", "9.9.9")
    assert row["created"] == "2026-01-02T03:04:05+00:00"
    named = clip_row("w.mp4", "w", "ok", "", assessment(**fields | {"test_detected": None}))
    assert named["test_detected"] is None  # --test named it: an empty cell
    assert list(row)[: len(CLIP_LEAD)] == list(CLIP_LEAD)  # the columns so far keep their place
    assert list(row).index("asymmetry_beyond_noise") < list(row).index("test_detected")


class _Interrupts:
    def __str__(self) -> str:
        raise KeyboardInterrupt


def test_a_table_cut_off_while_being_written_keeps_the_last_whole_one(tmp_path: Path) -> None:
    """Ctrl-C while clips.csv is rewritten must not leave half a table."""
    path = tmp_path / "clips.csv"
    write_table([{"source": "a.mp4", "status": "ok"}], path, ("source", "status"))
    rows = [{"source": "c.mp4", "status": "ok"}, {"source": "b.mp4", "status": _Interrupts()}]
    with pytest.raises(KeyboardInterrupt):
        write_table(rows, path, ("source", "status"))
    assert read_csv(path) == [{"source": "a.mp4", "status": "ok"}]
    assert [p.name for p in tmp_path.iterdir()] == ["clips.csv"]


def test_a_kneecoach_track_file_is_named_for_its_folder() -> None:
    """`kneecoach track X.mp4` writes X_track/track.nc: a study of them was track, track-2 …"""
    sources = [Path("s/front_01_track/track.nc"), Path("s/side_02_track/track.nc"),
               Path("keep/track.trc"), Path("front_01.mp4")]  # fmt: skip
    names = [f.name for f in folders(sources, Path("out"))]
    assert names == ["front_01", "side_02", "keep", "front_01-2"]


def test_each_finished_clip_says_what_was_analysed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An ok clip printed nothing: the console went from 'clip 1 of 2' to 'clip 2 of 2'."""
    good = to_netcdf_file(single_leg_squat(), tmp_path / "good.nc")

    def analyse(source: Path, folder: Path) -> Analysis:
        return analyze(AnalysisRequest(source, folder, video=False))

    run_study(
        [good], tmp_path / "study", StudyRequest(), analyse=analyse, observer=ConsoleObserver()
    )
    said = " ".join(capsys.readouterr().err.split())
    assert "ok: Single-leg squat, frontal view, in good" in said
