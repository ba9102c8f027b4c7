"""What every self-contained page shares: one Jinja2 environment and ``data:`` URIs."""

from __future__ import annotations

import base64
from pathlib import Path

import jinja2

from kneecoach.reports.numbers import DASH as DASH

_MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def environment() -> jinja2.Environment:
    """The package's templates, autoescaped; a missing variable is an error, never blank."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("kneecoach.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def png_uri(png: bytes) -> str:
    """A PNG embedded in the page."""
    return f"data:image/png;base64,{base64.b64encode(png).decode('ascii')}"


def file_uri(path: Path) -> str | None:
    """A PNG or JPEG file embedded in the page (None when missing or of another kind)."""
    mime = _MIME.get(path.suffix.lower())
    if mime is None or not path.is_file():
        return None
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"
