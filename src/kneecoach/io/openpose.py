"""OpenPose per-frame JSON folders (BODY_25, COCO-18 or HALPE-26 layouts).

Each ``*_keypoints.json`` holds ``people[].pose_keypoints_2d`` as flat
``x, y, c`` triples in pixels, y down. A zero triple means "not found". When a
frame has several people, the largest person in the first frame is followed,
then the one nearest to where they were. The files carry no frame rate, so one
must be given (``--fps``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import numpy.typing as npt
import xarray as xr

from kneecoach.core.errors import InputError
from kneecoach.core.schema import MAX_COORDINATE
from kneecoach.core.track import from_numpy, log_step
from kneecoach.io.markers import canonical_name

LAYOUTS: dict[int, tuple[str, ...]] = {
    25: ("Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist",
         "MidHip", "RHip", "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle", "REye", "LEye",
         "REar", "LEar", "LBigToe", "LSmallToe", "LHeel", "RBigToe", "RSmallToe", "RHeel"),
    18: ("Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist",
         "RHip", "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle", "REye", "LEye", "REar", "LEar"),
    26: ("Nose", "LEye", "REye", "LEar", "REar", "LShoulder", "RShoulder", "LElbow", "RElbow",
         "LWrist", "RWrist", "LHip", "RHip", "LKnee", "RKnee", "LAnkle", "RAnkle", "Head",
         "Neck", "Hip", "LBigToe", "RBigToe", "LSmallToe", "RSmallToe", "LHeel", "RHeel"),
}  # fmt: skip

Person = npt.NDArray[np.float64]  # (K, 3): x, y, c


#: what a folder given by mistake may hold instead of OpenPose JSON (for the message)
VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm")


def _read_people(path: Path) -> list[Person]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        people = doc["people"]
        arrays = [np.asarray(p["pose_keypoints_2d"], dtype=np.float64) for p in people]
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}, line {exc.lineno}: invalid JSON ({exc.msg})") from None
    except RecursionError:
        raise InputError(f"{path}: not OpenPose JSON (lists nested far too deep)") from None
    except (KeyError, TypeError) as exc:
        raise InputError(f"{path}: expected people[].pose_keypoints_2d, missing {exc}") from None
    except ValueError as exc:
        raise InputError(f"{path}: pose_keypoints_2d must be numbers ({exc})") from None
    out = []
    for i, a in enumerate(arrays):
        if a.size % 3 or a.size // 3 not in LAYOUTS:
            raise InputError(
                f"{path}: people[{i}].pose_keypoints_2d has {a.size} values; expected "
                f"3 × one of {sorted(LAYOUTS)} keypoints"
            )
        person = a.reshape(-1, 3)
        with np.errstate(invalid="ignore"):  # NaN compares False: kept as missing anyway
            impossible = ~(np.abs(person[:, :2]) <= MAX_COORDINATE).all(axis=1)
        person[(person[:, 2] <= 0) | impossible, :2] = np.nan
        out.append(person)
    return out


def _centre_size(p: Person) -> tuple[npt.NDArray[np.float64], float]:
    xy = p[:, :2]
    if not np.isfinite(xy).any():
        return np.array([np.nan, np.nan]), 0.0
    lo, hi = np.nanmin(xy, axis=0), np.nanmax(xy, axis=0)
    return (lo + hi) / 2, float(np.prod(hi - lo))


def from_openpose_folder(folder: str | Path, /, *, fps: float | None) -> xr.Dataset:
    """Read a folder of OpenPose ``*_keypoints.json`` files (sorted by name)."""
    folder = Path(folder)
    files = sorted(folder.glob("*.json"))
    if not files:
        videos = sorted(f.name for f in folder.iterdir() if f.suffix.lower() in VIDEO_SUFFIXES)
        hint = (
            f"; it holds a video: give the file itself ({folder / videos[0]})"
            if len(videos) == 1
            else f"; it holds {len(videos)} videos ({', '.join(videos[:3])}"
            f"{', ...' if len(videos) > 3 else ''}): give one, or several for a study "
            f"({folder / '*'}{Path(videos[0]).suffix})"
            if videos
            else "; give a video file, a keypoint file (.nc, .csv, .trc) or a folder of "
            "OpenPose *_keypoints.json files"
        )
        raise InputError(f"{folder}: a folder with no OpenPose .json files in it{hint}")
    if not fps or fps <= 0:
        raise InputError(f"{folder}: OpenPose JSON has no frame rate; pass --fps (e.g. --fps 30)")
    chosen: list[Person | None] = []
    last_centre = None
    n_kp = None
    for f in files:
        people = _read_people(f)
        if people and n_kp is None:
            n_kp = len(people[0])
        if not people:
            chosen.append(None)
            continue
        if last_centre is None:
            pick = max(people, key=lambda p: _centre_size(p)[1])
        else:
            centre = last_centre
            pick = min(people, key=lambda p: float(np.nansum((_centre_size(p)[0] - centre) ** 2)))
        last_centre = _centre_size(pick)[0]
        chosen.append(pick)
    if n_kp is None:
        raise InputError(f"{folder}: no person in any of the {len(files)} files")
    layout = LAYOUTS[n_kp]
    pairs = [(i, canonical_name(n)) for i, n in enumerate(layout) if canonical_name(n)]
    keypoints = [str(k) for _, k in pairs]
    idx = [i for i, _ in pairs]
    pos = np.full((len(files), len(idx), 2), np.nan)
    conf = np.full((len(files), len(idx)), np.nan)
    for t, person in enumerate(chosen):
        if person is not None:
            if len(person) != n_kp:
                raise InputError(f"{files[t]}: {len(person)} keypoints, the first file had {n_kp}")
            pos[t] = person[idx, :2]
            conf[t] = person[idx, 2]
    ds = from_numpy(
        pos, conf,
        time_s=np.arange(len(files)) / fps,
        fps=fps,
        keypoints=keypoints,
        source_file=str(folder),
        source_software=f"openpose ({n_kp} keypoints)",
    )  # fmt: skip
    return log_step(ds, "from_openpose_folder", path=str(folder), files=len(files), fps=fps)
