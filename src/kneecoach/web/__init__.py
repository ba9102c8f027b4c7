"""The local web app (``kneecoach serve``): thin over :mod:`kneecoach.app`, as the command
line is. :func:`kneecoach.web.app.create_app` builds it; pages and the JSON API under
``/api`` read the same :class:`~kneecoach.app.journal.Journal`."""
