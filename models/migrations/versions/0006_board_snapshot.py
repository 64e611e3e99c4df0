"""Board snapshots: what each board was shown (verdicts, figures, findings), for "since the last board".

A new table only; nothing existing changes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "board_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reporting_date", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("last_history_id", sa.Integer(), nullable=False),
        sa.Column("figures", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"], name="fk_board_snapshot_programme_id_programme",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_board_snapshot"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_board_snapshot_programme_id", "board_snapshot", ["programme_id"], unique=False)
    op.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.drop_index("ix_board_snapshot_programme_id", table_name="board_snapshot")
    op.drop_table("board_snapshot")
    op.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
