"""The programme's headline numbers: one source for ``assure status``, the overview and the board pack.

Each figure is one aggregate query the store runs (:meth:`Store.programme_figures`), so
the summary costs a handful of small queries whatever the size of the programme. The
result is plain JSON-ready data.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from . import vocab
from .db import StoreError


def _ordered(counts: dict[str, int], order: tuple[str, ...]) -> dict[str, int]:
    """Counts, largest first (ties in vocabulary order, unknown statuses last); zeros left out."""
    rank = {status: index for index, status in enumerate(order)}
    ranked = sorted(
        (item for item in counts.items() if item[1]),
        key=lambda item: (-item[1], rank.get(item[0], len(rank)), str(item[0])),
    )
    return dict(ranked)


def programme_summary(
    store, programme_id: int, *, today: date | None = None, findings=None, include_findings: bool = True
) -> dict[str, Any]:
    """The headline numbers of one programme.

    Args:
        store: an open store.
        programme_id: the programme.
        today: the clock's today (default :func:`assure.models.dates.today`); overdue is
            judged on the programme's reporting date (:func:`~assure.models.judgement.reporting_date`).
        findings: the programme's findings if already run (else the rules are run here).
        include_findings: False leaves the rules unrun and ``findings`` None: the figures
            alone cost a few aggregate queries at any size, the rules read every record.

    Returns:
        A JSON-serialisable dict::

            programme: id, code, name, organisation, start_date, end_date, as_of (ISO text or None)
            today: ISO date (the clock's)
            reporting_date: ISO date every judgement is measured against
            outcomes: total, by_status {status: n}, progress [{id, number, title, status, done, total}]
            deliverables: total, done, by_status {status: n}
            risks: open, by_kind {Risk/Issue: n}, by_band {Red, Amber, Green, Unscored: n},
                   heatmap [likelihood 1..5][impact 1..5] -> count of open scored risks
            actions: total, open, overdue
            findings: high, medium, low (unanswered), acknowledged, total (None when not included)

    Raises:
        StoreError: no such programme.
    """
    from .dates import today as _today
    from .judgement import reporting_date

    today = today or _today()

    # Overdue is counted in SQL against the same reporting date (as_of, else today).
    figures = store.programme_figures(programme_id, today.isoformat())
    if not figures["programme"]:
        raise StoreError(f"no programme with id {programme_id}")
    programme = figures["programme"][0]
    on = reporting_date(programme, today)

    outcome_counts = dict(figures["outcome_status"])
    counts = {outcome_id: (total, done) for outcome_id, total, done in figures["outcome_done"]}
    progress = [
        {"id": outcome_id, "number": number, "title": title, "status": status,
         "done": counts.get(outcome_id, (0, 0))[1], "total": counts.get(outcome_id, (0, 0))[0]}
        for outcome_id, number, title, status in figures["outcomes"]
    ]
    deliverable_counts = dict(figures["deliverable_status"])
    done = sum(count for status, count in deliverable_counts.items() if status in vocab.DELIVERABLE_DONE)

    heatmap = [[0] * 5 for _ in range(5)]
    bands = {"Red": 0, "Amber": 0, "Green": 0, "Unscored": 0}
    for likelihood, impact, count in figures["risk_cells"]:
        score = vocab.risk_score(likelihood, impact)
        bands[vocab.risk_band(score)] += count
        if score is not None and 1 <= likelihood <= 5 and 1 <= impact <= 5:
            heatmap[likelihood - 1][impact - 1] += count
    risk_kinds = dict(figures["risk_kinds"])
    total_actions, open_count, overdue = figures["actions"][0]
    raci_roles, transition_roles = figures["raci"][0]
    words = vocab.programme_words(raci_roles, transition_roles, deliverable_counts)

    severity = None
    if findings is not None or include_findings:
        from .rules import count_by_severity, run_rules  # the Overview runs them later, in a thread

        if findings is None:
            findings = run_rules(store, programme_id, today=today)
        severity = count_by_severity(findings)

    return {
        "programme": {
            "id": programme.id, "code": programme.code, "name": programme.name,
            "organisation": programme.organisation, "start_date": programme.start_date,
            "end_date": programme.end_date, "as_of": programme.as_of,
        },
        "today": today.isoformat(),
        "reporting_date": on.isoformat(),
        "outcomes": {
            "total": sum(outcome_counts.values()),
            "by_status": _ordered(outcome_counts, vocab.OUTCOME_STATUSES),
            "progress": progress,
        },
        "deliverables": {
            "total": sum(deliverable_counts.values()),
            "done": done,
            "by_status": _ordered(deliverable_counts, vocab.DELIVERABLE_STATUSES),
        },
        "risks": {
            "open": sum(bands.values()),
            "by_kind": _ordered(risk_kinds, vocab.RISK_KINDS),
            "by_band": bands,
            "heatmap": heatmap,
        },
        "actions": {"total": total_actions, "open": open_count, "overdue": overdue},
        # What this programme's records call things ("Sign-offs" or "Delivered"), by name.
        "words": words._asdict(),
        "findings": {**severity, "total": sum(severity.values())} if severity is not None else None,
    }


def percent(done: int, total: int) -> int:
    """Whole-number percentage to the nearest (7 of 9 is 78), 0 when there is nothing to
    count; never 100 while some are not done, never 0 once some are (see
    :func:`assure.models.wording.share`)."""
    from .wording import share

    return share(done, total)


def programme_dates(programme: dict[str, Any], today: date | str | None = None) -> str:
    """``01 Oct 2019 to 01 Apr 2021; report date 20 Apr 2021; today 01 Dec 2026`` (parts
    left out when unknown; today only when given and not the reporting date)."""
    from .dates import format_date

    start, end, as_of = programme.get("start_date"), programme.get("end_date"), programme.get("as_of")
    parts = []
    if start and end:
        parts.append(f"{format_date(start)} to {format_date(end)}")
    elif start:
        parts.append(f"from {format_date(start)}")
    elif end:
        parts.append(f"until {format_date(end)}")
    if as_of:
        parts.append(f"report date {format_date(as_of)}")
    if today is not None:
        if not as_of:
            parts.append(f"reporting date today, {format_date(today)}")
        elif format_date(as_of) != format_date(today):
            parts.append(f"today {format_date(today)}")
    return "; ".join(parts)


def status_phrase(counts: dict[str, int]) -> str:
    """``Signed Off 70, Post Transition 10`` from a by-status dict."""
    return ", ".join(f"{status} {count}" for status, count in counts.items())


def summary_lines(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """The headline figures as (label, value) pairs, worded the same in every format."""
    outcomes, deliverables = summary["outcomes"], summary["deliverables"]
    risks, actions, findings = summary["risks"], summary["actions"], summary["findings"]
    bands = ", ".join(f"{band} {count}" for band, count in risks["by_band"].items() if count)
    kinds = status_phrase(risks["by_kind"])
    def counted(total: int, by_status: dict[str, int]) -> str:
        return f"{total} ({status_phrase(by_status)})" if total else "0"

    done_share = f"{percent(deliverables['done'], deliverables['total'])}%"
    lines = [
        ("Outcomes", counted(outcomes["total"], outcomes["by_status"])),
        ("Deliverables", counted(deliverables["total"], deliverables["by_status"])),
        ("Signed off or delivered", f"{deliverables['done']} of {deliverables['total']} ({done_share})"),
        ("Open risks & issues", f"{risks['open']}" + (f" ({kinds}; {bands})" if risks["open"] else "")),
        ("Open actions", f"{actions['open']} ({actions['overdue']} overdue)"),
    ]
    if findings is not None:
        lines.append(
            ("Findings", f"{findings['total']} ({findings['high']} high, {findings['medium']} medium, {findings['low']} low"
                         + (f"; {findings['acknowledged']} acknowledged" if findings.get("acknowledged") else "") + ")")
        )
    return lines
