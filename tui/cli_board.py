"""Board sub-commands: ``assure status``, ``assure export`` and ``assure import``.

Nothing heavy is imported here at module level: ``assure status`` must start fast and
never loads Textual, pydantic or SQLAlchemy (the import test in tests/test_status_cli.py
checks it). Export and import load what they need inside the command.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

FAIL_ON = ("high", "medium", "low", "none")
EXPORT_FORMATS = ("md", "html", "csv", "json")
IMPORT_KINDS = ("deliverables", "risks", "actions", "lessons")
#: Records named in one grouped finding of the text summary (--limit 0 or --json names all).
NAMED_IN_STATUS = 12
#: Exit status when findings at or above ``--fail-on`` exist.
EXIT_FINDINGS = 2


def _fail(message: str, code: int = 1):
    from assure.tui.cli import fail

    fail(message, code)


def _echo(message: object = "", *, nl: bool = True) -> None:
    from assure.tui.cli import echo

    echo(message, nl=nl)


# -- status --------------------------------------------------------------------------------


def _status_text(summary: dict, findings: list, limit: int, verdict=None) -> list[str]:
    from assure.models.rules import grouped
    from assure.models.summary import programme_dates, summary_lines
    from assure.models.text import display_text

    programme = summary["programme"]
    lines = [f"{display_text(programme['name'])} [{display_text(programme['code'])}]"]
    facts = []
    if programme["organisation"]:
        facts.append(display_text(programme["organisation"]))
    if dates := programme_dates(programme, summary["today"]):
        facts.append(dates)
    lines.append("  " + "; ".join(facts))
    width = max(len(label) for label, _ in summary_lines(summary))
    if verdict is not None:
        lines.append(f"{'Verdict:':<{width + 1}} {display_text(verdict.headline())}")
        for reason in verdict.drivers[:3]:
            lines.append(f"  {reason.level.upper():<6} {display_text(reason.text)}")
    for label, value in summary_lines(summary):
        lines.append(f"{label + ':':<{width + 1}} {display_text(value)}")
    # Findings of one rule over many records read as one point, naming every record.
    groups = grouped(findings)
    shown = groups if limit <= 0 else groups[:limit]
    for group in shown:
        answered = group.acknowledged
        mark = "" if not answered else (" (acknowledged)" if answered == len(group.findings)
                                        else f" ({answered} acknowledged)")
        text = group.naming(None if limit <= 0 else NAMED_IN_STATUS)
        lines.append(f"  {group.severity.upper():<6} {group.rule.id:<26} {display_text(text)}{mark}")
    if len(shown) < len(groups):
        lines.append(f"  ... and {len(groups) - len(shown)} more (assure status --limit 0 lists them all)")
    return lines


@click.command()
@click.option("--all", "all_programmes", is_flag=True, help="Summarise every programme in the database.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the summary and every finding) instead of text.")
@click.option(
    "--fail-on", type=click.Choice(FAIL_ON), default="high", show_default=True,
    help=f"Exit {EXIT_FINDINGS} when there is a finding this severe or worse ('none': never).",
)
@click.option("--limit", "-n", type=click.IntRange(min=0), default=10, show_default=True,
              help="How many findings to list in the text summary (0: all, every record named; one rule"
                   " over many records is one, naming up to 12).")
@click.option("--fresh", is_flag=True,
              help="Judge afresh: ignore the judgement kept for the same data and day by an earlier run.")
@click.pass_obj
def status(context, all_programmes: bool, as_json: bool, fail_on: str, limit: int, fresh: bool) -> None:
    """Print a compact summary of the programme: counts, open items and assurance findings.

    The judgement of unchanged data is read back from the last run (here or in the
    dashboard) on the same day; any write judges afresh.

    Exits 0 when no finding is at or above --fail-on, 2 when there is one, 1 on an error.
    """
    from assure.models import kept
    from assure.models.dates import today as get_today
    from assure.models.db import StoreError

    store = context.open_store(read_only=True, create=False)
    try:
        today = get_today()
        if all_programmes:
            programmes = store.programmes()
            if not programmes:
                _fail(f"{store.location}: no programmes yet (run 'assure seed' to load the demo data)")
            text, failing = _status_of(store, programmes, today, as_json, fail_on, limit, fresh, every=True)
        else:
            programme = context.pick_programme(store)
            # The same data printed the same way on the same day before (here or by the dashboard's
            # kept judgement) is read back: a few kilobytes rather than the whole judgement.
            variant = f"status json={as_json} fail-on={fail_on} limit={limit}"
            text, failing = kept.printed(
                store, programme.id, today, variant, fresh=fresh,
                make=lambda: _status_of(store, [programme], today, as_json, fail_on, limit, fresh, every=False),
            )
    except StoreError as error:
        _fail(str(error))
    finally:
        store.close()
    _echo(text)
    if failing:
        sys.exit(EXIT_FINDINGS)


def _status_of(store, programmes: list, today, as_json: bool, fail_on: str, limit: int, fresh: bool, *,
               every: bool) -> tuple[str, int]:
    """What ``assure status`` prints about these programmes, and whether a finding is at or
    above ``fail_on`` (1) or not (0)."""
    from assure.models import kept
    from assure.models.rules import at_or_above

    reports = []
    for programme in programmes:
        # The same data judged on the same day before (here or in the dashboard) is read back.
        judgement = kept.judge(store, programme.id, today, fresh=fresh, summary=True)
        reports.append((judgement.summary, judgement.findings, judgement.assessment.programme))
    failing = any(at_or_above(findings, fail_on) for _, findings, _ in reports)
    if as_json:
        from assure.models.text import json_dumps

        documents = [{"summary": summary, "verdict": verdict.as_dict(), "findings": [f.as_dict() for f in findings]}
                     for summary, findings, verdict in reports]
        return json_dumps(documents if every else documents[0], indent=2), int(failing)
    blocks = ["\n".join(_status_text(summary, findings, limit, verdict)) for summary, findings, verdict in reports]
    return "\n\n".join(blocks), int(failing)


# -- export --------------------------------------------------------------------------------


@click.command()
@click.option("--format", "-f", "fmt", type=click.Choice(EXPORT_FORMATS),
              help="md, html, csv or json (default: from the --out file name, else md).")
@click.option("--out", "-o", metavar="PATH",
              help="File to write (a folder for csv); omitted or '-': print md, html or json.")
@click.pass_obj
def export(context, fmt: str | None, out: str | None) -> None:
    """Export a board pack: summary, outcomes, sign-off register, open risks and actions, findings.

    JSON is the whole programme and imports back with 'assure import'.
    """
    from assure.models.board_pack import ExportError, guess_format, record_export, render_with_pack
    from assure.models.board_pack import export as write_pack
    from assure.models.db import StoreError

    to_stdout = out is None or out == "-"
    if fmt is None:
        fmt = guess_format(out) if not to_stdout else None
        if fmt is None:
            if not to_stdout and (Path(out).is_dir() or not Path(out).suffix):
                _fail(f"{out}: say which format with --format (md, html, csv, json)")
            fmt = "md"
    if fmt == "csv" and to_stdout:
        _fail("CSV export writes one file per table: give a folder with --out")
    from assure.tui.progress_bar import shown

    # Writable unless --read-only: every export is recorded as a board (a board snapshot).
    store = context.open_store(create=False)
    try:
        programme = context.pick_programme(store)
        if to_stdout:
            text, pack = render_with_pack(store, programme.id, fmt)
            written = record_export(store, programme.id, fmt, pack)
        else:
            with shown():
                written = write_pack(store, programme.id, fmt, out)
    except (ExportError, StoreError) as error:
        _fail(str(error))
    finally:
        store.close()
    board = f", recorded as board #{written.snapshot_id}" if written.snapshot_id is not None else ""
    if to_stdout:
        _echo(text, nl=False)
    elif fmt == "csv":
        _echo(f"wrote {len(written)} CSV files for {programme.code} to {out}{board}")
    else:
        _echo(f"wrote the {fmt} board pack for {programme.code} to {written[0]}{board}")
    if written.not_recorded:
        from assure.tui.cli import echo

        echo(f"assure: {written.not_recorded}", err=True)


# -- import --------------------------------------------------------------------------------


def _is_document(path: Path) -> bool:
    """JSON/TOML programme documents, told from the suffix, else from the first character."""
    suffix = path.suffix.casefold()
    if suffix in {".json", ".toml"}:
        return True
    if suffix == ".csv":
        return False
    try:
        with path.open("rb") as handle:
            start = handle.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError as error:
        _fail(f"{path}: cannot read: {error.strerror or error}")
    return start.startswith(b"{")


def _read_document(path: Path) -> dict:
    import json

    try:
        data = path.read_bytes()
    except OSError as error:
        _fail(f"{path}: cannot read: {error.strerror or error}")
    if path.suffix.casefold() == ".toml":
        import tomllib

        try:
            return tomllib.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            _fail(f"{path}: not a readable TOML file ({error})")
    from assure.models.bundle import DuplicateKey, loads

    try:
        document = loads(data.decode("utf-8-sig"))
    except DuplicateKey as error:
        _fail(f"{path}: not a usable programme document: the key {str(error)[:60]!r} appears twice in one object")
    except UnicodeDecodeError as error:
        _fail(f"{path}: not UTF-8 text (byte {error.start})")
    except json.JSONDecodeError as error:
        _fail(f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})")
    except RecursionError:
        _fail(f"{path}: not a programme document (nested too deeply)")
    if not isinstance(document, dict):
        _fail(f"{path}: not a programme document (expected a JSON object with a 'programme' table)")
    from assure.models.board_pack import JSON_FORMAT

    declared = document.get("format", JSON_FORMAT)
    if declared != JSON_FORMAT:
        _fail(f"{path}: format {str(declared)[:40]!r} is not {JSON_FORMAT!r}; this Assure cannot read it")
    return document


@click.command("import")
@click.argument("file", metavar="FILE")
@click.option("--kind", type=click.Choice(IMPORT_KINDS),
              help="What a CSV file holds (default: told from its header).")
@click.option("--force", is_flag=True, help="JSON: replace a programme with the same code (one transaction).")
@click.option("--keep-theirs", is_flag=True,
              help="CSV: import the rest of a file whose cells colleagues changed since the export too, "
                   "keeping their values for those cells.")
@click.pass_obj
def import_(context, file: str, kind: str | None, force: bool, keep_theirs: bool) -> None:
    """Import a programme (JSON export), or a CSV of deliverables, risks, actions or lessons.

    A CSV exported by 'assure export -f csv' imports back as corrections: each row updates
    its record (by id; else a risk's ref, an action's kind and number, a lesson's number, a
    deliverable's outcome and title), only cells that differ are written, and rows that
    match nothing are added. Every row is validated first; a file with any bad row, or a
    cell a colleague changed since the export, is refused whole, naming each by line, and
    nothing is written.
    """
    from assure.models.db import StoreError

    path = Path(file).expanduser()
    if not path.exists():
        _fail(f"{path}: no such file")
    if path.is_dir():
        _fail(f"{path}: is a folder; give one file")
    document = _is_document(path)
    if document and kind:
        _fail(f"{path}: --kind is for CSV files; a programme document says what it holds")
    if document and keep_theirs:
        _fail(f"{path}: --keep-theirs is for CSV files of corrections")
    data = _read_document(path) if document else None
    # A programme document may start a new database; CSV rows need a programme to join.
    store = context.open_store(create=document)
    from assure.tui.progress_bar import shown

    try:
        if document:
            with shown():
                _import_document(store, path, data, force)
        else:
            _import_csv(context, store, path, kind, keep_theirs)
    except StoreError as error:
        _fail(str(error))
    finally:
        store.close()


def _import_document(store, path: Path, document: dict, force: bool) -> None:
    from assure.models.bundle import SECTIONS, InvalidBundle, load_programme
    from assure.models.text import clean_text

    from assure.models import progress

    progress.report(f"Importing {path.name}", 0)  # one step: a spinner and the time so far
    try:
        programme_id = load_programme(store, document, replace=force, note=f"imported from {clean_text(path.name)}")
    except InvalidBundle as error:
        _fail(f"{path}: {error}")
    except (TypeError, AttributeError, KeyError, ValueError) as error:
        # A document whose shape the validator did not expect (e.g. a list where a table goes).
        _fail(f"{path}: not a programme document ({type(error).__name__}: {str(error)[:120]})")
    programme = store.get("programme", programme_id)
    counts = ", ".join(
        f"{len(document.get(section) or [])} {section}" for section in SECTIONS if document.get(section)
    )
    _echo(f"imported programme {programme.code}" + (f": {counts}" if counts else ""))


def _import_csv(context, store, path: Path, kind: str | None, keep_theirs: bool) -> None:
    from assure.models.csv_import import import_csv

    programme = context.pick_programme(store)
    from assure.tui.progress_bar import shown

    with shown():  # drawn on a terminal only, and gone before the summary is printed
        result = import_csv(store, programme.id, path, section=kind, keep_theirs=keep_theirs)
    section = result.section
    if not result.updated and not result.unchanged and not result.theirs:
        _echo(f"imported {result.added} {section} into {programme.code} from {path.name}")
    elif not result.count:
        _echo(f"{path.name}: nothing to change in {programme.code} "
              f"({result.unchanged} {section} already match the database)")
    else:
        cells = f"{result.fields} cell{'s' if result.fields != 1 else ''}"
        _echo(f"imported {path.name} into {programme.code}: {result.updated} {section} corrected ({cells}), "
              f"{result.added} added, {result.unchanged} unchanged")
    if result.theirs:
        _echo(f"  {result.theirs} cell{'s' if result.theirs != 1 else ''} left as changed in the database since the "
              "export (the file still had the exported value)")
    if result.conflicts:
        _echo(f"  kept colleagues' values in {len(result.conflicts)} cell{'s' if len(result.conflicts) != 1 else ''} "
              "the file also changed:")
        for problem in result.conflicts:
            _echo(f"    {problem}")


def register(cli: click.Group) -> None:
    """Add the board sub-commands to the ``assure`` group."""
    cli.add_command(status)
    cli.add_command(export)
    cli.add_command(import_, "import")
