"""The one PDF helper: WeasyPrint, with a URL fetcher that serves only the portal's static files.

PDFs are rendered from our own templates, but they carry text users wrote, so every URL in a
document is untrusted. An image, stylesheet or attachment pointing at file:///etc/passwd, at a
service on localhost or at a cloud metadata address must never be read. The fetcher below
answers `data:` URIs and files under the app's static folder; it refuses everything else
before opening anything, and it holds no urllib handler that could open a socket or a file.

A pathological document (huge tables, images that decode to gigabytes) must not hold a web
worker past gunicorn's timeout or eat its memory, so WeasyPrint runs in a child process with a
time limit and an address-space limit. Children are forked from a forkserver that has already
imported WeasyPrint: a render pays milliseconds for its process, not an interpreter start.
"""

import base64
import binascii
import json
import logging
import mimetypes
import multiprocessing
import resource
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from flask import Flask, current_app
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from portal.web.addresses import base_url

log = logging.getLogger("portal.pdf")

# PDF_PAGE_SIZE as configured (any case) -> the CSS page size WeasyPrint understands.
PAGE_SIZES = {"a4": "A4", "letter": "Letter"}


class FetchRefused(ValueError):
    """A document asked for something other than a static file of ours or a data: URI."""

    def __init__(self, url: str, why: str) -> None:
        super().__init__(f"refused to fetch {url[:200]!r}: {why}")


class StaticOnlyFetcher(URLFetcher):
    """WeasyPrint's fetcher, reduced to our static files and data: URIs; nothing else opens."""

    def __init__(self, *, static_folder: str, static_url_path: str, base_url: str) -> None:
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        # Drop urllib's handlers (http, https, ftp, file...): even a code path that bypassed
        # fetch() would find nothing able to open a connection or a file.
        self.handlers, self.handle_open, self.handle_error = [], {}, {}
        self.process_request, self.process_response = {}, {}
        self.root = Path(static_folder).resolve()
        self.prefix = static_url_path.rstrip("/") + "/"
        base = urlsplit(base_url)
        self.origin = (base.scheme.lower(), base.netloc.lower())
        self.fetches: list[tuple[str, str]] = []  # (url, "served" or "refused"), in order

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        """A data: URI decoded, or one of our static files read from disk; FetchRefused else."""
        try:
            response = self._fetch(url)
        except FetchRefused:
            self.fetches.append((url, "refused"))
            raise
        self.fetches.append((url, "served"))
        return response

    def _fetch(self, url: str) -> URLFetcherResponse:
        if url[:5].lower() == "data:":
            body, content_type = decode_data_uri(url)
        else:
            path = self.static_path(url)
            body = path.read_bytes()
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})

    def open(self, url, data=None, timeout=None):  # urllib's entry point: the same rules
        return self.fetch(getattr(url, "full_url", url))

    def static_path(self, url: str) -> Path:
        """The file under the static folder that `url` names; FetchRefused for anything else."""
        parts = urlsplit(url)
        if (parts.scheme or parts.netloc) and (
            (parts.scheme.lower(), parts.netloc.lower()) != self.origin
        ):
            raise FetchRefused(url, "only the portal's own static files are served")
        path = unquote(parts.path)
        if not path.startswith(self.prefix):
            raise FetchRefused(url, "not under the static URL path")
        relative = path[len(self.prefix):]
        segments = relative.split("/")
        if "\\" in relative or "\x00" in relative or any(s in ("", ".", "..") for s in segments):
            raise FetchRefused(url, "not a plain path below the static folder")
        candidate = (self.root / relative).resolve()
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            raise FetchRefused(url, "no such static file")
        return candidate


def decode_data_uri(url: str) -> tuple[bytes, str]:
    """The bytes and content type of a data: URI (RFC 2397), decoded without any I/O."""
    header, comma, payload = url[5:].partition(",")
    if not comma:
        raise FetchRefused(url, "malformed data: URI")
    media_type, *parameters = header.split(";")
    try:
        if parameters and parameters[-1].strip().lower() == "base64":
            return base64.b64decode(unquote_to_bytes(payload)), media_type or "text/plain"
    except (binascii.Error, ValueError) as error:
        raise FetchRefused(url, "bad base64 in data: URI") from error
    return unquote_to_bytes(payload), media_type or "text/plain"


@dataclass(frozen=True)
class RenderLimits:
    """How long, and with how much memory, one PDF may render."""

    seconds: float
    memory_mb: int


@dataclass
class Rendering:
    """What a render in the child process produced: the PDF, and every URL it asked for."""

    pdf: bytes
    fetches: list[tuple[str, str]] = field(default_factory=list)


class PdfRenderFailed(RuntimeError):
    """The PDF could not be rendered within its limits (time, memory) or at all."""


def fetcher_settings(app: Flask) -> dict:
    """What StaticOnlyFetcher takes for this app: its static folder and URL path, its address."""
    return {"static_folder": app.static_folder, "static_url_path": app.static_url_path,
            "base_url": pdf_base_url(app)}


def static_fetcher(app: Flask) -> StaticOnlyFetcher:
    """The fetcher for this app: its static folder, its static URL path, its public address."""
    return StaticOnlyFetcher(**fetcher_settings(app))


def pdf_base_url(app: Flask) -> str:
    """What relative URLs in a document resolve against: the portal's public address."""
    return base_url(app) + "/"


def render_limits(app: Flask) -> RenderLimits:
    """The configured limits of one render (PDF_RENDER_SECONDS, PDF_RENDER_MEMORY_MB)."""
    return RenderLimits(seconds=float(app.config["PDF_RENDER_SECONDS"]),
                        memory_mb=int(app.config["PDF_RENDER_MEMORY_MB"]))


def render_pdf(html: str) -> bytes:
    """The PDF of an HTML document, fetching nothing but our static files and data: URIs,
    rendered in a child process within the configured limits; PdfRenderFailed otherwise."""
    app = current_app._get_current_object()
    rendering = render_isolated(html, fetcher=fetcher_settings(app), limits=render_limits(app))
    for url, outcome in rendering.fetches:
        level = logging.WARNING if outcome == "refused" else logging.DEBUG
        log.log(level, "PDF fetch %s: %s", outcome, url[:200])
    return rendering.pdf


READY = b"ready"
_children = multiprocessing.get_context("forkserver")
_children.set_forkserver_preload(["portal.pdf", "portal.pdf_child"])


def render_isolated(html: str, *, fetcher: dict, limits: RenderLimits) -> Rendering:
    """Render in a child process; kill it past `limits.seconds` (counted from when it is
    ready), and let it fail rather than grow past `limits.memory_mb`."""
    receiver, sender = _children.Pipe(duplex=False)
    child = _children.Process(target=_render_in_child, args=(sender, html, fetcher, limits),
                              name="pdf-render", daemon=True)
    try:
        child.start()
        sender.close()
        return _outcome_of(child, receiver, limits)
    finally:
        sender.close()
        receiver.close()
        if child.is_alive():
            child.kill()
        if child.pid is not None:
            child.join()
        child.close()


def _outcome_of(child, receiver, limits: RenderLimits) -> Rendering:
    """What the child sent, read as plain bytes and JSON (the child parsed untrusted input, so
    nothing it sends is unpickled); PdfRenderFailed if it failed or sent nothing in time."""
    try:
        if not receiver.poll(30) or receiver.recv_bytes() != READY:
            raise PdfRenderFailed("the PDF renderer did not start")
        if not receiver.poll(limits.seconds):
            raise PdfRenderFailed(f"the PDF took longer than {limits.seconds:g} s to render")
        report = json.loads(receiver.recv_bytes())
        if report["failed"]:
            raise PdfRenderFailed(report["failed"])
        return Rendering(receiver.recv_bytes(), [tuple(pair) for pair in report["fetches"]])
    except EOFError as error:
        child.join(timeout=5)
        raise PdfRenderFailed(
            f"the PDF renderer stopped before it finished (exit code {child.exitcode}; "
            f"its memory limit is {limits.memory_mb} MB)"
        ) from error


def _render_in_child(sender, html: str, fetcher: dict, limits: RenderLimits) -> None:
    """In the child: cap memory and CPU, render, send a JSON report and then the PDF."""
    memory = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = int(limits.seconds) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    sender.send_bytes(READY)
    static_only = StaticOnlyFetcher(**fetcher)
    failed, pdf = None, b""
    try:
        pdf = HTML(string=html, base_url=fetcher["base_url"], url_fetcher=static_only).write_pdf()
    except MemoryError:
        failed = f"the PDF needed more than {limits.memory_mb} MB to render"
    except Exception as error:  # whatever WeasyPrint raised, the parent reports it
        failed = f"the PDF could not be rendered: {type(error).__name__}: {error}"[:500]
    try:
        sender.send_bytes(json.dumps({"failed": failed, "fetches": static_only.fetches}).encode())
        sender.send_bytes(pdf)
    finally:
        sender.close()
