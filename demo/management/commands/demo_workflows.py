"""Load the demo workflows: the open cases' pathways and handoffs in every state (see demo.workflows)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from demo import require_extra


class Command(BaseCommand):
    help = (
        "Load demo workflows on the demo network (manage.py demo_network first): a pathway for every open case, "
        "advanced as far as its file allows, and referrals and transfers in every state (waiting, overdue and "
        "escalated to the coordinator, accepted, completed, declined, redirected, revoked, transferred). Does "
        "nothing when workflows already exist (safe on every start)."
    )

    def handle(self, *args, **options):
        require_extra()
        from demo import workflows as demo

        if demo.workflows_loaded():
            self.stdout.write("Workflows already exist: demo workflows not loaded.")
            return
        started = time.perf_counter()
        try:
            stats = demo.load_workflows()
        except demo.WorkflowDemoError as exc:
            self.stdout.write(f"Demo workflows not loaded: {exc}.")
            return
        elapsed = time.perf_counter() - started
        states = ", ".join(
            f"{count} {label.removeprefix('status ')}"
            for label, count in sorted(stats.items())
            if label.startswith("status ")
        )
        skipped = sum(count for label, count in stats.items() if "skipped" in label)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo workflows loaded in {elapsed:.1f} s: {stats['pathways started']} case pathways "
                f"({stats['assessments done']} assessments, {stats['triages done']} triages and {stats['plans done']} "
                f"plans done), {stats['handoffs sent']} handoffs ({states}; {stats['handoff steps']} answers, "
                f"redirects and outcomes), {stats['newcomers']} new cases for them, "
                f"{stats['timers fired']} timers fired" + (f", {skipped} handoffs skipped." if skipped else ".")
            )
        )
        self.stdout.write(
            "Try caritas.operatore (queue and inbox), assistente.comune (handoffs sent, a declined referral to "
            "redirect), coordinatore (an overdue referral escalated), cordata.cm (a case transferred to La Cordata)."
        )
