"""AsyncClient: the same lifecycle as Client, awaited — retries, errors, quota, raw responses,
pagers, concurrency and cancellation."""

from __future__ import annotations

import asyncio
import types
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
import respx

import iamlast
import iamlast._async_client
from iamlast import errors

from ._support import AKID, GET_ROLE_OK, SECRET, FakeClock, error, ok, verify_sigv4


def fresh_ok() -> httpx.Response:
    return httpx.Response(200, content=GET_ROLE_OK)


class BrokenAsyncStream(httpx.AsyncByteStream):
    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield GET_ROLE_OK[:40]
        raise httpx.RemoteProtocolError(
            "peer closed connection without sending complete message body"
        )


async def test_success_and_metadata(iam: respx.Route, aclient: iamlast.AsyncClient) -> None:
    iam.respond(200, content=GET_ROLE_OK, headers={"x-amzn-RequestId": "rid-a"})
    role = await aclient.get_role(role_name="r")
    assert role.role.role_name == "r"
    assert role.response_metadata is not None
    assert (role.response_metadata.request_id, role.response_metadata.retry_attempts) == (
        "rid-ok",
        0,
    )
    verify_sigv4(iam.calls.last.request, SECRET)


@pytest.mark.parametrize(
    "failure",
    [
        lambda: error("Throttling"),
        lambda: error("RequestLimitExceeded"),
        lambda: httpx.Response(503),
        lambda: error("PriorRequestNotComplete"),
        lambda: httpx.ConnectError("refused"),
        lambda: httpx.ReadTimeout("slow"),
        lambda: httpx.Response(200, headers={"Content-Length": "999"}, stream=BrokenAsyncStream()),
    ],
    ids=[
        "Throttling",
        "RequestLimitExceeded",
        "503",
        "PriorRequestNotComplete",
        "connect",
        "read-timeout",
        "truncated",
    ],
)
async def test_retried_then_success(
    iam: respx.Route, aclient: iamlast.AsyncClient, clock: FakeClock, failure: Callable[[], object]
) -> None:
    iam.side_effect = [failure(), failure(), fresh_ok()]
    role = await aclient.get_role(role_name="r")
    assert role.role.role_name == "r"
    assert iam.call_count == 3
    assert len(clock.sleeps) == 2
    assert role.response_metadata is not None and role.response_metadata.retry_attempts == 2


async def test_gives_up_after_three_attempts(
    iam: respx.Route, aclient: iamlast.AsyncClient, clock: FakeClock, rand: Callable[[float], None]
) -> None:
    rand(0.5)
    iam.side_effect = lambda request: error("Throttling", request_id="rid-t")
    with pytest.raises(errors.ThrottlingError) as caught:
        await aclient.list_roles()
    assert caught.value.attempts == 3
    assert "after 3 attempts" in str(caught.value)
    assert clock.sleeps == [0.5, 1.0]
    assert aclient.retry_quota.available == 490


async def test_transport_error_after_retries(
    iam: respx.Route, aclient: iamlast.AsyncClient, clock: FakeClock
) -> None:
    iam.side_effect = httpx.ConnectError("refused")
    with pytest.raises(errors.TransportError) as caught:
        await aclient.list_roles()
    assert (caught.value.attempts, iam.call_count) == (3, 3)


@pytest.mark.parametrize(
    ("code", "status", "cls"),
    [
        ("NoSuchEntity", 404, errors.NoSuchEntityError),
        ("AccessDenied", 403, errors.AccessDeniedError),
        ("LimitExceeded", 409, errors.LimitExceededError),
        ("ReportGenerationLimitExceeded", 409, errors.ReportGenerationLimitExceededError),
    ],
)
async def test_not_retried(
    iam: respx.Route,
    aclient: iamlast.AsyncClient,
    clock: FakeClock,
    code: str,
    status: int,
    cls: type,
) -> None:
    iam.side_effect = lambda request: error(code, status)
    with pytest.raises(cls) as caught:
        await aclient.generate_service_last_accessed_details(arn="arn:aws:iam::123456789012:role/r")
    assert (caught.value.attempts, iam.call_count, clock.sleeps) == (1, 1, [])


async def test_max_attempts(iam: respx.Route, clock: FakeClock) -> None:
    iam.side_effect = lambda request: httpx.Response(500)
    async with iamlast.AsyncClient(
        aws_access_key_id=AKID, aws_secret_access_key=SECRET, max_attempts=5
    ) as client:
        with pytest.raises(errors.UnknownServiceError) as caught:
            await client.list_roles()
    assert (caught.value.attempts, iam.call_count, len(clock.sleeps)) == (5, 5, 4)


async def test_garbled_body(iam: respx.Route, aclient: iamlast.AsyncClient) -> None:
    iam.respond(200, content=b"<GetRoleResponse", headers={"x-amzn-RequestId": "rid-g"})
    with pytest.raises(errors.ResponseParseError) as caught:
        await aclient.get_role(role_name="r")
    assert (caught.value.operation, caught.value.status_code, caught.value.request_id) == (
        "GetRole",
        200,
        "rid-g",
    )


async def test_non_xml_error(
    iam: respx.Route, aclient: iamlast.AsyncClient, clock: FakeClock
) -> None:
    iam.side_effect = lambda request: httpx.Response(
        503, text="<html>down</html>", headers={"x-amzn-RequestId": "rid-h"}
    )
    with pytest.raises(errors.UnknownServiceError) as caught:
        await aclient.list_roles()
    assert (caught.value.code, caught.value.request_id, caught.value.attempts) == (
        "503",
        "rid-h",
        3,
    )


async def test_raw_response(
    iam: respx.Route, aclient: iamlast.AsyncClient, clock: FakeClock
) -> None:
    iam.side_effect = [httpx.Response(500), error("NoSuchEntity", 404, "gone")]
    raw = await aclient.with_raw_response.get_role(role_name="r")
    assert (raw.status_code, raw.attempts) == (404, 2)
    with pytest.raises(errors.NoSuchEntityError):
        raw.parse()
    iam.side_effect = None
    iam.respond(200, content=GET_ROLE_OK)
    raw = await aclient.with_raw_response.get_role(role_name="r")
    assert raw.parse().role.role_name == "r"


async def test_quota_shared_by_concurrent_calls(iam: respx.Route, clock: FakeClock) -> None:
    iam.side_effect = lambda request: httpx.Response(500)
    async with iamlast.AsyncClient(aws_access_key_id=AKID, aws_secret_access_key=SECRET) as client:
        results = await asyncio.gather(
            *(client.list_roles() for _ in range(60)), return_exceptions=True
        )
        assert all(isinstance(r, errors.UnknownServiceError) for r in results)
        # 50 calls' worth of retries (2 x 5 tokens each) empties the quota; the rest got fewer.
        assert client.retry_quota.available == 0
        assert sum(r.attempts for r in results) == 60 + 100  # type: ignore[union-attr]


async def test_adaptive_mode_paces(
    iam: respx.Route, clock: FakeClock, rand: Callable[[float], None]
) -> None:
    rand(0.0)
    iam.side_effect = [error("Throttling"), fresh_ok(), fresh_ok()]
    async with iamlast.AsyncClient(
        aws_access_key_id=AKID, aws_secret_access_key=SECRET, retry_mode="adaptive"
    ) as client:
        await client.get_role(role_name="r")
        await client.get_role(role_name="r")
    assert clock.sleeps[0] == 0.0  # the backoff
    assert [s for s in clock.sleeps[1:] if s > 0], clock.sleeps  # the limiter's pacing


ROLE = "<member><Path>/</Path><RoleName>{n}</RoleName><RoleId>AROA{n:017d}</RoleId><Arn>arn:aws:iam::123456789012:role/{n}</Arn><CreateDate>2024-01-01T00:00:00Z</CreateDate></member>"


def roles_page(names: range, marker: str | None) -> httpx.Response:
    members = "".join(ROLE.format(n=n) for n in names)
    tail = (
        f"<IsTruncated>true</IsTruncated><Marker>{marker}</Marker>"
        if marker
        else "<IsTruncated>false</IsTruncated>"
    )
    return httpx.Response(200, content=ok("ListRoles", f"<Roles>{members}</Roles>{tail}"))


async def test_async_pager(iam: respx.Route, aclient: iamlast.AsyncClient) -> None:
    iam.side_effect = [
        roles_page(range(3), "m1"),
        roles_page(range(3, 5), "m2"),
        roles_page(range(5, 6), None),
    ]
    names = [role.role_name async for role in aclient.paginate_list_roles(page_size=3)]
    assert names == [str(n) for n in range(6)]
    bodies = [call.request.content for call in iam.calls]
    assert bodies == [
        b"Action=ListRoles&Version=2010-05-08&MaxItems=3",
        b"Action=ListRoles&Version=2010-05-08&Marker=m1&MaxItems=3",
        b"Action=ListRoles&Version=2010-05-08&Marker=m2&MaxItems=3",
    ]


def test_sync_pager(iam: respx.Route, client: iamlast.Client) -> None:
    iam.side_effect = [roles_page(range(2), "m1"), roles_page(range(2, 4), None)]
    pages = list(client.paginate_list_roles().pages())
    assert [len(p.roles) for p in pages] == [2, 2]
    assert [p.marker for p in pages] == ["m1", None]


# --------------------------------------------------------------------------- cancellation


async def test_cancel_during_retry_backoff(
    iam: respx.Route, monkeypatch: pytest.MonkeyPatch
) -> None:
    sleeping = asyncio.Event()
    delays: list[float] = []

    async def long_sleep(delay: float) -> None:
        delays.append(delay)
        sleeping.set()
        await asyncio.sleep(3600)

    monkeypatch.setattr(
        iamlast._async_client,
        "asyncio",
        types.SimpleNamespace(sleep=long_sleep, to_thread=asyncio.to_thread),
    )
    iam.side_effect = lambda request: httpx.Response(503)
    async with iamlast.AsyncClient(aws_access_key_id=AKID, aws_secret_access_key=SECRET) as client:
        task = asyncio.create_task(client.list_roles())
        await asyncio.wait_for(sleeping.wait(), timeout=5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert task.cancelled()
        assert len(delays) == 1
        assert iam.call_count == 1  # no attempt after the cancel
        await asyncio.sleep(0)
        assert asyncio.all_tasks() == {asyncio.current_task()}
        # The client still works after a cancelled call.
        iam.side_effect = None
        iam.respond(200, content=GET_ROLE_OK)
        assert (await client.get_role(role_name="r")).role.role_name == "r"


async def test_cancel_during_a_slow_request(router: respx.MockRouter) -> None:
    started = asyncio.Event()

    async def hang(request: httpx.Request) -> httpx.Response:
        started.set()
        await asyncio.sleep(3600)
        raise AssertionError("not reached")

    router.post("https://iam.amazonaws.com/").mock(side_effect=hang)
    async with iamlast.AsyncClient(aws_access_key_id=AKID, aws_secret_access_key=SECRET) as client:
        task = asyncio.create_task(client.list_roles())
        await asyncio.wait_for(started.wait(), timeout=5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(0)
        assert asyncio.all_tasks() == {asyncio.current_task()}


async def test_wait_for_timeout_cancels_cleanly(
    iam: respx.Route, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def long_sleep(delay: float) -> None:
        await asyncio.sleep(3600)

    monkeypatch.setattr(
        iamlast._async_client,
        "asyncio",
        types.SimpleNamespace(sleep=long_sleep, to_thread=asyncio.to_thread),
    )
    iam.side_effect = lambda request: error("Throttling")
    async with iamlast.AsyncClient(aws_access_key_id=AKID, aws_secret_access_key=SECRET) as client:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(client.list_roles(), timeout=1.0)
    assert iam.call_count == 1
    assert asyncio.all_tasks() == {asyncio.current_task()}
