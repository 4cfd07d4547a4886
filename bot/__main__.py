"""Command line: `python -m bot` runs the bot (long polling); `python -m bot db upgrade` migrates;
`python -m bot registry import FILE` enrols a community register."""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
from pathlib import Path

from pydantic import ValidationError
from pydantic_settings import SettingsError

from bot.config import Settings, describe_error


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Doorstep Telegram bot")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot with long polling (the default)")
    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade", "current"])
    reg = sub.add_parser("registry", help="community register of residents")
    reg.add_argument("action", choices=["import"])
    reg.add_argument("file", type=Path, help="CSV (UTF-8, comma or semicolon) or XLSX (first sheet)")
    reg.add_argument("--out", type=Path, help="invite file (default: invites-YYYYMMDD.csv next to FILE)")
    reg.add_argument("--bot-username", help="the bot's username for invite links (default: ask getMe)")
    return parser.parse_args(argv)


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
    from bot import migrate
    from db.engine import make_engine

    engine = make_engine(settings.database_url)
    try:
        if action == "upgrade":
            await migrate.upgrade(engine)
        print(f"database at {await migrate.current_revision(engine)} (code head {migrate.head_revision()})")
    finally:
        await engine.dispose()


async def run(settings: Settings) -> None:
    """Run the bot until interrupted."""
    from bot.app import create_app, run_polling

    await run_polling(create_app(settings))


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    settings = load_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "db":
        asyncio.run(db_command(settings, args.action))
        return
    if args.command == "registry":
        from bot.registry_cli import import_command

        raise SystemExit(asyncio.run(import_command(settings, args.file, args.out, args.bot_username)))
    from bot.migrate import SchemaOutdated

    try:
        asyncio.run(run(settings))
    except SchemaOutdated as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        raise SystemExit(3) from None
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
