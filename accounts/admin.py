"""/django-admin/'s login says until when a locked username or address must wait, as the site's does
(accounts/lockout.py): the same protection covers both, through LockoutBackend."""

from django.contrib import admin

from accounts.forms_lockout import LockoutAdminAuthenticationForm

admin.site.login_form = LockoutAdminAuthenticationForm
