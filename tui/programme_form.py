"""Editing the programme itself: name, organisation, dates, reporting date, description.

The same form, history, undo and conflict screen as any record: the store validates and
saves (``Store.update("programme", ...)``), this only asks and reports.
"""

from __future__ import annotations

from typing import Any

from assure.models.db import StoreError
from assure.models.kinds import PROGRAMME
from assure.models.text import display_text
from assure.tui.editing import ConflictScreen, RecordForm, RecordView, conflict_rows, editor_text
from assure.tui.panes.base import field_lines


def edit_programme(app) -> None:
    """Open the programme's record form (read-only: show it); save only what was changed."""
    from assure.models.inputs import InvalidInput
    from assure.models.store import Conflict

    programme = app.store.get("programme", app.programme_id) if app.programme_id is not None else None
    if programme is None:
        app.notify("There is no programme to edit.", severity="warning")
        return
    if app.store.read_only:
        app.push_screen(RecordView(f"Programme: {programme.name}",
                                   field_lines([(spec.label, getattr(programme, spec.name)) for spec in PROGRAMME.fields])))
        return
    values = {spec.name: getattr(programme, spec.name) for spec in PROGRAMME.fields}
    pending: list = []

    def save(typed: dict[str, Any]) -> dict[str, str] | None:
        changed = {name: value for name, value in typed.items()
                   if _text(value) not in (_text(values[name]), _text(editor_text(values[name])))}
        if not changed:
            return None
        expected = {name: values[name] for name in changed}
        try:
            change = app.store.update("programme", programme.id, changed, expected=expected)
        except InvalidInput as error:
            return error.errors
        except Conflict as conflict:
            pending.append((conflict, changed, expected))
            return None
        except StoreError as error:
            return {"record": str(error)}
        _saved(app, change)
        return None

    def closed(_result) -> None:
        if pending:
            _resolve(app, programme, *pending[0])

    app.push_screen(RecordForm(f"Edit programme: {display_text(programme.name)}", list(PROGRAMME.fields), values,
                               save=save), closed)


def _saved(app, change) -> None:
    if change.fields:
        app.notify(f"Saved {change.describe()}. u undoes it.", timeout=4)
    app.refresh_data()


def _resolve(app, programme, conflict, values: dict[str, Any], expected: dict[str, Any]) -> None:
    """A colleague changed some of the same fields: show each, save what the user chooses."""
    from assure.models.store import Conflict

    def choose(choice) -> None:
        if not isinstance(choice, dict):
            app.notify("Not saved: the colleague's values stay.", severity="warning")
            app.refresh_data()
            return
        retry = {name: value for name, value in values.items()
                 if name not in conflict.fields or choice.get(name) == "mine"}
        seen = {name: conflict.fields[name][1] if name in conflict.fields else expected[name] for name in retry}
        if not retry:
            app.notify("Kept the colleague's values; nothing of yours to save.")
            app.refresh_data()
            return
        try:
            change = app.store.update("programme", programme.id, retry, expected=seen)
        except Conflict as again:  # changed once more while the user was choosing: ask again
            _resolve(app, programme, again, retry, seen)
            return
        except StoreError as error:
            app.notify(str(error), title="Not saved", severity="error")
            app.refresh_data()
            return
        _saved(app, change)

    app.push_screen(ConflictScreen(f"Programme '{display_text(programme.name)}'", conflict_rows(conflict, app.store),
                                   describe=lambda name, value: editor_text(value) if name.endswith(("_date", "as_of"))
                                   else value), choose)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()
