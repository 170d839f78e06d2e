"""Check that the demo data feeds the oversight dashboard, and print what the demo logins will see there."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.http import Http404

from reports.dashboard import build_dashboard
from reports.periods import Period
from reports.permissions import oversight_scope_for

DEMO_READERS = ("coordinatore", "caritas.admin", "cordata.admin")


class Command(BaseCommand):
    help = (
        "Print the oversight figures the demo logins find on /reports/ (run after demo_network and "
        "demo_workflows). The dashboard reads the demo's own history (cases, services ledger, handoffs, workflow "
        "events), so this command writes nothing and may run any number of times."
    )

    def handle(self, *args, **options):
        users = {u.username: u for u in get_user_model().objects.filter(username__in=DEMO_READERS, is_active=True)}
        if not users:
            self.stdout.write("The demo network is not there (no demo logins): nothing to report on.")
            return
        period = Period.default()
        for username in DEMO_READERS:
            user = users.get(username)
            if user is None:
                continue
            try:
                scope = oversight_scope_for(user)
            except Http404:
                continue
            sections = build_dashboard(scope=scope, period=period)
            figures = "; ".join(f"{label}: {value}" for s in sections for label, value in s.figures)
            self.stdout.write(f"{username}: {figures}")
