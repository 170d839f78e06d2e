"""Load the demo of the employment pathway (after demo_network and demo_workflows): see demo.employment."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from demo import require_extra


class Command(BaseCommand):
    help = (
        "Load the employment demo: the job centre (CPI) and AFOL with their staff, job opportunities, courses, "
        "and five employment pathways in different stages. Idempotent: running it again changes nothing."
    )

    def handle(self, *args, **options):
        require_extra()
        from demo import employment as demo

        if demo.employment_loaded():
            self.stdout.write("The employment demo is already loaded.")
            return
        stats = demo.load_employment()
        if not stats.get("pathways"):
            self.stdout.write(f"Employment demo: organisations and offers only ({dict(stats)}).")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Employment demo loaded: {stats['pathways']} pathways, {stats['profiles']} profiles, "
                f"{stats['opportunities']} opportunities, {stats['courses']} courses. Logins: cpi.operatore, cpi.cm, "
                "afol.operatore, afol.cm (password tavolo-demo-2026)."
            )
        )
