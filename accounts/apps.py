from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Logging in and staying logged in: brute-force protection, the audit of authentication, sessions with an
    absolute lifetime, API tokens, security headers (issue 18)."""

    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts import sessions
        from core.bus import subscribe
        from partners.events import MemberDeactivated

        sessions.connect_login_stamp()
        subscribe(MemberDeactivated, sessions.on_member_deactivated)
