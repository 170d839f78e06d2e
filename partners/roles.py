"""Roles a member holds in an organisation, and what each role may do with case data.

This is the one table of role capabilities; `cases.permissions` combines it with the per-case
object permissions granted to organisation groups.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CASE_MANAGER = "case_manager", _("Case manager")
    OPERATOR = "operator", _("Operator")
    VOLUNTEER = "volunteer", _("Volunteer")
    ORG_ADMIN = "org_admin", _("Organisation administrator")
    COORDINATOR = "coordinator", _("Network coordinator")


class Capability(models.TextChoices):
    """Things a role may do on a case its organisation has been granted."""

    VIEW_SUMMARY = "view_summary", _("See the case summary (code, name, birth date)")
    VIEW_FILE = "view_file", _("Read the person's file")
    CHANGE_CASE = "change_case", _("Edit the case, person, household, consent and plan")
    ADD_NOTE = "add_note", _("Write notes")
    READ_NOTES = "read_notes", _("Read notes")
    ADD_INTERVENTION = "add_intervention", _("Record services delivered")
    UPLOAD_DOCUMENT = "upload_document", _("Upload documents")
    DOWNLOAD_DOCUMENT = "download_document", _("Download documents")
    VIEW_TIMELINE = "view_timeline", _("See the case timeline")


C = Capability
ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.CASE_MANAGER: frozenset(
        {
            C.VIEW_SUMMARY,
            C.VIEW_FILE,
            C.CHANGE_CASE,
            C.ADD_NOTE,
            C.READ_NOTES,
            C.ADD_INTERVENTION,
            C.UPLOAD_DOCUMENT,
            C.DOWNLOAD_DOCUMENT,
            C.VIEW_TIMELINE,
        }
    ),
    Role.OPERATOR: frozenset(
        {
            C.VIEW_SUMMARY,
            C.VIEW_FILE,
            C.ADD_NOTE,
            C.READ_NOTES,
            C.ADD_INTERVENTION,
            C.UPLOAD_DOCUMENT,
            C.DOWNLOAD_DOCUMENT,
            C.VIEW_TIMELINE,
        }
    ),
    # A volunteer records services; they see who the person is, nothing of the file.
    Role.VOLUNTEER: frozenset({C.VIEW_SUMMARY, C.ADD_INTERVENTION}),
    # The organisation's manager supervises its caseload: read-only.
    Role.ORG_ADMIN: frozenset({C.VIEW_SUMMARY, C.VIEW_FILE, C.READ_NOTES, C.DOWNLOAD_DOCUMENT, C.VIEW_TIMELINE}),
    # The coordinator reads aggregates and pseudonymised lists; a file only with a per-user grant.
    Role.COORDINATOR: frozenset(),
}

# Capabilities that need the organisation to hold `change_case` on the case (not only `view_case`).
CHANGE_CAPABILITIES = frozenset({C.CHANGE_CASE})

# Roles whose members may register people and open cases for their organisation.
INTAKE_ROLES = frozenset({Role.CASE_MANAGER})
# Roles whose members are placed in the organisation's Django group (and so reach the per-case grants).
GROUP_ROLES = frozenset({Role.CASE_MANAGER, Role.OPERATOR, Role.VOLUNTEER, Role.ORG_ADMIN})


def roles_with(capability: str) -> frozenset[str]:
    return frozenset(role for role, caps in ROLE_CAPABILITIES.items() if capability in caps)
