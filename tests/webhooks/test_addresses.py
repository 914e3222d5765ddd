"""A webhook can never be pointed at the portal's own network: only https in production, and
never loopback, private, link-local, CGNAT, multicast or metadata addresses, in any spelling,
checked after DNS resolution at every attempt; the connection goes to the address checked."""

import socket

import pytest

from portal.auth.models import Role
from portal.webhooks.addresses import RefusedAddress, resolve
from portal.webhooks.models import DeliveryStatus
from tests.conftest import make_app
from tests.webhooks.support import deliveries, register

REFUSED = [
    "https://127.0.0.1/hook",  # loopback
    "https://127.1.2.3/hook",
    "https://localhost/hook",  # a name resolving to 127.0.0.1
    "https://2130706433/hook",  # 127.0.0.1 as one decimal number
    "https://0177.0.0.1/hook",  # octal
    "https://0x7f.0.0.1/hook",  # hexadecimal
    "https://0.0.0.0/hook",  # unspecified
    "https://10.0.0.5/hook",  # private
    "https://172.16.3.4/hook",
    "https://192.168.1.10/hook",
    "https://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
    "https://169.254.10.1/hook",  # link-local
    "https://100.64.0.1/hook",  # CGNAT
    "https://224.0.0.1/hook",  # multicast
    "https://239.255.255.250/hook",
    "https://240.0.0.1/hook",  # reserved
    "https://[::1]/hook",  # IPv6 loopback
    "https://[::]/hook",
    "https://[fd00:ec2::254]/hook",  # AWS metadata over IPv6
    "https://[fc00::1]/hook",  # unique local
    "https://[fe80::1]/hook",  # link-local
    "https://[ff02::1]/hook",  # multicast
    "https://[::ffff:127.0.0.1]/hook",  # IPv4-mapped loopback
    "https://[::ffff:169.254.169.254]/hook",
    "https://[64:ff9b::a00:1]/hook",  # NAT64 of 10.0.0.1
    "https://[2002:7f00:1::]/hook",  # 6to4 of 127.0.0.1
]


@pytest.mark.parametrize("url", REFUSED)
def test_every_internal_address_is_refused_in_any_spelling(app, url):
    with app.app_context(), pytest.raises(RefusedAddress, match="public internet"):
        resolve(url)


@pytest.mark.parametrize("url", ["http://93.184.215.14/hook", "ftp://93.184.215.14/",
                                 "file:///etc/passwd", "gopher://x/", "//93.184.215.14/",
                                 "https://user:pw@93.184.215.14/", "https:///nohost",
                                 "https://93.184.215.14:99999/"])
def test_only_https_urls_to_a_host_are_accepted(app, url):
    with app.app_context(), pytest.raises(RefusedAddress):
        resolve(url)


def test_a_public_address_is_accepted_and_is_what_the_connection_uses(app):
    with app.app_context():
        target = resolve("https://93.184.215.14:8443/hooks?x=1")
    assert str(target.address) == "93.184.215.14" and target.port == 8443
    assert target.host == "93.184.215.14" and target.path == "/hooks?x=1"


def test_the_test_only_setting_lets_through_127_0_0_1_and_nothing_else(app):
    app.config.update(WEBHOOK_TEST_ALLOW_LOOPBACK=True, WEBHOOK_ALLOW_HTTP=True)
    with app.app_context():
        assert str(resolve("http://127.0.0.1:8080/").address) == "127.0.0.1"
        for url in ("http://127.0.0.2/", "http://[::1]/", "http://10.0.0.1/",
                    "http://169.254.169.254/"):
            with pytest.raises(RefusedAddress):
                resolve(url)


def test_production_refuses_to_start_with_http_or_the_loopback_setting(tmp_path):
    from portal import ConfigurationError

    for setting in ("WEBHOOK_ALLOW_HTTP", "WEBHOOK_TEST_ALLOW_LOOPBACK"):
        with pytest.raises(ConfigurationError, match="production sends webhooks"):
            make_app("sqlite://", str(tmp_path), ENV="production",
                     BASE_URL="https://portal.example.com", **{setting: True})


def test_an_admin_cannot_register_an_internal_address(app, make):
    from portal.webhooks.services import WebhookError

    with pytest.raises(WebhookError, match="public internet"):
        register(app, make, "https://169.254.169.254/latest/meta-data/")


def test_the_address_is_checked_again_at_every_attempt_and_the_checked_one_is_used(
        app, make, receiver, deliver, monkeypatch):
    """A name that resolved to a public address when it was registered and now resolves to
    an internal one (DNS rebinding) is refused at the attempt; nothing is sent."""
    staff = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    project = make.project("Acme Corp")
    real = socket.getaddrinfo
    answers = {"hooks.example.test": "93.184.215.14"}

    def fake_dns(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_dns)
    register(app, make, "https://hooks.example.test/portal")
    answers["hooks.example.test"] = "10.1.2.3"  # the name now points inside
    make.update(project, author=staff)
    deliver()
    [delivery] = deliveries(app)
    assert delivery.status == DeliveryStatus.PENDING and delivery.response_code is None
    assert "10.1.2.3" in delivery.last_error and receiver.received == []
