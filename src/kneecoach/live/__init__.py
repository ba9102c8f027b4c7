"""Live feedback on the knee line while training (issue 19): pose per camera frame, causal
smoothing, the live measures and the cue state. The web app's ``/api/live`` and
``kneecoach train`` run the same :class:`~kneecoach.live.feedback.LiveTracker`."""
