"""``assure check --closure``: may the programme close? Exit 0 ready, 1 not, 2 usage error.

Nothing heavy is imported at module level (``assure --help`` stays fast).
"""

from __future__ import annotations

import sys

import click

#: Exit status when the gate finds the programme not ready (errors exit 1 too: not safe to close).
EXIT_NOT_READY = 1


@click.command()
@click.option("--closure", is_flag=True, help="Run the closure gate (PRINCE2 closing a project, MSP programme closure).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (every check, its failing records, the handover register).")
@click.pass_obj
def check(context, closure: bool, as_json: bool) -> None:
    """Run a gate over the programme: exit 0 when it passes, 1 when it does not.

    --closure checks that the programme may close: deliverables signed off or handed over,
    risks and issues transferred, follow-on actions owned and dated, lessons recorded, one
    Accountable and authorised sign-offs, no unacknowledged high finding.
    """
    from assure.tui.cli import echo, fail

    if not closure:
        raise click.UsageError("say which gate to run: --closure")
    from assure.models.closure import closure_readiness, readiness_lines
    from assure.models.dates import format_date
    from assure.models.db import StoreError
    from assure.models.text import display_text

    store = context.open_store(read_only=True, create=False)
    try:
        programme = context.pick_programme(store)
        readiness = closure_readiness(store, programme.id)
    except StoreError as error:
        fail(str(error))
    finally:
        store.close()
    if as_json:
        from assure.models.text import json_dumps

        echo(json_dumps({"programme": programme.code, **readiness.as_dict()}, indent=2))
    else:
        lines = [f"{display_text(programme.name)} [{display_text(programme.code)}]", *readiness_lines(readiness)]
        lines.append(f"Handover register: {len(readiness.handover)} item{'s' if len(readiness.handover) != 1 else ''}")
        for item in readiness.handover:
            due = format_date(item.due_on) or "no due date"
            lines.append(f"  - {display_text(item.item)} -> {display_text(item.owner) or 'no new owner'}, {due}"
                         f" ({display_text(item.status)})")
        echo("\n".join(lines))
    if not readiness.ready:
        sys.exit(EXIT_NOT_READY)


def register(cli: click.Group) -> None:
    """Add ``check`` to the ``assure`` group."""
    cli.add_command(check)
