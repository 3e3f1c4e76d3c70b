"""Who is asking: one key per client for every per-client limit, and token buckets by it.

The key is the peer's address as uvicorn reports it. uvicorn replaces that address with a
proxy's ``X-Forwarded-For`` only for proxies listed in ``NNPG_FORWARDED_ALLOW_IPS`` (none
by default), so a client cannot pick a new identity per request by sending the header.
An IPv6 client is keyed by its /64: one host commonly holds a whole /64 and could otherwise
rotate addresses within it.
"""

from __future__ import annotations

import ipaddress
import math
import time

from starlette.requests import HTTPConnection

from engine.messages import Message
from server.messages import SERVER, refuse

MAX_CLIENTS = 10_000  # buckets kept; past it, those idle for IDLE seconds are forgotten
IDLE = 600.0


def client_key(connection: HTTPConnection) -> str:
    """The client behind a request or a websocket, for per-client limits."""
    host = connection.client.host if connection.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host or "?"  # a test client, a Unix socket
    if address.version == 6 and address.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(getattr(address, "ipv4_mapped", None) or address)


class Bucket:
    """A token bucket: ``rate`` tokens a second, at most ``burst`` saved up."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens = burst
        self.stamp = time.monotonic()

    def take(self, spend: bool = True) -> float:
        """Take a token (``spend=False``: only look): 0.0, or (none left) the seconds until
        there is one."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= spend
            return 0.0
        return (1.0 - self.tokens) / self.rate


class ClientRates:
    """A bucket per client key: ``per_minute`` a minute, ``burst`` at once."""

    def __init__(self, per_minute: float, burst: float, what: Message) -> None:
        self.rate, self.burst, self.what = per_minute / 60.0, burst, what
        self.buckets: dict[str, Bucket] = {}

    def take(self, key: str, spend: bool = True) -> float:
        bucket = self.buckets.get(key)
        if bucket is None:
            if len(self.buckets) >= MAX_CLIENTS:
                self._forget_idle()
            if len(self.buckets) >= MAX_CLIENTS:  # none idle: the oldest goes
                del self.buckets[next(iter(self.buckets))]
            bucket = self.buckets[key] = Bucket(self.rate, self.burst)
        return bucket.take(spend)

    def check(self, connection: HTTPConnection, spend: bool = True) -> None:
        """Take the client's token (``spend=False``: only see that one is left), or answer
        429 with when to try again."""
        self.check_key(client_key(connection), spend)

    def check_key(self, key: str, spend: bool = True) -> None:
        """As ``check``, for a key of the caller's choosing (a class member, say)."""
        wait = self.take(key, spend)
        if wait:
            seconds = str(max(1, math.ceil(wait)))
            said = SERVER.say("rate.too_many", what=self.what, seconds=seconds)
            raise refuse(429, said, {"Retry-After": seconds})

    def _forget_idle(self) -> None:
        now = time.monotonic()
        for key in [k for k, b in self.buckets.items() if now - b.stamp > IDLE]:
            del self.buckets[key]
