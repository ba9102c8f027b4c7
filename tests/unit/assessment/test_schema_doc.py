"""docs/summary-schema.md is the assessment model's own description, and lists every field
that summary.json holds."""

import re
from pathlib import Path

from tests.fixtures.assessments import assessment

from kneecoach.assessment import schema_doc
from kneecoach.assessment.model import Assessment

DOC = Path(__file__).resolve().parents[3] / "docs" / "summary-schema.md"


def test_the_schema_doc_is_generated_from_the_model() -> None:
    assert DOC.read_text(encoding="utf-8") == schema_doc.render(), (
        "docs/summary-schema.md differs from the model: run "
        "python -m kneecoach.assessment.schema_doc > docs/summary-schema.md"
    )


def test_every_field_of_a_summary_is_documented() -> None:
    documented = set(re.findall(r"^\| `([a-z_0-9]+)` \|", DOC.read_text("utf-8"), flags=re.M))
    written = assessment().to_json_dict()
    assert set(written) <= documented
    for cls, _ in schema_doc.SECTIONS:
        assert {f.alias or name for name, f in cls.model_fields.items()} <= documented


def test_a_summary_round_trips_through_json(tmp_path: Path) -> None:
    a = assessment(notes=["ü — non-ASCII stays as written"])
    back = Assessment.read(a.write(tmp_path / "summary.json"))
    assert back == a
    assert "ü" in (tmp_path / "summary.json").read_text("utf-8")
