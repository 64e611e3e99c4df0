"""Alembic's environment: the Assure tables are the target, SQLite goes through batch mode.

Assure runs migrations in code (:func:`assure.models.migrate.upgrade`) on a connection it
has already put inside a write transaction, handed over in ``config.attributes``. Run
from the ``alembic`` command line, ``sqlalchemy.url`` names the database instead.
"""

from alembic import context
from sqlmodel import SQLModel

from assure.models import tables  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite has almost no ALTER TABLE: move and copy
        compare_type=True,
        # SQLite's DDL is transactional: one transaction, so a failed migration leaves nothing.
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from sqlalchemy import create_engine

    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as connection:
        _run(connection)


if context.is_offline_mode():
    raise SystemExit("assure migrations run online only (assure upgrade)")
run_migrations_online()
