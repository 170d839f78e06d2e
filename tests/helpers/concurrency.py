"""Two people at the same moment: each action in its own thread and database connection, released together by a
barrier; `hold_locks` slows the winner down while it holds its locks so that the other really arrives meanwhile.
Row locks only bite on PostgreSQL: the modules that use these mark themselves `postgres`."""

from __future__ import annotations

import threading
import time

from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import translation

HOLD_SECONDS = 0.5


def race(*actions) -> list[tuple[str, object]]:
    """Run the actions in parallel threads released together; ("ok", result) or ("error", exception) each."""
    barrier = threading.Barrier(len(actions))
    results: list[tuple[str, object]] = [("missing", None)] * len(actions)

    def run(index, action):
        try:
            barrier.wait(timeout=10)
            # A new thread starts in the default language (Italian); the assertions read the English messages.
            with translation.override("en"):
                results[index] = ("ok", action())
        except Exception as exc:  # the loser's error is the point of the test
            results[index] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, action)) for i, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def hold_locks(monkeypatch, module, name: str) -> None:
    """Slow `module.name` down: whoever calls it keeps its locks for a while."""
    original = getattr(module, name)

    def slowly(*args, **kwargs):
        time.sleep(HOLD_SECONDS)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, slowly)


def one_winner(results) -> tuple[object, Exception]:
    outcomes = sorted(kind for kind, _value in results)
    assert outcomes == ["error", "ok"], results
    winner = next(value for kind, value in results if kind == "ok")
    loser = next(value for kind, value in results if kind == "error")
    assert isinstance(loser, ValidationError), repr(loser)
    return winner, loser
