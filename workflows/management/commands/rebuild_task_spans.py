"""Recompute every task span from the event history (`workflows.spans.rebuild`)."""

from django.core.management.base import BaseCommand

from workflows import spans


class Command(BaseCommand):
    help = "Recompute the task spans (queues and waiting times read by oversight) from the workflow event history."

    def handle(self, *args, **options):
        count = spans.rebuild()
        self.stdout.write(self.style.SUCCESS(f"{count} task spans rebuilt from the event history."))
