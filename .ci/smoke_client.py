"""The production smoke test's client (run by .ci/smoke): a browser's journey through a running Tavolo, as nginx
would forward it (Host header, X-Forwarded-Proto: https).

Logs in through the real form as each demo role, opens that role's main pages (those of the menu, a case, the API
with the session), fetches a hashed static file named by the login page, and checks that an unknown URL answers
our 404 page. Every failure is collected and printed; the exit status is 1 if there was any. Standard library only.
"""

import argparse
import http.client
import json
import re
import sys
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

PASSWORD = "tavolo-demo-2026"  # noqa: S105 - the documented password of every demo login (README.md)
# One demo login per role the brief names, and the pages each must reach besides its menu.
ROLES = {
    "caritas.cm": [
        "/",
        "/cases/",
        "/work/",
        "/work/handoffs/received/",
        "/work/handoffs/sent/",
        "/notifications/",
        "/housing/",
        "/employment/",
    ],
    "caritas.operatore": [
        "/",
        "/work/queue/",
        "/work/handoffs/received/",
        "/notifications/",
        "/housing/",
        "/employment/",
    ],
    "caritas.admin": [
        "/",
        "/work/handoffs/received/",
        "/notifications/",
        "/reports/",
        "/cases/caseload/",
        "/housing/",
        "/employment/",
    ],
    "coordinatore": [
        "/",
        "/reports/",
        "/reports/bottlenecks/",
        "/cases/network/",
        "/notifications/",
        "/housing/",
        "/employment/",
    ],
}
NAV = re.compile(r"<nav\b[^>]*tv-navbar.*?</nav>", re.DOTALL)
LINK = re.compile(r"""href="(/[^"#?]*)""")
CASE_LINK = re.compile(r"""href="(/cases/\d+/)\"""")
CSRF_INPUT = re.compile(r"""name="csrfmiddlewaretoken" value="([^"]+)\"""")
STATIC_CSS = re.compile(r"""href="(/static/[^"]+\.[0-9a-f]{12}\.css)\"""")
ONE_YEAR = 365 * 24 * 3600


@dataclass
class Browser:
    """One person's browser: a cookie jar and the headers nginx adds in front of uvicorn."""

    address: str
    host: str
    cookies: dict = field(default_factory=dict)

    def request(
        self, method: str, path: str, *, body: str | None = None, headers: dict | None = None, forwarded: bool = True
    ):
        scheme_host = urlsplit(self.address)
        connection = http.client.HTTPConnection(scheme_host.hostname, scheme_host.port, timeout=60)
        sent = {"Host": self.host, "Accept-Language": "en", **(headers or {})}
        if forwarded:
            sent["X-Forwarded-Proto"] = "https"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        started = time.monotonic()
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        content = response.read()
        elapsed = time.monotonic() - started
        connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response, content, elapsed


class Smoke:
    def __init__(self, address: str, host: str):
        self.address = address
        self.host = host
        self.failures: list[str] = []
        self.checked = 0

    def check(self, condition: bool, message: str) -> bool:
        self.checked += 1
        if not condition:
            self.failures.append(message)
            print(f"  FAIL {message}")
        return condition

    def open_page(self, browser: Browser, who: str, path: str, *, accept: str = "text/html") -> str:
        """GET a page; a redirect to another page of the site (the guide's /help/ opens at the reader's role) is
        followed once, and that page must answer 200."""
        response, content, elapsed = browser.request("GET", path, headers={"Accept": accept})
        print(f"  {who:18} {response.status} {elapsed * 1000:6.0f} ms  {path}")
        location = response.getheader("Location") or ""
        if response.status == 302 and location.startswith("/") and not location.startswith(("//", "/accounts/")):
            path = location
            response, content, elapsed = browser.request("GET", path, headers={"Accept": accept})
            print(f"  {who:18} {response.status} {elapsed * 1000:6.0f} ms  {path}")
        self.check(response.status == 200, f"{who}: GET {path} answered {response.status}, not 200")
        return content.decode("utf-8", "replace")

    def log_in(self, username: str) -> Browser | None:
        """The real form: GET for the CSRF cookie and token, POST them back with a Referer, as a browser does."""
        browser = Browser(self.address, self.host)
        response, content, _ = browser.request("GET", "/accounts/login/")
        token = CSRF_INPUT.search(content.decode("utf-8", "replace"))
        if not (
            self.check(response.status == 200, f"GET /accounts/login/ answered {response.status}")
            and self.check(
                token is not None and "csrftoken" in browser.cookies, "the login page has no CSRF token or cookie"
            )
        ):
            return None
        form = urlencode({"csrfmiddlewaretoken": token.group(1), "username": username, "password": PASSWORD})
        response, _, _ = browser.request(
            "POST",
            "/accounts/login/",
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"https://{self.host}/accounts/login/",
                "Origin": f"https://{self.host}",
            },
        )
        logged_in = response.status == 302 and "sessionid" in browser.cookies
        self.check(
            logged_in,
            f"{username}: logging in answered {response.status} "
            f"(location {response.getheader('Location')}), not a redirect with a session",
        )
        return browser if logged_in else None

    def walk_role(self, username: str, pages: list[str]) -> None:
        browser = self.log_in(username)
        if browser is None:
            return
        home = self.open_page(browser, username, "/")
        nav = NAV.search(home)
        menu = [path for path in LINK.findall(nav.group(0)) if not path.startswith("/i18n/")] if nav else []
        self.check(len(menu) >= 3, f"{username}: the home page's menu has {len(menu)} links")
        for path in dict.fromkeys([*pages, *menu]):  # in order, each once
            if path == "/":
                continue
            html = self.open_page(browser, username, path)
            if path == "/cases/":
                case = CASE_LINK.search(html)
                if self.check(case is not None, f"{username}: the case list shows no case"):
                    self.open_page(browser, username, case.group(1))
        api = self.open_page(browser, username, "/api/v1/", accept="application/json")
        try:
            resources = json.loads(api)
        except ValueError:
            resources = {}
        self.check("cases" in resources, f"{username}: /api/v1/ did not list the API's resources")
        self.not_found(browser, username)

    def not_found(self, browser: Browser, who: str) -> None:
        response, content, _ = browser.request("GET", "/smoke-no-such-page/")
        html = content.decode("utf-8", "replace")
        self.check(response.status == 404, f"{who}: an unknown URL answered {response.status}, not 404")
        self.check(
            "tv-error-page" in html and "Page not found" in html, f"{who}: the 404 answer is not templates/404.html"
        )

    def static_file(self) -> None:
        """A hashed stylesheet named by the login page: served by WhiteNoise, compressed, cached for a year."""
        browser = Browser(self.address, self.host)
        _, content, _ = browser.request("GET", "/accounts/login/")
        css = STATIC_CSS.search(content.decode("utf-8", "replace"))
        if not self.check(css is not None, "the login page names no hashed stylesheet"):
            return
        response, body, elapsed = browser.request("GET", css.group(1), headers={"Accept-Encoding": "gzip"})
        print(f"  {'static':18} {response.status} {elapsed * 1000:6.0f} ms  {css.group(1)}")
        cache = response.getheader("Cache-Control", "")
        max_age = re.search(r"max-age=(\d+)", cache)
        self.check(response.status == 200 and len(body) > 0, f"GET {css.group(1)} answered {response.status}")
        self.check(
            response.getheader("Content-Type", "").startswith("text/css"),
            f"{css.group(1)} has Content-Type {response.getheader('Content-Type')}",
        )
        self.check(
            max_age is not None and int(max_age.group(1)) >= ONE_YEAR and "immutable" in cache,
            f"{css.group(1)} is not cached for a year: Cache-Control {cache!r}",
        )
        self.check(response.getheader("Content-Encoding") == "gzip", f"{css.group(1)} was not served compressed")

    def https_only(self) -> None:
        """Without the proxy's X-Forwarded-Proto the request came over plain HTTP: redirected to HTTPS."""
        browser = Browser(self.address, self.host)
        response, _, _ = browser.request("GET", "/accounts/login/", forwarded=False)
        location = response.getheader("Location", "")
        self.check(
            response.status == 301 and location.startswith(f"https://{self.host}/"),
            f"plain HTTP answered {response.status} to {location!r}, not a redirect to HTTPS",
        )
        response, _, _ = browser.request("GET", "/accounts/login/")
        self.check("max-age=" in response.getheader("Strict-Transport-Security", ""), "no HSTS header over HTTPS")

    def health(self, path: str) -> None:
        """A probe through nginx, and one a load balancer sends straight to uvicorn (plain HTTP, its own Host)."""
        direct_host = urlsplit(self.address).netloc
        for how, browser, forwarded in (
            ("via nginx", Browser(self.address, self.host), True),
            ("direct", Browser(self.address, direct_host), False),
        ):
            response, _, _ = browser.request("GET", path, headers={"Accept": "*/*"}, forwarded=forwarded)
            print(f"  {'health ' + how:18} {response.status}  {path}")
            self.check(response.status == 200, f"GET {path} ({how}) answered {response.status}, not 200")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", required=True, help="where uvicorn listens, e.g. http://127.0.0.1:8123")
    parser.add_argument("--host", required=True, help="the Host header nginx forwards (one of ALLOWED_HOSTS)")
    parser.add_argument("--health", action="append", default=[], help="a health endpoint that must answer 200")
    args = parser.parse_args()
    smoke = Smoke(args.address, args.host)
    smoke.https_only()
    smoke.static_file()
    smoke.not_found(Browser(args.address, args.host), "anonymous")
    for path in args.health:
        smoke.health(path)
    for username, pages in ROLES.items():
        smoke.walk_role(username, pages)
    if smoke.failures:
        print(f"\nsmoke: {len(smoke.failures)} of {smoke.checked} checks failed:", *smoke.failures, sep="\n  ")
        return 1
    print(f"\nsmoke: all {smoke.checked} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
