"""Deliverables get a baseline date and a title key; findings can be acknowledged; last_change gets an index.

``deliverable.baseline_date`` is the original target where the source gives one (``date``
is the forecast), so a slipped deliverable can be found; ``deliverable.title_key`` is the title
folded for comparison (filled here for every row), so duplicates are one grouped query.
``acknowledgement`` holds the
answers to findings. ``deliverable_programme_approver`` groups sign-offs by approver
without reading the table. ``history_record_field`` serves ``Store.last_change`` (the newest
change to one field of one record), which scanned the history before.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

from assure.models.judgement import normalise_title

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# A frozen copy of the convention in models/tables.py as of this revision.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def upgrade() -> None:
    # A plain ADD COLUMN on both databases: no table is recreated, so no id is reused.
    op.add_column("deliverable", sa.Column("baseline_date", sa.Date(), nullable=True))
    op.add_column("deliverable", sa.Column("title_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                           server_default=""))
    bind = op.get_bind()
    keys = [{"id": row_id, "key": normalise_title(title)}
            for row_id, title in bind.execute(sa.text("SELECT id, title FROM deliverable")).fetchall()]
    if keys:
        bind.execute(sa.text("UPDATE deliverable SET title_key = :key WHERE id = :id"), keys)
    op.create_index("deliverable_programme_title_key", "deliverable", ["programme_id", "title_key"])
    op.create_index("deliverable_programme_approver", "deliverable", ["programme_id", "approved_by", "status"])
    op.create_table(
        "acknowledgement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("rule", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("record_version", sa.Integer(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.CheckConstraint("length(trim(reason)) > 0", name="acknowledgement_reason_not_blank"),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"], ondelete="CASCADE",
                                name="fk_acknowledgement_programme_id_programme"),
        sa.PrimaryKeyConstraint("id", name="pk_acknowledgement"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_acknowledgement_programme_id", "acknowledgement", ["programme_id"])
    op.create_index("history_record_field", "history", ["kind", "record_id", "field", "id"])
    op.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.drop_index("history_record_field", table_name="history")
    op.drop_index("deliverable_programme_title_key", table_name="deliverable")
    op.drop_index("deliverable_programme_approver", table_name="deliverable")
    op.drop_index("ix_acknowledgement_programme_id", table_name="acknowledgement")
    op.drop_table("acknowledgement")
    with op.batch_alter_table("deliverable", naming_convention=NAMING_CONVENTION,
                              table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_column("title_key")
        batch.drop_column("baseline_date")
    op.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
