"""Board snapshots and "since the last board", on both databases.

A board is recorded, then a scripted set of edits is made (by this login and by a
colleague's session); the report must list exactly those changes, net, from the history.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from assure.models import since
from assure.models.db import ReadOnlyError
from assure.models.kinds import KINDS
from assure.models.rules import run_rules
from assure.models.store import Store
from sessions import open_as

TODAY = date(2021, 4, 20)


def programme(store) -> int:
    return store.programme_id_by_code("lcc-btls")


def label(kind: str, record) -> str:
    return KINDS[kind].describe(record._asdict())


def test_a_programme_with_no_board_says_how_to_record_one(demo_store):
    with pytest.raises(since.NoBoardYet) as raised:
        since.since_report(demo_store, programme(demo_store), today=TODAY)
    assert "assure board mark" in str(raised.value)


def test_recording_a_board_keeps_what_it_saw_with_a_history_row(demo_store):
    pid = programme(demo_store)
    before = demo_store.history(pid, limit=1)[0].id
    snapshot_id = since.record_board(demo_store, pid, "Board 14 May", today=TODAY, source="mark")
    (snapshot,) = demo_store.board_snapshots(pid)
    assert snapshot.id == snapshot_id
    assert (snapshot.label, snapshot.actor, snapshot.source, snapshot.reporting_date) == (
        "Board 14 May", "tester", "mark", "2021-04-20")
    newest = demo_store.history(pid, limit=1)[0]
    assert newest.id == snapshot.last_history_id > before
    assert (newest.action, newest.kind, newest.record_id) == ("board", "programme", pid)
    assert newest.new_value == "board marked: Board 14 May (mark)"
    from assure.models.history_text import change_text, row_text

    assert (row_text(newest), change_text("programme", "board", None)) == ("board marked: Board 14 May (mark)",
                                                                          "board marked")
    figures = json.loads(snapshot.figures)
    assert figures["programme"]["rag"] in ("Green", "Amber", "Red")
    assert [row["id"] for row in figures["outcomes"]] == [row.id for row in demo_store.outcomes(pid)]
    assert figures["figures"]["deliverables"] == len(demo_store.deliverables(pid))
    findings = run_rules(demo_store, pid, today=TODAY)
    assert len(figures["findings"]) == len(findings) > 0
    assert figures["findings"][0] == [since.finding_key(findings[0].rule, findings[0].kind, findings[0].record_id,
                                                        findings[0].message), findings[0].severity, False,
                                      since._clip(findings[0].message, since.MESSAGE_LIMIT)]
    assert demo_store.verify_history().ok
    # The other programme has none; a second board is listed after the first.
    assert demo_store.board_snapshots(demo_store.programme_id_by_code("bwd-digital")) == []
    since.record_board(demo_store, pid, None, today=TODAY, source="export:md")
    assert [row.source for row in demo_store.board_snapshots(pid)] == ["mark", "export:md"]
    assert demo_store.undo_stack == []  # a board is a fact, not an undoable edit


def test_a_read_only_store_cannot_record_a_board(demo_store, db_url):
    with Store.open(db_url, read_only=True) as reader:
        with pytest.raises(ReadOnlyError):
            since.record_board(reader, programme(reader), "x", today=TODAY, source="mark")
    assert demo_store.board_snapshots(programme(demo_store)) == []


def test_history_after_reads_only_the_newer_rows_of_one_programme(demo_store):
    pid = programme(demo_store)
    newest = demo_store.history(pid, limit=1)[0].id
    assert demo_store.history_after(pid, newest) == []
    risk = demo_store.risks(pid)[0]
    demo_store.update("risk", risk.id, {"likelihood": 2})
    other = demo_store.programme_id_by_code("bwd-digital")
    demo_store.update("risk", demo_store.risks(other)[0].id, {"likelihood": 2})
    rows = demo_store.history_after(pid, newest)
    assert [(row.kind, row.record_id, row.field, row.new_value) for row in rows] == [("risk", risk.id, "likelihood", "2")]


def test_fields_by_ids_reads_some_columns_of_the_records_still_there(demo_store):
    from collections import namedtuple

    pid = programme(demo_store)
    first, second = demo_store.deliverables(pid)[:2]
    demo_store.delete("deliverable", second.id)
    wanted = [first.id, second.id, first.id]
    assert demo_store.fields_by_ids("deliverable", wanted, ("status", "title")) == {first.id: (first.status, first.title)}
    shape = namedtuple("Shape", "id status title")
    made = demo_store.fields_by_ids("deliverable", wanted, ("status", "title"), make=shape._make)
    assert made == {first.id: shape(first.id, first.status, first.title)}
    assert demo_store.fields_by_ids("deliverable", [], ("status",)) == {}
    with pytest.raises(KeyError):
        demo_store.fields_by_ids("deliverable", wanted, ("status", "nonsense"))


def test_fields_by_ids_reads_thousands_of_ids_whatever_the_database_sends(demo_store):
    from assure.models.backend import count_round_trips

    every = [row for pid in (p.id for p in demo_store.programmes()) for row in demo_store.deliverables(pid)]
    # More than two IN lists' worth, most naming no record, one past a 32-bit integer.
    wanted = [*range(1200, 0, -1), 7, 10**12]
    trips = count_round_trips(demo_store.backend)
    found = demo_store.fields_by_ids("deliverable", wanted, ("status", "title"))
    assert found == {row.id: (row.status, row.title) for row in every}
    assert trips() == 1 if demo_store.backend.name == "postgresql" else trips() == 3
    conditions = demo_store.backend.among("id", sorted(set(wanted)))
    # A server gets one statement (psycopg keeps its parse); SQLite lists of 500 at most.
    assert len(conditions) == (1 if demo_store.backend.name == "postgresql" else 3)
    assert demo_store.backend.among("id", []) == []


def test_snapshots_can_be_listed_without_their_figures(demo_store):
    pid = programme(demo_store)
    first = since.record_board(demo_store, pid, "Board A", today=TODAY, source="mark")
    since.record_board(demo_store, pid, "Board B", today=TODAY, source="mark")
    whole = demo_store.board_snapshots(pid)
    listed = demo_store.board_snapshots(pid, figures=False)
    assert [row._replace(figures="") for row in whole] == listed and all(row.figures for row in whole)
    assert demo_store.board_snapshot_figures(first) == whole[0].figures
    assert demo_store.board_snapshot_figures(first + 1000) == ""


def scripted_edits(store, db_url) -> dict:
    """The issue's scripted edits after a board; returns the records touched, as they are now."""
    pid = programme(store)
    risk = next(row for row in store.risks(pid) if row.ref == "I1")
    store.update("risk", risk.id, {"likelihood": 4})  # 3 x 4 = 12 at the board, now 16
    unsigned = store.get("deliverable", 5)
    store.update("deliverable", unsigned.id, {"status": "Signed Off", "approved_by": "Glyn Peach", "date": "2021-04-19"})
    action = store.get("action", 1)
    store.update("action", action.id, {"status": "Done"})
    new_id = store.create("action", pid, {"number": 40, "kind": "Next step", "description": "Agree the SLA review",
                                           "owner": "Bob", "due_on": "2021-06-30"})
    finding = next(f for f in run_rules(store, pid, today=TODAY) if f.acknowledged is None and f.kind == "deliverable")
    store.acknowledge(pid, finding, "known to the board")
    with open_as("alice", db_url) as colleague:
        colleague.update("deliverable", 1, {"date": "2021-03-15"})
    return {"risk": store.get("risk", risk.id), "signed": store.get("deliverable", unsigned.id),
            "closed": store.get("action", action.id), "new": store.get("action", new_id),
            "moved": store.get("deliverable", 1), "finding": finding}


def test_the_scripted_edits_after_a_board_are_exactly_the_report(demo_store, db_url):
    pid = programme(demo_store)
    risk = next(row for row in demo_store.risks(pid) if row.ref == "I1")
    demo_store.update("risk", risk.id, {"likelihood": 3, "impact": 4})
    since.record_board(demo_store, pid, "Board 14 May", today=TODAY, source="mark")
    touched = scripted_edits(demo_store, db_url)

    report = since.since_report(demo_store, pid, today=TODAY)
    assert report.snapshot_id == demo_store.board_snapshots(pid)[-1].id
    assert report.since_label == "Board 14 May (20 Apr 2021, by tester)"
    found = {key: [(item.kind, item.record_id, item.text, item.actor) for item in items]
             for key, _, items in report.by_category()}
    assert found["risks"] == [("risk", risk.id, f"{label('risk', touched['risk'])}: re-scored 12 → 16 (Amber → Red)",
                               "tester")]
    assert found["signoffs"] == [("deliverable", 5, f"{label('deliverable', touched['signed'])}: signed off by"
                                  " Glyn Peach, 19 Apr 2021", "tester")]
    assert found["dates"] == [("deliverable", 1, f"{label('deliverable', touched['moved'])}: date moved"
                               " 01 Mar 2021 → 15 Mar 2021, 14 days later", "alice")]
    assert found["actions"] == [
        ("action", 1, f"{label('action', touched['closed'])}: completed (was Open)", "tester"),
        ("action", touched["new"].id, f"{label('action', touched['new'])}: new (owner Bob, due 30 Jun 2021)", "tester"),
    ]
    acknowledged = [text for kind, record_id, text, actor in found["findings"] if text.startswith("Acknowledged")]
    assert acknowledged == [f"Acknowledged: {touched['finding'].message}; reason: known to the board"]
    # The acknowledged finding is not "resolved": it is still there, answered.
    assert not any(text.startswith("Resolved") and touched["finding"].message in text
                   for _, _, text, _ in found["findings"])
    resolved = [text for _, _, text, _ in found["findings"] if text.startswith("Resolved")]
    assert resolved and all(text.startswith(("Resolved (high): ", "Resolved (medium): ", "Resolved (low): "))
                            for text in resolved)
    # The same report from the findings and verdicts a caller already has.
    from assure.models.verdict import assess

    findings = run_rules(demo_store, pid, today=TODAY)
    given = since.since_report(demo_store, pid, today=TODAY, findings=findings,
                               assessment=assess(demo_store, pid, today=TODAY, findings=findings))
    assert given.items == report.items
    assert found["edits"] == [
        ("deliverable", None, "alice: 1 change to 1 deliverable", "alice"),
        ("acknowledgement", None, "tester: 1 change to 1 acknowledgement", "tester"),
        ("action", None, "tester: 2 changes to 2 actions", "tester"),
        ("deliverable", None, "tester: 3 changes to 1 deliverable", "tester"),
        ("risk", None, "tester: 1 change to 1 risk", "tester"),
    ]
    # The sign-off's date is said with the sign-off; nothing else was changed.
    assert set(found) <= {"rag", "risks", "signoffs", "dates", "actions", "findings", "edits"}
    document = report.to_json()
    assert [group["key"] for group in document["categories"]] == [key for key, _, _ in report.by_category()]
    json.dumps(document)


def test_a_change_undone_or_made_back_is_no_change(demo_store):
    pid = programme(demo_store)
    since.record_board(demo_store, pid, "b", today=TODAY, source="mark")
    action = demo_store.get("action", 2)
    demo_store.update("action", action.id, {"status": "Done"})
    demo_store.update("action", action.id, {"status": "Open"})
    demo_store.update("deliverable", 2, {"date": "2021-02-01"})
    demo_store.undo()
    report = since.since_report(demo_store, pid, today=TODAY)
    assert [key for key, _, _ in report.by_category()] == ["edits"]


def test_an_import_counts_its_cells_as_edits_not_the_programme_as_changed(demo_store, tmp_path):
    import csv

    from assure.models.csv_import import import_csv

    pid = programme(demo_store)
    since.record_board(demo_store, pid, "b", today=TODAY, source="mark")
    lesson = demo_store.lessons(pid)[0]
    path = tmp_path / "lessons.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([("number", "description", "recommendation"),
                                      (lesson.number, lesson.description, "Plan the exit from day one")])
    import_csv(demo_store, pid, path, section="lessons")
    edits = [item.text for item in since.since_report(demo_store, pid, today=TODAY).items if item.category == "edits"]
    # The import's own history row on the programme marks the load, as a board's does: no change to it.
    assert edits == ["tester: 1 change to 1 lesson"]


def test_new_closed_and_deleted_risks(demo_store):
    pid = programme(demo_store)
    since.record_board(demo_store, pid, "b", today=TODAY, source="mark")
    new_id = demo_store.create("risk", pid, {"ref": "R9", "description": "Supplier exit", "likelihood": 2, "impact": 3,
                                             "owner": "Glyn Peach"})
    open_risk = next(row for row in demo_store.risks(pid) if row.ref == "I1")
    demo_store.update("risk", open_risk.id, {"status": "Closed"})
    closed = next(row for row in demo_store.risks(pid) if row.ref == "I2")
    demo_store.delete("risk", closed.id)
    texts = [(item.record_id, item.text) for item in since.since_report(demo_store, pid, today=TODAY).items
             if item.category == "risks"]
    assert texts == [
        (new_id, "R9: Supplier exit: new risk, score 6 (Amber), owner Glyn Peach"),
        (open_risk.id, f"{label('risk', open_risk)}: closed (was Open)"),
        (None, f"{label('risk', closed)}: deleted"),
    ]


def test_a_finding_resolved_since_the_board_reads_whole(demo_store):
    """The snapshot keeps each finding's message to say which was resolved: a risk's long
    description (BwD R1: a message of 190 characters) reads whole, not cut with "…"."""
    pid = demo_store.programme_id_by_code("bwd-digital")
    since.record_board(demo_store, pid, "b", today=TODAY, source="mark")
    risk = next(row for row in demo_store.risks(pid) if row.ref == "R1")
    (no_owner,) = [finding for finding in run_rules(demo_store, pid, today=TODAY)
                   if finding.rule == "risk-owner" and finding.record_id == risk.id]
    assert len(no_owner.message) > 160
    demo_store.update("risk", risk.id, {"owner": "Head of Digital"})
    resolved = [item.text for item in since.since_report(demo_store, pid, today=TODAY).items
                if item.category == "findings" and item.text.startswith("Resolved")]
    assert f"Resolved (medium): {no_owner.message}" in resolved
    assert not any(text.endswith("…") for text in resolved), resolved


def test_rag_moves_compare_the_snapshot_with_now(demo_store):
    pid = programme(demo_store)
    since.record_board(demo_store, pid, "b", today=TODAY, source="mark")
    was = json.loads(demo_store.board_snapshots(pid)[-1].figures)["programme"]["rag"]
    rating = "Green" if was != "Green" else "Red"
    demo_store.override_verdict(pid, None, rating, "agreed at the board")
    (move,) = [item for item in since.since_report(demo_store, pid, today=TODAY).items if item.kind == "programme"
               and item.category == "rag"]
    assert move.text.startswith(f"Programme: {was} → {rating} (")
    assert move.text.endswith("now: set by hand: agreed at the board")


def test_since_a_snapshot_by_number_label_or_date(demo_store, monkeypatch):
    pid = programme(demo_store)
    first = since.record_board(demo_store, pid, "March board", today=TODAY, source="mark")
    demo_store.update("action", 2, {"status": "Done"})
    monkeypatch.setenv("ASSURE_NOW", "2021-05-02T09:00:00+00:00")
    since.record_board(demo_store, pid, "May board", today=TODAY, source="mark")
    demo_store.update("action", 3, {"status": "Done"})

    def actions(report):
        return [item.record_id for item in report.items if item.category == "actions"]

    assert actions(since.since_report(demo_store, pid, today=TODAY)) == [3]
    assert actions(since.since_report(demo_store, pid, since=f"#{first}", today=TODAY)) == [2, 3]
    assert actions(since.since_report(demo_store, pid, since=str(first), today=TODAY)) == [2, 3]
    assert actions(since.since_report(demo_store, pid, since="march BOARD", today=TODAY)) == [2, 3]
    by_date = since.since_report(demo_store, pid, since="01/05/2021", today=TODAY)
    assert (by_date.snapshot_id, by_date.since_label, actions(by_date)) == (None, "01 May 2021", [3])
    assert by_date.notes and not [item for item in by_date.items if item.category == "rag"]
    assert actions(since.since_report(demo_store, pid, since="2021-04-01", today=TODAY)) == [2, 3]
    for bad in ("#99", "next Tuesday", "31/02/2021"):
        with pytest.raises(ValueError) as raised:
            since.since_report(demo_store, pid, since=bad, today=TODAY)
        assert not isinstance(raised.value, since.NoBoardYet)


def test_hostile_stored_text_is_plain_in_every_rendering(demo_store):
    pid = programme(demo_store)
    since.record_board(demo_store, pid, "b", today=TODAY, source="mark")
    demo_store.create("action", pid, {"number": 41, "kind": "Next step", "description": "[red]x[/] \x1b]0;pwn\x07 done"})
    report = since.since_report(demo_store, pid, today=TODAY)
    text, markdown = since.render_text(report), since.render_markdown(report)
    assert "[red]x[/]" in text and "\\[red\\]x\\[/\\]" in markdown
    for rendered in (text, markdown, json.dumps(report.to_json())):
        assert "\x1b" not in rendered and "\x07" not in rendered


def test_a_release_1_database_upgrades_to_one_that_records_boards(tmp_path):
    path = tmp_path / "old.db"
    shutil.copyfile(Path(__file__).parent / "fixtures" / "release-1.db", path)
    with Store.open(path) as store:
        pid = store.programmes()[0].id
        snapshot_id = since.record_board(store, pid, "after upgrade", today=TODAY, source="mark")
        assert [row.id for row in store.board_snapshots(pid)] == [snapshot_id]
        assert since.since_report(store, pid, today=TODAY).items == ()


def test_the_board_pack_shows_the_trend_since_the_board_before_it(demo_store, db_url, tmp_path):
    from assure.models import board_pack

    pid = programme(demo_store)
    first = board_pack.export(demo_store, pid, "md", tmp_path / "first.md", today=TODAY)
    assert first.snapshot_id is not None and first.not_recorded is None
    text = (tmp_path / "first.md").read_text()
    assert text.count("First board recorded: there is no earlier board to compare with.") == 2  # verdict, section
    assert "↑" not in text and "↓" not in text and "→ unchanged" not in text

    risk = next(row for row in demo_store.risks(pid) if row.ref == "I1")
    demo_store.update("risk", risk.id, {"likelihood": 5, "impact": 5})  # Red: the programme turns worse
    demo_store.update("deliverable", 5, {"status": "Signed Off", "approved_by": "Glyn Peach", "date": "2021-04-19"})
    second = board_pack.export(demo_store, pid, "md", tmp_path / "second.md", today=TODAY)
    text = (tmp_path / "second.md").read_text()
    was = json.loads(demo_store.board_snapshots(pid)[0].figures)
    assert (was["programme"]["rag"], json.loads(demo_store.board_snapshots(pid)[1].figures)["programme"]["rag"]) == (
        "Amber", "Red")
    assert f"Trend: Red ↓ from Amber (worse) since Board #{first.snapshot_id} (20 Apr 2021, by tester)." in text
    signed = was["figures"]["signed_off"]
    assert f"- **Signed off or delivered:** {signed + 1} of 72 (" in text and f"— ↑ from {signed}\n" in text
    assert "- **Deliverables:** 72 (Signed Off" in text and "→ unchanged" in text
    verdict_at = text.index("## Decisions needed")
    section = text.index("## Since the last board")
    assert verdict_at < section < text.index("## Assurance findings")
    assert f"Compared with Board #{first.snapshot_id} (20 Apr 2021, by tester)." in text
    assert "### Sign-offs given" in text and "re-scored unscored → 25 (Unscored → Red)" in text

    # The HTML pack compares with the board before it too: the second, not itself.
    board_pack.export(demo_store, pid, "html", tmp_path / "third.html", today=TODAY)
    page = (tmp_path / "third.html").read_text()
    assert f'<p class="trend">Trend: Red → unchanged since Board #{second.snapshot_id} (20 Apr 2021, by tester).</p>' in page
    assert "<h2>Since the last board</h2>" in page and "Nothing has changed since." in page
    assert len(demo_store.board_snapshots(pid)) == 3
