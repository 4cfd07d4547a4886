"""Webhook mode: an aiohttp server that handles each update before answering Telegram.

POST WEBHOOK_PATH   one update, processed before the response: 200 once its effects are committed,
                    500 when the handler failed (Telegram delivers it again), 401 for a wrong secret.
GET  /healthz       200 {"status": "ok"} when the database answers, 503 otherwise.
GET  /metrics       Prometheus text format.

Shutdown (SIGTERM/SIGINT): stop listening, let updates in flight finish (settings.shutdown_timeout), then stop
the outbox sender and the ticks, then close sessions.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable

from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.app import App, close, prepare_or_close, reader, start_background, stop_background
from bot.core.config import Settings
from db.repo import metrics as metrics_repo

log = logging.getLogger(__name__)

HEALTH_TIMEOUT = 5.0


class MissingSecret(Exception):
    """Webhook mode without WEBHOOK_SECRET."""


def secret_of(settings: Settings) -> str:
    """The webhook secret, required in webhook mode."""
    if settings.webhook_secret is None:
        raise MissingSecret("Configuration error: WEBHOOK_SECRET: required for webhook mode (see .env.example)")
    return settings.webhook_secret.get_secret_value()


def health_handler(app: App) -> Callable[[web.Request], Awaitable[web.Response]]:
    """GET /healthz: the database answers a SELECT 1."""

    async def healthz(request: web.Request) -> web.Response:
        try:
            async with asyncio.timeout(HEALTH_TIMEOUT):
                async with reader(app)() as session:
                    await metrics_repo.ping(session)
        except Exception as exc:  # any failure means unhealthy; the cause goes to the log
            log.warning("health check failed: %s", type(exc).__name__)
            return web.json_response({"status": "unavailable", "database": type(exc).__name__}, status=503)
        return web.json_response({"status": "ok"})

    return healthz


def build_server(app: App) -> web.Application:
    """The aiohttp application: the webhook path, /healthz and /metrics."""
    handler = SimpleRequestHandler(
        app.dp, app.bot, handle_in_background=False, secret_token=secret_of(app.settings)
    )
    server = web.Application()
    # Registered by hand rather than with handler.register(): that would close the bot session on
    # shutdown while updates are still in flight and the sender still sends; close() does it last.
    server.router.add_post(app.settings.webhook_path, handler.handle)
    server.router.add_get("/healthz", health_handler(app))
    server.router.add_get("/metrics", app.metrics.handle)
    return server


async def start_server(app: App, host: str | None = None, port: int | None = None) -> web.AppRunner:
    """Start listening (port 0 picks a free port; see runner.addresses)."""
    runner = web.AppRunner(build_server(app), access_log=None, shutdown_timeout=app.settings.shutdown_timeout, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(
        runner, host or app.settings.webhook_host, app.settings.webhook_port if port is None else port
    )
    await site.start()
    return runner


async def run_webhook(
    app: App,
    *,
    shutdown: asyncio.Event | None = None,
    handle_signals: bool = True,
    port: int | None = None,
    started: Callable[[web.AppRunner], None] | None = None,
) -> None:
    """Serve until SIGTERM/SIGINT (or until `shutdown` is set), then shut down gracefully."""
    shutdown = shutdown or asyncio.Event()
    secret_of(app.settings)
    await prepare_or_close(app)
    start_background(app, metrics=True)  # /metrics is served here
    runner: web.AppRunner | None = None
    loop = asyncio.get_running_loop()
    try:
        runner = await start_server(app, port=port)
        if handle_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, shutdown.set)
        await app.dp.emit_startup(bot=app.bot, dispatcher=app.dp, **app.dp.workflow_data)
        log.info("webhook server listening on %s", ", ".join(str(a) for a in runner.addresses))
        if started is not None:
            started(runner)
        await shutdown.wait()
        log.info("shutting down: finishing updates in flight")
    finally:
        if handle_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
        if runner is not None:
            await runner.cleanup()  # stop accepting, wait for requests in flight (settings.shutdown_timeout)
            await app.dp.emit_shutdown(bot=app.bot, dispatcher=app.dp, **app.dp.workflow_data)
        await stop_background(app)
        await close(app)
        log.info("stopped")


async def set_webhook(app: App, url: str) -> None:
    """setWebhook with the secret and the update types the handlers use; pending updates are kept."""
    allowed = app.dp.resolve_used_update_types()
    await app.bot.set_webhook(
        url, secret_token=secret_of(app.settings), allowed_updates=allowed, drop_pending_updates=False
    )


async def delete_webhook(app: App) -> None:
    """deleteWebhook (back to long polling); pending updates are kept."""
    await app.bot.delete_webhook(drop_pending_updates=False)


async def webhook_command(settings: Settings, action: str, url: str | None) -> int:
    """`python -m bot webhook set URL` / `webhook delete`: exit code 0 on success."""
    from bot.app import create_app

    app = create_app(settings)
    try:
        if action == "set":
            assert url is not None
            await set_webhook(app, url)
            info = await app.bot.get_webhook_info()
            print(f"webhook set to {info.url} ({info.pending_update_count} updates pending)")
        else:
            await delete_webhook(app)
            print("webhook deleted; the bot can poll again")
        return 0
    except Exception as exc:  # aiogram's TelegramBadRequest etc.: one line, no traceback
        print(f"webhook {action} failed: {exc}", file=sys.stderr)
        return 1
    finally:
        await close(app)
