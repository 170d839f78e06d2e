"""The notification benchmark's report (bench/notify_latency.py): latency per delivery, the disruptions and what they
cost, deliveries per time slice, CPU, and the verdict."""

from __future__ import annotations

import collections
import os

from lib.timing import percentile

TARGET_P99_MS = 100.0


def expected_rows(sent: list[dict]) -> dict[tuple[int, int], dict]:
    """(user, notification id) -> the row's handoff and kind, for every Notification of the handoffs sent."""
    from notifications.models import Notification

    by_handoff = {row["handoff"]: row for row in sent}
    keys = [f"handoff:{pk}:1:received" for pk in by_handoff]
    expected = {}
    for pk, user_id, event_key in Notification.objects.filter(event_key__in=keys).values_list(
        "id", "user_id", "event_key"
    ):
        expected[(user_id, pk)] = by_handoff[int(event_key.split(":")[1])]
    return expected


def stats(values: list[float]) -> str:
    if not values:
        return f"{0:>6} {'-':>8} {'-':>8} {'-':>8} {'-':>8}"
    ms = [v * 1000 for v in values]
    return (
        f"{len(ms):>6} {percentile(ms, 0.50):>8.1f} {percentile(ms, 0.95):>8.1f} {percentile(ms, 0.99):>8.1f} "
        f"{max(ms):>8.1f}"
    )


def lasted(connection: dict) -> bool:
    """A connection that did not die of the disruption: it replayed and lasted 10 s, or was still open when the
    run (or the next disruption) ended it."""
    if not connection["replayed"]:
        return False
    return (
        connection["how"] in ("end of the run", "aborted by the client")
        or connection["closed"] - connection["opened"] >= 10
    )


def disruption(name: str, begin: float, end: float, clients: list[dict], start: float) -> dict:
    """How the sockets went through one disruption (from `begin`; Redis back or the drop at `end`): which closed,
    how many attempts it took to come back, and when each affected client had its first replay on a connection
    that lasted. Its window, for the latency of the live pushes, runs from `begin` to the last of those."""
    closed: collections.Counter = collections.Counter()
    attempts: collections.Counter = collections.Counter()
    back = []
    for client in clients:
        hit = [
            c
            for c in client["connections"]
            if c["opened"]
            and c["opened"] < begin
            and c["closed"]
            and begin <= c["closed"] <= end + 3
            and c["how"] != "end of the run"
            and (name != "drop" or c["how"] == "aborted by the client")
        ]
        if not hit:
            continue
        closed[hit[0]["how"]] += 1
        after = [c for c in client["connections"] if c["started"] >= hit[0]["closed"]]
        good = next((c for c in after if lasted(c)), None)
        for attempt in after[: after.index(good) if good else len(after)]:
            attempts["opened, then lost" if attempt["opened"] else attempt["how"]] += 1
        back.append(good["replayed"] if good else float("inf"))
    finished = max(back, default=end)
    return {
        "name": name,
        "window": (begin, finished),
        "closed": closed,
        "attempts": attempts,
        "back": back,
        "begin": begin,
        "end": end,
        "start": start,
    }


def disruptions(timeline: dict, clients: list[dict], start: float) -> list[dict]:
    found = []
    if "redis_down" in timeline:
        found.append(disruption("redis", timeline["redis_down"], timeline["redis_up"], clients, start))
    if "drop" in timeline:
        found.append(disruption("drop", timeline["drop"], timeline["drop"], clients, start))
    return found


def print_disruption(story: dict, timeline: dict) -> None:
    start, begin, end = story["start"], story["begin"], story["end"]
    if story["name"] == "redis":
        print(f"  Redis killed at +{begin - start:.1f} s, running again at +{end - start:.1f} s")
    else:
        print(f"  {timeline.get('dropped', 0)} sockets aborted by their clients at +{begin - start:.1f} s")
    closed = story["closed"]
    print(f"    sockets closed: {sum(closed.values())} ({', '.join(f'{how}: {n}' for how, n in closed.most_common())})")
    if story["attempts"]:
        print(
            f"    failed reconnection attempts before a lasting one: {sum(story['attempts'].values())} "
            f"({', '.join(f'{how}: {n}' for how, n in story['attempts'].most_common())})"
        )
    back = [t - end for t in story["back"]]
    if back:
        never = sum(1 for t in back if t == float("inf"))
        done = [t for t in back if t != float("inf")]
        reference = "Redis running again" if story["name"] == "redis" else "the drop"
        print(
            f"    first replay on a lasting connection, s after {reference}: "
            + (
                f"p50 {percentile(done, 0.5):.1f}, p95 {percentile(done, 0.95):.1f}, max {max(done):.1f}"
                if done
                else "none"
            )
            + (f"; {never} clients never came back" if never else "")
        )


def print_unprovoked(clients: list[dict], stories: list[dict], start: float) -> None:
    """Sockets the server closed when nothing was done to them (outside the disruptions)."""
    closed = []
    for client in clients:
        for connection in client["connections"]:
            if (
                connection["opened"] is None
                or connection["how"] in ("end of the run", "aborted by the client")
                or any(s["begin"] <= connection["closed"] <= s["window"][1] + 3 for s in stories)
            ):
                continue
            closed.append((connection["closed"] - start, connection["how"]))
    if closed:
        kinds = collections.Counter(how for _at, how in closed)
        times = ", ".join(f"{at:+.1f}" for at, _how in sorted(closed)[:12])
        print(
            f"\nsockets closed by the server outside the disruptions: {len(closed)} "
            f"({', '.join(f'{how}: {n}' for how, n in kinds.most_common())}); at (s): {times}"
            + (" ..." if len(closed) > 12 else "")
        )


def print_slices(expected: dict, delivered: dict, start: float, wall: float, width: float = 10.0) -> None:
    """Live commit -> receipt by slice of commit time: where the slow pushes are."""
    slices: dict[int, list[float]] = collections.defaultdict(list)
    replays: collections.Counter = collections.Counter()
    for key, (at, source) in delivered.items():
        if key in expected:
            index = int((expected[key]["committed"] - start) // width)
            if source == "live":
                slices[index].append(at - expected[key]["committed"])
            else:
                replays[index] += 1
    print(f"\nby commit time{'':<36} {'live':>6} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}  replayed")
    for index in range(int(wall // width) + 1):
        label = f"+{index * width:.0f} .. +{(index + 1) * width:.0f} s"
        print(f"  {label:<48} {stats(slices[index])}  {replays[index]:>8}")


def print_cpu(cpu: dict) -> None:
    cores = os.cpu_count() or 1
    capacity = cpu["wall"] * cores
    print(f"\nCPU while sending ({cpu['wall']:.0f} s x {cores} cores = {capacity:.0f} CPU-s):")
    ours = 0.0
    for name, seconds in sorted(cpu["parts"].items(), key=lambda item: -item[1]):
        ours += seconds
        print(f"  {name:<36} {seconds:>7.1f} s  {seconds / capacity:>5.0%}")
    rest = cpu["machine"] - ours
    print(
        f"  {'everything else on the machine':<36} {rest:>7.1f} s  {rest / capacity:>5.0%}   "
        f"(busy in all: {cpu['machine'] / capacity:.0%})"
    )


def report(args, result: dict) -> bool:
    sent, clients, start, timeline = result["sent"], result["clients"], result["start"], result["timeline"]
    expected = expected_rows(sent)
    delivered: dict[tuple[int, int], tuple[float, str]] = {}
    duplicates = collections.Counter()
    failures = collections.Counter()
    for client in clients:
        for pk, at, source in client["received"]:
            delivered[(client["user"], pk)] = (at, source)
        duplicates.update(client["duplicates"])
        failures.update(client["failures"])
    lost = set(expected) - set(delivered)
    unexpected = set(delivered) - set(expected)
    stories = disruptions(timeline, clients, start)

    def disturbed(at: float) -> bool:
        return any(s["window"][0] <= at <= s["window"][1] for s in stories)

    live_all, live_steady, replay = [], [], []
    for key, (at, source) in delivered.items():
        if key not in expected:
            continue
        latency = at - expected[key]["committed"]
        if source == "live":
            live_all.append(latency)
            if not disturbed(expected[key]["committed"]):
                live_steady.append(latency)
        else:
            replay.append(latency)
    wall = max(row["committed"] for row in sent) - start
    send_times = [row["committed"] - row["started"] for row in sent]
    push_times = [row["pushed"] - row["committed"] for row in sent]
    late = [row["started"] - row["due"] for row in sent]

    print(
        f"\n== Notifications: {len(sent)} handoffs in {wall:.1f} s ({len(sent) / wall:.1f}/s; asked {args.rate:g}/s, "
        f"start behind schedule p95 {percentile(late, 0.95) * 1000:.0f} ms), {len(clients)} clients, "
        f"{args.workers} uvicorn workers, heartbeat {args.heartbeat:g} s"
        + (" (random phase after a reconnection)" if args.heartbeat_phase == "random" else "")
        + f", backoff reset on {args.backoff_reset}, {os.cpu_count()} CPUs\n"
    )
    sources = collections.Counter(source for key, (_at, source) in delivered.items() if key in expected)
    print(f"expected (Notification rows of the handoffs sent)  {len(expected):>7}")
    print(
        f"delivered (unique per user and id)                 {len(set(expected) & set(delivered)):>7}   "
        f"live {sources['live']}, replay {sources['replay']}"
    )
    print(
        f"duplicates discarded by the clients                {sum(duplicates.values()):>7}   "
        f"live {duplicates['live']}, replay {duplicates['replay']}"
    )
    print(f"lost                                               {len(lost):>7}")
    print(f"unexpected (not a row of these handoffs)           {len(unexpected):>7}")
    print(f"pushes that failed in the sender (logged)          {result['push_failures']:>7}")
    if failures:
        print(f"client-side anomalies: {', '.join(f'{k}: {n}' for k, n in failures.most_common())}")
    logged_out = sum(1 for c in clients if c["logged_out"])
    if logged_out:
        print(f"clients closed with 4401 (logged out): {logged_out}")

    print(f"\ncommit -> receipt, ms{'':<28} {'count':>6} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}")
    print(f"{'live pushes, all':<50} {stats(live_all)}")
    print(f"{'live pushes, outside the disruptions':<50} {stats(live_steady)}")
    print(f"{'by replay (missed pushes, after reconnection)':<50} {stats(replay)}")
    syncs = [answered - asked for client in clients for asked, answered in client["syncs"]]
    print(f"{'client: sync -> replay (round trip)':<50} {stats(syncs)}")
    print(f"{'sender: handoff_send, start -> commit':<50} {stats(send_times)}")
    print(f"{'sender: commit -> push sent (read rows, group_send)':<50} {stats(push_times)}")

    print_unprovoked(clients, stories, start)
    print_slices(expected, delivered, start, wall)
    if stories:
        print("\ndisruptions (times from the first handoff):")
        for story in stories:
            print_disruption(story, timeline)
    print_cpu(result["cpu"])
    if result["errors"]:
        print("\nserver log (tracebacks and warnings, by last line):")
        for line, n in result["errors"].most_common(12):
            print(f"  {n:>6}  {line}")
    p99 = percentile(live_steady, 0.99) * 1000 if live_steady else float("inf")
    ok = not lost and not unexpected and p99 <= TARGET_P99_MS
    print(
        f"\nlive p99 outside the disruptions {p99:.1f} ms (target <= {TARGET_P99_MS:.0f}), lost {len(lost)} "
        f"(target 0): {'ok' if ok else 'MISSED'}"
    )
    if lost:
        sample = sorted(lost)[:10]
        print(f"lost (user, id), first ones: {sample}")
    return ok
