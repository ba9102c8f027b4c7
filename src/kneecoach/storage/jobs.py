"""The web app's analysis jobs in the journal database: queued, claimed, progressed, ended.

A job row is the only shared state between the web server and the worker process that runs
the analysis: the server inserts it (``queued``), the worker claims the oldest
(``running``), writes its stage and percent as it goes and ends it (``done`` or
``failed``). Each function runs in the caller's transaction.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kneecoach.core.errors import InputError
from kneecoach.storage.models import Job, Person, utcnow
from kneecoach.storage.repository import is_key, new_key

#: What a job that was running when the server stopped says when the server starts again.
INTERRUPTED = (
    "the server stopped while this clip was analysed; nothing of it was stored. "
    "Upload the clip again"
)


#: The folder, in the journal's files folder, that holds each job's own (``<key>/``); the
#: files sweep leaves folders whose name starts with a dot alone.
JOBS_FOLDER = ".jobs"


def job_folder(files_dir: Path, key: str) -> Path:
    """Job ``key``'s folder: the uploaded clip (``clip.<suffix>``) and ``analysis/``."""
    if not is_key(key):
        raise InputError(f"there is no analysis {key!r}")
    return files_dir / JOBS_FOLDER / key


def add_job(
    session: Session, *, key: str | None = None, filename: str, test: str, person: Person | None
) -> Job:
    """A new queued job (``key``: random unless given)."""
    job = Job(key=key or new_key(), status="queued", stage="waiting for its turn", percent=None,
              message="", filename=filename[:255], test=test, person=person)  # fmt: skip
    session.add(job)
    session.flush()
    return job


def find_job(session: Session, key: str) -> Job:
    """The job with ``key`` (:class:`InputError` when there is none)."""
    job = session.scalar(select(Job).where(Job.key == key)) if is_key(key) else None
    if job is None:
        raise InputError(f"there is no analysis {key!r}")
    return job


def claim_next(session: Session) -> Job | None:
    """The oldest queued job, now marked running (None when none waits)."""
    job = session.scalar(select(Job).where(Job.status == "queued").order_by(Job.id).limit(1))
    if job is not None:
        job.status, job.stage, job.percent, job.updated_at = "running", "starting", None, utcnow()
    return job


def set_progress(session: Session, key: str, stage: str, percent: float | None) -> None:
    session.execute(
        update(Job)
        .where(Job.key == key, Job.status == "running")
        .values(stage=stage, percent=percent, updated_at=utcnow())
    )


def end_job(
    session: Session,
    key: str,
    *,
    failed: bool,
    message: str = "",
    outcome: str | None = None,
    assessment_key: str | None = None,
) -> None:
    """Mark the running job ``done`` (with the analysis's ``outcome``) or ``failed``; a job
    no longer running (failed meanwhile by a restart) is left as it is."""
    job = find_job(session, key)
    if job.status != "running":
        return
    job.status = "failed" if failed else "done"
    job.stage, job.percent, job.updated_at = "", None, utcnow()
    job.message, job.outcome, job.assessment_key = message, outcome, assessment_key


def fail_interrupted(session: Session) -> list[str]:
    """Mark every job still ``running`` failed (the server stopped during it); their keys."""
    keys = list(session.scalars(select(Job.key).where(Job.status == "running")))
    for key in keys:
        end_job(session, key, failed=True, message=INTERRUPTED)
    return keys


def job_of_assessment(session: Session, assessment_key: str) -> Job | None:
    """The job whose analysis was stored as the assessment ``assessment_key`` (if any)."""
    return session.scalar(select(Job).where(Job.assessment_key == assessment_key).limit(1))


def job_keys(session: Session, person: Person | None = None) -> set[str]:
    """The keys of every job (of ``person``)."""
    query = select(Job.key) if person is None else select(Job.key).where(Job.person == person)
    return set(session.scalars(query))


def jobs_of(session: Session, person: Person | None = None, *, limit: int = 50) -> list[Job]:
    """The newest jobs first (of ``person``, or everyone's)."""
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if person is not None:
        query = query.where(Job.person_id == person.id)
    return list(session.scalars(query))
