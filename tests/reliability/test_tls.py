"""TLS verification is on unless the caller turns it off, and the http:// shortcut never weakens
https.

A real HTTPS server on loopback with a self-signed certificate (made with ``cryptography``, else
the ``openssl`` command) is refused by both clients by default with a TransportError, also when
the endpoint comes from the environment and when variables that switch verification off in other
tools are set; it is accepted only with ``verify=False``, ``verify=<the certificate's path>`` or an
``ssl.SSLContext`` trusting it. An expired certificate, or one for another host, is refused even
then. tests/client/test_lifecycle.py checks the contexts' flags; this file makes real handshakes.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import ipaddress
import shutil
import ssl
import subprocess
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import iamlast
from iamlast import AsyncClient, Client, _http, errors, models

from ._seeds import output_document

pytestmark = pytest.mark.timeout(60)

MODES = ["sync", "async"]
HAVE_CRYPTOGRAPHY = importlib.util.find_spec("cryptography") is not None
HAVE_OPENSSL = shutil.which("openssl") is not None


# --------------------------------------------------------------------------------- certificates


@dataclass
class Certificate:
    cert: Path
    key: Path


def _with_cryptography(where: Path, name: str, hosts: list[str], *, expired: bool) -> Certificate:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
    now = dt.datetime.now(dt.UTC)
    start, end = (
        (now - dt.timedelta(days=30), now - dt.timedelta(days=1))
        if expired
        else (now - dt.timedelta(days=1), now + dt.timedelta(days=30))
    )
    sans: list[x509.GeneralName] = []
    for host in hosts:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            sans.append(x509.DNSName(host))
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    out = Certificate(where / f"{name}.pem", where / f"{name}.key")
    out.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    out.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return out


def _with_openssl(where: Path, name: str, hosts: list[str], *, expired: bool) -> Certificate:
    if expired:
        pytest.skip("an expired certificate needs the cryptography package")
    out = Certificate(where / f"{name}.pem", where / f"{name}.key")
    sans = ",".join(f"IP:{h}" if h.replace(".", "").isdigit() else f"DNS:{h}" for h in hosts)
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "30", "-subj", f"/CN={hosts[0]}",
            "-addext", f"subjectAltName={sans}",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,digitalSignature,keyCertSign",
            "-addext", "extendedKeyUsage=serverAuth",
            "-keyout", str(out.key), "-out", str(out.cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return out


def make_certificate(
    where: Path, name: str, hosts: list[str], *, expired: bool = False
) -> Certificate:
    if HAVE_CRYPTOGRAPHY:
        return _with_cryptography(where, name, hosts, expired=expired)
    if HAVE_OPENSSL:
        return _with_openssl(where, name, hosts, expired=expired)
    pytest.skip("neither the cryptography package nor the openssl command is available")


# --------------------------------------------------------------------------------- the server


class HttpsIAM:
    """An HTTPS endpoint on loopback answering every POST with a ListRoles document."""

    def __init__(self, certificate: Certificate) -> None:
        self.requests = 0
        self.handshake_failures = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.requests += 1
                body = output_document("ListRoles")
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                outer.handshake_failures += 1

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certificate.cert, certificate.key)
        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def certificate(tmp_path: Path) -> Certificate:
    return make_certificate(tmp_path, "loopback", ["127.0.0.1", "localhost"])


@pytest.fixture
def https(certificate: Certificate) -> Iterator[HttpsIAM]:
    server = HttpsIAM(certificate)
    yield server
    server.close()


def _options(url: str | None, **extra: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        "aws_access_key_id": "AKIDTLS",
        "aws_secret_access_key": "tls-secret",
        "max_attempts": 1,
        **extra,
    }
    if url is not None:
        options["endpoint_url"] = url
    return options


async def list_roles(mode: str, url: str | None, **extra: Any) -> Any:
    """ListRoles through a fresh client; the response, or the exception."""
    try:
        if mode == "sync":
            with Client(**_options(url, **extra)) as client:
                return client.list_roles()
        async with AsyncClient(**_options(url, **extra)) as aclient:
            return await aclient.list_roles()
    except iamlast.IamError as exc:
        return exc


def refused(result: Any, server: HttpsIAM) -> None:
    assert isinstance(result, errors.TransportError), result
    assert result.kind == "connect"
    assert "CERTIFICATE_VERIFY_FAILED" in str(result) or "certificate" in str(result).lower()
    assert server.requests == 0  # not one request got through


# --------------------------------------------------------------------------------- refused


@pytest.mark.parametrize("mode", MODES)
async def test_self_signed_certificate_is_refused_by_default(mode: str, https: HttpsIAM) -> None:
    refused(await list_roles(mode, https.url), https)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.usefixtures("short_backoff")
async def test_refused_whatever_the_retries(mode: str, https: HttpsIAM) -> None:
    result = await list_roles(mode, https.url, max_attempts=2)
    refused(result, https)
    assert result.attempts <= 2


@pytest.mark.parametrize("mode", MODES)
async def test_endpoint_from_the_environment_is_verified(
    mode: str, https: HttpsIAM, aws_env: pytest.MonkeyPatch
) -> None:
    aws_env.setenv("AWS_ENDPOINT_URL_IAM", https.url)
    refused(await list_roles(mode, None), https)


@pytest.mark.parametrize("mode", MODES)
async def test_variables_that_disable_verification_elsewhere_do_not_here(
    mode: str, https: HttpsIAM, aws_env: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "PYTHONHTTPSVERIFY": "0",
        "CURL_CA_BUNDLE": "",
        "REQUESTS_CA_BUNDLE": "",
        "AWS_CA_BUNDLE": "",
        "SSL_CERT_FILE": "",
        "SSL_CERT_DIR": "",
        "HTTPX_VERIFY": "0",
    }.items():
        aws_env.setenv(name, value)
    refused(await list_roles(mode, https.url), https)


@pytest.mark.parametrize("mode", MODES)
async def test_expired_certificate_is_refused_even_when_trusted(mode: str, tmp_path: Path) -> None:
    old = make_certificate(tmp_path, "expired", ["127.0.0.1"], expired=True)
    server = HttpsIAM(old)
    try:
        refused(await list_roles(mode, server.url, verify=str(old.cert)), server)
    finally:
        server.close()


@pytest.mark.parametrize("mode", MODES)
async def test_certificate_for_another_host_is_refused_even_when_trusted(
    mode: str, tmp_path: Path
) -> None:
    other = make_certificate(tmp_path, "other", ["iam.example.test"])
    server = HttpsIAM(other)
    try:
        context = ssl.create_default_context(cafile=str(other.cert))
        refused(await list_roles(mode, server.url, verify=context), server)
    finally:
        server.close()


# --------------------------------------------------------------------------------- accepted


@pytest.mark.parametrize("mode", MODES)
async def test_verify_false_turns_it_off(mode: str, https: HttpsIAM) -> None:
    result = await list_roles(mode, https.url, verify=False)
    assert isinstance(result, models.ListRolesResponse), result
    assert https.requests == 1


@pytest.mark.parametrize("mode", MODES)
async def test_verify_with_the_certificate_path(
    mode: str, https: HttpsIAM, certificate: Certificate
) -> None:
    result = await list_roles(mode, https.url, verify=str(certificate.cert))
    assert isinstance(result, models.ListRolesResponse), result
    assert https.requests == 1


@pytest.mark.parametrize("mode", MODES)
async def test_verify_with_a_context_trusting_the_certificate(
    mode: str, https: HttpsIAM, certificate: Certificate
) -> None:
    context = ssl.create_default_context(cafile=str(certificate.cert))
    result = await list_roles(mode, https.url, verify=context)
    assert isinstance(result, models.ListRolesResponse), result


def test_verify_with_a_path_raises_no_deprecation_warning(
    https: HttpsIAM, certificate: Certificate
) -> None:
    # httpx deprecates verify=<str>: the path must become a context of iamlast's own.
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        with Client(**_options(https.url, verify=str(certificate.cert))) as client:
            client.list_roles()
        with Client(**_options(https.url, verify=str(certificate.cert.parent))) as client:
            with pytest.raises(errors.TransportError):  # a directory without hashed names
                client.list_roles()


# --------------------------------------------------------------------------------- contexts


def test_https_never_gets_the_plain_http_context() -> None:
    plain = _http._plain_http_context()
    for url in (
        "https://iam.amazonaws.com",
        "HTTPS://IAM.AMAZONAWS.COM",
        "https://127.0.0.1:8443",
        "https://[::1]:8443/",
        "https://http.example.test",
        "https://http://confusing.example.test",
    ):
        context = _http.ssl_context(True, url)
        assert context is not plain, url
        assert isinstance(context, ssl.SSLContext)
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
        assert context.cert_store_stats()["x509_ca"] > 0, "the verifying context has CAs loaded"


def test_the_plain_http_context_fails_closed() -> None:
    # Were it ever used for TLS, it would refuse every certificate: it verifies and trusts none.
    plain = _http._plain_http_context()
    assert plain.verify_mode == ssl.CERT_REQUIRED and plain.check_hostname
    assert plain.cert_store_stats()["x509_ca"] == 0


@pytest.mark.parametrize("mode", MODES)
async def test_the_plain_http_context_refuses_even_a_valid_certificate(
    mode: str, https: HttpsIAM, certificate: Certificate
) -> None:
    # The certificate is trusted by a context loaded with it, refused by the http:// one.
    result = await list_roles(mode, https.url, verify=_http._plain_http_context())
    refused(result, https)


@pytest.mark.parametrize("mode", MODES)
async def test_the_client_built_for_https_verifies(mode: str, https: HttpsIAM) -> None:
    if mode == "sync":
        with Client(**_options(https.url)) as client:
            transport: Any = client._http._transport
    else:
        async with AsyncClient(**_options(https.url)) as aclient:
            state = await aclient._ready()
            transport = aclient._http(state, "ListRoles")._transport
    context = transport._pool._ssl_context
    assert context is _http._default_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


@pytest.mark.parametrize("mode", MODES)
async def test_a_redirect_from_http_to_https_is_not_followed(mode: str, https: HttpsIAM) -> None:
    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(301)
            self.send_header("Location", https.url + "/")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    plain = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(
        target=plain.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    ).start()
    try:
        result = await list_roles(mode, f"http://127.0.0.1:{plain.server_address[1]}")
    finally:
        plain.shutdown()
        plain.server_close()
    assert isinstance(result, errors.ServiceError) and result.status_code == 301, result
    assert https.requests == 0 and https.handshake_failures == 0  # never went there
