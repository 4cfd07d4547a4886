"""Schema: applied on start by default, or the bot refuses to start on an outdated one; CLI upgrade."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from db import migrate
from bot.app import close, create_app, prepare
from bot.core.config import Settings
from sandbox.bot_api import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent


async def test_refuses_to_start_on_an_outdated_schema(fake: FakeTelegram, settings: Settings) -> None:
    """AUTO_MIGRATE=false and an empty database: a clear refusal naming the command to run."""
    app = create_app(settings.model_copy(update={"auto_migrate": False}))
    try:
        with pytest.raises(migrate.SchemaOutdated, match="python -m bot db upgrade"):
            await prepare(app)
    finally:
        await close(app)


async def test_applies_migrations_on_start(fake: FakeTelegram, settings: Settings) -> None:
    """The default: the schema is brought to the newest migration."""
    app = create_app(settings)
    try:
        await prepare(app)
        assert await migrate.current_revision(app.engine) == migrate.head_revision()
    finally:
        await close(app)


def test_db_upgrade_command(tmp_path: Path) -> None:
    """`python -m bot db upgrade` on a new SQLite file reports the head revision."""
    env = {
        "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "BOT_TOKEN": "7012345678:AAE1b2C3d4E5f6G7h8I9j0KkLlMmNnOoPpQ", "STAFF_CHAT_ID": "-100",
        "DISTRICTS": '[{"code": "a", "name": "A"}]', "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/d.db",
    }
    result = subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    head = migrate.head_revision()
    assert result.stdout.strip() == f"database at {head} (code head {head})"


async def test_upgrade_from_the_first_migration_keeps_data(database_url: str) -> None:
    """A database created by 0001 and filled with data upgrades to the newest schema with nothing lost."""
    from sqlalchemy import text

    from db.engine import make_engine

    engine = make_engine(database_url)
    try:
        await migrate.upgrade(engine, "0001")
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO district (id, code, name) VALUES (1, 'fuqin', '抚琴街道')"))
            await conn.execute(text(
                "INSERT INTO resident (id, tg_user_id, chat_id, locale, name, phone, address, district_id, lives_alone,"
                " over_65, disability, chronic_illness, unreachable, created_at, source, imported_checkin_times)"
                " VALUES (1, 42, 42, 'zh', '林婆婆', '+8613800138000', '抚琴街道 12号', 1, true, true, false, false,"
                " false, '2026-11-20 01:00:00', 'registry', '[]')"
            ))
            # Enums are stored by member name (SQLAlchemy's default), as the ORM writes them.
            await conn.execute(text(
                "INSERT INTO request (id, resident_id, district_id, kind, status, urgency, draft_key, created_at,"
                " updated_at, voice_file_ids) VALUES (7, 1, 1, 'SUPPLIES', 'NEW', 'URGENT', 'k7',"
                " '2026-11-20 02:00:00', '2026-11-20 02:00:00', '[]')"
            ))
            await conn.execute(text(
                "INSERT INTO checkin (id, resident_id, due_at, answer) VALUES (3, 1, '2026-11-20 01:00:00', 'FINE')"
            ))
        assert await migrate.current_revision(engine) == "0001"
        await migrate.upgrade(engine)
        assert await migrate.current_revision(engine) == migrate.head_revision()
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT name, phone FROM resident WHERE id = 1"))).one() == ("林婆婆", "+8613800138000")
            assert (await conn.execute(text("SELECT status, urgency FROM request WHERE id = 7"))).one() == ("NEW", "URGENT")
            assert (await conn.execute(text("SELECT district_id FROM checkin WHERE id = 3"))).scalar_one() == 1
            # 0003_items: the four original flags keep their columns and values; other codes start empty.
            flags = (await conn.execute(text(
                "SELECT lives_alone, over_65, disability, other_flags FROM resident WHERE id = 1"))).one()
            assert (bool(flags[0]), bool(flags[1]), bool(flags[2])) == (True, True, False)
            assert (json.loads(flags[3]) if isinstance(flags[3], str) else flags[3]) == []
    finally:
        await engine.dispose()
