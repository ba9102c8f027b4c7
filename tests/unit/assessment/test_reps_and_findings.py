"""Reps, working legs, reading frames, findings and test recognition on known answers."""

from __future__ import annotations

import numpy as np
import pytest
from tests.fixtures.assessments import plain, rep_readings, side_summary

from kneecoach.assessment.detect import detect_test
from kneecoach.assessment.findings import asymmetry, drift, side_findings
from kneecoach.assessment.summary import assess, worst_moments
from kneecoach.core.errors import InsufficientDataError
from kneecoach.core.settings import Settings
from kneecoach.events import segment
from kneecoach.filtering import clean_track
from kneecoach.metrics import frame_measures
from kneecoach.sample_data.synthetic import (
    body,
    double_leg_squat,
    drop_landing,
    lunge,
    rear_view,
    side_squat,
    single_leg_squat,
    step_down,
    with_dropout,
    with_noise,
    with_swap,
)


def analyse(ds, test):
    fm = frame_measures(ds)
    reps = segment(fm.table, test, fps=float(ds.attrs["fps"]))
    return fm, reps, plain(assess(fm, reps, test=test, sex=None))


@pytest.mark.parametrize("stance", ["left", "right"])
@pytest.mark.parametrize("rear", [False, True])
def test_single_leg_squat_reps_side_and_values_are_exact(stance: str, rear: bool) -> None:
    ds = single_leg_squat(stance=stance, peak_fppa_deg=[10.0, 14.0, 24.0])  # type: ignore[arg-type]
    fm, reps, s = analyse(rear_view(ds) if rear else ds, "single-leg-squat")
    assert [r.side for r in reps] == [stance] * 3
    assert [r.reading for r in reps] == [90, 270, 450]  # the deepest frames
    side = s["sides"][stance]
    assert [r["fppa_deg"] for r in side["reps"]] == [10.0, 14.0, 24.0]
    assert [r["pelvic_drop_deg"] for r in side["reps"]] == [4.0] * 3
    assert side["peak_fppa_deg"] == 24.0 and side["mean_fppa_deg"] == 16.0
    assert side["worst_rep"] == 3
    other = s["sides"]["left" if stance == "right" else "right"]
    assert not other["working"] and other["reps"] == []
    assert s["drift"][stance]["first_last_deg"] == 14.0 and s["drift"][stance]["beyond_noise"]
    assert side["classification"]["level"] == "above"


def test_varus_is_negative_and_not_flagged() -> None:
    _, _, s = analyse(single_leg_squat(peak_fppa_deg=-6.0), "single-leg-squat")
    left = s["sides"]["left"]
    assert left["mean_fppa_deg"] == -6.0
    assert left["classification"]["level"] == "below"
    assert "outward" in s["findings"][0]["text"]
    assert [x["cause"] for x in s["suggestions"]] == ["hip"]  # from the 4° pelvic drop alone
    _, _, level = analyse(
        single_leg_squat(peak_fppa_deg=-6.0, pelvic_drop_deg=0.0), "single-leg-squat"
    )
    assert level["suggestions"] == []  # an outward knee is no reason for hip or foot work


@pytest.mark.parametrize("sex,level", [("female", "within"), ("male", "above"), (None, "within")])
def test_classification_uses_the_sex_specific_range(sex, level) -> None:
    fm = frame_measures(single_leg_squat(peak_fppa_deg=11.0))
    reps = segment(fm.table, "single-leg-squat", fps=60.0)
    s = plain(assess(fm, reps, test="single-leg-squat", sex=sex))
    c = s["sides"]["left"]["classification"]
    assert c["level"] == level and "Herrington & Munro 2010" in c["source"]


def test_noisy_track_with_gaps_and_swaps_stays_within_the_noise() -> None:
    truth = single_leg_squat(peak_fppa_deg=14.0)
    raw = with_swap(
        with_dropout(with_noise(truth, sd_px=2.0), keypoints=["left_knee"], start=85, stop=95),
        start=250, stop=290,
    )  # fmt: skip
    clean = clean_track(raw, settings=Settings())
    _, reps, s = analyse(clean, "single-leg-squat")
    assert len(reps) == 3 and all(r.side == "left" for r in reps)
    got = s["sides"]["left"]["reps"]
    assert [r["fppa_deg"] for r in got] == pytest.approx([14.0] * 3, abs=2.0)
    # rep 1 is read on an interpolated knee: it says so through a lower confidence
    assert got[0]["confidence"] <= 0.3 < got[1]["confidence"]
    # ... but its pelvic drop rests on the hips alone, which were seen
    assert got[0]["pelvis_confidence"] > 0.3 and got[0]["trunk_confidence"] > 0.3


def test_each_kind_of_value_has_its_own_confidence() -> None:
    """Shoulders lost during a rep: its trunk lean loses confidence, while its pelvic drop
    (the hips) and knee values (hip, knee, ankle) keep theirs."""
    truth = single_leg_squat(peak_fppa_deg=14.0)
    raw = with_dropout(truth, keypoints=["left_shoulder", "right_shoulder"], start=240, stop=300)
    _, reps, s = analyse(clean_track(raw, settings=Settings()), "single-leg-squat")
    got = s["sides"]["left"]["reps"]
    rep3 = next(r for r in got if 240 <= r["frame"] <= 300)
    assert rep3["trunk_confidence"] <= 0.3 < rep3["pelvis_confidence"]
    assert rep3["confidence"] > 0.3  # the leg was seen


def test_deep_squat_reads_fppa_where_valid_and_kasr_at_the_bottom() -> None:
    _, reps, s = analyse(double_leg_squat(peak_fppa_deg=(10.0, 4.0)), "squat")
    assert len(reps) == 2
    for side, peak in (("left", 10.0), ("right", 4.0)):
        for rep in s["sides"][side]["reps"]:
            assert rep["fppa_time_s"] != rep["time_s"]  # not at the bottom: invalid there
            assert 0 < rep["fppa_deg"] < peak
            assert rep["kasr"] < 1.0
            assert any("not valid" in n for n in rep["notes"])
    assert s["asymmetry"]["larger_side"] == "left"


@pytest.mark.parametrize("fps", [60.0, 120.0, 240.0])
def test_drop_jump_contact_and_deepest_point(fps: float) -> None:
    _, reps, s = analyse(drop_landing(fps=fps, peak_fppa_deg=(12.0, 6.0)), "drop-jump")
    assert len(reps) == 1
    left = s["sides"]["left"]["reps"][0]
    assert left["contact_time_s"] == pytest.approx(1.0, abs=2 / fps + 1e-9)
    assert left["time_s"] == pytest.approx(1.25, abs=2 / fps + 1e-9)
    assert left["fppa_deg"] == pytest.approx(12.0, abs=0.05)
    assert s["sides"]["right"]["reps"][0]["fppa_deg"] == pytest.approx(6.0, abs=0.05)
    assert left["fppa_at_contact_deg"] == pytest.approx(0.0, abs=1.0)


def test_single_leg_landing_finds_the_landing_leg() -> None:
    _, reps, s = analyse(
        drop_landing(single_leg="right", peak_fppa_deg=(15.0, 0)), "single-leg-landing"
    )
    assert [r.side for r in reps] == ["left"]
    assert s["sides"]["left"]["reps"][0]["fppa_deg"] == pytest.approx(15.0, abs=0.05)


def test_single_leg_stance_reads_the_largest_drop_of_each_hold() -> None:
    fps, n = 30.0, 300
    t = np.arange(n) / fps
    up = (t > 2) & (t < 8)
    drop = np.where(up, 6 * np.sin(np.pi * np.clip((t - 2) / 6, 0, 1)), 0.0)
    ds = body(
        t, hip_y=np.full(n, 640.0), ankle_y=(1160.0, np.where(up, 1060.0, 1160.0)),
        fppa_deg=(0.0, 0.0), pelvic_drop_deg=drop, fps=fps,
    )  # fmt: skip
    _, reps, s = analyse(ds, "single-leg-stance")
    assert [r.side for r in reps] == ["left"]
    rep = s["sides"]["left"]["reps"][0]
    assert rep["pelvic_drop_deg"] == pytest.approx(6.0, abs=0.05)
    assert rep["hold_s"] == pytest.approx(6.0, abs=0.1)
    assert rep["time_s"] == pytest.approx(5.0, abs=0.1)
    finding = next(f for f in s["findings"] if f["code"] == "pelvic_drop")
    # one reading against the between-session detectable difference: said as such
    assert "drops by 6°" in finding["text"] and "repeated measurements" in finding["text"]
    assert "2.8°" in finding["text"] and "Dingenen" in finding["source"]


def test_sit_to_stand_reps_are_the_rises() -> None:
    fps, n = 30.0, 360
    t = np.arange(n) / fps
    standing = 0.5 * (1 - np.cos(2 * np.pi * t / 4))  # stands at 2, 6, 10 s
    seated = np.clip(1.6 * (1 - standing), 0, 1)  # flat at the bottom: the chair
    ds = body(t, hip_y=640 + 330 * seated, ankle_y=(1160.0, 1160.0), fppa_deg=(8 * standing, 0.0),
              fps=fps)  # fmt: skip
    fm = frame_measures(ds)
    assert detect_test(fm.table, fps=fps)[0] == "sit-to-stand"
    reps = segment(fm.table, "sit-to-stand", fps=fps)
    assert [round(float(fm.table["time_s"][r.reading])) for r in reps] == [2, 6, 10]


@pytest.mark.parametrize(
    "ds,test",
    [
        (single_leg_squat(), "single-leg-squat"),
        (double_leg_squat(), "squat"),
        (drop_landing(), "drop-jump"),
        (drop_landing(single_leg="left"), "single-leg-landing"),
        (step_down(stance="right"), "step-down"),
        (lunge(front="left"), "lunge"),
        (side_squat(), "squat"),
    ],
)
def test_auto_recognises_the_test(ds, test: str) -> None:
    assert detect_test(frame_measures(ds).table, fps=float(ds.attrs["fps"]))[0] == test


def test_feet_that_travel_across_the_picture_are_not_a_movement_test() -> None:
    """A side-view clip too short for gait recognition is not called a squat."""
    ds = side_squat()
    table = frame_measures(ds).table
    assert detect_test(table, fps=float(ds.attrs["fps"]))[0] == "squat"
    walked = table.copy()
    travel = np.linspace(0.0, 300.0, len(walked))  # 3 leg lengths across the picture
    for side in ("left", "right"):
        walked[f"foot_x_{side}_pct"] += travel
    with pytest.raises(InsufficientDataError, match="--test walk or --test run"):
        detect_test(walked, fps=float(ds.attrs["fps"]))


def test_standing_still_is_not_a_test() -> None:
    t = np.arange(120) / 30
    ds = body(t, hip_y=np.full(120, 640.0), ankle_y=(1160.0, 1160.0), fppa_deg=(0.0, 0.0), fps=30)
    fm = frame_measures(ds)
    with pytest.raises(InsufficientDataError, match="could not recognise"):
        detect_test(fm.table, fps=30)
    with pytest.raises(InsufficientDataError, match="no single-leg-squat rep"):
        segment(fm.table, "single-leg-squat", fps=30)


def test_worst_moments_are_the_largest_valgus_reps_in_order() -> None:
    fm = frame_measures(single_leg_squat(peak_fppa_deg=[10.0, 24.0, 14.0]))
    reps = segment(fm.table, "single-leg-squat", fps=60.0)
    moments = worst_moments(fm.table, reps, bilateral=False, n=2, test="single-leg-squat")
    assert [(m.moment.fppa_deg, m.moment.frame, m.moment.side, m.moment.rep) for m in moments] == [
        (24.0, 270, "left", 2),
        (14.0, 450, "left", 3),
    ]


def test_each_worst_moment_shows_its_reps_reading() -> None:
    """The picture and the rep table agree: same rep, same frame, same value (noisy track)."""
    ds = clean_track(with_noise(single_leg_squat(peak_fppa_deg=[11.0, 14.0, 17.0]), sd_px=3.0),
                     settings=Settings())  # fmt: skip
    fm, reps, s = analyse(ds, "single-leg-squat")
    moments = [m.moment for m in worst_moments(fm.table, reps, bilateral=False, n=3,
                                               test="single-leg-squat")]  # fmt: skip
    table = {r["index"]: r for r in s["sides"]["left"]["reps"]}
    assert [m.rep for m in moments] == [3, 2, 1]
    for m in moments:
        assert m.rep is not None
        assert m.fppa_deg == table[m.rep]["fppa_deg"]
        assert m.frame == table[m.rep]["fppa_frame"]


def test_squat_worst_moments_are_the_knee_furthest_inside_its_foot() -> None:
    ds = double_leg_squat(peak_fppa_deg=(10.0, 4.0), depth_px=150)
    fm, reps, s = analyse(ds, "squat")
    moments = [m.moment for m in worst_moments(fm.table, reps, bilateral=True, n=4, test="squat")]
    assert moments and all(m.knee_over_foot_pct is not None for m in moments)
    for m in moments:  # each picture is its rep's worst frame, with the rep table's value
        assert m.rep is not None
        rep = s["sides"][m.side]["reps"][m.rep - 1]
        assert m.knee_over_foot_pct == rep["knee_over_foot_worst_pct"] > 0
        assert m.frame == rep["knee_over_foot_worst_frame"]
    assert moments[0].side == "left"  # the knee that caves further
    assert (
        s["sides"]["left"]["peak_knee_over_foot_pct"]
        > s["sides"]["right"]["peak_knee_over_foot_pct"]
    )


@pytest.mark.parametrize("stance", ["left", "right"])
@pytest.mark.parametrize("rear", [False, True])
def test_step_down_working_leg_is_the_still_foot_on_the_step(stance: str, rear: bool) -> None:
    ds = step_down(stance=stance, peak_fppa_deg=12.0)  # type: ignore[arg-type]
    _, reps, s = analyse(rear_view(ds) if rear else ds, "step-down")
    assert [(r.side, r.reading) for r in reps] == [(stance, 90), (stance, 270), (stance, 450)]
    assert [r["fppa_deg"] for r in s["sides"][stance]["reps"]] == [12.0] * 3
    assert s["sides"]["left" if stance == "right" else "right"]["reps"] == []


@pytest.mark.parametrize("front", ["left", "right"])
def test_lunge_working_leg_is_the_front_knee(front: str) -> None:
    _, reps, s = analyse(lunge(front=front, peak_fppa_deg=10.0), "lunge")  # type: ignore[arg-type]
    assert [(r.side, r.reading) for r in reps] == [(front, 120), (front, 360)]
    assert [r["fppa_deg"] for r in s["sides"][front]["reps"]] == [10.0, 10.0]


@pytest.mark.parametrize("facing", ["left", "right"])
def test_side_view_gives_knee_flexion_and_knee_over_toe_but_no_fppa(facing: str) -> None:
    fm, reps, s = analyse(side_squat(peak_knee_flexion_deg=90.0, facing=facing), "squat")  # type: ignore[arg-type]
    assert fm.view == "sagittal" and [r.reading for r in reps] == [90, 270]
    for side in ("left", "right"):
        rep = s["sides"][side]["reps"][0]
        assert rep["knee_flexion_deg"] == 90.0
        # the knee sits 260 px × sin(45°) ahead of the ankle, the toe 120 px: (183.8 - 120) / 260
        assert rep["knee_over_toe_pct"] == pytest.approx(24.6, abs=0.05)
        assert rep["fppa_deg"] is None and s["sides"][side]["peak_fppa_deg"] is None
    texts = {f["code"]: f["text"] for f in s["findings"]}
    assert texts["view_refused"].startswith("The camera sees the person from the side.")
    assert "knee_over_foot_not_measured" not in texts  # the view's sentence says why
    # the side view's own result: 2D knee flexion and the knee's travel past the toes
    assert "knee bends 90°; it travels 25% of your leg length past the toes" in texts["side_view"]


def test_squat_asymmetry_and_drift_do_not_use_fppa() -> None:
    """Both knees bowed outward: no "inward more ... really differ" from FPPA, and no knee
    inside its foot."""
    ds = double_leg_squat(peak_fppa_deg=(-30.0, -8.0), depth_px=150, reps=3, duration_s=9.0)
    _, _, s = analyse(ds, "squat")
    asym = s["asymmetry"]
    assert asym["measure"] == "knee_over_foot_pct" and "really differ" not in asym["text"]
    assert [s["sides"][side]["knee_inward"] for side in ("left", "right")] == [False, False]
    assert s["sides"]["left"]["mean_knee_shift_pct"] < 0
    assert s["drift"] == {"left": None, "right": None}


def test_squat_asymmetry_beyond_the_noise_is_called_real() -> None:
    side = side_summary(working=True, peak_knee_over_foot_pct=9.0, knee_over_foot_noise_pct=2.5)
    other = side_summary(working=True, peak_knee_over_foot_pct=3.0, knee_over_foot_noise_pct=2.0)
    a = asymmetry({"left": side, "right": other}, test="squat")
    assert a is not None and a.beyond_noise is True and a.larger_side == "left"
    assert "6% of your leg length further inside" in a.text
    nearer = other.model_copy(update={"peak_knee_over_foot_pct": 7.0})
    close = asymmetry({"left": side, "right": nearer}, test="squat")
    assert close is not None and close.beyond_noise is False
    assert "not called different" in close.text


def test_no_rep_messages_name_the_test_in_words() -> None:
    """As the tables and the report name it (the protocol's label), not by its --test id."""
    from kneecoach.assessment.protocols import PROTOCOLS

    t = np.arange(120) / 30
    ds = body(t, hip_y=np.full(120, 640.0), ankle_y=(1160.0, 1160.0), fppa_deg=(0.0, 0.0), fps=30)
    table = frame_measures(ds).table
    said = {}
    for test in ("single-leg-squat", "squat", "single-leg-stance"):
        with pytest.raises(InsufficientDataError) as exc:
            segment(table, test, fps=30, name=PROTOCOLS[test].label.lower())
        said[test] = str(exc.value)
    assert said["single-leg-squat"].startswith("no single-leg squat rep was found: the hips")
    assert said["squat"].startswith("no squat (double-leg) rep was found")
    assert said["single-leg-stance"].startswith("no single-leg stance (pelvic drop) was found")


@pytest.mark.parametrize("v", [0.3, -0.3, 0.0, -0.0])
def test_a_value_that_rounds_to_zero_is_never_given_a_direction(v: float) -> None:
    cls = {"label": "within", "level": "within", "range_deg": None, "population": "",
           "source": ""}  # fmt: skip
    fields = {"working": True, "mean_fppa_deg": v, "peak_fppa_deg": v, "classification": cls,
              "mean_knee_shift_pct": v, "peak_knee_over_foot_pct": v,
              "knee_over_foot_noise_pct": 2.0}  # fmt: skip
    side = side_summary(**fields)
    texts = [f.text for t in ("single-leg-squat", "squat")
             for f in side_findings("left", side, test_label="Test", test=t)]  # fmt: skip
    for test in ("single-leg-squat", "squat"):
        level = side_summary(**fields | {"mean_fppa_deg": 0.0, "mean_knee_shift_pct": 0.0,
                                         "peak_knee_over_foot_pct": 0.0})  # fmt: skip
        a = asymmetry({"left": side, "right": level}, test=test)
        assert a is not None
        texts.append(a.text)
    reps = rep_readings([{"fppa_deg": 10.0 + (v if i == 3 else 0.0)} for i in (1, 2, 3)])
    moved = drift(reps)
    assert moved is not None
    texts.append(moved.text)
    for text in texts:
        for word in ("inward", "outward"):
            assert f"0° {word}" not in text and f"0% of your leg length {word}" not in text
        assert "by 0°" not in text and "by 0%" not in text and "-0" not in text
        assert "inward 0°" not in text, text


@pytest.mark.parametrize(
    ("kasr", "standing", "said"),
    [
        (0.70, 0.85, "against 0.85 standing: your knees come closer together"),
        (1.11, 0.81, "against 0.81 standing: your knees move apart"),
        (0.80, 0.84, "about as when standing (0.84)"),
        (0.90, None, "no frames standing on both feet"),
    ],
)
def test_kasr_is_read_against_the_persons_own_standing_ratio(
    kasr: float, standing: float | None, said: str
) -> None:
    """KASR was read against 1 ("below 1 means the knees are closer than the feet"), while
    people stand at 0.76-0.85 on the shared squats."""
    from kneecoach.assessment.summary import kasr_finding

    text = kasr_finding(kasr, standing).text
    assert said in text and "below 1" not in text


def test_a_squat_summary_keeps_the_standing_kasr() -> None:
    ds = double_leg_squat(peak_fppa_deg=(10.0, 4.0), depth_px=150)
    fm, _, s = analyse(ds, "squat")
    assert s["kasr_standing"] == fm.kasr_standing and 0.3 < s["kasr_standing"] < 1.5
    assert any(f["code"] == "kasr" and "standing" in f["text"] for f in s["findings"])


def test_a_two_legged_pelvis_is_one_tilt_not_a_drop_mirrored_per_side() -> None:
    """A double-leg squat's pelvic tilt read +6.9° left and -6.9° right (issue 16, item 3)."""
    ds = double_leg_squat(peak_fppa_deg=(6.0, 6.0), depth_px=150)
    y = ds["position"].loc[{"keypoints": "right_hip", "space": "y"}]
    depth = y - float(y.min())
    ds["position"].loc[{"keypoints": "right_hip", "space": "y"}] = y + 0.3 * depth
    _, _, s = analyse(ds, "squat")
    tilt = s["pelvic_obliquity"]
    assert tilt["lower_hip"] == "right" and tilt["mean_deg"] > tilt["noise_deg"] >= 7.2
    assert tilt["beyond_noise"] is True
    for side in ("left", "right"):
        assert s["sides"][side]["mean_pelvic_drop_deg"] is None
        assert all(r["pelvic_drop_deg"] is None for r in s["sides"][side]["reps"])
    (said,) = [f["text"] for f in s["findings"] if f["code"] == "pelvic_obliquity"]
    assert said.startswith("At the deepest point your right hip is") and "left hip" in said
    level = analyse(double_leg_squat(peak_fppa_deg=(6.0, 6.0), depth_px=150), "squat")[2]
    assert abs(level["pelvic_obliquity"]["mean_deg"]) < 0.5
    assert not [f for f in level["findings"] if f["code"] == "pelvic_obliquity"]
