"""A person's override of a derived verdict: ``verdict_override``, one per programme or outcome.

A new table only; nothing existing changes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

RATINGS = "'Green','Amber/Green','Amber','Amber/Red','Red'"


def upgrade() -> None:
    op.create_table(
        "verdict_override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=True),
        sa.Column("rating", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.CheckConstraint(f"rating IN ({RATINGS})", name="verdict_override_rating"),
        sa.CheckConstraint("length(trim(reason)) > 0", name="verdict_override_reason_not_blank"),
        sa.ForeignKeyConstraint(["outcome_id"], ["outcome.id"], name="fk_verdict_override_outcome_id_outcome",
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"], name="fk_verdict_override_programme_id_programme",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_verdict_override"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_verdict_override_outcome_id", "verdict_override", ["outcome_id"], unique=False)
    op.create_index("ix_verdict_override_programme_id", "verdict_override", ["programme_id"], unique=False)
    op.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.drop_index("ix_verdict_override_programme_id", table_name="verdict_override")
    op.drop_index("ix_verdict_override_outcome_id", table_name="verdict_override")
    op.drop_table("verdict_override")
    op.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
