"""Many cases at once, for the query-count tests: rows written in bulk as the services would leave them."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import Permission

from cases.models import Case, CaseGroupObjectPermission, Person, PersonAccess


def bulk_cases(organisation, manager, count: int) -> None:
    start = Case.objects.count()
    people = Person.objects.bulk_create(
        Person(
            first_name=f"Nome{i}",
            last_name=f"Rossi{i:05d}",
            first_name_key=f"nome{i}",
            last_name_key=f"rossi{i:05d}",
            birth_date=datetime.date(1980, 1, 1),
            registered_by=organisation,
        )
        for i in range(count)
    )
    cases = Case.objects.bulk_create(
        Case(code=f"B-{start + i}", person=p, lead_organisation=organisation, case_manager=manager)
        for i, p in enumerate(people)
    )
    view, change = Permission.objects.filter(codename__in=["view_case", "change_case"], content_type__app_label="cases")
    CaseGroupObjectPermission.objects.bulk_create(
        CaseGroupObjectPermission(group_id=organisation.group_id, permission=perm, content_object=case)
        for case in cases
        for perm in (view, change)
    )
    # What `permissions.grant_case_access` / `person_access_sync` write for these people.
    PersonAccess.objects.bulk_create(PersonAccess(person=p, group_id=organisation.group_id) for p in people)
