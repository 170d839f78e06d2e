"""`manage.py organisation_add`: the network's operator adds an organisation and its first administrator through
the services (ADR 0015: the Django admin changes neither). From then on that administrator manages the members on
Tavolo's own pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from partners import services
from partners.models import NetworkRole, OrganisationKind
from partners.roles import Role


class Command(BaseCommand):
    help = "Add an organisation to the network with its first administrator (an org_admin account)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--kind", required=True, choices=OrganisationKind.values)
        parser.add_argument("--network-role", default=NetworkRole.PARTNER, choices=NetworkRole.values)
        parser.add_argument("--admin", required=True, help="username of the first administrator (new or existing)")
        parser.add_argument("--email", default="", help="for a new account: where it chooses its password")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args, **options):
        try:
            with transaction.atomic():
                organisation = services.organisation_create(
                    name=options["name"], kind=options["kind"], network_role=options["network_role"]
                )
                membership = services.membership_add(
                    organisation=organisation,
                    role=Role.ORG_ADMIN,
                    actor=None,
                    username=options["admin"],
                    email=options["email"],
                    first_name=options["first_name"],
                    last_name=options["last_name"],
                )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        user = membership.user
        self.stdout.write(f"{organisation.name}: {user.username} is its administrator.")
        if not user.has_usable_password():
            self.stdout.write(
                "The account has no password yet: its owner chooses one with “Forgot your password?” "
                "(/accounts/password_reset/), or the operator runs manage.py changepassword."
            )
