"""`python -m bot init`: write .env for a country (emergency and crisis numbers, phone region, timezone,
language) and check the token with getMe when Telegram is reachable. Interactive by default; flags for
scripts. The output is for the station's computer, in English like the other commands."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramNetworkError, TelegramNotFound, TelegramServerError, TelegramUnauthorizedError
from aiogram.methods import GetMe

from bot.core.config import token_problem
from bot.telegram.startup import one_line


@dataclass(frozen=True)
class Country:
    """What a deployment in one country shows and assumes."""

    code: str
    name: str
    locale: str
    timezone: str
    emergency_numbers: dict[str, str]
    station: str  # the default name of the first district


#: Emergency numbers are shown at once to a resident who may be in danger: check them for your area.
COUNTRIES = {
    "CN": Country("CN", "China", "zh", "Asia/Shanghai",
                  {"ambulance": "120", "police": "110", "fire": "119", "crisis_line": "12356 / 400-161-9995"},
                  "社区服务站"),
    "RU": Country("RU", "Russia", "ru", "Europe/Moscow",
                  # No crisis line: Russia has no single adult one (8-800-2000-122 is the children's and
                  # teenagers' helpline); regions run their own: add yours as crisis_line in .env.
                  {"emergency": "112", "ambulance": "103", "police": "102", "fire": "101"},
                  "Центр соцобслуживания"),
    "UA": Country("UA", "Ukraine", "uk", "Europe/Kyiv",
                  {"emergency": "112", "ambulance": "103", "police": "102", "fire": "101",
                   "crisis_line": "7333 (Lifeline Ukraine)"},
                  "Центр соціальних послуг"),
}


class InitError(Exception):
    """One line for the user, and the exit code."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `python -m bot init`."""
    parser.add_argument("--country", type=str.upper, choices=sorted(COUNTRIES), help="the deployment's country")
    parser.add_argument("--token", help="the bot token from @BotFather")
    parser.add_argument("--staff-chat-id", type=int, help="the staff group's id (the bot posts it when added to the group)")
    parser.add_argument("--district", help="the name of the first district or station (more can be added in .env)")
    parser.add_argument("--admin", type=int, action="append", default=[], help="a coordinator's Telegram user id (repeatable)")
    parser.add_argument("--api-url", default=os.environ.get("TELEGRAM_API_URL") or None,
                        help="another Bot API server (default: TELEGRAM_API_URL, else Telegram's)")
    parser.add_argument("--output", type=Path, default=Path(".env"), help="the file to write (default: .env)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")
    parser.add_argument("--non-interactive", action="store_true", help="ask nothing: --country and --token are required")


async def check_token(token: str, api_url: str | None) -> str | None:
    """getMe: the bot's @username when Telegram accepts the token, None when Telegram is unreachable;
    InitError when it rejects it."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url.rstrip("/"))) if api_url else AiohttpSession()
    bot = Bot(token, session=session)
    try:
        me = await bot(GetMe(), request_timeout=10)
    except (TelegramUnauthorizedError, TelegramNotFound):
        raise InitError("Telegram rejected this token: copy it again from @BotFather (/mybots → API Token)") from None
    except (TelegramNetworkError, TelegramServerError, TimeoutError, OSError) as exc:
        print(f"Telegram is unreachable ({one_line(exc, 120)}); the token was not checked.")
        return None
    finally:
        await session.close()
    return f"@{me.username}" if me.username else str(me.id)


def render(country: Country, token: str, staff_chat_id: int | None, district: str, admins: list[int]) -> str:
    """The .env text."""
    districts = [{"code": "main", "name": district}]
    chat_line = (f"STAFF_CHAT_ID={staff_chat_id}" if staff_chat_id is not None else
                 "# Not known yet: start the bot, add it to the staff group, and it posts the group's id there.\n"
                 "STAFF_CHAT_ID=0")
    return "\n".join([
        f"# Written by `python -m bot init` for {country.name} ({country.code}) on {date.today().isoformat()}.",
        "# Every key is explained in .env.example. Check the emergency numbers for your area.",
        f"BOT_TOKEN={token}",
        chat_line,
        f"STAFF_LOCALE={country.locale}",
        f"DEFAULT_LOCALE={country.locale}",
        f"TIMEZONE={country.timezone}",
        f"PHONE_REGION={country.code}",
        f"EMERGENCY_NUMBERS={json.dumps(country.emergency_numbers, ensure_ascii=False)}",
        f"DISTRICTS={json.dumps(districts, ensure_ascii=False)}",
        f"ADMINS={json.dumps(admins)}",
        "",
    ])


def ask(prompt: str, read: Callable[[str], str], check: Callable[[str], str | None], default: str | None = None) -> str:
    """input() until the answer passes `check` (which returns a problem, or None)."""
    while True:
        answer = read(f"{prompt}{f' [{default}]' if default else ''}: ").strip() or (default or "")
        problem = check(answer)
        if problem is None:
            return answer
        print(problem)


def gather(args: argparse.Namespace, read: Callable[[str], str]) -> tuple[Country, str, int | None, str, list[int]]:
    """Flags, and for what they leave open, questions (unless --non-interactive)."""
    if args.non_interactive:
        if not args.country or not args.token:
            raise InitError("--non-interactive needs --country and --token")
        country = COUNTRIES[args.country]
        return country, args.token.strip(), args.staff_chat_id, args.district or country.station, args.admin
    codes = ", ".join(f"{c.code} ({c.name})" for c in COUNTRIES.values())
    code = args.country or ask(f"Country: {codes}", read,
                               lambda a: None if a.upper() in COUNTRIES else f"Choose one of {codes}.").upper()
    country = COUNTRIES[code]
    token = args.token or ask("Bot token from @BotFather", read, lambda a: token_problem(a, bool(args.api_url)))
    chat = args.staff_chat_id
    if chat is None:
        raw = ask("Staff group id (Enter if you do not know it yet)", read,
                  lambda a: None if not a or a.lstrip("-").isdigit() else "A number such as -1001234567890, or Enter.")
        chat = int(raw) if raw else None
    district = args.district or ask("Name of your district or station", read, lambda a: None if a else "A name, please.",
                                    default=country.station)
    admins = args.admin
    if not admins:
        raw = ask("Coordinators' Telegram user ids, separated by spaces (Enter to skip)", read,
                  lambda a: None if all(p.isdigit() for p in a.split()) else "Numbers only, separated by spaces.")
        admins = [int(p) for p in raw.split()]
    return country, token.strip(), chat, district, admins


def init_command(args: argparse.Namespace, read: Callable[[str], str] = input) -> int:
    """Write the .env file; the exit code (0 written, 1 the file exists, 2 bad input or token)."""
    try:
        if args.output.exists() and not args.force:
            raise InitError(f"{args.output} already exists: edit it, or run again with --force to replace it", 1)
        country, token, chat, district, admins = gather(args, read)
        problem = token_problem(token, own_server=bool(args.api_url))
        if problem:
            raise InitError(f"BOT_TOKEN: {problem}")
        bot_name = asyncio.run(check_token(token, args.api_url))
        if bot_name:
            print(f"Token accepted by Telegram: {bot_name}")
        text = render(country, token, chat, district, admins)
        if args.api_url:
            text += f"TELEGRAM_API_URL={args.api_url}\n"
        args.output.write_text(text, encoding="utf-8")
        os.chmod(args.output, 0o600)  # the token is a secret
    except InitError as exc:
        print(exc, file=sys.stderr)
        return exc.exit_code
    except (EOFError, KeyboardInterrupt):
        print("\nNothing was written.", file=sys.stderr)
        return 1
    numbers = ", ".join(f"{k} {v}" for k, v in country.emergency_numbers.items())
    print(f"Wrote {args.output} for {country.name}: emergency numbers {numbers}; timezone {country.timezone}; "
          f"phone region {country.code}; language {country.locale}.")
    if chat is None:
        print("Next: start the bot (python -m bot), add it to your staff group: it posts the group's id there; "
              "put it in STAFF_CHAT_ID and restart.")
    return 0
