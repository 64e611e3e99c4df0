"""The handover register: what stays open at closure, with its new owner.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handover",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("source_kind", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("item", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done_means", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"], name="fk_handover_programme_id_programme",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_handover"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_handover_programme_id", "handover", ["programme_id"], unique=False)
    op.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.drop_index("ix_handover_programme_id", table_name="handover")
    op.drop_table("handover")
    op.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
