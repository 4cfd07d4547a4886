"""Starting up: every problem is one line saying what is wrong and what to do; an unreachable Telegram
is waited for (with backoff, saying so once a minute) rather than a traceback."""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot
from aiogram.exceptions import (
    TelegramNetworkError,
    TelegramNotFound,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import GetMe
from aiogram.types import User
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

#: Seconds between tries while Telegram is unreachable: doubling from the first, capped at the last.
FIRST_DELAY, MAX_DELAY = 1.0, 30.0
#: Seconds a getMe may take before it counts as unreachable (packets dropped rather than refused).
PROBE_TIMEOUT = 10
#: Seconds between the "unreachable" log lines.
REPORT_EVERY = 60.0


class StartupError(Exception):
    """A problem that stops the bot before it serves anyone; str() is the one line to print."""

    def __init__(self, message: str, exit_code: int = 3) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def one_line(exc: BaseException, limit: int = 200) -> str:
    """An exception as one short line (aiohttp's messages carry the host and the OS's reason)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def wait_for_telegram(bot: Bot, report_every: float = REPORT_EVERY) -> User:
    """getMe until Telegram answers: network errors, timeouts and 5xx are retried with backoff and
    logged as one line at most every `report_every` seconds. StartupError (exit code 2) when Telegram
    rejects the token, or TELEGRAM_API_URL is not a Bot API server."""
    loop = asyncio.get_running_loop()
    delay, reported = FIRST_DELAY, None
    while True:
        try:
            me = await bot(GetMe(), request_timeout=PROBE_TIMEOUT)
        except TelegramUnauthorizedError:
            raise StartupError("Cannot start: Telegram rejected BOT_TOKEN (Unauthorized): copy the token from "
                               "@BotFather again (/mybots → API Token)", exit_code=2) from None
        except TelegramNotFound:
            raise StartupError("Cannot start: the Bot API answered 404 Not Found: check BOT_TOKEN and "
                               "TELEGRAM_API_URL (leave it unset for Telegram itself)", exit_code=2) from None
        except (TelegramNetworkError, TelegramServerError, TimeoutError, OSError) as exc:
            now = loop.time()
            if reported is None or now - reported >= report_every:
                log.warning("Telegram unreachable (%s); retrying every %.0f s at most, "
                            "check the network, DNS and any proxy", one_line(exc), MAX_DELAY)
                reported = now
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_DELAY)
            continue
        if reported is not None:
            log.info("Telegram reachable again")
        return me


def database_problem(url: str, exc: BaseException) -> StartupError:
    """The one line for a database that cannot be opened or reached (the password never shown)."""
    where = make_url(url).render_as_string(hide_password=True)
    if url.startswith("sqlite"):
        hint = "check that the directory exists and is writable"
    else:
        hint = "check DATABASE_URL (host, port, user, password, database name) and that PostgreSQL runs"
    return StartupError(f"Cannot start: database {where} cannot be opened ({one_line(exc)}): {hint}")


def redis_problem(url: str, exc: BaseException) -> StartupError:
    """The one line for an unreachable Redis."""
    where = make_url(url).render_as_string(hide_password=True) if "://" in url else url
    return StartupError(f"Cannot start: Redis at {where} is unreachable ({one_line(exc)}): start Redis, "
                        "or unset REDIS_URL for a single instance")
