"""``kneecoach serve``: the local web app, on this computer unless a password is set."""

from __future__ import annotations

import ipaddress
import os
import threading
import webbrowser
from typing import Any

import click

from kneecoach.cli import journal as journal_cli
from kneecoach.cli.common import err, resolve_settings, settings_options
from kneecoach.core.errors import InputError

#: The password that lets other computers in (``--host`` beyond this machine).
PASSWORD_VARIABLE = "KNEECOACH_WEB_PASSWORD"


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this computer only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help=f"Address to listen on; beyond this computer only with {PASSWORD_VARIABLE} set.",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True,
              help="Port to listen on.")  # fmt: skip
@click.option("--no-browser", is_flag=True, help="Do not open the browser.")
@journal_cli.database_option
@settings_options("web")
def serve(host: str, port: int, no_browser: bool, database_url: str | None, **values: Any) -> None:
    """Open the journal in the browser: people, analyses with live progress, reports.

    Analyses run one at a time in a worker process with the settings of the config file
    and environment (``kneecoach info`` lists them).

    \b
    Example:
      kneecoach serve                                # 127.0.0.1:8765, opens the browser
      kneecoach serve --port 8800 --no-browser
      KNEECOACH_WEB_PASSWORD=… kneecoach serve --host 0.0.0.0   # other computers, login
    """
    password = os.environ.get(PASSWORD_VARIABLE) or None
    if not is_loopback(host) and password is None:
        raise InputError(
            f"--host {host}: other computers could read every person's health data; set "
            f"{PASSWORD_VARIABLE} to a password (they then log in with it), or leave --host "
            "at 127.0.0.1"
        )
    settings = resolve_settings(values)
    import uvicorn

    from kneecoach.web.app import create_app

    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
    with journal_cli.open_journal(database_url) as journal:
        app = create_app(journal, password=password, settings=settings)
        err.print(f"kneecoach is at {url} (Ctrl-C stops it)")
        if not no_browser:
            threading.Timer(1.0, webbrowser.open, [url]).start()
        uvicorn.run(app, host=host, port=port, log_level="warning")
