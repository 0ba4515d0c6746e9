"""Fixtures for the reliability suite: an empty AWS environment, capped retry backoff, and the
keyword arguments that point iamlast's clients at an emulator."""

from __future__ import annotations

import asyncio
import time
import types
from typing import Any

import pytest

import iamlast._async_client
import iamlast._client


@pytest.fixture(autouse=True)
def _empty_aws_env(aws_env: pytest.MonkeyPatch) -> None:
    """Nothing real is ever read: no AWS_* variables, empty config files, no metadata service."""


#: The longest a client sleeps between attempts here (the retry decisions are unchanged).
BACKOFF_CAP = 0.005


@pytest.fixture
def short_backoff(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Both clients sleep at most 5 ms between attempts; returns every delay they asked for."""
    asked: list[float] = []
    real_sleep, real_async_sleep = time.sleep, asyncio.sleep

    def sleep(seconds: float) -> None:
        asked.append(seconds)
        real_sleep(min(seconds, BACKOFF_CAP))

    async def async_sleep(seconds: float) -> None:
        asked.append(seconds)
        await real_async_sleep(min(seconds, BACKOFF_CAP))

    monkeypatch.setattr(
        iamlast._client, "time", types.SimpleNamespace(monotonic=time.monotonic, sleep=sleep)
    )
    monkeypatch.setattr(
        iamlast._async_client,
        "asyncio",
        types.SimpleNamespace(sleep=async_sleep, to_thread=asyncio.to_thread),
    )
    return asked


def client_kwargs(server: Any, **extra: Any) -> dict[str, Any]:
    """``Client(**client_kwargs(fake_iam))``: endpoint, region and the emulator's credentials."""
    kw = server.client_kwargs()
    out: dict[str, Any] = {
        "endpoint_url": kw["endpoint_url"],
        "region": kw["region_name"],
        "aws_access_key_id": kw["aws_access_key_id"],
        "aws_secret_access_key": kw["aws_secret_access_key"],
    }
    if "aws_session_token" in kw:
        out["aws_session_token"] = kw["aws_session_token"]
    out.update(extra)
    return out
