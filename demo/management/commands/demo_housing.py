"""Load the demo housing chain (see demo.housing): providers' places, housing sections, waitlists, pathways."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from demo import housing as demo


class Command(BaseCommand):
    help = (
        "Load the demo housing chain on the demo network (manage.py demo_network and demo_workflows first): the "
        "providers' resources and places, housing sections and waitlists of open housing cases, and a few housing "
        "pathways under way. Does nothing when housing resources already exist (safe on every start)."
    )

    def handle(self, *args, **options):
        if demo.housing_loaded():
            self.stdout.write("Housing resources already exist: demo housing not loaded.")
            return
        try:
            stats = demo.load_housing()
        except demo.HousingDemoError as exc:
            self.stdout.write(f"Demo housing not loaded: {exc}.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                "Demo housing loaded: " + ", ".join(f"{count} {label}" for label, count in stats.items())
            )
        )
