"""Schema 1: the schema of the first release, exactly as its files have it.

A database made by that release (``meta.schema_version`` = 1, no ``alembic_version``)
is stamped with this revision and upgraded from here. The tables are frozen copies, not
the current models, and keep that release's unnamed foreign keys and primary keys
(revision 0002 names them).

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _fk(target: str, *, cascade: bool = True) -> sa.Column:
    return sa.Column(target.split(".")[0] + "_id", sa.Integer, sa.ForeignKey(target, ondelete="CASCADE" if cascade else "RESTRICT"),
                     nullable=False, index=True)


def _common() -> list[sa.Column]:
    return [sa.Column("version", sa.Integer, nullable=False), sa.Column("updated_at", sa.String, nullable=False)]


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer, primary_key=True)


def schema_1() -> sa.MetaData:
    """The tables of schema 1 on a MetaData without a naming convention (as that release made them)."""
    metadata = sa.MetaData()
    auto = {"sqlite_autoincrement": True}
    sa.Table("meta", metadata, sa.Column("key", sa.String, primary_key=True), sa.Column("value", sa.String, nullable=False))
    sa.Table(
        "programme", metadata, _id(),
        sa.Column("code", sa.String, nullable=False, unique=True, index=True),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("organisation", sa.String), sa.Column("description", sa.String), sa.Column("source", sa.String),
        sa.Column("start_date", sa.Date), sa.Column("end_date", sa.Date), sa.Column("as_of", sa.Date),
        *_common(),
        sa.CheckConstraint("length(trim(name)) > 0", name="programme_name_not_blank"), **auto,
    )
    sa.Table(
        "person", metadata, _id(), _fk("programme.id"),
        sa.Column("name", sa.String, nullable=False), sa.Column("organisation", sa.String), *_common(),
        sa.UniqueConstraint("programme_id", "name", name="person_unique_name"), **auto,
    )
    sa.Table(
        "raci", metadata, _id(), _fk("programme.id"), _fk("person.id", cascade=False),
        sa.Column("role", sa.String, nullable=False), sa.Column("letter", sa.String, nullable=False),
        sa.Column("note", sa.String), *_common(),
        sa.CheckConstraint("letter IN ('R','A','C','I')", name="raci_letter"), **auto,
    )
    sa.Table(
        "outcome", metadata, _id(), _fk("programme.id"),
        sa.Column("number", sa.Integer, nullable=False), sa.Column("title", sa.String, nullable=False),
        sa.Column("status", sa.String, nullable=False), sa.Column("vision", sa.String), *_common(),
        sa.UniqueConstraint("programme_id", "number", name="outcome_unique_number"), **auto,
    )
    sa.Table(
        "progress", metadata, _id(), _fk("programme.id"), _fk("outcome.id"),
        sa.Column("horizon", sa.String, nullable=False), sa.Column("position", sa.Integer, nullable=False),
        sa.Column("text", sa.String, nullable=False), *_common(), **auto,
    )
    sa.Table(
        "deliverable", metadata, _id(), _fk("programme.id"),
        sa.Column("outcome_id", sa.Integer, sa.ForeignKey("outcome.id", ondelete="RESTRICT"), nullable=True, index=True),
        sa.Column("title", sa.String, nullable=False), sa.Column("approved_by", sa.String),
        sa.Column("status", sa.String, nullable=False), sa.Column("date", sa.Date), sa.Column("note", sa.String),
        *_common(),
        sa.Index("deliverable_outcome_status", "outcome_id", "status"),
        sa.Index("deliverable_programme_status", "programme_id", "status"),
        sa.Index("deliverable_programme_outcome_status", "programme_id", "outcome_id", "status"),
        **auto,
    )
    sa.Table(
        "risk", metadata, _id(), _fk("programme.id"),
        sa.Column("ref", sa.String, nullable=False), sa.Column("kind", sa.String, nullable=False),
        sa.Column("description", sa.String, nullable=False),
        sa.Column("likelihood", sa.Integer), sa.Column("impact", sa.Integer), sa.Column("owner", sa.String),
        sa.Column("status", sa.String, nullable=False), sa.Column("latest_update", sa.String),
        sa.Column("raised_on", sa.Date), sa.Column("review_on", sa.Date), *_common(),
        sa.CheckConstraint("likelihood IS NULL OR likelihood BETWEEN 1 AND 5", name="risk_likelihood"),
        sa.CheckConstraint("impact IS NULL OR impact BETWEEN 1 AND 5", name="risk_impact"),
        **auto,
    )
    sa.Table(
        "action", metadata, _id(), _fk("programme.id"),
        sa.Column("number", sa.Integer, nullable=False), sa.Column("kind", sa.String, nullable=False),
        sa.Column("description", sa.String, nullable=False), sa.Column("owner", sa.String),
        sa.Column("due_on", sa.Date), sa.Column("status", sa.String, nullable=False), *_common(), **auto,
    )
    sa.Table(
        "lesson", metadata, _id(), _fk("programme.id"),
        sa.Column("number", sa.Integer, nullable=False), sa.Column("description", sa.String, nullable=False),
        sa.Column("recommendation", sa.String), sa.Column("responsible", sa.String), *_common(), **auto,
    )
    sa.Table(
        "history", metadata, _id(),
        sa.Column("programme_id", sa.Integer, index=True),
        sa.Column("at", sa.String, nullable=False), sa.Column("user", sa.String, nullable=False),
        sa.Column("kind", sa.String, nullable=False), sa.Column("record_id", sa.Integer),
        sa.Column("record_label", sa.String, nullable=False), sa.Column("action", sa.String, nullable=False),
        sa.Column("field", sa.String), sa.Column("old_value", sa.String), sa.Column("new_value", sa.String),
        **auto,
    )
    return metadata


def upgrade() -> None:
    bind = op.get_bind()
    schema_1().create_all(bind)
    op.execute("INSERT INTO meta(key, value) VALUES ('schema_version', '1')")


def downgrade() -> None:
    schema_1().drop_all(op.get_bind())
