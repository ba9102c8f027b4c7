"""The command line: thin over :mod:`kneecoach.app`.

:func:`run` is the console script. It imports the commands itself, so Ctrl-C while they
load (a second or so on a slow machine) ends in one line, not a traceback.
"""

import sys


def run() -> None:
    """Console-script entry point."""
    try:
        from kneecoach.cli.main import cli

        cli(prog_name="kneecoach")
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
