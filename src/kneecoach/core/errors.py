"""The exception hierarchy, mapped to exit codes in one place (``cli.main``).

::

    KneecoachError                 any problem kneecoach can explain to a user
    ├── InputError                 the file or option is wrong (missing, not a video, malformed)
    ├── InsufficientDataError      the input is valid but cannot support the request
    ├── RedFlagError               the intake reports a warning sign: see a clinician, no plan
    ├── PoseEstimationError        the pose model failed or is unavailable
    ├── StorageError               the journal database cannot be opened, read or written
    └── OutputError                an output file cannot be written (disk full, no permission)

Every message is written for the person at the keyboard: what is wrong, where
(file, line, field), and what to do.
"""


class KneecoachError(Exception):
    """Base of every error kneecoach raises on purpose."""

    exit_code = 1


class InputError(KneecoachError):
    """The input file or an option is wrong; the message names what and where."""


class InsufficientDataError(KneecoachError):
    """The input is readable but cannot support the request (e.g. no person found)."""


class RedFlagError(KneecoachError):
    """The intake reports a red flag (science.md §7.3): no plan, see a clinician first."""


class PoseEstimationError(KneecoachError):
    """The pose model could not run."""


class StorageError(KneecoachError):
    """The journal database cannot be opened, migrated, read or written."""


class OutputError(KneecoachError):
    """An output file cannot be written; the message names it (and nothing is left cut)."""
