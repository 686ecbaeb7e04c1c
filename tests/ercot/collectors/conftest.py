"""Fixtures of the collector tests: recorded responses, no network, a fake sleep."""

from __future__ import annotations

import ipaddress
import socket
import urllib.request
from pathlib import Path

import pytest

RECORDED = Path(__file__).resolve().parents[2] / "fixtures" / "recorded"
SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "ercot"  # the real samples (tests/conftest.py)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to reach another machine fails the test (a local fake server on 127.0.0.1 is allowed)."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted in a test: {args[:1]}")

    real_connect = socket.socket.connect

    def connect(sock: socket.socket, address) -> None:
        host = address[0] if isinstance(address, tuple) else address
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not loopback:
            raise AssertionError(f"network access attempted in a test: {address}")
        real_connect(sock, address)

    def resolve(host, *args, **kwargs):
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise AssertionError(f"network access attempted in a test: name lookup of {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    real_getaddrinfo = socket.getaddrinfo
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", resolve)


@pytest.fixture
def recorded() -> Path:
    return RECORDED


@pytest.fixture
def samples() -> Path:
    return SAMPLES


class FakeSleep:
    """Records the waits instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def fake_sleep() -> FakeSleep:
    return FakeSleep()
