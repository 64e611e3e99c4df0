"""``assure people``: list a programme's people, rename one, merge two spellings.

The store does the work in one transaction (every mention moves, history per record); the
commands find the people by name and report. Output goes through :func:`cli.echo`.
"""

from __future__ import annotations

import click

from assure.tui.cli import Context, echo, fail


@click.group()
def people() -> None:
    """List people, rename a person, or merge two spellings of one name."""


def _find(store, programme, name: str):
    """The person called ``name`` (white space and case ignored), or exit naming who there is."""
    from assure.models.people import name_key

    everyone = store.people(programme.id)
    exact = [person for person in everyone if person.name == name]
    found = exact or [person for person in everyone if name_key(person.name) == name_key(name)]
    if len(found) == 1:
        return found[0]
    listed = ", ".join(f"'{person.name}'" for person in everyone) or "none"
    fail(f"no person {name!r} in {programme.code} (people: {listed})")


@people.command("list")
@click.pass_obj
def list_people(context: Context) -> None:
    """Each person of the programme and where their name is used."""
    from assure.models.people import describe_uses, people_with_uses

    store = context.open_store(read_only=True, create=False)
    programme = context.pick_programme(store)
    for person, uses in people_with_uses(store, programme.id):
        organisation = f" ({person.organisation})" if person.organisation else ""
        echo(f"{person.name}{organisation}: {describe_uses(uses)}")


@people.command()
@click.argument("old")
@click.argument("new")
@click.pass_obj
def rename(context: Context, old: str, new: str) -> None:
    """Rename person OLD to NEW; RACI roles and every mention of the name move with it."""
    from assure.models.db import StoreError
    from assure.models.inputs import InvalidInput

    store = context.open_store(create=False)
    programme = context.pick_programme(store)
    person = _find(store, programme, old)
    try:
        change = store.rename_person(person.id, new, expected_name=person.name)
    except (InvalidInput, StoreError) as error:  # a bad or taken name, a colleague's change, a busy database
        fail(_reason(error))
    echo(f"{change.describe()}" if change.parts else f"'{person.name}' already has that name: nothing changed")


@people.command()
@click.argument("spelling_to_drop", metavar="FROM")
@click.argument("spelling_to_keep", metavar="INTO")
@click.pass_obj
def merge(context: Context, spelling_to_drop: str, spelling_to_keep: str) -> None:
    """Merge person FROM into INTO: every mention of FROM becomes INTO, and FROM goes.

    For example: assure people merge "Rachael Tanner" "Rachel Tanner"
    """
    from assure.models.db import StoreError
    from assure.models.inputs import InvalidInput

    store = context.open_store(create=False)
    programme = context.pick_programme(store)
    source = _find(store, programme, spelling_to_drop)
    target = _find(store, programme, spelling_to_keep)
    try:
        change = store.merge_people(source.id, target.id, expected_names={source.id: source.name,
                                                                          target.id: target.name})
    except (InvalidInput, StoreError) as error:
        fail(_reason(error))
    echo(change.describe())


def _reason(error) -> str:
    """One line: an input refusal says what was wrong with which value."""
    errors = getattr(error, "errors", None)
    if errors:
        return "; ".join(str(message) for message in errors.values())
    return str(error)


def register(cli: click.Group) -> None:
    """Add ``assure people`` to the command line."""
    cli.add_command(people)
