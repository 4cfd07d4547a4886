"""The bot in webhook mode against the fake: the fake POSTs each update to the bot's aiohttp server."""

from __future__ import annotations

import asyncio

from aiohttp import web
from pydantic import SecretStr

from bot.app import App, create_app
from bot.core.config import Settings
from bot.app.webhook import run_webhook
from sandbox.bot_api import FakeTelegram
from tests.conftest import Harness

SECRET = "test-webhook-secret_0123456789"


class WebhookHarness(Harness):
    """Like Harness, but serving a webhook; stop() is a graceful shutdown (what SIGTERM triggers)."""

    def __init__(self, fake: FakeTelegram, settings: Settings) -> None:
        super().__init__(fake, settings.model_copy(update={"webhook_secret": SecretStr(SECRET)}))
        self.shutdown = asyncio.Event()
        self.base_url = ""

    @property
    def url(self) -> str:
        """Where the fake posts updates."""
        return self.base_url + self.settings.webhook_path

    async def start(self) -> App:
        """Start the server on a free port and point the fake's deliveries at it."""
        self.app = create_app(self.settings)
        self.shutdown = asyncio.Event()
        ready = asyncio.Event()

        def started(runner: web.AppRunner) -> None:
            host, port = runner.addresses[0][:2]
            self.base_url = f"http://{host}:{port}"
            ready.set()

        self.task = asyncio.create_task(
            run_webhook(self.app, shutdown=self.shutdown, handle_signals=False, port=0, started=started)
        )
        waiter = asyncio.ensure_future(ready.wait())
        done, _ = await asyncio.wait({waiter, self.task}, timeout=20, return_when=asyncio.FIRST_COMPLETED)
        if self.task in done:
            self.task.result()
        assert ready.is_set(), "webhook server did not start"
        self.fake.feed_webhook(self.url, SECRET)
        return self.app

    async def stop(self) -> None:
        """Graceful shutdown: stop listening, finish updates in flight, stop the sender, close."""
        if self.app is None or self.task is None:
            return
        self.fake.feed_webhook(None)
        self.shutdown.set()
        await asyncio.wait_for(self.task, 40)
        self.app, self.task = None, None
