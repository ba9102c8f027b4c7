"""One table of settings: name, default, unit, help and source.

Resolution order (later wins): built-in default → user config file (TOML, in the
platform config directory, or ``$KNEECOACH_HOME/config.toml``) → environment
(``KNEECOACH_<NAME>``) → command-line flag. The same table feeds ``--help``,
``docs/settings.md`` (checked by a test) and ``kneecoach info``.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import platformdirs

from kneecoach.core.errors import InputError


@dataclass(frozen=True)
class Setting:
    """One row of the settings table."""

    name: str
    default: Any
    unit: str
    help: str
    source: str = ""
    #: ``"track"`` settings apply to every command that tracks; ``"analyze"`` ones to
    #: analysis, ``"journal"`` ones to the commands that use the journal, ``"import"`` to import.
    stage: str = "track"

    @property
    def flag(self) -> str:
        """The command-line flag: ``--cutoff-hz``, or ``--fix-swaps/--no-fix-swaps``."""
        name = self.name.replace("_", "-")
        return f"--{name}/--no-{name}" if isinstance(self.default, bool) else f"--{name}"


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "confidence_threshold", 0.3, "0-1",
        "Keypoints whose confidence is below this are treated as missing.",
        "science.md §8: Sports2D/Pose2Sim keypoint_likelihood_threshold = 0.3",
    ),
    Setting(
        "max_gap_s", 0.33, "s",
        "Gaps up to this long are interpolated; longer gaps stay missing and are reported.",
        "science.md §8 recommendation 2 (≤ 0.33 s, about 20 frames at 60 fps)",
    ),
    Setting(
        "cutoff_hz", 6.0, "Hz",
        "Low-pass cut-off of the zero-lag Butterworth filter (0 switches filtering off). Unless "
        "set (flag, environment or config file), analyze filters running and skating videos "
        "of 40 fps or more at 12 Hz.",
        "science.md §8: 4th-order zero-phase Butterworth at 6 Hz for squats, step-downs, "
        "walking; 10-12 Hz for running",
    ),
    Setting(
        "filter_order", 4, "",
        "Effective order of the zero-lag Butterworth (a order/2 design run forward and back).",
        "science.md §8 (Winter 2009 dual-pass correction)",
    ),
    Setting(
        "fix_swaps", True, "",
        "Detect and correct frames where the pose model swapped left and right labels.",
        "SOURCES.md: raw BlazePose swaps left/right in cam02 frames 41-74",
    ),
    Setting(
        "person_select", "largest", "",
        "Who to follow when several people are visible: largest, central, left, right or X,Y.",
    ),
    Setting(
        "min_detection_confidence", 0.5, "0-1",
        "MediaPipe person detection threshold.",
        "science.md §8: MediaPipe Pose Landmarker defaults",
    ),
    Setting(
        "min_tracking_confidence", 0.5, "0-1",
        "MediaPipe tracking threshold; below it the person is detected again.",
        "science.md §8: MediaPipe Pose Landmarker defaults",
    ),
    Setting(
        "fppa_min_thigh_height", 0.5, "0-1",
        "FPPA, medial knee displacement and hip adduction are reported only while the "
        "thigh's height in the image is at least this share of its standing height (0.5: "
        "thigh within about 60° of vertical).",
        "science.md §1.1 (mocapr: FPPA is not valid once the hip nears knee height); the value "
        "is derived: it keeps the single-leg-squat protocol depth (45-60° knee flexion)",
        "analyze",
    ),
    Setting(
        "worst_moments", 3, "",
        "How many worst moments (largest valgus) to save as pictures.",
        "", "analyze",
    ),
    Setting(
        "database_url", "", "",
        "Journal database as an SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db "
        "(empty: the SQLite file journal.sqlite3 in the data folder).",
        "SQLAlchemy 2 URL syntax; schema and storage rules in docs/journal.md", "journal",
    ),
    Setting(
        "import_max_file_mb", 4096, "MB",
        "import refuses an archive holding a stored file larger than this (kept videos are "
        "the largest), or one that unpacks to over 100 times its packed size (above 16 MB).",
        "derived: a kept 10-minute 1080p phone clip is about 1-2 GB", "import",
    ),
    Setting(
        "import_max_json_mb", 64, "MB",
        "import refuses an archive whose journal.json (all records of a person) is larger.",
        "derived: a year of daily logs and monthly assessments is under 5 MB", "import",
    ),
    Setting(
        "web_max_upload_mb", 2048, "MB",
        "The web app refuses a clip larger than this (before it is written to disk).",
        "derived: a 5-minute 1080p60 phone clip is about 1 GB; a test clip is under 200 MB",
        "web",
    ),
)  # fmt: skip


SELECT_RULES = ("largest", "central", "left", "right")


def parse_select(rule: str) -> str | tuple[float, float]:
    """Validate a ``--person-select`` value: a rule name or an ``X,Y`` pixel."""
    if rule in SELECT_RULES:
        return rule
    try:
        x, y = (float(v) for v in rule.split(","))
    except ValueError:
        raise InputError(
            f"--person-select: expected one of {', '.join(SELECT_RULES)} or X,Y pixels, "
            f"got {rule!r}"
        ) from None
    return x, y


def _default(name: str) -> Any:
    return next(s.default for s in SETTINGS if s.name == name)


#: Where a setting's value came from. ``automatic``: kneecoach chose it for the clip (a
#: running video's 12 Hz cut-off); a value the user gave (config, environment, command
#: line) is never replaced by an automatic one.
Origin = Literal["default", "config file", "environment", "command line", "automatic"]
#: The origins that mean the user chose the value.
GIVEN: tuple[Origin, ...] = ("config file", "environment", "command line")


@dataclass(frozen=True)
class Settings:
    """Resolved settings, passed as plain typed values to the stage functions.

    Defaults come from :data:`SETTINGS`, the one table. ``origins`` says where each
    value that is not the default came from (see :meth:`origin`).
    """

    confidence_threshold: float = _default("confidence_threshold")
    max_gap_s: float = _default("max_gap_s")
    cutoff_hz: float = _default("cutoff_hz")
    filter_order: int = _default("filter_order")
    fix_swaps: bool = _default("fix_swaps")
    person_select: str = _default("person_select")
    min_detection_confidence: float = _default("min_detection_confidence")
    min_tracking_confidence: float = _default("min_tracking_confidence")
    fppa_min_thigh_height: float = _default("fppa_min_thigh_height")
    worst_moments: int = _default("worst_moments")
    database_url: str = _default("database_url")
    import_max_file_mb: int = _default("import_max_file_mb")
    import_max_json_mb: int = _default("import_max_json_mb")
    web_max_upload_mb: int = _default("web_max_upload_mb")
    origins: Mapping[str, Origin] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, repr=False
    )

    def with_overrides(self, origin: Origin = "command line", **values: Any) -> Settings:
        """Return a copy with the given (non-``None``) values replaced, validated, and
        recorded as coming from ``origin``."""
        clean = {k: _coerce(k, v) for k, v in values.items() if v is not None}
        origins = MappingProxyType({**self.origins, **dict.fromkeys(clean, origin)})
        return replace(self, **clean, origins=origins)

    def __reduce__(self) -> tuple[Any, ...]:
        # a study's workers get the settings by pickle, and a mappingproxy does not pickle
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "origins"}
        return (_rebuild, (values, dict(self.origins)))

    def origin(self, name: str) -> Origin:
        """Where setting ``name``'s value came from (``default`` when nobody set it)."""
        return self.origins.get(name, "default")

    def given(self, name: str) -> bool:
        """Whether the user chose setting ``name`` (config file, environment or flag): such
        a value always wins over one kneecoach would choose for the clip."""
        return self.origin(name) in GIVEN


def _rebuild(values: dict[str, Any], origins: dict[str, Origin]) -> Settings:
    return Settings(**values, origins=MappingProxyType(origins))


def settings_markdown() -> str:
    """The settings table as Markdown (``docs/settings.md`` holds it; a test checks)."""
    rows = [
        "| setting | flag | environment | default | unit | what it does | source |",
        "|---|---|---|---|---|---|---|",
    ]
    for st in SETTINGS:
        rows.append(
            f"| `{st.name}` | `{st.flag}` | `KNEECOACH_{st.name.upper()}` | `{st.default}` | "
            f"{st.unit} | {st.help} | {st.source or '-'} |"
        )
    return "\n".join(rows) + "\n"


def home_dir() -> Path:
    """Where kneecoach keeps its config and data (``KNEECOACH_HOME`` overrides)."""
    env = os.environ.get("KNEECOACH_HOME")
    return Path(env) if env else Path(platformdirs.user_data_dir("kneecoach", appauthor=False))


def config_path() -> Path:
    """The user config file read by :func:`load_settings`."""
    env = os.environ.get("KNEECOACH_HOME")
    if env:
        return Path(env) / "config.toml"
    return Path(platformdirs.user_config_dir("kneecoach", appauthor=False)) / "config.toml"


def _coerce(name: str, value: Any) -> Any:
    table = {s.name: s for s in SETTINGS}
    if name not in table:
        raise InputError(f"unknown setting {name!r}; known settings: {', '.join(table)}")
    default, unit = table[name].default, table[name].unit
    try:
        if isinstance(default, bool):
            if isinstance(value, str):
                if value.lower() not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                    raise ValueError(value)
                return value.lower() in {"1", "true", "yes", "on"}
            return bool(value)
        if isinstance(default, int | float):
            number = type(default)(value)
            if not _allowed(name, unit, number):
                raise ValueError(value)
            return number
        if name == "person_select":
            parse_select(str(value))
        return str(value)
    except (ValueError, OverflowError):
        raise InputError(
            f"setting {name}: expected {_need(name, unit, default)}, got {value!r}"
        ) from None


def _allowed(name: str, unit: str, number: float) -> bool:
    """A number fits its setting: finite, ≥ 0, a share at most 1, an even filter order."""
    if not math.isfinite(number) or number < 0 or (unit == "0-1" and number > 1):
        return False
    return name != "filter_order" or (number >= 2 and number % 2 == 0)


def _need(name: str, unit: str, default: Any) -> str:
    if unit == "0-1":
        return "a number from 0 to 1"
    if name == "filter_order":
        return "an even whole number ≥ 2"
    return f"a {type(default).__name__} ≥ 0"


def load_settings(config_file: Path | None = None) -> Settings:
    """Resolve defaults → config file → ``KNEECOACH_*`` environment variables."""
    config: dict[str, Any] = {}
    path = config_file or config_path()
    if path.exists():
        try:
            config = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"config file {path} is not valid TOML: {exc}") from None
    env: dict[str, Any] = {}
    for s in SETTINGS:
        value = os.environ.get(f"KNEECOACH_{s.name.upper()}")
        if value is not None:
            env[s.name] = value
    return Settings().with_overrides("config file", **config).with_overrides("environment", **env)
