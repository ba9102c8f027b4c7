"""The application layer: the use cases the command line and the web app both call.

Each takes typed inputs and returns typed results; none prints, exits or reads its own
output back from disk. Submodules (imported where used, so a command starts fast):

* :mod:`kneecoach.app.track` — :func:`~kneecoach.app.track.track`: a clip becomes a clean
  pose track, its quality report and its files.
* :mod:`kneecoach.app.analyze` — :func:`~kneecoach.app.analyze.analyze`: one clip measured
  and (for a person) stored; an :class:`~kneecoach.app.analyze.Analysis` with its status.
* :mod:`kneecoach.app.study` — :func:`~kneecoach.app.study.run_study`: many clips, one
  table over all, resumable, progress through a :class:`~kneecoach.app.study.StudyObserver`;
  :mod:`kneecoach.app.cluster` runs its clips on Dask workers (local cores or a cluster).
* :mod:`kneecoach.app.coach` — :func:`~kneecoach.app.coach.make_plan`: an intake (and
  findings) become a scheduled, stored, printable plan.
* :mod:`kneecoach.app.journal` — :class:`~kneecoach.app.journal.Journal`: people, stored
  analyses, plans, session logs, progress, export, import, delete.
* :mod:`kneecoach.app.demo` — :func:`~kneecoach.app.demo.run_demo`: the main job on
  built-in synthetic data, with a plan.
"""
