"""The board pack: a programme's status as Markdown, HTML, CSV or JSON.

Plain Python, no Textual: ``assure export`` and the dashboard's command palette both call
:func:`export`. Everything stored is user data and is escaped for the format it goes into:
Markdown punctuation is backslash-escaped, HTML goes through :func:`html.escape`, CSV cells
that a spreadsheet would run as a formula are defused, and control characters never reach
the output. The JSON export is exactly the programme document of
:mod:`assure.models.bundle` (plus ``format`` and ``exported_at``), so it imports back.
"""

from __future__ import annotations

import csv
import html
import io
import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from . import progress, vocab
from .dates import format_date, utc_now_iso
from .db import StoreError
from .files import UnsafeTarget, check_target, copy_mode, replace_folder, write_atomic
from .judgement import due_date, is_overdue
from .kinds import KINDS
from .summary import programme_dates, summary_lines
from .text import display_text
from .wording import count, record_date, share_text

FORMATS = ("md", "html", "csv", "json")
SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".json": "json", ".csv": "csv"}
JSON_FORMAT = "assure-programme/1"

#: Columns that let a CSV table import back as corrections: which record a row is, the
#: version the export saw (so a colleague's change since is caught) and the database it is
#: in (ids are unique only within one).
CSV_KEYS = ("id", "version", "database")
#: Column names of the CSV tables that import reads back: the record's own field names,
#: with the outcome given by its number, then :data:`CSV_KEYS`.
CSV_FIELDS: dict[str, tuple[str, ...]] = {
    "deliverables": (*("outcome" if name == "outcome_id" else name for name in KINDS["deliverable"].field_names),
                     *CSV_KEYS),
    "risks": (*KINDS["risk"].field_names, *CSV_KEYS),
    "actions": (*KINDS["action"].field_names, *CSV_KEYS),
    "lessons": (*KINDS["lesson"].field_names, *CSV_KEYS),
}


class ExportError(StoreError):
    """The board pack could not be written; the message names the path and the cause."""


@dataclass
class BoardPack:
    """Everything a board pack shows, read once."""

    programme: Any
    summary: dict[str, Any]
    outcomes: list
    deliverables: list
    risks: list
    """Open risks and issues only."""
    actions: list
    """Open actions only."""
    findings: list
    today: date
    """The clock's today (when the pack was prepared)."""
    on: date | None = None
    """The reporting date every judgement in the pack is measured against."""
    handover: list = field(default_factory=list)
    """The handover register: what stays open at closure, with its new owner."""
    closure: Any = None
    """The closure gate's verdict (:class:`assure.models.closure.Readiness`)."""
    burn: Any = None
    """The sign-off burn-up (:class:`assure.models.burnup.BurnUp`)."""
    assessment: Any = None
    """The verdicts (:class:`~assure.models.verdict.Assessment`)."""
    raci: list = None  # type: ignore[assignment]
    lessons: list = None  # type: ignore[assignment]
    registers: dict = field(default_factory=dict)
    """Every risk and action, closed ones too (``risks``, ``actions``): the CSV registers
    list them all with their status, so a closed item can be corrected through a
    spreadsheet (the pack's own tables show the open ones)."""
    database: str | None = None
    """The database's own id (:meth:`Store.database_id`), for the CSV registers."""
    previous: Any = None
    """The board snapshot before this pack (:class:`~assure.models.records.BoardSnapshotRecord`),
    or None for the first board: the trend arrows compare with it."""
    since: Any = None
    """What changed since ``previous`` (:class:`~assure.models.since.SinceReport`)."""

    @property
    def verdict(self):
        return self.assessment.programme


def build(store, programme_id: int, *, today: date | None = None) -> BoardPack:
    """Read what a board pack shows for one programme.

    Raises:
        StoreError: no such programme, or the database refused.
    """
    from .dates import today as _today
    from .judgement import reporting_date
    from .rules import run_rules
    from .summary import programme_summary

    today = today or _today()
    programme = store.get("programme", programme_id)
    if programme is None:
        raise StoreError(f"no programme with id {programme_id}")
    from .verdict import assess_records

    findings = run_rules(store, programme_id, today=today)
    closure, burn = _closure_parts(store, programme, today)
    outcomes, deliverables = store.outcomes(programme_id), store.deliverables(programme_id)
    risks, actions = store.risks(programme_id), store.actions(programme_id)
    assessment = assess_records(programme, outcomes, deliverables, risks, actions, findings, today=today,
                                overrides=store.verdict_overrides(programme_id))
    pack = BoardPack(
        programme=programme,
        summary=programme_summary(store, programme_id, today=today, findings=findings),
        outcomes=outcomes,
        deliverables=deliverables,
        risks=[row for row in risks if row.status in vocab.RISK_OPEN],
        actions=[row for row in actions if row.status in vocab.ACTION_OPEN],
        findings=findings,
        today=today,
        handover=list(closure.handover),
        closure=closure,
        burn=burn,
        assessment=assessment,
        raci=store.raci(programme_id),
        lessons=store.lessons(programme_id),
        on=reporting_date(programme, today),
        registers={"risks": risks, "actions": actions},
        database=store.database_id(),
    )
    # The board before this pack: read before an export records this one.
    snapshots = store.board_snapshots(programme_id)
    if snapshots:
        from .since import since_report

        pack.previous = snapshots[-1]
        pack.since = since_report(store, programme_id, since=f"#{pack.previous.id}", today=today, pack=pack)
    return pack


def _closure_parts(store, programme, today: date):
    """The closure gate and the burn-up as of the programme's reporting date (else today)."""
    from .burnup import burn_up
    from .closure import closure_readiness
    from .judgement import due_date

    closure = closure_readiness(store, programme.id, today=today)
    total, dates = store.signoff_dates(programme.id)
    return closure, burn_up(total, dates, due_date(programme.as_of) or today)


# -- shared wording ------------------------------------------------------------------------


def _pct(done: int, total: int) -> str:
    return share_text(done, total)


def _progress(outcome) -> str:
    """``14 of 15 (93%)``: signed off or delivered of the outcome's deliverables."""
    done, total = outcome.deliverables_done, outcome.deliverables_total
    return f"{done} of {total} ({_pct(done, total)})" if total else "no deliverables"


def _verdict_words(verdict) -> str:
    """``Amber (DCA Amber: successful delivery appears feasible, ...)``, with any override."""
    from .verdict import DCA_MEANING, RAG_SYMBOLS

    text = f"{RAG_SYMBOLS[verdict.rag]} {verdict.rag} (DCA {verdict.dca}: {DCA_MEANING[verdict.dca]})"
    if verdict.overridden:
        text += (f"; overridden by hand, reason: {display_text(verdict.override.reason)}; the rules give"
                 f" {verdict.derived_rag} (DCA {verdict.derived_dca})")
    return text


def _outcome_verdict(pack: BoardPack, outcome) -> str:
    from .verdict import RAG_SYMBOLS

    verdict = pack.assessment.outcome(outcome.id) if pack.assessment is not None else None
    if verdict is None:
        return ""
    text = f"{RAG_SYMBOLS[verdict.rag]} {verdict.rag}"
    if trend := _outcome_trend(pack, outcome.id, verdict.rag):
        text += f" {trend}"
    if verdict.overridden:
        text += f" (overridden; rules: {verdict.derived_rag})"
    if verdict.drivers:
        text += ": " + "; ".join(reason.text for reason in verdict.drivers[:2])
    return text


# -- the trend since the previous board --------------------------------------------------

FIRST_BOARD = "First board recorded: there is no earlier board to compare with."
_RAG_ORDER = {"Green": 0, "Amber": 1, "Red": 2}


def _then(pack: BoardPack) -> dict | None:
    from .since import snapshot_figures

    return snapshot_figures(pack.previous) if pack.previous is not None else None


def rag_trend(old: str | None, now: str) -> str:
    """``↓ from Green (worse)``, ``↑ from Red (better)``, ``→ unchanged``; "" when unknown.
    Words beside each arrow, so it reads without colour and in print."""
    if old not in _RAG_ORDER or now not in _RAG_ORDER:
        return ""
    if _RAG_ORDER[now] > _RAG_ORDER[old]:
        return f"↓ from {old} (worse)"
    if _RAG_ORDER[now] < _RAG_ORDER[old]:
        return f"↑ from {old} (better)"
    return "→ unchanged"


def figure_trend(old: Any, now: Any) -> str:
    """``↑ from 5``, ``↓ from 7``, ``→ unchanged``; "" when the last board did not have it."""
    if not isinstance(old, int) or not isinstance(now, int):
        return ""
    if now > old:
        return f"↑ from {old}"
    if now < old:
        return f"↓ from {old}"
    return "→ unchanged"


def verdict_trend(pack: BoardPack) -> str:
    """The programme verdict's move since the last board, as one sentence."""
    from .since import snapshot_label

    then = _then(pack)
    if then is None:
        return FIRST_BOARD
    verdict = pack.verdict
    old = (then.get("programme") or {}).get("rag")
    trend = rag_trend(old, verdict.rag)
    where = f" since {snapshot_label(pack.previous)}"
    return f"Trend: {verdict.rag} {trend}{where}." if trend else f"Trend: not known{where}."


def summary_trends(pack: BoardPack) -> list[tuple[str, str, str]]:
    """The headline figures as (label, value, trend since the last board; "" on the first)."""
    from .since import FIGURE_LABELS, headline_figures

    then = _then(pack)
    old = (then or {}).get("figures") or {}
    now = headline_figures(pack.summary)
    return [(label, value, figure_trend(old.get(FIGURE_LABELS.get(label, "")), now.get(FIGURE_LABELS.get(label, ""))))
            for label, value in summary_lines(pack.summary)]


def _outcome_trend(pack: BoardPack, outcome_id: int, rag: str) -> str:
    then = _then(pack)
    if then is None:
        return ""
    old = next((row.get("rag") for row in then.get("outcomes") or [] if isinstance(row, dict)
                and row.get("id") == outcome_id), None)
    return rag_trend(old, rag) if old is not None else "new since the last board"


def since_heading(pack: BoardPack) -> str:
    from .since import snapshot_label

    return f"Compared with {snapshot_label(pack.previous)}." if pack.previous is not None else FIRST_BOARD


def decisions(pack: BoardPack) -> list[str]:
    """What the board is asked to decide, from the verdict and the findings, in this order:

    agree the verdict (or confirm an override); confirm or correct each high finding;
    decide on deliverables still open after the programme ended; agree the response to
    red risks; agree new dates or owners for overdue actions; name owners for open items
    that have none.
    """
    from .verdict import report_date

    verdict = pack.verdict
    asks = []
    if verdict.overridden:
        asks.append(f"Confirm the verdict set by hand, {verdict.rag} (DCA {verdict.dca}), over the rules'"
                    f" {verdict.derived_rag} (DCA {verdict.derived_dca}).")
    else:
        asks.append(f"Agree the verdict: {verdict.rag} (DCA {verdict.dca}), or override it with a reason.")
    live = [finding for finding in pack.findings if not getattr(finding, "acknowledged", False)]
    high = [finding for finding in live if finding.severity == "high"]
    if len(high) <= 3:
        asks += [f"Confirm or correct: {display_text(finding.message)}" for finding in high]
    else:
        asks.append(f"Confirm or correct the {len(high)} high findings listed under Assurance findings.")
    as_of = report_date(pack.programme, pack.today)
    end = due_date(pack.programme.end_date)
    if end is not None and end < as_of:
        still_open = [row for row in pack.deliverables if row.status not in vocab.DELIVERABLE_DONE]
        if still_open:
            asks.append(f"Decide who carries {count(len(still_open), 'deliverable')} still open after the programme"
                        f" ended ({format_date(end)}), or accept {'it' if len(still_open) == 1 else 'them'} as closed.")
    red = [row for row in pack.risks if vocab.risk_band(vocab.risk_score(row.likelihood, row.impact)) == "Red"]
    if red:
        asks.append(f"Agree the response to {count(len(red), 'red risk')}: "
                    + ", ".join(display_text(row.ref) for row in red) + ".")
    overdue = [row for row in pack.actions if is_overdue(row.due_on, row.status, as_of)]
    if overdue:
        asks.append(f"Agree new dates or owners for {count(len(overdue), 'overdue action')}.")
    unowned = {"deliverable-owner": "deliverable", "action-owner": "action", "risk-owner": "risk"}
    counts = {noun: sum(1 for f in live if f.rule == rule) for rule, noun in unowned.items()}
    total = sum(counts.values())
    if total:
        parts = ", ".join(count(number, noun) for noun, number in counts.items() if number)
        asks.append(f"Name owners for {count(total, 'open item')} with none ({parts}).")
    return asks


def _owners(pack: BoardPack) -> dict[tuple[str, int], str]:
    """(kind, id) -> who owns the record a finding is about (approver, owner, responsible)."""
    owners: dict[tuple[str, int], str] = {}
    for row in pack.deliverables:
        owners[("deliverable", row.id)] = row.approved_by or ""
    for row in pack.risks:
        owners[("risk", row.id)] = row.owner or ""
    for row in pack.actions:
        owners[("action", row.id)] = row.owner or ""
    for row in pack.lessons or []:
        owners[("lesson", row.id)] = row.responsible or ""
    for row in pack.raci or []:
        owners[("raci", row.id)] = row.person_name or ""
    return owners


def _heat_rows(heatmap: list[list[int]]) -> list[list[object]]:
    """The 5x5 grid as rows L5..L1, each cell its count and band symbol (readable without colour)."""
    symbols = {"Red": "▲", "Amber": "◆", "Green": "●"}
    rows = []
    for likelihood in range(5, 0, -1):
        cells: list[object] = [f"L{likelihood}"]
        for impact in range(1, 6):
            number = heatmap[likelihood - 1][impact - 1]
            band = vocab.risk_band(likelihood * impact)
            cells.append(f"{number} {symbols[band]}" if number else symbols[band])
        rows.append(cells)
    return rows


HEAT_LEGEND = "▲ red (score 15-25), ◆ amber (5-14), ● green (1-4); a number is how many open risks sit there."


def _band(risk) -> str:
    score = vocab.risk_score(risk.likelihood, risk.impact)
    return f"{score} {vocab.risk_band(score)}" if score is not None else "Unscored"


def _programme_dates(pack: BoardPack) -> str:
    return programme_dates(pack.programme._asdict(), pack.today)


def _answer(finding) -> str:
    ack = finding.acknowledged
    until = f", until {format_date(ack.until)}" if ack.until else ""
    return f"acknowledged by {display_text(ack.actor)} on {format_date(ack.at)}{until}: {display_text(ack.reason)}"


def finding_rows(pack: BoardPack) -> list[tuple[str, str, str, str, str]]:
    """The findings as a board reads them: (severity, finding, why it matters, owner, answer).

    Findings of one kind over many records are one row naming every record; the rule's
    id is left out (it means nothing to a board); an acknowledged finding is shown, marked.
    """
    from .rules import grouped

    owners = _owners(pack)
    rows = []
    for group in grouped(pack.findings):
        named = dict.fromkeys(owners.get((f.kind, f.record_id)) for f in group.findings if f.record_id is not None)
        owner = "; ".join(name for name in named if name) or "no owner named"
        answers = [f for f in group.findings if f.acknowledged is not None]
        if len(group.findings) == 1:
            answer = _answer(answers[0]) if answers else ""
        else:
            answer = "; ".join(f"{f.subject or f.message}: {_answer(f)}" for f in answers)
            if answers:
                answer = f"{len(answers)} of {len(group.findings)} " + answer
        severity = group.severity.upper() + (" (acknowledged)" if answers and len(answers) == len(group.findings) else "")
        rows.append((severity, group.message, group.rule.reason, owner, answer))
    return rows


def register_table(deliverables: Iterable) -> tuple[list[str], list[list[tuple[object, str]]]]:
    """The sign-off register as the declaration's ``pack`` columns give it: headers, and per
    deliverable each cell as (value, HTML class). A date the source gives as a month prints
    as the month; a reference shows the other record's key (the outcome's number)."""
    kind = KINDS["deliverable"]
    dates = {spec.name for spec in kind.fields if spec.control == "date"}

    def cell(record, spec) -> tuple[object, str]:
        value = getattr(record, spec.source) if spec.source else None
        if spec.field in dates:
            return record_date(value, record.note), "nowrap"
        if spec.field == "status":
            return value, "nowrap"
        return ("" if value is None else value), ("num" if isinstance(value, int) else "")

    return [spec.label for spec in kind.pack], [[cell(record, spec) for spec in kind.pack] for record in deliverables]


# -- Markdown ------------------------------------------------------------------------------

#: Punctuation that means something inside a Markdown line: emphasis, code, links, raw
#: HTML, table cells, strikethrough, and ``&`` where it would start an entity. (Nothing
#: escaped here ever starts a line, so ``#``, ``+`` and ``-`` need no escape.)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~]|&(?=#?\w+;))")


def md(value: object) -> str:
    """Stored text made safe for a Markdown table cell or line.

    Markdown punctuation is backslash-escaped (so ``<script>`` stays text and ``[x]`` is
    not a link), control characters are shown as U+FFFD, newlines become ``<br>``.
    """
    text = _MD_SPECIAL.sub(r"\\\1", display_text(value, multiline=True))
    return "<br>".join(line.strip() for line in text.split("\n"))


def _md_table(header: Iterable[str], rows: Iterable[Iterable[object]]) -> list[str]:
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    count = 0
    for row in rows:
        lines.append("| " + " | ".join(md(cell) for cell in row) + " |")
        count += 1
    if not count:
        return ["_None._"]
    return lines


def render_markdown(pack: BoardPack) -> str:
    """The board pack as Markdown that pastes into a paper: the verdict first."""
    programme, today = pack.programme, pack.today
    on = pack.on or today
    out = [f"# {md(display_text(programme.name))} — board pack", ""]
    facts = [f"Programme **{md(programme.code)}**"]
    if programme.organisation:
        facts.append(md(programme.organisation))
    if dates := _programme_dates(pack):
        facts.append(md(dates))
    facts.append(f"prepared {format_date(today)}")
    out += [", ".join(facts) + ".", ""]
    verdict = pack.verdict
    out += ["## Verdict", "", f"**{md(_verdict_words(verdict))}**", ""]
    out += [md(verdict_trend(pack)), ""]
    out += [f"- {'**' + reason.level + '**' if reason.level != 'Green' else reason.level}: {md(reason.text)}"
            for reason in verdict.reasons]
    out += ["", "In figures" + (" (arrows: since the last board):" if pack.previous is not None else ":"), ""]
    out += [f"- **{md(label)}:** {md(value)}" + (f" — {md(trend)}" if trend else "")
            for label, value, trend in summary_trends(pack)]
    words = pack.summary["words"]
    out += ["", "## Decisions needed", ""]
    out += [f"{number}. {md(ask)}" for number, ask in enumerate(decisions(pack), start=1)]
    out += ["", *markdown_since_section(pack)]
    out += ["", "## Assurance findings", ""]
    out += _md_table(["Severity", "Finding", "Why it matters", "Owner", "Answer"], finding_rows(pack))
    out += ["", "## Outcomes", ""]
    out += _md_table(
        ["No.", "Outcome", "Status", words["done_column"], "Verdict"],
        ([o.number, o.title, o.status, _progress(o), _outcome_verdict(pack, o)] for o in pack.outcomes),
    )
    out += ["", f"## {words['register'].capitalize()}", ""]
    header, rows = register_table(pack.deliverables)
    out += _md_table(header, ([value for value, _ in row] for row in rows))
    out += ["", "## Open risks and issues", ""]
    if pack.summary["risks"]["open"]:
        out += _md_table(["L \\ I", "I1", "I2", "I3", "I4", "I5"], _heat_rows(pack.summary["risks"]["heatmap"]))
        out += ["", md(HEAT_LEGEND), ""]
    out += _md_table(
        ["Ref", "Kind", "Description", "L", "I", "Score", "Owner", "Status", "Latest update", "Review"],
        ([r.ref, r.kind, r.description, r.likelihood or "", r.impact or "", _band(r), r.owner or "", r.status,
          r.latest_update or "", format_date(r.review_on)] for r in pack.risks),
    )
    out += ["", "## Open actions", ""]
    out += _md_table(
        ["Kind", "No.", "Description", "Owner", "Due", "Status"],
        ([a.kind, a.number, a.description, a.owner or "",
          format_date(a.due_on) + (" (overdue)" if is_overdue(a.due_on, a.status, on) else ""), a.status] for a in pack.actions),
    )
    out += ["", "## RACI", ""]
    out += _md_table(["Person", "Role", "RACI"], ([r.person_name, r.role, vocab.RACI_MEANING.get(r.letter, r.letter)]
                                                  for r in pack.raci or []))
    out += ["", "## Lessons", ""]
    out += _md_table(["No.", "Learning point", "Recommendation", "Responsible"],
                     ([lesson.number, lesson.description, lesson.recommendation or "", lesson.responsible or ""]
                      for lesson in pack.lessons or []))
    out += markdown_closure_sections(pack)
    return "\n".join(out) + "\n"


def markdown_since_section(pack: BoardPack) -> list[str]:
    """"Since the last board" as Markdown lines (the first board says so)."""
    out = ["## Since the last board", "", md(since_heading(pack)), ""]
    if pack.since is None:
        return out[:-1]
    from .since import markdown_lines

    return out + markdown_lines(pack.since, level=2, heading=False)[:-1]


def html_since_section(pack: BoardPack) -> list[str]:
    """"Since the last board" as HTML."""
    parts = ["<h2>Since the last board</h2>", f'<p class="since">{h(since_heading(pack))}</p>']
    if pack.since is None:
        return parts
    from .since import who_text

    parts += [f'<p class="legend">{h(note)}</p>' for note in pack.since.notes]
    groups = pack.since.by_category()
    if not groups:
        parts.append('<p class="none">Nothing has changed since.</p>')
    for _, heading, items in groups:
        parts.append(f"<h3>{h(heading)}</h3>")
        parts.append("<ul>" + "".join(f"<li>{h(item.text)}{h(who_text(item))}</li>" for item in items) + "</ul>")
    return parts


# -- HTML ----------------------------------------------------------------------------------


def h_line(value: object) -> str:
    """Stored text made safe for HTML on one line (titles, headings)."""
    return html.escape(display_text(value), quote=True)


def h(value: object) -> str:
    """Stored text made safe for HTML: escaped, control characters shown, newlines as ``<br>``."""
    return html.escape(display_text(value, multiline=True), quote=True).replace("\n", "<br>")


_CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; font-size: 11pt;
       color: #111; background: #fff; margin: 2em auto; max-width: 80em; padding: 0 1em; line-height: 1.35; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; border-bottom: 2px solid #333; padding-bottom: 0.1em; margin-top: 1.6em; }
p.meta { color: #444; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0; }
th, td { border: 1px solid #999; padding: 0.25em 0.45em; text-align: left; vertical-align: top;
         overflow-wrap: break-word; }
th { background: #e8e8e8; }
td.num { text-align: right; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
dl.summary { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dl.summary dt { font-weight: bold; }
dl.summary dd { margin: 0; }
.verdict { border: 3px solid #333; padding: 0.4em 0.8em; font-size: 1.15em; font-weight: bold; }
.verdict.rag-Red { border-style: double; border-width: 5px; }
.verdict .override { font-weight: normal; font-size: 0.9em; }
ul.reasons li.level-Red, ul.reasons li.level-Amber { font-weight: bold; }
.sev-high, .band-Red, .rag-Red { background: #f6c8c8; }
.sev-high { font-weight: bold; }
.sev-medium, .band-Amber, .rag-Amber { background: #fbe3b5; }
.sev-low, .band-Green, .rag-Green { background: #d7ecd3; }
.overdue { font-weight: bold; }
table.heatmap { width: auto; }
table.heatmap td { text-align: center; min-width: 3em; }
p.none, p.legend { font-style: italic; color: #555; }
p.trend, span.trend { font-weight: bold; }
@page { size: A4; margin: 15mm 12mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 9pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  h1, .verdict, ul.reasons { break-inside: avoid; page-break-inside: avoid; }
  table { break-inside: auto; page-break-inside: auto; }
  tr, td, th, dl.summary, table.heatmap { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  .sev-high, .sev-medium, .sev-low, .band-Red, .band-Amber, .band-Green, .rag-Red, .rag-Amber, .rag-Green, th {
    -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _html_table(header: list[str], rows: Iterable[list[tuple[object, str]]], *, caption: str = "") -> str:
    """A table; each cell is (value, class). Values are escaped here."""
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="{html.escape(css, quote=True)}">{h(value)}</td>' if css else f"<td>{h(value)}</td>"
            for value, css in row
        )
        body.append(f"<tr>{cells}</tr>")
    if not body:
        return '<p class="none">None.</p>'
    head = "".join(f"<th scope=\"col\">{h(name)}</th>" for name in header)
    cap = f"<caption>{h(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(body) + "\n</tbody></table>"


def _heatmap_html(heatmap: list[list[int]]) -> str:
    symbols = {"Red": "▲", "Amber": "◆", "Green": "●"}
    rows = []
    for likelihood in range(5, 0, -1):
        cells = [f'<th scope="row">L{likelihood}</th>']
        for impact in range(1, 6):
            number = heatmap[likelihood - 1][impact - 1]
            band = vocab.risk_band(likelihood * impact)
            text = f"{number} {symbols[band]}" if number else symbols[band]
            cells.append(f'<td class="band-{band}" title="{band}">{h(text)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    head = "<tr><th></th>" + "".join(f'<th scope="col">I{impact}</th>' for impact in range(1, 6)) + "</tr>"
    return (
        '<table class="heatmap"><caption>Open risks by likelihood (L) and impact (I)</caption>'
        f"<thead>{head}</thead><tbody>" + "".join(rows) + "</tbody></table>"
        f'<p class="legend">{h(HEAT_LEGEND)}</p>'
    )


def render_html(pack: BoardPack) -> str:
    """The board pack as one self-contained HTML page (no scripts, no links) that prints on A4."""
    programme, today = pack.programme, pack.today
    on = pack.on or today
    meta = [f"Programme {h(programme.code)}"]
    if programme.organisation:
        meta.append(h(programme.organisation))
    if dates := _programme_dates(pack):
        meta.append(h(dates))
    meta.append(f"prepared {h(format_date(today))}")
    verdict = pack.verdict
    reasons = "".join(
        f'<li class="level-{reason.level}">{h(reason.level)}: {h(reason.text)}</li>' for reason in verdict.reasons)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{h_line(programme.name)} — board pack</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{h_line(programme.name)} — board pack</h1>",
        f'<p class="meta">{", ".join(meta)}</p>',
        "<h2>Verdict</h2>",
        f'<p class="verdict rag-{verdict.rag}">{h(_verdict_words(verdict))}</p>',
        f'<p class="trend">{h(verdict_trend(pack))}</p>',
        f'<ul class="reasons">{reasons}</ul>',
        '<dl class="summary">'
        + "".join(f"<dt>{h(label)}</dt><dd>{h(value)}"
                  + (f' <span class="trend">— {h(trend)}</span>' if trend else "") + "</dd>"
                  for label, value, trend in summary_trends(pack))
        + "</dl>",
        "<h2>Decisions needed</h2>",
        "<ol>" + "".join(f"<li>{h(ask)}</li>" for ask in decisions(pack)) + "</ol>",
        *html_since_section(pack),
        "<h2>Assurance findings</h2>",
        _html_table(
            ["Severity", "Finding", "Why it matters", "Owner", "Answer"],
            ([(severity, f"sev-{severity.split()[0].lower()} nowrap"), (message, ""), (reason, ""), (owner, ""),
              (answer, "")] for severity, message, reason, owner, answer in finding_rows(pack)),
        ),
        "<h2>Outcomes</h2>",
        _html_table(
            ["No.", "Outcome", "Status", pack.summary["words"]["done_column"], "Verdict"],
            ([(o.number, "num"), (o.title, ""), (o.status, "nowrap"), (_progress(o), "nowrap"),
              (_outcome_verdict(pack, o), _outcome_class(pack, o))] for o in pack.outcomes),
        ),
        f"<h2>{h(pack.summary['words']['register'].capitalize())}</h2>",
        _html_table(*register_table(pack.deliverables)),
        "<h2>Open risks and issues</h2>",
    ]
    if pack.summary["risks"]["open"]:
        parts.append(_heatmap_html(pack.summary["risks"]["heatmap"]))
    parts += [
        _html_table(
            ["Ref", "Kind", "Description", "L", "I", "Score", "Owner", "Status", "Latest update", "Review"],
            ([(r.ref, "nowrap"), (r.kind, ""), (r.description, ""), (r.likelihood or "", "num"),
              (r.impact or "", "num"), (_band(r), "band-" + vocab.risk_band(vocab.risk_score(r.likelihood, r.impact))),
              (r.owner or "", ""), (r.status, ""), (r.latest_update or "", ""), (format_date(r.review_on), "nowrap")]
             for r in pack.risks),
        ),
        "<h2>Open actions</h2>",
        _html_table(
            ["Kind", "No.", "Description", "Owner", "Due", "Status"],
            ([(a.kind, ""), (a.number, "num"), (a.description, ""), (a.owner or "", ""),
              (format_date(a.due_on) + (" (overdue)" if is_overdue(a.due_on, a.status, on) else ""),
               "nowrap overdue" if is_overdue(a.due_on, a.status, on) else "nowrap"),
              (a.status, "")] for a in pack.actions),
        ),
        "<h2>RACI</h2>",
        _html_table(
            ["Person", "Role", "RACI"],
            ([(r.person_name, ""), (r.role, ""), (vocab.RACI_MEANING.get(r.letter, r.letter), "nowrap")]
             for r in pack.raci or []),
        ),
        "<h2>Lessons</h2>",
        _html_table(
            ["No.", "Learning point", "Recommendation", "Responsible"],
            ([(lesson.number, "num"), (lesson.description, ""), (lesson.recommendation or "", ""),
              (lesson.responsible or "", "")] for lesson in pack.lessons or []),
        ),
        *html_closure_sections(pack),
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


# -- closure: readiness, the handover register and the burn-up ------------------------------


def _handover_rows(pack: BoardPack) -> list[list[object]]:
    from .closure import HANDOVER_COLUMNS

    names = {"deliverable": "Deliverable", "risk": "Risk/issue", "action": "Action"}
    rows = []
    for item in pack.handover:
        row = []
        for name, _ in HANDOVER_COLUMNS:
            value = getattr(item, name)
            row.append(format_date(value) if name == "due_on" else names.get(value, "") if name == "source_kind"
                       else value or "")
        rows.append(row)
    return rows


def _closure_lines(pack: BoardPack) -> tuple[str, list[tuple[bool, str, int]]]:
    closure = pack.closure
    verdict = "Ready to close" if closure.ready else "Not ready to close"
    return (f"{verdict}: {closure.passed_count} of {len(closure.checks)} checks pass.",
            [(check.passed, check.title, len(check.failing)) for check in closure.checks])


def markdown_closure_sections(pack: BoardPack) -> list[str]:
    """Closure readiness and the handover register, as Markdown lines."""
    from .closure import HANDOVER_COLUMNS

    if pack.closure is None:
        return []
    verdict, checks = _closure_lines(pack)
    out = ["", "## Closure readiness", "", md(verdict), ""]
    out += [f"- {'PASS' if passed else 'FAIL'}: {md(title)}" + ("" if passed else f" ({count} failing)")
            for passed, title, count in checks]
    out += ["", "## Handover register", ""]
    out += _md_table([heading for _, heading in HANDOVER_COLUMNS], _handover_rows(pack))
    return out


def html_closure_sections(pack: BoardPack) -> list[str]:
    """Closure readiness, the handover register and the sign-off burn-up (inline SVG), as HTML."""
    from .closure import HANDOVER_COLUMNS

    if pack.closure is None:
        return []
    verdict, checks = _closure_lines(pack)
    items = "".join(
        f'<li class="{"pass" if passed else "fail"}"><strong>{"PASS" if passed else "FAIL"}</strong> {h(title)}'
        + ("" if passed else f" ({count} failing)") + "</li>"
        for passed, title, count in checks
    )
    parts = ["<h2>Sign-offs over time</h2>", burn_up_svg(pack.burn)] if pack.burn is not None else []
    return parts + [
        "<h2>Closure readiness</h2>", f"<p>{h(verdict)}</p>", f"<ul>{items}</ul>",
        "<h2>Handover register</h2>",
        _html_table([heading for _, heading in HANDOVER_COLUMNS],
                    ([(value, "nowrap" if index == 2 else "") for index, value in enumerate(row)]
                     for row in _handover_rows(pack))),
    ]


def handover_csv(pack: BoardPack) -> tuple[tuple[str, ...], list[list[object]]]:
    """The handover register as its own CSV table (ISO dates, field names as headers)."""
    from .closure import HANDOVER_COLUMNS

    fields = tuple(name for name, _ in HANDOVER_COLUMNS)
    return fields, [[getattr(item, name) for name in fields] for item in pack.handover]


def burn_up_svg(burn, *, width: int = 640, height: int = 220) -> str:
    """The burn-up as an inline SVG: cumulative sign-offs per period (a step line over a
    shaded area), the total as a dashed line, the reporting date as a marked vertical line.
    Every text in it is escaped."""
    from .burnup import period_label

    left, right, top, bottom = 44, 16, 16, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    label = (f"Sign-offs burn-up: {burn.signed_off} of {burn.total} deliverables signed off, by {burn.unit};"
             f" report date {format_date(burn.as_of)}")
    head = (f'<svg role="img" width="{width}" height="{height}"'
            f' viewBox="0 0 {width} {height}" aria-label="{h_line(label)}"><title>{h_line(label)}</title>')
    if not burn.periods or burn.total <= 0:
        return (head + f'<text x="{left}" y="{height // 2}" font-size="13">{h_line("No dated sign-offs yet.")}</text>'
                "</svg>")
    count = len(burn.periods)
    step = plot_w / count

    def y(value: int) -> float:
        return top + plot_h - plot_h * value / burn.total

    points = [(left, y(0))]
    for index, value in enumerate(burn.cumulative):
        points += [(left + index * step, y(value)), (left + (index + 1) * step, y(value))]
    line = " ".join(f"{x:.1f},{yy:.1f}" for x, yy in points)
    area = line + f" {left + count * step:.1f},{y(0):.1f}"
    parts = [
        head,
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fafafa" stroke="#999"/>',
        f'<polygon points="{area}" fill="#cfe3f5"/>',
        f'<polyline points="{line}" fill="none" stroke="#1f5f99" stroke-width="2"/>',
        f'<line x1="{left}" y1="{y(burn.total):.1f}" x2="{left + plot_w}" y2="{y(burn.total):.1f}"'
        ' stroke="#333" stroke-dasharray="5,4"/>',
        f'<text x="{left - 6}" y="{y(burn.total) + 4:.1f}" font-size="11" text-anchor="end">{burn.total}</text>',
        f'<text x="{left - 6}" y="{y(0) + 4:.1f}" font-size="11" text-anchor="end">0</text>',
    ]
    every = max(1, count // 8)
    for index, period in enumerate(burn.periods):
        if index % every == 0 or index == count - 1:
            parts.append(f'<text x="{left + (index + 0.5) * step:.1f}" y="{top + plot_h + 14}" font-size="10"'
                         f' text-anchor="middle">{h_line(period_label(burn, period))}</text>')
    if burn.as_of_index is not None:
        x = left + (burn.as_of_index + 0.5) * step
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" stroke="#b00020"'
                     ' stroke-width="2"/>')
        anchor = "end" if burn.as_of_index > count / 2 else "start"
        parts.append(f'<text x="{x + (-4 if anchor == "end" else 4):.1f}" y="{top + 12}" font-size="11"'
                     f' fill="#b00020" text-anchor="{anchor}">{h_line("Report date " + format_date(burn.as_of))}</text>')
    parts.append(f'<text x="{left}" y="{height - 4}" font-size="11">{h_line(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
def _outcome_class(pack: BoardPack, outcome) -> str:
    verdict = pack.assessment.outcome(outcome.id) if pack.assessment is not None else None
    return f"rag-{verdict.rag}" if verdict is not None else ""


# -- CSV -----------------------------------------------------------------------------------

#: A cell starting with one of these is run as a formula by spreadsheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _runs_as_formula(text: str) -> bool:
    """True when a spreadsheet could take the cell as a formula.

    Leading blanks are skipped (some spreadsheets trim them) and the first character is
    NFKC-normalised, so fullwidth and small forms (``＝``, ``﹦``, ``＠``) count as well.
    """
    if text.startswith(("\t", "\r")):
        return True
    first = text.lstrip()[:1]
    return bool(first) and unicodedata.normalize("NFKC", first).startswith(_FORMULA_START)


def csv_cell(value: object) -> str:
    """A value for a CSV cell: control characters shown, formula starts defused with a quote.

    A spreadsheet runs a cell starting ``=``, ``+``, ``-`` or ``@`` (or their fullwidth
    forms, perhaps after blanks) as a formula; such a cell (and, so that import can tell
    them apart, one already starting with a quote) gets a leading ``'``, which
    :func:`csv_value` removes again on import.
    """
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    text = display_text(value, multiline=True)
    if text.startswith("'") or _runs_as_formula(text):
        text = "'" + text
    return text


def csv_value(cell: str) -> str:
    """Undo :func:`csv_cell` on import: a quote that defused a formula start is dropped."""
    if cell.startswith("'") and (cell[1:].startswith("'") or _runs_as_formula(cell[1:])):
        return cell[1:]
    return cell


def csv_tables(pack: BoardPack) -> dict[str, tuple[tuple[str, ...], list[list[object]]]]:
    """The board pack's tables: file stem -> (header, rows). Dates are ISO.

    ``deliverables``, ``risks``, ``actions`` and ``lessons`` use the records' field names
    with their ``id``, ``version`` and ``database``, so ``assure import`` reads them back as
    corrections; they list every record with its status, closed risks and actions too.
    """
    summary = pack.summary
    verdict = pack.verdict
    summary_rows: list[list[object]] = [
        ["programme", pack.programme.name], ["code", pack.programme.code],
        ["verdict rag", verdict.rag], ["verdict dca", verdict.dca],
        ["verdict overridden", "yes" if verdict.overridden else "no"],
        ["derived rag", verdict.derived_rag], ["derived dca", verdict.derived_dca],
        ["start_date", pack.programme.start_date], ["end_date", pack.programme.end_date],
        ["as_of", pack.programme.as_of], ["reporting_date", (pack.on or pack.today).isoformat()],
        ["prepared", pack.today.isoformat()],
        ["outcomes", summary["outcomes"]["total"]],
        *([f"outcomes {status}", count] for status, count in summary["outcomes"]["by_status"].items()),
        ["deliverables", summary["deliverables"]["total"]],
        *([f"deliverables {status}", count] for status, count in summary["deliverables"]["by_status"].items()),
        ["deliverables done", summary["deliverables"]["done"]],
        ["open risks and issues", summary["risks"]["open"]],
        *([f"open risks {band}", count] for band, count in summary["risks"]["by_band"].items()),
        ["open actions", summary["actions"]["open"]], ["overdue actions", summary["actions"]["overdue"]],
        *([f"findings {severity}", summary["findings"][severity]] for severity in ("high", "medium", "low")),
    ]
    records = {
        "deliverables": [
            {"outcome": d.outcome_number, **d._asdict()} for d in pack.deliverables
        ],
        "risks": [r._asdict() for r in pack.registers.get("risks", pack.risks)],
        "actions": [a._asdict() for a in pack.registers.get("actions", pack.actions)],
        "lessons": [lesson._asdict() for lesson in pack.lessons],
    }
    tables: dict[str, tuple[tuple[str, ...], list[list[object]]]] = {
        "summary": (("figure", "value"), summary_rows),
        "outcomes": (
            ("number", "title", "status", "deliverables_done", "deliverables_total"),
            [[o.number, o.title, o.status, o.deliverables_done, o.deliverables_total] for o in pack.outcomes],
        ),
    }
    for name, rows in records.items():
        fields = CSV_FIELDS[name]
        tables[name] = (fields, [[pack.database if field == "database" else row.get(field)
                                  for field in fields] for row in rows])
    tables["findings"] = (
        ("severity", "kind", "record_id", "message", "reason", "acknowledged"),
        [[f.severity, f.kind, f.record_id, f.message, f.reason, _answer(f) if f.acknowledged else ""]
         for f in pack.findings],
    )
    tables["handover"] = handover_csv(pack)
    return tables


def render_csv(header: Iterable[str], rows: Iterable[Iterable[object]], *, name: str = "CSV") -> str:
    """One CSV table as text (``name`` says which, for a progress bar)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(list(header))
    for row in progress.steps(f"Writing {name}", rows, every=2000):
        writer.writerow([csv_cell(cell) for cell in row])
    return buffer.getvalue()


# -- JSON ----------------------------------------------------------------------------------


def render_json(store, programme_id: int) -> str:
    """The whole programme as the importable JSON document (``format`` and ``exported_at`` added)."""
    from .bundle import dump_programme, dumps

    document = dump_programme(store, programme_id)
    stamped = {
        "format": JSON_FORMAT,
        "exported_at": utc_now_iso(),
        **document,
    }
    return dumps(stamped)


# -- writing -------------------------------------------------------------------------------


def guess_format(path: str | os.PathLike | None) -> str | None:
    """The format a file name implies (``pack.html`` -> html), or None."""
    if path is None:
        return None
    return SUFFIXES.get(Path(path).suffix.casefold())


def _write_text(path: Path, text: str, *, mode: int) -> None:
    """Write a file whole or not at all (see :func:`assure.models.files.write_atomic`)."""
    try:
        write_atomic(path, text, mode=mode)
    except UnsafeTarget as error:
        raise ExportError(str(error)) from None
    except OSError as error:
        raise ExportError(f"{path}: cannot write: {error.strerror or error}") from None


def render(store, programme_id: int, fmt: str, *, today: date | None = None) -> str:
    """A single-document format (md, html, json) as text."""
    return render_with_pack(store, programme_id, fmt, today=today)[0]


def render_with_pack(store, programme_id: int, fmt: str, *, today: date | None = None) -> tuple[str, BoardPack | None]:
    """A single-document format as text, and the pack it showed (None for JSON)."""
    if fmt == "json":
        return render_json(store, programme_id), None
    pack = build(store, programme_id, today=today)
    if fmt == "md":
        return render_markdown(pack), pack
    if fmt == "html":
        return render_html(pack), pack
    raise ValueError(f"{fmt!r} is not a single-document format; use one of md, html, json")


class Exported(list):
    """The files an export wrote, and whether it was recorded as a board.

    ``snapshot_id`` is the board snapshot recorded, or None; then ``not_recorded`` says why
    in one line (a read-only session, or the database refused after the files were written).
    """

    snapshot_id: int | None = None
    not_recorded: str | None = None


def record_export(store, programme_id: int, fmt: str, pack: BoardPack | None, *, today: date | None = None,
                  written: list | None = None) -> Exported:
    """Record a board snapshot for an export that has been written (every export is shown
    to a board). A read-only store, or a database that refuses, leaves the export as it
    is and says why in ``not_recorded``."""
    from .dates import today as _today
    from .since import record_board

    result = Exported(written or [])
    if store.read_only:
        result.not_recorded = "not recorded as a board: this session is read-only"
        return result
    try:
        result.snapshot_id = record_board(store, programme_id, None, today=today or _today(),
                                          source=f"export:{fmt}", pack=pack)
    except StoreError as error:
        result.not_recorded = f"not recorded as a board: {error}"
    return result


def export(store, programme_id: int, fmt: str, out: str | os.PathLike, *, today: date | None = None) -> Exported:
    """Write the board pack, then record it as a board; return the files written.

    Every export is shown to a board, so each records a board snapshot (see
    :func:`record_export`); one from a read-only store is still written, and says so.

    Args:
        fmt: ``md``, ``html`` or ``json`` write one file at ``out``; ``csv`` writes one file
            per table into the folder ``out`` (created if its parent exists).

    Raises:
        ExportError: the output cannot be written (nothing half-written is left behind).
        StoreError: the database refused.
    """
    path = Path(out).expanduser()
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    database = store.location.path
    mode = copy_mode(database)  # an export is a copy of the data: never wider than the database
    if fmt != "csv":
        check_target(path, database=database)
        progress.report(f"Exporting {path.name}", 0)
        text, pack = render_with_pack(store, programme_id, fmt, today=today)
        _write_text(path, text, mode=mode)
        return record_export(store, programme_id, fmt, pack, today=today, written=[path])
    if path.exists() and not path.is_dir():
        check_target(path, database=database)
        raise ExportError(f"{path}: is a file; CSV export writes one file per table into a folder")
    if not path.exists() and not path.parent.is_dir():
        raise ExportError(f"{path}: cannot create the folder: {path.parent} does not exist")
    progress.report("Reading the programme", 0)
    pack = build(store, programme_id, today=today)
    files = {f"{name}.csv": render_csv(header, rows, name=f"{name}.csv")
             for name, (header, rows) in csv_tables(pack).items()}
    for name in files:
        check_target(path / name, database=database)
    try:
        written = replace_folder(path, files, mode=mode, ours=set(files))
    except UnsafeTarget as error:
        raise ExportError(str(error)) from None
    except OSError as error:
        raise ExportError(f"{path}: cannot write the CSV files: {error.strerror or error}; nothing was changed") from None
    return record_export(store, programme_id, fmt, pack, today=today, written=written)
