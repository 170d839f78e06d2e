import pytest


@pytest.fixture
def client(client):
    """The web UI tests read English text: the client asks for English (Italian is the default)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
