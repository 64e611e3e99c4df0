"""People: where a person's name is used, and moving it to another spelling.

A person is referred to in two ways: by id (a RACI role) and by name, in the free-text
fields that hold people (an approver, an owner, who is responsible). Those fields may hold
several names ("Gabby Nelson / Paul Sutcliffe", see :func:`judgement.split_names`), so a
rename or a merge replaces whole names only and leaves the rest of the text as it was.
Plain Python: the store does the reading and writing, in one transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from .kinds import KINDS

#: Record type -> its fields that hold people's names (every field edited as "people").
NAME_FIELDS: dict[str, tuple[str, ...]] = {
    kind.name: names
    for kind in KINDS.values()
    if (names := tuple(spec.name for spec in kind.fields if spec.control == "people"))
}


def name_key(name: object) -> str:
    """What makes two spellings the same name: white space and case are ignored."""
    return " ".join(str(name or "").split()).casefold()


def holds_name(value: object, name: str) -> bool:
    """True when a people field holds ``name`` as one of its whole names."""
    key = name_key(name)
    return bool(key) and any(name_key(part) == key for part in str(value or "").split("/"))


def replace_name(value: str | None, old: str, new: str) -> str | None:
    """``value`` with every whole name ``old`` replaced by ``new``; everything else kept.

    "Gabby Nelson / Paul Sutcliffe" with "Paul Sutcliffe" -> "P Sutcliffe" gives
    "Gabby Nelson / P Sutcliffe": the other names and the spacing around each "/" are
    untouched, and a name that merely contains ``old`` ("Paul Sutcliffe-Jones") is not a
    match. When the field already held ``new`` as well, the name is not listed twice.

    Returns:
        The new text, or ``value`` itself when it does not hold ``old``.
    """
    if value is None or not holds_name(value, old):
        return value
    old_key, new_key = name_key(old), name_key(new)
    parts, seen = [], set()
    for part in value.split("/"):
        key = name_key(part)
        if key == old_key:
            lead = part[: len(part) - len(part.lstrip())]
            trail = part[len(part.rstrip()):]
            part, key = f"{lead}{new}{trail}", new_key
        if key and key in seen:
            continue  # "Rachel Tanner / Rachael Tanner" merged is one name, not the same one twice
        seen.add(key)
        parts.append(part)
    return "/".join(parts).strip()


def name_uses(people: Iterable[str], raci_names: Iterable[str], values: Iterable[tuple[str, str, object]]) -> dict[str, Counter]:
    """How often each person is named: RACI roles and each people field.

    Args:
        people: the programme's people's names.
        raci_names: the person's name of each RACI role.
        values: (kind, field, stored value) of every people field that holds something.

    Returns:
        name -> Counter of "RACI role", "Approved by", "Owner"... (labels, for people).
    """
    keys = {name_key(name): name for name in people}
    uses: dict[str, Counter] = {name: Counter() for name in people}
    for name in raci_names:
        if name_key(name) in keys:
            uses[keys[name_key(name)]]["RACI role"] += 1
    for kind, field, value in values:
        label = KINDS[kind].field(field).label
        for part in str(value or "").split("/"):
            person = keys.get(name_key(part))
            if person is not None:
                uses[person][label] += 1
    return uses


#: How each use reads: "approver on 43", "owner of 6".
_USE_WORDS = {"Approved by": "approver on", "Owner": "owner of", "Responsible": "responsible for"}


def describe_uses(uses: Counter) -> str:
    """'1 RACI role, approver on 3, owner of 1', or 'not named anywhere'."""
    if not uses:
        return "not named anywhere"
    parts = []
    for label, count in sorted(uses.items(), key=lambda item: (item[0] != "RACI role", item[0])):
        if label == "RACI role":
            parts.append(f"{count} RACI role{'s' if count != 1 else ''}")
        else:
            parts.append(f"{_USE_WORDS.get(label, label.lower())} {count}")
    return ", ".join(parts)


def people_with_uses(store, programme_id: int) -> list[tuple[object, Counter]]:
    """Each person of a programme with where their name is used, in name order (reads only).

    Args:
        store: the store to read from.
        programme_id: the programme.
    """
    people = store.people(programme_id)
    uses = name_uses([person.name for person in people], [row.person_name for row in store.raci(programme_id)],
                     [(kind, field, value) for kind, _id, field, value in store.name_field_values(programme_id)])
    return [(person, uses.get(person.name, Counter())) for person in people]


def merge_candidates(person, people: Iterable) -> list:
    """The other people ``person`` may be merged into: names that nearly match first
    ("Rachael Tanner" offers "Rachel Tanner" at the top), then the rest in the order given."""
    from .rules import names_nearly_match

    others = [other for other in people if other.id != person.id]
    return sorted(others, key=lambda other: not names_nearly_match(person.name, other.name))
