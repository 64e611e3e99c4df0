"""``assure board mark|list`` and ``assure diff``: board snapshots and what changed since.

Nothing heavy is imported at module level (``assure --help`` stays fast).
"""

from __future__ import annotations

import sys

import click

#: Exit status of a bad ``--since`` (a usage error, as click's own).
EXIT_USAGE = 2
DIFF_FORMATS = ("text", "md", "json")


def _figures_line(figures: dict) -> str:
    """``Programme Amber; 72 deliverables (63 signed off), 1 open risk, 10 open actions, 25 findings``."""
    from assure.models.wording import count

    verdict = figures.get("programme") or {}
    numbers = figures.get("figures") or {}
    parts = [f"{count(numbers.get('deliverables', 0), 'deliverable')} ({numbers.get('signed_off', 0)} signed off)",
             count(numbers.get("open_risks", 0), "open risk"), count(numbers.get("open_actions", 0), "open action"),
             count(numbers.get("findings", 0), "finding")]
    return f"Programme {verdict.get('rag', '?')} (DCA {verdict.get('dca', '?')}); " + ", ".join(parts)


@click.group()
def board() -> None:
    """Board snapshots: what each board was shown (every export records one too)."""


@board.command()
@click.option("--label", "-l", metavar="TEXT", help='What the board is called, e.g. "Board 14 May".')
@click.pass_obj
def mark(context, label: str | None) -> None:
    """Record a board snapshot without exporting: the verdicts, figures and findings now."""
    from assure.models.dates import format_date
    from assure.models.dates import today as get_today
    from assure.models.db import StoreError
    from assure.models import kept
    from assure.models.since import record_board, snapshot_figures
    from assure.tui.cli import echo, fail

    if context.read_only:
        fail("--read-only: marking a board writes the database; leave the option out")
    store = context.open_store(create=False)
    try:
        programme = context.pick_programme(store)
        today = get_today()
        judgement = kept.judge(store, programme.id, today)  # read back when the data was judged today
        snapshot_id = record_board(store, programme.id, label, today=today, source="mark",
                                   findings=judgement.findings, assessment=judgement.assessment)
        snapshot = next(row for row in store.board_snapshots(programme.id) if row.id == snapshot_id)
    except StoreError as error:
        fail(str(error))
    finally:
        store.close()
    name = f" '{snapshot.label}'" if snapshot.label else ""
    echo(f"recorded board #{snapshot_id}{name} for {programme.code} (reporting date"
         f" {format_date(snapshot.reporting_date)}): {_figures_line(snapshot_figures(snapshot))}")


@board.command("list")
@click.pass_obj
def list_(context) -> None:
    """List the programme's board snapshots, oldest first."""
    from assure.models.db import StoreError
    from assure.models.history_text import when_text
    from assure.models.since import HOW_TO_MARK, snapshot_figures
    from assure.tui.cli import echo, fail

    store = context.open_store(read_only=True, create=False)
    try:
        programme = context.pick_programme(store)
        snapshots = store.board_snapshots(programme.id)
    except StoreError as error:
        fail(str(error))
    finally:
        store.close()
    if not snapshots:
        echo(f"no boards recorded for {programme.code} yet: {HOW_TO_MARK}")
        return
    for row in snapshots:
        name = row.label or "(no label)"
        echo(f"#{row.id}  {when_text(row.at)}  {row.actor}  {row.source}  {name}  — {_figures_line(snapshot_figures(row))}")


@click.command()
@click.option("--since", "-s", "since", metavar="SNAPSHOT|DATE",
              help="A board (#3, 3 or its label) or a date (2021-05-01 or 01/05/2021); default the last board.")
@click.option("--format", "-f", "fmt", type=click.Choice(DIFF_FORMATS), default="text", show_default=True,
              help="text for a terminal, md (Markdown) or json.")
@click.pass_obj
def diff(context, since: str | None, fmt: str) -> None:
    """What changed since the last board (or another board, or a date), from the history.

    RAG moves with the reason now, new, closed and re-scored risks and issues, sign-offs
    given, dates moved, new and completed actions, findings raised, resolved or
    acknowledged, and who edited what.
    """
    from assure.models.dates import today as get_today
    from assure.models.db import StoreError
    from assure.models import kept
    from assure.models.since import NoBoardYet, render_markdown, render_text, since_report
    from assure.tui.cli import echo, fail

    store = context.open_store(read_only=True, create=False)
    try:
        programme = context.pick_programme(store)
        today = get_today()
        judgement = kept.judge(store, programme.id, today)  # read back when the data was judged today
        report = since_report(store, programme.id, since=since, today=today,
                              findings=judgement.findings, assessment=judgement.assessment)
    except NoBoardYet as error:
        fail(str(error))
    except ValueError as error:
        fail(f"--since: {error}", EXIT_USAGE)
    except StoreError as error:
        fail(str(error))
    finally:
        store.close()
    if fmt == "json":
        from assure.models.text import json_dumps

        echo(json_dumps({"programme": programme.code, **report.to_json()}, indent=2))
    elif fmt == "md":
        echo(render_markdown(report), nl=False)
    else:
        echo(render_text(report), nl=False)
    sys.stdout.flush()


def register(cli: click.Group) -> None:
    """Add ``board`` and ``diff`` to the ``assure`` group."""
    cli.add_command(board)
    cli.add_command(diff)
