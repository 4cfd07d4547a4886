"""Schema: applied on start by default, or the bot refuses to start on an outdated one; CLI upgrade."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot import migrate
from bot.app import close, create_app, prepare
from bot.config import Settings
from tests.fake_telegram import FakeTelegram

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
        "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "BOT_TOKEN": "1:x", "STAFF_CHAT_ID": "-100",
        "DISTRICTS": '[{"code": "a", "name": "A"}]', "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/d.db",
    }
    result = subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    head = migrate.head_revision()
    assert result.stdout.strip() == f"database at {head} (code head {head})"
