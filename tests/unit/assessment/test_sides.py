"""One set of per-side statistics for reps and steps: complete events only, sample SD,
the earlier event first among equals."""

import pytest
from tests.fixtures.assessments import rep_readings, step_readings

from kneecoach.assessment import sides


def test_reps_and_steps_share_the_statistics() -> None:
    values = [{"fppa_deg": 10.0}, {"fppa_deg": 14.0}, {"fppa_deg": 30.0, "complete": False},
              {"fppa_deg": None}, {"fppa_deg": 12.0}]  # fmt: skip
    for items in (rep_readings(values), step_readings(values)):
        assert sides.values(items, "fppa_deg") == [10.0, 14.0, 12.0]  # the cut-off one left out
        assert sides.mean(items, "fppa_deg") == 12.0
        assert sides.sd(items, "fppa_deg") == 2.0  # n - 1
        assert sides.peak(items, "fppa_deg") == 14.0
        assert sides.worst(items, "fppa_deg", 2) == [2, 5]


def test_the_earlier_of_equal_events_is_the_worst() -> None:
    reps = rep_readings([{"fppa_deg": 9.0}, {"fppa_deg": 15.0}, {"fppa_deg": 15.0}])
    assert sides.worst(reps, "fppa_deg", 1) == [2]


@pytest.mark.parametrize("values", [[], [{"fppa_deg": None}], [{"fppa_deg": 4.0}]])
def test_too_few_values_give_none_not_a_number(values: list[dict[str, float | None]]) -> None:
    reps = rep_readings(values)
    assert sides.sd(reps, "fppa_deg") is None
    stats = sides.statistics(reps, means={"fppa_deg": 1}, sds={"fppa_deg": 1})
    assert stats == {"mean_fppa_deg": 4.0 if values and values[0]["fppa_deg"] else None,
                     "sd_fppa_deg": None}  # fmt: skip
