"""Journal commands: ``people``, ``log``, ``progress``, ``export``, ``import``, ``delete``.

Also :func:`journal_options` (``--person``, ``--keep-video``) for ``kneecoach analyze``
and :func:`open_journal`, the journal a command works in (opened once per command).
The use cases are :class:`kneecoach.app.journal.Journal`'s; these commands parse,
call and print.
"""

from __future__ import annotations

import re
import shlex
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table

from kneecoach.cli.common import (
    Command,
    err,
    far_date_note,
    out,
    resolve_settings,
    settings_options,
)
from kneecoach.core.errors import InputError
from kneecoach.core.lazy import lazy_module
from kneecoach.core.settings import SETTINGS, load_settings
from kneecoach.program import redflags
from kneecoach.storage.progress import Change, long_date, short_date

if TYPE_CHECKING:  # loaded on first use: `kneecoach --help` needs none of the journal's stack
    from kneecoach.app import journal
    from kneecoach.app.journal import Journal, StoredAssessment
    from kneecoach.program import Adaptation
else:
    journal = lazy_module("kneecoach.app.journal")

_URL = next(s for s in SETTINGS if s.name == "database_url")
VERDICT_STYLE = {"improved": "green", "worse": "yellow", "no real change": "cyan"}
RED_FLAG_QUESTION = f"Since last time, any of these: {redflags.since_last_time()}?"
RED_FLAG_ADVICE = redflags.STOP_AND_SEE_A_CLINICIAN


#: more sets than anyone does in a session (and than the database's integers hold)
MAX_SETS = 1000


def database_option(command: Command) -> Command:
    """``--database-url`` (the ``database_url`` setting, from the one settings table)."""
    return click.option(
        _URL.flag, "database_url", default=None,
        help=f"{_URL.help} [env: KNEECOACH_DATABASE_URL]",
    )(command)  # fmt: skip


def person_option(command: Command) -> Command:
    return click.option("--person", required=True, help="Whose journal (a name).")(command)


def journal_options(command: Command) -> Command:
    """``--person`` and ``--keep-video`` for ``kneecoach analyze``."""
    command = click.option(
        "--keep-video", is_flag=True,
        help="With --person: also copy the clip into the journal (not copied otherwise).",
    )(command)  # fmt: skip
    return click.option(
        "--person", default=None,
        help="Store the result in this person's journal (see kneecoach progress).",
    )(command)  # fmt: skip


def open_journal(database_url: str | None) -> Journal:
    """The journal a command works in: ``--database-url`` (or its environment variable),
    else the ``database_url`` setting (config file), else SQLite in the data folder."""
    opened = journal.Journal.open(database_url or load_settings().database_url)
    if opened.quarantined:
        n = len(opened.quarantined)
        err.print(
            f"[yellow]note:[/] {n} folder{'s' * (n != 1)} of stored files that this journal has "
            f"no record of (a restored or replaced database?) moved to "
            f"{opened.files_dir / '.quarantine'}; nothing was deleted. Import their export "
            "again, or remove that folder yourself"
        )
    return opened


def print_stored(stored: StoredAssessment | None, person: str) -> None:
    """What storing an analysis in ``person``'s journal did, and how it compares."""
    if stored is None:
        out.print(f"[yellow]not stored for {person}:[/] no rep was measured in this clip")
        return
    leg = f" ({stored.leg} leg)" if stored.leg else ""
    out.print(
        f"\nStored in {stored.person}'s journal: {stored.test_label} assessment "
        f"no. {stored.number}{leg}."
    )
    if stored.previous is not None and stored.changes:
        out.print(f"Compared with {long_date(stored.previous.measured_at)}{leg}:")
        _print_changes(stored.changes)


def _print_changes(changes: list[Change]) -> None:
    for c in changes:
        style = VERDICT_STYLE.get(c.verdict, "white")
        out.print(f"  [{style}]{c.verdict:>14}[/]  {c.text()}")


def _today(value: str | None) -> date:
    """``--date`` (default today); a day after today is refused (it has not happened yet)."""
    today = date.today()
    if value is None:
        return today
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--date: expected YYYY-MM-DD, got {value!r}") from None
    if day > today:
        raise InputError(
            f"--date: {day:%Y-%m-%d} is after today ({today:%Y-%m-%d}); log a session once done"
        )
    far_date_note(day, "--date")
    return day


@click.command()
@database_option
def people(database_url: str | None) -> None:
    """List the people in the journal, with what is stored for each.

    \b
    Example:
      kneecoach people
    """
    with open_journal(database_url) as j:
        rows = j.people()
    if not rows:
        out.print("The journal is empty. Store an analysis: kneecoach analyze CLIP --person NAME")
        return
    table = Table(title="People in the journal", title_justify="left")
    for col in ("name", "since", "assessments", "programmes", "sessions done", "last activity"):
        table.add_column(col)
    for r in rows:
        last = f"{r.last_activity:%Y-%m-%d}" if r.last_activity else "—"
        table.add_row(r.name, f"{r.since:%Y-%m-%d}", str(r.assessments), str(r.programmes),
                      str(r.sessions_logged), last)  # fmt: skip
    out.print(table)


_RATING = click.IntRange(0, 10)


@click.command()
@person_option
@click.option(
    "--date", "day", default=None, help="The session's date, YYYY-MM-DD [default: today]."
)
@click.option(
    "--done/--missed",
    "done",
    default=None,
    help="Whether the session was done. Given: no questions are asked.",
)
@click.option("--sets", "sets_done", type=click.IntRange(0, MAX_SETS), default=None,
              help="Sets done.")  # fmt: skip
@click.option(
    "--sets-planned",
    type=click.IntRange(0, MAX_SETS),
    default=None,
    help="Sets planned [default: from the programme].",
)
@click.option("--pain-before", type=_RATING, default=None, help="Pain before the session, 0-10.")
@click.option("--pain-during", type=_RATING, default=None, help="Pain during the session, 0-10.")
@click.option(
    "--pain-after",
    type=_RATING,
    default=None,
    help="Pain after the session (or the next morning), 0-10.",
)
@click.option("--rpe", type=_RATING, default=None, help="Effort, 0-10 (Borg CR10).")
@click.option("--notes", default="", help="Anything worth remembering.")
@click.option(
    "--check-in",
    "check_in",
    type=_RATING,
    default=None,
    help="Record only a pain rating (0-10) for the day, no session.",
)
@click.option("--again", is_flag=True, help="Log a second session on a day that already has one.")
@click.option(
    "--warning-signs",
    is_flag=True,
    help=f"Report warning signs since last time ({redflags.since_last_time()}): nothing "
    "moves on and the log notes it; see a clinician.",
)
@database_option
def log(
    person: str, day: str | None, done: bool | None, sets_done: int | None,
    sets_planned: int | None, pain_before: int | None, pain_during: int | None,
    pain_after: int | None, rpe: int | None, notes: str, check_in: int | None,
    again: bool, warning_signs: bool, database_url: str | None,
) -> None:  # fmt: skip
    """Log today's session: done or missed, sets, pain during and after, effort, notes.

    Without --done/--missed it asks, one question at a time, showing the
    session the programme planned for the day. With them it asks nothing
    (for scripts).

    \b
    Example:
      kneecoach log --person mary
      kneecoach log --person mary --done --sets 9 --pain-during 2 --pain-after 1 --rpe 6
      kneecoach log --person mary --missed --notes "away"
      kneecoach log --person mary --check-in 3
    """
    when = _today(day)
    with open_journal(database_url) as j:
        _log(j, person, when, done, sets_done, sets_planned, pain_before, pain_during,
             pain_after, rpe, notes, check_in, again, warning_signs)  # fmt: skip


def _log(
    j: Journal, person: str, when: date, done: bool | None, sets_done: int | None,
    sets_planned: int | None, pain_before: int | None, pain_during: int | None,
    pain_after: int | None, rpe: int | None, notes: str, check_in: int | None,
    again: bool, warning_signs: bool,
) -> None:  # fmt: skip
    if check_in is not None:
        new = j.record_checkin(person, day=when, pain=check_in, notes=notes)
        out.print(f"Pain {check_in}/10 recorded for {person} on {when:%a} {short_date(when)}.")
        if new:
            _new_person_note(person)
        return
    plan = j.planned_or_nothing(person, when)
    if plan.logged and not again:
        already = f"A session is already logged for {person} on {when:%a} {short_date(when)}"
        if done is not None:  # scripted: refuse rather than double-count
            raise InputError(f"{already}; to log a second session that day add --again")
        click.confirm(f"{already}. Log a second session that day?", default=False, abort=True)
        again = True
    warned = warning_signs
    if done is None:
        entry, asked = _ask(plan)
        warned = warned or asked
    else:
        exercises = tuple(
            {"exercise_id": e.get("exercise_id"), "sets_planned": e.get("sets"),
             "sets_done": e.get("sets") if done and sets_done is None else None}
            for e in plan.exercises
        )  # fmt: skip
        entry = journal.SessionEntry(
            when, done, sets_done, sets_planned or plan.sets, pain_during, pain_after, rpe,
            notes, exercises, pain_before,
        )  # fmt: skip
    result = j.log_session(person, entry, warned=warned, again=again)
    logged, entry = result.logged, result.entry
    if warned:  # the advice comes with the log's "next time" line
        advice = [f"[red]Next time: no exercise moves on; {RED_FLAG_ADVICE}[/]"]
    else:
        advice = _next_time(result.decided)
    what = "done" if entry.done else "missed"
    planned = "" if logged.planned else " (no session was planned that day)"
    out.print(f"Logged for {logged.person}: {when:%a} {short_date(when)}, {what}{planned}.")
    if logged.new_person:
        _new_person_note(logged.person)
    if result.withdrawn:  # nothing planned to count against: say why instead
        out.print(f"[red]{person}'s plan was withdrawn: the intake reported warning signs. "
                  f"{RED_FLAG_ADVICE}[/]")  # fmt: skip
    else:
        out.print(logged.adherence.text())
    for line in advice:
        out.print(line)
    if result.changes_plan and plan.programme_version is not None:
        out.print(f"The plan's next sessions still list the exercises before this change: "
                  f"kneecoach plan --person {shlex.quote(logged.person)} --out plan/ makes the "
                  "next version with it (the web app does it by itself).")  # fmt: skip
    if logged.adherence.missed_in_a_row >= 2:
        out.print(
            f"[yellow]{logged.adherence.missed_in_a_row} planned sessions missed in a row.[/] "
            "Pick up with the next planned session; don't squeeze the missed ones in."
        )


def _new_person_note(person: str) -> None:
    out.print(f"[cyan]note:[/] {person} is new in the journal (kneecoach people lists "
              "everyone; a misspelt name can be removed with kneecoach delete)")  # fmt: skip


def _next_time(decided: list[Adaptation]) -> list[str]:
    """The coaching rules' decisions, as lines to print."""
    lines = []
    for a in decided:
        style = {"progress": "green", "regress": "yellow"}.get(a.decision, "cyan")
        lines.append(f"  [{style}]{a.decision:>8}[/] {a.exercise_id}: {a.advice} ({a.reason})")
    return ["Next time (coaching rules, science.md §7.2):", *lines] if lines else []


def _ask(plan: journal.PlannedToday) -> tuple[journal.SessionEntry, bool]:
    """The interactive questions (the planned session shown first); True: warning signs."""
    when = plan.day
    planned_sets = plan.sets
    if plan.label:
        out.print(f"Planned for {when:%a} {when.day} {when:%b}: {plan.label}")
        for e in plan.exercises:
            last = plan.last_decisions.get(str(e.get("exercise_id")))
            hint = ""
            if last and last["decision"] != "hold":
                hint = f"  (last time: {last['decision']} → {last.get('next_exercise_id')})"
            out.print(
                f"  • {e.get('name', e.get('exercise_id', '?'))}  {e.get('dosage', '')}{hint}"
            )
    done = click.confirm("Did you do the session?", default=True)
    if not done:
        notes = click.prompt("Why not (optional)", default="", show_default=False)
        missed = journal.SessionEntry(when, False, sets_planned=planned_sets, notes=notes)
        return missed, _warning_signs()
    exercises: list[dict[str, object]] = []
    counts: list[int] = []
    for e in plan.exercises:
        name = e.get("name", e.get("exercise_id", "?"))
        sets = click.prompt(f"Sets done of {name}", type=click.IntRange(0),
                            default=int(e.get("sets") or 0))  # fmt: skip
        exercises.append({"exercise_id": e.get("exercise_id"), "sets_done": sets,
                          "sets_planned": e.get("sets")})  # fmt: skip
        counts.append(sets)
    sets_done = (
        sum(counts) if exercises else click.prompt("Sets done", type=click.IntRange(0), default=0)
    )
    pain_before = click.prompt("Pain before, 0-10", type=_RATING, default=0)
    pain_during = click.prompt("Pain during, 0-10", type=_RATING, default=0)
    pain_after = click.prompt("Pain after, by the next morning, 0-10", type=_RATING, default=0)
    rpe = click.prompt("Effort, 0-10 (0 rest, 5 hard, 10 maximal)", type=_RATING, default=5)
    warned = _warning_signs()
    notes = click.prompt("Notes (optional)", default="", show_default=False)
    return journal.SessionEntry(
        when, True, sets_done, planned_sets, pain_during, pain_after, rpe, notes,
        tuple(exercises), pain_before,
    ), warned  # fmt: skip


def _warning_signs() -> bool:
    """Ask the warning-sign question; a "yes" is answered at once with the advice."""
    warned = click.confirm(RED_FLAG_QUESTION, default=False)
    if warned:
        err.print(f"[red]{RED_FLAG_ADVICE}[/]")
    return warned


@click.command()
@person_option
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("progress.html"),
    show_default=True,
    help="The page to write.",
)
@click.option(
    "--compare",
    "compare_pair",
    type=(click.IntRange(1), click.IntRange(1)),
    default=None,
    metavar="N M",
    help="Also compare assessments number N and M (as listed here): same test and leg.",
)
@click.option(
    "--pdf",
    "pdf_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the page as a PDF to share: a one-page summary, then the details.",
)
@database_option
def progress(
    person: str,
    out_file: Path,
    compare_pair: tuple[int, int] | None,
    pdf_file: Path | None,
    database_url: str | None,
) -> None:
    """Compare a person's assessments and show pain and training over time.

    Writes a page with the knee angle per side per test over time (with the
    band of change that re-filming alone can cause), the worst moment before
    and after, pain and sessions done. "Improved" is only said beyond that noise.
    Each test and working leg is its own series (a left-leg squat is compared
    with the last left-leg squat). The assessments are listed, numbered, for
    --compare.

    \b
    Example:
      kneecoach progress --person mary --out progress.html
      kneecoach progress --person mary --compare 1 3
      kneecoach progress --person mary --pdf mary-progress.pdf
    """
    with open_journal(database_url) as j:
        report = j.write_progress_report(
            person, out_file, today=date.today(), compare_pair=compare_pair, pdf=pdf_file
        )
    out.print(f"[bold]{report.sentence}[/]")
    if report.listing:
        out.print("\nAssessments (numbers for --compare N M):")
        for line in report.listing:
            out.print(line, highlight=False)
    for label, changes in report.changes.items():
        out.print(f"\n{label}, first → latest:")
        _print_changes(changes)
    if report.chosen is not None:
        title, changes, sentence = report.chosen
        out.print(f"\n[bold]{title}[/]\n{sentence}")
        _print_changes(changes)
    if report.programme:
        out.print(f"\n{report.programme}")
    out.print(f"\nOpen the page: {report.path.resolve()}")
    if report.pdf is not None:
        out.print(f"The PDF to share: {report.pdf.resolve()}")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "person"


@click.command()
@person_option
@click.option(
    "--out",
    "archive",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The archive to write [default: NAME-journal.zip in the current folder].",
)
@click.option(
    "--skip-bad-files",
    is_flag=True,
    help="Export even when stored files are missing or damaged: they are left out and "
    "listed as missing in the archive (import accepts that).",
)
@database_option
def export(
    person: str, archive: Path | None, skip_bad_files: bool, database_url: str | None
) -> None:
    """Write everything stored about a person to one zip archive (JSON, CSV, images).

    Every stored file is checked against its SHA-256 first; a missing or damaged
    one stops the export (nothing written) unless --skip-bad-files. The archive
    is read back and checked before it is put in place, so `import` takes it.

    \b
    Example:
      kneecoach export --person mary --out mary.zip
    """
    with open_journal(database_url) as j:
        name, archive, skipped = j.export(
            person, lambda name: archive or Path(f"{_slug(name)}-journal.zip"),
            skip_bad_files=skip_bad_files,
        )  # fmt: skip
    out.print(f"Exported {name}'s journal to {archive.resolve()}")
    if skipped:
        err.print(f"[yellow]left out ({len(skipped)} missing or damaged):[/] {', '.join(skipped)}")
    out.print("It holds health data: keep it somewhere private.")


@click.command(name="import")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "name", default=None, help="Import under another name.")
@database_option
@settings_options("import")
def import_(archive: Path, name: str | None, database_url: str | None, **values: Any) -> None:
    """Bring back a person from an archive made by `kneecoach export`.

    \b
    Example:
      kneecoach import mary-journal.zip
      kneecoach import mary-journal.zip --as "mary 2"
    """
    from kneecoach.storage.archive import MB, Limits

    settings = resolve_settings(values)
    limits = Limits(file_bytes=settings.import_max_file_mb * MB,
                    json_bytes=settings.import_max_json_mb * MB)  # fmt: skip
    with open_journal(database_url) as j:
        imported = j.import_archive(archive, name=name, limits=limits)
    summary = f"{imported.assessments} assessments, {imported.session_logs} session logs"
    out.print(f"Imported {imported.person}: {summary}.")
    missing = imported.missing
    if missing:
        err.print(f"[yellow]note:[/] {len(missing)} stored files were missing or damaged when "
                  f"this archive was made and are not in it: {', '.join(missing)}")  # fmt: skip


@click.command()
@person_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@database_option
def delete(person: str, yes: bool, database_url: str | None) -> None:
    """Delete every record and stored file of a person. This cannot be undone.

    \b
    Example:
      kneecoach export --person mary --out mary.zip   # keep a copy first, if wanted
      kneecoach delete --person mary
    """
    if not yes:
        out.print(f"Keep a copy first, if wanted: kneecoach export --person {person!r}")
        click.confirm(
            f"Delete everything stored about {person!r} (assessments, programmes, logs, "
            "pictures)? This cannot be undone",
            abort=True,
        )
    with open_journal(database_url) as j:
        n_files = j.delete(person)
    out.print(f"Deleted {person} from the journal ({n_files} stored files removed).")


def database_description() -> str:
    """The journal URL for ``kneecoach info``."""
    from kneecoach.storage.db import describe_url, resolve_url

    try:
        return describe_url(resolve_url(load_settings().database_url))
    except InputError as exc:
        return f"[red]{exc}[/]"
