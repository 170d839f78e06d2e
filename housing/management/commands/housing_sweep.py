"""Free the places whose offer was not answered in time. One sweep, or `--every SECONDS` in a loop (the loop,
signals and reconnections are `run_timers`'). Safe in several copies: each offer is re-read under its place's
row lock, and one answered or expired meanwhile is left alone. The pathway's follow-ups are viewflow timers:
`run_timers` fires them."""

from __future__ import annotations

from housing.services.offers import offers_expire
from workflows.management.commands import run_timers


class Command(run_timers.Command):
    help = (
        "Expire housing offers not answered in time (their places are free again). One sweep, or --every "
        "SECONDS in a loop until SIGTERM or Ctrl-C. Safe to run concurrently."
    )

    def sweep(self) -> dict[str, int]:
        return {"offers_expired": offers_expire()}

    @staticmethod
    def describe(counts: dict[str, int]) -> str:
        return f"{counts['offers_expired']} housing offer(s) expired"
