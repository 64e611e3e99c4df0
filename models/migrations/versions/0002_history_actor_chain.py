"""History: ``user`` becomes ``actor``, rows are hash-chained; every constraint is named.

``user`` is a reserved word in PostgreSQL. The chain (``prev_hash``, ``hash`` and the
``meta`` row ``history_head``) is filled here for every existing row, in id order, so an
upgraded database verifies like a new one. Schema 1 left foreign keys and primary keys
unnamed: SQLite tables are recreated (batch mode) with the names of the naming
convention; PostgreSQL's default names are renamed to the same.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

from assure.models.history_chain import FIELDS, GENESIS, HEAD_KEY, format_head, row_hash

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# A frozen copy of the convention in models/tables.py as of this revision.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# (table, column, referred table) of every foreign key in schema 1.
FOREIGN_KEYS = [
    ("person", "programme_id", "programme"), ("raci", "programme_id", "programme"), ("raci", "person_id", "person"),
    ("outcome", "programme_id", "programme"), ("progress", "programme_id", "programme"),
    ("progress", "outcome_id", "outcome"), ("deliverable", "programme_id", "programme"),
    ("deliverable", "outcome_id", "outcome"), ("risk", "programme_id", "programme"),
    ("action", "programme_id", "programme"), ("lesson", "programme_id", "programme"),
]
TABLES = ["meta", "programme", "person", "raci", "outcome", "progress", "deliverable", "risk", "action", "lesson", "history"]


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        # Recreating a table resets its AUTOINCREMENT counter to the largest id left:
        # ids of deleted records would be reused, and history refers to records by id.
        sequences = bind.exec_driver_sql("SELECT name, seq FROM sqlite_sequence").fetchall()
    # Reflection does not see AUTOINCREMENT: say it again, or a recreated table reuses ids.
    autoincrement = {"sqlite_autoincrement": True}
    with op.batch_alter_table("history", naming_convention=NAMING_CONVENTION, table_kwargs=autoincrement) as batch:
        batch.alter_column("user", new_column_name="actor", existing_type=sa.String(), existing_nullable=False)
        batch.add_column(sa.Column("prev_hash", sa.String(), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(), nullable=True))
    if sqlite:
        for table in ["meta", *dict.fromkeys(table for table, _, _ in FOREIGN_KEYS)]:
            kwargs = {} if table == "meta" else autoincrement
            with op.batch_alter_table(table, recreate="always", naming_convention=NAMING_CONVENTION, table_kwargs=kwargs):
                pass  # recreated from reflection: unnamed constraints get the convention's names
        for name, seq in sequences:
            bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = :name"), {"name": name})
            bind.execute(sa.text("INSERT INTO sqlite_sequence(name, seq) VALUES (:name, :seq)"), {"name": name, "seq": seq})
    else:
        for table, column, referred in FOREIGN_KEYS:
            op.execute(f'ALTER TABLE "{table}" RENAME CONSTRAINT "{table}_{column}_fkey" TO "fk_{table}_{column}_{referred}"')
        for table in TABLES:
            op.execute(f'ALTER TABLE "{table}" RENAME CONSTRAINT "{table}_pkey" TO "pk_{table}"')
    _fill_chain(bind)
    op.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")


def _fill_chain(bind) -> None:
    rows = bind.execute(sa.text(f"SELECT {', '.join(FIELDS)} FROM history ORDER BY id")).fetchall()
    from assure.models import progress

    prev, links = GENESIS, []
    for row in progress.steps("Upgrading: chaining the history", rows, every=5000):
        hash_ = row_hash(prev, tuple(row))
        links.append({"prev": prev, "hash": hash_, "id": row[0]})
        prev = hash_
    if links:
        progress.report("Upgrading: saving the chain", 0)
        bind.execute(sa.text("UPDATE history SET prev_hash = :prev, hash = :hash WHERE id = :id"), links)
    head = format_head(rows[-1][0], prev) if rows else format_head(0, GENESIS)
    bind.execute(sa.text("INSERT INTO meta(key, value) VALUES (:key, :value)"), {"key": HEAD_KEY, "value": head})


def downgrade() -> None:
    op.execute(f"DELETE FROM meta WHERE key = '{HEAD_KEY}'")
    op.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    with op.batch_alter_table("history", naming_convention=NAMING_CONVENTION) as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
        batch.alter_column("actor", new_column_name="user", existing_type=sa.String(), existing_nullable=False)
