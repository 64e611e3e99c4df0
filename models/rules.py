"""Assurance findings: rules run over a programme that point at what needs attention.

Each rule is a small function over the records of one programme. A finding names the
record it is about (kind and id), so the dashboard can jump there; which pane shows a
kind is the dashboard's business. Plain Python over the store's read methods: no
Textual, no pydantic, no SQLAlchemy, so that ``assure status`` starts fast.

Severity, in one sentence each:

- **high**: the board would be told something that is not so (an approval without an
  approver, a sign-off dated after the report, no Accountable owner);
- **medium**: something is open without the means to close it (no owner, overdue, not
  reviewed, an outcome called complete with deliverables still open, a duplicate, an
  approver with no authority in the RACI, a forecast slipped past its baseline);
- **low**: tidiness that weakens the record (no due date, unscored risk, a name spelt two
  ways, sign-offs endorsed by R or C but never approved by the Accountable).

Every date judgement is measured against the programme's reporting date
(:func:`assure.models.judgement.reporting_date`), never the clock alone.
"""

from __future__ import annotations

import math
import threading
from functools import lru_cache
from collections import Counter
from datetime import date
from difflib import SequenceMatcher
from typing import Any, Callable, Iterator, NamedTuple

from . import vocab
from .collector import collector_paused
from .dates import format_date
from .judgement import days_between, days_overdue, due_date as _date, normalise_title, reporting_date, split_names
from .text import display_text, display_words, single_spaced
from .wording import record_date

SEVERITIES = ("high", "medium", "low")


class Finding(NamedTuple):
    """One thing a rule found, naming the record it is about.

    A named tuple rather than a frozen dataclass: as immutable, and made four times as
    fast (a 100k programme makes 20,000 in every run of the rules)."""

    rule: str
    """The rule's id, e.g. ``raci-accountable`` (for the CLI and JSON; never in a board pack)."""
    severity: str
    """``high``, ``medium`` or ``low``."""
    message: str
    """The whole finding in one line naming the record, e.g. ``Deliverable 'X' is signed off without an approver``."""
    kind: str
    """The record kind, as in :data:`assure.models.kinds.KINDS`."""
    record_id: int | None
    """The record's id; None when the finding is about something missing."""
    reason: str = ""
    """Why it matters, in plain language (the rule's reason)."""
    subject: str = ""
    """The record named as a list item reads it ("Deliverable 'X'"), for a grouped finding."""
    record_version: int | None = None
    """The record's version when the finding was made: an acknowledgement holds while it is unchanged."""
    acknowledged: Any = None
    """The :class:`~assure.models.records.AcknowledgementRecord` that answers it, if one holds."""

    @property
    def key(self) -> tuple[str, str, int | None]:
        """What an acknowledgement is about: the rule and the record."""
        return (self.rule, self.kind, self.record_id)

    def as_dict(self) -> dict:
        """The finding as plain JSON-ready data."""
        ack = self.acknowledged
        return {
            "rule": self.rule, "severity": self.severity, "message": self.message,
            "kind": self.kind, "record_id": self.record_id, "reason": self.reason,
            "acknowledged": None if ack is None else {
                "by": ack.actor, "at": ack.at, "reason": ack.reason, "until": ack.until,
            },
        }


class Rule(NamedTuple):
    """A rule as listed in help and docs."""

    id: str
    severity: str
    description: str
    reason: str = ""
    """Why a finding of this rule matters, in plain language."""
    many: str = ""
    """How several findings of this rule read as one: ``{n} open deliverables have no owner``."""


RULES: list[Rule] = []
_CHECKS: list[tuple[Rule, Callable[["_Data"], Iterator[tuple]]]] = []


def _rule(rule_id: str, severity: str, description: str, *, reason: str = "", many: str = ""):
    """Register a check: it yields (message, kind, record_id, subject, version) for each finding
    (subject "" and version None where there is none)."""

    def register(check):
        rule = Rule(rule_id, severity, description, reason, many)
        RULES.append(rule)
        _CHECKS.append((rule, check))
        return check

    return register


# -- the data a run reads, each list loaded at most once -----------------------------------


#: The deliverable facts read at once, each group on a connection of its own: the flagged
#: rows (the longest query) apart from the grouped counts, which the rules that need them
#: can go through while the flagged rows are still being read.
_FACT_GROUPS = (("duplicates", "approvers", "by_outcome"), ("flagged",))
#: The group read apart from the deliverable facts: the registers' facts and the lists.
_REGISTERS = -1
#: The lists a run reads whole (each small: people, RACI roles).
_LISTED = ("person", "raci")
#: Which group each fact comes from (the approvers part gives two).
_GROUP_OF = {fact: group for group, parts in enumerate(_FACT_GROUPS) for part in parts
             for fact in (("signed_by", "named") if part == "approvers" else (part,))}


class _Data:
    """The programme's records, read lazily so that each rule costs only what it reads."""

    def __init__(self, store, programme_id: int, today: date, review_days: int):
        self.store = store
        self.programme_id = programme_id
        #: The clock's today (a sign-off dated after it is in the future).
        self.today = today
        self.review_days = review_days
        self._cache: dict[str, list] = {}
        # Dates, names and titles repeat across thousands of rows: each worked out once a run.
        #: :func:`~assure.models.judgement.due_date`, once per distinct value in a run.
        self.day = lru_cache(maxsize=None)(_date)
        #: :func:`~assure.models.dates.format_date`, once per distinct value in a run.
        self.shown = lru_cache(maxsize=None)(format_date)
        #: :func:`split_names`, once per distinct value in a run (owners and approvers repeat).
        self.names = lru_cache(maxsize=None)(split_names)
        self._titled = lru_cache(maxsize=None)(_deliverable_titled)
        self._facts: dict[str, list] = {}
        self._pending: dict[int, tuple[threading.Thread, dict]] = {}
        self.programme = store.get("programme", programme_id)
        #: The reporting date: what every judgement is measured against.
        self.on = reporting_date(self.programme, today)

    def _list(self, kind: str) -> list:
        if kind not in self._cache:
            self._registers_read()
        if kind not in self._cache:
            self._cache[kind] = self.store.list(kind, self.programme_id)
        return self._cache[kind]

    def _read_registers(self, store) -> dict[str, Any]:
        """The registers' facts and the small lists every run reads (see :attr:`registers`)."""
        read = {"registers": store.register_facts(self.programme_id)}
        for kind in _LISTED:
            read[kind] = store.list(kind, self.programme_id)
        return read

    def _registers_read(self) -> None:
        """Take what :meth:`start_facts` read of the registers, when it has been started."""
        self._cache.update(self._taken(_REGISTERS) or {})

    def _taken(self, group: int) -> dict | None:
        """What :meth:`start_facts` read of a group, once its thread is done; None when it
        was not started, was taken already or failed (the caller then reads it here)."""
        if (pending := self._pending.pop(group, None)) is None:
            return None
        thread, holder = pending
        thread.join()
        return holder.get("facts")

    @property
    def people(self):
        return self._list("person")

    @property
    def raci(self):
        return self._list("raci")

    def _read_facts(self, store, parts: tuple[str, ...]) -> dict[str, list]:
        programme = self.programme
        start = _date(programme.start_date) if programme else None
        end = _date(programme.end_date) if programme else None
        return store.deliverable_facts(
            self.programme_id, on=self.on.isoformat(), today=self.today.isoformat(),
            start=start.isoformat() if start else None, end=end.isoformat() if end else None, parts=parts,
        )

    def start_facts(self) -> None:
        """Read the deliverable facts on connections of their own, a group each, while the
        other rules run: the database does most of that work outside Python's lock
        (SQLite's steps, a server's round trips). Any failure there leaves :meth:`fact` to
        read them here."""
        reader = getattr(self.store, "reader", None)
        location = getattr(self.store, "location", None)
        if reader is None or self._facts or self._pending:
            return
        if location is not None and location.is_sqlite and (location.path is None or str(location.path) == ":memory:"):
            return  # another connection would see another database
        # The registers first: the first rules to run read them.
        for group, parts in ((_REGISTERS, ()), *enumerate(_FACT_GROUPS)):
            holder: dict[str, Any] = {}

            def read(group=group, parts=parts, holder=holder) -> None:
                try:
                    with reader() as other:
                        holder["facts"] = self._read_registers(other) if group == _REGISTERS \
                            else self._read_facts(other, parts)
                except Exception:
                    pass

            thread = threading.Thread(target=read, name=f"assure-deliverable-facts-{group}", daemon=True)
            thread.start()
            self._pending[group] = (thread, holder)

    def fact(self, name: str) -> list:
        """One of the facts the deliverable rules need, read by grouped and filtered queries
        (see :meth:`Store.deliverable_facts`) rather than every deliverable of the register:
        ``flagged``, ``duplicates``, ``signed_by``, ``named`` or ``open_by_outcome``."""
        if name not in self._facts:
            group = _GROUP_OF[name]
            read = self._taken(group)
            self._facts.update(read if read is not None else self._read_facts(self.store, _FACT_GROUPS[group]))
        return self._facts[name]

    @property
    def flagged(self):
        """Deliverables that may break a sign-off, owner or baseline rule (each rule re-checks)."""
        return self.fact("flagged")

    @property
    def signed_off(self):
        """The :attr:`flagged` deliverables signed off, only those (what the sign-off rules go through)."""
        if "signed_off" not in self._facts:
            self._facts["signed_off"] = [row for row in self.flagged if row.status == "Signed Off"]
        return self._facts["signed_off"]

    @property
    def still_open(self):
        """The :attr:`flagged` deliverables neither signed off nor delivered."""
        if "still_open" not in self._facts:
            done = vocab.DELIVERABLE_DONE
            self._facts["still_open"] = [row for row in self.flagged if row.status not in done]
        return self._facts["still_open"]

    def deliverable_name(self, row) -> str:
        """``Deliverable 'Title'``, once per title in a run."""
        return self._titled(row.title)

    @property
    def registers(self) -> dict[str, Any]:
        """The open risks and actions and who the registers name (see
        :meth:`Store.register_facts`), rather than every record of three registers."""
        if "registers" not in self._cache:
            self._registers_read()
        if "registers" not in self._cache:
            self._cache["registers"] = self.store.register_facts(self.programme_id)
        return self._cache["registers"]

    @property
    def open_risks(self):
        """The open risks and issues (Open or Monitoring), only those."""
        return self.registers["risks"]

    @property
    def open_actions(self):
        """The open actions (Open or In Progress), only those."""
        return self.registers["actions"]


def _blank(value: object) -> bool:
    return value is None or not str(value).strip()


def _q(value: object, width: int | None = None) -> str:
    """A stored text quoted for a one-line message: terminal-safe, whole (the screen clips)."""
    return f"'{display_words(value)}'"


def _risk_name(risk) -> str:
    noun = "Issue" if risk.kind == "Issue" else "Risk"
    return f"{noun} {display_text(risk.ref)} {_q(risk.description)}"


def _action_name(action) -> str:
    noun = "Next step" if action.kind == "Next step" else "Recommendation"
    return f"{noun} {action.number} {_q(action.description)}"


def _deliverable_titled(title: object) -> str:
    return f"Deliverable {_q(title)}"


# -- RACI ----------------------------------------------------------------------------------


@_rule("raci-accountable", "high", "The RACI has exactly one Accountable owner (who approves)",
       reason="The source says the Accountable approves: without exactly one, no sign-off has clear authority.")
def _raci_accountable(data: _Data):
    accountable = [row for row in data.raci if row.letter == "A"]
    if not data.raci:
        yield ("No RACI roles are recorded: the programme needs exactly one Accountable owner", "raci", None, "", None)
    elif not accountable:
        yield ("The RACI has no Accountable owner: exactly one person must approve", "raci", None, "", None)
    elif len(accountable) > 1:
        names = ", ".join(_q(row.person_name) for row in accountable)
        yield (
            f"The RACI has {len(accountable)} Accountable owners ({names}): exactly one must approve",
            "raci", accountable[1].id, "", accountable[1].version,
        )


# -- sign-offs -----------------------------------------------------------------------------


@_rule("signoff-approver", "high", "A deliverable signed off names who approved it",
       reason="A sign-off nobody is named for cannot be shown to have been approved.",
       many="{n} deliverables are signed off without an approver")
def _signoff_approver(data: _Data):
    for row in data.signed_off:
        if _blank(row.approved_by):
            name = data.deliverable_name(row)
            yield (f"{name} is signed off without an approver", "deliverable", row.id, name, row.version)


@_rule("signoff-future", "high", "A sign-off is not dated after the reporting date (as of) or after today",
       reason="The report says it was signed off by the reporting date; the register dates it later.",
       many="{n} sign-offs are dated after the reporting date")
def _signoff_future(data: _Data):
    has_as_of = bool(data.programme and data.programme.as_of)
    for row in data.signed_off:
        when = data.day(row.date)
        if when is None or not (when > data.on or when > data.today):
            continue
        name, day = data.deliverable_name(row), data.shown(when)
        if when > data.on and has_as_of:
            message = f"{name} is signed off on {day}, after the report date {format_date(data.on)}"
        else:
            message = f"{name} is signed off on {day}, which is in the future"
        yield (message, "deliverable", row.id, f"{name} ({day})", row.version)


@_rule("signoff-outside-programme", "medium", "A sign-off is dated within the programme's start and end dates",
       reason="A sign-off outside the programme's dates was made under another mandate, or is misdated.",
       many="{n} sign-offs are dated outside the programme's dates")
def _signoff_outside(data: _Data):
    programme = data.programme
    start = _date(programme.start_date) if programme else None
    end = _date(programme.end_date) if programme else None
    if start is None and end is None:
        return
    for row in data.signed_off:
        when = data.day(row.date)
        if when is None:
            continue
        if when > data.on or when > data.today:
            continue  # already a signoff-future finding: one finding per problem
        subject = f"{data.deliverable_name(row)} ({data.shown(when)})"
        if start and when < start:
            yield (
                f"{data.deliverable_name(row)} is signed off on {data.shown(when)},"
                f" before the programme started ({format_date(start)})",
                "deliverable", row.id, subject, row.version,
            )
        elif end and when > end:
            yield (
                f"{data.deliverable_name(row)} is signed off on {data.shown(when)},"
                f" after the programme ended ({format_date(end)})",
                "deliverable", row.id, subject, row.version,
            )


@_rule("signoff-undated", "low", "A sign-off has a date",
       reason="Without a date nobody can tell whether it was signed off before the report.",
       many="{n} sign-offs have no date")
def _signoff_undated(data: _Data):
    for row in data.signed_off:
        if _blank(row.date):
            name = data.deliverable_name(row)
            yield (f"{name} is signed off without a date", "deliverable", row.id, name, row.version)


def _raci_names(data: _Data) -> dict[str, str]:
    """Casefolded name -> RACI letter of everyone who holds a role (A wins over the rest)."""
    letters: dict[str, str] = {}
    for role in data.raci:
        name = single_spaced(role.person_name).casefold()
        if letters.get(name) != "A":
            letters[name] = role.letter
    return letters


@_rule("signoff-authority", "medium", "Whoever approves a sign-off holds a role in the RACI",
       reason="The RACI says who may approve (the Accountable) and endorse (R and C);"
              " an approval by someone outside it has no recorded authority.",
       many="{n} approvers of sign-offs hold no role in the RACI")
def _signoff_authority(data: _Data):
    if not data.raci:
        return  # raci-accountable already says there is no RACI at all
    letters = _raci_names(data)
    outside: dict[str, list[int]] = {}  # name -> [sign-offs, first deliverable id]
    for approved_by, count, first in data.fact("signed_by"):
        for name in data.names(approved_by):
            if name.casefold() not in letters:
                seen = outside.setdefault(name, [0, first])
                seen[0] += count
                seen[1] = min(seen[1], first)
    rows = data.store.get_many("deliverable", [first for _, first in outside.values()])
    for name, (count, first) in outside.items():
        row = rows.get(first)
        if row is None:
            continue
        signoffs = f"{count} sign-off{'s' if count != 1 else ''}"
        yield (
            f"{_q(name)} approves {signoffs} but holds no role in the RACI (first: {data.deliverable_name(row)})",
            "deliverable", row.id, f"{_q(name)} ({signoffs})", row.version,
        )


@_rule("signoff-accountable", "low", "Sign-offs are approved by the Accountable owner (R and C endorse)",
       reason="The source says the Accountable approves and R and C endorse: a sign-off no Accountable"
              " signed is endorsed, not approved.")
def _signoff_accountable(data: _Data):
    owners = [role for role in data.raci if role.letter == "A"]
    if len(owners) != 1:
        return  # raci-accountable already reports no (or several) Accountable owners
    owner = owners[0]
    name = single_spaced(owner.person_name).casefold()
    signed = without = 0
    by_approver: Counter = Counter()
    for approved_by, count, _ in data.fact("signed_by"):
        names = data.names(approved_by)
        if not names:
            continue
        signed += count
        if len(names) == 1:  # most sign-offs: one approver
            if names[0].casefold() != name:
                without += count
                by_approver[names[0]] += count
        elif name not in {n.casefold() for n in names}:
            without += count
            by_approver.update({n: count for n in names})
    if not without:
        return
    letters = _raci_names(data)
    who = ", ".join(
        f"{display_text(n)} ({letters.get(n.casefold(), 'no role')}) {c}" for n, c in by_approver.most_common()
    )
    share = f"None of the {signed} sign-offs is" if without == signed else \
        f"{signed - without} of {signed} sign-offs {'is' if signed - without == 1 else 'are'}"
    yield (
        f"{share} approved by the Accountable owner {_q(owner.person_name)};"
        f" {without} {'is' if without == 1 else 'are'} approved by others: {who}",
        "raci", owner.id, "", owner.version,
    )


def _rank(status: str) -> tuple:
    rank = vocab.workflow_rank(vocab.DELIVERABLE_STATUSES, status)
    return (rank is None, rank or 0, str(status))


@_rule("outcome-complete-open", "medium", "An outcome marked Complete has every deliverable signed off or delivered",
       reason="The board reads Complete as done; open deliverables say otherwise.",
       many="{n} outcomes are Complete with deliverables still open")
def _outcome_complete_open(data: _Data):
    open_by_outcome: dict[int, dict[str, int]] = {}
    total: dict[int, int] = {}
    done = vocab.DELIVERABLE_DONE
    for outcome_id, status, count in data.fact("by_outcome"):
        total[outcome_id] = total.get(outcome_id, 0) + count
        if status not in done:
            open_by_outcome.setdefault(outcome_id, {})[status] = count
    for outcome in data.registers["outcomes"]:
        if outcome.status not in vocab.OUTCOME_DONE or outcome.id not in open_by_outcome:
            continue
        statuses = dict(sorted(open_by_outcome[outcome.id].items(),
                               key=lambda item: _rank(item[0])))
        open_count, deliverables = sum(statuses.values()), total[outcome.id]
        detail = ", ".join(f"{count} {display_text(status)}" for status, count in statuses.items())
        name = f"Outcome {outcome.number} {_q(outcome.title)}"
        yield (
            f"{name} is Complete but {open_count} of {deliverables} deliverables are not signed off ({detail})",
            "outcome", outcome.id, f"Outcome {outcome.number} ({open_count} of {deliverables} open)",
            outcome.version,
        )


@_rule("deliverable-duplicate", "medium", "A deliverable appears once in the sign-off register",
       reason="A deliverable counted twice inflates the progress the board is shown.",
       many="{n} deliverables are listed more than once")
def _deliverable_duplicate(data: _Data):
    groups: dict[str, list] = {}
    for row in data.fact("duplicates"):  # the store's title_key groups; folded again here, exactly
        groups.setdefault(normalise_title(row.title), []).append(row)
    for rows in groups.values():
        if len(rows) < 2:
            continue
        first, later = rows[0], rows[1:]

        def where(row) -> str:
            return f"outcome {row.outcome_number}" if row.outcome_number is not None else "no outcome"

        def state(row) -> str:
            parts = [display_text(row.status)]
            if row.date:
                parts.append(format_date(row.date))
            if not _blank(row.approved_by):
                parts.append(f"by {display_text(row.approved_by)}")
            return " ".join(parts)

        copies = "; ".join(f"{where(row)} ({state(row)})" for row in later)
        yield (
            f"{data.deliverable_name(first)} ({where(first)}) is listed {len(rows)} times: again under {copies}",
            "deliverable", later[0].id, data.deliverable_name(first), later[0].version,
        )


@_rule("deliverable-slipped", "medium", "An open deliverable's forecast date is not past its baseline (original target)",
       reason="The plan the board approved has moved: the forecast is later than the original target.",
       many="{n} open deliverables are forecast after their baseline")
def _deliverable_slipped(data: _Data):
    for row in data.still_open:
        baseline, forecast = data.day(row.baseline_date), data.day(row.date)
        if baseline is None or forecast is None or forecast <= baseline:
            continue
        days = (forecast - baseline).days
        yield (
            f"{data.deliverable_name(row)} is {display_text(row.status)}, forecast for {record_date(row.date, row.note)}:"
            f" {days} days after its baseline {record_date(row.baseline_date, row.note)}",
            "deliverable", row.id, f"{data.deliverable_name(row)} (baseline {data.shown(baseline)})", row.version,
        )


# -- owners --------------------------------------------------------------------------------


@_rule("deliverable-owner", "medium", "An open deliverable has an owner or approver",
       reason="Nobody is named to deliver or approve it, so nobody can be asked when it will close.",
       many="{n} open deliverables have no owner or approver")
def _deliverable_owner(data: _Data):
    statuses: dict[str, str] = {}
    for row in data.still_open:
        if _blank(row.approved_by):
            name = data.deliverable_name(row)
            status = statuses.get(row.status) or statuses.setdefault(row.status, display_text(row.status))
            yield (f"{name} is {status} with no owner or approver", "deliverable", row.id, name, row.version)


@_rule("risk-owner", "medium", "An open risk or issue has an owner",
       reason="A risk nobody owns is a risk nobody is managing.",
       many="{n} open risks and issues have no owner")
def _risk_owner(data: _Data):
    for row in data.open_risks:
        if _blank(row.owner):
            name = _risk_name(row)
            yield (f"{name} is open with no owner", "risk", row.id, name, row.version)


@_rule("action-owner", "medium", "An open action has an owner",
       reason="An action nobody owns will not be done.",
       many="{n} open actions have no owner")
def _action_owner(data: _Data):
    for row in data.open_actions:
        if _blank(row.owner):
            name = _action_name(row)
            yield (f"{name} is open with no owner", "action", row.id, name, row.version)


# -- dates ---------------------------------------------------------------------------------


def _days(count: int) -> str:
    return f"{count} day{'s' if count != 1 else ''}"


@_rule("action-overdue", "medium", "An open action is not past its due date (on the reporting date)",
       reason="It was due by the reporting date and is still open.",
       many="{n} open actions are past their due date")
def _action_overdue(data: _Data):
    for row in data.open_actions:
        days = days_overdue(row.due_on, row.status, data.on)
        if days:
            name, due = _action_name(row), format_date(row.due_on)
            yield (f"{name} was due on {due} ({_days(days)} overdue)", "action", row.id, f"{name} (due {due})",
                   row.version)


@_rule("action-undated", "low", "An open action has a due date",
       reason="Without a due date nobody can tell whether it is late.",
       many="{n} open actions have no due date")
def _action_undated(data: _Data):
    for row in data.open_actions:
        if _blank(row.due_on):
            name = _action_name(row)
            yield (f"{name} is open with no due date", "action", row.id, name, row.version)


def _is_red(row) -> bool:
    return vocab.risk_band(vocab.risk_score(row.likelihood, row.impact)) == "Red"


def _not_reviewed(data: _Data, row) -> str | None:
    """Why an open risk counts as not reviewed on the reporting date, or None."""
    review, updated = data.day(row.review_on), data.day(row.updated_at)
    if review is not None and review < data.on:
        return f"was due for review on {data.shown(review)}"
    days = days_between(updated, data.on)
    if days is not None and days > data.review_days:
        return f"has not been updated for {days} days (review period {data.review_days} days)"
    return None


@_rule("risk-red-review", "medium", "A red risk (score 15-25) has a review date and was reviewed within its review period",
       reason="A red risk is one the board must see managed; unreviewed, nobody can say it still is.",
       many="{n} red risks and issues are not being reviewed")
def _risk_red_review(data: _Data):
    for row in data.open_risks:
        if not _is_red(row):
            continue
        score = vocab.risk_score(row.likelihood, row.impact)
        why = _not_reviewed(data, row)
        if why is None and _blank(row.review_on):
            why = "has no review date"
        if why:
            name = _risk_name(row)
            yield (f"{name} is red (score {score}) and {why}", "risk", row.id, f"{name} (score {score})", row.version)


@_rule("risk-review", "medium", "An open risk or issue was reviewed lately (review date not passed, updated within the review period)",
       reason="A risk not looked at lately may have changed without anyone noticing.",
       many="{n} open risks and issues have not been reviewed lately")
def _risk_review(data: _Data):
    for row in data.open_risks:
        if _is_red(row):
            continue  # a red one is risk-red-review's: one finding per problem
        if why := _not_reviewed(data, row):
            name = _risk_name(row)
            yield (f"{name} {why}", "risk", row.id, name, row.version)


@_rule("risk-unscored", "low", "An open risk or issue has a likelihood and an impact",
       reason="Unscored, it cannot be placed on the heat map or ranked against the others.",
       many="{n} open risks and issues are not scored")
def _risk_unscored(data: _Data):
    for row in data.open_risks:
        if row.likelihood is None or row.impact is None:
            name = _risk_name(row)
            yield (f"{name} is open but not scored (likelihood x impact)", "risk", row.id, name, row.version)


# -- people --------------------------------------------------------------------------------


def _within_two_edits(a: str, b: str) -> bool:
    """True when a and b differ by at most two insertions, deletions or substitutions."""
    if abs(len(a) - len(b)) > 2:
        return False
    # A common prefix and suffix do not change the distance; what is left is usually tiny.
    start, limit = 0, min(len(a), len(b))
    while start < limit and a[start] == b[start]:
        start += 1
    end = 0
    while end < limit - start and a[-1 - end] == b[-1 - end]:
        end += 1
    a, b = a[start:len(a) - end], b[start:len(b) - end]
    if max(len(a), len(b)) <= 2:
        return True
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        if min(current) > 2:
            return False
        previous = current
    return previous[-1] <= 2


#: Edit distance is only telling for names this long; "LCC" and "WLBC" are two edits apart.
_MIN_EDIT_LENGTH = 8


#: difflib.SequenceMatcher ratio at or above which two names nearly match.
_RATIO = 0.85


def names_nearly_match(a: str, b: str) -> bool:
    """Two different spellings that probably mean the same person (or team).

    They differ only in case, or (both 8 characters or more) by at most two edits, or
    difflib's similarity ratio is 0.85 or more.
    """
    if a == b:
        return False
    fa, fb = a.casefold(), b.casefold()
    return _close(fa, fb, _letters(fa), _letters(fb))


def _letters(folded: str) -> frozenset[tuple[str, int]]:
    """The string's letters as a multiset made a set: ("a", 0), ("a", 1), ... so that the
    size of an intersection is the number of letters two strings have in common."""
    seen: dict[str, int] = {}
    tokens = []
    for char in folded:
        tokens.append((char, seen.get(char, 0)))
        seen[char] = seen.get(char, 0) + 1
    return frozenset(tokens)


def _close(fa: str, fb: str, letters_a: frozenset, letters_b: frozenset) -> bool:
    """:func:`names_nearly_match` on casefolded names and their :func:`_letters`."""
    if fa == fb:
        return True
    shorter, total = min(len(fa), len(fb)), len(fa) + len(fb)
    # Letters in common bound both tests cheaply: two edits change at most four letter
    # counts, and the ratio 2 M / T can be no more than 2 x common / T.
    common = len(letters_a & letters_b)
    if (shorter >= _MIN_EDIT_LENGTH and total - 2 * common <= 4 and max(len(fa), len(fb)) - shorter <= 2
            and _within_two_edits(fa, fb)):
        return True
    if 2.0 * shorter / total < _RATIO or 2.0 * common / total < _RATIO:
        return False
    # SequenceMatcher's ratio depends on the order of its arguments: fix one, so that
    # whether two names match does not depend on which was read first.
    return SequenceMatcher(None, *sorted((fa, fb)), autojunk=False).ratio() >= _RATIO


def _bigrams(folded: str) -> list[tuple[str, int]]:
    """The string's bigrams as a multiset made a set: ("an", 0), ("an", 1), ..."""
    seen: dict[str, int] = {}
    tokens = []
    for index in range(len(folded) - 1):
        gram = folded[index:index + 2]
        tokens.append((gram, seen.get(gram, 0)))
        seen[gram] = seen.get(gram, 0) + 1
    return tokens


def _shared_needed(length: int, other: int) -> int | None:
    """The fewest bigrams two names of these lengths share if they nearly match; None: they cannot.

    A ratio of 0.85 or more needs the shorter name at least 0.85 T / 2 long (T: both
    lengths) and allows an indel distance D of at most 0.15 T; the longest common
    subsequence is then (T - D) / 2, and at least LCS - 1 - D of its bigrams are bigrams of
    both names (a deleted run breaks one adjacency). At most two edits between names of 8
    or more characters leave at least (longer - 1) - 2 x 2 bigrams shared (the q-gram lemma).
    """
    total, shorter, longer = length + other, min(length, other), max(length, other)
    needed = None
    if 2.0 * shorter / total >= _RATIO:
        most = math.floor((1 - _RATIO) * total + 1e-9)
        needed = math.ceil((total - most) / 2 - 1 - most - 1e-9)
    if shorter >= _MIN_EDIT_LENGTH and longer - shorter <= 2:
        needed = longer - 5 if needed is None else min(needed, longer - 5)
    return needed


def _letters_needed(length: int, other: int) -> int:
    """The fewest letters two names of these lengths have in common if :func:`_close` can
    hold (the bounds it checks first), for names :func:`_shared_needed` does not rule out."""
    total, shorter, longer = length + other, min(length, other), max(length, other)
    needed = []
    if shorter >= _MIN_EDIT_LENGTH and longer - shorter <= 2:
        needed.append(math.ceil((total - 4) / 2))
    if 2.0 * shorter / total >= _RATIO:
        common = 0
        while 2.0 * common / total < _RATIO:  # the very comparison _close makes
            common += 1
        needed.append(common)
    return min(needed)


def near_pairs(names: list[str]) -> list[tuple[str, str]]:
    """Every pair of names that :func:`names_nearly_match`, without comparing every pair.

    Prefix filtering: two near matches of lengths L and M share at least
    ``_shared_needed(L, M)`` bigrams, so they share one among each name's rarest
    ``bigrams - needed + 1``. Each name is indexed by those rarest bigrams once per length
    a near match could have, and looks up only the names that could match it; those are
    compared only when they do share enough bigrams. Names too short for any bound are
    compared with all.

    Returns:
        (a, b) pairs, a before b in the order given.
    """
    folded = [name.casefold() for name in names]
    letters = [_letters(name) for name in folded]
    grams = [_bigrams(name) for name in folded]
    frequency: dict[tuple[str, int], int] = {}
    for tokens in grams:
        for token in tokens:
            frequency[token] = frequency.get(token, 0) + 1
    sets = [frozenset(tokens) for tokens in grams]
    # length -> (partner length, bigrams needed, letters needed)
    partners: dict[int, list[tuple[int, int, int]]] = {}
    # (own length, partner length, bigram) -> names of that length with the bigram in their prefix
    index: dict[tuple[int, int, tuple[str, int]], list[int]] = {}
    short: list[int] = []
    found: set[tuple[int, int]] = set()
    for i, tokens in enumerate(grams):
        length = len(folded[i])
        if length not in partners:
            needs = ((other, _shared_needed(length, other)) for other in range(1, 2 * length + 3))
            partners[length] = [(other, need, _letters_needed(length, other)) for other, need in needs
                                if need is not None]
        if not tokens or any(need <= 0 for _, need, _ in partners[length]):
            short.append(i)
            continue
        ranked = sorted(tokens, key=lambda token: (frequency[token], token))
        mine, my_letters = sets[i], letters[i]
        for other, need, letters_needed in partners[length]:
            prefix = ranked[: len(tokens) - need + 1]
            candidates: set[int] = set()
            for token in prefix:
                candidates.update(index.get((other, length, token), ()))
            # Both bounds are set intersections (C speed): only a few candidates reach _close.
            for j in [j for j in candidates
                      if len(mine & sets[j]) >= need and len(my_letters & letters[j]) >= letters_needed]:
                if names[i] != names[j] and _close(folded[i], folded[j], letters[i], letters[j]):
                    found.add((j, i))
            for token in prefix:
                index.setdefault((length, other, token), []).append(i)
    for i in short:
        for j in range(len(names)):
            if j != i and names_nearly_match(names[i], names[j]):
                found.add((min(i, j), max(i, j)))
    return [(names[i], names[j]) for i, j in sorted(found)]


_NEAR_PAIRS: dict[tuple[str, ...], list[tuple[str, str]]] = {}


def _near_pairs_remembered(names: tuple[str, ...]) -> list[tuple[str, str]]:
    """:func:`near_pairs`, remembered for the last few sets of names: the names in use
    rarely change between two runs (the Overview runs the rules again after every save)."""
    if names not in _NEAR_PAIRS:
        from . import kept

        if len(_NEAR_PAIRS) >= 4:
            _NEAR_PAIRS.pop(next(iter(_NEAR_PAIRS)))
        # Kept between processes too: assure status is a new process every time.
        _NEAR_PAIRS[names] = kept.near_pairs(names, lambda given: near_pairs(list(given)))
    return _NEAR_PAIRS[names]


@_rule("person-near-match", "low", "Each person's name is spelt one way (no near-identical names)",
       reason="One person spelt two ways splits their record: what they approve or own is not counted together.",
       many="{n} names nearly match another spelling")
def _person_near_match(data: _Data):
    # Where each spelling is used: kind -> [count, first record id], the people register first.
    uses: dict[str, dict[str, list[int]]] = {}

    def tally(kind: str, named) -> None:
        # (name, count, first id) triples; written out rather than a call per use (20,000 at 100k).
        for name, count, first in named:
            by_kind = uses.get(name)
            if by_kind is None:
                uses[name] = {kind: [count, first]}
            elif (seen := by_kind.get(kind)) is None:
                by_kind[kind] = [count, first]
            else:
                seen[0] += count
                if first < seen[1]:
                    seen[1] = first

    tally("person", [(single_spaced(person.name), 1, person.id) for person in data.people])
    in_raci = {single_spaced(role.person_name) for role in data.raci}
    tally("raci", [(single_spaced(role.person_name), 1, role.id) for role in data.raci])
    names = data.names
    # Deliverables by distinct approver (grouped in the store): a 100k register is a few thousand
    # names; the other registers by distinct value too.
    for kind, named in (("deliverable", data.fact("named")), *data.registers["named"].items()):
        tally(kind, [(name, count, first) for value, count, first in named for name in names(value)])

    # A name is in several pairs: how it stands and where it is used, once each.
    standings: dict[str, tuple] = {}
    described: dict[str, str] = {}

    def standing(name: str) -> tuple:
        # The spelling to keep: the RACI's, else the people register's, else the commoner.
        if name not in standings:
            standings[name] = (name in in_raci, "person" in uses[name],
                               sum(count for count, _ in uses[name].values()))
        return standings[name]

    def used(name: str) -> str:
        if name not in described:
            described[name] = f"{_q(name)} ({_uses(uses[name])})"
        return described[name]

    for a, b in _near_pairs_remembered(tuple(uses)):
        # Point at the spelling to fix, at a record that uses it rather than its bare person entry.
        odd, usual = (a, b) if standing(a) <= standing(b) else (b, a)
        kind = next((kind for kind in uses[odd] if kind != "person"), "person")
        yield (
            f"Names {used(odd)} and {used(usual)} nearly match: one person spelt two ways?",
            kind, uses[odd][kind][1], f"{_q(odd)} and {_q(usual)}", None,
        )


def _uses(uses: dict[str, list[int]]) -> str:
    """``people register, RACI, 2 deliverables`` from the uses of one spelling."""
    nouns = {"person": ("people register", "people register"), "raci": ("RACI", "RACI x{n}"),
             "deliverable": ("1 deliverable", "{n} deliverables"), "risk": ("1 risk", "{n} risks"),
             "action": ("1 action", "{n} actions"), "lesson": ("1 lesson", "{n} lessons")}
    return ", ".join(nouns[kind][count != 1].format(n=count) for kind, (count, _) in uses.items())


# -- running -------------------------------------------------------------------------------

def _waits_for(check) -> int:
    """0: the rule reads no deliverable facts; 1: the grouped ones; 2: the flagged rows."""
    names = set(check.__code__.co_names)
    return 2 if {"flagged", "signed_off", "still_open"} & names else 1 if "fact" in names else 0


#: The rules that never read the deliverable facts run first, while those are read on other
#: connections; then those that read the grouped facts, then the flagged rows (the longest
#: read). Only an order for speed: a wrong guess costs overlap, never a finding.
_IN_RUN_ORDER = sorted(_CHECKS, key=lambda item: (0, 2, 1)[_waits_for(item[1])])

_ORDER = {severity: index for index, severity in enumerate(SEVERITIES)}


_made = tuple.__new__


class RulesCancelled(Exception):
    """The caller stopped waiting (e.g. the dashboard is closing)."""


def run_rules(
    store, programme_id: int, *, today: date | None = None, review_days: int = 90, cancelled=None,
    acknowledgements: bool = True,
) -> list[Finding]:
    """Run every rule over one programme.

    Args:
        store: an open :class:`~assure.models.store.Store` (only its read methods are used).
        programme_id: the programme to check.
        today: the clock's today (default: :func:`assure.models.dates.today`). Judgements are
            measured against the programme's reporting date (:func:`reporting_date`), which
            is today only for a programme with no "as of" date.
        review_days: an open risk not updated for longer than this is stale.
        cancelled: called between rules; when it returns True, :class:`RulesCancelled` is raised.
        acknowledgements: False leaves every finding unanswered (no query for them).

    Returns:
        The findings, most severe first, then by rule id, then in record order; each that
        an acknowledgement still answers carries it in ``acknowledged``.
    """
    if today is None:
        from .dates import today as _today

        today = _today()
    with collector_paused():
        return _run(store, programme_id, today, review_days, cancelled, acknowledgements)


def _run(store, programme_id: int, today: date, review_days: int, cancelled, acknowledgements: bool) -> list[Finding]:
    data = _Data(store, programme_id, today, review_days)
    if data.programme is None:
        return []
    # Most severe first, then by rule id, each rule's findings in record order: the rules'
    # blocks are put in order (a stable sort of every finding by the same key, at 100k a
    # sort of nineteen blocks rather than of twenty thousand findings).
    blocks: list[tuple[tuple[int, str], list[Finding]]] = []
    data.start_facts()
    for rule, check in _IN_RUN_ORDER:
        if cancelled is not None and cancelled():
            raise RulesCancelled(rule.id)
        rule_id, severity, reason = rule.id, rule.severity, rule.reason
        # tuple.__new__ with the fields in order: what Finding(...) does, without its call per finding.
        block = [_made(Finding, (rule_id, severity, message, kind, record_id, reason, subject, version, None))
                 for message, kind, record_id, subject, version in check(data)]
        blocks.append(((_ORDER[rule.severity], rule.id), block))
    blocks.sort(key=lambda item: item[0])
    findings = [finding for _, block in blocks for finding in block]
    if acknowledgements and findings:
        findings = answered(findings, store.acknowledgements(programme_id), data.on)
    return findings


def answered(findings: list[Finding], acks: list, on: date) -> list[Finding]:
    """The findings with each acknowledgement that still holds attached.

    An acknowledgement holds while its record is at the version it was acknowledged at (a
    change to the record brings the finding back) and until its until-date has passed on
    the reporting date ``on``. The newest acknowledgement of a finding wins.
    """
    holding: dict[tuple, Any] = {}
    for ack in acks:  # oldest first: a newer one replaces an older
        until = _date(ack.until)
        if until is not None and until < on:
            continue
        holding[(ack.rule, ack.kind, ack.record_id, ack.record_version)] = ack
    if not holding:
        return findings
    return [
        finding._replace(acknowledged=ack)
        if (ack := holding.get((*finding.key, finding.record_version))) is not None else finding
        for finding in findings
    ]


def open_findings(findings: list[Finding]) -> list[Finding]:
    """The findings no acknowledgement answers (what ``--fail-on`` and the counts weigh)."""
    return [finding for finding in findings if finding.acknowledged is None]


class FindingGroup(NamedTuple):
    """Findings of one rule read as one point: the rule's sentence and the records listed."""

    rule: Rule
    findings: list[Finding]

    @property
    def severity(self) -> str:
        return self.rule.severity

    @property
    def message(self) -> str:
        """The whole point: one finding's message, or the count and every record named."""
        if len(self.findings) == 1:
            return self.findings[0].message
        return self.naming()

    def naming(self, most: int | None = None) -> str:
        """The point with at most ``most`` records named and how many more ("and 1,075 more");
        None names every one."""
        count = len(self.findings)
        if count == 1:
            return self.findings[0].message
        listed = self.findings if most is None or count <= most else self.findings[:max(most - 2, 1)]
        names = "; ".join(finding.subject or finding.message for finding in listed)
        if len(listed) < count:
            names += f"; and {count - len(listed):,} more"
        return f"{self.rule.many.format(n=count)}: {names}"

    @property
    def acknowledged(self) -> int:
        """How many of its findings an acknowledgement answers."""
        return sum(finding.acknowledged is not None for finding in self.findings)


_RULES_BY_ID: dict[str, Rule] = {}


def grouped(findings: list[Finding]) -> list[FindingGroup]:
    """Findings of one kind over many records as one group each (rules with a ``many``
    sentence); every other finding is a group of one. Order is kept (most severe first)."""
    if not _RULES_BY_ID:
        _RULES_BY_ID.update((rule.id, rule) for rule in RULES)
    groups: list[FindingGroup] = []
    by_rule: dict[str, FindingGroup] = {}
    for finding in findings:
        rule = _RULES_BY_ID[finding.rule]
        if rule.many and finding.rule in by_rule:
            by_rule[finding.rule].findings.append(finding)
            continue
        group = FindingGroup(rule, [finding])
        groups.append(group)
        if rule.many:
            by_rule[finding.rule] = group
    return groups


def count_by_severity(findings: list[Finding]) -> dict[str, int]:
    """How many findings of each severity, every severity present (zero when none);
    acknowledged findings are counted apart, under ``acknowledged``."""
    counts = dict.fromkeys(SEVERITIES, 0)
    acknowledged = 0
    for finding in findings:
        if finding.acknowledged is not None:
            acknowledged += 1
        else:
            counts[finding.severity] += 1
    return {**counts, "acknowledged": acknowledged}


def at_or_above(findings: list[Finding], threshold: str) -> list[Finding]:
    """The unanswered findings at least as severe as ``threshold`` (``none`` gives none);
    an acknowledged finding never fails a check."""
    if threshold == "none":
        return []
    limit = _ORDER[threshold]
    return [f for f in findings if _ORDER[f.severity] <= limit and f.acknowledged is None]
