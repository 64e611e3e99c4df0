"""Modal screens: help, programme picker."""

from __future__ import annotations

from assure.models.text import clean_text, display_text
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option


class HelpScreen(ModalScreen[None]):
    """Every binding of the pane in view, and the global ones."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="help.close")]

    def __init__(self, title: str, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self.help_title = title
        self.sections = sections

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static(Text(f"Keys · {display_text(self.help_title)}", style="bold"), markup=False)
            with VerticalScroll(id="help-scroll"):
                for heading, rows in self.sections:
                    table = Table.grid(padding=(0, 2))
                    table.add_column(style="bold", no_wrap=True)
                    table.add_column()
                    for key, description in rows:
                        table.add_row(Text(display_text(key)), Text(display_text(description)))
                    yield Static(Text(display_text(heading), style="underline"), markup=False, classes="help-heading")
                    yield Static(table, markup=False)
            yield Static(Text("Esc closes · ctrl+p finds any command"), markup=False, classes="help-foot")

    def action_dismiss(self) -> None:
        self.dismiss(None)


class ProgrammePicker(ModalScreen[int | None]):
    """Choose the programme to show."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="picker.cancel")]

    def __init__(self, programmes: list, current: int | None) -> None:
        super().__init__()
        self.programmes = programmes
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box"):
            yield Static(Text("Switch programme (Enter chooses, Esc cancels)", style="bold"), markup=False)
            options = [
                Option(Text(f"{'● ' if p.id == self.current else '  '}{display_text(p.name)}  ({display_text(p.code)})"),
                       id=str(p.id))
                for p in self.programmes
            ]
            yield OptionList(*options, id="picker-list")

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        for index, programme in enumerate(self.programmes):
            if programme.id == self.current:
                option_list.highlighted = index
        option_list.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)


class FindingsScreen(ModalScreen[object]):
    """Every assurance finding; the selected one in full below; Enter jumps to its record;
    ``a`` acknowledges it (with a reason, perhaps until a date)."""

    BINDINGS = [
        Binding("escape,q,f", "cancel", "Close", id="findings.close"),
        Binding("a", "acknowledge", "Acknowledge", id="findings.acknowledge"),
    ]

    def __init__(self, findings: list, *, acknowledge=None) -> None:
        """Args:
            findings: the findings to list.
            acknowledge: called with (finding, reason, until); returns the refusal
                ({field: message}) or the refreshed findings. None: read-only, no ``a``.
        """
        super().__init__()
        self.findings = findings
        self.acknowledge = acknowledge

    def compose(self) -> ComposeResult:
        from assure.tui.widgets.virtual_table import Column, VirtualTable

        from assure.tui.tones import SEVERITY_TONES

        tones = {severity: tone for severity, (tone, _) in SEVERITY_TONES.items()}
        symbols = {severity: symbol for severity, (_, symbol) in SEVERITY_TONES.items()}
        keys = "Enter: go to its record · a: acknowledge · Esc" if self.acknowledge else \
            "Enter: go to its record · Esc"
        with Vertical(id="findings-box"):
            yield Static(Text(f"Assurance findings ({len(self.findings)}) · {keys}", style="bold"),
                         markup=False, id="findings-title")
            yield VirtualTable(
                [
                    Column("severity", "Severity", width=9, format=lambda s: f"{symbols.get(s, '')} {s}",
                           tone=lambda row: "muted" if row[2] else tones.get(row[0]),
                           sort_key=lambda s: ("high", "medium", "low").index(s) if s in tones else 9),
                    Column("message", "Finding", flex=True),
                    Column("answer", "", width=5),
                ],
                empty_message="✓ No findings",
                id="findings-table",
            )
            yield Static("", id="findings-detail", markup=False)

    def _rows(self) -> list[tuple]:
        return [(f.severity, f.message, "✓ ack" if f.acknowledged is not None else "") for f in self.findings]

    def on_mount(self) -> None:
        from assure.tui.widgets.virtual_table import VirtualTable

        table = self.query_one(VirtualTable)
        table.set_rows(self._rows(), list(range(len(self.findings))))
        table.focus()
        self._show_detail(table.cursor_key)

    def on_virtual_table_row_highlighted(self, event) -> None:
        self._show_detail(event.key)

    def _show_detail(self, key: int | None) -> None:
        """The selected finding whole: what, why it matters, and its answer if any."""
        from assure.models.dates import format_date

        detail = self.query_one("#findings-detail", Static)
        if key is None or key >= len(self.findings):
            detail.update("")
            return
        finding = self.findings[key]
        text = Text()
        text.append(display_text(finding.message), style="bold")
        if finding.reason:
            text.append("\nWhy it matters: ", style="italic")
            text.append(display_text(finding.reason))
        ack = finding.acknowledged
        if ack is not None:
            until = f" until {format_date(ack.until)}" if ack.until else " until the record changes"
            text.append(f"\n✓ Acknowledged by {display_text(ack.actor)} on {format_date(ack.at)}{until}: ")
            text.append(display_text(ack.reason))
        detail.update(text)

    def on_virtual_table_row_selected(self, event) -> None:
        self.dismiss(self.findings[event.key])

    def action_acknowledge(self) -> None:
        """Ask why (and until when) the finding under the cursor stands answered; record it."""
        from assure.models.kinds import FieldSpec
        from assure.tui.editing import RecordForm
        from assure.tui.widgets.virtual_table import VirtualTable

        key = self.query_one(VirtualTable).cursor_key
        if self.acknowledge is None or key is None:
            return
        finding = self.findings[key]
        fields = [FieldSpec("reason", "Reason (why it stands answered)", "longtext", required=True),
                  FieldSpec("until", "Until (empty: until the record changes)", "date")]

        def save(typed: dict) -> dict | None:
            result = self.acknowledge(finding, typed.get("reason"), typed.get("until"))
            if isinstance(result, dict):
                return result
            self.findings = result
            table = self.query_one(VirtualTable)
            table.set_rows(self._rows(), list(range(len(self.findings))))
            self._show_detail(table.cursor_key)
            return None

        self.app.push_screen(RecordForm(f"Acknowledge: {display_text(finding.message)}", fields,
                                        {"reason": "", "until": None}, save=save))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ProgressScreen(ModalScreen[None]):
    """An outcome's progress narrative: achieved, next 6 months, 6 months plus."""

    BINDINGS = [Binding("escape", "close", "Close", id="progress.close")]

    DEFAULT_CSS = """
    ProgressScreen { align: center middle; }
    ProgressScreen #progress-box { width: 95%; height: 85%; border: round $primary; background: $surface; }
    """

    def __init__(self, store, outcome) -> None:
        super().__init__()
        self.store = store
        self.outcome = outcome

    def compose(self) -> ComposeResult:
        from assure.tui.panes.progress import ProgressPane

        with Vertical(id="progress-box"):
            yield ProgressPane(self.store, self.outcome, id="progress")

    def on_mount(self) -> None:
        from assure.tui.panes.progress import ProgressPane

        pane = self.query_one(ProgressPane)
        pane.load(self.outcome.programme_id)
        pane.focus_table()

    def action_close(self) -> None:
        self.dismiss(None)


class ExportScreen(ModalScreen[None]):
    """Write a board pack from the dashboard: the path is offered, the user may change it."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="export.cancel")]

    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen #export-box { width: 80; max-width: 100%; height: auto; border: round $primary;
                               background: $surface; padding: 0 1; }
    ExportScreen #export-error { color: $error; text-style: bold; height: auto; }
    """

    FORMAT_NAMES = {"md": "Markdown", "html": "HTML", "csv": "CSV (a folder of files)", "json": "JSON (whole programme)"}

    def __init__(self, store, programme, fmt: str, default_path: str) -> None:
        super().__init__()
        self.store = store
        self.programme = programme
        self.fmt = fmt
        self.default_path = default_path

    def compose(self) -> ComposeResult:
        from textual.widgets import Input

        with Vertical(id="export-box"):
            yield Static(Text(f"Export the board pack as {self.FORMAT_NAMES[self.fmt]}", style="bold"), markup=False)
            yield Static(Text("Write to (the whole path; Enter writes, Esc cancels):"), markup=False)
            # The default name holds the programme's code: no control character goes in.
            yield Input(clean_text(self.default_path), id="export-path")
            yield Static("", id="export-error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#export-error").display = False
        self.query_one("#export-path").focus()

    def on_input_submitted(self, event) -> None:
        from pathlib import Path

        from assure.models.board_pack import ExportError, export
        from assure.models.db import StoreError

        event.stop()
        # Made absolute here, so a bare name is reported with the folder it went into.
        target = Path(event.value.strip()).expanduser().absolute()
        try:
            written = export(self.store, self.programme.id, self.fmt, target)
        except (ExportError, StoreError) as error:
            box = self.query_one("#export-error", Static)
            box.update(Text(f"✗ {display_text(error, multiline=True)}"))
            box.display = True
            return
        where = target if self.fmt != "csv" else f"{len(written)} files in {target}"
        self.app.notify(f"Board pack written: {where}", timeout=8)  # the app's notify cleans it
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class VerdictOverrideScreen(ModalScreen[bool]):
    """Override a derived verdict — the programme's, or an outcome's when ``verdict`` is an
    outcome's — with a DCA rating and a reason (or remove it).

    Up/down choose the rating, Tab moves to the reason, Enter saves; Esc cancels. The
    reason is required: the store refuses a blank one and the message shows here.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="override.cancel")]

    DEFAULT_CSS = """
    VerdictOverrideScreen { align: center middle; }
    VerdictOverrideScreen #override-box { width: 76; max-width: 100%; height: auto; border: round $primary;
                                          background: $surface; padding: 0 1; }
    VerdictOverrideScreen #override-ratings { height: auto; max-height: 9; }
    VerdictOverrideScreen #override-error { color: $error; text-style: bold; height: auto; }
    """

    #: The option that removes an override, after the five ratings.
    REMOVE = "remove"
    #: What each rating means, short enough for one line at 80 columns (in full: DCA_MEANING).
    SHORT = {"Green": "delivery highly likely", "Amber/Green": "probable, needs constant attention",
             "Amber": "feasible, significant issues exist", "Amber/Red": "in doubt, major risks or issues",
             "Red": "appears unachievable"}

    def __init__(self, store, programme_id: int, verdict) -> None:
        super().__init__()
        self.store = store
        self.programme_id = programme_id
        self.verdict = verdict

    def compose(self) -> ComposeResult:
        from textual.widgets import Input

        from assure.models.verdict import DCA_RAG, DCA_RATINGS, RAG_SYMBOLS

        verdict = self.verdict
        options = [Option(Text(f"{RAG_SYMBOLS[DCA_RAG[rating]]} {rating}: {self.SHORT[rating]}"), id=rating)
                   for rating in DCA_RATINGS]
        if verdict.overridden:
            options.append(Option(Text(f"Remove the override (show the derived {verdict.derived_dca})"), id=self.REMOVE))
        with Vertical(id="override-box"):
            title = ("Override the programme verdict" if verdict.outcome_id is None
                     else f"Override the verdict of outcome {verdict.number}")
            yield Static(Text(title, style="bold"), markup=False)
            yield Static(Text(f"Derived by the rules: {verdict.derived_rag} (DCA {verdict.derived_dca})."
                              " Choose a rating, give the reason (Tab), Enter saves, Esc cancels."), markup=False)
            yield OptionList(*options, id="override-ratings")
            reason = clean_text(verdict.override.reason) if verdict.overridden else ""
            yield Input(reason, placeholder="Reason (required), e.g. accepted by the board on 20 Apr 2021",
                        id="override-reason")
            yield Static("", id="override-error", markup=False)

    def on_mount(self) -> None:
        from assure.models.verdict import DCA_RATINGS

        self.query_one("#override-error").display = False
        ratings = self.query_one(OptionList)
        ratings.highlighted = DCA_RATINGS.index(self.verdict.dca)
        ratings.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id == self.REMOVE:
            self._save(remove=True)
        else:
            self.query_one("#override-reason").focus()

    def on_input_submitted(self, event) -> None:
        event.stop()
        self._save()

    def _save(self, *, remove: bool = False) -> None:
        from assure.models.db import StoreError
        from assure.models.inputs import InvalidInput

        ratings = self.query_one(OptionList)
        option = ratings.get_option_at_index(ratings.highlighted or 0)
        outcome_id = self.verdict.outcome_id
        whose = "Verdict" if outcome_id is None else f"Outcome {self.verdict.number}: verdict"
        try:
            if remove or option.id == self.REMOVE:
                self.store.clear_verdict_override(self.programme_id, outcome_id)
                self.app.notify(f"{whose} override removed: the derived verdict shows again.")
            else:
                reason = self.query_one("#override-reason").value
                self.store.override_verdict(self.programme_id, outcome_id, option.id, reason)
                self.app.notify(f"{whose} overridden: {option.id}.")
        except InvalidInput as error:
            messages = {"reason": "Give a reason for the override", "rating": "Choose one of the five ratings",
                        "outcome_id": "That outcome is no longer there"}
            text = "; ".join(messages.get(name, f"{name} {message}") for name, message in error.errors.items())
            self._error(text)
            return
        except StoreError as error:
            self._error(str(error))
            return
        self.dismiss(True)

    def _error(self, message: str) -> None:
        box = self.query_one("#override-error", Static)
        box.update(Text(f"✗ {display_text(message, multiline=True)}"))
        box.display = True

    def action_cancel(self) -> None:
        self.dismiss(False)
