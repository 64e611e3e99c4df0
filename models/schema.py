"""Creating and checking the schema.

The schema comes from the SQLModel tables; importing them costs most of a second, so it
happens only when a database is created, never when one is opened.
"""

from __future__ import annotations

from typing import Any, Callable

SCHEMA_VERSION = 1


def create_schema(execute: Callable[..., Any], dialect_name: str = "sqlite") -> None:
    """Create every table and index in an empty database and record the schema version.

    The DDL is compiled from the SQLModel tables for the database's dialect (``sqlite`` or
    ``postgresql``) and run through the caller's ``execute``, inside the caller's
    transaction: nothing here commits.
    """
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable
    from sqlmodel import SQLModel

    from . import tables  # noqa: F401  (registers the tables on SQLModel.metadata)

    dialect = {"sqlite": sqlite, "postgresql": postgresql}[dialect_name].dialect()
    for table in SQLModel.metadata.sorted_tables:
        execute(str(CreateTable(table).compile(dialect=dialect)))
        for index in sorted(table.indexes, key=lambda index: index.name):
            execute(str(CreateIndex(index).compile(dialect=dialect)))
    execute(
        "INSERT INTO meta(key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (str(SCHEMA_VERSION),),
    )
