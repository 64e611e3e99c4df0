"""What only a server shows: sessions racing on one row, locks held too long, and the
one-line errors of a server that is down, a wrong password or a missing database."""

from __future__ import annotations

import threading
from urllib.parse import urlsplit, urlunsplit

import pytest

from assure.models.schema import HEAD_REVISION, SCHEMA_VERSION

from assure.models.backend import PostgresBackend
from assure.models.store import Conflict, Store, StoreBusy, StoreError
from sessions import open_as


def _seeded(url: str) -> tuple[Store, dict[str, int]]:
    store = Store.open(url)
    pid = store.create("programme", None, {"code": "P", "name": "Programme"})
    risk = store.create("risk", pid, {"ref": "R1", "description": "Data loss", "likelihood": 3, "impact": 3,
                                      "review_on": "2021-04-30"})
    store.undo_stack.clear()
    return store, {"programme": pid, "risk": risk}


def _admin(url: str):
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


def _one_line(message: str, *needles: str) -> None:
    assert message and "\n" not in message, message
    for needle in needles:
        assert needle in message, (needle, message)


def test_a_postgresql_url_opens_a_postgresql_backend(pg_url):
    with Store.open(pg_url) as store:
        assert isinstance(store.backend, PostgresBackend)
        assert {"meta", "history", "deliverable"} <= store.backend.tables()
        columns = {row[0] for row in store.backend.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'history'")}
        assert "actor" in columns and "user" not in columns


def test_dates_read_back_as_iso_text(pg_url):
    store, ids = _seeded(pg_url)
    with store:
        store.create("deliverable", ids["programme"], {"title": "Plan", "status": "signed off", "date": "31/03/2021"})
        (deliverable,) = store.deliverables(ids["programme"])
        assert deliverable.date == "2021-03-31" and isinstance(deliverable.date, str)
        assert store.get("risk", ids["risk"]).review_on == "2021-04-30"


def test_two_sessions_saving_the_same_field_one_is_a_conflict(pg_url):
    store, ids = _seeded(pg_url)
    with store, open_as("colleague", pg_url) as colleague:
        colleague.update("risk", ids["risk"], {"impact": 5}, expected={"impact": 3})
        with pytest.raises(Conflict) as conflict:
            store.update("risk", ids["risk"], {"impact": 1}, expected={"impact": 3})
        assert (conflict.value.field, conflict.value.theirs) == ("impact", 5)
        assert store.get("risk", ids["risk"]).impact == 5


def test_the_re_read_is_locked_so_racing_saves_never_lose_an_update(pg_url):
    """Both sessions read 3 and save over it at the same moment: exactly one wins."""
    store, ids = _seeded(pg_url)
    holder = _admin(pg_url)
    sessions = [store, open_as("colleague", pg_url)]
    outcomes: list = [None, None]

    def save(index: int, impact: int) -> None:
        try:
            sessions[index].update("risk", ids["risk"], {"impact": impact}, expected={"impact": 3})
            outcomes[index] = "saved"
        except Conflict:
            outcomes[index] = "conflict"

    try:
        holder.execute("BEGIN")
        holder.execute("SELECT id FROM risk WHERE id = %s FOR UPDATE", (ids["risk"],))
        threads = [threading.Thread(target=save, args=(0, 1)), threading.Thread(target=save, args=(1, 5))]
        for thread in threads:
            thread.start()
        # Both saves are now waiting on the held row (a plain re-read would not wait).
        for _ in range(100):
            waiting = holder.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name = 'assure'"
            ).fetchone()[0]
            if waiting == 2:
                break
            threading.Event().wait(0.05)
        holder.execute("COMMIT")
        for thread in threads:
            thread.join(30)
    finally:
        holder.close()
        sessions[1].close()
    assert sorted(outcomes) == ["conflict", "saved"]
    with store:
        updates = [row for row in store.history(kind="risk") if row.action == "update"]
        assert len(updates) == 1 and updates[0].user == ("tester" if outcomes[0] == "saved" else "colleague")


def test_a_colleagues_commit_moves_the_change_token_and_ours_does_not(pg_url):
    store, ids = _seeded(pg_url)
    with store, open_as("colleague", pg_url) as colleague:
        seen = store.data_version()
        store.update("risk", ids["risk"], {"impact": 1})
        assert store.data_version() == seen  # our own commit does not count
        colleague.update("risk", ids["risk"], {"impact": 2})
        moved = store.data_version()
        assert moved != seen
        assert store.data_version() == moved  # steady until the next commit


def test_a_lock_held_too_long_is_store_busy_in_one_line(pg_url):
    store, ids = _seeded(pg_url)
    holder = _admin(pg_url)
    try:
        holder.execute("BEGIN")
        holder.execute("SELECT id FROM risk WHERE id = %s FOR UPDATE", (ids["risk"],))
        store.wait_for_locks(200)
        with pytest.raises(StoreBusy) as busy:
            store.update("risk", ids["risk"], {"impact": 1})
        _one_line(str(busy.value), str(store.location), "busy", "nothing was changed")
        assert not store.backend.in_transaction
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with store:
        assert store.get("risk", ids["risk"]).impact == 3
        store.update("risk", ids["risk"], {"impact": 1})  # and works once the lock is gone
        assert store.get("risk", ids["risk"]).impact == 1


def test_a_constraint_refusal_is_one_line(pg_url):
    store, ids = _seeded(pg_url)
    with store:
        store.create("person", ids["programme"], {"name": "Ann"})
        with pytest.raises(StoreError) as refused:
            store.create("person", ids["programme"], {"name": "Ann"})
        _one_line(str(refused.value), "Person not saved", "already exists")


def _url(base: str, **changes) -> str:
    parts = urlsplit(base)
    user = changes.get("user", parts.username or "")
    password = changes.get("password")
    host = changes.get("host", parts.hostname)
    port = changes.get("port", parts.port)
    netloc = user + (f":{password}" if password else "") + "@" + f"{host}:{port}"
    return urlunsplit(parts._replace(netloc=netloc, path="/" + changes.get("database", parts.path.lstrip("/"))))


def test_a_server_that_is_down_is_one_line_naming_it():
    with pytest.raises(StoreError) as refused:
        Store.open("postgresql+psycopg://ann:s3cret@127.0.0.1:1/assure")
    _one_line(str(refused.value), "127.0.0.1:1/assure", "cannot reach the server")
    assert "s3cret" not in str(refused.value)


def test_a_missing_database_is_one_line(pg_url):
    url = _url(pg_url, database="no_such_db")
    with pytest.raises(StoreError) as refused:
        Store.open(url)
    _one_line(str(refused.value), "/no_such_db", "no database no_such_db")


def test_a_wrong_password_is_one_line_without_the_password(pg_url):
    admin = _admin(pg_url)
    try:
        admin.execute("DROP ROLE IF EXISTS assure_alice")
        admin.execute("CREATE ROLE assure_alice LOGIN PASSWORD 'right-one'")
        url = _url(pg_url, user="assure_alice", password="wr0ng-s3cret")
        try:
            Store.open(url).close()
        except StoreError as error:
            _one_line(str(error), str(urlsplit(pg_url).port), "wrong password")
            assert "wr0ng-s3cret" not in str(error) and "right-one" not in str(error)
        else:
            pytest.skip("this server trusts every user on loopback: no password is checked")
    finally:
        admin.execute("DROP ROLE IF EXISTS assure_alice")
        admin.close()


def test_backup_says_to_use_pg_dump(pg_url, tmp_path):
    with Store.open(pg_url) as store:
        with pytest.raises(StoreError) as refused:
            store.backup(tmp_path / "copy.db")
    _one_line(str(refused.value), "pg_dump")
    assert not (tmp_path / "copy.db").exists()


def test_a_read_only_session_cannot_write_even_by_hand(pg_url):
    Store.open(pg_url).close()
    with Store.open(pg_url, read_only=True) as store:
        with pytest.raises(store.backend.Error):
            store.backend.execute("DELETE FROM meta")


def test_two_processes_creating_the_schema_at_once_make_it_once(pg_url):
    errors: list = []

    def open_it() -> None:
        try:
            Store.open(pg_url).close()
        except Exception as error:  # pragma: no cover - the failure is the assertion
            errors.append(error)

    threads = [threading.Thread(target=open_it) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with Store.open(pg_url) as store:
        assert store.backend.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
        assert store.backend.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD_REVISION,)]


def test_round_trips_before_the_first_frame_are_few(pg_url):
    """Opening, picking the programme and the Overview's reads: a remote server 20 ms away
    must not add more than a quarter of a second."""
    from assure.models.summary import programme_summary
    from assure.seed.loader import load_demo

    with Store.open(pg_url) as store:
        load_demo(store)
        store.remember_programme(store.last_programme_id())
    # What `assure` does before the dashboard's first frame, in order: open (connect, schema),
    # is it empty, which programme; then the app: the programme bar, the Overview's figures
    # and latest changes, the first change token.
    with Store.open(pg_url) as store:
        store.programmes()
        programme_id = store.last_programme_id()
        store.get("programme", programme_id)
        store.get("programme", programme_id)
        programme_summary(store, programme_id, include_findings=False)
        store.history(programme_id, limit=5)
        store.data_version()
        store.remember_programme(programme_id)  # unchanged: no query, no write
        assert store.round_trips <= 12, store.round_trips
        assert store.round_trips == 9  # connect, schema, programmes, last, 2 x get, figures, changes, token


def _drop_connections(url: str) -> int:
    """What a server restart does to every session: end their connections (not this one).
    Returns how many were the app's: a migration's connection, closed a moment ago, can
    still be listed while its server process exits."""
    with _admin(url) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid), application_name FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return sum(1 for _, application in rows if application == "assure")


def test_a_dropped_connection_is_made_again_by_the_next_read_and_write(pg_url):
    store, ids = _seeded(pg_url)
    with store:
        assert _drop_connections(pg_url) == 1
        assert store.get("risk", ids["risk"]).likelihood == 3  # read on a new connection
        assert _drop_connections(pg_url) == 1
        store.update("risk", ids["risk"], {"likelihood": 4}, expected={"likelihood": 3})
        assert _drop_connections(pg_url) == 1
        store.data_version()  # what the dashboard polls every second
    with Store.open(pg_url) as check:
        assert check.get("risk", ids["risk"]).likelihood == 4


def test_a_connection_dropped_inside_a_write_saves_nothing_in_one_line_and_the_next_write_works(pg_url):
    store, ids = _seeded(pg_url)
    with store:
        with pytest.raises(StoreError) as caught:
            with store.transaction() as backend:
                backend.execute("UPDATE risk SET impact = 5 WHERE id = ?", (ids["risk"],))
                assert _drop_connections(pg_url) == 1
        _one_line(str(caught.value), "lost the connection", "nothing was changed")
        assert store.get("risk", ids["risk"]).impact == 3  # never resent on the new connection
        store.update("risk", ids["risk"], {"impact": 2}, expected={"impact": 3})
        assert store.get("risk", ids["risk"]).impact == 2


def test_a_server_that_went_away_is_said_in_one_line(pg_url):
    """Down for good (the connection dropped and the server refuses new ones): one line."""
    store, ids = _seeded(pg_url)
    with store:
        from assure.models.db import resolve

        store.backend.location = resolve(_url(pg_url, port=1))  # reconnecting finds no server there
        assert _drop_connections(pg_url) == 1
        with pytest.raises(StoreError) as caught:
            store.get("risk", ids["risk"])
        _one_line(str(caught.value), "lost the connection")


async def test_the_dashboard_carries_on_when_the_server_drops_its_connection(pg_url):
    """No traceback, no crash: the next key reads on a new connection."""
    from assure.seed.loader import load_demo
    from assure.tui.app import AssureApp

    with Store.open(pg_url) as store:
        load_demo(store)
    store = Store.open(pg_url)
    app = AssureApp(store, programme_id=store.last_programme_id(), poll_seconds=0.1)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert _drop_connections(pg_url) >= 1
        await pilot.press("4")
        await pilot.pause()
        pane = app.pane("deliverables")
        assert pane.table.total_count == len(store.deliverables(app.programme_id)) > 0
        _drop_connections(pg_url)
        await pilot.pause(0.3)  # the change poll meets the dropped connection first
        await pilot.press("1")
        await pilot.pause()
        assert app.pane("overview").summary is not None
        assert app.is_running
    store.close()


def test_a_read_that_fails_in_a_pipeline_leaves_no_note_for_the_terminal(pg_url, caplog):
    """Opening an empty database reads three statements at once and one fails, as expected.
    psycopg then notes, as a logged warning, the second error it ignored ending the pipeline:
    on a terminal that line would be drawn over the dashboard or mixed into a command's
    output. The error itself is raised as ever, and the connection serves the next read."""
    import logging

    with Store.open(pg_url) as store, caplog.at_level(logging.WARNING):
        for _ in range(5):
            with pytest.raises(store.backend.Error):
                store.backend.read_many([("SELECT * FROM no_such_table", ())] + [("SELECT 1", ())] * 200)
        assert store.backend.read_many([("SELECT 1", ())]) == [[(1,)]]
    assert [record.getMessage() for record in caplog.records if record.name.startswith("psycopg")] == []
