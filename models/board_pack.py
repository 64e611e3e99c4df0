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
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from . import vocab
from .dates import format_date, utc_now_iso
from .db import StoreError
from .files import UnsafeTarget, check_target, copy_mode, replace_folder, write_atomic
from .judgement import is_overdue
from .kinds import KINDS
from .summary import percent, programme_dates, summary_lines
from .text import display_text

FORMATS = ("md", "html", "csv", "json")
SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".json": "json", ".csv": "csv"}
JSON_FORMAT = "assure-programme/1"

#: Column names of the CSV tables that import reads back: the record's own field names,
#: with the outcome given by its number.
CSV_FIELDS: dict[str, tuple[str, ...]] = {
    kind.section: tuple(column.name for column in kind.document) for kind in KINDS.values() if kind.csv
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


def build(store, programme_id: int, *, today: date | None = None) -> BoardPack:
    """Read what a board pack shows for one programme.

    Raises:
        StoreError: no such programme, or the database refused.
    """
    from .dates import today as _today
    from .rules import run_rules
    from .summary import programme_summary

    today = today or _today()
    programme = store.get("programme", programme_id)
    if programme is None:
        raise StoreError(f"no programme with id {programme_id}")
    findings = run_rules(store, programme_id, today=today)
    return BoardPack(
        programme=programme,
        summary=programme_summary(store, programme_id, today=today, findings=findings),
        outcomes=store.outcomes(programme_id),
        deliverables=store.deliverables(programme_id),
        risks=[row for row in store.risks(programme_id) if row.status in vocab.RISK_OPEN],
        actions=[row for row in store.actions(programme_id) if row.status in vocab.ACTION_OPEN],
        findings=findings,
        today=today,
    )


# -- shared wording ------------------------------------------------------------------------


def _pct(done: int, total: int) -> str:
    return f"{percent(done, total)}%" if total else "-"


def _band(risk) -> str:
    score = vocab.risk_score(risk.likelihood, risk.impact)
    return f"{score} {vocab.risk_band(score)}" if score is not None else "Unscored"


def _programme_dates(programme) -> str:
    return programme_dates(programme._asdict())


#: How the board pack shows a declared column when not as the stored value, per record type
#: and column key: record, today -> the cell. (Which columns, their order and headers are
#: the declaration's ``pack``.)
_PACK_VALUES: dict[str, dict[str, Any]] = {
    "outcome": {"progress": lambda o, today: f"{o.deliverables_done}/{o.deliverables_total}"
                                             f" ({_pct(o.deliverables_done, o.deliverables_total)})"},
    "risk": {"score": lambda r, today: _band(r)},
    "action": {"due_on": lambda a, today: format_date(a.due_on) + (" (overdue)" if is_overdue(a.due_on, a.status, today) else "")},
}

#: The HTML class of a column's cells (a function: of the record), per record type and key.
_PACK_CLASSES: dict[str, dict[str, Any]] = {
    "outcome": {"number": "num", "status": "nowrap", "progress": "num"},
    "deliverable": {"outcome": "num", "status": "nowrap", "date": "nowrap"},
    "risk": {"ref": "nowrap", "likelihood": "num", "impact": "num", "review_on": "nowrap",
             "score": lambda r, today: "band-" + vocab.risk_band(vocab.risk_score(r.likelihood, r.impact))},
    "action": {"number": "num", "due_on": lambda a, today: "nowrap overdue" if is_overdue(a.due_on, a.status, today) else "nowrap"},
}


def pack_table(kind_name: str, records: Iterable, today: date) -> tuple[list[str], list[list[tuple[object, str]]]]:
    """A record type's board-pack table: its declared columns' headers, and per record each
    cell as (value, HTML class)."""
    kind = KINDS[kind_name]
    specs = kind.pack
    values, classes = _PACK_VALUES.get(kind_name, {}), _PACK_CLASSES.get(kind_name, {})
    dates = {spec.key for spec in specs if spec.field in kind.field_names and kind.field(spec.field).control == "date"}

    def cell(record, spec) -> tuple[object, str]:
        shown = values.get(spec.key)
        value = shown(record, today) if shown else getattr(record, spec.source)
        if spec.key in dates and not shown:
            value = format_date(value)
        css = classes.get(spec.key, "")
        return ("" if value is None else value), (css(record, today) if callable(css) else css)

    return [spec.label for spec in specs], [[cell(record, spec) for spec in specs] for record in records]


def _md_pack(kind_name: str, records: Iterable, today: date) -> list[str]:
    header, rows = pack_table(kind_name, records, today)
    return _md_table(header, ([value for value, _ in row] for row in rows))


def _html_pack(kind_name: str, records: Iterable, today: date) -> str:
    return _html_table(*pack_table(kind_name, records, today))


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
    """The board pack as Markdown that pastes into a paper."""
    programme, today = pack.programme, pack.today
    out = [f"# {md(display_text(programme.name))} — board pack", ""]
    facts = [f"Programme **{md(programme.code)}**"]
    if programme.organisation:
        facts.append(md(programme.organisation))
    if dates := _programme_dates(programme):
        facts.append(md(dates))
    facts.append(f"prepared {format_date(today)}")
    out += [", ".join(facts) + ".", "", "## Summary", ""]
    out += [f"- **{md(label)}:** {md(value)}" for label, value in summary_lines(pack.summary)]
    out += ["", "## Outcomes", ""]
    out += _md_pack("outcome", pack.outcomes, today)
    out += ["", "## Sign-off register", ""]
    out += _md_pack("deliverable", pack.deliverables, today)
    out += ["", "## Open risks and issues", ""]
    out += _md_pack("risk", pack.risks, today)
    out += ["", "## Open actions", ""]
    out += _md_pack("action", pack.actions, today)
    out += ["", "## Assurance findings", ""]
    out += _md_table(
        ["Severity", "Rule", "Finding"],
        ([f.severity.upper(), f.rule, f.message] for f in pack.findings),
    )
    return "\n".join(out) + "\n"


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
th, td { border: 1px solid #999; padding: 0.25em 0.45em; text-align: left; vertical-align: top; }
th { background: #e8e8e8; }
td.num { text-align: right; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
dl.summary { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dl.summary dt { font-weight: bold; }
dl.summary dd { margin: 0; }
.sev-high, .band-Red { background: #f6c8c8; font-weight: bold; }
.sev-medium, .band-Amber { background: #fbe3b5; }
.sev-low, .band-Green { background: #d7ecd3; }
.overdue { font-weight: bold; }
table.heatmap { width: auto; }
table.heatmap td { text-align: center; min-width: 2.5em; }
p.none { font-style: italic; color: #555; }
@page { margin: 15mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 9.5pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  tr, dl.summary { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  .sev-high, .sev-medium, .sev-low, .band-Red, .band-Amber, .band-Green, th {
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
    rows = []
    for likelihood in range(5, 0, -1):
        cells = [f'<th scope="row">L{likelihood}</th>']
        for impact in range(1, 6):
            count = heatmap[likelihood - 1][impact - 1]
            band = vocab.risk_band(likelihood * impact)
            text = str(count) if count else ""
            cells.append(f'<td class="band-{band}" title="{band}">{text}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    head = "<tr><th></th>" + "".join(f'<th scope="col">I{impact}</th>' for impact in range(1, 6)) + "</tr>"
    return (
        '<table class="heatmap"><caption>Open risks by likelihood (L) and impact (I)</caption>'
        f"<thead>{head}</thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def render_html(pack: BoardPack) -> str:
    """The board pack as one self-contained, print-friendly HTML page (no scripts, no links)."""
    programme, today = pack.programme, pack.today
    meta = [f"Programme {h(programme.code)}"]
    if programme.organisation:
        meta.append(h(programme.organisation))
    if dates := _programme_dates(programme):
        meta.append(h(dates))
    meta.append(f"prepared {h(format_date(today))}")
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
        "<h2>Summary</h2>",
        '<dl class="summary">'
        + "".join(f"<dt>{h(label)}</dt><dd>{h(value)}</dd>" for label, value in summary_lines(pack.summary))
        + "</dl>",
    ]
    if pack.summary["risks"]["open"]:
        parts.append(_heatmap_html(pack.summary["risks"]["heatmap"]))
    parts += [
        "<h2>Outcomes</h2>",
        _html_pack("outcome", pack.outcomes, today),
        "<h2>Sign-off register</h2>",
        _html_pack("deliverable", pack.deliverables, today),
        "<h2>Open risks and issues</h2>",
        _html_pack("risk", pack.risks, today),
        "<h2>Open actions</h2>",
        _html_pack("action", pack.actions, today),
        "<h2>Assurance findings</h2>",
        _html_table(
            ["Severity", "Rule", "Finding"],
            ([(f.severity.upper(), f"sev-{f.severity}"), (f.rule, "nowrap"), (f.message, "")] for f in pack.findings),
        ),
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


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

    ``deliverables``, ``risks`` and ``actions`` use the records' field names, so
    ``assure import`` reads them back.
    """
    summary = pack.summary
    summary_rows: list[list[object]] = [
        ["programme", pack.programme.name], ["code", pack.programme.code],
        ["start_date", pack.programme.start_date], ["end_date", pack.programme.end_date],
        ["as_of", pack.programme.as_of], ["prepared", pack.today.isoformat()],
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
    from .bundle import document_value

    csv_kinds = {kind.section: kind for kind in KINDS.values() if kind.csv}
    tables: dict[str, tuple[tuple[str, ...], list[list[object]]]] = {
        "summary": (("figure", "value"), summary_rows),
        "outcomes": (
            ("number", "title", "status", "deliverables_done", "deliverables_total"),
            [[o.number, o.title, o.status, o.deliverables_done, o.deliverables_total] for o in pack.outcomes],
        ),
    }
    for name, kind in csv_kinds.items():
        # The document's own columns (a reference by the other record's key), so import reads them back.
        rows = [[document_value(kind, record, column) for column in kind.document] for record in getattr(pack, name)]
        tables[name] = (CSV_FIELDS[name], rows)
    tables["findings"] = (
        ("severity", "rule", "kind", "record_id", "message"),
        [[f.severity, f.rule, f.kind, f.record_id, f.message] for f in pack.findings],
    )
    return tables


def render_csv(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    """One CSV table as text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(list(header))
    for row in rows:
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
    if fmt == "json":
        return render_json(store, programme_id)
    pack = build(store, programme_id, today=today)
    if fmt == "md":
        return render_markdown(pack)
    if fmt == "html":
        return render_html(pack)
    raise ValueError(f"{fmt!r} is not a single-document format; use one of md, html, json")


def export(store, programme_id: int, fmt: str, out: str | os.PathLike, *, today: date | None = None) -> list[Path]:
    """Write the board pack; return the files written.

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
        text = render(store, programme_id, fmt, today=today)
        _write_text(path, text, mode=mode)
        return [path]
    if path.exists() and not path.is_dir():
        check_target(path, database=database)
        raise ExportError(f"{path}: is a file; CSV export writes one file per table into a folder")
    if not path.exists() and not path.parent.is_dir():
        raise ExportError(f"{path}: cannot create the folder: {path.parent} does not exist")
    pack = build(store, programme_id, today=today)
    files = {f"{name}.csv": render_csv(header, rows) for name, (header, rows) in csv_tables(pack).items()}
    for name in files:
        check_target(path / name, database=database)
    try:
        return replace_folder(path, files, mode=mode, ours=set(files))
    except UnsafeTarget as error:
        raise ExportError(str(error)) from None
    except OSError as error:
        raise ExportError(f"{path}: cannot write the CSV files: {error.strerror or error}; nothing was changed") from None
