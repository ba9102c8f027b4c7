"""Fuzzing every importer: damaged or hostile files give a clear error or a valid result,
never another exception (which the command line would call a bug).

Each importer gets a valid file of its kind, damaged by hypothesis (bytes flipped, cut,
inserted, or replaced by text), with a bounded budget (``max_examples``): a few seconds
each in the suite and in ``.ci/run``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kneecoach.core.errors import KneecoachError
from kneecoach.core.settings import load_settings
from kneecoach.io import load_keypoints, to_csv_file, to_netcdf_file, to_trc_file
from kneecoach.program.intake import load_intake
from kneecoach.sample_data.synthetic import single_leg_squat
from kneecoach.storage.archive import import_person, read_archive
from kneecoach.storage.db import open_database

EXAMPLE_INTAKE = Path(__file__).resolve().parents[3] / "examples" / "intake.toml"
BUDGET = settings(
    max_examples=int(os.environ.get("KNEECOACH_FUZZ_EXAMPLES", "60")),
    deadline=None,
    derandomize="KNEECOACH_FUZZ_EXAMPLES" not in os.environ,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@st.composite
def damaged(draw: st.DrawFn, original: bytes) -> bytes:
    """``original`` with a few random edits: cut short, bytes replaced, bytes inserted."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["cut", "flip", "insert", "text"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "cut":
            del data[at:]
        elif kind == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=20))
        else:
            data[at:at] = draw(st.sampled_from(["nan", "inf", "-1e308", "1e308", ",,,", "\t\n",
                                                "é", "\x00", "[[[[", "}"])).encode()  # fmt: skip
    return bytes(data)


def clear_or_valid(read: Callable[[Path], object], path: Path) -> None:
    """``read(path)`` returns, or raises one of kneecoach's own errors: nothing else."""
    try:
        read(path)
    except KneecoachError as exc:
        assert str(exc).strip(), "an error without a message"


def _fuzz_file(original: bytes, name: str, read: Callable[[Path], object]) -> None:
    """``read`` a file called ``name`` holding damaged versions of ``original``."""

    @BUDGET
    @given(data=damaged(original))
    def check(data: bytes) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / name
            path.write_bytes(data)
            clear_or_valid(read, path)

    check()


def _valid(kind: str, folder: Path) -> Path:
    track = single_leg_squat(duration_s=1.0, reps=1)
    writers = {"trc": to_trc_file, "csv": to_csv_file, "nc": to_netcdf_file}
    return writers[kind](track, folder / f"track.{kind}")


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # h5netcdf's
@pytest.mark.parametrize("kind", ["trc", "csv", "nc"])  # __del__ after a failed open
def test_a_damaged_keypoint_file_is_refused_or_read(kind: str, tmp_path: Path) -> None:
    original = _valid(kind, tmp_path).read_bytes()
    _fuzz_file(original, f"track.{kind}", lambda p: load_keypoints(p, fps=30.0))


def test_a_damaged_openpose_folder_is_refused_or_read(tmp_path: Path) -> None:
    frame = (
        b'{"version":1.3,"people":[{"person_id":[-1],"pose_keypoints_2d":['
        + b",".join(b"%d,%d,0.9" % (100 + i, 200 + 3 * i) for i in range(25))
        + b"]}]}"
    )

    @BUDGET
    @given(first=damaged(frame), second=damaged(frame))
    def check(first: bytes, second: bytes) -> None:
        with tempfile.TemporaryDirectory() as folder:
            for i, data in enumerate((frame, first, second, frame)):
                (Path(folder) / f"clip_{i:012d}_keypoints.json").write_bytes(data)
            clear_or_valid(lambda p: load_keypoints(p, fps=30.0), Path(folder))

    check()


def test_a_damaged_intake_is_refused_or_read() -> None:
    _fuzz_file(EXAMPLE_INTAKE.read_bytes(), "intake.toml", load_intake)


def test_a_damaged_config_file_is_refused_or_read() -> None:
    config = b'confidence_threshold = 0.4\ncutoff_hz = 8\nperson_select = "central"\n'
    _fuzz_file(config, "config.toml", lambda p: load_settings(p))


def _import(archive: Path, folder: Path) -> None:
    """Read ``archive`` and import it into a new journal in ``folder``."""
    read_archive(archive)
    with open_database(f"sqlite:///{folder / 'j.sqlite3'}") as j, j.transaction() as s:
        import_person(s, archive, j.files_dir)


def test_a_damaged_journal_archive_is_refused_or_read(tmp_path: Path) -> None:
    doc = (
        b'{"format": "kneecoach.journal-export/1", "person": {"key": "' + b"a" * 32
        + b'", "name": "ann", "created_at": "2026-01-01T00:00:00"}, "assessments": [], '
        b'"intakes": [], "programmes": [], "session_logs": [], "pain_checkins": []}'
    )  # fmt: skip

    @BUDGET
    @given(journal=damaged(doc), whole=st.booleans())
    def check(journal: bytes, whole: bool) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "ann.zip"
            with zipfile.ZipFile(path, "w") as zf:
                zf.writestr("journal.json", journal)
            if not whole:  # the zip itself cut short
                data = path.read_bytes()
                path.write_bytes(data[: len(data) // 2])
            clear_or_valid(lambda p: _import(p, Path(folder)), path)

    check()
    shutil.rmtree(tmp_path, ignore_errors=True)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(doc: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Every place in a JSON document (dict keys and list indexes)."""
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*prefix, i))
    return out


def test_an_archive_with_any_value_anywhere_is_refused_or_imported(tmp_path: Path) -> None:
    """A real export (an assessment with its files, a session log, a pain check-in) whose
    journal.json has one value, anywhere, replaced by any JSON value."""
    import json

    from kneecoach.app.analyze import AnalysisRequest, analyze
    from kneecoach.app.journal import Journal
    from kneecoach.io import to_netcdf_file as nc

    clip = nc(single_leg_squat(duration_s=4.0, reps=2), tmp_path / "c.nc")
    with Journal.open(f"sqlite:///{tmp_path / 'src.sqlite3'}") as j:
        analyze(AnalysisRequest(clip, tmp_path / "a", video=False, person="ann"), j)
        j.record_checkin("ann", day=__import__("datetime").date(2026, 3, 2), pain=3, notes="ok")
        _, archive, _ = j.export("ann", lambda _: tmp_path / "ann.zip")
    with zipfile.ZipFile(archive) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    doc = json.loads(members["journal.json"])
    places = _paths(doc)

    @BUDGET
    @given(where=st.sampled_from(places), value=JSON_VALUES)
    def check(where: tuple[object, ...], value: object) -> None:
        edited = json.loads(members["journal.json"])
        if not where:
            edited = value
        else:
            parent = edited
            for step in where[:-1]:
                parent = parent[step]
            parent[where[-1]] = value
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "edited.zip"
            with zipfile.ZipFile(path, "w") as zf:
                for name, data in members.items():
                    zf.writestr(name, json.dumps(edited) if name == "journal.json" else data)
            clear_or_valid(lambda p: _import(p, Path(folder)), path)

    check()
