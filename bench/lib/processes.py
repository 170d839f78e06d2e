"""Processes a benchmark starts and watches: free ports, waiting for a server, stopping it, counting the errors in its
log, a Redis server of its own, and sampling the CPU of processes and of the machine."""

from __future__ import annotations

import collections
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import urlparse


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, *, timeout: float, process: subprocess.Popen | None = None) -> None:
    """Raises SystemExit when nothing listens on `port` within `timeout` seconds (or the process died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"{process.args[0]} exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port} after {timeout:.0f} s")


def stop_process(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def server_errors(log: Path) -> collections.Counter:
    """The server's tracebacks, by their last line (exception type and message, numbers blurred)."""
    counts: collections.Counter = collections.Counter()
    lines = log.read_text(errors="replace").splitlines()
    for index, line in enumerate(lines):
        if line.startswith("Traceback"):
            end = index + 1
            while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end].strip()):
                end += 1
            if end < len(lines):
                counts[re.sub(r"\d+", "N", lines[end])[:140]] += 1
        elif "WARNING" in line or "ERROR" in line:
            counts[re.sub(r"\d+", "N", line)[:140]] += 1
    return counts


class Redis:
    """Our own redis-server, in memory only: a restart forgets the groups and the queued messages."""

    def __init__(self, port: int, log: Path):
        self.port = port
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("a") as out:
            command = [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ]
            self.process = subprocess.Popen(  # noqa: S603 - our own arguments
                command,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(self.port, timeout=10, process=self.process)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.process = None


def process_cpu(pid: int) -> tuple[int, float] | None:
    """(process group, CPU seconds) of a live process, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[2]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy() -> float:
    """CPU seconds the machine spent busy (all processes, all cores) since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


class CpuSampler(threading.Thread):
    """CPU seconds of each part of the bench while it sends: the uvicorn processes (its process group), the
    PostgreSQL backends on the bench database (they come and go: sampled every half second), the sender, the
    clients and Redis; and the machine's busy time, whose remainder is everything else running on it."""

    def __init__(self, url: str, server: subprocess.Popen, parts: dict[str, list[int]]):
        super().__init__(daemon=True)
        self.url, self.server, self.parts = url, server, parts
        self.first: dict[int, float] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self.halt = threading.Event()
        self.ready = threading.Event()

    def pids(self, probe) -> dict[int, str]:
        found = {pid: name for name, pids in self.parts.items() for pid in pids}
        for (pid,) in probe.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ):
            found[pid] = "PostgreSQL (bench database)"
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and (process_cpu(int(entry.name)) or (0, 0))[0] == self.server.pid:
                found[int(entry.name)] = "uvicorn (master and workers)"
        return found

    def sample(self, probe, *, baseline: bool = False) -> None:
        for pid, name in self.pids(probe).items():
            cpu = process_cpu(pid)
            if cpu is None:
                continue
            self.first.setdefault(pid, cpu[1] if baseline else 0.0)
            self.last[pid] = (name, cpu[1])

    def run(self) -> None:
        import psycopg

        parts = urlparse(self.url)
        with psycopg.connect(
            host=parts.hostname,
            port=parts.port or 5432,
            user=parts.username,
            password=parts.password,
            dbname=parts.path.lstrip("/"),
            autocommit=True,
        ) as probe:
            self.started, self.busy = time.time(), machine_busy()
            self.sample(probe, baseline=True)
            self.ready.set()
            while not self.halt.wait(0.5):
                self.sample(probe)

    def stop(self) -> dict:
        self.halt.set()
        self.join()
        used: collections.Counter = collections.Counter()
        for pid, (name, cpu) in self.last.items():
            used[name] += cpu - self.first[pid]
        return {"parts": dict(used), "machine": machine_busy() - self.busy, "wall": time.time() - self.started}
