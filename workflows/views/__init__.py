"""The web pages of the workflows: the work lists, the task pages, the handoff forms and lists, the case panel.

Thin, like `cases.views`: parse the input, call a selector (already permission-filtered; hidden objects answer
404) or a service (PermissionDenied answers the 403 page, ValidationError goes back onto the form), render.
"""
