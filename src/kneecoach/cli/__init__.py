"""The ``kneecoach`` command line: thin commands over the library."""
