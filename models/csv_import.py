"""Importing deliverables, risks or actions from a CSV file into a programme.

The header names the fields (``title,approved_by,status,date`` ...; the labels shown in
the dashboard, such as "Approved by", are accepted too); a deliverable's outcome is given
by its number. Every row is validated before anything is written, and a file with any bad
row is refused whole, listing each bad row by its line in the file (the header is line 1).
The rows that pass are written in one transaction, each with its history row.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .db import StoreError
from .kinds import KINDS

#: Import sections and the record kind each holds.
SECTIONS = {kind.section: kind.name for kind in KINDS.values() if kind.csv}
#: Fields a row must have, beyond which the input model's defaults apply.
REQUIRED = {section: KINDS[name].needed for section, name in SECTIONS.items()}
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

    def __init__(self, path: str | Path, problems: list[Problem]):
        self.path = path
        self.problems = problems
        lines = {problem.line for problem in problems}
        rows = len(lines - {1})
        what = []
        if 1 in lines:
            what.append("the header does not fit")
        if rows:
            what.append(f"{rows} bad row{'s' if rows != 1 else ''}")
        listed = [f"  {problem}" for problem in problems[:MAX_LISTED]]
        if len(problems) > MAX_LISTED:
            rest = len({problem.line for problem in problems[MAX_LISTED:]} - {problem.line for problem in problems[:MAX_LISTED]})
            listed.append(f"  ... and {rest} more row{'s' if rest != 1 else ''} with errors" if rest
                          else f"  ... and {len(problems) - MAX_LISTED} more problems in the rows above")
        super().__init__(f"{path}: {' and '.join(what)}, nothing was imported\n" + "\n".join(listed))


def fields_of(section: str) -> tuple[str, ...]:
    """The column names a section's CSV uses (the outcome by number, as ``outcome``)."""
    return tuple(column.name for column in KINDS[SECTIONS[section]].document)


def _column_names(section: str) -> dict[str, str]:
    """Every accepted spelling of a column (field name or label, any case) -> field name."""
    names = {}
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


def infer_section(header: list[str]) -> str | None:
    """The section whose fields the header names, or None when it is not clear."""
    folded = {_fold(name) for name in header if name.strip()}
    candidates = []
    for section in SECTIONS:
        names = _column_names(section)
        columns = {names.get(name) for name in folded}
        if None not in columns and set(REQUIRED[section]) <= columns:
            candidates.append(section)
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
    for field in REQUIRED[section]:
        if field not in seen:
            problems.append(Problem(1, field, "is a required column and is missing"))
    return columns, problems


def validate_rows(header: list[str], rows: list[tuple[int, list[str]]], section: str) -> tuple[list[tuple[int, dict]], list[Problem]]:
    """Validate every row against the record's input model.

    Returns:
        (line, cleaned values) for each good row and a problem for each bad field.
    """
    from .inputs import InvalidInput, ascii_digits, validate_record

    columns, problems = _map_header(header, section)
    if problems:
        return [], problems
    kind = SECTIONS[section]
    good = []
    for line, cells in rows:
        if len(cells) > len(columns) and any(cell.strip() for cell in cells[len(columns):]):
            problems.append(Problem(line, "row", f"has {len(cells)} cells but the header names {len(columns)}"))
            continue
        data: dict[str, Any] = {}
        for field, cell in zip(columns, cells):
            if field is not None and cell.strip():
                data[field] = cell
        outcome = data.pop("outcome", None)
        bad = False
        if outcome is not None:
            outcome = outcome.strip()
            if not ascii_digits(outcome):
                problems.append(Problem(line, "outcome", f"{outcome!r} is not an outcome number"))
                bad = True
            data["outcome_id"] = 0  # checked against the programme's outcomes when writing
        try:
            values = validate_record(kind, data)
        except InvalidInput as error:
            problems.extend(Problem(line, field, reason) for field, reason in error.errors.items())
            continue
        if bad:
            continue
        if outcome is not None:
            values["outcome_number"] = int(outcome)
        good.append((line, values))
    return good, problems


def import_csv(store, programme_id: int, path: str | Path, *, section: str | None = None) -> tuple[str, int]:
    """Validate a CSV file and append its rows to a programme, all or nothing.

    Args:
        section: ``deliverables``, ``risks`` or ``actions``; inferred from the header when None.

    Returns:
        (section, number of records written).

    Raises:
        ImportRefused: any bad row (nothing written), listing each by line.
        StoreError: the file cannot be read or the database refused (nothing written).
    """
    from .dates import utc_now_iso

    header, rows = read_rows(path)
    if section is None:
        section = infer_section(header)
        if section is None:
            raise StoreError(
                f"{path}: cannot tell from the header whether it holds deliverables, risks or actions; "
                "give --kind (the header must name the fields, e.g. "
                f"{','.join(fields_of('risks')[:4])},...)"
            )
    if section not in SECTIONS:
        raise StoreError(f"unknown kind {section!r}; use one of {', '.join(SECTIONS)}")
    good, problems = validate_rows(header, rows, section)
    if good:
        # Report references and repeated identifiers together with the field problems, so
        # one attempt lists everything; they are checked again inside the transaction.
        problems.extend(_check_against_store(store, programme_id, section, good))
        problems.sort(key=lambda problem: problem.line)
    if problems:
        raise ImportRefused(path, problems)
    if not good:
        raise StoreError(f"{path}: no rows to import")
    kind = KINDS[SECTIONS[section]]
    now = utc_now_iso()
    with store.transaction():
        # References and identifiers are checked inside the write transaction, against
        # what is stored now, so a colleague's change meanwhile cannot slip through.
        problems = _check_against_store(store, programme_id, section, good)
        if problems:
            raise ImportRefused(path, problems)
        for _, values in good:
            row = {key: value for key, value in values.items() if key != "outcome_number"}
            row.update(programme_id=programme_id, version=1, updated_at=now)
            try:
                record_id = store.insert_record(kind.name, row)
            except StoreError as error:  # refuse the whole file
                raise StoreError(f"{path}: {error}; nothing was imported") from None
            store.write_history(kind.name, programme_id, record_id, kind.describe(row), "create",
                                new=json.dumps(_jsonable(row)))
        name = store.get("programme", programme_id).name
        store.write_history("programme", programme_id, programme_id, name, "import",
                            new=f"imported {len(good)} {section} from {Path(path).name}")
    return section, len(good)


def _jsonable(row: dict) -> dict:
    return {key: (value.isoformat() if hasattr(value, "isoformat") else value) for key, value in row.items()}


def _check_against_store(store, programme_id: int, section: str, good: list[tuple[int, dict]]) -> list[Problem]:
    problems = []
    if section == "deliverables":
        outcomes = dict(store.column_rows("outcome", programme_id, "number", "id"))
        for line, values in good:
            number = values.get("outcome_number")
            if number is None:
                values["outcome_id"] = None
            elif number not in outcomes:
                known = ", ".join(str(n) for n in sorted(outcomes)) or "none"
                problems.append(Problem(line, "outcome", f"no outcome numbered {number} in this programme (outcomes: {known})"))
            else:
                values["outcome_id"] = outcomes[number]
    elif section == "risks":
        from .inputs import risk_ref_key

        seen = {risk_ref_key(ref): "is already used by a risk in this programme"
                for (ref,) in store.column_rows("risk", programme_id, "ref")}
        for line, values in good:
            key = risk_ref_key(values["ref"])
            if key in seen:
                problems.append(Problem(line, "ref", f"{values['ref']!r} {seen[key]}"))
            else:
                seen[key] = f"appears earlier in the file (line {line})"
    elif section == "actions":
        seen = {(kind, number): "is already used in this programme"
                for kind, number in store.column_rows("action", programme_id, "kind", "number")}
        for line, values in good:
            key = (values["kind"], values["number"])
            if key in seen:
                problems.append(Problem(line, "number", f"{values['kind']} {values['number']} {seen[key]}"))
            else:
                seen[key] = f"appears earlier in the file (line {line})"
    return problems
