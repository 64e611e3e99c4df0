"""The overview a board wants: the verdict and its reasons first, then outcomes, sign-offs,
risks, actions, findings and changes, laid out for the window it has.

Below 110 columns or 34 rows it is compact: the sign-off counts join the outcomes' heading
and the heat map and actions stand beside the outcomes, so at 80x24 the verdict, the
outcomes, the heat map and the actions are all on the first screen. Wider, sign-offs get
their own column; taller, more findings are listed, so no band of the screen stays blank.
"""

from __future__ import annotations

from functools import partial

from assure.models import history_text, vocab
from assure.models.summary import programme_summary
from assure.models.text import display_text
from assure.tui import tones
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

SEVERITY_SYMBOLS = {severity: symbol for severity, (_, symbol) in tones.SEVERITY_TONES.items()}
SEVERITY_TONES = {severity: tone for severity, (tone, _) in tones.SEVERITY_TONES.items()}
RAG_TONES = {"Red": "bad", "Amber": "warn", "Green": "good"}
#: Below either, the Overview is laid out compactly (see the module docstring).
WIDE_COLUMNS, TALL_ROWS = 110, 34
#: How many reasons the verdict box shows under its headline.
VERDICT_REASONS = 3
#: Outcome lines the Overview lists at most (the heat map's height): more would push the
#: findings off the first screen, and a thousand lines take a second to lay out.
OUTCOMES_LISTED = 10
#: Records a finding's line names at most before "and 1,075 more".
NAMES_ON_A_LINE = 40


def heatmap_cell(count: int, score: int) -> str:
    """One heat-map cell, three wide: the count (blank when none) and its band's symbol.

    Every cell carries the symbol, so the banding reads without colour (``NO_COLOR``) too.
    """
    return f"{count or '':>2}{tones.BAND_TONES[vocab.risk_band(score)][1]}"


class OverviewPane(VerticalScroll, can_focus=True):
    """Everything a board member should read in ten seconds."""

    COMPONENT_CLASSES = {"overview--good", "overview--warn", "overview--bad", "overview--muted", "overview--accent",
                         "overview--band-good", "overview--band-warn", "overview--band-bad"}
    # The heat map's cells are banded whether or not they hold a risk, as in the HTML pack.
    DEFAULT_CSS = """
    OverviewPane .overview--band-good { color: $text-success; background: $success-muted; }
    OverviewPane .overview--band-warn { color: $text-warning; background: $warning-muted; }
    OverviewPane .overview--band-bad { color: $text-error; background: $error-muted; text-style: bold; }
    OverviewPane .overview--good { color: $text-success; background: $background; }
    OverviewPane .overview--warn { color: $text-warning; background: $background; }
    OverviewPane .overview--bad { color: $text-error; background: $background; text-style: bold; }
    OverviewPane .overview--muted { color: $text-muted; background: $background; }
    OverviewPane .overview--accent { color: $text-accent; background: $background; }
    """
    BINDINGS = [
        Binding("j,down", "scroll_down", "Scroll down", show=False, id="overview.down"),
        Binding("k,up", "scroll_up", "Scroll up", show=False, id="overview.up"),
        Binding("f", "app.findings", "Findings", id="overview.findings"),
        Binding("v", "override_verdict", "Override verdict", id="overview.override"),
        # Listed by ? and the palette ("Edit programme"): the footer keeps its room at 80 columns.
        Binding("E", "app.edit_programme", "Edit the programme (name, dates, as of)", show=False,
                id="overview.edit_programme"),
    ]

    def __init__(self, store, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="pane")
        self.store = store
        self.programme_id: int | None = None
        self.summary: dict | None = None
        self.findings: list = []
        self.findings_ready = False
        self.updating = False
        self.changes: list = []
        #: The verdicts (:class:`~assure.models.verdict.Assessment`), worked out with the findings.
        self.assessment = None
        #: The history chain's check (a Verdict), once the background worker has run it.
        self.chain_verdict = None
        #: The data revision the findings are a judgement of (None: unknown, or written meanwhile).
        self.judged_revision: str | None = None

    def compose(self) -> ComposeResult:
        chain = Static("", id="ov-chain", classes="overview-box -full", markup=False)
        chain.display = False  # shown only when the history's hash chain is broken
        yield chain
        yield Static("", id="ov-verdict", classes="overview-box -full", markup=False)
        with Horizontal(classes="overview-row", id="ov-top"):
            yield Static("", id="ov-outcomes", classes="overview-box -wide", markup=False)
            yield Static("", id="ov-deliverables", classes="overview-box", markup=False)
            with Vertical(id="ov-side"):
                yield Static("", id="ov-risks", classes="overview-box", markup=False)
                yield Static("", id="ov-actions", classes="overview-box", markup=False)
        yield Static("", id="ov-findings", classes="overview-box -full", markup=False)
        yield Static("", id="ov-changes", classes="overview-box -full", markup=False)

    @property
    def compact(self) -> bool:
        """Laid out for a small window (see the module docstring)."""
        size = self.size
        return size.width < WIDE_COLUMNS or size.height < TALL_ROWS

    def on_resize(self, event) -> None:
        compact = self.compact
        if compact != self.has_class("-compact"):
            self.set_class(compact, "-compact")
        self.render_sections()

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "override_verdict" and self.store.read_only:
            return False  # not offered: a read-only session cannot write the override
        return True

    def action_override_verdict(self) -> None:
        """Override the programme's verdict (with a reason), or remove the override."""
        self.app.action_override_verdict()

    def _style(self, tone: str | None):
        # Full styles (partial ones cannot blend the themes' translucent text colours);
        # the component backgrounds match the pane's, so light and dark themes both read.
        return self.get_component_rich_style(f"overview--{tone}") if tone else ""

    def load(self, programme_id: int | None) -> None:
        """Read the summary, findings and latest changes of a programme. Read again after a
        change, the verdict and findings shown stay, marked as being re-checked, until the
        new ones are worked out (a second at 100k): no blank verdict, no lines jumping."""
        #: Showing the last judgement of this programme while the data's new one is worked out.
        self.updating = programme_id is not None and programme_id == self.programme_id and self.assessment is not None
        self.programme_id = programme_id
        if programme_id is None:
            self.summary, self.findings = None, []
            for box in self.query(".overview-box").results(Static):
                box.update("")
            self.query_one("#ov-outcomes", Static).update(Text("No programme to show."))
            return
        # The figures are a few aggregate queries at any size; the rules read every record,
        # so they run in a thread on their own connection and fill in when done.
        self.summary = programme_summary(self.store, programme_id, include_findings=False)
        self.app.set_programme_words(programme_id, vocab.ProgrammeWords(**self.summary["words"]))
        self.changes = self.store.history(programme_id, limit=5)
        self.findings_ready = False
        self.judged_revision = None
        if not self.updating:
            self.findings, self.assessment = [], None
        self.render_sections()
        self._judging += 1
        # Started after the first frame: the thread would otherwise compete with it for the GIL.
        self.call_after_refresh(
            self.run_worker, partial(self._run_rules, programme_id, self._judging), thread=True, exclusive=True,
            group="findings",
        )

    #: Which judgement the last load started (a worker's findings and verdict are shown only
    #: if no later load has started one), and the newest that has ended (shown, or failed).
    _judging = 0
    _judged = 0

    @property
    def judging(self) -> bool:
        """True while its judgement of the data as last loaded is being worked out (a Since
        view opened meanwhile waits for it rather than judging the same data at once)."""
        return self._judged < self._judging

    def on_mount(self) -> None:
        # Colours are resolved when the text is built: build it again for a new theme.
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.render_sections())

    def render_sections(self) -> None:
        """Draw every section from what was last read (no queries)."""
        if self.summary is None:
            return
        self.set_class(self.compact, "-compact")
        self.query_one("#ov-verdict", Static).update(self._verdict())
        self.query_one("#ov-outcomes", Static).update(self._outcomes())
        self.query_one("#ov-deliverables", Static).update(self._deliverables())
        self.query_one("#ov-risks", Static).update(self._risks())
        self.query_one("#ov-actions", Static).update(self._actions())
        self.query_one("#ov-findings", Static).update(
            self._findings() if self.findings_ready or self.updating
            else Text("Assurance findings: checking…", style="bold")
        )
        self.query_one("#ov-changes", Static).update(self._changes())

    def _run_rules(self, programme_id: int, judging: int = 0) -> None:
        from assure.models.rules import RulesCancelled
        from textual.worker import get_current_worker

        worker = get_current_worker()
        from assure.models import kept
        from assure.models.dates import today as get_today

        shown = False
        try:
            with self.store.reader() as reader:
                before = _revision(reader)
                # The same data judged on the same day before (here or by assure status) is read back.
                # Worked out afresh, the findings are shown as soon as the rules are done,
                # the verdict still being worked out (as long again at 100k).
                judgement = kept.judge(reader, programme_id, get_today(), cancelled=lambda: worker.is_cancelled,
                                       on_findings=lambda findings: self.call_later(
                                           self._show_findings_first, programme_id, judging, findings))
                # The data it is a judgement of: None when someone wrote while it was worked out.
                revision = before if before is not None and _revision(reader) == before else None
                # Shown before the history is checked: hashing 23,000 rows takes longer than
                # reading back a judgement, and only ever adds a warning.
                self.app.call_from_thread(self._show_findings, programme_id, judgement.findings, judgement.assessment,
                                          revision, judging)
                shown = True
                verdict = reader.verify_history()  # hashing every row: here, never before the first frame
        except RulesCancelled:
            return
        except Exception as error:  # shown on screen; never a crash
            if not shown:
                self.app.call_from_thread(self._show_findings_error, str(error))
            return
        self.app.call_from_thread(self._show_chain, verdict)

    def _show_chain(self, verdict) -> None:
        self.chain_verdict = verdict
        box = self.query_one("#ov-chain", Static)
        box.display = not verdict.ok
        if not verdict.ok:
            text = Text("⚠ History may have been tampered with: ", style=self._style("bad"))
            text.append(display_text(verdict.describe()))
            text.append("  (assure history --verify)", style=self._style("muted"))
            box.update(text)

    def _show_findings_first(self, programme_id: int, judging: int, findings: list) -> None:
        """The findings of the data as it is, before its verdict: the verdict shown stays
        (marked as being re-checked after a change), or says it is being worked out."""
        if programme_id != self.programme_id or judging != self._judging or self._judged == judging:
            return  # a later load has superseded it, or the whole judgement is already shown
        self.findings = findings
        self.findings_ready = True
        self.render_sections()

    def _show_findings(self, programme_id: int, findings: list, assessment=None, revision: str | None = None,
                       judging: int | None = None) -> None:
        if programme_id != self.programme_id:
            return
        self._judged = max(self._judged, self._judging if judging is None else judging)
        self.findings = findings
        self.assessment = assessment
        self.judged_revision = revision
        self.findings_ready = True
        self.updating = False
        self.render_sections()
        prepare = getattr(self.app, "prepare_since", None)
        if prepare is not None and revision is not None:
            prepare(programme_id, (findings, assessment), revision)
        self._judgement_done(programme_id)

    def _judgement_done(self, programme_id: int) -> None:
        done = getattr(self.app, "overview_judged", None)
        if done is not None and not self.judging:
            done(programme_id)

    def _show_findings_error(self, message: str) -> None:
        self._judged = self._judging
        if self.programme_id is not None:
            self._judgement_done(self.programme_id)
        if self.updating:  # the judgement shown is of the data before: not kept as if current
            self.updating, self.findings, self.assessment = False, [], None
            self.render_sections()
        self.query_one("#ov-findings", Static).update(
            Text(f"Assurance findings could not be run: {display_text(message)}"))

    # -- sections -------------------------------------------------------------------

    def _heading(self, text: Text, title: str) -> None:
        text.append(title, style="bold underline")
        text.append("\n")

    def _verdict_lines(self) -> int:
        """How many lines the verdict box takes (for fitting the findings below)."""
        if self.assessment is None:
            return 1
        verdict = self.assessment.programme
        shown = min(len(verdict.drivers) or len(verdict.reasons), VERDICT_REASONS)
        return 1 + int(verdict.overridden) + shown

    def _verdict(self) -> Text:
        from assure.models.verdict import DCA_MEANING, RAG_SYMBOLS

        text = Text(no_wrap=True, overflow="ellipsis")
        if self.assessment is None:
            text.append("Verdict: working it out…", style="bold")
            return text
        verdict = self.assessment.programme
        tone = RAG_TONES[verdict.rag]
        text.append(f"{RAG_SYMBOLS[verdict.rag]} Verdict {verdict.rag.upper()} (DCA {verdict.dca})",
                    style=self._style(tone))
        if verdict.overridden:
            text.append(" overridden", style=self._style("accent"))
            text.append(f"  derived {RAG_SYMBOLS[verdict.derived_rag]} {verdict.derived_rag} (DCA {verdict.derived_dca})",
                        style=self._style(RAG_TONES[verdict.derived_rag]))
            text.append("\nOverride: ", style=self._style("accent"))
            text.append(display_text(" ".join(str(verdict.override.reason).split())))
        elif self.updating:
            text.append("  re-checking after a change…", style=self._style("muted"))
        else:
            text.append(f"  {DCA_MEANING[verdict.dca]}", style=self._style("muted"))
        reasons = verdict.drivers or verdict.reasons
        for reason in reasons[:VERDICT_REASONS]:
            text.append("\n")
            text.append(f"{RAG_SYMBOLS[reason.level]} ", style=self._style(RAG_TONES[reason.level]))
            text.append(display_text(reason.text))
        hidden = len(reasons) - VERDICT_REASONS
        if hidden > 0:
            text.append(f"  (+{hidden} more in the board pack)", style=self._style("muted"))
        return text

    def _outcome_verdicts(self) -> str:
        """``▲2 ◆5 ●3``: how many outcomes have each colour (empty until worked out)."""
        from assure.models.verdict import RAG_SYMBOLS

        if self.assessment is None:
            return ""
        counts = {rag: 0 for rag in ("Red", "Amber", "Green")}
        for verdict in self.assessment.outcomes:
            counts[verdict.rag] += 1
        words = not self.compact
        return " ".join(f"{RAG_SYMBOLS[rag]}{count}" + (f" {rag.lower()}" if words else "")
                        for rag, count in counts.items() if count)

    def _outcomes(self) -> Text:
        from assure.models.verdict import RAG_SYMBOLS

        outcomes = self.summary["outcomes"]
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"Outcomes ({outcomes['total']})", style="bold underline")
        if verdicts := self._outcome_verdicts():
            text.append(f" {verdicts}")
        by_status = " · ".join(f"{tones.status_text(s)} {n}" for s, n in outcomes["by_status"].items())
        text.append(f" · status {by_status}\n", style=self._style("muted"))
        if self.compact:
            deliverables = self.summary["deliverables"]
            from assure.models.wording import share_text

            text.append(f"Sign-offs {deliverables['done']}/{deliverables['total']}"
                        f" ({share_text(deliverables['done'], deliverables['total'])}) ", style="bold")
            text.append(" · ".join(f"{tones.status_text(s)} {n}" for s, n in deliverables["by_status"].items()))
            text.append("\n")
        if not outcomes["progress"]:
            text.append("No outcomes recorded", style=self._style("muted"))
        verdicts = {verdict.outcome_id: verdict for verdict in self.assessment.outcomes} if self.assessment else {}
        listed = self._outcomes_listed(verdicts)
        for index, item in enumerate(listed):
            if index:
                text.append("\n")
            verdict = verdicts.get(item["id"])
            if verdict is not None:
                mark = "*" if verdict.overridden else " "
                text.append(f"{RAG_SYMBOLS[verdict.rag]}{mark}", style=self._style(RAG_TONES[verdict.rag]))
            else:
                text.append("  ")
            text.append(f"{item['number']:>2} ")
            symbol = tones.status_symbol(item["status"])
            text.append(f"{symbol} ", style=self._style(tones.status_tone(item["status"])))
            complete = item["total"] and item["done"] == item["total"]
            text.append(tones.progress_bar(item["done"], item["total"], width=8).ljust(14),
                        style=self._style("good" if complete else "warn"))
            text.append(" " + display_text(item["title"]))
        if hidden := len(outcomes["progress"]) - len(listed):
            why = "reddest shown; " if verdicts else ""
            text.append(f"\n… and {hidden:,} more ({why}3 lists all)", style=self._style("muted"))
        return text

    def _outcomes_listed(self, verdicts: dict) -> list[dict]:
        """The outcomes the box lists: all when they fit, else the reddest first (by number
        within a colour) and one line left for how many more."""
        progress = self.summary["outcomes"]["progress"]
        if len(progress) <= OUTCOMES_LISTED:
            return progress
        rank = {"Red": 0, "Amber": 1, "Green": 2}
        if verdicts:
            order = sorted(range(len(progress)),
                           key=lambda index: (rank.get(getattr(verdicts.get(progress[index]["id"]), "rag", None), 3), index))
            return [progress[index] for index in sorted(order[:OUTCOMES_LISTED - 1])]
        return progress[:OUTCOMES_LISTED - 1]

    def _deliverables(self) -> Text:
        from assure.models.wording import share_text

        deliverables = self.summary["deliverables"]
        text = Text(no_wrap=True, overflow="ellipsis")
        done = self.summary.get("words", {}).get("done", "Sign-offs")
        self._heading(text, f"{done} {deliverables['done']}/{deliverables['total']}"
                            f" ({share_text(deliverables['done'], deliverables['total'])})")
        if not deliverables["by_status"]:
            text.append("No deliverables", style=self._style("muted"))
        for index, (status, count) in enumerate(deliverables["by_status"].items()):
            if index:
                text.append("\n")
            text.append(f"{tones.status_text(status):<18}", style=self._style(tones.status_tone(status)))
            text.append(f"{count:>5}")
        return text

    def _risks(self) -> Text:
        risks = self.summary["risks"]
        text = Text(no_wrap=True, overflow="ellipsis")
        bands = risks["by_band"]
        text.append(f"Risks & issues: {risks['open']} open", style="bold underline")
        text.append("\n")
        for band in ("Red", "Amber", "Green", "Unscored"):
            tone, symbol = tones.BAND_TONES[band]
            text.append(f"{symbol}{bands.get(band, 0)} {band.lower() if not self.compact else ''}".rstrip() + " ",
                        style=self._style(tone))
        if not self.compact:
            text.append("\nLikelihood (L) down × impact across", style=self._style("muted"))
        text.append("\nL\\I  1   2   3   4   5\n", style=self._style("muted"))
        heatmap = risks["heatmap"]
        for likelihood in range(5, 0, -1):
            text.append(f"L{likelihood}  ", style=self._style("muted"))
            for impact in range(1, 6):
                text.append(heatmap_cell(heatmap[likelihood - 1][impact - 1], likelihood * impact),
                            style=self._style(f"band-{tones.band_tone(likelihood * impact)}"))
                text.append(" ")
            if likelihood > 1:
                text.append("\n")
        return text

    def _actions(self) -> Text:
        actions = self.summary["actions"]
        text = Text(no_wrap=True, overflow="ellipsis")
        # One line: beside the heat map it keeps the row no taller than the outcomes.
        text.append("Actions:", style="bold underline")
        text.append(f" ○{actions['open']} open", style=self._style("warn" if actions["open"] else "good"))
        text.append(f" ⚠{actions['overdue']} overdue", style=self._style("bad" if actions["overdue"] else "good"))
        if not self.compact:
            text.append(f" of {actions['total']}", style=self._style("muted"))
        return text

    def _findings_room(self) -> int:
        """How many findings fit on the first screen below the boxes above (at least 2)."""
        height = self.size.height or 21
        compact = self.compact
        above = self._verdict_lines() + (0 if compact else 1)  # the verdict and its margin
        outcomes = 1 + int(compact) + max(1, min(len(self.summary["outcomes"]["progress"]), OUTCOMES_LISTED))
        side = (8 if compact else 9) + 1 + 1  # heat map, margin, actions
        statuses = 0 if compact else 1 + max(1, len(self.summary["deliverables"]["by_status"]))
        top = max(outcomes, side, statuses) + 1
        below = 0 if compact else 3 + max(1, len(self.changes))  # latest changes: margin, heading, rows
        return max(2, height - above - top - below - 2)  # the heading and the "… more" line

    def _findings(self) -> Text:
        from assure.models.rules import SEVERITIES, count_by_severity, grouped  # imported by the findings' thread

        counts = count_by_severity(self.findings)
        text = Text(no_wrap=True, overflow="ellipsis")
        parts = " · ".join(f"{SEVERITY_SYMBOLS[s]} {counts[s]} {s}" for s in SEVERITIES)
        if counts["acknowledged"]:
            parts += f" · ✓ {counts['acknowledged']} acknowledged"
        state = " (re-checking after a change…)" if self.updating and not self.findings_ready else ""
        self._heading(text, f"Assurance findings{state}: {parts}   (f lists each in full; Enter jumps to the record)")
        if not self.findings:
            text.append("✓ No findings", style=self._style("good"))
        # One point per rule: eleven unowned deliverables are one line naming the eleven.
        groups = grouped(self.findings)
        room = self._findings_room()
        if len(groups) == room + 1:
            room += 1  # the "… and 1 more" line would take the same row
        for index, group in enumerate(groups[:room]):
            if index:
                text.append("\n")
            answered = group.acknowledged == len(group.findings)
            text.append(f"{'✓' if answered else SEVERITY_SYMBOLS[group.severity]} {group.severity:<6} ",
                        style=self._style("muted" if answered else SEVERITY_TONES[group.severity]))
            if group.acknowledged:
                text.append("acknowledged: " if answered else f"{group.acknowledged} acknowledged: ",
                            style=self._style("muted"))
            # One line, clipped at the edge: a few dozen names fill the widest terminal
            # (the findings screen, f, names every record).
            text.append(display_text(group.naming(most=NAMES_ON_A_LINE)))
        if len(groups) > room:
            text.append(f"\n… and {len(groups) - room} more", style=self._style("muted"))
        return text

    def _changes(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        self._heading(text, "Latest changes")
        rows = self.changes
        if not rows:
            text.append("None recorded", style=self._style("muted"))
        for index, row in enumerate(rows):
            if index:
                text.append("\n")
            when = history_text.when_text(row.at)
            if row.field:
                what = f"{display_text(row.field)}: {display_text(row.old_value)} → {display_text(row.new_value)}"
            else:
                what = (display_text(row.new_value) if row.action in ("load", "replace")
                        else history_text.change_text(row.kind, row.action, row.field))
            text.append(f"{when} {display_text(row.user)} ", style=self._style("muted"))
            text.append(f"{display_text(row.kind)} '{display_text(row.record_label)}' {what}")
        return text


def _revision(store) -> str | None:
    """The data's revision, None when it cannot be told (an old database, a lost connection)."""
    try:
        return store.revision()
    except Exception:
        return None
