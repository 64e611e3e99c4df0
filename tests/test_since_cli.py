"""``assure board mark|list``, ``assure diff`` and the board an export records, as a user types them."""

from __future__ import annotations

import json

from test_cli import assert_one_line_error, assure
from test_since import TODAY, programme, scripted_edits

from assure.models import since


def run(db_url, *args: str):
    return assure("--db", str(db_url), "--programme", "lcc-btls", *args)


def test_no_board_yet_is_one_clear_line(demo_store, db_url):
    result = run(db_url, "diff")
    assert result.returncode == 1
    assert_one_line_error(result, "No board has been recorded", "assure board mark")
    listed = run(db_url, "board", "list")
    assert listed.returncode == 0 and "no boards recorded for lcc-btls yet" in listed.stdout


def test_mark_list_and_diff_after_the_scripted_edits(demo_store, db_url):
    risk = next(row for row in demo_store.risks(programme(demo_store)) if row.ref == "I1")
    demo_store.update("risk", risk.id, {"likelihood": 3, "impact": 4})
    marked = run(db_url, "board", "mark", "--label", "Board 14 May")
    assert marked.returncode == 0, marked.stderr
    (snapshot,) = demo_store.board_snapshots(programme(demo_store))
    line = marked.stdout.rstrip("\n")
    assert "\n" not in line
    assert line.startswith(f"recorded board #{snapshot.id} 'Board 14 May' for lcc-btls (reporting date 20 Apr 2021): ")
    listed = run(db_url, "board", "list")
    assert listed.stdout.startswith(f"#{snapshot.id}  ") and "tester  mark  Board 14 May" in listed.stdout

    scripted_edits(demo_store, db_url)
    text = run(db_url, "diff")
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("Since Board 14 May (20 Apr 2021, by tester)\n")
    for heading in ("Risks and issues (1)", "Sign-offs given (1)", "Dates moved (1)", "Actions (2)", "Who edited what (5)"):
        assert f"\n{heading}\n" in text.stdout
    assert "date moved 01 Mar 2021 → 15 Mar 2021, 14 days later (alice, 20 Apr 2021)" in text.stdout

    markdown = run(db_url, "diff", "--format", "md")
    assert markdown.returncode == 0
    assert markdown.stdout.startswith("## Since Board 14 May (20 Apr 2021, by tester)\n")
    assert "\n### Sign-offs given\n\n- " in markdown.stdout

    document = json.loads(run(db_url, "diff", "--format", "json", "--since", f"#{snapshot.id}").stdout)
    expected = since.since_report(demo_store, programme(demo_store), today=TODAY).to_json()
    assert document == {"programme": "lcc-btls", **expected}


def test_a_bad_since_exits_2_and_says_what_it_takes(demo_store, db_url):
    run(db_url, "board", "mark")
    for bad in ("#42", "yesterday", "32/01/2021"):
        result = run(db_url, "diff", "--since", bad)
        assert result.returncode == 2, (bad, result)
        assert_one_line_error(result, "--since", "assure board list")


def test_diff_since_a_date(demo_store, db_url):
    result = run(db_url, "diff", "--since", "2021-04-01")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Since 01 Apr 2021\n")


def test_hostile_stored_text_is_plain_in_diff(demo_store, db_url):
    pid = programme(demo_store)
    since.record_board(demo_store, pid, "b", today=TODAY, source="mark")
    demo_store.create("action", pid, {"number": 41, "kind": "Next step",
                                      "description": "[red]x[/] \x1b]52;c;aGk=\x07 \u202e done"})
    with demo_store.transaction() as backend:  # written behind validation's back, as an old release might
        backend.execute("UPDATE history SET record_label = ? WHERE id = (SELECT max(id) FROM history)",
                        ("Next step 41: [red]x\x1b[2J\x9b",))
    for fmt in ("text", "md", "json"):
        result = run(db_url, "diff", "--format", fmt)
        assert result.returncode == 0, result.stderr
        for control in ("\x1b", "\x07", "\x9b", "\u202e"):
            assert control not in result.stdout, (fmt, control)
    plain = run(db_url, "diff").stdout
    assert "Next step 41: [red]x\ufffd[2J\ufffd: new (no owner, no due date)" in plain


def test_every_export_records_a_board_and_read_only_says_it_cannot(demo_store, db_url, tmp_path):
    pid = programme(demo_store)
    first = run(db_url, "export", "--out", str(tmp_path / "pack.md"))
    assert first.returncode == 0, first.stderr
    (snapshot,) = demo_store.board_snapshots(pid)
    assert snapshot.source == "export:md"
    assert first.stdout == f"wrote the md board pack for lcc-btls to {tmp_path / 'pack.md'}, recorded as board #{snapshot.id}\n"
    printed = run(db_url, "export", "--format", "json")
    assert printed.returncode == 0 and json.loads(printed.stdout)["programme"]["code"] == "lcc-btls"
    assert [row.source for row in demo_store.board_snapshots(pid)] == ["export:md", "export:json"]
    folder = run(db_url, "export", "--format", "csv", "--out", str(tmp_path / "csv"))
    assert folder.returncode == 0 and "recorded as board #" in folder.stdout

    read_only = assure("--db", str(db_url), "--read-only", "--programme", "lcc-btls", "export", "--out",
                       str(tmp_path / "again.html"))
    assert read_only.returncode == 0
    assert (tmp_path / "again.html").exists()
    assert read_only.stderr == "assure: not recorded as a board: this session is read-only\n"
    assert len(demo_store.board_snapshots(pid)) == 3


def test_the_second_exports_pack_shows_arrows_and_the_section(demo_store, db_url, tmp_path):
    assert run(db_url, "export", "--out", str(tmp_path / "one.md")).returncode == 0
    assert "First board recorded" in (tmp_path / "one.md").read_text()
    demo_store.update("action", 1, {"status": "Done"})
    printed = run(db_url, "export", "--format", "md")
    assert printed.returncode == 0
    first = demo_store.board_snapshots(programme(demo_store))[0]
    assert f"since Board #{first.id} (20 Apr 2021, by tester)." in printed.stdout
    assert "- **Open actions:** 5 (0 overdue) — ↓ from 6\n" in printed.stdout
    assert "## Since the last board" in printed.stdout and "completed (was Open)" in printed.stdout


def test_marking_a_board_read_only_is_refused_in_one_line(demo_store, db_url):
    result = assure("--db", str(db_url), "--read-only", "--programme", "lcc-btls", "board", "mark", "--label", "x")
    assert result.returncode == 1
    assert_one_line_error(result, "--read-only")
    assert demo_store.board_snapshots(programme(demo_store)) == []


def test_a_label_too_long_is_refused_and_nothing_recorded(demo_store, db_url):
    result = run(db_url, "board", "mark", "--label", "x" * 121)
    assert_one_line_error(result, "at most 120 characters")
    assert demo_store.board_snapshots(programme(demo_store)) == []
