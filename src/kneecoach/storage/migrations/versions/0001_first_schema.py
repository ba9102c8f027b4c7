"""First journal schema: people, intakes, assessments, programmes, sessions and logs.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _owner(table: str, column: str = "person_id", *, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(
        column,
        sa.Integer(),
        sa.ForeignKey(f"{table}.id", ondelete="CASCADE" if not nullable else "SET NULL"),
        nullable=nullable,
    )


def _index(table: str, column: str) -> None:
    op.create_index(f"ix_{table}_{column}", table, [column])


def upgrade() -> None:
    op.create_table(
        "people",
        _id(),
        sa.Column("key", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "intakes",
        _id(),
        _owner("people"),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
    )
    _index("intakes", "person_id")
    op.create_table(
        "assessments",
        _id(),
        sa.Column("key", sa.String(32), nullable=False, unique=True),
        _owner("people"),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("measured_at", sa.DateTime(), nullable=False),
        sa.Column("test", sa.String(40), nullable=False),
        sa.Column("test_label", sa.String(100), nullable=False),
        sa.Column("view", sa.String(20), nullable=False),
        sa.Column("working_sides", sa.String(20), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("kneecoach_version", sa.String(40), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
    )
    _index("assessments", "person_id")
    op.create_table(
        "side_measures",
        _id(),
        _owner("assessments", "assessment_id"),
        sa.Column("side", sa.String(5), nullable=False),
        sa.Column("working", sa.Boolean(), nullable=False),
        sa.Column("reps", sa.Integer(), nullable=False),
        sa.Column("peak_fppa_deg", sa.Float(), nullable=True),
        sa.Column("mean_fppa_deg", sa.Float(), nullable=True),
        sa.Column("sd_fppa_deg", sa.Float(), nullable=True),
        sa.Column("mean_pelvic_drop_deg", sa.Float(), nullable=True),
        sa.Column("classification", sa.String(40), nullable=True),
        sa.UniqueConstraint("assessment_id", "side"),
    )
    _index("side_measures", "assessment_id")
    op.create_table(
        "rep_measures",
        _id(),
        _owner("assessments", "assessment_id"),
        sa.Column("side", sa.String(5), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("time_s", sa.Float(), nullable=True),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("fppa_deg", sa.Float(), nullable=True),
        sa.Column("pelvic_drop_deg", sa.Float(), nullable=True),
        sa.Column("knee_shift_pct", sa.Float(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
    )
    _index("rep_measures", "assessment_id")
    op.create_table(
        "stored_files",
        _id(),
        _owner("assessments", "assessment_id"),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
    )
    _index("stored_files", "assessment_id")
    op.create_table(
        "programmes",
        _id(),
        _owner("people"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.UniqueConstraint("person_id", "version"),
    )
    _index("programmes", "person_id")
    op.create_table(
        "scheduled_sessions",
        _id(),
        _owner("programmes", "programme_id"),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("planned", sa.JSON(), nullable=False),
    )
    _index("scheduled_sessions", "programme_id")
    _index("scheduled_sessions", "day")
    op.create_table(
        "session_logs",
        _id(),
        _owner("people"),
        _owner("scheduled_sessions", "scheduled_session_id", nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("sets_done", sa.Integer(), nullable=True),
        sa.Column("sets_planned", sa.Integer(), nullable=True),
        sa.Column("pain_during", sa.Integer(), nullable=True),
        sa.Column("pain_after", sa.Integer(), nullable=True),
        sa.Column("rpe", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("exercises", sa.JSON(), nullable=False),
    )
    for column in ("person_id", "scheduled_session_id", "day"):
        _index("session_logs", column)


def downgrade() -> None:
    for table in (
        "session_logs", "scheduled_sessions", "programmes", "stored_files", "rep_measures",
        "side_measures", "assessments", "intakes", "people",
    ):  # fmt: skip
        op.drop_table(table)
