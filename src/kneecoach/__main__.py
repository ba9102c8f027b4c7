"""``python -m kneecoach`` runs the command line."""

from kneecoach.cli import run

run()
