"""Migrations: a database made by the first release upgrades with nothing lost; the
models and the migration chain agree; old, newer and read-only files are handled safely.

Every upgrade starts from ``tests/fixtures/release-1.db``, a file made by the release
before migrations (see tests/fixtures/README.md), compared with raw sqlite3 reads of it.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from assure.models import schema
from assure.models.db import StoreError
from assure.models.store import Store

FIXTURE = Path(__file__).parent / "fixtures" / "release-1.db"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dump(path: Path) -> dict[str, list[dict]]:
    """Every row of every table (sqlite_sequence included), read with raw sqlite3."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        result = {}
        for table in tables:
            cursor = conn.execute(f'SELECT * FROM "{table}" ORDER BY 1')
            names = [column[0] for column in cursor.description]
            result[table] = [dict(zip(names, row)) for row in cursor]
    conn.close()
    return result


def ddl(path: Path) -> dict[tuple[str, str], str | None]:
    with sqlite3.connect(path) as conn:
        found = {(kind, name): sql for kind, name, sql in conn.execute("SELECT type, name, sql FROM sqlite_master")}
    conn.close()
    return found


@pytest.fixture
def old_db(tmp_path) -> Path:
    """A private copy of the release-1 database."""
    path = tmp_path / "assure.db"
    shutil.copyfile(FIXTURE, path)
    return path


def test_the_fixture_is_a_release_1_database():
    tables = {name for kind, name in ddl(FIXTURE) if kind == "table"}
    assert "alembic_version" not in tables
    rows = dump(FIXTURE)
    assert rows["meta"] == [{"key": "schema_version", "value": "1"}]
    assert {row["action"] for row in rows["history"]} >= {"create", "update", "delete"}


def test_the_head_constant_is_alembics_head():
    from assure.models.migrate import alembic_head

    assert schema.HEAD_REVISION == alembic_head() == schema.REVISIONS[-1]


def test_revision_1_is_schema_1_exactly(tmp_path):
    """The first migration builds what the first release built, statement for statement."""
    import sqlalchemy as sa
    from alembic import command

    from assure.models.migrate import alembic_config

    path = tmp_path / "r1.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0001")
    engine.dispose()
    made = {key: sql for key, sql in ddl(path).items() if key[1] != "alembic_version" and "alembic_version" not in key[1]}
    assert made == ddl(FIXTURE)


def test_the_models_and_the_migrations_agree(tmp_path):
    """Autogenerate finds nothing to do after the chain: a model change without a migration fails here."""
    import sqlalchemy as sa
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import assure.models.tables  # noqa: F401

    path = tmp_path / "chain.db"
    Store.open(path).close()  # a new database is built by the migration chain
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}),
                                       SQLModel.metadata)
    engine.dispose()
    assert differences == []


def test_every_constraint_of_the_models_is_named():
    from sqlmodel import SQLModel

    import assure.models.tables  # noqa: F401

    unnamed = [f"{table.name}: {type(constraint).__name__}" for table in SQLModel.metadata.tables.values()
               for constraint in [*table.constraints, *table.indexes] if not constraint.name]
    assert unnamed == []


def test_an_upgraded_file_has_the_schema_of_a_new_one(old_db, tmp_path):
    Store.open(old_db).close()
    new = tmp_path / "new.db"
    Store.open(new).close()
    # Batch mode writes constraints in reflection order: compare the clauses, not their order.
    def clauses(found):
        return {key: sorted(line.strip().rstrip(",") for line in (sql or "").splitlines()) for key, sql in found.items()}

    assert clauses(ddl(old_db)) == clauses(ddl(new))
    # Every record table still never reuses ids.
    for (kind, name), sql in ddl(new).items():
        if kind == "table" and name not in {"meta", "alembic_version", "sqlite_sequence"}:
            assert "AUTOINCREMENT" in sql, name


def test_a_release_1_database_upgrades_with_every_record_and_history_row(old_db, capsys):
    before = dump(old_db)
    original = digest(old_db)
    with Store.open(old_db) as store:
        upgraded = store.upgraded
        assert store.verify_history().ok
    assert (upgraded.old, upgraded.new) == ("0001", schema.HEAD_REVISION)
    after = dump(old_db)
    # Columns added since (0003) are empty, or, for the title key, filled from the title;
    # nothing else changed.
    from assure.models.judgement import normalise_title

    def added(table: str, row: dict) -> dict:
        if table != "deliverable":
            return {}
        return {"baseline_date": None, "title_key": normalise_title(row["title"])}

    for table, rows in before.items():
        if table in {"history", "meta"}:
            continue
        assert after[table] == [{**row, **added(table, row)} for row in rows], table
    assert after["acknowledgement"] == []
    assert len(after["history"]) == len(before["history"]) > 0
    for old, new in zip(before["history"], after["history"]):
        expected = {("actor" if name == "user" else name): value for name, value in old.items()}
        assert {name: new[name] for name in expected} == expected
        assert len(new["hash"]) == 64 and len(new["prev_hash"]) == 64
    meta = {row["key"]: row["value"] for row in after["meta"]}
    assert meta["schema_version"] == str(schema.SCHEMA_VERSION)
    assert meta["history_head"].split()[0] == str(after["history"][-1]["id"])
    assert after["alembic_version"] == [{"version_num": schema.HEAD_REVISION}]
    # The backup is the untouched original, owner-only, named after the old revision.
    backup = old_db.with_name("assure.db.pre-upgrade-r1.bak")
    assert upgraded.backup == backup and backup.exists()
    assert dump(backup) == before
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert digest(FIXTURE) == original  # the fixture itself was only copied


def test_ids_of_deleted_records_are_not_reused_after_the_upgrade(old_db):
    deleted = [row for row in dump(old_db)["history"] if row["action"] == "delete"][0]
    with Store.open(old_db) as store:
        programme = store.programmes()[0]
        new_id = store.create(deleted["kind"], programme.id, {"number": 99, "description": "After the upgrade"})
    assert new_id > deleted["record_id"]


def test_a_read_only_open_of_an_old_database_refuses_and_says_how(old_db):
    stamp = digest(old_db)
    with pytest.raises(StoreError) as refused:
        Store.open(old_db, read_only=True)
    message = str(refused.value)
    assert "\n" not in message and str(old_db) in message and "assure --db" in message and "upgrade" in message
    assert digest(old_db) == stamp
    assert not list(old_db.parent.glob("*.bak"))


@pytest.mark.parametrize("read_only", [False, True])
def test_a_newer_revision_is_refused(old_db, read_only):
    Store.open(old_db).close()
    with sqlite3.connect(old_db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.close()
    stamp = digest(old_db)
    with pytest.raises(StoreError, match="newer") as refused:
        Store.open(old_db, read_only=read_only)
    assert "9999" in str(refused.value) or "schema" in str(refused.value)
    assert digest(old_db) == stamp


def test_a_failed_migration_leaves_the_database_as_it_was(old_db, monkeypatch):
    from assure.models import history_chain

    before, stamp = dump(old_db), digest(old_db)

    def broken(*args):
        raise RuntimeError("simulated failure half-way through the chain")

    monkeypatch.setattr(history_chain, "row_hash", broken)
    with pytest.raises(StoreError, match="nothing was changed"):
        Store.open(old_db)
    assert dump(old_db) == before and digest(old_db) == stamp
    assert not list(old_db.parent.glob("*.bak"))


UPGRADER = textwrap.dedent("""
    import sys, time
    from assure.models.store import Store
    start = float(sys.argv[2])
    while time.time() < start:
        time.sleep(0.001)
    with Store.open(sys.argv[1]) as store:
        print("upgraded" if store.upgraded else "nothing", store.verify_history().ok)
""")


def test_two_processes_opening_an_old_database_at_once_upgrade_it_once(old_db):
    import time

    before = dump(old_db)
    start = str(time.time() + 1.5)
    children = [subprocess.Popen([sys.executable, "-c", UPGRADER, str(old_db), start], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [child.communicate(timeout=120) for child in children]
    assert [child.returncode for child in children] == [0, 0], outputs
    assert sorted(out.strip() for out, _ in outputs) == ["nothing True", "upgraded True"], outputs
    assert [path.name for path in old_db.parent.glob("*.bak")] == ["assure.db.pre-upgrade-r1.bak"]
    assert len(dump(old_db)["history"]) == len(before["history"])
    with sqlite3.connect(old_db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def assure(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assure", *args], capture_output=True, text=True, timeout=120)


def test_the_upgrade_command_says_what_it_did(old_db):
    done = assure("--db", str(old_db), "upgrade")
    assert done.returncode == 0, done.stderr
    backup = old_db.with_name("assure.db.pre-upgrade-r1.bak")
    assert done.stdout.strip() == f"upgraded {old_db} from revision 1 to {int(schema.HEAD_REVISION)}; backup at {backup}"
    again = assure("--db", str(old_db), "upgrade")
    assert again.returncode == 0 and again.stdout.strip() == f"{old_db}: already up to date"


def test_a_command_that_upgrades_says_so_on_stderr(old_db):
    done = assure("--db", str(old_db), "seed")
    assert done.returncode == 0, done.stderr
    assert "upgraded" in done.stderr and "pre-upgrade-r1.bak" in done.stderr


def test_a_read_only_command_on_an_old_database_says_to_upgrade(old_db):
    refused = assure("--db", str(old_db), "history")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    message = refused.stderr.strip()
    assert "\n" not in message and "assure --db" in message and "upgrade" in message
