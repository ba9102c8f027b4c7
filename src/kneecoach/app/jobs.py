"""Analyses asked for from the web app: checked, queued in the journal, run one at a time.

The web server never analyses: :meth:`Jobs.submit` checks the upload, moves it into the
job's own folder and queues a row in the journal; a thread of the server hands the oldest
queued job to a fresh worker *process* (:func:`work`), which runs the same
:func:`kneecoach.app.analyze.analyze` as ``kneecoach analyze`` and writes its stage and
percent into the row as it goes. So progress survives a reload or a closed tab (it is in
the database), two uploads at once wait their turn, and a server that stops mid-analysis
marks that job failed when it starts again: the assessment is stored whole by the worker's
one transaction, or not at all.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from kneecoach.app.journal import Journal
from kneecoach.core.errors import InputError, KneecoachError
from kneecoach.core.movement_tests import MOVEMENT_TESTS
from kneecoach.core.settings import Settings
from kneecoach.storage import jobs as store
from kneecoach.storage.files import make_private
from kneecoach.storage.models import Job
from kneecoach.storage.repository import find_person_by_key, new_key

#: The first bytes of each kind of file the web app accepts, by suffix (a file whose
#: contents do not match its name is refused before it is queued).
SIGNATURES: dict[str, tuple[int, tuple[bytes, ...]]] = {
    # ISO base media (MP4, QuickTime): a box size, then "ftyp" (or an older top-level box)
    ".mp4": (4, (b"ftyp",)),
    ".m4v": (4, (b"ftyp",)),
    ".mov": (4, (b"ftyp", b"moov", b"mdat", b"wide", b"free")),
    ".webm": (0, (b"\x1a\x45\xdf\xa3",)),  # EBML (Matroska)
    ".mkv": (0, (b"\x1a\x45\xdf\xa3",)),
    ".avi": (8, (b"AVI ",)),  # after "RIFF" and the size
    ".y4m": (0, (b"YUV4MPEG2",)),
    ".nc": (0, (b"\x89HDF\r\n\x1a\n", b"CDF")),  # netCDF-4 (HDF5) or classic netCDF
}
#: Keypoint tables: text files, checked as UTF-8 text.
TEXT_SUFFIXES = (".csv", ".trc")
#: How an upload being received is named in the jobs folder.
INCOMING = ".incoming-"
#: Every test the web app can be asked for.
TESTS = ("auto", *MOVEMENT_TESTS)


def check_upload(path: Path, filename: str) -> str:
    """The suffix ``path`` is analysed as, from ``filename`` (the name the browser gave),
    once its contents match it; :class:`InputError` otherwise (nothing is queued)."""
    suffix = Path(filename).suffix.lower()
    accepted = sorted((*SIGNATURES, *TEXT_SUFFIXES))
    if suffix not in accepted:
        raise InputError(
            f"{filename!r}: kneecoach analyses videos and keypoint files "
            f"({', '.join(accepted)}); this is not one of them"
        )
    with path.open("rb") as fh:
        head = fh.read(4096)
    if not head:
        raise InputError(f"{filename!r} is empty")
    if suffix in TEXT_SUFFIXES:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:  # a multi-byte character cut at 4096 is fine
            if exc.start < len(head) - 4:
                raise InputError(f"{filename!r} is not text, so not a {suffix} table") from None
        return suffix
    offset, starts = SIGNATURES[suffix]
    if not any(head[offset:].startswith(s) for s in starts):
        raise InputError(f"{filename!r} is not a {suffix[1:]} file (its contents say otherwise)")
    return suffix


@dataclass(frozen=True)
class JobState:
    """Where a job stands (what ``GET /api/jobs/{key}`` answers)."""

    key: str
    #: ``queued``, ``running``, ``done`` or ``failed``
    status: str
    stage: str
    percent: float | None
    message: str
    filename: str
    test: str
    #: the person it is stored for (their key), or None
    person: str | None
    #: when done: ``ok``, ``partial`` or ``refused``
    outcome: str | None
    #: when stored for the person: the assessment's key
    assessment: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, job: Job) -> JobState:
        return cls(job.key, job.status, job.stage, job.percent, job.message, job.filename,
                   job.test, job.person.key if job.person else None, job.outcome,
                   job.assessment_key, job.created_at, job.updated_at)  # fmt: skip

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    @property
    def has_report(self) -> bool:
        """A report was written: the job is done and the analysis measured something."""
        return self.status == "done" and self.outcome in ("ok", "partial")

    def to_json(self) -> dict[str, object]:
        return {
            "job": self.key, "status": self.status, "stage": self.stage,
            "percent": None if self.percent is None else round(self.percent, 1),
            "message": self.message, "filename": self.filename, "test": self.test,
            "person": self.person, "outcome": self.outcome,
            "analysis": self.key if self.has_report else None,
            "assessment": self.assessment,
            "created_at": self.created_at.isoformat() + "Z",
            "updated_at": self.updated_at.isoformat() + "Z",
        }  # fmt: skip


#: Runs job ``key`` of the journal at ``url`` to its end (in a worker process).
Runner = Callable[[str, str, Settings], None]


class Jobs:
    """The queue of analyses over one journal, and the thread that works through it."""

    def __init__(self, journal: Journal, settings: Settings, *, runner: Runner | None = None):
        self.journal = journal
        self.settings = settings
        self._runner = runner or self._run_in_process
        self._process: multiprocessing.process.BaseProcess | None = None
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def folder(self, key: str) -> Path:
        return store.job_folder(self.journal.files_dir, key)

    def incoming(self) -> Path:
        """A new private file for an upload being received (:meth:`submit` takes it)."""
        root = self.journal.files_dir / store.JOBS_FOLDER
        make_private(root, self.journal.files_dir)
        return root / f"{INCOMING}{new_key()}"

    def submit(self, upload: Path, *, filename: str, test: str, person: str | None) -> JobState:
        """Queue ``upload`` (a file the web server wrote; it is moved, never copied) for
        analysis as ``test``, stored for the person with key ``person`` (None: not stored).
        Refused (:class:`InputError`, the file removed) when the file is not what its name
        says or the test or the person is unknown."""
        try:
            if test not in TESTS:
                raise InputError(f"unknown test {test!r}; choose one of {', '.join(TESTS)}")
            suffix = check_upload(upload, filename)
            key = new_key()
            with self.journal.transaction() as session:
                owner = find_person_by_key(session, person) if person else None
                folder = self.folder(key)
                make_private(folder, self.journal.files_dir)
                upload.replace(folder / f"clip{suffix}")
                job = store.add_job(session, key=key, filename=filename, test=test, person=owner)
                state = JobState.of(job)
        except BaseException:
            upload.unlink(missing_ok=True)
            raise
        self._wake.set()
        return state

    def state(self, key: str) -> JobState:
        with self.journal.transaction() as session:
            return JobState.of(store.find_job(session, key))

    def recent(self, person: str | None = None) -> list[JobState]:
        """The newest jobs first (of the person with key ``person``, or everyone's)."""
        with self.journal.transaction() as session:
            owner = find_person_by_key(session, person) if person else None
            return [JobState.of(j) for j in store.jobs_of(session, owner)]

    def analysis_file(self, key: str, name: str) -> Path:
        """A file the analysis of job ``key`` wrote (``summary.json``, ``report.html`` …)."""
        state = self.state(key)
        path = self.folder(key) / "analysis" / name
        if not state.has_report or not path.is_file():
            raise InputError(f"analysis {key} has no {name}")
        return path

    def of_assessment(self, assessment_key: str) -> str | None:
        """The job (its key) whose clip was stored as ``assessment_key``; None: none was."""
        with self.journal.transaction() as session:
            job = store.job_of_assessment(session, assessment_key)
            return job.key if job is not None and job.status == "done" else None

    def clip(self, key: str) -> Path:
        """The clip uploaded for job ``key``."""
        found = sorted(self.folder(key).glob("clip.*"))
        if not found:
            raise InputError(f"analysis {key} has no clip")
        return found[0]

    # the worker thread ------------------------------------------------------------------

    def start(self) -> list[str]:
        """Mark the jobs a stopped server left running failed, remove folders no job names,
        and start working through the queue. Returns the keys marked failed."""
        with self.journal.transaction() as session:
            failed = store.fail_interrupted(session)
            known = store.job_keys(session)
        root = self.journal.files_dir / store.JOBS_FOLDER
        for entry in sorted(root.iterdir()) if root.is_dir() else ():
            if entry.name.startswith(INCOMING):
                entry.unlink(missing_ok=True)  # an upload cut off by the stop
            elif entry.is_dir() and entry.name not in known:
                shutil.rmtree(entry, ignore_errors=True)  # an upload never queued
        self._thread = threading.Thread(target=self._loop, name="kneecoach-jobs", daemon=True)
        self._thread.start()
        return failed

    def stop(self) -> None:
        """Stop working: the worker process is ended, and its job marked failed (nothing of
        it is stored: the assessment is stored in one transaction at its very end)."""
        self._stopping.set()
        self._wake.set()
        process = self._process
        if process is not None and process.is_alive():
            process.terminate()
            process.join(timeout=10)
        if self._thread is not None:
            self._thread.join(timeout=10)
        with self.journal.transaction() as session:
            store.fail_interrupted(session)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            with self.journal.transaction() as session:
                job = store.claim_next(session)
                key = job.key if job else None
            if key is None:
                self._wake.wait(timeout=2.0)
                self._wake.clear()
                continue
            try:
                self._runner(self.journal.url, key, self.settings)
            except Exception as exc:  # the worker could not be started
                message = f"the analysis could not run ({type(exc).__name__}: {exc})"
            else:
                message = "the analysis stopped unexpectedly; nothing of it was stored"
            with self.journal.transaction() as session:
                if store.find_job(session, key).status == "running":
                    store.end_job(session, key, failed=True, message=message)

    def _run_in_process(self, url: str, key: str, settings: Settings) -> None:
        """Run job ``key`` in a fresh process (spawned: nothing of the server's threads or
        open database is inherited) and wait for it to end."""
        process = multiprocessing.get_context("spawn").Process(
            target=work,
            args=(url, key, replace(settings, origins=dict(settings.origins))),
            name=f"kneecoach-job-{key[:8]}",
            daemon=True,
        )  # (origins: a read-only mapping, which cannot be pickled)
        self._process = process
        process.start()
        process.join()
        self._process = None


def _end_with_the_server() -> None:
    """In a worker: exit as soon as the server that started it is gone (killed), so an
    orphan never stores an analysis the restarted server has marked failed."""
    parent = multiprocessing.parent_process()

    def watch() -> None:
        while parent is not None and parent.is_alive():
            time.sleep(1.0)
        os._exit(1)

    if parent is not None:
        threading.Thread(target=watch, name="kneecoach-orphan-watch", daemon=True).start()


def work(url: str, key: str, settings: Settings) -> None:
    """Analyse job ``key`` of the journal at ``url`` and end it: the worker process's body.

    Its stage and percent are written to the job at most every half second. An analysis that
    fails for a reason the person can fix ends the job ``failed`` with that reason.
    """
    from kneecoach.app.analyze import AnalysisRequest, analyze

    _end_with_the_server()
    with Journal.open(url) as journal:
        with journal.transaction() as session:
            job = store.find_job(session, key)
            test, person = job.test, (job.person.name if job.person else None)
        folder = store.job_folder(journal.files_dir, key)
        last: dict[str, float] = {}

        def progress(stage: str, done: int, total: int | None) -> None:
            now = time.monotonic()
            if now - last.get(stage, -1.0) < 0.5 and done != total:
                return
            last[stage] = now
            percent = min(100.0, 100.0 * done / total) if total else None
            with journal.transaction() as s:
                store.set_progress(s, key, stage, percent)

        clip = sorted(folder.glob("clip.*"))[0]
        request = AnalysisRequest(clip, folder / "analysis", settings, test=test, person=person)
        try:
            analysis = analyze(request, journal if person else None, progress=progress)
        except (KneecoachError, OSError) as exc:
            with journal.transaction() as session:
                store.end_job(session, key, failed=True, message=str(exc))
            return
        except Exception as exc:
            with journal.transaction() as session:
                bug = f"this is a bug in kneecoach ({type(exc).__name__}: {exc})"
                store.end_job(session, key, failed=True, message=bug)
            raise
        stored = analysis.stored.folder.name if analysis.stored else None
        with journal.transaction() as session:
            store.end_job(session, key, failed=False, message=analysis.message,
                          outcome=analysis.status, assessment_key=stored)  # fmt: skip
