"""The address other machines reach this server at, for a class's join link.

A server that listens on loopback only cannot be reached from a student's laptop: its link
is None, and the page says how to serve a class instead.
"""

from __future__ import annotations

import ipaddress
import socket

from starlette.requests import HTTPConnection

EVERY_INTERFACE = ("0.0.0.0", "::", "")


def lan_address() -> str | None:
    """This machine's address on its local network: the source address the kernel picks
    for a route out (a UDP socket's ``connect`` sends nothing), or None without one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            address: str = probe.getsockname()[0]
        except OSError:
            return None
    return None if ipaddress.ip_address(address).is_loopback else address


def reachable_host(host: str) -> str | None:
    """The host other machines use for a server bound to ``host``; None on loopback."""
    if host in EVERY_INTERFACE:
        return lan_address()
    try:
        return None if ipaddress.ip_address(host).is_loopback else host
    except ValueError:  # a name: localhost is this machine only, any other name is shared
        return None if host == "localhost" else host


def lan_origin(host: str, connection: HTTPConnection) -> str | None:
    """The page's origin for other machines (the port the request came in on), or None."""
    reachable = reachable_host(host)
    if reachable is None:
        return None
    port = connection.url.port
    shown = f"[{reachable}]" if ":" in reachable else reachable
    return f"{connection.url.scheme}://{shown}{f':{port}' if port else ''}"


def join_url(host: str, connection: HTTPConnection, code: str) -> str | None:
    """The class's join link for other machines."""
    origin = lan_origin(host, connection)
    return None if origin is None else f"{origin}/join/{code}"
