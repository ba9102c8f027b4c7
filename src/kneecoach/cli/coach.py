"""``kneecoach exercises``, ``kneecoach intake`` and ``kneecoach plan``: the coaching commands.

Each command parses options, calls the ``program`` library and reports; the
rules live in ``kneecoach.program`` (docs/coaching.md).
"""

from __future__ import annotations

import datetime as dt
import difflib
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table

from kneecoach import program
from kneecoach.cli import journal as journal_cli
from kneecoach.cli.common import err, far_date_note, out
from kneecoach.core.errors import InputError, RedFlagError
from kneecoach.core.files import write_text
from kneecoach.core.settings import home_dir
from kneecoach.program.redflags import referral_text, reported

if TYPE_CHECKING:  # loaded on first use: `kneecoach --help` needs none of the coaching stack
    from kneecoach.program import Exercise, Programme
    from kneecoach.program.models import Library
    from kneecoach.program.questions import Question

# --------------------------------------------------------------------------- exercises


@click.command()
@click.option("--muscle", default=None, help="Only exercises for this muscle (e.g. glute-med).")
@click.option(
    "--equipment", default=None, help="Only exercises that use this equipment (e.g. band)."
)
@click.option("--category", type=click.Choice(["hip", "foot-ankle", "integration", "mobility"]),
              default=None, help="Only this category.")  # fmt: skip
@click.option("--show", "show_id", default=None, metavar="ID",
              help="Print one exercise in full and write its picture (ID.svg).")  # fmt: skip
@click.option("--pictures", "picture_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Where --show writes the exercise's picture "
              "[default: the exercises folder in kneecoach's home].")  # fmt: skip
@click.option("--contact-sheet", "sheet", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write all exercises' pictures on one SVG page.")  # fmt: skip
def exercises(
    muscle: str | None,
    equipment: str | None,
    category: str | None,
    show_id: str | None,
    picture_dir: Path | None,
    sheet: Path | None,
) -> None:
    """Browse the exercise library: purpose, dosage, equipment, progressions, pictures.

    \b
    Example:
      kneecoach exercises --muscle glute-med
      kneecoach exercises --equipment band
      kneecoach exercises --show clamshell
      kneecoach exercises --contact-sheet exercises.svg
    """
    from kneecoach.reports.exercise_picture import contact_sheet, exercise_svg

    library = program.load_library()
    if sheet is not None:
        out.print(f"Pictures of all {len(library.exercises)} exercises: "
                  f"{write_text(sheet, contact_sheet(library))}")  # fmt: skip
        return
    if show_id:
        eid = _find(show_id, library.ids)
        _show(eid, library)
        folder = picture_dir or home_dir() / "exercises"
        folder.mkdir(parents=True, exist_ok=True)
        path = write_text(folder / f"{eid}.svg", exercise_svg(library.get(eid)))
        out.print(f"Picture (start pale, end dark, the arrow shows the movement): {path}")
        return
    for value, vocab, name in ((muscle, library.muscles, "--muscle"),
                               (equipment, library.equipment, "--equipment")):  # fmt: skip
        if value is not None and value not in vocab:
            raise InputError(f"{name}: {value!r} is not known; choose one of {', '.join(vocab)}")
    rows = [
        e for e in library.exercises
        if (muscle is None or muscle in e.muscles)
        and (equipment is None or any(equipment in (n.item, *n.alternatives) for n in e.equipment))
        and (category is None or e.category == category)
    ]  # fmt: skip
    table = Table(title=f"{len(rows)} exercises", title_justify="left")
    table.add_column("id", no_wrap=True)
    table.add_column("exercise (kind · level · targets)", ratio=3)
    table.add_column("dosage", ratio=1)
    table.add_column("equipment", ratio=1, overflow="fold")
    for e in rows:
        gear = ", ".join(" or ".join((n.item, *n.alternatives)) for n in e.equipment) or "none"
        dose = e.dosage.text() + (" per side" if e.per_side else "")
        about = f"{e.category} · level {e.difficulty} · {', '.join(e.muscles)}"
        table.add_row(e.id, f"{e.name}\n[dim]{about}[/]", dose, gear)
    out.print(table)
    out.print("Details: kneecoach exercises --show ID")


def _find(wanted: str, ids: list[str]) -> str:
    if wanted in ids:
        return wanted
    close = difflib.get_close_matches(wanted, ids, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `kneecoach exercises` lists them"
    raise InputError(f"--show: no exercise {wanted!r}{hint}")


def _a(name: str) -> str:
    """``"a band"``, ``"an ankle weight"``; a name with its own article is kept."""
    if name.startswith(("a ", "an ")):
        return name
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"


def _show(eid: str, library: Library) -> None:
    e: Exercise = library.get(eid)
    out.print(f"[bold]{e.name}[/] ({e.id}) · {e.category} · level {e.difficulty}")
    out.print(e.purpose)
    out.print(f"Targets: {', '.join(library.muscles[m] for m in e.muscles)}")
    side = " per side" if e.per_side else ""
    out.print(f"Dosage: {e.dosage.text()}{side}, rest {e.dosage.rest_s} s")
    out.print("Steps:")
    for i, step in enumerate(e.steps, 1):
        out.print(f"  {i}. {step}")
    out.print("Cues: " + " ".join(e.cues))
    for need in e.equipment:
        names = [_a(library.equipment[a]) for a in need.alternatives]
        alt = f"; or {' or '.join(names)}" if names else ""
        without = f"; without: {need.without}" if need.without else ""
        out.print(f"Equipment: {library.equipment[need.item]}{alt}{without}")
    out.print(f"Harder: {e.harder}" + (f" Next: {e.progression}." if e.progression else ""))
    out.print(f"Easier: {e.easier}" + (f" Step back: {e.regression}." if e.regression else ""))
    if e.contraindications:
        out.print("Left out for: " + "; ".join(library.contraindications[c]
                                                for c in e.contraindications))  # fmt: skip
    out.print(f"For your clinician: evidence {e.evidence}; dosage {e.dosage.source}.",
              style="dim")  # fmt: skip


# --------------------------------------------------------------------------- intake


@click.command()
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("intake.toml"),
    show_default=True,
    help="Where to write the intake.",
)
@click.option("--from", "from_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None,
              help="Start from this intake file: ask only what it lacks, check it.")  # fmt: skip
@click.option("--template", is_flag=True,
              help="Write the commented intake file to fill in by hand.")  # fmt: skip
def intake(out_file: Path, from_file: Path | None, template: bool) -> None:
    """Answer the intake questions in the terminal (or complete and check a file).

    Asks about goals and sport, knee pain, three self-tests, where a single-leg
    squat tires you, what to avoid, equipment, days and minutes, and the
    warning signs that mean seeing a clinician first. Writes a TOML file for
    `kneecoach plan --intake`.

    \b
    Example:
      kneecoach intake --out me.toml
      kneecoach intake --from me.toml --out me.toml
      kneecoach intake --template --out me.toml     # the commented file, to edit
    """
    from kneecoach.program.questions import get_path, questions, set_path

    if template:
        from kneecoach.program.intake import template_text

        if out_file.exists():
            click.confirm(f"{out_file} exists. Replace it?", default=False, abort=True)
        out_file.parent.mkdir(parents=True, exist_ok=True)
        write_text(out_file, template_text())
        out.print(f"Intake template written to {out_file}: edit it, then "
                  f"kneecoach intake --from {out_file} --out {out_file} checks it.")  # fmt: skip
        return

    data: dict[str, Any] = {}
    if out_file.exists() and out_file != from_file:
        click.confirm(f"{out_file} exists. Replace it?", default=False, abort=True)
    if from_file is not None:
        try:
            data = tomllib.loads(from_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"{from_file}: no such file") from None
        except tomllib.TOMLDecodeError as e:
            raise InputError(f"{from_file}: not valid TOML ({e})") from None
    asked = 0
    for q in questions():
        if get_path(data, q.path) is None:
            set_path(data, q.path, _ask(q))
            asked += 1
        if q.stops and (found := reported(data)):
            _stop_for_red_flags(found, out_file)
    result = program.intake_from_dict(data, source=str(from_file or "intake"))
    out_file.parent.mkdir(parents=True, exist_ok=True)
    write_text(out_file, program.intake_to_toml(result))
    out.print(f"Intake written to {out_file} ({asked} questions asked).")
    out.print(f"Next: kneecoach plan --intake {out_file} --out plan/")


def _stop_for_red_flags(found: list[str], out_file: Path) -> None:
    """End the questionnaire at a warning sign: a note for the clinician, no intake, exit 1."""
    note = out_file.with_name(f"{out_file.stem}-referral.txt")
    note.parent.mkdir(parents=True, exist_ok=True)
    write_text(note, referral_text(found))
    raise RedFlagError(
        f"Warning signs reported: {', '.join(found)}. See a clinician (GP, physiotherapist or "
        f"sports doctor) before starting any programme; no intake was written and "
        f"`kneecoach plan` will not make one. A note to show them: {note}"
    )


#: yes / no / unsure, each also as its first letter, in any case
_YES_NO_UNSURE = {w: w for w in ("yes", "no", "unsure")} | {"y": "yes", "n": "no", "u": "unsure"}


def _yes_no_unsure(value: str) -> str:
    word = _YES_NO_UNSURE.get(str(value).strip().lower())
    if word is None:
        raise click.BadParameter("answer yes, no or unsure (y, n or u)")
    return word


def _ask(q: Question) -> object:
    if q.choices == ("yes", "no", "unsure"):
        return click.prompt(f"{q.text} (yes, no, unsure)", value_proc=_yes_no_unsure,
                            default=q.default)  # fmt: skip
    if q.kind == "int":
        lo, hi = q.bounds
        return click.prompt(q.text, type=click.IntRange(lo, hi), default=q.default)
    if q.kind == "choice":
        return click.prompt(q.text, type=click.Choice(q.choices, case_sensitive=False),
                            default=q.default)  # fmt: skip
    if q.kind == "choices":
        text = f"{q.text} (comma-separated: {', '.join(q.choices)}; empty for none)"
        while True:
            raw = click.prompt(text, default=q.default or "", show_default=False)
            values = [v.strip().lower() for v in str(raw).split(",") if v.strip()]
            bad = [v for v in values if v not in q.choices]
            if not bad:
                return values
            err.print(f"not a choice: {', '.join(bad)}")
    if q.kind == "days":
        while True:
            try:
                return program.parse_days(click.prompt(q.text, default=q.default))
            except InputError as e:
                err.print(str(e))
    return click.prompt(q.text, default=q.default or "", show_default=False)


# --------------------------------------------------------------------------- plan


@click.command()
@click.option(
    "--intake",
    "intake_file",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Intake TOML (from `kneecoach intake`, or examples/intake.toml); with --person, "
    "optional once stored.",
)
@click.option(
    "--person",
    "person_name",
    default=None,
    help="Use this person's journal: their stored intake and latest assessment when --intake "
    "or --findings are not given; the plan (and intake) are stored for `kneecoach log`.",
)
@click.option(
    "--findings",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="summary.json of a `kneecoach analyze` run, to aim the plan at what it found.",
)
@click.option(
    "--weeks",
    type=click.IntRange(1, 12),
    default=4,
    show_default=True,
    help="Length of the training block before the re-test.",
)
@click.option(
    "--days", default=None, help="Training days, e.g. mon,wed,fri [default: the intake's]."
)
@click.option(
    "--start",
    "start",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="First day of the plan, YYYY-MM-DD [default: today].",
)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("plan"), show_default=True, help="Output folder.")  # fmt: skip
@journal_cli.database_option
def plan(
    intake_file: Path | None,
    person_name: str | None,
    findings: Path | None,
    weeks: int,
    days: str | None,
    start: dt.datetime | None,
    out_dir: Path,
    database_url: str | None,
) -> None:
    """Make a personal, scheduled exercise plan: worksheet, calendar and JSON.

    Writes to --out: worksheet.html and worksheet.pdf (one page per session),
    plan.ics (calendar events) and plan.json. Warning signs in the intake stop
    the plan and write referral.txt instead. With --person, a new plan moves
    each exercise on (or back) as the coaching rules decided in the logged
    sessions, and says why.

    \b
    Example:
      kneecoach plan --intake examples/intake.toml --out plan/
      kneecoach plan --intake me.toml --findings results/summary.json --weeks 4 --days mon,wed,fri
      kneecoach plan --person mary --weeks 4    # mary's stored intake + latest assessment
    """
    from kneecoach.app.coach import PlanRequest, make_plan

    if intake_file is None and person_name is None:
        raise click.UsageError("give --intake FILE.toml, or --person NAME with a stored intake")
    if start is not None:
        far_date_note(start.date(), "--start")
    request = PlanRequest(intake_file, person_name, findings, weeks, days,
                          start.date() if start else None, out_dir)  # fmt: skip
    if person_name is None:
        result = make_plan(request)
    else:
        with journal_cli.open_journal(database_url) as j:
            result = make_plan(request, j)
    if result.warning:
        err.print(f"[red]{result.warning}[/]")
    if result.status == "stopped" or result.programme is None:
        raise RedFlagError(result.message)
    programme, files = result.programme, result.files
    print_plan(programme, files)
    if result.previous_revision is not None and programme.revision > result.previous_revision:
        n = len(programme.cancelled)
        dropped = f"; {n} dropped session{'s' * (n != 1)} marked cancelled" if n else ""
        out.print(f"Calendar: revision {programme.revision} of this plan{dropped}. Import "
                  f"{files['calendar']} again to update the events.")  # fmt: skip
    if result.version is not None:
        out.print(
            f"\nStored in {person_name}'s journal as programme version {result.version} "
            f"({result.reason}). After each session: kneecoach log --person {person_name!r}"
        )


def print_plan(programme: Programme, files: dict[str, Path]) -> None:
    """A short table of the block and where the files are."""
    table = Table(title="Your plan", title_justify="left")
    for col in ("week", "phase", "days", "exercises", "min"):
        table.add_column(col)
    seen: set[tuple[int, str]] = set()
    maintenance = [s for s in programme.sessions if s.phase == "maintenance"]
    for s in programme.sessions:
        if s.phase == "maintenance":
            if s is maintenance[0]:  # one row, in its place (before the last re-test)
                weeks = f"{s.week}-{maintenance[-1].week}"
                days = [d for d in programme.days if any(m.weekday == d for m in maintenance)]
                table.add_row(weeks, "maintenance", ", ".join(days), "the same, 2 sets",
                              f"{s.minutes:g}")  # fmt: skip
            continue
        if (s.week, s.phase) in seen:
            continue
        seen.add((s.week, s.phase))
        # the days this week really has (a re-test is one day; a mid-week start, fewer)
        days = [x.weekday for x in programme.sessions if (x.week, x.phase) == (s.week, s.phase)]
        names = ", ".join(p.name for p in s.exercises) or (s.title if s.retest else "")
        table.add_row(str(s.week), s.phase, ", ".join(days), names, f"{s.minutes:g}")
    out.print(table)
    for e in programme.emphasis:
        out.print(f"[cyan]emphasis:[/] {e.cause}: {e.reason}")
    for eid, why in programme.excluded.items():
        out.print(f"[yellow]left out:[/] {eid} ({why})")
    for kind, path in files.items():
        out.print(f"  {kind:9} {path}")
    out.print(f"\nPrint the worksheet: {files['pdf'].resolve()}")
