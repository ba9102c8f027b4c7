"""The application layer: one journal per command, transactions that hold all or nothing,
and an analysis's status as data (the CLI maps it to an exit code)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from kneecoach.app import journal as app_journal
from kneecoach.app.analyze import AnalysisRequest, analyze
from kneecoach.app.coach import PlanRequest, make_plan
from kneecoach.app.journal import Journal, SessionEntry
from kneecoach.assessment.model import Assessment as ClipAssessment
from kneecoach.cli.main import cli
from kneecoach.io import to_netcdf_file
from kneecoach.sample_data.synthetic import side_squat, single_leg_squat

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE_INTAKE = ROOT / "examples" / "intake.toml"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KNEECOACH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KNEECOACH_DATABASE_URL", raising=False)


@pytest.fixture
def opens(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every opening of the journal database, by URL."""
    seen: list[str] = []
    real = app_journal.open_database

    def counted(url: str = "", **kw: object):  # type: ignore[no-untyped-def]
        seen.append(url)
        return real(url, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(app_journal, "open_database", counted)
    return seen


def test_a_command_opens_the_journal_once(opens: list[str]) -> None:
    run = CliRunner()
    made = run.invoke(cli, ["plan", "--person", "mary", "--intake", str(EXAMPLE_INTAKE),
                            "--weeks", "2", "--start", "2026-03-02", "--out", "p1"])  # fmt: skip
    assert made.exit_code == 0, made.output
    assert len(opens) == 1  # intake, findings, previous plan, decisions, store: one journal
    again = run.invoke(cli, ["plan", "--person", "mary", "--weeks", "2", "--start",
                             "2026-03-16", "--out", "p2"])  # fmt: skip
    assert again.exit_code == 0, again.output
    assert "programme version 2" in again.output and len(opens) == 2
    logged = run.invoke(cli, ["log", "--person", "mary", "--date", "2026-03-16", "--done"])
    assert logged.exit_code == 0, logged.output
    assert len(opens) == 3


def test_methods_inside_one_transaction_are_all_or_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'j.sqlite3'}"
    with Journal.open(url) as j:
        with pytest.raises(RuntimeError, match="stop"), j.transaction():
            j.record_session("ann", SessionEntry(date(2026, 3, 2), True))
            j.record_checkin("ann", day=date(2026, 3, 3), pain=2)
            raise RuntimeError("stop")
        assert j.people() == []  # neither the person, the log nor the check-in was kept
        with j.transaction():
            j.record_session("ann", SessionEntry(date(2026, 3, 2), True))
            j.record_checkin("ann", day=date(2026, 3, 3), pain=2)
        assert [p.name for p in j.people()] == ["ann"]
        with pytest.raises(RuntimeError, match="inside another transaction"), j.transaction():
            j.delete("ann")  # its own transactions: refused inside one, never half done
        assert j.delete("ann") == 0 and j.people() == []


def test_a_plan_stopped_by_red_flags_is_a_status_not_an_exception(tmp_path: Path) -> None:
    flagged = tmp_path / "flagged.toml"
    flagged.write_text(
        EXAMPLE_INTAKE.read_text(encoding="utf-8").replace('locking = "no"', 'locking = "yes"'),
        encoding="utf-8",
    )
    assert 'locking = "yes"' in flagged.read_text(encoding="utf-8")
    result = make_plan(PlanRequest(intake_file=flagged, out_dir=tmp_path / "plan"))
    assert result.status == "stopped" and result.programme is None
    assert result.referral is not None and result.referral.exists()
    assert "locking" in result.message and str(result.referral) in result.message
    ok = make_plan(PlanRequest(intake_file=EXAMPLE_INTAKE, out_dir=tmp_path / "plan",
                               start=date(2026, 3, 2), weeks=2))  # fmt: skip
    assert ok.status == "ok" and ok.programme is not None and ok.version is None
    assert not result.referral.exists()  # the new plan replaces the note
    assert set(ok.files) >= {"plan", "pdf", "calendar", "worksheet"}


def test_analysis_status_and_what_is_stored(tmp_path: Path, monkeypatch) -> None:
    good = to_netcdf_file(single_leg_squat(peak_fppa_deg=[10, 12, 14]), tmp_path / "good.nc")
    side = to_netcdf_file(side_squat(), tmp_path / "side.nc")

    def no_read_back(path: Path) -> None:
        raise AssertionError(f"summary.json was read back from {path}")

    monkeypatch.setattr(ClipAssessment, "read", no_read_back)
    with Journal.open() as j:
        ok = analyze(AnalysisRequest(good, tmp_path / "a", test="single-leg-squat", video=False,
                                     person="ann"), j)  # fmt: skip
        assert ok.status == "ok" and ok.message == ""
        assert ok.stored is not None and ok.stored.number == 1
        assert ok.assessment is not None and ok.assessment.test == "single-leg-squat"
        assert ok.files["summary"].exists()
        refused = analyze(AnalysisRequest(side, tmp_path / "b", test="single-leg-squat",
                                          video=False, person="ann"), j)  # fmt: skip
        assert refused.status == "refused" and "side" in refused.message
        assert refused.stored is None  # nothing measured: nothing kept
        assert refused.files["summary"].exists()  # the summary says why
        assert [p.assessments for p in j.people()] == [1]


def test_a_clip_without_a_person_says_so_also_with_person(tmp_path: Path) -> None:
    import numpy as np

    ds = single_leg_squat()
    for name in ds.data_vars:
        if ds[name].dtype.kind == "f":
            ds[name][:] = np.nan
    empty = to_netcdf_file(ds, tmp_path / "empty.nc")
    r = CliRunner().invoke(cli, ["analyze", str(empty), "--person", "ann", "--no-video"])
    # it said "summary.json does not exist; run kneecoach analyze first" (the journal's error)
    assert r.exit_code == 1 and "no person was found in any frame" in r.output
    with Journal.open() as j:
        assert j.people() == []


def test_a_squat_writes_no_fppa_anywhere_and_its_progress_page_says_why(tmp_path: Path) -> None:
    """Squat FPPA (-10 to -60°) reached summary.json, clips.csv and the progress chart and
    listing ("Squat (left -58.5°, right -36.0°)") although no report reads it (§1.1)."""
    import pandas as pd

    from kneecoach.sample_data.synthetic import double_leg_squat

    clip = to_netcdf_file(double_leg_squat(peak_fppa_deg=(12.0, 4.0)), tmp_path / "sq.nc")
    with Journal.open() as j:
        for name in ("a", "b"):
            done = analyze(AnalysisRequest(clip, tmp_path / name, test="squat", video=False,
                                           person="ann"), j)  # fmt: skip
            assert done.status == "ok"
        report = j.write_progress_report("ann", tmp_path / "p.html", today=date(2030, 1, 1))
    assert done.assessment is not None
    for s in done.assessment.sides.values():
        assert s.peak_fppa_deg is None
        assert all(r.fppa_deg is None for r in s.reps)
    frames = pd.read_csv(tmp_path / "b" / "frames.csv")
    assert frames["fppa_left_deg"].isna().all() and frames["knee_over_foot_left_pct"].notna().any()
    page = report.path.read_text(encoding="utf-8")
    assert "No knee angle (FPPA) is read in this test" in page
    assert all("°" not in line for line in report.listing)
    # the two squats are compared by the knee over the foot, as their reports read them
    (changes,) = report.changes.values()
    over = [c for c in changes if c.measure == "knee_over_foot"]
    assert {c.side for c in over} == {"left", "right"} and {c.unit for c in over} == {"%"}
    assert all(c.verdict == "no real change" and c.sdc >= 2 * 2**0.5 for c in over)  # same clip
    assert "knee inside its foot at worst" in page and "no real change yet" in report.sentence


def test_a_drop_jump_is_judged_by_the_knee_over_the_foot(tmp_path: Path) -> None:
    """A double-leg landing (issue 16 item 2): the knee against its foot (LESS item 9), as for
    squats, read per landing, and no FPPA written (it mixes knee flexion in at depth)."""
    from kneecoach.sample_data.synthetic import drop_landing

    clip = to_netcdf_file(drop_landing(peak_fppa_deg=(12.0, 6.0)), tmp_path / "dj.nc")
    done = analyze(AnalysisRequest(clip, tmp_path / "a", test="drop-jump", video=False))
    assert done.status == "ok" and done.assessment is not None
    sides = done.assessment.sides
    assert all(s.peak_fppa_deg is None for s in sides.values())
    assert sides["left"].peak_knee_over_foot_pct > sides["right"].peak_knee_over_foot_pct > 0
    assert sides["left"].knee_inward is True
    said = " ".join(f.text for f in done.assessment.findings)
    assert "In the drop vertical jump your left knee went inside its foot" in said
    assert "(landing 1," in said and "(rep 1," not in said
    assert done.assessment.worst_moments  # pictures of the landing where the knee is inside
