"""`python -m bot registry import FILE`: enrol a community register and write the invite file."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.core import clock

from db import migrate
from bot.core.config import Settings
from bot.services import registry
from bot.domain.register_file import RegisterFileError, read_register
from db.engine import make_engine, make_sessionmaker
from db.repo import districts


async def bot_username(settings: Settings, given: str | None) -> str:
    """--bot-username, or the bot's own username from getMe."""
    if given:
        return given.lstrip("@")
    from bot.app import make_bot

    bot = make_bot(settings)
    try:
        me = await bot.get_me()
    finally:
        await bot.session.close()
    if not me.username:
        raise RuntimeError("getMe returned no username; pass --bot-username")
    return me.username


def summary(result: registry.Imported) -> list[str]:
    """The lines printed after an import."""
    lines = [f"{result.created} imported, {result.updated} updated, {len(result.rejected)} rejected"]
    lines += [f"line {r.line}: {r.reason}" for r in result.rejected]
    lines += [f"line {n.line}: {n.text}" for n in result.notes]
    return lines


async def import_command(settings: Settings, source: Path, out: Path | None, username: str | None) -> int:
    """Import a register file; print the summary; return the exit code."""
    try:
        rows = read_register(source, registry.flag_columns(settings))
    except (RegisterFileError, OSError) as exc:
        print(f"Cannot import {source}: {exc}", file=sys.stderr)
        return 2
    entries, rejected = registry.check_rows(rows, settings)
    try:
        name = await bot_username(settings, username)
    except Exception as exc:  # network, token or API errors: one clear line instead of a traceback
        print(f"Cannot get the bot's username from Telegram ({type(exc).__name__}): pass --bot-username",
              file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    try:
        if await migrate.current_revision(engine) != migrate.head_revision():
            if not settings.auto_migrate:
                print("Database schema is outdated: run `python -m bot db upgrade` first.", file=sys.stderr)
                return 3
            await migrate.upgrade(engine)
        async with make_sessionmaker(engine).begin() as session:
            await districts.sync(session, [(d.code, d.name, d.staff_chat_id, d.topic_id) for d in settings.districts])
            await session.flush()
            result = await registry.store(session, entries, rejected, settings)
            codes = {d.id or 0: d.code for d in await districts.all_districts(session)}
        target = out or registry.default_invite_path(source, clock.now(), settings)
        registry.write_invites(target, result.people, settings, name, codes)
    finally:
        await engine.dispose()
    print("\n".join(summary(result)))
    print(f"invites written to {target}")
    return 0
