"""Hostile response bodies end in a typed error without expanding, fetching or reading anything.

Each body goes through every way a response is read: ``xml.parse``, ``of_xml`` of several output
models, ``decode_error`` (error statuses: it never raises), and a whole client call (sync and
async, over ``httpx.MockTransport``). Nothing here measures time: "without expanding" is shown by
what is absent (the text of an XXE target, a connection to the entity's server, Python memory
growth under ``tracemalloc``), and every test carries a hang guard (pytest-timeout).
"""

from __future__ import annotations

import codecs
import os
import socket
import subprocess
import sys
import threading
import time
import traceback
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import iamlast
from iamlast import errors, models
from iamlast._runtime import xml
from iamlast._runtime.errors import ResponseParseError
from iamlast._runtime.xml import MAX_DOCUMENT_BYTES
from iamlast.errors import decode_error

pytestmark = pytest.mark.timeout(60)

NS = "https://iam.amazonaws.com/doc/2010-05-08/"
MB = 1024 * 1024
#: Python-side memory a refused document may cost (it is refused before any tree exists).
SMALL = 2 * MB
FILE_CANARY = "XXE-FILE-CANARY-5f1d0c"


# --------------------------------------------------------------------------------- readers

#: (response model, result body with ``{payload}`` where a string member's text goes).
MODELS: dict[str, tuple[Any, str]] = {
    "ListRoles": (
        models.ListRolesResponse,
        "<Roles/><IsTruncated>true</IsTruncated><Marker>{payload}</Marker>",
    ),
    "GetServiceLastAccessedDetails": (
        models.GetServiceLastAccessedDetailsResponse,
        "<JobStatus>COMPLETED</JobStatus><JobCreationDate>2024-01-01T00:00:00Z</JobCreationDate>"
        "<ServicesLastAccessed/><Marker>{payload}</Marker>",
    ),
    "GetServiceLastAccessedDetailsWithEntities": (
        models.GetServiceLastAccessedDetailsWithEntitiesResponse,
        "<JobStatus>COMPLETED</JobStatus><JobCreationDate>2024-01-01T00:00:00Z</JobCreationDate>"
        "<EntityDetailsList><member><EntityInfo><Arn>{payload}</Arn></EntityInfo></member>"
        "</EntityDetailsList>",
    ),
    "CreateAccessKey": (
        models.CreateAccessKeyResponse,
        "<AccessKey><UserName>u</UserName><AccessKeyId>AKIAEXAMPLE</AccessKeyId>"
        "<Status>Active</Status><SecretAccessKey>{payload}</SecretAccessKey></AccessKey>",
    ),
}


def document(operation: str, payload: str, *, prolog: str = "", root_ns: bool = True) -> str:
    """A response document of ``operation`` with ``payload`` inside a string member."""
    result = MODELS[operation][1].format(payload=payload)
    xmlns = f' xmlns="{NS}"' if root_ns else ""
    return (
        f"{prolog}<{operation}Response{xmlns}><{operation}Result>{result}</{operation}Result>"
        f"<ResponseMetadata><RequestId>rid-hostile</RequestId></ResponseMetadata>"
        f"</{operation}Response>"
    )


# --------------------------------------------------------------------------------- bodies


def billion_laughs(operation: str = "ListRoles") -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    prolog = f'<?xml version="1.0"?><!DOCTYPE lolz [{"".join(entities)}]>'
    return document(operation, "&lol9;", prolog=prolog).encode()


def quadratic_blowup(operation: str = "ListRoles") -> bytes:
    # One big entity referenced many times: no nesting for a depth limit to catch.
    prolog = f'<!DOCTYPE r [<!ENTITY big "{"B" * 50_000}">]>'
    return document(operation, "&big;" * 50_000, prolog=prolog).encode()


def xxe(uri: str, operation: str = "ListRoles") -> bytes:
    prolog = f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{uri}">]>'
    return document(operation, "&x;", prolog=prolog).encode()


def parameter_entity(uri: str, operation: str = "ListRoles") -> bytes:
    prolog = f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{uri}"> %p;]>'
    return document(operation, "m", prolog=prolog).encode()


def external_dtd(uri: str, operation: str = "ListRoles") -> bytes:
    return document(operation, "m", prolog=f'<!DOCTYPE r SYSTEM "{uri}">').encode()


def attribute_default(operation: str = "ListRoles") -> bytes:
    # A DTD that silently moves every element into another namespace (no entity at all).
    prolog = (
        f'<!DOCTYPE {operation}Response [<!ATTLIST {operation}Response xmlns CDATA "urn:evil">]>'
    )
    return document(operation, "m", prolog=prolog, root_ns=False).encode()


def deep(levels: int = 100_000) -> bytes:
    return b"<ListRolesResponse>" + b"<a>" * levels + b"</a>" * levels + b"</ListRolesResponse>"


INVALID_UTF8 = {
    "bare-ff": b"\xff\xfe",
    "truncated-multibyte": b"abc\xe2\x82",
    "overlong-slash": b"\xc0\xaf",
    "encoded-surrogate": b"\xed\xa0\x80",
    "beyond-u10ffff": b"\xf4\x90\x80\x80",
}


def invalid_utf8(raw: bytes, operation: str = "ListRoles") -> bytes:
    before, after = document(operation, "\x00SPLIT\x00").split("\x00SPLIT\x00")
    return before.encode() + raw + after.encode()


@pytest.fixture
def canary_file(tmp_path: Path) -> str:
    """A local file whose text must never show up anywhere (the target of file:// XXE)."""
    path = tmp_path / "secret.txt"
    path.write_text(FILE_CANARY + "\n")
    return path.as_uri()


class Listener:
    """A TCP port on loopback that records any connection (an XXE's http:// target)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.setblocking(False)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/evil.dtd"

    def connections(self) -> int:
        """Connections made so far (completed handshakes wait in the backlog until accepted)."""
        count = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return count
            count += 1
            conn.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.sock.close()


BODIES: dict[str, Callable[[str, Listener], bytes]] = {
    "billion-laughs": lambda f, u: billion_laughs(),
    "quadratic-blowup": lambda f, u: quadratic_blowup(),
    "xxe-etc-passwd": lambda f, u: xxe("file:///etc/passwd"),
    "xxe-local-file": lambda f, u: xxe(f),
    "xxe-http": lambda f, u: xxe(u.url),
    "parameter-entity-file": lambda f, u: parameter_entity(f),
    "parameter-entity-http": lambda f, u: parameter_entity(u.url),
    "external-dtd-http": lambda f, u: external_dtd(u.url),
    "attribute-default": lambda f, u: attribute_default(),
    "deep-nesting-100k": lambda f, u: deep(),
    "oversize": lambda f, u: document("ListRoles", "x").encode() + b" " * (MAX_DOCUMENT_BYTES + 1),
    **{
        f"invalid-utf8-{name}": (lambda f, u, raw=raw: invalid_utf8(raw))
        for name, raw in INVALID_UTF8.items()
    },
}
BODY_NAMES = list(BODIES)


def hostile(name: str, canary_file: str, listener: Listener) -> bytes:
    return BODIES[name](canary_file, listener)


# --------------------------------------------------------------------------------- checks


def all_text(exc: BaseException) -> str:
    """Everything an exception can show: str, repr, attributes, the formatted chain."""
    parts = ["".join(traceback.format_exception(exc))]
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts += [str(current), repr(current), repr(vars(current))]
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


def assert_nothing_leaked(text: str | bytes, listener: Listener) -> None:
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    assert FILE_CANARY not in text
    assert "root:x:0:0" not in text  # /etc/passwd's first line
    assert "lollollol" not in text  # an expanded entity
    assert listener.connections() == 0


def measured(action: Callable[[], Any]) -> tuple[Any, BaseException | None, int]:
    """(result, exception, peak Python memory in bytes above the start) of ``action()``."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        try:
            result, error = action(), None
        except Exception as exc:  # the test judges the type
            result, error = None, exc
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return result, error, peak


def expect_parse_error(action: Callable[[], Any], listener: Listener) -> ResponseParseError:
    result, error, peak = measured(action)
    assert error is not None, f"parsed without complaint: {result!r}"
    assert isinstance(error, ResponseParseError), "".join(traceback.format_exception(error))
    assert isinstance(error, iamlast.IamError)
    assert peak < SMALL, f"{peak} bytes of Python memory for a refused document"
    assert_nothing_leaked(all_text(error), listener)
    assert_nothing_leaked(error.raw, listener)
    return error


READERS: dict[str, Callable[[bytes], Any]] = {
    "xml.parse": xml.parse,
    "ListRolesResponse.of_xml": models.ListRolesResponse.of_xml,
}


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("name", BODY_NAMES)
def test_hostile_body_is_a_typed_parse_error(
    name: str, reader: str, canary_file: str, listener: Listener
) -> None:
    body = hostile(name, canary_file, listener)
    expect_parse_error(lambda: READERS[reader](body), listener)


HOSTILE_PER_MODEL: dict[str, Callable[[str, str, str], bytes]] = {
    "billion-laughs": lambda op, _f, _u: billion_laughs(op),
    "xxe-local-file": lambda op, f, _u: xxe(f, op),
    "xxe-http": lambda op, _f, u: xxe(u, op),
    "parameter-entity-file": lambda op, f, _u: parameter_entity(f, op),
    "attribute-default": lambda op, _f, _u: attribute_default(op),
    "invalid-utf8": lambda op, _f, _u: invalid_utf8(b"\xff", op),
}


@pytest.mark.parametrize("operation", list(MODELS))
@pytest.mark.parametrize("name", list(HOSTILE_PER_MODEL))
def test_every_output_model_refuses_hostile_documents(
    operation: str, name: str, canary_file: str, listener: Listener
) -> None:
    model = MODELS[operation][0]
    good = document(operation, "plain")
    assert model.of_xml(good.encode()) is not None  # the template is a valid response
    body = HOSTILE_PER_MODEL[name](operation, canary_file, listener.url)
    expect_parse_error(lambda: model.of_xml(body), listener)
    if name != "invalid-utf8":  # the same document given as text
        expect_parse_error(lambda: model.of_xml(body.decode()), listener)


@pytest.mark.parametrize("status", [400, 403, 500, 503])
@pytest.mark.parametrize("name", BODY_NAMES)
def test_decode_error_never_raises_on_hostile_bodies(
    name: str, status: int, canary_file: str, listener: Listener
) -> None:
    body = hostile(name, canary_file, listener)
    # The same attack inside an error document (the shape decode_error looks for).
    error_doc = body.replace(b"ListRolesResponse", b"ErrorResponse")
    for raw in (body, error_doc):
        result, error, peak = measured(
            lambda raw=raw: decode_error("ListRoles", status, raw, {"x-amzn-RequestId": "rid-h"})
        )
        assert error is None, "".join(traceback.format_exception(error))  # type: ignore[arg-type]
        assert isinstance(result, errors.UnknownServiceError)
        assert result.code == str(status) and result.status_code == status
        assert result.request_id == "rid-h"
        assert peak < SMALL + len(raw)  # the raw body is kept, nothing more
        assert_nothing_leaked(str(result) + repr(result) + result.message, listener)


def test_decode_error_ignores_entities_in_an_error_document(listener: Listener) -> None:
    body = (
        f'<!DOCTYPE e [<!ENTITY c "ExpandedCode">]><ErrorResponse xmlns="{NS}"><Error>'
        "<Code>&c;</Code><Message>&c;</Message></Error></ErrorResponse>"
    ).encode()
    err = decode_error("GetRole", 400, body, None)
    assert isinstance(err, errors.UnknownServiceError)
    assert "ExpandedCode" not in str(err) + repr(err)


# --------------------------------------------------------------------------------- sizes


def test_parse_refuses_a_100_mb_body_without_copying_it(listener: Listener) -> None:
    body = document("ListRoles", "x" * (100 * MB)).encode()
    error = expect_parse_error(lambda: xml.parse(body), listener)
    assert str(MAX_DOCUMENT_BYTES) in str(error)
    assert len(error.raw) <= 200  # a preview at most, never the body


def test_parse_limit_is_exact() -> None:
    body = document("ListRoles", "x").encode()
    assert xml.parse(body, max_bytes=len(body)) is not None
    with pytest.raises(ResponseParseError, match="exceeds"):
        xml.parse(body, max_bytes=len(body) - 1)


class CountingStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A 100 MB response body made on demand, counting what the client actually pulled."""

    def __init__(self, total: int = 100 * MB, chunk: int = MB, prefix: bytes = b"") -> None:
        self.total, self.chunk, self.prefix = total, chunk, prefix
        self.pulled = 0
        self.closed = False

    def _chunks(self) -> Iterator[bytes]:
        head = self.prefix
        sent = 0
        while sent < self.total:
            piece = (head + b"x" * self.chunk)[: self.chunk]
            head = b""
            sent += len(piece)
            self.pulled += len(piece)
            yield piece

    def __iter__(self) -> Iterator[bytes]:
        yield from self._chunks()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self._chunks():
            yield piece

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


def _client(handler: Callable[[httpx.Request], httpx.Response], *, asynchronous: bool) -> Any:
    kwargs: dict[str, Any] = {
        "endpoint_url": "https://iam.hostile.test",
        "aws_access_key_id": "AKIDHOSTILE",
        "aws_secret_access_key": "hostile-secret",
        "max_attempts": 1,
    }
    transport = httpx.MockTransport(handler)
    if asynchronous:
        return iamlast.AsyncClient(http_client=httpx.AsyncClient(transport=transport), **kwargs)
    return iamlast.Client(http_client=httpx.Client(transport=transport), **kwargs)


async def _call(client: Any, asynchronous: bool) -> Any:
    if asynchronous:
        async with client:
            return await client.list_roles()
    with client:
        return client.list_roles()


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_client_stops_reading_a_100_mb_body(asynchronous: bool, declared: bool) -> None:
    stream = CountingStream(prefix=b"<ListRolesResponse><ListRolesResult><Marker>")
    headers = {"Content-Length": str(stream.total)} if declared else {}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=headers, stream=stream)

    with pytest.raises(ResponseParseError) as caught:
        await _call(_client(handler, asynchronous=asynchronous), asynchronous)
    err = caught.value
    assert err.operation == "ListRoles"
    assert "limit" in str(err) and "not read" in str(err)
    if declared:
        assert stream.pulled == 0  # the Content-Length alone was enough to refuse
    else:
        assert stream.pulled <= MAX_DOCUMENT_BYTES + stream.chunk
    assert stream.pulled < stream.total
    assert stream.closed


def _slow_server(declared: int, send: int) -> tuple[socket.socket, dict[str, Any]]:
    """A real HTTP server declaring ``declared`` bytes, sending ``send`` of them, then waiting
    for the client to hang up (it never sends the rest)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    state: dict[str, Any] = {"sent": 0, "client_closed": threading.Event()}

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            conn.settimeout(30)
            try:
                conn.recv(65536)
                head = f"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {declared}\r\n\r\n"
                conn.sendall(head.encode() + b"<ListRolesResponse>" + b"x" * (send - 19))
                state["sent"] = send
                while conn.recv(65536):
                    pass
            except OSError:
                pass  # reset by the client: it hung up all the same
            state["client_closed"].set()

    threading.Thread(target=serve, daemon=True).start()
    return server, state


def test_client_hangs_up_on_a_real_server_declaring_100_mb() -> None:
    server, state = _slow_server(declared=100 * MB, send=64 * 1024)
    port = server.getsockname()[1]
    try:
        with iamlast.Client(
            endpoint_url=f"http://127.0.0.1:{port}",
            aws_access_key_id="AKIDHOSTILE",
            aws_secret_access_key="hostile-secret",
            max_attempts=1,
            timeout=20,
        ) as client:
            with pytest.raises(ResponseParseError, match="not read"):
                client.list_roles()
        assert state["client_closed"].wait(20)  # it hung up instead of waiting for 99 MB more
        assert state["sent"] == 64 * 1024
    finally:
        server.close()


def _gzip_bomb(decompressed: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = [packer.compress(b"<ListRolesResponse><ListRolesResult><Marker>")]
    block = b"a" * MB
    out += [packer.compress(block) for _ in range(decompressed // MB)]
    out.append(packer.compress(b"</Marker></ListRolesResult></ListRolesResponse>"))
    out.append(packer.flush())
    return b"".join(out)


BOMB = _gzip_bomb(100 * MB)


class Pieces(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body arriving in small pieces, as it would off the network (no Content-Length)."""

    def __init__(self, data: bytes, size: int = 4096) -> None:
        self.pieces = [data[i : i + size] for i in range(0, len(data), size)]

    def __iter__(self) -> Iterator[bytes]:
        yield from self.pieces

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            yield piece


def _bomb_handler(declared: bool) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        assert "gzip" in request.headers.get("accept-encoding", "")
        if declared:
            # Streamed like a real connection (content=bytes would make httpx inflate it while
            # building the mock response, before the client sees anything), with its length.
            headers = {"Content-Encoding": "gzip", "Content-Length": str(len(BOMB))}
            return httpx.Response(200, stream=Pieces(BOMB), headers=headers)
        return httpx.Response(200, stream=Pieces(BOMB), headers={"Content-Encoding": "gzip"})

    return handler


async def _bomb_peak(asynchronous: bool, declared: bool) -> tuple[BaseException | None, int]:
    client = _client(_bomb_handler(declared), asynchronous=asynchronous)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        error: BaseException | None = None
        try:
            await _call(client, asynchronous)
        except Exception as exc:
            error = exc
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return error, peak


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
async def test_chunked_gzip_bomb_is_cut_at_the_limit(asynchronous: bool) -> None:
    assert len(BOMB) < MB  # ~100 KB on the wire, 100 MB once decompressed
    error, peak = await _bomb_peak(asynchronous, declared=False)
    assert isinstance(error, ResponseParseError), error
    assert peak < MAX_DOCUMENT_BYTES + 16 * MB


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
async def test_gzip_bomb_with_content_length_is_cut_at_the_limit(asynchronous: bool) -> None:
    error, peak = await _bomb_peak(asynchronous, declared=True)
    assert isinstance(error, ResponseParseError), error
    assert peak < MAX_DOCUMENT_BYTES + 16 * MB, f"{peak / MB:.0f} MB for a 100 KB response"


# --------------------------------------------------------------------------------- clients


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("status", [200, 400, 500])
@pytest.mark.parametrize("name", [n for n in BODY_NAMES if n != "oversize"])
async def test_client_call_on_a_hostile_body(
    name: str, status: int, asynchronous: bool, canary_file: str, listener: Listener
) -> None:
    body = hostile(name, canary_file, listener)  # (oversize bodies: the tests above)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers={"x-amzn-RequestId": "rid-c"})

    client = _client(handler, asynchronous=asynchronous)
    with pytest.raises(iamlast.IamError) as caught:
        await _call(client, asynchronous)
    err = caught.value
    if status == 200:
        assert isinstance(err, ResponseParseError)
        assert (err.operation, err.status_code, err.request_id) == ("ListRoles", 200, "rid-c")
    else:
        assert isinstance(err, errors.UnknownServiceError)
        assert (err.code, err.status_code, err.operation) == (str(status), status, "ListRoles")
    text = all_text(err)
    assert "lxml" not in text and "UnicodeDecodeError" not in text
    assert_nothing_leaked(text, listener)


# --------------------------------------------------------------------------------- encodings


def utf16(body: bytes, *, bom: bool = True, big_endian: bool = False) -> bytes:
    text = body.decode("utf-8")
    if not text.startswith("<?xml"):
        text = '<?xml version="1.0" encoding="UTF-16"?>' + text
    encoded = text.encode("utf-16-be" if big_endian else "utf-16-le")
    if bom:
        encoded = (codecs.BOM_UTF16_BE if big_endian else codecs.BOM_UTF16_LE) + encoded
    return encoded


def test_utf8_bom_is_read_as_the_same_document() -> None:
    plain = document("ListRoles", "héllo-marker").encode()
    assert models.ListRolesResponse.of_xml(codecs.BOM_UTF8 + plain) == (
        models.ListRolesResponse.of_xml(plain)
    )


@pytest.mark.parametrize("variant", ["utf16le-bom", "utf16be-bom", "utf16-declared"])
def test_utf16_with_bom_is_read_as_the_same_document_or_refused(variant: str) -> None:
    plain = document("ListRoles", "héllo-marker").encode()
    expected = models.ListRolesResponse.of_xml(plain)
    assert expected.marker == "héllo-marker" and expected.is_truncated is True
    body = {
        "utf16le-bom": codecs.BOM_UTF16_LE + plain.decode().encode("utf-16-le"),
        "utf16be-bom": codecs.BOM_UTF16_BE + plain.decode().encode("utf-16-be"),
        "utf16-declared": utf16(plain),
    }[variant]
    try:
        parsed = models.ListRolesResponse.of_xml(body)
    except ResponseParseError:
        return  # refusing a non-UTF-8 document is fine
    assert parsed == expected  # but reading it must not change it


def test_utf16_without_bom_and_mislabelled_documents_are_typed_errors() -> None:
    plain = document("ListRoles", "m").encode()
    for body in (
        plain.decode().encode("utf-16-le"),  # no BOM, no declaration
        b'<?xml version="1.0" encoding="UTF-16"?>' + plain,  # says UTF-16, is UTF-8
        b'<?xml version="1.0" encoding="x-no-such-charset"?>' + plain,
        '<?xml version="1.0" encoding="cp037"?>'.encode("cp037") + plain.decode().encode("cp037"),
        codecs.BOM_UTF16_LE + b"\x00\xd8" + plain.decode().encode("utf-16-le"),  # lone surrogate
    ):
        for reader in (xml.parse, models.ListRolesResponse.of_xml):
            with pytest.raises(ResponseParseError):
                reader(body)
        err = decode_error("ListRoles", 400, body, None)
        assert isinstance(err, errors.UnknownServiceError)


def internal_entity(operation: str = "ListRoles") -> bytes:
    prolog = '<!DOCTYPE r [<!ENTITY x "EXPANDED-ENTITY">]>'
    return document(operation, "&x;", prolog=prolog).encode()


def _utf16_hostile(canary_file: str, listener: Listener) -> dict[str, bytes]:
    return {
        "internal-entity-utf16le": utf16(internal_entity()),
        "internal-entity-utf16be-no-bom": utf16(internal_entity(), bom=False, big_endian=True),
        "internal-entity-utf32": '<?xml version="1.0" encoding="UTF-32"?>'.encode("utf-32-le")
        + internal_entity().decode().encode("utf-32-le"),
        "xxe-local-file-utf16": utf16(xxe(canary_file)),
        "xxe-http-utf16": utf16(xxe(listener.url)),
        "attribute-default-utf16": utf16(attribute_default()),
    }


UTF16_NAMES = [
    "internal-entity-utf16le",
    "internal-entity-utf16be-no-bom",
    "internal-entity-utf32",
    "xxe-local-file-utf16",
    "xxe-http-utf16",
    "attribute-default-utf16",
]


@pytest.mark.parametrize("big_endian", [False, True], ids=["le", "be"])
def test_billion_laughs_in_utf16_is_a_typed_error(big_endian: bool, listener: Listener) -> None:
    # The byte check misses it (see below); libxml2's amplification limit still stops it.
    body = utf16(billion_laughs(), big_endian=big_endian)
    expect_parse_error(lambda: xml.parse(body), listener)
    expect_parse_error(lambda: models.ListRolesResponse.of_xml(body), listener)


def test_entities_in_utf16_documents_are_never_expanded_or_fetched(
    canary_file: str, listener: Listener
) -> None:
    """What holds today: whatever happens to a UTF-16 DTD, nothing is expanded or fetched."""
    for body in _utf16_hostile(canary_file, listener).values():
        try:
            parsed = models.ListRolesResponse.of_xml(body)
        except ResponseParseError as exc:
            assert_nothing_leaked(all_text(exc), listener)
        else:
            assert_nothing_leaked(repr(parsed), listener)
            assert "EXPANDED-ENTITY" not in repr(parsed)


@pytest.mark.parametrize("name", UTF16_NAMES)
def test_dtd_in_utf16_or_utf32_document_is_refused(
    name: str, canary_file: str, listener: Listener
) -> None:
    body = _utf16_hostile(canary_file, listener)[name]
    expect_parse_error(lambda: xml.parse(body), listener)


def test_utf16_parameter_entity_opens_no_local_file(tmp_path: Path) -> None:
    fifo = tmp_path / "dtd.fifo"
    os.mkfifo(fifo)
    opened = threading.Event()

    def writer() -> None:
        # Blocks until a reader opens the FIFO: only the parser would.
        with open(fifo, "w") as pipe:
            opened.set()
            pipe.write('<!ENTITY injected "from-a-local-file">')

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    opened_by_parser = False
    try:
        with pytest.raises(ResponseParseError):
            xml.parse(utf16(parameter_entity(fifo.as_uri())))
        time.sleep(0.2)  # a parser that opened the FIFO has let the writer run by now
        opened_by_parser = opened.is_set()
    finally:
        if not opened.is_set():  # release the writer: open the read end ourselves
            fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
            thread.join(5)
            os.close(fd)
        thread.join(5)
    assert not opened_by_parser, "the parser opened a local file named by the response"


_DEV_ZERO = f"""
import codecs
from iamlast._runtime import xml
body = codecs.BOM_UTF16_LE + (
    '<?xml version="1.0" encoding="UTF-16"?>'
    '<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///dev/zero"> %p;]>'
    '<ListRolesResponse xmlns="{NS}"/>'
).encode("utf-16-le")
try:
    xml.parse(body)
except xml.ResponseParseError:
    print("refused")
"""


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_utf16_parameter_entity_on_dev_zero_does_not_hang() -> None:
    try:
        done = subprocess.run(
            [sys.executable, "-c", _DEV_ZERO], capture_output=True, text=True, timeout=5
        )
    except subprocess.TimeoutExpired:
        pytest.fail("xml.parse was still reading /dev/zero after 5 s")
    assert done.stdout.strip() == "refused", done.stderr


# --------------------------------------------------------------------------------- empty bodies


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("body", [b"", b"   \n"], ids=["empty", "blank"])
@pytest.mark.parametrize("operation", ["list_roles", "get_service_last_accessed_details"])
async def test_empty_200_body_for_an_output_with_members_is_a_parse_error(
    operation: str, body: bytes, asynchronous: bool
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body)

    kwargs = {"job_id": "a" * 36} if operation != "list_roles" else {}
    client = _client(handler, asynchronous=asynchronous)
    with pytest.raises(ResponseParseError):
        if asynchronous:
            async with client:
                await getattr(client, operation)(**kwargs)
        else:
            with client:
                getattr(client, operation)(**kwargs)


def _roles_page(names: list[str], marker: str | None) -> bytes:
    roles = "".join(
        f"<member><Path>/</Path><RoleName>{n}</RoleName><RoleId>AROA{n.upper():0<17}</RoleId>"
        f"<Arn>arn:aws:iam::123456789012:role/{n}</Arn>"
        "<CreateDate>2024-01-01T00:00:00Z</CreateDate></member>"
        for n in names
    )
    tail = (
        f"<IsTruncated>true</IsTruncated><Marker>{marker}</Marker>"
        if marker
        else ("<IsTruncated>false</IsTruncated>")
    )
    return ok_document("ListRoles", f"<Roles>{roles}</Roles>{tail}")


def ok_document(operation: str, result: str) -> bytes:
    return (
        f'<{operation}Response xmlns="{NS}"><{operation}Result>{result}</{operation}Result>'
        f"<ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></{operation}Response>"
    ).encode()


def test_a_pager_meeting_an_empty_page_fails_loudly() -> None:
    pages = iter([_roles_page(["a", "b"], "m1"), b"", _roles_page(["e"], None)])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=next(pages))

    seen: list[str] = []
    with _client(handler, asynchronous=False) as client:
        with pytest.raises(iamlast.IamError):
            for role in client.paginate_list_roles():
                seen.append(role.role_name)
    assert seen == ["a", "b"]  # what came before the empty page, and then an error


# --------------------------------------------------------------------------------- encodings on the wire

_GOOD_GZIP = zlib.compress(document("ListRoles", "m").encode(), 9, wbits=31)
BROKEN_ENCODINGS = {
    "gzip-garbage": ("gzip", b"\x1f\x8b\x08\x00garbage-not-deflate" * 4),
    "gzip-truncated": ("gzip", _GOOD_GZIP[: len(_GOOD_GZIP) // 2]),
    "deflate-garbage": ("deflate", b"\xff\xfe not deflate at all"),
    "gzip-labelled-plain": ("gzip", document("ListRoles", "m").encode()),
    "unknown-encoding": ("x-iamlast-unknown", document("ListRoles", "m").encode()),
}


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("name", list(BROKEN_ENCODINGS))
async def test_broken_content_encoding_is_a_typed_error(name: str, asynchronous: bool) -> None:
    encoding, body = BROKEN_ENCODINGS[name]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"Content-Encoding": encoding})

    outcome: Any
    try:
        outcome = await _call(_client(handler, asynchronous=asynchronous), asynchronous)
    except iamlast.IamError as exc:
        outcome = exc
    if isinstance(outcome, iamlast.IamError):
        # undecodable: a transport failure (retried like one); decodable but cut: a parse error
        assert isinstance(outcome, errors.TransportError | ResponseParseError), repr(outcome)
    else:
        # Reading it anyway is acceptable only if what was read is the document itself.
        assert outcome.marker == "m", outcome
