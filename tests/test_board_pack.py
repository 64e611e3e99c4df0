"""The board pack in each format: complete, faithful to the summary, and safe with hostile text.

HTML is parsed with :mod:`html.parser` to prove it is well formed (balanced tags) and
self-contained (no scripts, no links, nothing fetched); stored markup and HTML appear as
text. Markdown tables keep one row per record; CSV opens in a spreadsheet without running
formulas; JSON is the importable programme document.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from assure.models.board_pack import CSV_FIELDS, JSON_FORMAT, build, csv_cell, csv_value, export, render_html, render_markdown
from assure.models.bundle import dump_programme, validate_bundle
from assure.tui.cli import cli

HOSTILE = "<script>alert(1)</script>"
MARKUP = "[bold]x[/]"


@pytest.fixture
def pid(store):
    """A programme whose text tries everything: HTML, Rich markup, pipes, newlines, formulas."""
    programme_id = store.create("programme", None, {"code": "hx", "name": "Hostile & <Co> programme",
                                                    "as_of": "20/04/2021", "end_date": "01/04/2021"})
    person = store.create("person", programme_id, {"name": "Zoë Brontë"})
    store.create("raci", programme_id, {"person_id": person, "role": "Sponsor", "letter": "A"})
    out = store.create("outcome", programme_id, {"number": 1, "title": f"Outcome {MARKUP}", "status": "Complete"})
    store.create("deliverable", programme_id, {"outcome_id": out, "title": HOSTILE, "approved_by": "Zoë Brontë",
                                               "status": "Signed Off", "date": "01/03/2021"})
    store.create("deliverable", programme_id, {"outcome_id": out, "title": f"Pipe | and\nnewline {MARKUP}",
                                               "status": "Post Transition"})
    store.create("deliverable", programme_id, {"title": "=HYPERLINK(\"http://evil.example\",\"x\")",
                                               "approved_by": "Zoë Brontë", "status": "In Progress"})
    store.create("risk", programme_id, {"ref": "R1", "description": "-2+3 <img src=http://evil.example/x.png>",
                                        "likelihood": 4, "impact": 5, "owner": "@owner", "review_on": "30/04/2021"})
    store.create("risk", programme_id, {"ref": "R2", "description": "Closed one", "status": "Closed"})
    store.create("action", programme_id, {"number": 1, "description": "Late <b>bold</b>", "owner": "Zoë Brontë",
                                          "due_on": "01/04/2021"})
    store.create("action", programme_id, {"number": 2, "description": "Done one", "status": "Done"})
    return programme_id


# -- HTML ----------------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Checker(HTMLParser):
    """Records structure problems and anything that would fetch or run something."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self.outside: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in {"src", "href", "action", "srcset", "data"} or name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag in {"script", "link", "iframe", "object", "embed", "img", "a", "base", "form"}:
            self.problems.append(f"<{tag}> present")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)
        if not self.stack and data.strip():
            self.outside.append(data)


def check_html(text: str) -> Checker:
    checker = Checker()
    checker.feed(text)
    checker.close()
    return checker


def test_html_is_well_formed_and_self_contained(store, pid):
    page = render_html(build(store, pid))
    checker = check_html(page)
    assert checker.problems == []
    assert checker.stack == [], "unclosed tags"
    assert checker.outside == []
    assert page.startswith("<!DOCTYPE html>")
    assert "http://" not in page.replace("http://evil.example", "") and "https://" not in page
    assert "<style>" in page and "@media print" in page
    assert checker.tags.count("table") >= 5


def test_html_shows_stored_text_as_text(store, pid):
    page = render_html(build(store, pid))
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    text = "".join(check_html(page).text)
    assert HOSTILE in text  # shown to the reader exactly as stored
    assert MARKUP in text
    assert "<img src=http://evil.example/x.png>" in text
    assert "Hostile &amp; &lt;Co&gt; programme" in page
    assert "Zoë Brontë" in text


def test_html_contents(store, pid):
    text = " ".join(" ".join(check_html(render_html(build(store, pid))).text).split())
    for heading in ("Verdict", "Decisions needed", "Outcomes", "Sign-off register", "Open risks and issues",
                    "Open actions", "Assurance findings", "RACI", "Lessons"):
        assert heading in text
    assert "Closed one" not in text and "Done one" not in text  # only open risks and actions
    assert "20 Red" in text  # 4 x 5, with the band in words, not colour alone
    assert "(overdue)" in text
    assert "signoff-future" not in text
    # Findings read whole, with why they matter; the rules' internal ids mean nothing to a board.
    from assure.models.rules import RULES

    assert not [rule.id for rule in RULES if rule.id in text]
    assert "is Complete but" in text and "The board reads Complete as done" in text


# -- Markdown ------------------------------------------------------------------------------


def cells(line: str) -> list[str]:
    """Split a Markdown table row on unescaped pipes."""
    parts, current, escaped = [], "", False
    for char in line.strip()[1:-1]:
        if char == "|" and not escaped:
            parts.append(current)
            current = ""
        else:
            current += char
        escaped = char == "\\" and not escaped
    parts.append(current)
    return parts


def test_markdown_tables_keep_one_row_per_record(store, pid):
    text = render_markdown(build(store, pid))
    register = text.split("## Sign-off register")[1].split("##")[0]
    rows = [line for line in register.splitlines() if line.startswith("|")]
    assert len(rows) == 2 + 3  # header, rule, three deliverables
    widths = {len(cells(row)) for row in rows}
    assert widths == {5}
    assert any("Pipe \\| and<br>newline" in row for row in rows)


def test_markdown_escapes_markup_and_html(store, pid):
    text = render_markdown(build(store, pid))
    assert HOSTILE not in text
    assert "\\<script\\>alert(1)\\</script\\>" in text
    assert "\\[bold\\]x\\[/\\]" in text
    assert "# Hostile & \\<Co\\> programme" in text
    assert "\x1b" not in text


# -- CSV -----------------------------------------------------------------------------------


def read_csv(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_csv_one_file_per_table(store, pid, tmp_path):
    folder = tmp_path / "pack"
    written = export(store, pid, "csv", folder)
    assert sorted(p.name for p in written) == sorted(
        ["summary.csv", "outcomes.csv", "deliverables.csv", "risks.csv", "actions.csv", "lessons.csv", "findings.csv",
         "handover.csv"])
    deliverables = read_csv(folder / "deliverables.csv")
    assert tuple(deliverables[0]) == CSV_FIELDS["deliverables"]
    assert len(deliverables) == 1 + 3
    assert deliverables[1][:5] == ["1", HOSTILE, "Zoë Brontë", "Signed Off", "2021-03-01"]
    assert any(row[1] == f"Pipe | and\nnewline {MARKUP}" for row in deliverables)
    risks = read_csv(folder / "risks.csv")
    # Every risk with its status, so a closed one can be corrected too (the pack's tables: open ones)
    assert [(row[0], row[6]) for row in risks[1:]] == [("R1", "Open"), ("R2", "Closed")]
    assert [row[5] for row in read_csv(folder / "actions.csv")[1:]] == ["Open", "Done"]
    findings = read_csv(folder / "findings.csv")
    assert findings[0] == ["severity", "kind", "record_id", "message", "reason", "acknowledged"]
    summary = dict(read_csv(folder / "summary.csv")[1:])
    assert summary["deliverables"] == "3" and summary["open risks Red"] == "1"


def test_csv_defuses_formulas(store, pid, tmp_path):
    export(store, pid, "csv", tmp_path / "pack")
    every_cell = [cell for name in ("deliverables", "risks", "actions")
                  for row in read_csv(tmp_path / "pack" / f"{name}.csv")[1:] for cell in row]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in every_cell
    assert "'-2+3 <img src=http://evil.example/x.png>" in every_cell
    assert "'@owner" in every_cell
    assert not [cell for cell in every_cell if cell[:1] in ("=", "+", "-", "@")]


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@x", "'quoted", "''=x", "plain", "it's", "'", ""])
def test_csv_cell_round_trip(value):
    assert csv_value(csv_cell(value)) == value


# -- JSON ----------------------------------------------------------------------------------


def test_json_is_the_programme_document(store, pid, tmp_path):
    path = export(store, pid, "json", tmp_path / "p.json")[0]
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document.pop("format") == JSON_FORMAT
    assert document.pop("exported_at")
    assert document == json.loads(json.dumps(dump_programme(store, pid)))
    validate_bundle({**document, "format": JSON_FORMAT, "exported_at": "x"})


# -- through the command line --------------------------------------------------------------


def run(db_url, *args):
    return CliRunner().invoke(cli, ["--db", str(db_url), *args], catch_exceptions=False)


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_export_command_writes_each_format(store, pid, db_url, tmp_path, fmt):
    out = tmp_path / f"pack.{fmt}"
    result = run(db_url, "export", "--out", str(out))  # the format comes from the suffix
    assert result.exit_code == 0, result.output
    assert out.exists() and out.stat().st_size > 500
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left over
    stdout = run(db_url, "export", "--format", fmt).output
    assert stdout.splitlines()[:3] == out.read_text(encoding="utf-8").splitlines()[:3]


def test_export_csv_command(store, pid, db_url, tmp_path):
    result = run(db_url, "export", "-f", "csv", "-o", str(tmp_path / "csv"))
    assert result.exit_code == 0
    assert len(list((tmp_path / "csv").glob("*.csv"))) == 8


def test_export_changes_no_record_and_only_records_the_board(store, pid, db_url, tmp_path):
    before = store.history(pid)
    records = {kind: store.list(kind, pid) for kind in ("deliverable", "risk", "action", "outcome")}
    run(db_url, "export", "-o", str(tmp_path / "p.html"))
    newest, *rest = store.history(pid)
    assert rest == before
    assert (newest.action, newest.new_value) == ("board", "board marked (export:html)")
    assert [row.source for row in store.board_snapshots(pid)] == ["export:html"]
    assert {kind: store.list(kind, pid) for kind in records} == records


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--out", "{tmp}/no/such/folder/pack.html"), "does not exist"),
        (("--out", "{tmp}"), "say which format"),
        (("--format", "md", "--out", "{tmp}"), "is a folder"),
        (("--format", "csv"), "give a folder"),
        (("--format", "csv", "--out", "{tmp}/file.txt"), "is a file"),
    ],
)
def test_export_errors_are_one_line(store, pid, db_url, tmp_path, args, message):
    (tmp_path / "file.txt").write_text("x")
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    result = subprocess.run([sys.executable, "-m", "assure", "--db", str(db_url), "export", *args],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_export_to_a_read_only_folder(store, pid, db_url, tmp_path):
    import os

    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        # root may write anywhere on disk, but not into /proc
        target = locked / "p.md" if not os.access(locked, os.W_OK) else "/proc/assure-board-pack.md"
        result = subprocess.run([sys.executable, "-m", "assure", "--db", str(db_url), "export", "-o",
                                 str(target)], capture_output=True, text=True, timeout=60)
        assert result.returncode == 1 and "cannot write" in result.stderr and "Traceback" not in result.stderr
        assert result.stderr.count("\n") == 1
    finally:
        locked.chmod(0o700)


def test_board_pack_modules_never_import_textual():
    code = (
        "import sys, json\n"
        "import assure.models.board_pack, assure.models.csv_import\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {'textual', 'pydantic', 'sqlalchemy', 'sqlmodel'})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []


def test_demo_board_pack_html_is_well_formed(demo_store):
    for programme in demo_store.programmes():
        checker = check_html(render_html(build(demo_store, programme.id)))
        assert checker.problems == [] and checker.stack == []


# -- closure: readiness, the handover register, the burn-up ---------------------------------


def test_the_handover_register_is_a_section_of_each_pack_and_a_csv_of_its_own(store, pid, tmp_path):
    open_deliverable = next(d for d in store.deliverables(pid) if d.status == "Post Transition")
    store.create("handover", pid, {"source_kind": "deliverable", "source_id": open_deliverable.id,
                                   "item": f"Carry on {HOSTILE}", "owner": "=cmd|'/c calc'!A1",
                                   "due_on": "31/07/2021", "done_means": f"Signed off {MARKUP}"})
    pack = build(store, pid)
    markdown = render_markdown(pack)
    assert "## Closure readiness" in markdown and "## Handover register" in markdown
    assert "Carry on \\<script\\>alert(1)\\</script\\>" in markdown and "31 Jul 2021" in markdown
    page = render_html(pack)
    checker = check_html(page)
    assert checker.problems == [] and checker.stack == []
    text = " ".join(" ".join(checker.text).split())
    assert "Handover register" in text and f"Carry on {HOSTILE}" in text and "Not ready to close" in text
    assert HOSTILE not in page
    export(store, pid, "csv", tmp_path / "pack")
    rows = read_csv(tmp_path / "pack" / "handover.csv")
    assert rows[0] == ["item", "owner", "due_on", "done_means", "status", "source_kind"]
    assert rows[1] == [f"Carry on {HOSTILE}", "'=cmd|'/c calc'!A1", "2021-07-31", f"Signed off {MARKUP}",
                       "Proposed", "deliverable"]


def test_the_html_pack_draws_the_burn_up_as_inline_svg(store, pid):
    import re
    import xml.etree.ElementTree as ET

    page = render_html(build(store, pid))
    svgs = re.findall(r"<svg.*?</svg>", page, re.S)
    assert len(svgs) == 1
    root = ET.fromstring(svgs[0])  # well-formed XML: every text in it escaped
    assert root.get("role") == "img"
    texts = [element.text for element in root.iter() if element.text]
    assert "Sign-offs burn-up: 1 of 3 deliverables signed off, by week; report date 20 Apr 2021" in texts
    assert "Report date 20 Apr 2021" in texts
    assert any(element.tag == "polyline" for element in root.iter())


def test_a_pack_with_no_sign_offs_says_so_in_the_svg(store):
    from assure.models.board_pack import burn_up_svg
    from assure.models.burnup import burn_up
    from datetime import date

    svg = burn_up_svg(burn_up(4, [], date(2021, 4, 20)))
    assert "No dated sign-offs yet." in svg and "polyline" not in svg
