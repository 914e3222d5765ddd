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
    assert [str(a) for a in target.addresses] == ["93.184.215.14"] and target.port == 8443
    assert target.host == "93.184.215.14" and target.path == "/hooks?x=1"


def test_the_test_only_setting_lets_through_127_0_0_1_and_2_and_nothing_else(app):
    app.config.update(WEBHOOK_TEST_ALLOW_LOOPBACK=True, WEBHOOK_ALLOW_HTTP=True)
    with app.app_context():
        for allowed in ("127.0.0.1", "127.0.0.2"):
            assert [str(a) for a in resolve(f"http://{allowed}:8080/").addresses] == [allowed]
        for url in ("http://127.0.0.3/", "http://[::1]/", "http://10.0.0.1/",
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


@pytest.fixture
def dns(monkeypatch) -> dict[str, list[str]]:
    """The resolver's answers for test names, in order; other names resolve as usual."""
    answers: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def fake_dns(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                    for a in answers[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_dns)
    return answers


@pytest.fixture
def update_to_send(make):
    staff = make.user("priya@firm.example", role=Role.STAFF, name="Priya Nair")
    project = make.project("Acme Corp")
    return lambda: make.update(project, author=staff, body="Sent to whichever address answers.")


def test_a_first_address_that_refuses_connections_moves_on_to_the_next(
        app, make, receiver, deliver, dns, update_to_send):
    """127.0.0.2 has nothing listening at the receiver's port (connection refused); the
    receiver itself is the host's second address."""
    dns["hooks.example.test"] = ["127.0.0.2", "127.0.0.1"]
    endpoint = register(app, make, f"http://hooks.example.test:{receiver.port}/portal")
    receiver.secret = endpoint.secret
    update_to_send()
    report = deliver()
    [delivery] = deliveries(app)
    assert report.delivered == [delivery.id] and delivery.status == DeliveryStatus.DELIVERED
    [got] = receiver.received
    assert got.verified and got.headers["host"] == f"hooks.example.test:{receiver.port}"
    assert got.payload["data"]["body"] == "Sent to whichever address answers."


def test_an_http_answer_ends_the_attempt_and_the_next_address_is_not_tried(
        app, make, receiver, deliver, dns, update_to_send):
    """The receiver answers 500 from the first address: that is the attempt's outcome (a
    second address that refuses would have left a connection error instead)."""
    dns["hooks.example.test"] = ["127.0.0.1", "127.0.0.2"]
    register(app, make, f"http://hooks.example.test:{receiver.port}/portal")
    receiver.answers = [500]
    update_to_send()
    deliver()
    [delivery] = deliveries(app)
    assert delivery.status == DeliveryStatus.PENDING and delivery.response_code == 500
    assert delivery.last_error == "HTTP 500" and len(receiver.received) == 1


def test_when_no_address_accepts_the_delivery_is_retried_with_the_reason(
        app, make, receiver, deliver, dns, update_to_send):
    dns["hooks.example.test"] = ["127.0.0.2"]
    register(app, make, f"http://hooks.example.test:{receiver.port}/portal")
    update_to_send()
    deliver()
    [delivery] = deliveries(app)
    assert delivery.status == DeliveryStatus.PENDING and delivery.response_code is None
    assert "ConnectionRefusedError" in delivery.last_error and receiver.received == []


@pytest.mark.parametrize("forbidden", ["10.1.2.3", "169.254.169.254", "127.0.0.3"])
def test_one_forbidden_address_among_good_ones_refuses_the_delivery(
        app, make, receiver, deliver, dns, update_to_send, forbidden):
    """The receiver would answer at the first address, but the name also resolves inside:
    nothing is sent at all."""
    dns["hooks.example.test"] = ["127.0.0.1"]
    register(app, make, f"http://hooks.example.test:{receiver.port}/portal")
    dns["hooks.example.test"] = ["127.0.0.1", forbidden]
    update_to_send()
    deliver()
    [delivery] = deliveries(app)
    assert delivery.status == DeliveryStatus.PENDING and forbidden in delivery.last_error
    assert "public internet" in delivery.last_error and receiver.received == []
