"""Make the demo's notifications look lived-in: what is older than two days was read long ago and was not
e-mailed, so the bells show recent news only and the first sweep of `make run` e-mails only that."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from notifications.models import EmailState, Notification

OLD = datetime.timedelta(days=2)
# The demo's readers open a notification about an hour after it arrives.
READ_AFTER = datetime.timedelta(hours=1)


class Command(BaseCommand):
    help = (
        "Mark the demo's notifications older than two days read (an hour after they arrived) and not to be "
        "e-mailed. Changes nothing the second time (safe on every start)."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        old = Notification.objects.filter(created_at__lt=timezone.now() - OLD)
        read = old.filter(read_at__isnull=True).update(read_at=F("created_at") + READ_AFTER)
        skipped = old.filter(email_state=EmailState.PENDING).update(email_state=EmailState.SKIPPED)
        self.stdout.write(f"Demo notifications: {read} older than two days marked read, {skipped} not to e-mail.")
