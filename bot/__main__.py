"""Command line: `python -m bot` runs the bot (long polling); `python -m bot webhook` serves a webhook
(`webhook set URL` / `webhook delete` register it with Telegram); `python -m bot db upgrade` migrates;
`python -m bot registry import FILE` enrols a community register; `python -m bot init` writes .env;
`python -m bot report --from DATE --to DATE --out FILE.xlsx` exports a period;
`python -m bot sandbox` runs the bot offline against an embedded Telegram, shown in a web page."""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_settings import SettingsError

from bot.core.config import Settings, describe_error
from bot.app.init_cli import add_arguments as add_init_arguments
from bot.app.init_cli import init_command
from bot.core.logs import setup_logging


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Doorstep Telegram bot")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot with long polling (the default)")
    add_init_arguments(sub.add_parser("init", help="write .env for your country and check the bot token"))
    hook = sub.add_parser("webhook", help="run the bot behind a webhook, or `set URL` / `delete` it at Telegram")
    hook.add_argument("action", nargs="?", choices=["serve", "set", "delete"], default="serve")
    hook.add_argument("url", nargs="?", help="for `set`: the public https URL Telegram posts updates to")
    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade", "current"])
    sub.add_parser("sandbox", help="try the bot offline: an embedded Telegram in a web page (see --help there)",
                   add_help=False)
    reg = sub.add_parser("registry", help="community register of residents")
    reg.add_argument("action", choices=["import"])
    reg.add_argument("file", type=Path, help="CSV (UTF-8, comma or semicolon) or XLSX (first sheet)")
    reg.add_argument("--out", type=Path, help="invite file (default: invites-YYYYMMDD.csv next to FILE)")
    reg.add_argument("--bot-username", help="the bot's username for invite links (default: ask getMe)")
    rep = sub.add_parser("report", help="export a period's figures and rows as an XLSX workbook")
    rep.add_argument("--from", dest="first", required=True, help="first day, YYYY-MM-DD")
    rep.add_argument("--to", dest="last", required=True, help="last day, YYYY-MM-DD (included)")
    rep.add_argument("--district", help="one district's code (default: all)")
    rep.add_argument("--personal", action="store_true", help="include names, phones and addresses (recorded)")
    rep.add_argument("--locale", help="language of the headings (default: STAFF_LOCALE)")
    rep.add_argument("--out", type=Path, required=True, help="the .xlsx file to write")
    args = parser.parse_args(argv)
    if args.command == "webhook" and (args.action == "set") != (args.url is not None):
        parser.error("usage: webhook set URL | webhook delete | webhook")
    return args


def load_settings() -> Settings:
    """Settings, or one clear line and exit code 2."""
    try:
        return Settings()  # type: ignore[call-arg]
    except ValidationError as exc:
        print(describe_error(exc), file=sys.stderr)
    except SettingsError as exc:  # a value that is not valid JSON
        match = re.search(r'field "(\w+)"', str(exc))
        name = match.group(1).upper() if match else "settings"
        print(f"Configuration error: {name}: not valid JSON", file=sys.stderr)
    raise SystemExit(2)


async def db_command(settings: Settings, action: str) -> None:
    """Upgrade the schema or print its revision."""
    from db import migrate
    from db.engine import make_engine

    engine = make_engine(settings.database_url)
    try:
        if action == "upgrade":
            await migrate.upgrade(engine)
        print(f"database at {await migrate.current_revision(engine)} (code head {migrate.head_revision()})")
    finally:
        await engine.dispose()


async def run(settings: Settings, webhook: bool = False) -> None:
    """Run the bot until interrupted: long polling, or the webhook server."""
    from bot.app import create_app, run_polling

    app = create_app(settings)
    app.freeze_heap = True
    if webhook:
        from bot.app.webhook import run_webhook

        await run_webhook(app)
        return
    await run_polling(app)


def run_loop(main: Coroutine[Any, Any, None]) -> None:
    """Run the bot on uvloop where it is installed (Linux, macOS): the same asyncio API with the loop
    and sockets in C, about 15% less CPU per update here (README, Benchmarks); plain asyncio otherwise."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
    else:
        uvloop.run(main)


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["sandbox"]:  # its own options, and none of the deployment's settings
        from sandbox.app import main as sandbox_main

        sandbox_main(argv[1:])
        return
    args = parse_args(argv)
    if args.command == "init":
        raise SystemExit(init_command(args))
    settings = load_settings()
    setup_logging(settings.log_level, settings.log_format)
    if args.command == "db":
        asyncio.run(db_command(settings, args.action))
        return
    if args.command == "registry":
        from bot.app.registry_cli import import_command

        raise SystemExit(asyncio.run(import_command(settings, args.file, args.out, args.bot_username)))
    if args.command == "report":
        from bot.app.report_cli import report_command

        raise SystemExit(asyncio.run(report_command(settings, args.first, args.last, args.district, args.out,
                                                    args.personal, args.locale)))
    if args.command == "webhook":
        if settings.webhook_secret is None and args.action != "delete":
            print("Configuration error: WEBHOOK_SECRET: required for webhook mode (see .env.example)", file=sys.stderr)
            raise SystemExit(2)
        if args.action != "serve":
            from bot.app.webhook import webhook_command

            raise SystemExit(asyncio.run(webhook_command(settings, args.action, args.url)))
    from db.migrate import SchemaOutdated
    from bot.telegram.startup import StartupError

    if settings.staff_chat_id == 0:
        logging.getLogger("bot").warning(
            "STAFF_CHAT_ID is not set yet: requests cannot reach staff. Add the bot to your staff group: it posts "
            "the group's id there; put it in STAFF_CHAT_ID and restart.")

    try:
        run_loop(run(settings, webhook=args.command == "webhook"))
    except SchemaOutdated as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        raise SystemExit(3) from None
    except StartupError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(exc.exit_code) from None
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
