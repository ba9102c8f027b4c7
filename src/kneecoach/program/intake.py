"""The intake: read from TOML with messages that name the field, written with tomli-w.

``examples/intake.toml`` is the commented template; ``kneecoach intake`` asks the
same questions in the terminal. Unknown keys are errors (a typo must not be
silently ignored), types are strict (``minutes = "30"`` or ``locking = "no"`` is an
error naming the field, never converted), and the red-flag questions have no
default: each must be answered ``true`` or ``false``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, get_args

import tomli_w
from pydantic import BaseModel, ValidationError

from kneecoach.core.errors import InputError
from kneecoach.program.exercises import load_library
from kneecoach.program.models import Intake


def load_intake(path: Path | str, /) -> Intake:
    """Read and validate an intake TOML file; :class:`InputError` names what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise InputError(
            f"{path}: no such intake file; write one with `kneecoach intake --out {path}` "
            "or start from examples/intake.toml"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: not valid TOML ({e}); compare with examples/intake.toml") from e
    return intake_from_dict(data, source=str(path))


def template_text() -> str:
    """The commented intake file (``kneecoach intake --template``; examples/intake.toml)."""
    from importlib import resources

    return (resources.files("kneecoach.program") / "library" / "intake_template.toml").read_text(
        encoding="utf-8"
    )


def intake_from_dict(data: dict[str, Any], /, *, source: str = "intake") -> Intake:
    """Validate a parsed intake; every problem is listed in one message. Choices may be
    written in any case (``"Running"``, ``"YES"``): they are read in lower case."""
    data = _lower_choices(data)
    problems = intake_problems(data)
    if problems:
        raise InputError(f"{source}: " + "; ".join(problems.values()))
    return Intake.model_validate(data)


def _lower_choices(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with every answer to a choice question in lower case (free text untouched)."""
    import copy

    from kneecoach.program.questions import get_path, questions, set_path

    out = copy.deepcopy(data)
    for q in questions():
        if q.kind not in ("choice", "choices", "days"):
            continue
        value = get_path(out, q.path)
        if isinstance(value, str):
            set_path(out, q.path, value.lower())
        elif isinstance(value, list):
            set_path(out, q.path, [v.lower() if isinstance(v, str) else v for v in value])
    return out


def intake_problems(data: dict[str, Any], /) -> dict[str, str]:
    """What is wrong with a parsed intake, by field (``pain.now`` → the sentence naming it;
    what a form shows at the field); empty when it is a valid intake."""
    try:
        intake = Intake.model_validate(data)
    except ValidationError as e:
        problems: dict[str, str] = {}
        for err in e.errors():
            field = ".".join(str(x) for x in err["loc"] if not str(x).isdigit())
            said = problems.get(field)
            problems[field] = f"{said}; {_describe(err)}" if said else _describe(err)
        return problems
    known = load_library().equipment
    unknown = [item for item in intake.equipment if item not in known]
    if unknown:
        return {"equipment": f"equipment: {', '.join(map(repr, unknown))} unknown; "
                f"allowed: {', '.join(known)} (leave out what you do not have)"}  # fmt: skip
    return {}


def intake_to_toml(intake: Intake, /) -> str:
    """TOML text of ``intake`` (round-trips through :func:`intake_from_dict`)."""
    data = intake.model_dump(mode="json", by_alias=True, exclude_none=True)
    header = (
        "# kneecoach intake (schema kneecoach.intake/1). Edit freely; see examples/intake.toml\n"
        "# for what every field means. Make a plan: kneecoach plan --intake THIS_FILE --out plan/\n"
    )
    return header + tomli_w.dumps(data)


def _describe(err: Any) -> str:
    loc = [str(x) for x in err["loc"]]
    field = ".".join(loc) or "(top level)"
    kind = err["type"]
    if kind == "missing":
        return f"{field}: missing (add it; see examples/intake.toml)"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        return f"{field}: unknown field (allowed here: {', '.join(allowed)})"
    got = err.get("input")
    if kind in _TYPE_HINTS:
        key = next((x for x in reversed(loc) if not x.isdigit()), field)
        hint = _TYPE_HINTS[kind].format(key=key)
        return f"{field}: {hint} (got {got!r}, a {type(got).__name__})"
    allowed_values = _allowed_values(loc)
    hint = f"; allowed: {', '.join(allowed_values)}" if allowed_values else ""
    return f"{field}: {err['msg'].removeprefix('Value error, ').lower()} (got {got!r}){hint}"


#: strict-type errors (TOML has real types: nothing is converted) → what to write instead
_TYPE_HINTS = {
    "int_type": "must be a whole number without quotes, e.g. {key} = 3",
    "bool_type": "must be true or false without quotes, e.g. {key} = false",
    "string_type": 'must be text in quotes, e.g. {key} = "..."',
    "list_type": 'must be a list in brackets, e.g. {key} = ["...", "..."]',
}


def _model_at(loc: list[str]) -> Any:
    model: Any = Intake
    for part in loc:
        if part.isdigit():
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        fields = {f.alias or name: f for name, f in model.model_fields.items()}
        if part not in fields:
            return None
        model = fields[part].annotation
    return model


def _allowed_keys(loc: list[str]) -> list[str]:
    model = _model_at(loc)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [f.alias or name for name, f in model.model_fields.items()]
    return []


def _allowed_values(loc: list[str]) -> list[str]:
    """The Literal choices of the field at ``loc`` (also inside list[...] or ... | None)."""
    todo = [_model_at(loc)]
    out: list[str] = []
    while todo:
        t = todo.pop()
        args = get_args(t)
        if args and all(isinstance(a, str) for a in args):
            out.extend(args)
        else:
            todo.extend(a for a in args if a is not type(None))
    return out


def demo_intake() -> Intake:
    """The built-in intake ``kneecoach demo`` plans with (a copy of examples/intake.toml)."""
    from importlib import resources

    text = resources.files("kneecoach.program").joinpath("library/demo_intake.toml")
    return intake_from_dict(
        tomllib.loads(text.read_text(encoding="utf-8")), source="built-in demo intake"
    )
