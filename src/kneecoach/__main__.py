"""``python -m kneecoach`` runs the command line."""

from kneecoach.cli.main import main

main()
