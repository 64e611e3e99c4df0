"""Editing in place: the cell editor, the record form, confirmations and conflicts.

These screens only collect what the user typed or chose; the pane hands it to the store,
which validates and saves it. A refused value comes back as a message shown next to the
field, with what was typed kept so it can be corrected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from assure.models.dates import format_local_time
from assure.models.kinds import FieldSpec
from assure.models.text import clean_text, display_text
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.geometry import Region
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

PLACEHOLDERS = {
    "date": "31/03/2021 or 2021-03-31 (empty for none)",
    "score": "1 to 5 (empty for not assessed)",
    "int": "a whole number",
    "people": "a name; several as 'A / B'",
}

#: Sentinel for "no value" in choice lists.
NONE_CHOICE = "\x00none"


class SuggestingInput(Input):
    """An input whose name suggestion Tab accepts (and Tab moves on when none is shown)."""

    BINDINGS = [Binding("tab", "accept_suggestion", "Accept the suggestion", show=False,
                        id="input.accept_suggestion")]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "accept_suggestion":
            return bool(self._suggestion) and self._suggestion != self.value
        return super().check_action(action, parameters)

    def action_accept_suggestion(self) -> None:
        self.value = self._suggestion
        self.cursor_position = len(self.value)


def editor_text(value: Any) -> str:
    """How a stored value appears in an input box (dates as typed in the UK style).

    Control characters are dropped: an Input draws its value raw, and an old row (or
    another writer) may hold escape sequences that validation would refuse today.
    """
    if value is None:
        return ""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        year, month, day = value.split("-")
        return f"{day}/{month}/{year}"
    return clean_text(str(value))


class CellEditor(ModalScreen[object]):
    """Edit one field over its cell. Dismisses with the new value, or ``None`` on Esc.

    Choices (statuses, kinds, RACI letters, outcomes, people by id) use a list; everything
    else a one-line input. The pane validates through the store and calls
    :meth:`show_error` when a value is refused, so the editor stays open with the text.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="editor.cancel")]

    DEFAULT_CSS = """
    CellEditor { background: $background 0%; }
    CellEditor #editor-box { width: auto; height: auto; background: $surface; }
    CellEditor #editor-input { border: none; height: 1; padding: 0; background: $boost; }
    CellEditor #editor-input:focus { border: none; background: $primary 30%; }
    CellEditor #editor-list { height: auto; max-height: 12; border: tall $primary; padding: 0; }
    CellEditor #editor-error { color: $error; background: $surface; text-style: bold; height: auto; }
    CellEditor #editor-hint { color: $text-muted; background: $surface; height: auto; }
    """

    def __init__(
        self,
        spec: FieldSpec,
        value: Any,
        region: Region,
        *,
        choices: list[tuple[str, Any]] | None = None,
        suggestions: list[str] | None = None,
        title: str = "",
        save=None,
    ) -> None:
        super().__init__()
        self.save = save
        self.spec = spec
        self.value = value
        self.cell_region = region
        self.choices = choices
        self.suggestions = [clean_text(name) for name in suggestions or []]
        self.title_text = title
        self.submitted_value: Any = None

    def compose(self) -> ComposeResult:
        from rich.cells import cell_len

        hint = f"{display_text(self.title_text or self.spec.label)}: Enter saves · Esc cancels"
        # Wide enough for the hint on one line (up to the screen's width; past it, the hint is cut).
        width = max(self.cell_region.width, 30 if self.choices else 24, cell_len(hint))
        with Vertical(id="editor-box") as box:
            # Over its cell; moved left rather than squeezed when the cell is near the right edge.
            width = min(width, self.app.size.width)
            box.styles.width = width
            box.styles.offset = (max(0, min(self.cell_region.x, self.app.size.width - width)), self.cell_region.y)
            if self.choices is not None:
                options = [Option(Text(display_text(label)), id=str(index)) for index, (label, _) in enumerate(self.choices)]
                yield OptionList(*options, id="editor-list")
            else:
                yield SuggestingInput(
                    editor_text(self.value),
                    placeholder=PLACEHOLDERS.get(self.spec.control, self.spec.label),
                    id="editor-input",
                    suggester=SuggestFromList(self.suggestions, case_sensitive=False) if self.suggestions else None,
                    select_on_focus=False,
                )
            yield Static("", id="editor-error", markup=False)
            if cell_len(hint) > width:
                hint = "Enter saves · Esc cancels"
            yield Static(Text(hint, no_wrap=True, overflow="ellipsis"), id="editor-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#editor-error").display = False
        if self.choices is not None:
            option_list = self.query_one(OptionList)
            for index, (_, choice) in enumerate(self.choices):
                if choice == self.value:
                    option_list.highlighted = index
            option_list.focus()
        else:
            box = self.query_one(Input)
            box.focus()
            box.cursor_position = len(box.value)

    @on(Input.Submitted, "#editor-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._try(event.value)

    @on(OptionList.OptionSelected, "#editor-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._try(self.choices[int(event.option.id)][1])

    def _try(self, value: Any) -> None:
        """Hand the value to the save callback; stay open with its message if refused."""
        self.submitted_value = value
        error = self.save(value) if self.save else None
        if error:
            self.show_error(error)
        else:
            self.dismiss(value)

    def show_error(self, message: str) -> None:
        """Show why the value was refused, keeping what was typed."""
        error = self.query_one("#editor-error", Static)
        error.update(Text(f"✗ {display_text(message)}"))
        error.display = True

    def action_cancel(self) -> None:
        self.dismiss(None)


class RecordForm(ModalScreen[dict | None]):
    """A compact form for a whole record: the same controls as the cell editor.

    Dismisses with ``{field: value}`` as typed; the pane validates through the store and
    calls :meth:`show_errors` when anything is refused, so nothing typed is lost.
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
        Binding("ctrl+s", "save", "Save", id="form.save", show=False),
    ]

    DEFAULT_CSS = """
    RecordForm { align: center middle; }
    RecordForm #form-box { width: 90; max-width: 100%; height: auto; max-height: 100%; border: round $primary;
                           background: $surface; padding: 0 1; }
    RecordForm #form-fields { height: auto; }
    RecordForm .form-label { text-style: bold; }
    RecordForm .form-error { color: $error; text-style: bold; height: auto; }
    RecordForm Input, RecordForm Select { width: 100%; }
    RecordForm Input { height: 1; border: none; padding: 0 1; background: $boost; margin-bottom: 1; }
    RecordForm Input:focus { border: none; background: $primary 30%; }
    RecordForm Select { margin-bottom: 0; }
    RecordForm #form-buttons { height: auto; align-horizontal: right; margin-top: 1; }
    RecordForm Button { margin-left: 1; min-width: 10; }
    """

    def __init__(
        self,
        title: str,
        fields: list[FieldSpec],
        values: dict[str, Any],
        *,
        choices: dict[str, list[tuple[str, Any]]] | None = None,
        suggestions: list[str] | None = None,
        save=None,
    ) -> None:
        super().__init__()
        self.save = save
        self.form_title = title
        self.fields = fields
        self.values = values
        self.choices = choices or {}
        self.suggestions = [clean_text(name) for name in suggestions or []]

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Static(Text(display_text(self.form_title), style="bold"), markup=False)
            with VerticalScroll(id="form-fields"):
                for spec in self.fields:
                    required = " *" if spec.required else ""
                    yield Label(Text(f"{spec.label}{required}"), classes="form-label", markup=False)
                    value = self.values.get(spec.name)
                    if spec.name in self.choices:
                        options = [(Text(display_text(label)), NONE_CHOICE if choice is None else choice)
                                   for label, choice in self.choices[spec.name]]
                        initial = NONE_CHOICE if value is None else value
                        known = {choice for _, choice in options}
                        yield Select(options, value=initial if initial in known else Select.NULL,
                                     allow_blank=initial not in known, id=f"field-{spec.name}")
                    else:
                        yield SuggestingInput(
                            editor_text(value),
                            placeholder=PLACEHOLDERS.get(spec.control, ""),
                            id=f"field-{spec.name}",
                            suggester=SuggestFromList(self.suggestions, case_sensitive=False)
                            if spec.control == "people" and self.suggestions else None,
                        )
                    yield Static("", id=f"error-{spec.name}", classes="form-error", markup=False)
            with Horizontal(id="form-buttons"):
                yield Button("Save", variant="primary", id="form-save")
                yield Button("Cancel", id="form-cancel")
            yield Static(Text("Tab moves between fields · ctrl+s or Save saves · Esc cancels"), markup=False)

    #: Rows the form's box takes besides its fields: border, title, buttons, hint.
    FRAME_ROWS = 8

    def on_mount(self) -> None:
        for spec in self.fields:
            self.query_one(f"#error-{spec.name}").display = False
        self._fit_fields()
        first = self.query(f"#field-{self.fields[0].name}").first() if self.fields else None
        if first is not None:
            first.focus()
        self.initial = self.collect()

    def on_resize(self) -> None:
        self._fit_fields()

    def _fit_fields(self) -> None:
        # The fields scroll only when the window is too short for all of them: at 43 rows
        # every field shows, and the buttons and any message stay on screen.
        self.query_one("#form-fields").styles.max_height = max(4, self.app.size.height - self.FRAME_ROWS)

    @on(Input.Changed)
    @on(Select.Changed)
    def _edited(self, event: Input.Changed | Select.Changed) -> None:
        """A refusal's message goes as soon as the field is changed: it no longer applies."""
        widget_id = event.control.id or ""
        if widget_id.startswith("field-"):
            errors = self.query(f"#error-{widget_id[len('field-'):]}")
            for error in errors:
                error.display = False

    def collect(self) -> dict[str, Any]:
        """What the form holds now, field by field, as typed."""
        values: dict[str, Any] = {}
        for spec in self.fields:
            widget = self.query_one(f"#field-{spec.name}")
            if isinstance(widget, Select):
                chosen = widget.value
                values[spec.name] = None if chosen in (Select.NULL, NONE_CHOICE) else chosen
            else:
                values[spec.name] = widget.value
        return values

    def show_errors(self, errors: dict[str, str]) -> None:
        """Show each refused field's reason beside it; the first bad field gets focus."""
        focused = False
        for spec in self.fields:
            error = self.query_one(f"#error-{spec.name}", Static)
            message = errors.get(spec.name)
            error.display = bool(message)
            error.update(Text(f"✗ {display_text(message)}" if message else ""))
            if message and not focused:
                self.query_one(f"#field-{spec.name}").focus()
                # The message sits under its field: scroll far enough that it shows too.
                self.call_after_refresh(error.scroll_visible, animate=False)
                focused = True
        other = {name: message for name, message in errors.items() if name not in {s.name for s in self.fields}}
        if other:
            self.notify("; ".join(f"{name}: {message}" for name, message in other.items()), severity="error")

    @on(Button.Pressed, "#form-save")
    def action_save(self) -> None:
        values = self.collect()
        errors = self.save(values) if self.save else None
        if errors:
            self.show_errors(errors)
        else:
            self.dismiss(values)

    @on(Button.Pressed, "#form-cancel")
    def action_cancel(self) -> None:
        """Close; when something was typed, ask first (Esc is easy to press by mistake)."""
        if self.collect() == getattr(self, "initial", None):
            self.dismiss(None)
            return

        def answer(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen("Discard what you typed in this form?", yes="Discard",
                                           no="Keep editing"), answer)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()


class RecordView(ModalScreen[None]):
    """The whole record, read only: what the detail view could not fit (a long note)."""

    BINDINGS = [Binding("escape,q,E", "close", "Close", id="view.close")]

    DEFAULT_CSS = """
    RecordView { align: center middle; }
    RecordView #view-box { width: 90; max-width: 100%; height: auto; max-height: 100%; border: round $primary;
                           background: $surface; padding: 0 1; }
    RecordView #view-scroll { height: auto; max-height: 1fr; }
    RecordView #view-hint { color: $text-muted; }
    """

    def __init__(self, title: str, body: Text) -> None:
        super().__init__()
        self.view_title, self.body = title, body

    def compose(self) -> ComposeResult:
        with Vertical(id="view-box"):
            yield Static(Text(display_text(self.view_title), style="bold"), markup=False)
            with VerticalScroll(id="view-scroll"):
                yield Static(self.body, id="view-body", markup=False)
            yield Static(Text("↑/↓ scroll · Esc closes"), id="view-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#view-scroll").styles.max_height = max(3, self.app.size.height - 5)
        self.query_one("#view-scroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """Ask yes or no, naming exactly what will happen."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen #confirm-box { width: 70; max-width: 100%; height: auto; border: thick $warning;
                                 background: $surface; padding: 0 1; }
    ConfirmScreen #confirm-buttons { height: auto; align-horizontal: right; }
    ConfirmScreen Button { margin-left: 1; }
    """

    def __init__(self, question: str, *, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question = question
        self.yes, self.no = yes, no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(Text(display_text(self.question, multiline=True)), markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self.yes} (y)", variant="error", id="confirm-yes")
                yield Button(f"{self.no} (n)", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no").focus()

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self) -> None:
        self.dismiss(False)

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


@dataclass(frozen=True)
class ConflictRow:
    """One field in conflict, as the conflict screen shows it."""

    name: str
    #: The field's label for people ("Approved by"), never the internal name.
    label: str
    #: What this session would write (for an undo: the value it would restore).
    yours: Any
    #: What a colleague has stored meanwhile.
    theirs: Any
    #: The newest history row for this field (who stored ``theirs`` and when), if known.
    changed: Any = None

    def changed_text(self) -> str:
        """"changed by Ann at 09:30 (local time)", cleaned; "" when the history says nothing."""
        if self.changed is None:
            return ""
        who = " ".join(display_text(self.changed.user).split()) or "someone"
        when = format_local_time(self.changed.at)
        if not when:
            return f"changed by {who}"
        return f"changed by {who} {'at' if ' ' not in when else 'on'} {when} (local time)"


def conflict_rows(conflict, store=None) -> list[ConflictRow]:
    """The rows a :class:`~assure.models.store.Conflict` asks about, in field order.

    Args:
        conflict: the store's conflict.
        store: when given, each row carries the field's newest history row, so the screen
            can say who changed it and when.
    """
    from assure.models.db import StoreError

    rows = []
    for name, (yours, theirs, _seen) in conflict.fields.items():
        try:
            label = conflict.kind.field(name).label
        except KeyError:  # not an editable field (the programme a record belongs to)
            label = name.replace("_", " ").capitalize()
        changed = None
        if store is not None:
            try:
                changed = store.last_change(conflict.kind.name, conflict.record_id, name)
            except StoreError:  # busy: the choice matters more than the attribution
                changed = None
        rows.append(ConflictRow(name, label, yours, theirs, changed))
    return rows


#: What the conflict screen dismisses with: field name -> "mine" or "theirs", "skip", or None (cancel).
ConflictChoice = dict[str, str] | str | None


class ConflictScreen(ModalScreen[ConflictChoice]):
    """Colleagues changed fields this session is writing: show every one, let the user choose.

    Each field shows both values and a tick box "Keep mine"; unticked keeps the colleague's
    value. ``s`` saves those choices; ``m`` and ``t`` keep mine or theirs for every field at
    once. On an undo, ``k`` skips the change instead (it leaves this session's undo list),
    and with ``choices=False`` (undoing a record's creation) only skipping is offered.

    Dismisses with ``{field: "mine" | "theirs"}``, ``"skip"``, or ``None`` for Esc (nothing
    is written).
    """

    BINDINGS = [
        Binding("s", "apply", "Save choices", id="conflict.apply"),
        Binding("m", "all('mine')", "Keep mine for all", id="conflict.mine"),
        Binding("t", "all('theirs')", "Keep theirs for all", id="conflict.theirs"),
        Binding("k", "skip", "Skip this change", id="conflict.skip"),
        Binding("escape", "cancel", "Cancel", show=False, id="conflict.cancel"),
    ]

    DEFAULT_CSS = """
    ConflictScreen { align: center middle; }
    ConflictScreen #conflict-box { width: 76; max-width: 100%; height: auto; max-height: 100%;
                                   border: thick $error; background: $surface; padding: 0 1; }
    ConflictScreen #conflict-fields { height: auto; max-height: 12; }
    ConflictScreen .conflict-field { height: auto; }
    ConflictScreen .conflict-choice { margin: 0 0 1 2; }
    ConflictScreen #conflict-buttons { height: auto; align-horizontal: right; }
    ConflictScreen Button { margin-left: 1; }
    ConflictScreen #conflict-hint { color: $text-muted; }
    """

    def __init__(
        self,
        what: str,
        rows: list[ConflictRow],
        *,
        undo: bool = False,
        choices: bool = True,
        describe: Callable[[str, Any], str] | None = None,
    ) -> None:
        """Args:
            what: the record, as the user knows it ("Deliverable 'Plan'").
            rows: the fields in conflict.
            undo: the conflict is an undo's: yours is the value it would restore; it can be skipped.
            choices: offer keep mine / theirs (False: an undone creation can only be skipped).
            describe: how a field's value reads (a person's name for an id); cleaned after.
        """
        super().__init__()
        self.what, self.rows, self.undo, self.choices = what, rows, undo, choices
        self.describe = describe or (lambda _name, value: value)

    def _shown(self, row: ConflictRow, value: Any) -> str:
        return display_text(self.describe(row.name, value)) or "(empty)"

    def compose(self) -> ComposeResult:
        heading = Text()
        if self.undo:
            heading.append("Someone else changed this after your change; undo would overwrite it.\n", style="bold")
        else:
            heading.append("Someone else changed this while you were editing.\n", style="bold")
        heading.append(display_text(self.what))
        yours = ("Undo restores: " if self.choices else "You made:     ") if self.undo else "Yours:         "
        with Vertical(id="conflict-box"):
            yield Static(heading, markup=False)
            with VerticalScroll(id="conflict-fields"):
                for row in self.rows:
                    text = Text()
                    text.append(row.label, style="bold")
                    text.append(f"\n  {yours}", style="bold")
                    text.append(self._shown(row, row.yours))
                    text.append("\n  Now stored:    ", style="bold")
                    text.append(self._shown(row, row.theirs))
                    if changed := row.changed_text():
                        text.append(f"\n                 {changed}", style="italic")
                    yield Static(text, classes="conflict-field", markup=False)
                    if self.choices:
                        yield Checkbox(self._choice_label(False), compact=True,
                                       id=f"mine-{row.name}", classes="conflict-choice")
            with Horizontal(id="conflict-buttons"):
                if self.choices:
                    yield Button("Undo (s)" if self.undo else "Save (s)", variant="primary", id="conflict-apply")
                    yield Button("Undo all (m)" if self.undo else "All mine (m)", variant="warning", id="conflict-mine")
                    yield Button("All theirs (t)", id="conflict-theirs")
                if self.undo:
                    yield Button("Skip change (k)", variant="primary" if not self.choices else "default",
                                 id="conflict-skip")
            if not self.choices:
                hint = "k skips this change so u undoes the one before · Esc leaves it for now"
            elif self.undo:
                hint = "Space switches a field · k skips this change · Esc undoes nothing"
            else:
                hint = "Space switches a field between theirs and yours · Esc saves nothing"
            yield Static(Text(hint), id="conflict-hint", markup=False)

    def _choice_label(self, mine: bool) -> Content:
        """What a field's tick box will do, spelled out (an unticked box reads as a choice too)."""
        if self.undo:
            return Content("✓ undo it: restore yours" if mine else "keep theirs (space: undo it)")
        return Content("✓ keep yours" if mine else "keep theirs (space: keep yours)")

    @on(Checkbox.Changed, ".conflict-choice")
    def _switched(self, event: Checkbox.Changed) -> None:
        event.checkbox.label = self._choice_label(event.value)

    def on_mount(self) -> None:
        first = self.query(".conflict-choice").first() if self.choices else None
        (first or self.query(Button).first()).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "skip":
            return self.undo
        if action in ("apply", "all"):
            return self.choices
        return True

    def chosen(self) -> dict[str, str]:
        """Each field's choice as the tick boxes stand."""
        return {row.name: "mine" if self.query_one(f"#mine-{row.name}", Checkbox).value else "theirs"
                for row in self.rows}

    @on(Button.Pressed, "#conflict-apply")
    def action_apply(self) -> None:
        self.dismiss(self.chosen())

    @on(Button.Pressed, "#conflict-mine")
    def _mine(self) -> None:
        self.action_all("mine")

    @on(Button.Pressed, "#conflict-theirs")
    def _theirs(self) -> None:
        self.action_all("theirs")

    def action_all(self, choice: str) -> None:
        self.dismiss({row.name: choice for row in self.rows})

    @on(Button.Pressed, "#conflict-skip")
    def action_skip(self) -> None:
        self.dismiss("skip")

    def action_cancel(self) -> None:
        self.dismiss(None)
