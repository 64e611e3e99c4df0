"""A whole programme as one plain document: the seed files, JSON export and import.

The shape is the TOML seed format (see ``seed/lcc_btls.toml``): people and outcomes are
referred to by name and number, never by database id, so a document moves between
databases. Loading validates every row first and writes all or nothing.

The answers given to the judgement travel with it: verdict overrides (by outcome number,
none for the programme's own) and acknowledgements, each naming its finding's record by its
row in the document (``about = {section = "risks", row = 2}``). A store's record versions
restart at 1 when a document is loaded, so an acknowledgement says whether it still answers
the record as the document has it (the default) rather than a version number that would
mean another state after the load: ``record_changed_since = true`` for one the record has
outgrown (it stays outgrown), ``any_version = true`` for one that holds whatever the version
(a finding made without one).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from .dates import utc_now_iso
from .db import StoreError
from .inputs import InvalidInput, risk_ref_key, validate_record
from .kinds import KINDS, Kind
from .specs import DocColumn, Reference
from .store import Store
from .text import clean_text, display_text, json_dumps

#: Section -> the record type listed there, in document order (nested types, such as an
#: outcome's progress items, are listed inside their parent instead).
SECTION_KINDS: dict[str, Kind] = {kind.section: kind for kind in KINDS.values() if kind.section and not kind.nested}
#: The handover register is a section of its own: each item names what it carries on by
#: its row in the document (``carries``), never by a database id.
SECTIONS = (*SECTION_KINDS, "handover", "acknowledgements")
#: Sections written only when they have rows, so a document without them (every seed file,
#: an export of an older release) stays as it was.
OPTIONAL_SECTIONS = frozenset({"verdict_overrides", "handover", "acknowledgements"})
#: The sections a handover item may carry on, and the record kind of each.
_CARRIED = {"deliverables": "deliverable", "risks": "risk", "actions": "action"}
#: Parent type -> the types listed inside each of its records.
_NESTED: dict[str, list[Kind]] = {}
for _kind in KINDS.values():
    if _kind.nested:
        _NESTED.setdefault(_kind.reference(_kind.nested[0]).target, []).append(_kind)

#: How a message names one row of each section: its noun, and the fields that identify it.
_ROW_NAMES: dict[str, tuple[str, tuple[str, ...]]] = {
    "people": ("person", ("name",)),
    "raci": ("RACI row", ()),
    "outcomes": ("outcome", ("title",)),
    "deliverables": ("deliverable", ("title",)),
    "risks": ("risk", ("ref", "description")),
    "actions": ("action", ("description",)),
    "lessons": ("lesson", ("description",)),
    "handover": ("handover item", ("item",)),
    "verdict_overrides": ("verdict override", ("rating",)),
    "acknowledgements": ("acknowledgement", ("rule",)),
}
#: The sections an acknowledgement may name a record in, and the record kind of each
#: (``programme``: the programme itself, no row).
_ABOUT = {**{section: kind.name for section, kind in SECTION_KINDS.items()}, "handover": "handover",
          "programme": "programme"}

#: Longest quoted title in a message about a row; longer ones end in an ellipsis.
_LABEL_WIDTH = 40


def row_name(section: str, index: int, row: object = None) -> str:
    """Name a row of a document for a message, as the user knows it.

    Args:
        section: the document's section (``"deliverables"``).
        index: the row's number in that section, from 1.
        row: the row as read (or cleaned); its identifying fields are quoted, made
            terminal-safe and clipped.

    Returns:
        e.g. ``deliverable 2 ("Key staff gaps filled")``, or ``deliverable 2`` when the
        row has no usable title.
    """
    noun, fields = _ROW_NAMES.get(section) or (SECTION_KINDS[section].noun, ())
    parts = []
    if isinstance(row, dict):
        for field in fields:
            value = row.get(field)
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                text = " ".join(display_text(value).split())
                if text:
                    parts.append(text)
    label = ": ".join(parts)
    if len(label) > _LABEL_WIDTH:
        label = label[: _LABEL_WIDTH - 1].rstrip() + "…"
    return f'{noun} {index} ("{label}")' if label else f"{noun} {index}"


class InvalidBundle(StoreError):
    """A document with bad rows; ``problems`` lists (where, field, reason) for each."""

    def __init__(self, problems: list[tuple[str, str, str]]):
        self.problems = problems
        from .csv_import import MAX_LISTED

        lines = [f"{where}: {field}: {reason}" for where, field, reason in problems[:MAX_LISTED]]
        if len(problems) > MAX_LISTED:
            lines.append(f"... and {len(problems) - MAX_LISTED} more problems")
        super().__init__(f"{len(problems)} problem(s), nothing was written:\n" + "\n".join(lines))


def _validate(kind: str, data: dict[str, Any], where: str, problems: list) -> dict[str, Any] | None:
    try:
        return validate_record(kind, data)
    except InvalidInput as error:
        for field, reason in error.errors.items():
            problems.append((where, field, reason))
        return None


def validate_bundle(document: dict[str, Any]) -> dict[str, Any]:
    """Validate every row of a programme document; return it cleaned.

    Raises:
        InvalidBundle: listing every bad row, so the user can fix them all at once.
    """
    problems: list[tuple[str, str, str]] = []
    if not isinstance(document, dict) or not isinstance(document.get("programme"), dict):
        raise InvalidBundle([("document", "programme", "missing the [programme] table")])
    unknown = set(document) - {"programme", *SECTIONS, "format", "exported_at"}
    for name in sorted(unknown):
        problems.append(("document", name, "is not a known section"))
    clean: dict[str, Any] = {"programme": _validate("programme", document["programme"], "programme", problems)}
    for section in SECTIONS:
        rows = document.get(section, [])
        if not isinstance(rows, list):
            problems.append((section, section, "must be a list of rows"))
            rows = []
        clean[section] = []
        for index, raw in enumerate(rows, start=1):
            where = row_name(section, index, raw)
            if not isinstance(raw, dict):
                problems.append((where, "row", "must be a table of fields"))
                continue
            clean[section].append(_validate_row(section, dict(raw), where, problems))
    _check_cross_references(clean, problems)
    if problems:
        raise InvalidBundle(problems)
    return clean


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _reference_value(ref: Reference, value: Any, where: str, problems: list) -> tuple[bool, Any]:
    """Check a document's reference (the other record's key); return (ok, the key cleaned)."""
    target = KINDS[ref.target]
    name = ref.document_name
    if target.key == "number":
        if value is None and not ref.required:
            return True, None
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append((where, name, f"{value!r} is not {_article(target.noun)} {target.noun} number"))
            return False, None
        return True, value
    if isinstance(value, str):
        value = clean_text(value).strip()  # cleaned as the names it must match were
    if value is None and not ref.required:
        return True, None
    if not isinstance(value, str) or not value:
        problems.append((where, name, f"is required: the {target.key} of {_article(target.noun)} {target.noun}"
                                      f" listed under {target.section}"))
        return False, None
    return True, value


def _validate_row(section: str, raw: dict[str, Any], where: str, problems: list) -> dict[str, Any] | None:
    """Validate one row of a section: references by key, nested lists item by item."""
    if section == "handover":
        return _validate_handover(raw, where, problems)
    if section == "acknowledgements":
        return _validate_acknowledgement(raw, where, problems)
    kind = SECTION_KINDS[section]
    refs = {ref.document_name: (ref, raw.pop(ref.document_name, None)) for ref in kind.references}
    lists = {child: raw.pop(child.nested[1], []) for child in _NESTED.get(kind.name, [])}
    # A required reference is resolved when writing: validate the rest with a stand-in id.
    placeholders = {ref.field: 0 for ref, _ in refs.values() if ref.required}
    row = _validate(kind.name, {**raw, **placeholders}, where, problems)
    keys = {}
    for name, (ref, value) in refs.items():
        ok, keys[name] = _reference_value(ref, value, where, problems)
        if not ok:
            row = None
    nested = {}
    for child, items in lists.items():
        parent_field, list_name, order_field = child.nested
        nested[list_name] = []
        if not isinstance(items, list):
            problems.append((where, list_name, f"must be a list of {child.noun}s"))
            continue
        for index, item in enumerate(items, start=1):
            item_where = f"{where}, {child.noun} {index}"
            if not isinstance(item, dict):
                fields = " and ".join(column.name for column in child.document)
                problems.append((item_where, "item", f"must be a table with {fields}"))
                continue
            nested[list_name].append(
                _validate(child.name, {**item, parent_field: 0, order_field: index}, item_where, problems))
    return row and {**row, **keys, **nested}


def _validate_handover(raw: dict[str, Any], where: str, problems: list) -> dict[str, Any] | None:
    """A handover item names what it carries on by its place in this document
    (``carries = {section = "deliverables", row = 3}``), never by a database id."""
    carries = raw.pop("carries", None)
    for name in ("source_kind", "source_id"):
        if name in raw:
            problems.append((where, name, "is not a field of a document's handover item (use carries)"))
            raw.pop(name)
    row = _validate("handover", raw, where, problems)
    if carries is None:
        return row and {**row, "carries": None}
    section, number = (carries.get("section"), carries.get("row")) if isinstance(carries, dict) else (None, None)
    if section not in _CARRIED or isinstance(number, bool) or not isinstance(number, int) or number < 1:
        problems.append((where, "carries", "must name a section (deliverables, risks or actions) and a row number"))
        return None
    return row and {**row, "carries": (section, number)}


def _validate_acknowledgement(raw: dict[str, Any], where: str, problems: list) -> dict[str, Any] | None:
    """An acknowledgement names its record by its place in this document (``about``), never
    by a database id, and says whether it still answers the record as the document has it."""
    about = raw.pop("about", None)
    flags = {name: raw.pop(name, False) for name in ("record_changed_since", "any_version")}
    for name in ("record_id", "record_version"):
        if name in raw:
            problems.append((where, name, "is not a field of a document's acknowledgement (use about)"))
            raw.pop(name)
    for name, value in flags.items():
        if not isinstance(value, bool):
            problems.append((where, name, "must be true or false"))
            return None
    place = None
    if about is not None:
        section, number = (about.get("section"), about.get("row", None)) if isinstance(about, dict) else (None, None)
        needs_row = section != "programme"
        if (section not in _ABOUT or (needs_row and (isinstance(number, bool) or not isinstance(number, int)
                                                    or number < 1)) or (not needs_row and number is not None)):
            problems.append((where, "about", "must name a section and a row number (the programme: no row)"))
            return None
        if "kind" not in raw:
            raw["kind"] = _ABOUT[section]
        elif raw["kind"] != _ABOUT[section]:
            problems.append((where, "kind", f"{display_text(raw['kind'])[:30]!r} is not what {section} holds"))
            return None
        place = (section, number)
    elif isinstance(raw.get("kind"), str) and raw["kind"] not in _ABOUT.values():
        problems.append((where, "kind", f"{display_text(raw['kind'])[:30]!r} is not a kind of record"
                                        f" ({', '.join(sorted(set(_ABOUT.values())))})"))
        return None
    row = _validate("acknowledgement", {**raw, "record_id": None, "record_version": None}, where, problems)
    return row and {**row, "about": place, **flags}


def _check_cross_references(clean: dict[str, Any], problems: list) -> None:
    numbers = [row["number"] for row in clean["outcomes"] if row]
    for number in sorted({n for n in numbers if numbers.count(n) > 1}):
        problems.append(("outcomes", "number", f"outcome {number} appears more than once"))
    for section, kind in SECTION_KINDS.items():
        for ref in kind.references:
            target = KINDS[ref.target]
            known = {row[target.key] for row in clean[target.section] if row}
            name = ref.document_name
            for index, row in enumerate(clean[section], start=1):
                if not row or row[name] is None or row[name] in known:
                    continue
                reason = (f"no {target.noun} numbered {row[name]!r}" if target.key == "number"
                          else f"{row[name]!r} is not listed under {target.section}")
                problems.append((row_name(section, index, row), name, reason))
    refs: dict[str, int] = {}
    for index, row in enumerate(clean["risks"], start=1):
        if row:
            key = risk_ref_key(row["ref"])
            if key in refs:
                problems.append((row_name("risks", index, row), "ref",
                                 f"{row['ref']!r} is already used by {row_name('risks', refs[key])}"))
            else:
                refs[key] = index
    scopes: dict[Any, int] = {}
    for index, row in enumerate(clean["verdict_overrides"], start=1):
        if row:
            scope = row["outcome"]
            if scope in scopes:
                whose = "the programme's verdict" if scope is None else f"outcome {scope}'s verdict"
                problems.append((row_name("verdict_overrides", index, row), "outcome",
                                 f"{whose} is already overridden by {row_name('verdict_overrides', scopes[scope])}"))
            else:
                scopes[scope] = index
    for index, row in enumerate(clean["acknowledgements"], start=1):
        if row and row["about"] is not None and row["about"][1] is not None:
            section, number = row["about"]
            if number > len(clean[section]):
                problems.append((row_name("acknowledgements", index, row), "about",
                                 f"{section} has no row {number} (it has {len(clean[section])})"))
    for index, row in enumerate(clean["handover"], start=1):
        if row and row["carries"] is not None:
            section, number = row["carries"]
            if number > len(clean[section]):
                problems.append((row_name("handover", index, row), "carries",
                                 f"{section} has no row {number} (it has {len(clean[section])})"))
    seen = set()
    for index, row in enumerate(clean["people"], start=1):
        if row and row["name"] in seen:
            problems.append((row_name("people", index, row), "name", f"{row['name']!r} is listed twice"))
        if row:
            seen.add(row["name"])


def load_programme(store: Store, document: dict[str, Any], *, replace: bool = False, note: str = "loaded") -> int:
    """Validate a programme document and write it in one transaction; return its id.

    Args:
        replace: an existing programme with the same code is replaced (in the same
            transaction); otherwise it is refused.

    Raises:
        InvalidBundle: bad rows (nothing written).
        StoreError: the programme exists and ``replace`` is not set, or the database refused.
    """
    clean = validate_bundle(document)
    programme = clean["programme"]
    as_of = programme.get("as_of")
    stamp = (
        datetime(as_of.year, as_of.month, as_of.day, tzinfo=timezone.utc).isoformat()
        if as_of else utc_now_iso()
    )
    with store.transaction():
        existing = store.programme_id_by_code(programme["code"])
        if existing is not None and not replace:
            raise StoreError(f"programme {programme['code']!r} already exists; use --force to replace it")
        insert = _inserter(store, stamp)
        if existing is not None:
            # Keep the programme's id: its history and the "last used" preference stay attached.
            programme_id = existing
            store.delete_programme_records(programme_id, keep_programme=True)
            store.overwrite_record("programme", programme_id, programme, updated_at=stamp)
        else:
            programme_id = insert("programme", programme)
        ids: dict[str, dict[Any, int]] = {}  # record type -> its key -> the new id
        rows_of: dict[str, list[int]] = {}  # section -> the new ids in document order (handover's carries)
        for section, kind in SECTION_KINDS.items():  # in document order: referred to before referring
            for row in clean[section]:
                nested = {child: row.pop(child.nested[1]) for child in _NESTED.get(kind.name, [])}
                for ref in kind.references:
                    key = row.pop(ref.document_name)
                    row[ref.field] = None if key is None else ids[ref.target][key]
                record_id = insert(kind.name, row, programme_id)
                rows_of.setdefault(section, []).append(record_id)
                if kind.key is not None:
                    ids.setdefault(kind.name, {})[row[kind.key]] = record_id
                for child, items in nested.items():
                    for item in items:
                        insert(child.name, {**item, child.nested[0]: record_id}, programme_id)
        for row in clean["handover"]:
            carries = row.pop("carries")
            if carries is not None:
                section, number = carries
                row = {**row, "source_kind": _CARRIED[section], "source_id": rows_of[section][number - 1]}
            rows_of.setdefault("handover", []).append(insert("handover", row, programme_id))
        for row in clean["acknowledgements"]:
            insert("acknowledgement", _placed_acknowledgement(store, row, programme_id, rows_of), programme_id)
        counts = ", ".join(f"{len(clean[section])} {section}" for section in SECTIONS
                           if section not in OPTIONAL_SECTIONS or clean[section])  # seeds have none: said as before
        store.write_history("programme", programme_id, programme_id, programme["name"],
                            "replace" if existing is not None else "load", new=clean_text(f"{note}: {counts}"))
    return programme_id


def _placed_acknowledgement(store: Store, row: dict[str, Any], programme_id: int,
                            rows_of: dict[str, list[int]]) -> dict[str, Any]:
    """An acknowledgement row as stored: its record's new id, and the version it holds at."""
    about, changed, any_version = row.pop("about"), row.pop("record_changed_since"), row.pop("any_version")
    if about is None:  # a finding about something missing (no RACI): no record
        return row
    section, number = about
    record_id = programme_id if section == "programme" else rows_of[section][number - 1]
    if any_version:
        version = None
    elif changed:
        version = 0  # no record is ever at version 0: it stays outgrown, as it was
    else:
        version = store.get(row["kind"], record_id).version
    return {**row, "record_id": record_id, "record_version": version}


def _inserter(store: Store, stamp: str):
    def insert(table: str, row: dict[str, Any], programme_id: int | None = None) -> int:
        values = {**row, "version": 1, "updated_at": stamp}
        if programme_id is not None:
            values["programme_id"] = programme_id
        return store.insert_record(table, values)

    return insert


def _document_row(kind: Kind, record: Any) -> dict[str, Any]:
    """A record as a document row: its document columns that have a value, a reference as
    the other record's key (the outcome's number, the person's name)."""
    row = {}
    for column in kind.document:
        value = document_value(kind, record, column)
        if value is not None:
            row[column.name] = value
    return row


def document_value(kind: Kind, record: Any, column: DocColumn) -> Any:
    """One document column's value for a record (a reference: the other record's key)."""
    if column.refers is not None:
        return getattr(record, kind.reference(column.field).read)
    return getattr(record, column.field)


def _grouped(records: list, child: Kind) -> dict[int, list]:
    groups: dict[int, list] = {}
    for record in records:
        groups.setdefault(getattr(record, child.nested[0]), []).append(record)
    return groups


def dump_programme(store: Store, programme_id: int) -> dict[str, Any]:
    """The whole programme as a document that :func:`load_programme` reads back."""
    programme = store.get("programme", programme_id)
    if programme is None:
        raise StoreError(f"no programme with id {programme_id}")

    document: dict[str, Any] = {"programme": _document_row(KINDS["programme"], programme)}
    #: (kind, id) -> (section, row number or None, the record's version): where an
    #: acknowledgement's record is in this document.
    places: dict[tuple[str, int], tuple[str, int | None, int]] = {
        ("programme", programme.id): ("programme", None, programme.version)}
    for section, kind in SECTION_KINDS.items():
        children = {child: _grouped(store.list(child.name, programme_id), child) for child in _NESTED.get(kind.name, [])}
        records = store.list(kind.name, programme_id)
        document[section] = [
            {**_document_row(kind, record),
             **{child.nested[1]: [_document_row(child, item) for item in groups.get(record.id, [])]
                for child, groups in children.items()}}
            for record in records
        ]
        places.update(((kind.name, record.id), (section, number, record.version))
                      for number, record in enumerate(records, start=1))
    handover = _dump_handover(store, programme_id, document, places)
    document["handover"] = handover
    document["acknowledgements"] = _dump_acknowledgements(store, programme_id, places)
    for section in OPTIONAL_SECTIONS:  # a document without them (every seed file) stays as it was
        if not document[section]:
            del document[section]
    return document


def _dump_acknowledgements(store: Store, programme_id: int, places: dict) -> list[dict[str, Any]]:
    """The acknowledgements, each naming its record by its row in the document.

    One whose record has been deleted since answers nothing and never can again (ids are
    never reused): it is left out, as the record is.
    """
    rows = []
    for ack in store.acknowledgements(programme_id):
        row: dict[str, Any] = {"rule": ack.rule, "kind": ack.kind}
        if ack.record_id is not None:
            place = places.get((ack.kind, ack.record_id))
            if place is None:
                continue
            section, number, version = place
            row["about"] = {"section": section} if number is None else {"section": section, "row": number}
            if ack.record_version is None:
                row["any_version"] = True
            elif ack.record_version != version:
                row["record_changed_since"] = True
        row.update({name: getattr(ack, name) for name in ("reason", "until", "actor", "at")
                    if getattr(ack, name) is not None})
        rows.append(row)
    return rows


def _dump_handover(store: Store, programme_id: int, document: dict[str, Any], where: dict) -> list[dict[str, Any]]:
    """The handover register, each item naming what it carries on by its row in ``document``
    (added to ``where``, so an acknowledgement can name a handover item too)."""
    places = {}
    for section, records in (("deliverables", store.deliverables(programme_id)), ("risks", store.risks(programme_id)),
                             ("actions", store.actions(programme_id))):
        places.update({(_CARRIED[section], record.id): (section, number)
                       for number, record in enumerate(records, start=1)})
    rows = []
    for number, item in enumerate(store.handovers(programme_id), start=1):
        where[("handover", item.id)] = ("handover", number, item.version)
        row = {name: getattr(item, name) for name in ("item", "owner", "due_on", "done_means", "status")
               if getattr(item, name) is not None}
        place = places.get((item.source_kind, item.source_id))
        if place is not None:  # the record it carried on may have been deleted since
            row["carries"] = {"section": place[0], "row": place[1]}
        rows.append(row)
    return rows


class DuplicateKey(ValueError):
    """A JSON object names the same key twice (JSON would silently keep the last)."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise DuplicateKey(key)
        document[key] = value
    return document


def loads(text: str) -> Any:
    """Parse a JSON programme document, refusing an object that names a key twice.

    Raises:
        DuplicateKey: the repeated key (the first one found).
        json.JSONDecodeError: not JSON.
    """
    return json.loads(text, object_pairs_hook=_unique_keys)


def dumps(document: dict[str, Any]) -> str:
    """Serialise a programme document as stable, readable JSON."""
    return json_dumps(document, indent=2, sort_keys=False) + "\n"
