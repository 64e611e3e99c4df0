"""Property tests of the input models: what a user, an import or the seed may write.

Each property is checked against an oracle written here from the rules (RELIABILITY.md
and PRODUCT.md), not from the implementation: text loses control and bidi-override
characters and is never blank when required; dates are dd/mm/yyyy or ISO and nothing
else; scores are whole numbers 1-5; choices are case-insensitive; unknown fields are
refused. Any other exception than ``InvalidInput`` is a failure.
"""

from __future__ import annotations

import itertools
import re
import string
import unicodedata
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from assure.models import vocab
from assure.models.dates import DateError, format_date, parse_date
from assure.models.inputs import INPUTS, InvalidInput, validate_field, validate_record
from assure.models.text import clean_text, display_text

settings.register_profile("assure", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("assure")

# -- oracles ---------------------------------------------------------------------------

BIDI = {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
        "\u200e", "\u200f", "\u061c"}


def unsafe(char: str) -> bool:
    """A character never to store: a control (but tab/newline), a bidi mark or a lone surrogate."""
    return (unicodedata.category(char) == "Cc" and char not in "\t\n") or char in BIDI or unicodedata.category(char) == "Cs"


#: Characters that draw nothing although Unicode does not class them as spaces.
FILLERS = set("\u115f\u1160\u3164\uffa0\u2800\u180e\u17b4\u17b5")


def shows_nothing(text: str) -> bool:
    """Spaces, format characters (zero-width space, word joiner, BOM), lone combining marks, fillers."""
    return all(char.isspace() or char in FILLERS or unicodedata.category(char) in {"Cf", "Mn", "Me", "Cc", "Zs"}
               for char in text)


def cleaned(value: str) -> str:
    """What is stored: controls and bidi marks dropped, trimmed; text that shows nothing is blank."""
    text = "".join(char for char in value.replace("\r\n", "\n") if not unsafe(char)).strip()
    return "" if shows_nothing(text) else text


#: Characters that hostile or careless input carries: ESC, CSI, OSC, C1, bidi, CR, NUL.
NASTY = ["\x1b", "\x1b[31m", "\x1b]0;title\x07", "\x9b", "\x85", "\x00", "\r", "\r\n", "\x7f", "\t", "\n",
         "\u202e", "\u2066", "\u200f", "\u061c", "\u2028", "\ufeff", " ", "[/]", "[bold]", "\ud800", "\udfff"]
nasty_text = st.lists(st.one_of(st.text(max_size=6), st.sampled_from(NASTY)), max_size=12).map("".join)

# (kind, field, required, limit) for every free-text field of every input model.
TEXT_FIELDS = [
    ("programme", "name", True, 200), ("programme", "organisation", False, 200),
    ("programme", "description", False, 4000), ("programme", "source", False, 200),
    ("person", "name", True, 200), ("person", "organisation", False, 200),
    ("raci", "role", True, 200), ("raci", "note", False, 4000),
    ("outcome", "title", True, 4000), ("outcome", "vision", False, 4000),
    ("progress", "text", True, 4000),
    ("deliverable", "title", True, 4000), ("deliverable", "approved_by", False, 200), ("deliverable", "note", False, 4000),
    ("risk", "ref", True, 20), ("risk", "description", True, 4000), ("risk", "owner", False, 200),
    ("risk", "latest_update", False, 4000),
    ("action", "description", True, 4000), ("action", "owner", False, 200),
    ("lesson", "description", True, 4000), ("lesson", "recommendation", False, 4000),
    ("lesson", "responsible", False, 200),
    ("handover", "item", True, 4000), ("handover", "owner", False, 200), ("handover", "done_means", False, 4000),
    ("verdict", "reason", True, 4000),
    ("acknowledgement", "rule", True, 60), ("acknowledgement", "kind", True, 30),
    ("acknowledgement", "reason", True, 4000), ("acknowledgement", "actor", True, 200),
    ("acknowledgement", "at", True, 200),
]
DATE_FIELDS = [("programme", "start_date"), ("programme", "end_date"), ("programme", "as_of"),
               ("deliverable", "date"), ("deliverable", "baseline_date"), ("risk", "raised_on"), ("risk", "review_on"),
               ("action", "due_on"), ("acknowledgement", "until"), ("handover", "due_on")]
CHOICE_FIELDS = [("raci", "letter", vocab.RACI_LETTERS), ("outcome", "status", vocab.OUTCOME_STATUSES),
                 ("progress", "horizon", vocab.HORIZONS), ("deliverable", "status", vocab.DELIVERABLE_STATUSES),
                 ("risk", "kind", vocab.RISK_KINDS), ("risk", "status", vocab.RISK_STATUSES),
                 ("action", "kind", vocab.ACTION_KINDS), ("action", "status", vocab.ACTION_STATUSES),
                 ("handover", "status", vocab.HANDOVER_STATUSES),
                 ("verdict", "rating", vocab.DCA_RATINGS)]
SCORE_FIELDS = [("risk", "likelihood"), ("risk", "impact")]
NUMBER_FIELDS = [("outcome", "number"), ("progress", "position"), ("action", "number"), ("lesson", "number")]

#: The smallest valid record of each type, for whole-record checks.
MINIMAL = {
    "programme": {"code": "P", "name": "Programme"},
    "person": {"name": "Ann"},
    "raci": {"person_id": 1, "role": "SRO", "letter": "A"},
    "outcome": {"number": 1, "title": "An outcome"},
    "progress": {"outcome_id": 1, "horizon": "Achieved", "text": "Done"},
    "deliverable": {"title": "A deliverable"},
    "risk": {"ref": "R1", "description": "A risk"},
    "action": {"number": 1, "description": "An action"},
    "lesson": {"number": 1, "description": "A lesson"},
    "handover": {"item": "A handover item"},
    "verdict": {"rating": "Amber", "reason": "The board asked for it"},
    "acknowledgement": {"rule": "action-owner", "kind": "action", "reason": "Known", "actor": "tester",
                        "at": "2021-04-20T09:00:00+00:00"},
}


def check(kind: str, field: str, value):
    """validate_field, allowing only InvalidInput as a refusal; returns (ok, result)."""
    try:
        return True, validate_field(kind, field, value)
    except InvalidInput as error:
        assert field in error.errors, error.errors
        assert error.errors[field].strip(), "a refusal must say why"
        return False, None


def test_the_field_tables_here_cover_every_input_field():
    """If a field is added to an input model, these tests must learn about it."""
    covered = {(kind, field) for kind, field, *_ in TEXT_FIELDS + DATE_FIELDS + CHOICE_FIELDS}
    covered.add(("programme", "code"))  # text with a narrower rule: see test_codes_name_files_safely
    covered |= set(SCORE_FIELDS) | set(NUMBER_FIELDS)
    covered |= {("raci", "person_id"), ("progress", "outcome_id"), ("deliverable", "outcome_id")}
    covered |= {("handover", "source_kind"), ("handover", "source_id")}  # see test_a_handover_names_what_it_carries_on
    covered |= {("raci", "person_id"), ("progress", "outcome_id"), ("deliverable", "outcome_id"), ("verdict", "outcome_id")}
    covered |= {("raci", "person_id"), ("progress", "outcome_id"), ("deliverable", "outcome_id"),
                ("acknowledgement", "record_id"), ("acknowledgement", "record_version")}
    every = {(kind, field) for kind, model in INPUTS.items() for field in model.model_fields}
    assert every == covered


# -- text ------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "field", "required", "limit"), TEXT_FIELDS)
@given(value=nasty_text)
@settings(max_examples=60)
def test_text_is_cleaned_never_blank_when_required_and_bounded(kind, field, required, limit, value):
    ok, result = check(kind, field, value)
    expected = cleaned(value)
    if not expected:
        assert ok is (not required)
        if ok:
            assert result is None
        return
    if len(expected) > limit:
        assert not ok
        return
    assert ok, f"{value!r} refused"
    assert result == expected
    assert not any(unsafe(char) for char in result)


CODE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,39}")


@given(value=st.one_of(nasty_text, st.text(alphabet="aZ9._-/ é", max_size=45)))
@example("../../x")
@example(".hidden")
@example("lcc-btls")
def test_codes_name_files_safely(value):
    """A code names files: ASCII letters, digits, '-', '_' and '.', not starting with '.', 40 at most."""
    ok, result = check("programme", "code", value)
    expected = cleaned(value)
    assert ok is bool(CODE.fullmatch(expected)), (value, expected)
    if ok:
        assert result == expected


@pytest.mark.parametrize("value", ["\u200b", "\u2060\ufeff", "\u0301", "\u3164", "\u034f", " \u200c "])
def test_text_that_shows_nothing_is_blank(value):
    assert check("deliverable", "title", value) == (False, None)
    assert check("deliverable", "note", value) == (True, None)


@given(value=nasty_text)
def test_clean_text_keeps_no_control_or_bidi_character(value):
    result = clean_text(value)
    assert not any(unsafe(char) for char in result)
    assert result == "".join(char for char in value.replace("\r\n", "\n") if not unsafe(char))


@given(value=st.one_of(nasty_text, st.integers(), st.none()))
def test_display_text_is_one_safe_line(value):
    shown = display_text(value)
    assert "\n" not in shown and "\t" not in shown
    assert not any(unsafe(char) for char in shown)
    multi = display_text(value, multiline=True)
    assert "\t" not in multi
    assert not any(unsafe(char) for char in multi)


def test_display_text_passes_printable_text_as_it_is_only_when_nothing_is_unsafe():
    # display_text returns printable text untouched: no character either pattern replaces
    # may be printable (every code point checked), and printable text comes back as it is.
    from assure.models.text import _UNSAFE, _UNSAFE_ONE_LINE

    printable_yet_unsafe = [hex(point) for point in range(0x110000) if chr(point).isprintable()
                            and (_UNSAFE_ONE_LINE.match(chr(point)) or _UNSAFE.match(chr(point)))]
    assert printable_yet_unsafe == []
    for value in ("Signed off by Glyn Peach", "Ops review [/bold] 2024", "Résumé 中文 😀"):
        assert display_text(value) == value == display_text(value, multiline=True)
    assert display_text("a\tb\x1b[2Jc\u202e") == "a b\ufffd[2Jc\ufffd"
    assert display_text("a\r\nb") == "a b" and display_text("a\r\nb", multiline=True) == "a\nb"


@pytest.mark.parametrize(("kind", "field", "required", "limit"), [f for f in TEXT_FIELDS if f[3] <= 200])
@given(data=st.data())
@settings(max_examples=20)
def test_length_bound_is_exact(kind, field, required, limit, data):
    length = data.draw(st.integers(limit - 2, limit + 2))
    char = data.draw(st.sampled_from("aZ9éß中😀"))
    ok, result = check(kind, field, char * length)
    assert ok is (length <= limit)
    if ok:
        assert result == char * length


@pytest.mark.parametrize(("kind", "field", "required", "limit"), TEXT_FIELDS)
@pytest.mark.parametrize("value", [1, 1.5, True, b"bytes", ["a"], {"a": 1}])
def test_text_must_be_text(kind, field, required, limit, value):
    assert check(kind, field, value) == (False, None)


@pytest.mark.parametrize(("kind", "field", "required", "limit"), TEXT_FIELDS)
def test_text_none_is_missing(kind, field, required, limit):
    assert check(kind, field, None) == ((False, None) if required else (True, None))


def test_long_text_limit_is_exact():
    assert check("risk", "description", "x" * 4000) == (True, "x" * 4000)
    assert check("risk", "description", "x" * 4001)[0] is False
    # the limit counts what is kept, not the control characters dropped
    assert check("risk", "description", "x" * 4000 + "\x1b" * 50) == (True, "x" * 4000)


# -- dates -----------------------------------------------------------------------------

any_date = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))


@pytest.mark.parametrize(("kind", "field"), DATE_FIELDS)
@given(day=any_date, pad=st.booleans(), space=st.sampled_from(["", " ", "  ", "\t"]))
@settings(max_examples=40)
def test_any_real_date_round_trips_in_both_formats(kind, field, day, pad, space):
    uk = f"{day.day:02d}/{day.month:02d}/{day.year:04d}" if pad else f"{day.day}/{day.month}/{day.year:04d}"
    iso = f"{day.year:04d}-{day.month:02d}-{day.day:02d}"
    assert check(kind, field, space + uk + space) == (True, day)
    assert check(kind, field, space + iso + space) == (True, day)
    assert check(kind, field, day) == (True, day)


_UK = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def expected_date(text: str) -> date | None | str:
    """The oracle: the date a string means, None for blank, 'refused' otherwise."""
    text = text.strip()
    if not text:
        return None
    if match := _UK.fullmatch(text):
        day, month, year = map(int, match.groups())
    elif match := _ISO.fullmatch(text):
        year, month, day = map(int, match.groups())
    else:
        return "refused"
    try:
        return date(year, month, day)
    except ValueError:
        return "refused"


date_like = st.one_of(
    st.text(max_size=14),
    st.text(alphabet="0123456789/- .\t\n:Tx", max_size=14),
    st.from_regex(r"\A\s*[0-9]{1,4}[/-][0-9]{1,3}[/-][0-9]{1,5}\s*\Z"),
    st.from_regex(r"\A\s*\d{1,2}/\d{1,2}/\d{4}\s*\Z"),  # includes non-ASCII digits
)


@given(text=date_like)
@example(text="0")
@example(text="86400")
@example(text="1617235200")
@example(text="29/02/2021")
@example(text="29/02/2020")
@example(text="31/04/2021")
@example(text="2021-3-31")
@example(text="2021/03/31")
@example(text="03/31/2021")
@example(text="31-03-2021")
@example(text="2021-03-31T00:00:00")
@example(text="0000-01-01")
@example(text="٣١/٠٣/٢٠٢١")
@example(text="2021-03-31\n")
def test_arbitrary_strings_are_a_real_date_or_refused(text):
    ok, result = check("risk", "review_on", text)
    expected = expected_date(text)
    if expected == "refused":
        assert not ok, f"{text!r} was taken as {result!r}"
    else:
        assert ok and result == expected
    # parse_date itself raises only DateError
    try:
        parse_date(text)
    except DateError:
        assert not ok


@pytest.mark.parametrize("value", [0, 86400, 1617235200, -1, 1.5, 0.0, True, False, b"2021-03-31", [2021, 3, 31]])
def test_numbers_and_other_objects_are_never_dates(value):
    assert check("action", "due_on", value) == (False, None)
    with pytest.raises(DateError):
        parse_date(value)


@given(value=st.integers())
def test_no_integer_is_a_date(value):
    assert check("deliverable", "date", value) == (False, None)
    assert check("deliverable", "date", str(value))[0] is False


def test_a_datetime_is_its_date_and_blank_is_no_date():
    assert check("risk", "raised_on", datetime(2021, 3, 31, 23, 59)) == (True, date(2021, 3, 31))
    assert check("risk", "raised_on", "") == (True, None)
    assert check("risk", "raised_on", "   ") == (True, None)
    assert check("risk", "raised_on", None) == (True, None)


def test_dates_are_shown_unambiguously():
    assert format_date(date(2025, 3, 4)) == "04 Mar 2025"
    assert format_date("2025-03-04") == "04 Mar 2025"
    assert format_date(None) == "" and format_date("") == ""


# -- scores ----------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "field"), SCORE_FIELDS)
@given(value=st.integers(1, 5), space=st.sampled_from(["", " ", "\t"]))
@settings(max_examples=20)
def test_scores_accept_one_to_five(kind, field, value, space):
    assert check(kind, field, value) == (True, value)
    assert check(kind, field, f"{space}{value}{space}") == (True, value)


@pytest.mark.parametrize(("kind", "field"), SCORE_FIELDS)
@given(value=st.one_of(
    st.integers().filter(lambda n: not 1 <= n <= 5),
    st.floats(allow_nan=True),
    st.booleans(),
    st.text(max_size=6),
    st.integers(-10, 10).map(str),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.lists(st.integers(1, 5), max_size=2),
))
@example(value=0)
@example(value=6)
@example(value=-1)
@example(value="0")
@example(value="6")
@example(value="-3")
@example(value="+3")
@example(value="3.0")
@example(value=3.0)
@example(value=True)
@example(value="three")
@example(value="٣")
@example(value="²")
@example(value="３")
@settings(max_examples=100)
def test_scores_refuse_everything_else(kind, field, value):
    ok, result = check(kind, field, value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            assert (ok, result) == (True, None)
            return
        if text.isascii() and text.isdigit() and 1 <= int(text) <= 5:
            assert (ok, result) == (True, int(text))
            return
    assert not ok, f"{value!r} was taken as {result!r}"


# -- whole numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "field"), NUMBER_FIELDS)
@given(value=st.one_of(st.integers(), st.booleans(), st.floats(), st.text(max_size=5), st.integers().map(str)))
@example(value="٣")
@example(value="²")
@settings(max_examples=60)
def test_whole_numbers(kind, field, value):
    ok, result = check(kind, field, value)
    if isinstance(value, int) and not isinstance(value, bool):
        assert ok is (0 <= value <= 1_000_000_000)
        if ok:
            assert result == value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        assert ok is (int(value.strip()) <= 1_000_000_000)
    else:
        assert not ok, f"{value!r} was taken as {result!r}"


# -- choices ---------------------------------------------------------------------------


def recase(text: str, flips: list[bool]) -> str:
    return "".join(char.upper() if flip else char.lower() for char, flip in zip(text, flips + [False] * len(text)))


@pytest.mark.parametrize(("kind", "field", "choices"), CHOICE_FIELDS)
@given(data=st.data())
@settings(max_examples=30)
def test_choices_are_case_insensitive_and_canonical(kind, field, choices, data):
    choice = data.draw(st.sampled_from(choices))
    flips = data.draw(st.lists(st.booleans(), min_size=len(choice), max_size=len(choice)))
    space = data.draw(st.sampled_from(["", " ", "\t", "  "]))
    assert check(kind, field, space + recase(choice, flips) + space) == (True, choice)


@pytest.mark.parametrize(("kind", "field", "choices"), CHOICE_FIELDS)
@given(value=st.one_of(st.text(max_size=30), st.integers(), st.none(), st.booleans()))
@settings(max_examples=50)
def test_choices_refuse_anything_else(kind, field, choices, value):
    ok, result = check(kind, field, value)
    folded = {choice.casefold(): choice for choice in choices}
    if isinstance(value, str) and value.strip().casefold() in folded:
        assert (ok, result) == (True, folded[value.strip().casefold()])
    else:
        assert not ok, f"{value!r} was taken as {result!r}"


# -- whole records and unknown fields --------------------------------------------------


@pytest.mark.parametrize("kind", list(INPUTS))
@given(name=st.text(min_size=1, max_size=20))
@example(name="id")
@example(name="version")
@example(name="updated_at")
@example(name="programme_id")
@example(name="score")
@settings(max_examples=25)
def test_unknown_fields_are_refused(kind, name):
    assume(name not in INPUTS[kind].model_fields)
    with pytest.raises(InvalidInput) as refused:
        validate_record(kind, {**MINIMAL[kind], name: "x"})
    assert refused.value.errors.get(name) == "is not a field of this record"
    with pytest.raises(InvalidInput) as refused:
        validate_field(kind, name, "x")
    assert name in refused.value.errors


@pytest.mark.parametrize("kind", list(INPUTS))
def test_minimal_records_validate_and_required_fields_are_named(kind):
    assert validate_record(kind, MINIMAL[kind])
    for field in MINIMAL[kind]:
        data = {key: value for key, value in MINIMAL[kind].items() if key != field}
        with pytest.raises(InvalidInput) as refused:
            validate_record(kind, data)
        assert refused.value.errors == {field: "is required"}


@given(
    ref=nasty_text, description=nasty_text, likelihood=st.one_of(st.none(), st.integers(0, 6)),
    status=st.sampled_from(["open", "CLOSED", "Monitoring", "shut"]), review_on=date_like,
)
@settings(max_examples=100)
def test_whole_risk_record_refuses_exactly_the_bad_fields(ref, description, likelihood, status, review_on):
    data = {"ref": ref, "description": description, "likelihood": likelihood, "status": status,
            "review_on": review_on}
    bad = set()
    if not cleaned(ref) or len(cleaned(ref)) > 20:
        bad.add("ref")
    if not cleaned(description) or len(cleaned(description)) > 4000:
        bad.add("description")
    if likelihood is not None and not 1 <= likelihood <= 5:
        bad.add("likelihood")
    if status == "shut":
        bad.add("status")
    if expected_date(review_on) == "refused":
        bad.add("review_on")
    try:
        clean = validate_record("risk", data)
    except InvalidInput as error:
        assert set(error.errors) == bad
    else:
        assert not bad
        assert clean["ref"] == cleaned(ref)
        assert clean["status"] == status.title()
        assert clean["review_on"] == expected_date(review_on)


def test_invalid_input_message_names_each_field():
    with pytest.raises(InvalidInput) as refused:
        validate_record("risk", {"ref": "", "description": "x", "likelihood": 9, "colour": "red"})
    message = str(refused.value)
    for field in ("ref", "likelihood", "colour"):
        assert field in message
    assert "\n" not in message


def test_digits_in_dates_and_scores_are_ascii():
    """Only 0-9 count as digits: a script's own digits or superscripts are refused, never a crash."""
    for value in ("٣", "²", "３"):
        assert check("risk", "likelihood", value) == (False, None)
        assert check("lesson", "number", value) == (False, None)
    assert check("risk", "review_on", "٣١/٠٣/٢٠٢١") == (False, None)
    assert string.digits == "0123456789"


# -- through the store ------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory):
    from assure.models.store import Store

    with Store.open(tmp_path_factory.mktemp("inputs") / "roundtrip.db") as store:
        store.programme_id = store.create("programme", None, {"code": "RT", "name": "Round trip"})
        yield store


REFS = itertools.count(1)  # refs are unique within a programme


@given(description=nasty_text, owner=nasty_text, review_on=date_like, likelihood=st.one_of(st.none(), st.integers(1, 5)))
@settings(max_examples=60)
def test_what_validates_is_stored_and_read_back_exactly(shared_store, description, owner, review_on, likelihood):
    """Whatever passes validation reaches SQLite and comes back unchanged (and nothing else does)."""
    data = {"ref": f"R{next(REFS)}", "description": description, "owner": owner, "review_on": review_on, "likelihood": likelihood}
    try:
        clean = validate_record("risk", data)
    except InvalidInput:
        before = len(shared_store.history())
        with pytest.raises(InvalidInput):
            shared_store.create("risk", shared_store.programme_id, data)
        assert len(shared_store.history()) == before
        return
    record = shared_store.get("risk", shared_store.create("risk", shared_store.programme_id, data))
    assert record.description == clean["description"]
    assert record.owner == clean["owner"]
    assert record.review_on == (clean["review_on"].isoformat() if clean["review_on"] else None)
    assert record.likelihood == likelihood


def test_a_handover_names_what_it_carries_on():
    assert validate_field("handover", "source_kind", "deliverable") == "deliverable"
    assert validate_field("handover", "source_kind", "") is None
    assert validate_field("handover", "source_id", "12") == 12
    for bad in ("programme", "Deliverable\x1b", 3):
        with pytest.raises(InvalidInput) as caught:
            validate_field("handover", "source_kind", bad)
        assert "source_kind" in caught.value.errors
    with pytest.raises(InvalidInput):
        validate_field("handover", "source_id", "-1")
