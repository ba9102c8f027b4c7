"""A study's clips on Dask workers: every local core, or an existing Dask cluster.

Dask distributed (https://distributed.dask.org) runs the clips; kneecoach starts no
cluster of its own making. Without a scheduler address a ``LocalCluster`` is started with
one single-threaded worker process per clip slot; each worker is a spawned process that
starts its own pose model when it analyses a clip (MediaPipe is never shared between
processes), with OpenCV's and the BLAS thread pools capped at one thread (Dask's nanny
sets ``OMP_NUM_THREADS=1`` and friends). A clip that fails for anything but what it
shows (a worker killed, an unexpected error) is tried once more on another worker; the
scheduler also reschedules the clip of a worker that dies (up to its allowed failures).
Workers write each clip's files into its folder, so the output folder must be on a file
system every worker sees (docs/study.md).
"""

from __future__ import annotations

import platform
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from kneecoach import __version__
from kneecoach.app.study import (
    ClipJob,
    StudyClip,
    StudyInterrupted,
    StudyObserver,
    StudyRequest,
    analyser,
    bug_message,
    clip_once,
    failed_clip,
)
from kneecoach.core.errors import InputError

if TYPE_CHECKING:
    from distributed import Client, Future, LocalCluster

#: how often the console learns what each worker is doing (s)
POLL_S = 0.5


def study_clip(job: ClipJob, request: StudyRequest) -> StudyClip:
    """Run on a worker: one clip, analysed as a single analysis would be. A refusal is the
    clip's result; anything else is raised, so that Dask tries the clip once more."""
    return clip_once(job, analyser(request))


def _cap_threads() -> None:
    """On each worker: one OpenCV thread (a worker is one clip at a time, on one core)."""
    import cv2

    cv2.setNumThreads(1)


def worker_packages() -> dict[str, str | None]:
    """The versions a worker runs (study.json records them for every worker)."""
    out: dict[str, str | None] = {"python": platform.python_version(), "kneecoach": __version__}
    for package in ("mediapipe", "numpy", "scipy", "dask", "distributed"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = None
    return out


class DaskStudy:
    """A study's :class:`~kneecoach.app.study.Engine` on Dask: a local cluster of up to
    ``workers`` processes, or the Dask scheduler at ``scheduler`` (``tcp://host:8786``)."""

    def __init__(self, *, workers: int = 2, scheduler: str | None = None) -> None:
        self.workers, self.scheduler = workers, scheduler
        self.cluster: LocalCluster | None = None
        self.client: Client | None = None

    def start(self, clips: int) -> dict[str, Any]:
        """Start the workers (no more than ``clips`` local ones) or connect; return how the
        study runs, for study.json: workers, scheduler, each worker's packages."""
        from distributed import Client, LocalCluster

        try:
            if self.scheduler is None:
                self.cluster = LocalCluster(
                    n_workers=min(self.workers, clips), threads_per_worker=1, processes=True,
                    dashboard_address=None, silence_logs=40,
                )  # fmt: skip
                self.client = Client(self.cluster)
            else:
                self.client = Client(self.scheduler, timeout="20s")
        except OSError as exc:
            self.stop()
            raise InputError(f"no Dask scheduler answered at {self.scheduler} ({exc})") from None
        self.client.run(_cap_threads)
        packages = self.client.run(worker_packages)
        return {
            "workers": len(packages),
            "scheduler": self.scheduler or "local (LocalCluster, one process per worker)",
            "engine": "dask distributed",
            "worker_packages": dict(sorted(packages.items())),
        }

    def stop(self) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        self.client = self.cluster = None

    def run(
        self,
        jobs: Sequence[ClipJob],
        request: StudyRequest,
        finish: Callable[[StudyClip], None],
        observer: StudyObserver | None,
        *,
        total: int,
    ) -> None:
        """Every job on the workers; ``finish`` each clip as it comes back (any order)."""
        assert self.client is not None
        run = uuid.uuid4().hex[:8]
        futures: dict[Future, ClipJob] = {
            self.client.submit(study_clip, job, request, key=f"clip-{job.index}-{run}",
                               retries=1, pure=False): job
            for job in jobs
        }  # fmt: skip
        pending = set(futures)
        done = total - len(jobs)
        try:
            while pending:
                ready = sorted((f for f in pending if f.done()), key=lambda f: futures[f].index)
                pending.difference_update(ready)
                for future in ready:
                    finish(_outcome(future, futures[future]))
                    done += 1
                if observer is not None:
                    observer.working(self._busy(futures), done, total)
                if not ready:
                    time.sleep(POLL_S)
        except KeyboardInterrupt:
            for future in pending:
                future.cancel()
            first = min((futures[f] for f in pending), key=lambda j: j.index)
            raise StudyInterrupted(first.index, total, first.source, done, None) from None

    def _busy(self, futures: Mapping[Future, ClipJob]) -> dict[str, str]:
        """Which clip each worker is analysing now."""
        assert self.client is not None
        by_key = {f.key: job.label for f, job in futures.items()}
        busy = {}
        for n, (_, keys) in enumerate(sorted(self.client.processing().items()), start=1):
            labels = [by_key[k] for k in keys if k in by_key]
            busy[f"worker {n}"] = labels[0] if labels else "idle"
        return busy


def _outcome(future: Future, job: ClipJob) -> StudyClip:
    """The clip a finished future holds, or its failure in words."""
    if future.status == "finished":
        clip = future.result()
        assert isinstance(clip, StudyClip)
        return clip
    exc = future.exception()
    if type(exc).__name__ == "KilledWorker":
        return failed_clip(job, "the worker analysing it stopped each time it was tried "
                                "(killed, or out of memory)")  # fmt: skip
    return failed_clip(job, bug_message(exc) if exc is not None else "cancelled")
