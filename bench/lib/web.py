"""Driving an ASGI server over HTTP (bench/connections.py): uvicorn started with given settings and stopped, the errors
of its log, logging a demo user in, and wrk runs that spread the users' cookies over their connections."""

from __future__ import annotations

import collections
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent.parent
DEMO_PASSWORD = "tavolo-demo-2026"  # the demo accounts' published password (README)

# wrk: one thread per connection, so that each thread (and its connection) carries one user's cookie; the
# answers are counted by status, and done() prints one JSON line for the script to read.
WRK_SCRIPT = """
local cookies = {%(cookies)s}
local path = %(path)s
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  codes = {}
  wrk.headers["Cookie"] = cookies[((id - 1) %% #cookies) + 1]
  wrk.headers["X-Forwarded-Proto"] = "https"
  request_text = wrk.format("GET", path)
end

function request()
  return request_text
end

function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
end

function done(summary, latency, requests)
  local all = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("codes")) do
      all[tostring(status)] = (all[tostring(status)] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(all) do
    table.insert(parts, string.format('"%%s": %%d', status, count))
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, "max_us": %%d, ' ..
    '"connect": %%d, "read": %%d, "write": %%d, "timeout": %%d, "status": %%d, "codes": {%%s}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout, e.status, table.concat(parts, ", ")))
end
"""


def wait_for_port(port: int, *, timeout: float, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"uvicorn exited with status {process.returncode} (see its log above)")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port} after {timeout:.0f} s")


def start_server(args, *, env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 - our own arguments
            [
                str(Path(sys.executable).parent / "uvicorn"),
                "config.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    wait_for_port(port, timeout=60, process=process)
    return process


def stop_server(process: subprocess.Popen | None) -> None:
    """SIGTERM to uvicorn's process group (the supervisor and its workers), then SIGKILL after 15 s."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def server_errors(log: Path) -> collections.Counter:
    """The server's tracebacks by their last line, and its ERROR/CRITICAL lines by their text (after the
    logger's name; numbers blurred)."""
    counts: collections.Counter = collections.Counter()
    lines = log.read_text(errors="replace").splitlines()
    for index, line in enumerate(lines):
        if line.startswith("Traceback"):
            end = index + 1
            while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end].strip()):
                end += 1
            if end < len(lines):
                counts[re.sub(r"\d+", "N", lines[end])[:160]] += 1
        elif level := re.search(r" (ERROR|CRITICAL) (.*)", line):
            counts[re.sub(r"\[[0-9a-f-]+\]|\d+", "N", level.group(0))[:160]] += 1
    return counts


def log_in(port: int, username: str) -> str:
    """GET the login form (CSRF cookie and token), POST the credentials; returns the session cookie."""
    headers = {"X-Forwarded-Proto": "https", "Host": f"127.0.0.1:{port}"}
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    client.request("GET", "/accounts/login/", headers=headers)
    page = client.getresponse()
    body = page.read().decode()
    cookies = cookie_jar(page.headers.get_all("Set-Cookie") or [])
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if page.status != 200 or token is None or "csrftoken" not in cookies:
        raise SystemExit(f"login form: HTTP {page.status}, no CSRF token")
    form = f"csrfmiddlewaretoken={quote(token.group(1))}&username={quote(username)}&password={quote(DEMO_PASSWORD)}"
    client.request(
        "POST",
        "/accounts/login/",
        body=form,
        headers={
            **headers,
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"https://127.0.0.1:{port}",
            "Referer": f"https://127.0.0.1:{port}/accounts/login/",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
        },
    )
    answer = client.getresponse()
    answer.read()
    client.close()
    session = cookie_jar(answer.headers.get_all("Set-Cookie") or []).get("sessionid")
    if answer.status != 302 or not session:
        raise SystemExit(f"login of {username}: HTTP {answer.status}, no session (wrong demo password?)")
    return f"sessionid={session}"


def cookie_jar(headers: list[str]) -> dict[str, str]:
    return dict(header.split(";", 1)[0].split("=", 1) for header in headers)


def wrk(port: int, *, path: str, connections: int, seconds: int, cookies: list[str], script: Path) -> dict:
    script.write_text(WRK_SCRIPT % {"cookies": ", ".join(json.dumps(c) for c in cookies), "path": json.dumps(path)})
    output = subprocess.run(  # noqa: S603 - our own arguments
        [
            shutil.which("wrk") or "wrk",
            "-t",
            str(connections),
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--timeout",
            "60s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next((row for row in output.splitlines() if row.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no result:\n{output}")
    return json.loads(line.removeprefix("RESULT "))
