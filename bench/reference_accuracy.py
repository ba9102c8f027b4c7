"""FPPA accuracy of kneecoach against the Pose2Sim multi-camera 3D reference.

Usage::

    python bench/reference_accuracy.py [--figures DIR] [--json FILE]
        [--model-variants] [--cutoff-hz HZ] [--no-fix-swaps]
        [--confidence-threshold C] [--person-select RULE]

For the Pose2Sim balancing trial (``cam02`` front view, ``cam03`` rear-left
oblique), the 3D reference (``BalancingTrial_0-100_filt_butterworth.trc``) is
projected into each camera with ``Calib.qca.txt`` and compared with kneecoach's
raw BlazePose track and its cleaned track: per stance leg (left: frames 6-72,
right: 87-99, 0-based video frames; reference row k is video frame k-1), the
stance leg's FPPA MAE, bias (kneecoach - reference) and Pearson r, and the
median 2D pixel error of hips, knees and ankles against the projection; and an
error budget: the clean MAE again with the reference's own hips, knee or ankle
put in place of kneecoach's (which keypoint carries the error).

Projection conventions (as Pose2Sim's ``calib_qca_fun`` reads Qualisys files):

* TRC (Y up) → Qualisys world (Z up): ``X_w = Z``, ``Y_w = X``, ``Z_w = Y``
  (the inverse of Pose2Sim's ``zup2yup``).
* ``r_ij`` of ``<transform>`` form M, the camera axes as rows in world
  coordinates; ``x, y, z`` is the camera centre C in mm. World → camera:
  ``R = diag(1, -1, -1) @ M`` (Pose2Sim's π rotation about the camera x axis),
  ``t = -R @ C``.
* Focal lengths, principal point and distortion coefficients ``k1 k2 p1 p2``
  are the file's values ÷ 64; ``fov_video`` left/top are 0, so no offset, and
  the 1080-px-wide cam02 video is the 1088-px frame cropped on the right.

Beside kneecoach's tracks, plain MediaPipe BlazePose runs on the full frames of each
camera (no crop around the person, no following, no swap correction): the last table
compares it with kneecoach's raw keypoints joint by joint, to show whether the crop costs
accuracy.

``--model-variants`` also runs BlazePose itself on cam02 four ways (tracking
mode and single-image mode, each alone and averaged with a run on the mirrored
frames, "flip test") and labels every frame left/right by whichever labelling
is nearer the reference, the best any swap handling could do. Its stance-leg
FPPA MAE, unfiltered, is what the model gives before kneecoach's cleaning: a
bias that survives all four is the model's, not the pipeline's.

``--figures DIR`` draws the reference (filled dots), raw (crosses) and clean
(rings) hips/knees/ankles over a few frames per camera: look at them before
trusting the numbers. The media folder is ``$KNEECOACH_MEDIA`` or
``<repo>/../shared/media``; without it the script says so and exits.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import av
import cv2
import numpy as np
import numpy.typing as npt
import xarray as xr

from kneecoach.core.schema import mirror_name
from kneecoach.core.settings import Settings, load_settings
from kneecoach.core.track import positions
from kneecoach.io.markers import canonical_name
from kneecoach.metrics.geometry import fppa_deg
from kneecoach.pipeline import run_track

FloatArray = npt.NDArray[np.float64]
Track = dict[str, FloatArray]  # keypoint name → (frames, 2) pixels, NaN where missing

CLIPS = {
    "cam02": "front_single_leg_balance_reach_cam02.mp4",
    "cam03": "rear_oblique_single_leg_balance_reach_cam03.mp4",
}
TRIAL = Path("groundtruth/pose2sim_balancing_trial")
N_FRAMES = 100
STANCE = {"left": (6, 72), "right": (87, 99)}  # inclusive 0-based video frames
JOINTS = [f"{side}_{j}" for side in ("left", "right") for j in ("hip", "knee", "ankle")]
FIGURE_FRAMES = (3, 40, 60, 95)


def media_dir() -> Path | None:
    """The shared media folder, or ``None`` if it is not there."""
    env = os.environ.get("KNEECOACH_MEDIA")
    path = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "media"
    return path if (path / TRIAL).is_dir() else None


def read_trc_3d(path: Path) -> Track:
    """Marker name (kneecoach's) → ``(frames, 3)`` metres, Y up, from a Pose2Sim ``.trc``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    names = [c for c in lines[3].split("\t")[2:] if c]
    rows = [line.split("\t") for line in lines[5:] if line.strip()]
    data = np.array([[float(v) if v else np.nan for v in r[: 2 + 3 * len(names)]] for r in rows])
    out: Track = {}
    for i, name in enumerate(names):
        key = canonical_name(name)
        if key:
            out[key] = data[:, 2 + 3 * i : 5 + 3 * i]
    return out


@dataclass(frozen=True)
class Camera:
    """OpenCV-style pinhole camera: world (Z up, metres) → image pixels."""

    rotation: FloatArray  # 3×3 world → camera
    translation: FloatArray  # metres
    matrix: FloatArray  # 3×3 intrinsics
    distortion: FloatArray  # k1 k2 p1 p2

    def project(self, points_yup: FloatArray) -> FloatArray:
        """``(..., 3)`` TRC points (Y up) → ``(..., 2)`` pixels (NaN stays NaN)."""
        world = points_yup[..., [2, 0, 1]].reshape(-1, 3)
        ok = np.isfinite(world).all(axis=1)
        out = np.full((len(world), 2), np.nan)
        if ok.any():
            rvec = cv2.Rodrigues(self.rotation)[0]
            px, _ = cv2.projectPoints(
                world[ok], rvec, self.translation, self.matrix, self.distortion
            )
            out[ok] = px.reshape(-1, 2)
        return out.reshape(*points_yup.shape[:-1], 2)


def read_qca(path: Path) -> dict[str, Camera]:
    """Cameras of a Qualisys ``.qca.txt`` calibration, read as Pose2Sim reads them."""
    cameras = {}
    for cam in ElementTree.parse(path).getroot().iter("camera"):
        tr = {k: float(v) for k, v in cam.find("transform").attrib.items()}  # type: ignore[union-attr]
        it = {k: float(v) for k, v in cam.find("intrinsic").attrib.items()}  # type: ignore[union-attr]
        axes = np.array([[tr[f"r{i}{j}"] for j in (1, 2, 3)] for i in (1, 2, 3)])
        rotation = np.diag([1.0, -1.0, -1.0]) @ axes
        centre = np.array([tr["x"], tr["y"], tr["z"]]) / 1000.0
        fov = cam.find("fov_video").attrib  # type: ignore[union-attr]
        cu = it["centerPointU"] / 64 - float(fov["left"])
        cv = it["centerPointV"] / 64 - float(fov["top"])
        matrix = np.array(
            [[it["focalLengthU"] / 64, 0.0, cu], [0.0, it["focalLengthV"] / 64, cv], [0, 0, 1]]
        )
        keys = ("radialDistortion1", "radialDistortion2", "tangentalDistortion1",
                "tangentalDistortion2")  # fmt: skip
        distortion = np.array([it[k] / 64 for k in keys])
        cameras[cam.attrib["serial"]] = Camera(rotation, -rotation @ centre, matrix, distortion)
    return cameras


def track_of(ds: xr.Dataset) -> Track:
    """Hips, knees, ankles of a kneecoach track, indexed by video frame."""
    frames = np.asarray(ds["frame"].values, dtype=int)
    out: Track = {}
    for name in JOINTS:
        arr = np.full((N_FRAMES, 2), np.nan)
        keep = (frames >= 0) & (frames < N_FRAMES)
        arr[frames[keep]] = positions(ds, name)[keep]
        out[name] = arr
    return out


def stance_fppa(track: Track, side: str) -> FloatArray:
    """FPPA of ``side``'s leg (+ valgus), with the other hip for the medial direction."""
    other = "right" if side == "left" else "left"
    return fppa_deg(
        track[f"{side}_hip"], track[f"{side}_knee"], track[f"{side}_ankle"], track[f"{other}_hip"]
    )


def compare(est: FloatArray, ref: FloatArray) -> dict[str, float]:
    """MAE, bias (est - ref), Pearson r and frame count over frames where both exist."""
    ok = np.isfinite(est) & np.isfinite(ref)
    d = est[ok] - ref[ok]
    r = float(np.corrcoef(est[ok], ref[ok])[0, 1]) if ok.sum() >= 3 else np.nan
    return {
        "mae_deg": float(np.mean(np.abs(d))) if d.size else np.nan,
        "bias_deg": float(np.mean(d)) if d.size else np.nan,
        "r": r,
        "n": int(ok.sum()),
    }


def pixel_error(track: Track, ref: Track, frames: slice) -> float:
    """Median distance (px) of hips, knees and ankles from the reference over ``frames``."""
    d = np.concatenate([np.linalg.norm(track[k][frames] - ref[k][frames], axis=1) for k in JOINTS])
    return float(np.nanmedian(d)) if np.isfinite(d).any() else np.nan


def sync_check(track: Track, ref: Track, lags: range = range(-5, 6)) -> dict[str, float]:
    """Frame offset of the video against the reference that minimises the 2D error.

    Per frame the better of the straight and the mirrored labelling is taken, so
    that left/right swaps do not pull the answer; ``lag`` > 0 means video frame
    ``i + lag`` matches reference frame ``i``.
    """
    errors = {}
    for lag in lags:
        i = np.arange(max(0, -lag), min(N_FRAMES, N_FRAMES - lag))
        straight = [track[k][i + lag] - ref[k][i] for k in JOINTS]
        mirrored = [track[mirror_name(k)][i + lag] - ref[k][i] for k in JOINTS]
        per_frame = np.fmin(
            np.linalg.norm(straight, axis=2).mean(axis=0),
            np.linalg.norm(mirrored, axis=2).mean(axis=0),
        )
        errors[lag] = float(np.nanmedian(per_frame))
    best = min(errors, key=errors.__getitem__)
    return {"best_lag_frames": best, "px_at_best": errors[best], "px_at_0": errors[0]}


def error_budget(track: Track, ref: Track, side: str, frames: slice) -> dict[str, float]:
    """Stance-leg FPPA MAE with one joint (both hips; the knee; the ankle) taken from the
    reference where the track has it: how much of the error each keypoint carries."""
    ref_fppa = stance_fppa(ref, side)[frames]
    budget = {}
    for label, joints in (
        ("hips", ["left_hip", "right_hip"]),
        ("knee", [f"{side}_knee"]),
        ("ankle", [f"{side}_ankle"]),
    ):
        swapped = dict(track)
        for j in joints:
            swapped[j] = np.where(np.isfinite(track[j]), ref[j], np.nan)
        budget[label] = compare(stance_fppa(swapped, side)[frames], ref_fppa)["mae_deg"]
    return budget


def evaluate(tracks: dict[str, Track], ref: Track) -> dict[str, Any]:
    """Per stance leg: reference FPPA range and the stats of each track."""
    out: dict[str, Any] = {}
    for side, (a, b) in STANCE.items():
        frames = slice(a, b + 1)
        ref_fppa = stance_fppa(ref, side)[frames]
        row: dict[str, Any] = {
            "frames": [a, b],
            "reference_fppa_deg": {
                "mean": float(np.nanmean(ref_fppa)),
                "min": float(np.nanmin(ref_fppa)),
                "max": float(np.nanmax(ref_fppa)),
            },
        }
        for label, track in tracks.items():
            stats = compare(stance_fppa(track, side)[frames], ref_fppa)
            stats["pixel_error_median"] = pixel_error(track, ref, frames)
            row[label] = stats
        row["clean_with_reference"] = error_budget(tracks["clean"], ref, side, frames)
        out[side] = row
    return out


def draw_figures(video: Path, camera: str, tracks: dict[str, Track], folder: Path) -> None:
    """Reference (dots), raw (crosses), clean (rings) over a few frames; left red, right blue."""
    folder.mkdir(parents=True, exist_ok=True)
    colour = {"left": (0, 0, 255), "right": (255, 128, 0)}  # BGR
    with av.open(str(video)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index not in FIGURE_FRAMES:
                continue
            img = frame.to_ndarray(format="bgr24")
            for label, track in tracks.items():
                for side in ("left", "right"):
                    pts = [track[f"{side}_{j}"][index] for j in ("hip", "knee", "ankle")]
                    if not np.isfinite(pts).all():
                        continue
                    p = [tuple(int(round(v)) for v in q) for q in pts]
                    c = colour[side]
                    if label == "reference":
                        cv2.polylines(img, [np.array(p)], False, c, 2)
                        for q in p:
                            cv2.circle(img, q, 9, c, -1)
                    elif label == "raw":
                        for q in p:
                            cv2.drawMarker(img, q, c, cv2.MARKER_CROSS, 26, 3)
                    else:
                        for q in p:
                            cv2.circle(img, q, 16, c, 3)
            cv2.putText(img, f"{camera} frame {index}: dot=reference x=raw o=clean; L red R blue",
                        (20, 50), cv2.FONT_HERSHEY_SIMPLEX, 1.1, (255, 255, 255), 3)  # fmt: skip
            cv2.imwrite(str(folder / f"{camera}_frame{index:03d}.png"), img)


INDEX = {"left_hip": 23, "right_hip": 24, "left_knee": 25, "right_knee": 26,
         "left_ankle": 27, "right_ankle": 28}  # fmt: skip


def plain_mediapipe(video: Path, *, static: bool = False, flip: bool = False) -> Track:
    """BlazePose on the full frames, as MediaPipe gives it: no crop around the person, no
    following, no swap correction, no cleaning (``flip``: run on the mirrored frames)."""
    from kneecoach.pose.mediapipe import MediaPipePose

    est = MediaPipePose(static_image_mode=static)
    out = {k: np.full((N_FRAMES, 2), np.nan) for k in JOINTS}
    with av.open(str(video)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i >= N_FRAMES:
                break
            img = np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
            pose = est.estimate(np.ascontiguousarray(img[:, ::-1]) if flip else img)
            if pose is None:
                continue
            for name, j in INDEX.items():
                x, y = pose.xy[j]
                if flip:
                    out[mirror_name(name)][i] = (img.shape[1] - x, y)
                else:
                    out[name][i] = (x, y)
    est.close()
    return out


def joint_pixels(tracks: dict[str, Track], ref: Track) -> dict[str, dict[str, float]]:
    """Per track and joint: the median distance (px) from the reference over both stances."""
    frames = np.r_[tuple(slice(a, b + 1) for a, b in STANCE.values())]
    out = {}
    for label, track in tracks.items():
        d = {k: np.linalg.norm(track[k][frames] - ref[k][frames], axis=1) for k in JOINTS}
        out[label] = {
            k: float(np.nanmedian(v)) if np.isfinite(v).any() else np.nan for k, v in d.items()
        }
    return out


def run_camera(
    media: Path, camera: str, cam: Camera, ref3d: Track, settings: Settings, figures: Path | None
) -> dict[str, Any]:
    """Track one clip with kneecoach and with plain MediaPipe on full frames, and compare
    both with the projected reference."""
    video = media / CLIPS[camera]
    ref = {k: cam.project(ref3d[k]) for k in JOINTS}
    with tempfile.TemporaryDirectory() as tmp:
        result = run_track(video, out_dir=tmp, settings=settings, formats=[], video=False)
    tracks = {
        "raw": track_of(result.raw),
        "clean": track_of(result.clean),
        "plain": plain_mediapipe(video),
    }
    if figures is not None:
        draw_figures(video, camera, {"reference": ref, **tracks}, figures)
    return {
        **evaluate(tracks, ref),
        "sync": sync_check(tracks["raw"], ref),
        "joint_px": joint_pixels(tracks, ref),
    }


def best_labelled(track: Track, ref: Track) -> Track:
    """Per frame, the straight or the mirrored labelling, whichever is nearer ``ref``."""
    mirrored = {k: track[mirror_name(k)] for k in JOINTS}
    err = [sum(np.linalg.norm(t[k] - ref[k], axis=1) for k in JOINTS) for t in (track, mirrored)]
    flip = (err[1] < err[0])[:, None]
    return {k: np.where(flip, mirrored[k], track[k]) for k in JOINTS}


def model_variants(video: Path, ref: Track) -> dict[str, dict[str, dict[str, float]]]:
    """Stance-leg FPPA MAE of BlazePose run four ways, best-labelled (see the docstring)."""
    runs: dict[tuple[bool, bool], Track] = {}
    for static in (False, True):
        for flip in (False, True):
            runs[(static, flip)] = best_labelled(
                plain_mediapipe(video, static=static, flip=flip), ref
            )
    results = {}
    for static in (False, True):
        mode = "single-image" if static else "tracking"
        plain = runs[(static, False)]
        averaged = {k: (plain[k] + runs[(static, True)][k]) / 2 for k in JOINTS}
        for label, track in ((mode, plain), (f"{mode} + flip test", averaged)):
            results[label] = {
                side: compare(
                    stance_fppa(track, side)[a : b + 1], stance_fppa(ref, side)[a : b + 1]
                )
                for side, (a, b) in STANCE.items()
            }
    return results


def print_table(results: dict[str, Any]) -> None:
    """One line per camera, stance leg and track."""
    head = f"{'camera':7} {'leg':5} {'frames':6} {'ref FPPA mean [min,max]':24} {'track':6}"
    print(head + f" {'MAE°':>6} {'bias°':>6} {'r':>6} {'n':>3} {'px med':>7}")
    print("-" * (len(head) + 33))
    for camera, legs in results.items():
        for side in STANCE:
            row = legs[side]
            rf = row["reference_fppa_deg"]
            ref = f"{rf['mean']:+6.1f} [{rf['min']:+5.1f},{rf['max']:+5.1f}]"
            for label in ("plain", "raw", "clean"):
                s = row[label]
                print(
                    f"{camera:7} {side:5} {row['frames'][0]:2d}-{row['frames'][1]:<3d} {ref:24} "
                    f"{label:6} {s['mae_deg']:6.1f} {s['bias_deg']:+6.1f} {s['r']:6.2f} "
                    f"{s['n']:3d} {s['pixel_error_median']:7.1f}"
                )
    for camera, legs in results.items():
        for side in STANCE:
            budget = ", ".join(
                f"{k} {v:.1f}°" for k, v in legs[side]["clean_with_reference"].items()
            )
            print(f"clean MAE {camera} {side} with the reference's own ... {budget}")
    for camera, legs in results.items():
        sync = legs["sync"]
        print(
            f"sync check {camera}: 2D error is lowest with the video {sync['best_lag_frames']:+d} "
            f"frames against the reference ({sync['px_at_best']:.1f} px; "
            f"{sync['px_at_0']:.1f} px at 0)"
        )
    print("Goal: clean MAE <= 6 deg on stance frames in cam02 (cam03 is informational).")
    print("\nCrop against full frames: median px from the reference per joint over both stances")
    print(f"{'camera':7} {'joint':12} {'plain MediaPipe':>16} {'kneecoach raw':>14}")
    for camera, legs in results.items():
        px = legs["joint_px"]
        for joint in JOINTS:
            plain, raw = px["plain"][joint], px["raw"][joint]
            mark = "" if raw <= plain else "  <- kneecoach farther"
            print(f"{camera:7} {joint:12} {plain:16.1f} {raw:14.1f}{mark}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--figures", type=Path, help="save overlay PNGs to this folder")
    parser.add_argument("--json", type=Path, help="write the numbers to this JSON file")
    parser.add_argument(
        "--model-variants", action="store_true", help="also run BlazePose four ways on cam02"
    )
    parser.add_argument("--cutoff-hz", type=float)
    parser.add_argument("--fix-swaps", action=argparse.BooleanOptionalAction, default=None)
    parser.add_argument("--confidence-threshold", type=float)
    parser.add_argument("--person-select")
    args = parser.parse_args(argv)
    media = media_dir()
    if media is None:
        print("reference_accuracy: media folder not found (set $KNEECOACH_MEDIA); skipped")
        return 0
    settings = load_settings().with_overrides(
        cutoff_hz=args.cutoff_hz,
        fix_swaps=args.fix_swaps,
        confidence_threshold=args.confidence_threshold,
        person_select=args.person_select,
    )
    ref3d = read_trc_3d(media / TRIAL / "BalancingTrial_0-100_filt_butterworth.trc")
    cameras = read_qca(media / TRIAL / "Calib.qca.txt")
    results = {
        name: run_camera(media, name, cameras[name], ref3d, settings, args.figures)
        for name in CLIPS
    }
    print_table(results)
    if args.model_variants:
        cam = cameras["cam02"]
        ref = {k: cam.project(ref3d[k]) for k in JOINTS}
        variants = model_variants(media / CLIPS["cam02"], ref)
        print("\nBlazePose on cam02, unfiltered, each frame labelled left/right as the reference:")
        for label, legs in variants.items():
            stats = (f"{side} MAE {s['mae_deg']:4.1f}° bias {s['bias_deg']:+5.1f}°"
                     for side, s in legs.items())  # fmt: skip
            print(f"  {label:26} " + ", ".join(stats))
        results["cam02_model_variants"] = variants
    if args.json:
        payload = {
            "settings": {k: getattr(settings, k) for k in settings.__dataclass_fields__},
            "results": results,
        }
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
