"""One surface over both clients, so every workflow case runs through Client and AsyncClient."""

from __future__ import annotations

from typing import Any

from iamlast import AsyncClient, Client

MODES = ["sync", "async"]
FAST = {"poll_delay": 0.005, "max_poll_delay": 0.02}


class Both:
    """A sync or async client behind one awaitable surface."""

    def __init__(self, mode: str, **kwargs: Any) -> None:
        self.mode = mode
        cls = Client if mode == "sync" else AsyncClient
        self.client: Any = cls(**kwargs)

    async def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """``client.method(...)``, awaited for the async client."""
        result = getattr(self.client, method)(*args, **kwargs)
        return await result if self.mode == "async" else result

    async def items(self, iterable: Any, limit: int | None = None) -> list[Any]:
        """What a pager or stream yields (the first ``limit``, then it is closed)."""
        out: list[Any] = []
        if self.mode == "sync":
            for item in iterable:
                out.append(item)
                if limit is not None and len(out) >= limit:
                    iterable.close() if hasattr(iterable, "close") else None
                    break
            return out
        async for item in iterable:
            out.append(item)
            if limit is not None and len(out) >= limit:
                if hasattr(iterable, "aclose"):
                    await iterable.aclose()
                break
        return out

    async def stream(self, method: str, *args: Any, limit: int | None = None, **kwargs: Any) -> list[Any]:
        return await self.items(getattr(self.client, method)(*args, **kwargs), limit)

    async def close(self) -> None:
        if self.mode == "sync":
            self.client.close()
        else:
            await self.client.aclose()
