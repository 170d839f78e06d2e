"""What .ci/two-hosts checks, as a person and an operator would see it: two app hosts behind the guide's nginx.

Exits non-zero with the failed checks listed. Uses only what the project installs (requests, websockets, boto3).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import ssl
import sys
import time

import boto3
import requests
import urllib3
import websockets

HOST = "tavolo.comune.example.it"
USER, PASSWORD = "caritas.cm", "tavolo-demo-2026"  # the demo network's published password
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"%" * 3_000_000  # 3 MB: above nginx's 1 MB default

failures: list[str] = []


def check(condition: bool, what: str) -> None:
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


class ThroughNginx:
    """A browser session that reaches nginx on 127.0.0.1 under the site's name (Host header, no DNS)."""

    def __init__(self, https_port: int):
        self.base = f"https://{HOST}:{https_port}"
        self.address = f"https://127.0.0.1:{https_port}"
        self.session = requests.Session()
        self.session.verify = False  # a throw-away self-signed certificate
        self.session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify=False

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {
            "Host": f"{HOST}:{self.base.rsplit(':', 1)[1]}",
            "Referer": self.base + path,
            **kwargs.pop("headers", {}),
        }
        return self.session.request(
            method, self.address + path, headers=headers, allow_redirects=False, timeout=60, **kwargs
        )

    def csrf_token(self, path: str) -> str:
        page = self.request("GET", path)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if match is None:
            raise SystemExit(f"no CSRF token on {path} ({page.status_code})")
        return match.group(1)


def direct_download(port: int, path: str, cookies: dict) -> requests.Response:
    """The same request as nginx would forward it, sent straight to one app host."""
    return requests.get(
        f"http://127.0.0.1:{port}{path}",
        cookies=cookies,
        allow_redirects=False,
        timeout=60,
        headers={"Host": HOST, "X-Forwarded-Proto": "https"},
    )


async def websocket_replay(browser: ThroughNginx, https_port: int) -> dict:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    cookie = "; ".join(f"{name}={value}" for name, value in browser.session.cookies.get_dict().items())
    async with websockets.connect(
        f"wss://{HOST}:{https_port}/ws/notifications/",
        ssl=context,
        host="127.0.0.1",
        port=https_port,
        additional_headers={"Cookie": cookie, "Origin": browser.base},
    ) as socket:
        await socket.send(json.dumps({"type": "sync", "after": 0}))
        return json.loads(await asyncio.wait_for(socket.recv(), 10))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--https-port", type=int, required=True)
    parser.add_argument("--app", type=int, action="append", required=True, help="an app host's port (twice)")
    parser.add_argument("--stop-first", type=int, required=True, help="pid of the first app host, stopped last")
    args = parser.parse_args()
    urllib3.disable_warnings()
    browser = ThroughNginx(args.https_port)

    ready = browser.request("GET", "/readyz")
    check(
        ready.status_code == 200 and set(ready.json()["checks"]) == {"database", "storage", "cache", "channel_layer"},
        f"/readyz through nginx: 200 with database, storage (S3), cache and channel layer ({ready.text[:160]})",
    )

    login = browser.request(
        "POST",
        "/accounts/login/",
        data={"username": USER, "password": PASSWORD, "csrfmiddlewaretoken": browser.csrf_token("/accounts/login/")},
    )
    check(login.status_code == 302, f"login through nginx's HTTPS with the real form ({login.status_code})")
    check(
        re.fullmatch(r"[0-9a-f]{32}", login.headers.get("X-Request-ID", "")) is not None,
        f"nginx's request id comes back in X-Request-ID ({login.headers.get('X-Request-ID')})",
    )

    cases = browser.request("GET", "/cases/")
    case_ids = re.findall(r'href="/cases/(\d+)/"', cases.text)
    check(cases.status_code == 200 and bool(case_ids), f"the case list ({cases.status_code}, {len(case_ids)} cases)")
    upload_path = next(
        path
        for path in (f"/cases/{pk}/documents/upload/" for pk in case_ids)
        if browser.request("GET", path).status_code == 200
    )
    uploaded = browser.request(
        "POST",
        upload_path,
        files={"file": ("isee.pdf", PDF, "application/pdf")},
        data={"csrfmiddlewaretoken": browser.csrf_token(upload_path), "kind": "isee", "title": "ISEE 2026"},
    )
    check(uploaded.status_code == 302, f"a 3 MB document uploaded through nginx ({uploaded.status_code})")
    case_page = browser.request("GET", upload_path.replace("documents/upload/", ""))
    downloads = re.findall(r'href="(/cases/documents/\d+/download/)"', case_page.text)
    check(bool(downloads), "the case page lists the document")

    for port in args.app:
        response = direct_download(port, downloads[0], browser.session.cookies.get_dict())
        check(
            response.status_code == 200 and response.content == PDF,
            f"the app host on port {port} serves the document's bytes ({response.status_code}, "
            f"{len(response.content)} bytes)",
        )

    s3 = boto3.client(
        "s3",
        endpoint_url=os.environ["TAVOLO_DOCUMENTS_S3_ENDPOINT_URL"],
        region_name="eu-south-1",
        aws_access_key_id=os.environ["TAVOLO_DOCUMENTS_S3_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["TAVOLO_DOCUMENTS_S3_SECRET_ACCESS_KEY"],
    )
    objects = s3.list_objects_v2(Bucket=os.environ["TAVOLO_DOCUMENTS_S3_BUCKET"]).get("Contents", [])
    check(
        any(item["Size"] == len(PDF) and "isee" not in item["Key"] for item in objects),
        "the bytes are in the bucket under a random key",
    )

    message = asyncio.run(websocket_replay(browser, args.https_port))
    check(message.get("type") == "replay", f"the notification websocket through nginx ({str(message)[:80]})")

    os.kill(args.stop_first, signal.SIGTERM)
    time.sleep(2)
    answers = [browser.request("GET", "/cases/").status_code for _ in range(6)]
    check(answers == [200] * 6, f"one app host stopped: nginx serves every page from the other ({answers})")

    if failures:
        print(f"\n{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
