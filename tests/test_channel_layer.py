"""The configured channel layer (in-memory by default, Redis when REDIS_URL is set) delivers to groups."""

import pytest
from channels.layers import get_channel_layer
from django.conf import settings


@pytest.mark.asyncio
async def test_group_message_round_trip():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("org.test", channel)
    await layer.group_send("org.test", {"type": "notify", "id": 1})
    message = await layer.receive(channel)
    assert message == {"type": "notify", "id": 1}
    await layer.group_discard("org.test", channel)


def test_backend_follows_redis_url():
    expected = "channels_redis.core.RedisChannelLayer" if settings.REDIS_URL else "channels.layers.InMemoryChannelLayer"
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == expected
