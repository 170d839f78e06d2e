"""Steps of the browser journeys that several journeys take: a page with its live connection, the referral form."""

import time

from django.urls import reverse


def login(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("main input[name=username]", username)
    page.fill("main input[name=password]", password)
    with page.expect_navigation():
        page.click("main form:has(input[name=password]) [type=submit]")


def open_with_live_connection(page, url: str) -> None:
    """Go to `url` and wait until the page's websocket has had the server's first answer (its groups are joined).

    The frames are collected from the moment the socket opens: the answer may come before `goto` returns."""
    answers: list = []

    def answered(payload) -> None:
        answers.append(payload)

    def watch(socket) -> None:
        if socket.url.endswith("/ws/notifications/"):
            socket.on("framereceived", answered)

    page.on("websocket", watch)
    page.goto(url)
    deadline = time.monotonic() + 10
    while not answers:
        assert time.monotonic() < deadline, "the page's websocket had no answer from the server"
        page.wait_for_timeout(50)
    page.remove_listener("websocket", watch)


def send_referral_through_the_form(page, case, organisation, service) -> None:
    page.goto(reverse("workflows:handoff_send", args=[case.pk]))
    page.select_option("main select[name=receiver_organisation]", str(organisation.pk))
    # choosing the receiver reloads its catalogue and the consent check (htmx)
    page.wait_for_selector("#tv-target-dynamic .text-success-emphasis")
    page.select_option("main select[name=service_type]", str(service.pk))
    page.fill("main textarea[name=reason]", "Ha bisogno di un pacco alimentare settimanale.")
    page.check("main input[name=sections][value=file]")
    with page.expect_navigation():
        page.click("main form.tv-handoff-form [type=submit]")
