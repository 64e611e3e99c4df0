"""Since the last board: what changed in a programme after a board snapshot (or a date).

A board snapshot (:func:`record_board`, taken by ``assure board mark`` and by every board
pack export) keeps the verdicts, the headline figures and the findings the board saw, and
the newest history row at that moment. :func:`since_report` then reads the history rows
after it and works out the net changes, record by record: a risk re-scored twice shows
once, from the score the board saw to the score now; a value changed and changed back
shows nothing. RAG moves and findings raised or resolved compare the snapshot with the
programme now.

Plain Python (no Textual, no SQL: the store reads). Items carry stored text as data:
:func:`render_markdown` and :func:`render_text` clean it for where it is printed.
"""

from __future__ import annotations

import json
import re
from collections import namedtuple
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from datetime import date
from typing import Any

from . import vocab
from .collector import collector_paused
from .dates import DateError, format_date, parse_date
from .text import display_text
from .wording import count

CATEGORIES: tuple[tuple[str, str], ...] = (
    ("rag", "RAG moves"),
    ("risks", "Risks and issues"),
    ("signoffs", "Sign-offs given"),
    ("dates", "Dates moved"),
    ("actions", "Actions"),
    ("findings", "Findings"),
    ("edits", "Who edited what"),
)
#: Version of the JSON kept in ``board_snapshot.figures``.
FIGURES_VERSION = 1
#: The headline figures a snapshot keeps, by the label the pack shows them under.
FIGURE_LABELS = {
    "Outcomes": "outcomes",
    "Deliverables": "deliverables",
    "Signed off or delivered": "signed_off",
    "Open risks & issues": "open_risks",
    "Open actions": "open_actions",
    "Findings": "findings",
}
_RAG_RANK = {"Green": 0, "Amber": 1, "Red": 2}
#: How much of a finding's message a snapshot keeps, to say which one was resolved: whole
#: but for a list of thousands (at 100k, 2,200 of 20,000 messages are longer than 160
#: characters; one lists names over 70,000).
MESSAGE_LIMIT = 2000
#: History actions that make a record exist, and that remove it.
_BORN = ("create", "undo-delete")
_GONE = ("delete", "undo-create")
HOW_TO_MARK = "run 'assure board mark --label \"Board 14 May\"' or export a board pack"


class NoBoardYet(ValueError):
    """The programme has no board snapshot to compare with."""

    def __init__(self, message: str | None = None):
        super().__init__(message or f"No board has been recorded for this programme yet: {HOW_TO_MARK}.")


@dataclass(frozen=True, init=False)
class SinceItem:
    """One change since the board, as one plain-language line."""

    category: str
    """A key of :data:`CATEGORIES`."""
    kind: str
    """The record kind to open (a declared kind name: "risk", "deliverable", "programme", ...)."""
    record_id: int | None
    """The record to open; None when there is none (deleted, or a count of several)."""
    text: str
    """The whole line, e.g. ``R3: Data migration: re-scored 12 → 16``."""
    actor: str | None = None
    """Who made the change, when it came from history."""
    at: str | None = None
    """When (ISO UTC), when it came from history."""

    def __init__(self, category: str, kind: str, record_id: int | None, text: str, actor: str | None = None,
                 at: str | None = None) -> None:
        # Frozen, yet set straight into __dict__: the generated __init__'s six object.__setattr__
        # calls were a tenth of the report's time at 100k (20,000 items).
        values = self.__dict__
        values["category"], values["kind"], values["record_id"] = category, kind, record_id
        values["text"], values["actor"], values["at"] = text, actor, at


@dataclass(frozen=True)
class SinceReport:
    """What changed in one programme since a board (or a date)."""

    programme_id: int
    snapshot_id: int | None
    """The snapshot compared with (None when measured from a date)."""
    since_label: str
    """``Board 14 May (14 May 2021, by alice)`` or ``01 May 2021``."""
    since_at: str
    """ISO UTC: when the snapshot was taken (or the date's start)."""
    items: tuple[SinceItem, ...]
    notes: tuple[str, ...] = field(default=())
    """What the report could not tell (e.g. RAG moves when measured from a date)."""

    def by_category(self) -> list[tuple[str, str, list[SinceItem]]]:
        """(key, heading, items) in :data:`CATEGORIES` order; empty categories left out."""
        grouped: dict[str, list[SinceItem]] = {}
        for item in self.items:
            grouped.setdefault(item.category, []).append(item)
        return [(key, heading, grouped[key]) for key, heading in CATEGORIES if key in grouped]

    def to_json(self) -> dict:
        """JSON-ready (stored text as it is: print it with :func:`assure.models.text.json_dumps`)."""
        return {
            "programme_id": self.programme_id,
            "snapshot_id": self.snapshot_id,
            "since": self.since_label,
            "since_at": self.since_at,
            "notes": list(self.notes),
            "categories": [
                {"key": key, "heading": heading, "items": [asdict(item) for item in items]}
                for key, heading, items in self.by_category()
            ],
        }


# -- what a snapshot keeps -----------------------------------------------------------------


def finding_key(rule: str, kind: str, record_id: int | None, message: str) -> str:
    """Which finding this is, the same at two times: the rule and the record (or, for a
    finding about something missing, the rule and its message)."""
    return f"{rule}|{kind}|{record_id}" if record_id is not None else f"{rule}|{kind}|{message}"


def _verdict_reason(verdict) -> str:
    if verdict.overridden:
        return f"set by hand: {verdict.override.reason}"
    if verdict.drivers:
        return "; ".join(reason.text for reason in verdict.drivers[:2])
    return "every area clear"


@dataclass
class _Now:
    """The programme as judged now: its verdicts, headline figures and findings."""

    programme: Any
    assessment: Any
    summary: dict
    findings: list
    outcomes: list | None
    """The outcome records (None when not read: see :func:`_judge`)."""


def _judge(store, programme_id: int, today: date, pack: Any = None, *, summary: bool = True,
           findings: list | None = None, assessment: Any = None, outcomes: bool = True) -> _Now:
    """The programme judged now; what the caller already has (a pack, or the findings and
    the assessment) is used as it is: at 100k records judging afresh is most of the cost.
    ``outcomes`` False leaves the outcome records unread (``_Now.outcomes`` None)."""
    if pack is not None:
        return _Now(pack.programme, pack.assessment, pack.summary, pack.findings, pack.outcomes)
    from .db import StoreError
    from .rules import run_rules
    from .summary import programme_summary
    from .verdict import RememberingReads, assess

    reads = RememberingReads(store)
    programme = store.get("programme", programme_id)
    if programme is None:
        raise StoreError(f"no programme with id {programme_id}")
    if findings is None:
        findings = run_rules(reads, programme_id, today=today)
    if assessment is None:
        # From the counts and the open deliverables (not every record read whole: a third
        # less time at 100k), and the open risks and actions the rules read.
        assessment = assess(reads, programme_id, today=today, findings=findings)
    figures = programme_summary(store, programme_id, today=today, findings=findings) if summary else {}
    return _Now(programme, assessment, figures, findings, reads.outcomes(programme_id) if outcomes else None)


def headline_figures(summary: dict) -> dict[str, int]:
    """The numbers behind the pack's headline lines (see :data:`FIGURE_LABELS`)."""
    findings = summary.get("findings") or {}
    return {
        "outcomes": summary["outcomes"]["total"],
        "deliverables": summary["deliverables"]["total"],
        "signed_off": summary["deliverables"]["done"],
        "open_risks": summary["risks"]["open"],
        "red_risks": summary["risks"]["by_band"].get("Red", 0),
        "open_actions": summary["actions"]["open"],
        "overdue_actions": summary["actions"]["overdue"],
        "findings": findings.get("total", 0),
        "high_findings": findings.get("high", 0),
    }


def _figures(now: _Now) -> dict:
    verdict = now.assessment.programme
    return {
        "version": FIGURES_VERSION,
        "programme": {"rag": verdict.rag, "dca": verdict.dca, "reason": _verdict_reason(verdict)},
        "outcomes": [{"id": v.outcome_id, "number": v.number, "label": v.label, "rag": v.rag, "dca": v.dca}
                     for v in now.assessment.outcomes],
        "figures": headline_figures(now.summary),
        # Compact, as [key, severity, acknowledged, message]: 100k records can have 20,000 findings.
        "findings": [[finding_key(f.rule, f.kind, f.record_id, f.message), f.severity, f.acknowledged is not None,
                      _clip(f.message, MESSAGE_LIMIT)] for f in now.findings],
    }


def snapshot_figures(snapshot) -> dict:
    """A snapshot's figures as a dict (an unreadable one as empty: it was written by us, but
    a database is data)."""
    try:
        figures = json.loads(snapshot.figures or "{}")
    except ValueError:
        return {}
    return figures if isinstance(figures, dict) else {}


def record_board(store, programme_id: int, label: str | None, *, today: date, source: str, pack: Any = None,
                 findings: list | None = None, assessment: Any = None) -> int:
    """Record a board snapshot of a programme as judged now; return its id.

    Keeps who and when, the programme's reporting date, the RAG/DCA verdicts of the
    programme and each outcome, the headline figures, every finding's key (with whether it
    was acknowledged) and the newest history id: one transaction, with a history row.

    Args:
        label: what the board is called ("Board 14 May"); may be None.
        today: the clock's today (judgements use the programme's reporting date).
        source: "mark", or "export:md", "export:html", ...
        pack: a :class:`~assure.models.board_pack.BoardPack` already built (saves judging again).
        findings, assessment: the programme's findings and verdicts as judged now, when the
            caller has them (the dashboard's Overview): at 100k judging is most of the cost.

    Raises:
        StoreError: no such programme, a read-only store, or the database refused.
    """
    from .judgement import reporting_date

    now = _judge(store, programme_id, today, pack, findings=findings, assessment=assessment)
    return store.record_board_snapshot(
        programme_id, label=label or "", reporting_date=reporting_date(now.programme, today).isoformat(),
        source=source, figures=json.dumps(_figures(now)),
    )


def snapshot_label(snapshot) -> str:
    """``Board 14 May (14 May 2021, by alice)``; ``Board #3 (...)`` when it has no label."""
    name = snapshot.label or f"Board #{snapshot.id}"
    return f"{name} ({format_date(str(snapshot.at)[:10])}, by {snapshot.actor})"


# -- finding the baseline -------------------------------------------------------------------

_SNAPSHOT_ID = re.compile(r"^\s*#?\s*([0-9]+)\s*$")


def _baseline(store, programme_id: int, since: str | None) -> tuple[Any, int, str, str]:
    """(snapshot or None, the history id changes start after, label, since_at); the
    snapshot's figures are left unread (see :func:`_snapshot_with_figures`)."""
    snapshots = store.board_snapshots(programme_id, figures=False)
    if since is None or not str(since).strip():
        if not snapshots:
            raise NoBoardYet()
        snapshot = snapshots[-1]
        return snapshot, snapshot.last_history_id, snapshot_label(snapshot), snapshot.at
    text = str(since).strip()
    if match := _SNAPSHOT_ID.match(text):
        wanted = int(match.group(1))
        snapshot = next((row for row in snapshots if row.id == wanted), None)
        if snapshot is None:
            raise ValueError(f"there is no board #{wanted} for this programme (see 'assure board list')")
        return snapshot, snapshot.last_history_id, snapshot_label(snapshot), snapshot.at
    named = [row for row in snapshots if row.label.casefold() == text.casefold()]
    if named:
        snapshot = named[-1]
        return snapshot, snapshot.last_history_id, snapshot_label(snapshot), snapshot.at
    try:
        day = parse_date(text)
    except DateError:
        day = None
    if day is None:
        raise ValueError(f"'{text}' is neither a board (its number, e.g. #3, or its label; see"
                         " 'assure board list') nor a date (2021-05-01 or 01/05/2021)")
    start = day.isoformat()
    return None, store.history_id_before(programme_id, start), format_date(day), f"{start}T00:00:00+00:00"


def _snapshot_with_figures(store, snapshot):
    """The snapshot with its figures read (only the one compared with: each is megabytes at 100k)."""
    return snapshot._replace(figures=store.board_snapshot_figures(snapshot.id))


def check_since(store, programme_id: int, since: str) -> None:
    """Refuse a ``since`` that names neither a board nor a date (ValueError, a user-facing
    message) without working the report out: cheap enough to check a typed value."""
    _baseline(store, programme_id, since)


# -- the changes -----------------------------------------------------------------------------


class _Record:
    """One record's history rows after the board, folded into net changes."""

    __slots__ = ("kind", "record_id", "first", "last", "fields", "label")

    def __init__(self, row):
        """The record as its first row after the board leaves it (:func:`_fold` adds the rest)."""
        self.kind, self.record_id = row.kind, row.record_id
        self.first = self.last = row
        self.fields: dict[str, list] = {}  # field -> [value at the board, value now, last row]
        self.label = row.record_label

    @property
    def born(self) -> bool:
        return self.first.action in _BORN

    @property
    def gone(self) -> bool:
        return self.last.action in _GONE

    def moved(self, name: str) -> tuple[str | None, str | None, Any] | None:
        """(value at the board, value now, the row that made it) when the field moved, net."""
        seen = self.fields.get(name)
        if seen is None or (seen[0] or None) == (seen[1] or None):
            return None
        return seen[0], seen[1], seen[2]


#: The fields of each kind the lines need, read for the records the history names.
_COLUMNS = {
    "risk": ("kind", "likelihood", "impact", "owner", "status"),
    "deliverable": ("status", "approved_by", "date"),
    "action": ("owner", "due_on", "status"),
}
_SHAPES = {kind: namedtuple(f"Since{kind.title()}", ("id", *columns)) for kind, columns in _COLUMNS.items()}


#: History actions on the programme that are not changes to it (a board marked, a whole load).
_NOT_CHANGES = frozenset(("board", "load", "replace", "import"))


def _fold(rows: list) -> dict[tuple[str, int | None], _Record]:
    """The history rows folded record by record, in the order each record first changed.

    One loop, the steps inline: at 100k there are 23,000 rows."""
    by_record: dict[tuple[str, int | None], _Record] = {}
    find = by_record.get
    for row in rows:
        kind = row.kind
        if kind == "programme" and row.action in _NOT_CHANGES:
            continue
        key = (kind, row.record_id)
        record = find(key)
        if record is None:
            record = by_record[key] = _Record(row)
        else:
            record.last = row
            if row.record_label:
                record.label = row.record_label
        name = row.field
        if name:
            seen = record.fields.get(name)
            if seen is None:
                record.fields[name] = [row.old_value, row.new_value, row]
            else:
                seen[1] = row.new_value
                seen[2] = row
    return by_record


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@lru_cache(maxsize=4096)
def _day(value: Any) -> str:
    return format_date(str(value)) if value else "no date"


#: Logins repeat on every line: cleaned once each.
_who_clean = lru_cache(maxsize=1024)(display_text)


def _item(category: str, record: _Record, text: str, row=None, *, record_id: Any = "same") -> SinceItem:
    row = row or record.last
    rid = record.record_id if record_id == "same" else record_id
    return SinceItem(category, record.kind, rid, display_text(text), _who_clean(row.user), row.at)


def _risk_items(records: list[_Record], current: dict[int, Any]) -> list[SinceItem]:
    items = []
    for record in records:
        risk = current.get(record.record_id)
        word = (risk.kind if risk is not None else "risk").lower()
        if record.born and record.gone:
            continue
        if record.gone:
            items.append(_item("risks", record, f"{record.label}: deleted", record_id=None))
            continue
        if risk is None:
            continue
        score = vocab.risk_score(risk.likelihood, risk.impact)
        if record.born:
            scored = f", score {score} ({vocab.risk_band(score)})" if score is not None else ", not yet scored"
            owner = f", owner {risk.owner}" if risk.owner else ", no owner"
            items.append(_item("risks", record, f"{record.label}: new {word}{scored}{owner}"))
            continue
        status = record.moved("status")
        if status is not None:
            was, now, row = status
            if was in vocab.RISK_OPEN and now not in vocab.RISK_OPEN:
                items.append(_item("risks", record, f"{record.label}: closed (was {was})", row))
            elif was not in vocab.RISK_OPEN and now in vocab.RISK_OPEN:
                items.append(_item("risks", record, f"{record.label}: reopened (now {now})", row))
            else:
                items.append(_item("risks", record, f"{record.label}: status {was} → {now}", row))
        likelihood, impact = record.moved("likelihood"), record.moved("impact")
        if likelihood or impact:
            old_l = _int(likelihood[0]) if likelihood else risk.likelihood
            old_i = _int(impact[0]) if impact else risk.impact
            old = vocab.risk_score(old_l, old_i)
            if old != score:
                row = max((moved[2] for moved in (likelihood, impact) if moved), key=lambda r: r.id)
                bands = (f" ({vocab.risk_band(old)} → {vocab.risk_band(score)})"
                         if vocab.risk_band(old) != vocab.risk_band(score) else "")
                items.append(_item("risks", record, f"{record.label}: re-scored {_score(old)} → {_score(score)}{bands}",
                                   row))
    return items


def _score(score: int | None) -> str:
    return "unscored" if score is None else str(score)


def _deliverable_items(records: list[_Record], current: dict[int, Any], on: date) -> tuple[list, list]:
    from .judgement import due_date

    # One pass with the net moves and the lines' parts worked out inline: at 100k there are
    # 20,000 deliverables changed, and a call per step was half of this loop's time.
    done = vocab.DELIVERABLE_DONE
    signoffs, dates = [], []
    for record in records:
        deliverable = current.get(record.record_id)
        if deliverable is None or record.last.action in _GONE:
            continue
        born = record.first.action in _BORN
        status = record.fields.get("status")
        if status is not None and (status[0] or None) == (status[1] or None):
            status = None  # changed and changed back
        was_done = status is not None and status[0] in done
        done_now = deliverable.status in done
        if done_now:
            if born or (status is not None and not was_done):
                by = f" by {deliverable.approved_by}" if deliverable.approved_by else " (no approver named)"
                verb = "signed off" if deliverable.status == "Signed Off" else deliverable.status.lower()
                row = status[2] if status is not None else record.last
                signoffs.append(SinceItem("signoffs", record.kind, record.record_id, display_text(
                    f"{record.label}: {verb}{by}, {_day(deliverable.date)}"), _who_clean(row.user), row.at))
                continue  # a sign-off's own date is said with the sign-off, not as a date moved
        elif was_done:
            row = status[2]
            signoffs.append(SinceItem("signoffs", record.kind, record.record_id, display_text(
                f"{record.label}: sign-off withdrawn (now {deliverable.status})"), _who_clean(row.user), row.at))
            continue
        if born:
            continue
        moved = record.moved("date")
        if moved is not None:
            was, now, row = moved
            old_day, new_day = due_date(was), due_date(now)
            how = ""
            if old_day and new_day:
                days = (new_day - old_day).days
                how = f", {count(abs(days), 'day')} {'later' if days > 0 else 'earlier'}"
            late = ""
            if new_day and new_day < on and not done_now:
                late = f"; past the reporting date ({format_date(on)})"
            dates.append(_item("dates", record, f"{record.label}: date moved {_day(was)} → {_day(now)}{how}{late}", row))
    return signoffs, dates


def _action_items(records: list[_Record], current: dict[int, Any], on: date) -> list[SinceItem]:
    from .judgement import is_overdue

    items = []
    for record in records:
        action = current.get(record.record_id)
        if record.born and record.gone:
            continue
        if record.gone:
            items.append(_item("actions", record, f"{record.label}: deleted", record_id=None))
            continue
        if action is None:
            continue
        if record.born:
            owner = f"owner {action.owner}" if action.owner else "no owner"
            due = f"due {format_date(action.due_on)}" if action.due_on else "no due date"
            late = ", overdue" if is_overdue(action.due_on, action.status, on) else ""
            state = "" if action.status in vocab.ACTION_OPEN else f", already {action.status.lower()}"
            items.append(_item("actions", record, f"{record.label}: new ({owner}, {due}{late}{state})", record.first))
            continue
        status = record.moved("status")
        if status is not None:
            was, now, row = status
            if was in vocab.ACTION_OPEN and now not in vocab.ACTION_OPEN:
                verb = "completed" if now == "Done" else now.lower()
                items.append(_item("actions", record, f"{record.label}: {verb} (was {was})", row))
            elif was not in vocab.ACTION_OPEN and now in vocab.ACTION_OPEN:
                items.append(_item("actions", record, f"{record.label}: reopened (now {now})", row))
    return items


def _rag_items(snapshot_figures_: dict, now: _Now, store) -> list[SinceItem]:
    items = []
    then = snapshot_figures_.get("programme") or {}
    verdict = now.assessment.programme
    if then.get("dca") and then.get("dca") != verdict.dca:
        items.append(SinceItem("rag", "programme", now.programme.id,
                               display_text(f"Programme: {rag_move(then.get('rag'), then.get('dca'), verdict.rag, verdict.dca)};"
                                            f" now: {_verdict_reason(verdict)}")))
    before = {row.get("id"): row for row in snapshot_figures_.get("outcomes") or [] if isinstance(row, dict)}
    moved = [(outcome, before[outcome.outcome_id]) for outcome in now.assessment.outcomes
             if outcome.outcome_id in before and before[outcome.outcome_id].get("dca") != outcome.dca]
    if now.outcomes is not None:
        titles = {row.id: row.title for row in now.outcomes}
    else:  # the titles of those that moved only: a 100k programme has a thousand outcomes
        ids = [outcome.outcome_id for outcome, _ in moved if outcome.outcome_id is not None]
        titles = {record_id: values[0] for record_id, values in store.fields_by_ids("outcome", ids, ("title",)).items()}
    for outcome, old in moved:
        name = f"{outcome.label} {_clip(titles.get(outcome.outcome_id))}".rstrip()
        items.append(SinceItem("rag", "outcome", outcome.outcome_id,
                               display_text(f"{name}: {rag_move(old.get('rag'), old.get('dca'), outcome.rag, outcome.dca)};"
                                            f" now: {_verdict_reason(outcome)}")))
    return items


def _clip(text: Any, limit: int = 50) -> str:
    text = display_text(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def rag_move(old_rag: str | None, old_dca: str | None, rag: str, dca: str) -> str:
    """``Green → Amber (worse)``, or ``Amber (DCA Amber/Green → Amber, worse)`` within one colour."""
    if old_rag == rag:
        worse = _DCA_RANK.get(dca, 0) > _DCA_RANK.get(old_dca or "", 0)
        return f"{rag} (DCA {old_dca} → {dca}, {'worse' if worse else 'better'})"
    worse = _RAG_RANK.get(rag, 0) > _RAG_RANK.get(old_rag or "", 0)
    return f"{old_rag} → {rag} ({'worse' if worse else 'better'})"


_DCA_RANK = {rating: index for index, rating in enumerate(("Green", "Amber/Green", "Amber", "Amber/Red", "Red"))}


def _finding_items(snapshot_figures_: dict | None, now: _Now, acks: list[_Record]) -> list[SinceItem]:
    items = []
    if snapshot_figures_ is None and not acks:
        return items  # measured from a date, nothing acknowledged: the findings now are not needed
    # finding_key inlined: 20,000 findings at 100k.
    current = {(f"{f.rule}|{f.kind}|{f.record_id}" if f.record_id is not None else f"{f.rule}|{f.kind}|{f.message}"): f
               for f in now.findings}
    if snapshot_figures_ is not None:
        then = {row[0]: row for row in snapshot_figures_.get("findings") or []
                if isinstance(row, list) and len(row) == 4}
        for key, finding in current.items():
            if key not in then:
                items.append(SinceItem("findings", finding.kind, finding.record_id,
                                       display_text(f"Raised ({finding.severity}): {finding.message}")))
        for key, (_, severity, _, message) in then.items():
            if key not in current:
                rule, kind, record = (key.split("|", 2) + ["", ""])[:3]
                items.append(SinceItem("findings", kind or "programme", None,
                                       display_text(f"Resolved ({severity}): {message or rule}")))
    for record in acks:
        if not record.born or record.gone:
            continue
        try:
            ack = json.loads(record.first.new_value or "{}")
        except ValueError:
            continue
        if not isinstance(ack, dict):
            continue
        found = current.get(finding_key(ack.get("rule"), ack.get("kind"), ack.get("record_id"), ""))
        about = found.message if found is not None else f"{ack.get('rule')} on {ack.get('kind')} #{ack.get('record_id')}"
        items.append(SinceItem("findings", str(ack.get("kind") or "programme"), _int(ack.get("record_id")),
                               display_text(f"Acknowledged: {about}; reason: {ack.get('reason')}"),
                               display_text(record.first.user), record.first.at))
    return items


def _edit_items(rows: list) -> list[SinceItem]:
    from .kinds import KINDS

    counts: dict[tuple[str, str], list] = {}  # (actor, kind) -> [changes, record ids, last row]
    find = counts.get
    for row in rows:
        if row.kind == "programme" and row.action in _NOT_CHANGES:
            continue  # a board marked, a load or an import: its records' rows are the changes
        key = (row.user, row.kind)
        seen = find(key)
        if seen is None:
            seen = counts[key] = [0, set(), row]
        seen[0] += 1
        seen[1].add(row.record_id)
        seen[2] = row
    items = []
    for (actor, kind), (changes, ids, last) in sorted(counts.items(), key=lambda pair: (pair[0][0], pair[0][1])):
        spec = KINDS.get(kind)
        noun = (spec.noun or spec.label.lower()) if spec is not None else kind
        text = f"{actor}: {count(changes, 'change')} to {count(len(ids), noun)}"
        items.append(SinceItem("edits", kind if spec is not None else "programme", None, display_text(text),
                               display_text(actor), last.at))
    return items


def since_report(store, programme_id: int, *, since: str | None = None, today: date, pack: Any = None,
                 findings: list | None = None, assessment: Any = None) -> SinceReport:
    """What changed in a programme since its last board (or another board, or a date).

    Args:
        since: None for the newest board snapshot; ``#3`` or ``3`` for a snapshot by id;
            a snapshot's label; or a date (``2021-05-01`` or ``01/05/2021``: changes from
            that day on).
        today: the clock's today (judgements use the programme's reporting date).
        pack: a board pack already built (its verdicts and findings are used as they are).
        findings, assessment: the programme's findings (:func:`~assure.models.rules.run_rules`)
            and verdicts (:class:`~assure.models.verdict.Assessment`) when the caller has
            them already, judged on the same ``today`` (the dashboard's Overview has both):
            otherwise they are worked out here, which at 100k records is most of the time.

    Raises:
        NoBoardYet: ``since`` is None and the programme has no board snapshot.
        ValueError: ``since`` names no snapshot and is not a date (a user-facing message).
        StoreError: no such programme, or the database refused.
    """
    with collector_paused():
        return _since_report(store, programme_id, since, today, pack, findings, assessment)


def _since_report(store, programme_id: int, since: str | None, today: date, pack: Any, findings: list | None,
                  assessment: Any) -> SinceReport:
    from .judgement import reporting_date

    snapshot, after, label, since_at = _baseline(store, programme_id, since)
    now = _judge(store, programme_id, today, pack, summary=False, findings=findings, assessment=assessment,
                 outcomes=False)
    on = reporting_date(now.programme, today)
    rows = store.history_after(programme_id, after)
    of_kind: dict[str, list[_Record]] = {}
    for record in _fold(rows).values():
        of_kind.setdefault(record.kind, []).append(record)

    def current(kind: str) -> dict[int, Any]:
        """The fields the lines say of each record named (not whole records: thousands at 100k)."""
        ids = [record.record_id for record in of_kind.get(kind, []) if record.record_id is not None]
        if not ids:
            return {}
        return store.fields_by_ids(kind, ids, _COLUMNS[kind], make=_SHAPES[kind]._make)

    figures = snapshot_figures(_snapshot_with_figures(store, snapshot)) if snapshot is not None else None
    items: list[SinceItem] = []
    notes: list[str] = []
    if figures is not None:
        items += _rag_items(figures, now, store)
    else:
        notes.append("RAG moves and findings raised or resolved are measured against a board snapshot,"
                     " not a date: compare with a board to see them.")
    items += _risk_items(of_kind.get("risk", []), current("risk"))
    signoffs, dates = _deliverable_items(of_kind.get("deliverable", []), current("deliverable"), on)
    items += signoffs + dates
    items += _action_items(of_kind.get("action", []), current("action"), on)
    items += _finding_items(figures, now, of_kind.get("acknowledgement", []))
    items += _edit_items(rows)
    return SinceReport(programme_id, snapshot.id if snapshot is not None else None, label, str(since_at),
                       tuple(items), tuple(notes))


# -- printing ---------------------------------------------------------------------------------


def who_text(item: SinceItem) -> str:
    """`` (alice, 20 Apr 2021)`` after a line that came from one change, else ""."""
    return _who(item)


def _who(item: SinceItem) -> str:
    if item.category == "edits" or not item.actor:
        return ""
    when = format_date(item.at[:10]) if item.at else ""
    return f" ({item.actor}{', ' + when if when else ''})"


def render_text(report: SinceReport) -> str:
    """The report as plain lines for a terminal (stored text cleaned, never markup)."""
    lines = [f"Since {display_text(report.since_label)}"]
    for note in report.notes:
        lines.append(display_text(note))
    groups = report.by_category()
    if not groups:
        lines.append("Nothing has changed since.")
    for _, heading, items in groups:
        lines += ["", f"{heading} ({len(items)})"]
        lines += [f"  - {display_text(item.text)}{display_text(_who(item))}" for item in items]
    return "\n".join(lines) + "\n"


def markdown_lines(report: SinceReport, *, level: int = 2, heading: bool = True) -> list[str]:
    """The report as Markdown lines (stored text escaped), headed at ``level`` (its
    categories one below); ``heading`` False leaves the report's own heading out."""
    from .board_pack import md

    hashes = "#" * level
    out = [f"{hashes} {md('Since ' + report.since_label)}", ""] if heading else []
    out += [f"_{md(note)}_" for note in report.notes]
    if report.notes:
        out.append("")
    groups = report.by_category()
    if not groups:
        out += ["Nothing has changed since.", ""]
    for _, heading, items in groups:
        out += [f"{hashes}# {heading}", ""]
        out += [f"- {md(item.text)}" + (f" {md(_who(item).strip())}" if _who(item) else "") for item in items]
        out.append("")
    return out


def render_markdown(report: SinceReport) -> str:
    """The report as Markdown (``assure diff --format md``)."""
    return "\n".join(markdown_lines(report)).rstrip("\n") + "\n"
