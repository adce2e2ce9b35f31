"""A queue that serves the threads waiting on it in the order they came.

The query workers of an HTTP process are handed out from a queue. With
:class:`queue.Queue`, a worker put back goes into the queue, and the thread that
put it there (on to its next request) can take it again before the waiting thread
that was woken has run; the woken thread then waits again, at the back. Under a load
of slow queries some requests were passed over again and again, and the slowest took
several times as long as a query. Here an item put back goes straight to the thread
that has waited longest, so no request waits for more than the ones ahead of it
(``tests/test_fair_queue.py``)."""

from __future__ import annotations

import queue
import threading
from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")


class _Waiter(Generic[T]):
    __slots__ = ("given", "item", "ready")

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.given = False
        self.item: T | None = None


class FairQueue(Generic[T]):
    """First come, first served: ``get`` waits its turn behind earlier callers.

    >>> line = FairQueue()
    >>> line.put("worker")
    >>> line.get(timeout=1)
    'worker'
    >>> line.get(timeout=0.01)
    Traceback (most recent call last):
    _queue.Empty
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: deque[T] = deque()
        self._waiters: deque[_Waiter[T]] = deque()

    def put(self, item: T) -> None:
        """Give ``item`` to the longest-waiting caller of :meth:`get`, else keep it."""
        with self._lock:
            if self._waiters:
                waiter = self._waiters.popleft()
                waiter.item, waiter.given = item, True
                waiter.ready.set()
            else:
                self._items.append(item)

    def get(self, timeout: float, max_waiting: int | None = None) -> T:
        """The next item; raises :class:`queue.Empty` if none comes within ``timeout`` s.

        With ``max_waiting``, a caller that would wait behind that many others raises
        :class:`queue.Full` at once instead of waiting.

        >>> line = FairQueue()
        >>> line.get(timeout=5, max_waiting=0)
        Traceback (most recent call last):
        queue.Full
        """
        with self._lock:
            # An item kept while others wait cannot happen: put() hands it over.
            if self._items:
                return self._items.popleft()
            if max_waiting is not None and len(self._waiters) >= max_waiting:
                raise queue.Full
            waiter: _Waiter[T] = _Waiter()
            self._waiters.append(waiter)
        waiter.ready.wait(timeout)
        with self._lock:
            if not waiter.given:  # timed out, and nothing was handed over meanwhile
                self._waiters.remove(waiter)
                raise queue.Empty
        return waiter.item  # type: ignore[return-value]

    def available(self) -> int:
        """How many items are kept, ready for the next callers."""
        with self._lock:
            return len(self._items)

    def waiting(self) -> int:
        """How many callers are waiting for an item."""
        with self._lock:
            return len(self._waiters)
