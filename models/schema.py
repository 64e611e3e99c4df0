"""Creating and checking the schema.

The schema comes from the SQLModel tables; importing them costs most of a second, so it
happens only when a database is created, never when one is opened.
"""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 1


def create_schema(conn: sqlite3.Connection) -> None:
    """Create every table and index in an empty SQLite database and record the schema version.

    The DDL is compiled from the SQLModel tables and run on the caller's connection, inside
    the caller's transaction: nothing here commits.
    """
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable
    from sqlmodel import SQLModel

    from . import tables  # noqa: F401  (registers the tables on SQLModel.metadata)

    dialect = sqlite.dialect()
    for table in SQLModel.metadata.sorted_tables:
        conn.execute(str(CreateTable(table).compile(dialect=dialect)))
        for index in sorted(table.indexes, key=lambda index: index.name):
            conn.execute(str(CreateIndex(index).compile(dialect=dialect)))
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
