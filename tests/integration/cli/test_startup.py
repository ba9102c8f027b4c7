"""The command line starts without the measuring stack: heavy libraries load where used.

Timings live in bench/startup.py; this checks what a start imports, which is what makes
it slow (`kneecoach --help` took 5.6 s when the CLI imported everything).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

MEASURING = ("mediapipe", "cv2", "av", "scipy", "matplotlib", "xarray", "pandas")
JOURNAL = ("sqlalchemy", "alembic", "pydantic")


def _imported_after(code: str, home: Path) -> set[str]:
    probe = (
        "import json, sys\n"
        f"{code}\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    env = {**os.environ, "KNEECOACH_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_help_imports_neither_the_measuring_stack_nor_the_journal(tmp_path: Path) -> None:
    code = (
        "from kneecoach.cli.main import cli\n"
        "try:\n    cli(['--help'], prog_name='kneecoach')\nexcept SystemExit:\n    pass"
    )
    loaded = _imported_after(code, tmp_path)
    assert not loaded & {*MEASURING, *JOURNAL}


@pytest.mark.parametrize("command", [["analyze", "--help"], ["plan", "--help"]])
def test_command_help_imports_no_measuring_stack(tmp_path: Path, command: list[str]) -> None:
    code = (
        "from kneecoach.cli.main import cli\n"
        f"try:\n    cli({command!r}, prog_name='kneecoach')\nexcept SystemExit:\n    pass"
    )
    assert not _imported_after(code, tmp_path) & set(MEASURING)


def test_people_opens_the_journal_without_the_measuring_stack(tmp_path: Path) -> None:
    code = (
        "from kneecoach.cli.main import cli\n"
        "try:\n    cli(['people'], prog_name='kneecoach')\nexcept SystemExit:\n    pass"
    )
    loaded = _imported_after(code, tmp_path)
    assert "sqlalchemy" in loaded  # it did open the journal
    assert not loaded & set(MEASURING)
    assert (tmp_path / "journal.sqlite3").exists()


def test_lazy_module_loads_on_first_attribute(tmp_path: Path) -> None:
    code = (
        "from kneecoach.core.lazy import lazy_module\n"
        "m = lazy_module('kneecoach.reports.progress')\n"
        "assert 'matplotlib' not in sys.modules\n"
        "m.render_progress\n"
        "assert 'matplotlib' in sys.modules"
    )
    _imported_after(code, tmp_path)  # the asserts run in the child; check=True fails on them


def test_program_package_names_resolve_lazily() -> None:
    import kneecoach.program as program
    import kneecoach.program.adaptation  # noqa: F401  (the module that defines adapt)

    assert callable(program.adapt) and program.adapt.__name__ == "adapt"
    assert set(program.__all__) <= set(dir(program)) | set(program._HOME)
    with pytest.raises(AttributeError):
        _ = program.no_such_name
