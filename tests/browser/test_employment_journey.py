"""Organisation A's case manager starts the employment pathway from the case page, writes the profile and refers
the person to the job centre; the job centre's operator accepts the referral from its queue and records a course
enrolment on the pathway page."""

import datetime

from django.urls import reverse
from django.utils import timezone

from employment import services
from employment.models import EmploymentPathway, Enrolment, Stage
from partners.roles import Role
from tests.factories import PASSWORD
from tests.helpers.browser import login
from workflows.models import HandoffStatus


def test_referral_to_the_job_centre_accepted_and_course_enrolment(
    network, consenting_case, cpi, job_placement, new_page, live_server
):
    case = consenting_case
    course = services.course_create(
        actor=network.user("cpi", Role.OPERATOR),
        organisation_id=cpi.pk,
        **{
            "title": "Patentino carrello elevatore",
            "starts_on": timezone.localdate() + datetime.timedelta(days=5),
            "ends_on": timezone.localdate() + datetime.timedelta(days=8),
            "seats": 12,
        },
    )

    # given: A's case manager on the case page, whose employment panel loads by itself
    manager = new_page()
    login(manager, network.user("a", Role.CASE_MANAGER).username, PASSWORD)
    manager.goto(reverse("cases:case_detail", args=[case.pk]))
    manager.wait_for_selector("#employment .tv-employment-panel")

    # when: they start the pathway, write the profile and finish the profiling step
    with manager.expect_navigation():
        manager.click("#employment form[action$='/start/'] [type=submit]")
    pathway = EmploymentPathway.objects.get(case=case)
    assert pathway.stage == Stage.PROFILING
    manager.goto(reverse("employment:profile_edit", args=[case.pk]))
    manager.select_option("main select[name=education_level]", "lower_secondary")
    manager.fill("main input[name=max_weekly_hours]", "40")
    manager.select_option("main select[name=did_status]", "active")
    manager.fill("main input[name=did_date]", "2026-01-15")
    manager.select_option("main select[name=language_0]", "it")
    manager.select_option("main select[name=level_0]", "3")
    with manager.expect_navigation():
        manager.click("main form [type=submit]")
    assert "Patente" not in manager.locator("main .tv-employment-profile").inner_text()
    # the pathway page (where the profile form led) lists the open step: the profiling task
    with manager.expect_navigation():
        manager.click("#employment-panel a[href*='/work/tasks/']")
    with manager.expect_navigation():
        manager.click("main form:has(input[name=action]) [type=submit]")

    # and: the referral to the job centre, from the next step's page
    with manager.expect_navigation():
        manager.click("#employment-panel a[href*='/work/tasks/']")
    manager.select_option("main select[name='refer-receiver_organisation']", str(cpi.pk))
    manager.select_option("main select[name='refer-service_type']", str(job_placement.pk))
    manager.fill("main textarea[name='refer-reason']", "Cerca lavoro nel magazzinaggio, disponibile da subito.")
    with manager.expect_navigation():
        manager.click("main form:has(input[name=action]) [type=submit]")

    # then: the referral waits for the job centre
    pathway.refresh_from_db()
    assert pathway.referral.status == HandoffStatus.PENDING and pathway.referral.receiver_organisation == cpi

    # when: the job centre's operator finds it in the queue and accepts it
    operator = new_page()
    login(operator, network.user("cpi", Role.OPERATOR).username, PASSWORD)
    operator.goto(reverse("workflows:queue"))
    row = operator.locator("table.tv-task-list tbody tr", has_text=case.code)
    with operator.expect_navigation():
        row.locator("a", has_text=case.code).first.click()
    with operator.expect_navigation():
        operator.click("main form.tv-accept-form [type=submit]")
    pathway.refresh_from_db()
    assert pathway.referral.status == HandoffStatus.ACCEPTED and pathway.stage == Stage.AGREEMENT

    # and: records a course enrolment on the pathway page
    operator.goto(reverse("employment:case_pathway", args=[case.pk]))
    operator.select_option("main select[name='enrol-course']", str(course.pk))
    with operator.expect_navigation():
        operator.click("#enrolments form [type=submit]")

    # then: the enrolment is there, and the page shows it
    assert Enrolment.objects.filter(course=course, case=case, pathway=pathway).count() == 1
    assert "Patentino carrello elevatore" in operator.locator("#enrolments").inner_text()
