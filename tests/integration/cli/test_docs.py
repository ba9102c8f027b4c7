"""The docs are part of the product: checked against the code."""

import re
from pathlib import Path

import click

from kneecoach.cli.main import cli
from kneecoach.core.settings import SETTINGS, Settings, settings_markdown

ROOT = Path(__file__).resolve().parents[3]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_install_and_test_commands() -> None:
    block = re.search(r"```bash\n(.*?)```", README, re.S)
    assert block is not None and README.index("```bash") < 300
    lines = block.group(1).strip().splitlines()
    assert "pip install" in lines[0] and "kneecoach demo" in lines[0]
    assert "pytest" in lines[1] and "# run the tests" in lines[1]


def test_settings_page_matches_the_table() -> None:
    assert settings_markdown() in (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")


def test_settings_dataclass_and_table_agree() -> None:
    assert [s.name for s in SETTINGS] == [
        f for f in Settings.__dataclass_fields__ if f != "origins"
    ]
    for s in SETTINGS:
        assert getattr(Settings(), s.name) == s.default
        assert s.help.endswith(".") and s.unit is not None


def test_readme_documents_every_command_and_option() -> None:
    assert isinstance(cli, click.Group)
    for name, command in cli.commands.items():
        assert f"kneecoach {name}" in README, name
        for param in command.params:
            for flag in param.opts:
                if flag.startswith("--") and flag != "--help":
                    assert flag in README, f"{name} {flag}"
