"""One HTTP POST to a checked address: connect to the IP that was checked (not the name
again), TLS verified against the host name, a time limit, redirects never followed, and only
the first 1 KB of the answer read."""

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


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Plain HTTP to the checked address (allowed only by WEBHOOK_ALLOW_HTTP)."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.target = target

    def connect(self) -> None:
        self.sock = socket.create_connection((str(self.target.address), self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to the checked address, the certificate checked for the URL's host name."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout,
                         context=ssl.create_default_context())
        self.target = target

    def connect(self) -> None:
        raw = socket.create_connection((str(self.target.address), self.port), self.timeout)
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
