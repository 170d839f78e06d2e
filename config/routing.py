"""Websocket routes. The notifications consumer (`/ws/notifications/`) is added by the notifications app."""

websocket_urlpatterns: list = []
