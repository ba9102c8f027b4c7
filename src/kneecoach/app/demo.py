"""The demo: the main job on built-in synthetic data, for a first run without a clip.

A synthetic person does three single-leg squats on the left leg with a known knee valgus
(11°, 14° and 17° at the bottom of the reps) and a 4° pelvic drop; the raw keypoints carry
the faults real pose models make (noise, a dropout, a left/right swap). :func:`run_demo`
writes them, analyses them as a user's clip would be, draws what the cleaning did, and
makes a 4-week plan from a built-in intake and that analysis.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kneecoach.analyze import AnalysisResult, run_analyze
from kneecoach.app.coach import demo_plan
from kneecoach.core.files import replacing
from kneecoach.core.settings import Settings
from kneecoach.io import to_netcdf_file
from kneecoach.pipeline import Progress
from kneecoach.reports.figures import cleaning_figure
from kneecoach.sample_data.synthetic import single_leg_squat, with_dropout, with_noise, with_swap


@dataclass(frozen=True)
class Demo:
    """What the demo made: the analysis (its files include ``picture``, the cleaning
    figure) and the plan's files."""

    analysis: AnalysisResult
    plan_files: dict[str, Path]


def run_demo(
    out_dir: Path, *, settings: Settings, video: bool = True, progress: Progress | None = None
) -> Demo:
    """Write, analyse and plan the demo into ``out_dir`` (the plan in ``out_dir/plan``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    truth = single_leg_squat(peak_fppa_deg=[11.0, 14.0, 17.0])
    noisy = with_noise(truth, sd_px=3.0)
    dropped = with_dropout(noisy, keypoints=["left_knee", "left_ankle"], start=200, stop=212)
    raw_file = to_netcdf_file(
        with_swap(dropped, start=300, stop=345), out_dir / "demo_raw_keypoints.nc"
    )
    result = run_analyze(raw_file, out_dir=out_dir, settings=settings, video=video,
                         progress=progress)  # fmt: skip
    figure = out_dir / "demo.png"
    with replacing(figure) as part:
        cleaning_figure(result.track.raw, result.track.clean).savefig(part, dpi=110)
    result.files["picture"] = figure
    plan: dict[str, Path] = {}
    if result.assessment is not None:
        plan = demo_plan(result.assessment.to_json_dict(), out_dir / "plan")
    return Demo(result, plan)
