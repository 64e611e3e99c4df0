"""The ``assure`` command: the dashboard by default, sub-commands beside it.

Heavy modules (Textual, pydantic, SQLAlchemy) are imported inside the commands that need
them, so that ``assure status`` and ``assure --help`` start fast.
"""

from __future__ import annotations

import sys
from typing import NoReturn

import click

from assure import __version__


class Context:
    """What the global options decided, handed to every sub-command."""

    def __init__(self, db: str | None, read_only: bool, programme: str | None):
        self.db = db
        self.read_only = read_only
        self.programme = programme

    def open_store(self, *, read_only: bool | None = None, create: bool = True, seed_if_new: bool = False,
                   announce: bool = True, upgrade: bool = False):
        """Open the store or exit with a one-line error."""
        from assure.models.db import StoreError
        from assure.models.store import Store
        from assure.models.text import display_text

        try:
            store = Store.open(self.db, read_only=self.read_only if read_only is None else read_only, create=create,
                               upgrade=upgrade)
            if announce and store.upgraded is not None and store.upgraded.old is not None:
                echo(f"assure: {store.upgraded.describe()}", err=True)
            if store.network_fs:
                echo(
                    f"assure: warning: {store.location} is on a network file system ({store.network_fs}):"
                    " SQLite's locking does not work there, so several users at once may damage it", err=True,
                )
            if store.read_only_reason and not self.read_only:
                echo(f"assure: warning: {display_text(store.read_only_reason)}", err=True)
            if seed_if_new and not store.read_only and not store.programmes():
                from assure.seed.loader import load_demo

                load_demo(store)
            return store
        except StoreError as error:
            fail(str(error))

    def pick_programme(self, store, *, required: bool = True):
        """The programme named by ``--programme``, else the last used, else the first."""
        if self.programme:
            programme = store.programme_by_code(self.programme)
            if programme is None:
                codes = ", ".join(p.code for p in store.programmes()) or "none"
                fail(f"no programme {self.programme!r} in {store.location} (programmes: {codes})")
            return programme
        programme_id = store.last_programme_id()
        if programme_id is None:
            if required:
                fail(f"{store.location}: no programmes yet (run 'assure seed' to load the demo data)")
            return None
        return store.get("programme", programme_id)


def echo(message: object = "", *, err: bool = False, nl: bool = True) -> None:
    """Print to the terminal: every line the CLI prints goes through here.

    Codes, names and file names come from the database or the user; a control character
    among them is shown as a replacement character instead of reaching the terminal.
    """
    from assure.models.text import display_text

    click.echo(display_text(message, multiline=True), err=err, nl=nl)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print a one-line error and exit non-zero: never a traceback."""
    echo(f"assure: error: {message}", err=True)
    sys.exit(code)


class AssureGroup(click.Group):
    """The ``assure`` group: its help ends with where the keymap file lives (worked out only
    when help is shown)."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from assure.tui.keymap import keymap_path

        # Written as is: wrapping would break the path where a reader cannot copy it.
        formatter.write_paragraph()
        formatter.write(f"  Keys can be remapped in this file (binding id = \"keys\"; 'assure keys' lists the ids):\n"
                        f"  {keymap_path()}\n")


@click.group(cls=AssureGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", metavar="PATH_OR_URL", envvar="ASSURE_DB", help="Database file, sqlite:/// URL or postgresql+psycopg://user@host:port/db (default: your data folder; env ASSURE_DB).")
@click.option("--read-only", is_flag=True, help="Open the database so that nothing can be changed from this session.")
@click.option("--programme", "-p", metavar="CODE", help="Open this programme (its code, e.g. lcc-btls).")
@click.version_option(__version__, "--version", "-V", prog_name="assure")
@click.pass_context
def cli(ctx: click.Context, db: str | None, read_only: bool, programme: str | None) -> None:
    """Assure: a terminal dashboard for programme assurance.

    With no command, opens the dashboard (creating the database and loading the demo
    programmes on first run).
    """
    ctx.obj = Context(db, read_only, programme)
    if ctx.invoked_subcommand is None:
        run_dashboard(ctx.obj)


def run_dashboard(context: Context) -> None:
    """Open the full-screen dashboard."""
    store = context.open_store(seed_if_new=True)
    programme = context.pick_programme(store, required=False)
    from assure.models.db import busy_timeout_ms

    # The screen is frozen while a save waits: wait briefly, then say "busy" and keep the edit.
    store.wait_for_locks(min(busy_timeout_ms(), 2000))
    from assure.tui.app import AssureApp

    from assure.tui.keymap import load_keymap

    app = AssureApp(store, programme_id=programme.id if programme else None, keymap=load_keymap())
    app.run()
    store.close()
    # Textual prints the traceback and sets return_code on an unhandled error, but run()
    # still returns normally: without this a crash would exit 0.
    if app.return_code:
        sys.exit(app.return_code)


@cli.command()
@click.option("--force", is_flag=True, help="Replace demo programmes that already exist (one transaction each).")
@click.pass_obj
def seed(context: Context, force: bool) -> None:
    """Load the demo programmes from the council papers."""
    from assure.models.db import StoreError
    from assure.seed.loader import load_demo

    store = context.open_store()
    existing = {programme.code for programme in store.programmes()}
    try:
        results = load_demo(store, force=force)
    except StoreError as error:
        fail(str(error))
    for code, programme_id in results:
        if programme_id is None:
            echo(f"{code}: already present, left as it is (use --force to replace it)")
        else:
            echo(f"{code}: {'replaced' if code in existing else 'loaded'}")
    echo(f"database: {store.location}")


@cli.command()
@click.option("--limit", "-n", default=30, show_default=True, help="How many changes to show.")
@click.option("--all-programmes", is_flag=True, help="Show changes in every programme.")
@click.option("--verify", is_flag=True, help="Check the history's hash chain instead (exit 1 when it is broken).")
@click.pass_obj
def history(context: Context, limit: int, all_programmes: bool, verify: bool) -> None:
    """Show who changed what, newest first (or check it was not tampered with)."""
    from assure.models.text import display_text

    store = context.open_store(read_only=True, create=False)
    if verify:
        verdict = store.verify_history()
        if not verdict.ok:
            fail(verdict.describe())
        echo(verdict.describe())
        return
    programme = None if all_programmes else context.pick_programme(store)
    rows = store.history(programme.id if programme else None, limit=limit)
    if not rows:
        echo("no changes recorded")
    from assure.models.history_text import row_text, when_text

    for row in rows:
        # As the History pane words it: field labels, dates as 04 Mar 2025, records summarised.
        echo(f"{when_text(row.at)}  {display_text(row.user)}  {display_text(row.kind)} "
             f"'{display_text(row.record_label)}'  {row_text(row)}")


@cli.command()
@click.pass_obj
def upgrade(context: Context) -> None:
    """Upgrade the database to this Assure's schema (a backup copy is kept beside it)."""
    if context.read_only:
        fail("--read-only: an upgrade writes the database; leave the option out")
    from assure.tui.progress_bar import shown

    with shown():
        store = context.open_store(read_only=False, create=False, announce=False, upgrade=True)
    path = store.location
    store.close()
    if store.read_only:
        fail(f"{path}: cannot upgrade: the file is read-only for you")
    if store.upgraded is None:
        echo(f"{path}: already up to date")
    else:
        echo(store.upgraded.describe())


@cli.command()
@click.argument("destination", type=click.Path(dir_okay=False), required=False)
@click.pass_obj
def backup(context: Context, destination: str | None) -> None:
    """Copy the database safely while it may be in use (SQLite online backup; PostgreSQL: use pg_dump).

    Without DESTINATION the copy goes beside the database, named after the time
    (assure-backup-2026-12-01T0930.db); an existing file is never replaced.
    """
    from assure.models.db import StoreError

    store = context.open_store(read_only=True, create=False)
    try:
        if destination is None and store.location.is_sqlite:
            destination = str(store.default_backup_path())
        from assure.tui.progress_bar import shown

        with shown():
            checked = store.backup(destination)
    except StoreError as error:
        fail(str(error))
    finally:
        store.close()
    echo(f"backed up {store.location} to {destination} ({checked})")


@cli.command()
@click.option("--out", "-o", metavar="FILE", help="SVG file to write (default: PROGRAMME-overview.svg here).")
@click.option("--size", default="120x40", show_default=True, metavar="COLSxROWS", help="Terminal size to draw at.")
@click.option("--pane", type=click.Choice(["overview", "raci", "outcomes", "deliverables", "risks", "actions",
                                           "lessons", "history"]), default="overview", show_default=True)
@click.pass_obj
def screenshot(context: Context, out: str | None, size: str, pane: str) -> None:
    """Save a pane (the Overview by default) as an SVG picture, for a slide."""
    from pathlib import Path

    try:
        width, height = (int(part) for part in size.lower().split("x"))
    except ValueError:
        fail(f"--size {size!r}: use COLSxROWS, e.g. 120x40")
    if width < 80 or height < 24:
        fail(f"--size {size!r}: the dashboard needs at least 80x24")
    store = context.open_store(read_only=True, create=False)
    programme = context.pick_programme(store)
    from assure.models.db import StoreError
    from assure.models.files import check_target, copy_mode, safe_file_stem, write_atomic

    # A code from an older database may hold any text: the default name is made safe.
    target = Path(out or f"{safe_file_stem(programme.code)}-{pane}.svg").expanduser()
    if not target.parent.is_dir():
        fail(f"{target}: folder {target.parent} does not exist")
    try:
        check_target(target, database=store.location.path)
    except StoreError as error:
        fail(str(error))
    from assure.tui.app import AssureApp

    # A picture for a slide: no key footer, no read-only badge, no toasts.
    app = AssureApp(store, programme_id=programme.id, picture=True)

    async def shoot(pilot) -> None:
        await app.action_show_pane(pane)
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        pictures.append(app.export_screenshot())
        app.exit()

    pictures: list[str] = []
    app.run(headless=True, size=(width, height), auto_pilot=shoot)
    mode = copy_mode(store.location.path)
    store.close()
    if app.return_code:
        fail(f"the dashboard failed while drawing the {pane} pane (the error is above)", app.return_code)
    if not pictures:
        fail(f"{target}: the screenshot was not written")
    try:
        write_atomic(target, pictures[0], mode=mode)
    except StoreError as error:
        fail(str(error))
    except OSError as error:
        fail(f"{target}: cannot write: {error.strerror or error}")
    echo(f"wrote {target}")


@cli.command()
def keys() -> None:
    """List the binding ids the keymap file can remap, with their default keys."""
    from assure.tui.keymap import binding_ids, keymap_path, load_keymap

    known = binding_ids()
    keymap = load_keymap(known=known)
    echo(f"keymap file: {keymap_path()}" + ("" if keymap_path().exists() else " (none yet)"))
    if keymap.message:
        echo(f"assure: warning: {keymap.message}", err=True)
    width = max(len(name) for name in known)
    for name, (default, description) in sorted(known.items()):
        now = keymap.keys.get(name)
        echo(f"{name:<{width}}  {now or default:<16}  {description}" + (f"  (default {default})" if now else ""))


@cli.command()
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True, type=click.Choice(["127.0.0.1", "localhost", "::1"]),
              help="Loopback address to listen on (nothing else is allowed).")
@click.option("--max-sessions", default=3, show_default=True, type=click.IntRange(1, 50), metavar="N",
              help="Browser tabs that may run the dashboard at once (each is one process).")
@click.pass_obj
def serve(context: Context, port: int, host: str, max_sessions: int) -> None:
    """Serve the dashboard to a browser on this machine (a secret URL; loopback only)."""
    store = context.open_store(read_only=context.read_only, create=False)
    path = store.location.argument
    shown = str(store.location)  # never a password, unlike the argument
    store.close()
    from assure.tui.serve import GuardedServer, dashboard_command, new_token

    def ready() -> None:
        # Printed once the port listens, so whoever waits for this line can connect.
        echo(f"Serving {shown} at {server.private_url}")
        echo(f"Anyone with this URL can use the dashboard as you: do not share it. "
                   f"At most {max_sessions} browser tab{'' if max_sessions == 1 else 's'} at once. Ctrl+C stops.")
        sys.stdout.flush()

    server = GuardedServer(
        dashboard_command(programme=context.programme, read_only=context.read_only),
        host=host, port=port, token=new_token(), max_sessions=max_sessions, on_ready=ready, database=path,
    )
    try:
        server.serve()
    except OSError as error:
        fail(f"cannot listen on {host}:{port}: {error.strerror or error}")


def main() -> None:
    """Console entry point."""
    from assure.models.db import StoreError

    try:
        cli(prog_name="assure")
    except KeyboardInterrupt:
        sys.exit(130)
    except StoreError as error:  # e.g. the database became busy mid-command: still one line
        fail(str(error))


from assure.tui.cli_board import register as _register_board

_register_board(cli)

from assure.tui.cli_closure import register as _register_closure

_register_closure(cli)
from assure.tui.cli_people import register as _register_people

_register_people(cli)
from assure.tui.cli_since import register as _register_since

_register_since(cli)
