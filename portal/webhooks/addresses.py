"""Where a webhook may go: https (http only where the settings allow it), and only to public
addresses, checked after DNS resolution at every attempt: every address a name has must be
public, or none is used. The request then connects to the addresses that were checked, in
order, so a name that resolves differently a moment later (DNS rebinding) changes nothing.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Only with WEBHOOK_TEST_ALLOW_LOOPBACK: the tests' receiver, and a loopback address where
# nothing listens (a host's first address that refuses connections).
TEST_LOOPBACK = {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("127.0.0.2")}


class RefusedAddress(ValueError):
    """A URL the portal will not send to; the message says why, for the admin."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (its addresses, tried in order) and what to ask for
    (host, path)."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[Address, ...]


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64), if any."""
    if address.ipv4_mapped or address.sixtofour:
        return address.ipv4_mapped or address.sixtofour
    if address.teredo:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: Address) -> bool:
    """Routable on the internet: not loopback, private, link-local, CGNAT, multicast,
    reserved, unspecified or a cloud metadata address (nor an IPv6 form of one)."""
    if isinstance(address, ipaddress.IPv6Address) and (inner := _embedded_ipv4(address)):
        return is_public(inner)
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address in METADATA)


def allowed(address: Address) -> bool:
    """Public, or the tests' loopback addresses, when allowed."""
    if address in TEST_LOOPBACK and current_app.config["WEBHOOK_TEST_ALLOW_LOOPBACK"]:
        return True
    return is_public(address)


def check_url(url: str) -> tuple[str, str, int, str]:
    """The scheme, host, port and path of a URL the portal may send to, before resolving."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise RefusedAddress(f"That is not a URL the portal can send to ({error}).") from None
    schemes = ("https", "http") if current_app.config["WEBHOOK_ALLOW_HTTP"] else ("https",)
    if parts.scheme not in schemes:
        raise RefusedAddress("Webhooks go only to https:// URLs.")
    if not parts.hostname:
        raise RefusedAddress("The URL has no host name.")
    if parts.username or parts.password:
        raise RefusedAddress("Put no user name or password in the URL.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def resolve(url: str) -> Target:
    """Resolve the URL's host now and check every address it has; all are kept, in the
    resolver's order, for the connection to try one after another."""
    scheme, host, port, path = check_url(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise RefusedAddress(f"{host} could not be resolved ({error}).") from None
    addresses = list(dict.fromkeys(
        ipaddress.ip_address(info[4][0].partition("%")[0]) for info in infos))
    refused = [str(a) for a in addresses if not allowed(a)]
    if not addresses or refused:
        raise RefusedAddress(
            f"{host} resolves to {', '.join(refused) or 'nothing'}: webhooks go only to public "
            "internet addresses, never to loopback, private, link-local or metadata ones.")
    return Target(scheme, host, port, path, tuple(addresses))
