"""Run an iterator in a background thread with a bounded queue.

Used to decode video while the pose model works on the previous frame; the
queue bound keeps memory flat whatever the clip length.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


def prefetch(items: Iterable[T], /, *, maxsize: int = 8) -> Iterator[T]:
    """Yield ``items`` produced by a worker thread, at most ``maxsize`` ahead.

    An exception raised by the producer is re-raised in the consumer. If the
    consumer stops early, the worker is told to stop and does not block.
    """
    q: queue.Queue[object] = queue.Queue(maxsize=maxsize)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_DONE)
        except BaseException as exc:  # re-raised in the consumer thread
            put(exc)

    worker = threading.Thread(target=work, name="kneecoach-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = q.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join(timeout=5)
