"""The one least-recently-used store the server keeps things in, bounded twice.

Every cache of the server (answers, whole responses, prepared requests, queries known
to be cheap) is one of these: at most ``max_items`` entries and at most
``max_weight`` in total, each entry weighing what ``weigh`` says (bytes of a body,
characters of a request). The oldest go first. It is safe to share between threads.

>>> kept = BoundedLRU(max_items=2, max_weight=10, weigh=len)
>>> kept.put("a", "xxxx"); kept.put("b", "yyyy")
>>> kept.get("a")                  # now the most recent
'xxxx'
>>> kept.put("c", "zzzz")          # over the weight: "b", the oldest, goes
>>> sorted(kept.keys()), kept.weight
(['a', 'c'], 8)
>>> kept.put("d", "w" * 11)        # heavier than the whole store: not kept
>>> "d" in kept
False
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedLRU(Generic[K, V]):
    """A thread-safe LRU mapping bounded in entries and in total weight."""

    def __init__(
        self,
        max_items: int | None = None,
        max_weight: int | None = None,
        weigh: Callable[[V], int] | None = None,
    ) -> None:
        self.max_items = max_items
        self.max_weight = max_weight
        self.weigh = weigh or (lambda value: 0)
        self.weight = 0
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """The value kept for ``key`` (now the most recent), or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def keys(self) -> list[K]:
        with self._lock:
            return list(self._entries)

    def put(self, key: K, value: V, weight: int | None = None) -> None:
        """Keep ``value`` (weighing ``weight``, or what ``weigh`` says); an entry heavier
        than the whole store is not kept."""
        weight = self.weigh(value) if weight is None else weight
        if self.max_weight is not None and weight > self.max_weight:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.weight -= old[1]
            self._entries[key] = (value, weight)
            self.weight += weight
            while (self.max_items is not None and len(self._entries) > self.max_items) or (
                self.max_weight is not None and self.weight > self.max_weight
            ):
                _, (_, dropped) = self._entries.popitem(last=False)
                self.weight -= dropped
