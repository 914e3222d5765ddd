"""One HTTP POST to a checked host: connect to the IPs that were checked (not the name
again), one after another until one accepts the connection, TLS verified against the host
name, a time limit, redirects never followed, and only the first 1 KB of the answer read.

Only a failed connect moves on to the next address: once one has accepted, whatever happens
(an HTTP answer, a TLS error, a timeout) ends the attempt, so the receiver never gets the same
delivery twice in one attempt."""

import http.client
import socket
import ssl
from dataclasses import dataclass

from portal.webhooks.addresses import Target

KEPT_RESPONSE_BYTES = 1024
USER_AGENT = "client-portal-webhooks/1"


@dataclass(frozen=True)
class Answer:
    """What the receiver answered: its status code and the start of its body."""

    status: int
    body: str


def connect_first(target: Target, timeout: float) -> socket.socket:
    """A socket to the first checked address that accepts; the last refusal if none does."""
    refused: OSError | None = None
    for address in target.addresses:
        try:
            return socket.create_connection((str(address), target.port), timeout)
        except OSError as error:
            refused = error
    raise refused or OSError(f"{target.host} has no address to connect to")


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Plain HTTP to a checked address (allowed only by WEBHOOK_ALLOW_HTTP)."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.target = target

    def connect(self) -> None:
        self.sock = connect_first(self.target, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address, the certificate checked for the URL's host name."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout,
                         context=ssl.create_default_context())
        self.target = target

    def connect(self) -> None:
        raw = connect_first(self.target, self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.target.host)


def post(target: Target, body: bytes, headers: dict[str, str], *, timeout: float) -> Answer:
    """POST the body; raises OSError (refused, timed out, TLS) or HTTPException."""
    kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = kind(target, timeout)
    try:
        connection.request("POST", target.path, body=body, headers={
            **headers, "Content-Type": "application/json", "User-Agent": USER_AGENT})
        response = connection.getresponse()
        start = response.read(KEPT_RESPONSE_BYTES)
        return Answer(response.status, start.decode("utf-8", errors="replace"))
    finally:
        connection.close()
