"""Session logs: warning signs reported, as a column (they were known only from the notes).

``kneecoach log`` has always started a log's notes with the words below when warning signs
were reported; the logs written so far are marked from them, so ``plan --person`` keeps
reminding to see a clinician. The notes stay as they are (people read them).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels = None
depends_on = None

#: the starts of the notes of a log with warning signs, as versions up to 0003 wrote them
#: (``kneecoach.app.journal.WARNING_NOTE``, and before 2c1b27c the second; written out here, the
#: migration must not change)
WARNING_NOTES = (
    "warning signs reported (see a clinician)",
    "warning signs reported (swelling, locking, giving way or night/rest pain)",
)


def upgrade() -> None:
    with op.batch_alter_table("session_logs") as batch:
        batch.add_column(
            sa.Column("warning_signs", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    logs = sa.table("session_logs", sa.column("notes", sa.Text()),
                    sa.column("warning_signs", sa.Boolean()))  # fmt: skip
    # substr, not LIKE: the same exact, case-sensitive test on SQLite and PostgreSQL
    for note in WARNING_NOTES:
        op.execute(
            logs.update()
            .where(sa.func.substr(logs.c.notes, 1, len(note)) == note)
            .values(warning_signs=True)
        )


def downgrade() -> None:
    # the notes still say it: upgrading again marks the same logs
    with op.batch_alter_table("session_logs") as batch:
        batch.drop_column("warning_signs")
