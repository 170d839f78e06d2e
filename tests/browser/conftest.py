"""Real-browser journeys: Playwright driving Debian's Chromium against pytest-django's live server, or, for
the journeys that need websockets, against `asgi_live_server` (uvicorn serving config.asgi.application).

A missing /usr/bin/chromium skips these tests locally; CI sets TAVOLO_REQUIRE_BROWSER=1, which
turns that skip into a failure.
"""

import asyncio
import os
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread

CHROMIUM = Path(os.environ.get("TAVOLO_CHROMIUM", "/usr/bin/chromium"))
# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test body are
# plain synchronous calls made between browser steps.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class OneRequestAtATimeServer(ThreadedWSGIServer):
    """pytest-django's live server, serving one request at a time.

    On SQLite its threads share the test's one in-memory connection; the case page loads several panels by htmx
    at once, and two requests on one connection at the same time break it (and every later test). Keep-alive
    connections still get a thread each: only the application call is serialised, not the wait for a request.
    """

    def set_app(self, application):
        lock = threading.Lock()

        def serialised(environ, start_response):
            with lock:
                return application(environ, start_response)

        super().set_app(serialised)


LiveServerThread.server_class = OneRequestAtATimeServer


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module. Module scope, not session: Playwright's sync API keeps an event loop
    running in this thread while it is open, which would break later asyncio tests (channels consumers)."""
    if not CHROMIUM.exists():
        if os.environ.get("TAVOLO_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


# Every page reports the Content-Security-Policy violations it sees on the console: Chromium logs its own
# ("Refused to ..."), and this listener logs each `securitypolicyviolation` event too (report-only ones included).
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  const blocked = event.blockedURI || "inline";
  console.error(`CSP violation: ${event.violatedDirective} blocked ${blocked} at ${event.documentURI}`);
});
"""


# Refusals that are the policy doing its job on pages we do not write: Redoc's attribution logo, fetched from its
# makers' CDN whatever its options say (the API docs load nothing from another host).
EXPECTED_REFUSALS = ("https://cdn.redoc.ly/",)


def is_csp_violation(text: str) -> bool:
    if any(url in text for url in EXPECTED_REFUSALS):
        return False
    # Chromium's complaint about a feature the Permissions-Policy names that it does not know is reported too.
    return text.startswith(("CSP violation:", "Error with Permissions-Policy")) or "Content Security Policy" in text


@contextmanager
def page_factory(browser, base_url: str):
    """`make(locale)` opens a fresh browser context (its own cookies) on `base_url`; all are closed at the end.

    Every browser journey also checks the Content-Security-Policy (issue 18): a violation on any page fails the test
    at teardown.
    """
    contexts = []
    violations: list[str] = []

    def make(locale: str = "it-IT"):
        context = browser.new_context(base_url=base_url, locale=locale, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        context.on("console", lambda message: is_csp_violation(message.text) and violations.append(message.text))
        contexts.append(context)
        return context.new_page()

    try:
        yield make
    finally:
        for context in contexts:
            context.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(dict.fromkeys(violations))


@pytest.fixture
def new_page(browser, live_server):
    """Open a fresh browser context (its own cookies) on the live server; closed at teardown."""
    with page_factory(browser, live_server.url) as make:
        yield make


# --- an ASGI live server: HTTP and websockets -------------------------------------------------------------


@contextmanager
def shared_in_memory_database():
    """Let every thread use the test thread's connection to an in-memory SQLite test database.

    Django's LiveServerThread hands its one server thread the test's connection (an in-memory database lives and
    dies with its connection, and two connections to a shared-cache one fail with "table is locked"). Under ASGI,
    Django runs each request's sync code in a thread of its own (asgiref's ThreadSensitiveContext), and channels'
    `database_sync_to_async` in yet others, so the per-thread registry of connections is replaced, for the server's
    lifetime, by one that every thread shares. Nothing changes on PostgreSQL, where each thread connects to the same
    test database and the test's transactional_db makes every write visible to the others.
    """
    from django.db import connections

    in_memory = [conn for conn in connections.all() if conn.vendor == "sqlite" and conn.is_in_memory_db()]
    if not in_memory:
        yield False
        return
    everyone = list(connections.all())
    shared = type("SharedConnections", (), {})()
    for conn in everyone:
        setattr(shared, conn.alias, conn)
        conn.inc_thread_sharing()
    per_thread = connections._connections
    connections._connections = shared
    try:
        yield True
    finally:
        connections._connections = per_thread
        for conn in everyone:
            conn.dec_thread_sharing()


def one_request_at_a_time(application):
    """HTTP requests one after the other: they share one database connection (and its transaction state) on
    SQLite. Websockets are not held up; their reads never open a transaction."""
    lock: asyncio.Lock | None = None

    async def app(scope, receive, send):
        nonlocal lock
        if scope["type"] != "http":
            return await application(scope, receive, send)
        lock = lock or asyncio.Lock()
        async with lock:
            return await application(scope, receive, send)

    return app


def reset_channel_layers() -> None:
    """Forget the channel layer: an in-memory layer's queues belong to the event loop of the server that made them."""
    from channels.layers import channel_layers

    channel_layers.backends = {}


class AsgiLiveServer:
    """uvicorn serving `config.asgi.application` (with static files) in a thread, on a free port of 127.0.0.1.

    The server's event loop runs in that thread: pushes made after a commit in a request's thread reach the
    in-memory channel layer through that loop, as they do in production.
    """

    host = "127.0.0.1"

    def __init__(self, *, serialize_http: bool) -> None:
        self.serialize_http = serialize_http
        self.port = 0
        self.socket = self._listen()
        self.server = None
        self.thread = None
        self.error: BaseException | None = None

    def _listen(self) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        return sock

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def application(self):
        from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

        from config.asgi import application

        websocket = application.application_mapping["websocket"]
        allowed = getattr(websocket, "allowed_origins", None)
        if allowed is not None and not ({"*", self.host} & set(allowed)):
            pytest.fail(f"{self.host} is not in ALLOWED_HOSTS: the websocket's origin check would refuse the browser")
        app = one_request_at_a_time(application) if self.serialize_http else application
        return ASGIStaticFilesHandler(app)

    def _run(self) -> None:
        try:
            self.server.run(sockets=[self.socket])
        except BaseException as exc:  # reported to the test by start()
            self.error = exc

    def start(self) -> None:
        import uvicorn

        config = uvicorn.Config(
            self.application(),
            lifespan="off",
            log_level="warning",
            loop="asyncio",
            ws="websockets-sansio",
            timeout_graceful_shutdown=5,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, name="asgi-live-server", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if self.error is not None or not self.thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the ASGI live server did not start: {self.error!r}")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=15)
        self.socket.close()

    def restart(self) -> None:
        """Stop (every websocket is closed) and serve again on the same port, with a fresh channel layer."""
        self.stop()
        reset_channel_layers()
        self.socket = self._listen()
        self.server = self.thread = self.error = None
        self.start()


@pytest.fixture
def asgi_live_server(transactional_db):
    """The whole application (HTTP and websockets) on a real server, on the test database: what a browser needs to
    get live notifications. pytest-django's `live_server` is WSGI, without websockets."""
    with shared_in_memory_database() as shared:
        reset_channel_layers()
        server = AsgiLiveServer(serialize_http=shared)
        server.start()
        try:
            yield server
        finally:
            server.stop()
            reset_channel_layers()


@pytest.fixture
def asgi_new_page(browser, asgi_live_server):
    """Like `new_page`, on the ASGI live server."""
    with page_factory(browser, asgi_live_server.url) as make:
        yield make
