"""Token buckets per client: a burst allowance refilled at a steady rate."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable


class TokenBuckets:
    """`take(client)` spends one token from the client's bucket, or says how long until one is back.

    Buckets of clients not seen for a while are dropped, least recently seen first, so memory stays bounded
    however many addresses call; a dropped client starts again with a full bucket, as a new one would.
    Used from the event loop only, so it needs no lock.
    """

    def __init__(self, per_second: float, burst: int, *, max_clients: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_second = per_second
        self.burst = burst
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client → (tokens, last update)

    def take(self, client: str) -> float:
        """0 when the request may go ahead, else the seconds to wait for the next token."""
        now = self.clock()
        tokens, last = self._buckets.pop(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.per_second)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.per_second
        self._buckets[client] = (tokens, now)
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait
