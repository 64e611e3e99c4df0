"""Importing deliverables, risks, actions or lessons from a CSV file into a programme.

The header names the fields (``title,approved_by,status,date`` ...; the labels shown in
the dashboard, such as "Approved by", are accepted too); a deliverable's outcome is given
by its number. Every row is validated before anything is written, and a file with any bad
row is refused whole, listing each bad row by its line in the file (the header is line 1).
The rows that pass are written in one transaction, each change with its history row.

A CSV exported by Assure imports back as corrections: each row names its record by
``id`` (or, without one, by a risk's ref, an action's kind and number, a lesson's number,
a deliverable's outcome and title), and only the cells that differ from the database are
written. The ``version`` column says what the export saw: a cell a colleague changed
since then, and that the file changes too, is a conflict, reported and never written over.
Rows matching nothing are added; a row is never added twice.

Ids are only unique within one database, so the export names its database too (the
``database`` column, the last: every row carries it, so a row copied into another file
keeps it, and it stays out of the way of the columns a user edits). A file whose rows name
another database is refused whole; one without the column (an older export, a hand-made
file) imports as before.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import progress
from .db import StoreError
from .kinds import KINDS
from .text import display_text

#: Import sections and the record kind each holds.
SECTIONS = {kind.section: kind.name for kind in KINDS.values() if kind.csv}
#: Fields a row must have, beyond which the input model's defaults apply.
REQUIRED = {section: KINDS[name].needed for section, name in SECTIONS.items()}
#: Columns that say which record a row corrects, what the export saw, and which database
#: it came from; not fields.
KEY_COLUMNS = ("id", "version", "database")
#: The key columns holding a number.
_NUMBER_COLUMNS = ("id", "version")
MAX_BYTES = 50 * 1024 * 1024
#: How many problems a refusal lists; the rest are counted (a million bad rows must not
#: print a million lines).
MAX_LISTED = 20


@dataclass(frozen=True)
class Problem:
    """One reason a row was refused."""

    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.reason}"


class ImportRefused(StoreError):
    """The file was refused whole; ``problems`` lists each bad row's line, field and reason."""

    def __init__(self, path: str | Path, problems: list[Problem], *, summary: str | None = None,
                 advice: str | None = None):
        self.path = path
        self.problems = problems
        lines = {problem.line for problem in problems}
        rows = len(lines - {1})
        what = []
        if summary:
            what.append(summary)
        elif 1 in lines:
            what.append("the header does not fit")
        if rows and not summary:
            what.append(f"{rows} bad row{'s' if rows != 1 else ''}")
        listed = [f"  {problem}" for problem in problems[:MAX_LISTED]]
        if len(problems) > MAX_LISTED:
            rest = len({problem.line for problem in problems[MAX_LISTED:]} - {problem.line for problem in problems[:MAX_LISTED]})
            listed.append(f"  ... and {rest} more row{'s' if rest != 1 else ''} with errors" if rest
                          else f"  ... and {len(problems) - MAX_LISTED} more problems in the rows above")
        if advice:
            listed.append(advice)
        super().__init__(f"{path}: {' and '.join(what)}, nothing was imported\n" + "\n".join(listed))


def fields_of(section: str) -> tuple[str, ...]:
    """The column names a section's CSV uses (the outcome by number, as ``outcome``)."""
    return (*(column.name for column in KINDS[SECTIONS[section]].document), *KEY_COLUMNS)


def _column_names(section: str) -> dict[str, str]:
    """Every accepted spelling of a column (field name or label, any case) -> field name."""
    names = {column: column for column in KEY_COLUMNS}
    kind = KINDS[SECTIONS[section]]
    labels = {spec.name: spec.label for spec in kind.fields}
    for column in kind.document:
        for spelling in (column.name, column.field, labels.get(column.field, column.name)):
            names[_fold(spelling)] = column.name
    return names


def _fold(name: str) -> str:
    return "_".join(name.strip().strip(".").casefold().replace("-", " ").split())


def read_rows(path: str | Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Read a CSV file: its header and each non-blank row with the line it starts on.

    Raises:
        ImportRefused: the file cannot be read as UTF-8 CSV.
    """
    from .board_pack import csv_value

    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise StoreError(f"{path}: larger than {MAX_BYTES // (1024 * 1024)} MB; split it")
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise StoreError(f"{path}: not UTF-8 text (byte {error.start}); save it as 'CSV UTF-8'") from None
    except OSError as error:
        raise StoreError(f"{path}: cannot read: {error.strerror or error}") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    end = 0
    try:
        for cells in reader:
            start, end = end + 1, reader.line_num
            if not start % 5000:
                progress.report(f"Reading {path.name}", start)
            if header is None:
                if start != 1 or not any(cell.strip() for cell in cells):
                    raise StoreError(f"{path}: line 1 must be the header (the field names)")
                header = cells
                continue
            if not any(cell.strip() for cell in cells):
                continue
            rows.append((start, [csv_value(cell) for cell in cells]))
    except csv.Error as error:
        raise StoreError(f"{path}: not a readable CSV file (line {reader.line_num}: {error})") from None
    if header is None:
        raise StoreError(f"{path}: the file is empty")
    return header, rows


def infer_section(header: list[str], hint: str | None = None) -> str | None:
    """The section whose fields the header names, or None when it is not clear.

    Args:
        hint: the file's name without suffix: ``risks`` decides between sections that
            the header fits equally (``id,status`` fits every register).
    """
    folded = {_fold(name) for name in header if name.strip()}
    candidates = []
    for section in SECTIONS:
        names = _column_names(section)
        columns = {names.get(name) for name in folded}
        if None not in columns and ("id" in columns or set(REQUIRED[section]) <= columns):
            candidates.append(section)
    if len(candidates) > 1 and hint is not None and _fold(hint) in candidates:
        return _fold(hint)
    return candidates[0] if len(candidates) == 1 else None


def _map_header(header: list[str], section: str) -> tuple[list[str | None], list[Problem]]:
    names = _column_names(section)
    problems, columns, seen = [], [], set()
    for cell in header:
        field = names.get(_fold(cell))
        if not cell.strip():
            columns.append(None)
            continue
        if field is None:
            problems.append(Problem(1, cell.strip(), f"is not a field of {section}; use {', '.join(fields_of(section))}"))
        elif field in seen:
            problems.append(Problem(1, cell.strip(), "appears twice in the header"))
        else:
            seen.add(field)
        columns.append(field)
    if "id" not in seen:  # with ids a file may correct a few columns only
        for field in REQUIRED[section]:
            if field not in seen:
                problems.append(Problem(1, field, "is a required column and is missing"))
    return columns, problems


# -- reading rows --------------------------------------------------------------------------


@dataclass
class CsvRow:
    """One row of the file: its cells by field, and which record it names, if any."""

    line: int
    cells: dict[str, str]
    """Field -> the cell's text, for the non-blank cells (a deliverable's outcome as ``outcome``)."""
    record_id: int | None = None
    version: int | None = None
    database: str | None = None
    """The id of the database the row was exported from, when the file says."""


def parse_rows(header: list[str], rows: list[tuple[int, list[str]]], section: str
               ) -> tuple[list[str], list[CsvRow], list[Problem]]:
    """Map the header and split each row into cells by field, with its id and version.

    Returns:
        (the fields the header names, the rows, problems found so far).
    """
    from .inputs import ascii_digits

    columns, problems = _map_header(header, section)
    if problems:
        return [], [], problems
    present = [column for column in columns if column is not None and column not in KEY_COLUMNS]
    parsed = []
    for line, cells in rows:
        if len(cells) > len(columns) and any(cell.strip() for cell in cells[len(columns):]):
            problems.append(Problem(line, "row", f"has {len(cells)} cells but the header names {len(columns)}"))
            continue
        row = CsvRow(line, {})
        bad = False
        for column, cell in zip(columns, cells):
            if column is None or not cell.strip():
                continue
            if column == "database":
                row.database = cell.strip()
            elif column in _NUMBER_COLUMNS:
                text = cell.strip()
                if not ascii_digits(text) or len(text) > 12:
                    problems.append(Problem(line, column, f"{text!r} is not a record {column} (leave it as exported, "
                                                          "or empty for a new row)"))
                    bad = True
                else:
                    setattr(row, "record_id" if column == "id" else "version", int(text))
            else:
                row.cells[column] = cell
        if not bad:
            parsed.append(row)
    return present, parsed, problems


# -- matching rows to records ---------------------------------------------------------------


def _text(value: Any) -> str | None:
    """A value as the history stores it, for comparing a cell with the database."""
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _fold_title(title: str) -> str:
    return " ".join(title.casefold().split())


def natural_key(section: str, values: dict[str, Any]) -> Any:
    """What names a record when a row has no id: a risk's ref (case ignored), an action's
    kind and number, a lesson's number, a deliverable's outcome and title."""
    from .inputs import risk_ref_key

    if section == "risks":
        return risk_ref_key(values["ref"]) if values.get("ref") else None
    if section == "actions":
        return (values.get("kind"), values.get("number")) if values.get("number") is not None else None
    if section == "lessons":
        return values.get("number")
    return (values.get("outcome_id"), _fold_title(values["title"])) if values.get("title") else None


def _key_column(section: str) -> str:
    return {"risks": "ref", "actions": "number", "lessons": "number"}.get(section, "title")


def _key_text(section: str, values: dict[str, Any]) -> str:
    if section == "risks":
        return repr(values.get("ref"))
    if section == "actions":
        return f"{values.get('kind')} {values.get('number')}"
    if section == "lessons":
        return f"lesson {values.get('number')}"
    return repr(values.get("title"))


#: The fields of :func:`natural_key`.
_KEY_FIELDS = {"risks": ("ref",), "actions": ("kind", "number"), "lessons": ("number",),
               "deliverables": ("outcome_id", "title")}
#: Whether two records may share a natural key (deliverables may; the rules flag it).
_UNIQUE_KEY = {"deliverables": False, "risks": True, "actions": True, "lessons": True}


def _key_words(section: str, key: Any) -> str:
    if section == "risks":
        return f"ref {key!r}"
    if section == "actions":
        return f"{key[0]} {key[1]}"
    if section == "lessons":
        return f"number {key}"
    return "this outcome and title"


@dataclass
class Update:
    """The changes one row makes to one stored record."""

    line: int
    record_id: int
    label: str
    values: dict[str, Any]
    """Field -> the validated new value, for the cells that differ from the database."""
    expected: dict[str, Any]
    """Field -> the value stored when the import was planned (checked again when writing)."""


@dataclass
class Plan:
    """What importing a file would do: nothing is written until every row passes."""

    section: str
    creates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    conflicts: list[Problem] = field(default_factory=list)
    """Cells changed in the file and by a colleague since the export (never written)."""
    theirs: int = 0
    """Cells a colleague changed since the export that the file leaves as exported: kept."""


def _outcome_id(store, programme_id: int, cache: dict, line: int, text: str, problems: list[Problem]) -> Any:
    """A deliverable's outcome number -> the outcome's id (``False`` when refused)."""
    from .inputs import ascii_digits

    if "outcomes" not in cache:
        cache["outcomes"] = dict(store.column_rows("outcome", programme_id, "number", "id"))
    outcomes = cache["outcomes"]
    text = text.strip()
    if not ascii_digits(text):
        problems.append(Problem(line, "outcome", f"{text!r} is not an outcome number"))
        return False
    if int(text) not in outcomes:
        known = ", ".join(str(n) for n in sorted(outcomes)) or "none"
        problems.append(Problem(line, "outcome", f"no outcome numbered {int(text)} in this programme (outcomes: {known})"))
        return False
    return outcomes[int(text)]


def _key_values(store, programme_id: int, section: str, row: CsvRow, cache: dict) -> dict[str, Any] | None:
    """The row's natural-key fields, validated (None when one is missing or bad: the row's
    own validation then says why)."""
    from .inputs import INPUTS, InvalidInput, validate_field

    kind = SECTIONS[section]
    names = {"risks": ("ref",), "actions": ("kind", "number"), "lessons": ("number",),
             "deliverables": ("outcome", "title")}[section]
    values: dict[str, Any] = {}
    for name in names:
        cell = row.cells.get(name)
        if name == "outcome":
            if cell is None:
                values["outcome_id"] = None
            else:
                outcome = _outcome_id(store, programme_id, cache, row.line, cell, [])
                if outcome is False:
                    return None
                values["outcome_id"] = outcome
            continue
        if cell is None:
            default = INPUTS[kind].model_fields[name].default
            if default is None or not isinstance(default, (str, int)):
                return None
            values[name] = default
            continue
        try:
            values[name] = validate_field(kind, name, cell)
        except InvalidInput:
            return None
    return values


def _has_default(kind: str, name: str) -> bool:
    from .inputs import INPUTS

    return not INPUTS[kind].model_fields[name].is_required()


def _changed_since(history: list, versions: int) -> dict[str, tuple[str | None, Any]] | None:
    """The fields changed by the newest ``versions`` saves of a record: field -> (its
    value before them, the newest history row that changed it).

    Every save bumps the version once and writes its field rows together (one time, one
    user, one action), so the newest ``versions`` runs of such rows are the saves since
    the export. Two saves that cannot be told apart count as one,
    which only widens what counts as changed (more conflicts, never fewer). None when the
    history holds no saves (it cannot say: every differing cell conflicts).
    """
    since: dict[str, tuple[str | None, Any]] = {}
    runs, previous = 0, None
    for row in history:  # newest first
        if row.action not in ("update", "undo") or not row.field:
            continue
        if previous is None or (row.at, row.user, row.action) != (previous.at, previous.user, previous.action):
            runs += 1
            if runs > versions:
                return since
        newest = since.get(row.field, (None, row))[1]
        since[row.field] = (row.old_value, newest)
        previous = row
    # Fewer saves than versions: two could not be told apart, or the history starts here.
    # What was collected covers every save since the export (and perhaps more).
    return since if since else None


def _conflict(section: str, line: int, name: str, yours: Any, theirs: Any, seen: str | None, who) -> Problem:
    from .dates import format_local_time
    from .history_text import value_text

    kind = SECTIONS[section]
    column = "outcome" if name == "outcome_id" else name

    def shown(value: Any) -> str:
        text = value_text(kind, name, value) if value not in (None, "") else "(empty)"
        return repr(text if len(text) <= 40 else text[:39] + "…")

    by = f"{who.user} changed it to {shown(theirs)} ({format_local_time(who.at)})" if who is not None \
        else f"it is now {shown(theirs)}"
    was = f", it was {shown(seen)} when exported" if who is not None else ""
    return Problem(line, column, f"the file has {shown(yours)} but {by}{was}")


def _key_clashes(section: str, keyed: list, by_key: dict, claimed: dict) -> list[Problem]:
    """Rows that would leave two records with one ref or number (or add one record twice).

    A row that keeps its record's key holds it; a row that changes a key, or adds a
    record, may not take one that another record keeps, nor one an earlier row took.
    """
    label = KINDS[SECTIONS[section]].label.lower()
    untouched = {key: record.id for key, records in by_key.items() for record in records if record.id not in claimed}
    holders: dict[Any, int] = {}
    for _, key, record_id, kept, _ in keyed:
        if kept and key is not None:
            holders.setdefault(key, record_id)
    problems, first = [], {}
    for line, key, record_id, kept, values in keyed:
        if key is None or kept:
            continue
        if not _UNIQUE_KEY[section]:
            if record_id is None and key in first:  # the same new deliverable twice
                problems.append(Problem(line, _key_column(section), (
                    f"{_key_text(section, values)} appears earlier in the file (line {first[key]})")))
            first.setdefault(key, line)
            continue
        other = untouched.get(key, holders.get(key))
        if other is not None:
            problems.append(Problem(line, _key_column(section), (
                f"{_key_text(section, values)} is already used by another {label} (id {other})")))
        elif key in first:
            problems.append(Problem(line, _key_column(section), (
                f"{_key_text(section, values)} appears earlier in the file (line {first[key]})")))
        else:
            first[key] = line
    return problems


class OtherDatabase(StoreError):
    """The file was exported from another database: its ids name other records here."""


def _check_database(store, section: str, rows: list[CsvRow]) -> None:
    """Refuse a file whose rows came from another database (nothing is planned or written)."""
    here = store.database_id()
    for row in rows:
        if row.database and row.database != here:
            key = {"risks": "ref", "actions": "kind and number", "lessons": "number"}.get(section,
                                                                                         "outcome and title")
            raise OtherDatabase(
                f"line {row.line}: exported from another database ({display_text(row.database)[:30]}), not this one, "
                f"so its ids would correct other records; nothing was imported. To add its rows here, delete the id, "
                f"version and database columns (rows are then matched by {key}, or added)")


def plan_import(store, programme_id: int, section: str, header: list[str], rows: list[tuple[int, list[str]]]) -> Plan:
    """Work out, without writing, what each row of a file adds or corrects.

    Each row is matched to a stored record of the programme by its id (an id of another
    programme's record, or of a deleted one, is a problem), else by its natural key (see
    :func:`natural_key`); a row matching nothing is new. A new row is validated whole; a
    matching row only in the columns the file has, and only the cells that differ from the
    database are kept. With a ``version``, a cell a colleague changed since the export is
    kept as the colleague left it when the file has the exported value, and is a conflict
    when the file changes it too (``Plan.conflicts``; the rest of the row is planned).
    """
    from .inputs import InvalidInput, validate_field, validate_record

    kind = KINDS[SECTIONS[section]]
    plan = Plan(section)
    present, parsed, plan.problems = parse_rows(header, rows, section)
    if not parsed:
        return plan
    _check_database(store, section, parsed)
    stored = {record.id: record for record in store.list(kind.name, programme_id)}
    by_key: dict[Any, list] = {}
    key_fields = _KEY_FIELDS[section]
    for record in stored.values():
        values = {name: getattr(record, name) for name in key_fields}
        by_key.setdefault(natural_key(section, values), []).append(record)
    foreign = store.programmes_of(kind.name, {row.record_id for row in parsed
                                              if row.record_id is not None and row.record_id not in stored})
    cache: dict = {}
    claimed: dict[int, int] = {}  # stored record id -> the line that corrects it
    keyed: list[tuple[int, Any, int | None, bool, dict]] = []  # line, key, record id, key kept, values
    matched: list[tuple[CsvRow, Any]] = []
    for row in progress.steps("Matching rows", parsed):
        record = None
        if row.record_id is not None:
            record = stored.get(row.record_id)
            if record is None:
                where = foreign.get(row.record_id)
                plan.problems.append(Problem(row.line, "id", (
                    f"{row.record_id} is a {kind.label.lower()} of another programme, not this one: to copy the row "
                    "here, empty its id" if where is not None else
                    f"no {kind.label.lower()} has id {row.record_id} any more (deleted since the export?): "
                    "empty the id to add the row again")))
                continue
        else:
            key_values = _key_values(store, programme_id, section, row, cache)
            key = natural_key(section, key_values) if key_values is not None else None
            candidates = by_key.get(key, []) if key is not None else []
            if len(candidates) > 1:
                ids = ", ".join(f"#{candidate.id}" for candidate in candidates[:5])
                plan.problems.append(Problem(row.line, "id", (
                    f"matches {len(candidates)} {kind.label.lower()}s with {_key_words(section, key)} ({ids}): "
                    "give the id column (export again) to say which")))
                continue
            record = candidates[0] if candidates else None
        if record is not None:
            if record.id in claimed:
                plan.problems.append(Problem(row.line, "id", (
                    f"corrects the same {kind.label.lower()} as line {claimed[record.id]} (id {record.id})")))
                continue
            claimed[record.id] = row.line
        matched.append((row, record))

    # Saves since the export, for the records whose version moved on.
    moved = [record.id for row, record in matched if record is not None and row.version is not None
             and record.version != row.version]
    histories = store.record_history(kind.name, moved) if moved else {}

    for row, record in progress.steps("Checking rows", matched):
        problems: list[Problem] = []
        if record is None:
            data = {name: cell for name, cell in row.cells.items() if name != "outcome"}
            outcome = None
            if "outcome" in row.cells:
                outcome = _outcome_id(store, programme_id, cache, row.line, row.cells["outcome"], problems)
                data["outcome_id"] = 0  # placeholder: the number was checked above
            try:
                values = validate_record(kind.name, data)
            except InvalidInput as error:
                problems.extend(Problem(row.line, name, reason) for name, reason in error.errors.items())
                values = None
            if values is not None and "outcome_id" in values:
                values["outcome_id"] = outcome if "outcome" in row.cells else None
            if problems or values is None:
                plan.problems.extend(problems)
                continue
            keyed.append((row.line, natural_key(section, values), None, False, values))
            plan.creates.append((row.line, values))
            continue

        # A correction: validate the columns the file has; keep the cells that differ.
        current = record._asdict()
        changes: dict[str, Any] = {}
        # One validation of the whole row (a row of every column, as exported, is the common
        # case); cell by cell only when that fails, to name each bad cell.
        data = {name: cell for name, cell in row.cells.items() if name != "outcome"}
        if kind.name == "deliverable":
            data["outcome_id"] = 0  # the number is looked up below
        try:
            whole = validate_record(kind.name, data)
        except InvalidInput:
            whole = None
        for column in present:
            name = "outcome_id" if column == "outcome" else column
            cell = row.cells.get(column)
            if cell is None:
                if kind.field(name).required:
                    if _has_default(kind.name, name):
                        continue  # as for a new row: no value given, so the stored one stays
                    problems.append(Problem(row.line, column, "is required (the cell is empty)"))
                    continue
                value = None
            elif name == "outcome_id":
                value = _outcome_id(store, programme_id, cache, row.line, cell, problems)
                if value is False:
                    continue
            elif whole is not None:
                value = whole[name]
            else:
                try:
                    value = validate_field(kind.name, name, cell)
                except InvalidInput as error:
                    problems.extend(Problem(row.line, column, reason) for reason in error.errors.values())
                    continue
            if _text(value) != _text(current[name]):
                changes[name] = value
        if row.record_id is None:  # matched by these cells: a different case or spacing is not a correction
            for name in _KEY_FIELDS[section]:
                changes.pop(name, None)
        if row.version is not None and row.version > record.version:
            problems.append(Problem(row.line, "version", (
                f"{row.version} is newer than the database's ({record.version}): was the row exported from "
                "another database, or the cell edited?")))
        if problems:
            plan.problems.extend(problems)
            continue
        if changes and row.version is not None and record.version != row.version:
            since = _changed_since(histories.get(record.id, []), record.version - row.version)
            for name in list(changes):
                if since is not None and name not in since:
                    continue  # only the file changed this cell since the export
                seen, who = since[name] if since is not None else (None, None)
                yours = changes.pop(name)
                if since is not None and _text(yours) == seen:
                    plan.theirs += 1  # the file has what the export saw: the colleague's value stands
                    continue
                conflict = _conflict(section, row.line, name, yours, current[name], seen, who)
                plan.conflicts.append(conflict)
        if _UNIQUE_KEY[section]:  # a deliverable's outcome and title may repeat: nothing to check
            new_values = {**current, **changes}
            key = natural_key(section, new_values)
            keyed.append((row.line, key, record.id, key == natural_key(section, current), new_values))
        if changes:
            plan.updates.append(Update(row.line, record.id, kind.describe(current), changes,
                                       {name: current[name] for name in changes}))
        else:
            plan.unchanged += 1
    plan.problems.extend(_key_clashes(section, keyed, by_key, claimed))
    plan.problems.sort(key=lambda problem: problem.line)
    plan.conflicts.sort(key=lambda problem: problem.line)
    return plan


# -- writing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    section: str
    added: int
    updated: int
    """Records corrected."""
    fields: int
    """Cells written to those records."""
    unchanged: int
    """Rows that already matched the database (nothing written for them)."""
    theirs: int = 0
    """Cells left as a colleague changed them since the export (the file had the old value)."""
    conflicts: tuple[Problem, ...] = ()
    """With ``keep_theirs``: cells the file and a colleague both changed, not written."""

    @property
    def count(self) -> int:
        return self.added + self.updated


def import_csv(store, programme_id: int, path: str | Path, *, section: str | None = None,
               keep_theirs: bool = False) -> ImportResult:
    """Validate a CSV file and apply it to a programme, all or nothing.

    Rows naming a stored record (see :func:`plan_import`) correct it, with a history row
    per changed cell; the others are added. Rows that match the database write nothing.

    Args:
        section: ``deliverables``, ``risks``, ``actions`` or ``lessons``; inferred from the
            header (and the file's name) when None.
        keep_theirs: import the rest of a file whose cells conflict with colleagues'
            changes since the export, keeping their values for those cells.

    Raises:
        ImportRefused: any bad row or conflict (nothing written), listing each by line.
        StoreError: the file cannot be read or the database refused (nothing written).
    """
    from .store import Conflict, RecordGone

    path = Path(path)
    header, rows = read_rows(path)
    if section is None:
        section = infer_section(header, hint=path.stem)
        if section is None:
            raise StoreError(
                f"{path}: cannot tell from the header whether it holds deliverables, risks, actions or lessons; "
                "give --kind (the header must name the fields, e.g. "
                f"{','.join(fields_of('risks')[:4])},...)"
            )
    if section not in SECTIONS:
        raise StoreError(f"unknown kind {section!r}; use one of {', '.join(SECTIONS)}")
    try:
        plan = plan_import(store, programme_id, section, header, rows)
    except OtherDatabase as error:
        raise OtherDatabase(f"{path}: {error}") from None
    if plan.problems:
        raise ImportRefused(path, sorted(plan.problems + plan.conflicts, key=lambda problem: problem.line))
    if plan.conflicts and not keep_theirs:
        count = len(plan.conflicts)
        raise ImportRefused(
            path, plan.conflicts,
            summary=f"{count} cell{'s' if count != 1 else ''} changed by someone else since the export",
            advice="  export again and redo these cells, or give --keep-theirs to import the rest"
                   " and keep their values",
        )
    if not rows:
        raise StoreError(f"{path}: no rows to import")
    kind = KINDS[SECTIONS[section]]
    result = ImportResult(section, len(plan.creates), len(plan.updates),
                          sum(len(update.values) for update in plan.updates), plan.unchanged, plan.theirs,
                          tuple(plan.conflicts))
    if not plan.creates and not plan.updates:
        return result  # nothing differs: nothing written, no history
    with store.transaction():
        # Checked again inside the write transaction, against what is stored now, so a
        # colleague's change meanwhile cannot slip through.
        if plan.creates:
            clashes = _clashes_now(store, programme_id, section, plan)
            if clashes:
                raise ImportRefused(path, clashes)
        for update in progress.steps("Writing corrections", plan.updates):
            try:
                store.update_record(kind.name, programme_id, update.record_id, update.values, expected=update.expected)
            except Conflict as error:
                raise ImportRefused(path, [Problem(update.line, ", ".join(error.fields), (
                    "changed by someone else while importing; import the file again"))]) from None
            except RecordGone:
                raise ImportRefused(path, [Problem(update.line, "id", (
                    "deleted by someone else while importing; import the file again"))]) from None
            except StoreError as error:
                raise StoreError(f"{path}: line {update.line}: {error}; nothing was imported") from None
        for line, values in progress.steps("Adding rows", plan.creates):
            row = {**values, "programme_id": programme_id, "version": 1, "updated_at": store.now}
            try:
                record_id = store.insert_record(kind.name, row)
            except StoreError as error:  # refuse the whole file
                raise StoreError(f"{path}: line {line}: {error}; nothing was imported") from None
            store.write_history(kind.name, programme_id, record_id, kind.describe(row), "create",
                                new=json.dumps(_jsonable(row)))
        name = store.get("programme", programme_id).name
        done = []
        if plan.creates:
            done.append(f"added {len(plan.creates)}")
        if plan.updates:
            done.append(f"corrected {len(plan.updates)}")
        store.write_history("programme", programme_id, programme_id, name, "import",
                            new=f"imported {section} from {path.name}: {', '.join(done)}"
                            if plan.updates else f"imported {len(plan.creates)} {section} from {path.name}")
    return result


def _jsonable(row: dict) -> dict:
    return {key: (value.isoformat() if hasattr(value, "isoformat") else value) for key, value in row.items()}


def _clashes_now(store, programme_id: int, section: str, plan: Plan) -> list[Problem]:
    """New rows whose ref or number a colleague took meanwhile (inside the transaction)."""
    if not _UNIQUE_KEY[section]:
        return []
    kind = KINDS[SECTIONS[section]]
    names = {"risks": ("ref",), "actions": ("kind", "number"), "lessons": ("number",)}[section]
    corrected = {update.record_id for update in plan.updates}
    taken = {natural_key(section, dict(zip(names, values))) for record_id, *values
             in store.column_rows(kind.name, programme_id, "id", *names) if record_id not in corrected}
    return [Problem(line, _key_column(section), f"{_key_text(section, values)} was added by someone else while "
                                                "importing; import the file again")
            for line, values in plan.creates if natural_key(section, values) in taken]
