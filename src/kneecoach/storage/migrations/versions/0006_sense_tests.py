"""Sense tests: knee position sense measured with the camera (knee over the second toe, or
a knee angle reproduced, eyes closed).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sense_tests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "person_id",
            sa.Integer(),
            sa.ForeignKey("people.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("absolute_error", sa.Float(), nullable=True),
        sa.Column("noise", sa.Float(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
    )
    op.create_index("ix_sense_tests_person_id", "sense_tests", ["person_id"])
    op.create_index("ix_sense_tests_day", "sense_tests", ["day"])


def downgrade() -> None:
    op.drop_table("sense_tests")
