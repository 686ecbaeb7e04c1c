"""The fault-injection suite (issue 14): one test module per fault of the issue's table, each asserting what a
user sees (exit code, the one line, nothing lost) and that a re-run recovers. No test reaches the network."""

from __future__ import annotations

import ipaddress
import socket

import pytest


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Name lookups and connections off the machine fail the test; the fake servers listen on 127.0.0.1."""
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(sock: socket.socket, address) -> None:  # type: ignore[no-untyped-def]
        host = address[0] if isinstance(address, tuple) else address
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not loopback:
            raise AssertionError(f"network access attempted in a test: {address}")
        real_connect(sock, address)

    def resolve(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise AssertionError(f"network access attempted in a test: name lookup of {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", resolve)
