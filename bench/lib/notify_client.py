"""The notification benchmark's browsers (bench/notify_latency.py): WebSocket clients that reconnect as
static/js/notifications.js does, run by the hundred in client processes."""

from __future__ import annotations

import asyncio
import collections
import json
import random
import time

# The browser's reconnection (static/js/notifications.js).
FIRST_DELAY = 1.0


MAX_DELAY = 30.0


CLOSE_UNAUTHENTICATED = 4401


class Client:
    """One browser tab: the protocol of static/js/notifications.js."""

    def __init__(self, *, user_id: int, session_key: str, watermark: int, config: dict):
        self.user_id = user_id
        self.config = config
        self.cookie = f"{config['cookie_name']}={session_key}"
        self.watermark = watermark  # the page's newest: older ids are not this run's
        self.last_seen = watermark
        self.seen: set[int] = set()
        self.received: list[tuple[int, float, str]] = []  # (id, receipt time, "live" | "replay")
        self.duplicates = collections.Counter()
        self.connections: list[dict] = []  # every attempt: started, opened, first replay, closed, how
        self.failures = collections.Counter()
        self.socket = None
        self.current: dict | None = None
        self.pending_syncs: collections.deque[float] = collections.deque()  # sent, not answered yet
        self.sync_times: list[tuple[float, float]] = []  # (sync sent, replay received)
        self.stopped = False
        self.logged_out = False

    def remember(self, item: dict, source: str, at: float) -> None:
        pk = int(item.get("id") or 0)
        if pk <= self.watermark:
            return
        if pk in self.seen:
            self.duplicates[source] += 1
            return
        self.seen.add(pk)
        self.last_seen = max(self.last_seen, pk)
        self.received.append((pk, at, source))

    def on_message(self, raw, at: float, connection: dict) -> None:
        message = json.loads(raw)
        if message.get("type") == "replay":
            connection["replayed"] = connection["replayed"] or at
            if self.pending_syncs:
                self.sync_times.append((self.pending_syncs.popleft(), at))
            for item in message.get("items", []):
                self.remember(item, "replay", at)
            if message.get("more"):
                self.failures["replay truncated"] += 1
        elif message.get("type") == "notification":
            self.remember(message["item"], "live", at)

    async def sync(self, websocket) -> None:
        self.pending_syncs.append(time.time())
        await websocket.send(json.dumps({"type": "sync", "last_id": self.last_seen}))

    async def heartbeat(self, websocket, first: float) -> None:
        await asyncio.sleep(first)
        while True:
            await self.sync(websocket)
            await asyncio.sleep(self.config["heartbeat"])

    async def run(self) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed, InvalidStatus

        delay = FIRST_DELAY
        while not self.stopped:
            connection = {"started": time.time(), "opened": None, "replayed": None, "closed": None, "how": ""}
            self.connections.append(connection)
            beat = None
            try:
                async with connect(
                    self.config["url"],
                    origin=self.config["origin"],
                    open_timeout=10,
                    additional_headers={"Cookie": self.cookie},
                ) as websocket:
                    self.socket, self.current = websocket, connection
                    connection["opened"] = time.time()
                    if self.config["backoff_reset"] == "open":
                        delay = FIRST_DELAY  # as the browser does
                    await self.sync(websocket)
                    # The pages of the run were opened at random moments of a heartbeat period (people do not open
                    # them in the same two seconds); after a reconnection, as the browser: a random moment of the
                    # period (--heartbeat-phase open: a period after opening, the browser before the fix).
                    period = self.config["heartbeat"]
                    fixed = len(self.connections) > 1 and self.config["heartbeat_phase"] == "open"
                    first = period if fixed else random.uniform(0, period)
                    beat = asyncio.create_task(self.heartbeat(websocket, first))
                    async for raw in websocket:
                        self.on_message(raw, time.time(), connection)
                        if connection["replayed"] and self.config["backoff_reset"] == "replay":
                            delay = FIRST_DELAY
                    connection["how"] = connection["how"] or f"closed {websocket.close_code}"
                    if websocket.close_code == CLOSE_UNAUTHENTICATED:
                        self.logged_out = self.stopped = True
            except ConnectionClosed as exc:
                connection["how"] = connection["how"] or f"lost ({exc.rcvd.code if exc.rcvd else 'no close frame'})"
            except InvalidStatus as exc:
                connection["how"] = f"refused (HTTP {exc.response.status_code})"
            except (TimeoutError, OSError) as exc:
                connection["how"] = f"refused ({type(exc).__name__})"
            finally:
                self.socket = self.current = None
                self.pending_syncs.clear()
                if beat is not None:
                    beat.cancel()
                connection["closed"] = time.time()
            if self.stopped:
                break
            wait = delay / 2 + random.random() * delay / 2
            delay = min(delay * 2, MAX_DELAY)
            await asyncio.sleep(wait)

    def abort(self) -> bool:
        """Drop the TCP connection with no closing handshake (a laptop closed, a network gone)."""
        if self.socket is None:
            return False
        self.current["how"] = "aborted by the client"
        self.socket.transport.abort()
        return True

    async def stop(self) -> None:
        self.stopped = True
        if self.socket is not None:
            self.current["how"] = "end of the run"
            await self.socket.close()

    def result(self) -> dict:
        return {
            "user": self.user_id,
            "received": self.received,
            "duplicates": dict(self.duplicates),
            "connections": self.connections,
            "failures": dict(self.failures),
            "logged_out": self.logged_out,
            "syncs": self.sync_times,
        }


def clients_main(users, watermark: int, config: dict, events: dict, results) -> None:
    try:
        results.put(asyncio.run(clients_loop(users, watermark, config, events)))
    except BaseException as exc:
        events["ready"].put(0)
        results.put({"error": repr(exc)})
        raise


async def clients_loop(users: list[tuple[int, str]], watermark: int, config: dict, events: dict) -> list[dict]:
    clients = [Client(user_id=u, session_key=key, watermark=watermark, config=config) for u, key in users]
    tasks = []
    for index, client in enumerate(clients):
        tasks.append(asyncio.create_task(client.run()))
        if index % 25 == 24:
            await asyncio.sleep(0.1)  # a ramp, not a stampede
    deadline = time.time() + 60
    while time.time() < deadline and not all(c.connections and c.connections[-1]["replayed"] for c in clients):
        await asyncio.sleep(0.1)
    events["ready"].put(sum(1 for c in clients if c.connections and c.connections[-1]["replayed"]))
    dropped = False
    while not events["stop"].is_set():
        if not dropped and events["drop"].is_set():
            dropped = True
            chosen = random.Random(config["seed"]).sample(clients, round(len(clients) * config["drop_fraction"]))
            events["dropped"].put(sum(1 for c in chosen if c.abort()))
        await asyncio.sleep(0.05)
    for client in clients:
        await client.stop()
    await asyncio.wait(tasks, timeout=10)
    return [c.result() for c in clients]
