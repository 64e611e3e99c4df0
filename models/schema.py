"""Creating and checking the schema.

The schema comes from the SQLModel tables; importing them costs most of a second, so it
happens only when a database is created, never when one is opened.
"""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 1


def create_schema(conn: sqlite3.Connection) -> None:
    """Create every table in an empty SQLite database and record the schema version."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool
    from sqlmodel import SQLModel

    from . import tables  # noqa: F401  (registers the tables on SQLModel.metadata)

    engine = create_engine("sqlite://", creator=lambda: conn, poolclass=StaticPool)
    with engine.begin() as connection:
        SQLModel.metadata.create_all(connection)
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
    conn.commit()
