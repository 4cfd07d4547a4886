"""Settings: every key documented, bad values stop the bot with one clear line."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from bot.core.config import Settings
from db.engine import SQLiteTooOld, make_engine

ROOT = Path(__file__).resolve().parent.parent


def documented_keys() -> set[str]:
    """Keys mentioned in .env.example (set or commented out)."""
    text = (ROOT / ".env.example").read_text()
    return {m.group(1).split("__")[0] for m in re.finditer(r"^#?\s?([A-Z][A-Z0-9_]+)=", text, re.M)}


def test_every_setting_is_documented_in_env_example() -> None:
    """Adding a setting without documenting it fails."""
    fields = {name.upper() for name in Settings.model_fields}
    assert fields - documented_keys() == set()


def run_bot(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Start `python -m bot` with only these settings (it must stop before connecting anywhere)."""
    return subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **env},
        capture_output=True, text=True, timeout=60,
    )


def test_missing_token_is_one_clear_line(tmp_path: Path) -> None:
    """No traceback: one line naming the missing setting, exit code 2."""
    result = run_bot({"STAFF_CHAT_ID": "-100", "DISTRICTS": '[{"code": "a", "name": "A"}]'}, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["Configuration error: BOT_TOKEN: Field required"]


def test_malformed_settings_are_named(tmp_path: Path) -> None:
    """A bad timezone and a bad chat id are both named."""
    result = run_bot(
        {"BOT_TOKEN": "1:x", "STAFF_CHAT_ID": "abc", "TIMEZONE": "Mars/Olympus", "DISTRICTS": '[{"code": "a", "name": "A"}]'},
        tmp_path,
    )
    assert result.returncode == 2
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    assert "TIMEZONE" in line and "STAFF_CHAT_ID" in line


def test_districts_that_are_not_json_are_named(tmp_path: Path) -> None:
    """Broken JSON in DISTRICTS: one line naming it."""
    result = run_bot({"BOT_TOKEN": "1:x", "STAFF_CHAT_ID": "-100", "DISTRICTS": "[{]"}, tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "Configuration error: DISTRICTS: not valid JSON"


BASE = {"STAFF_CHAT_ID": "-100", "DISTRICTS": '[{"code": "a", "name": "A"}]'}
REAL_SHAPE = "7012345678:AAE1b2C3d4E5f6G7h8I9j0KkLlMmNnOoPpQ"


@pytest.mark.parametrize(
    ("token", "says"),
    [
        ("", "BOT_TOKEN: empty"),
        ("   ", "BOT_TOKEN: empty"),
        ("1234567", "BOT_TOKEN: not a bot token"),
        ("7012345678 AAE1b2C3d4E5f6G7h8I9j0KkLlMmNnOoPpQ", "BOT_TOKEN: not a bot token"),
        ("123456789:replace-me", "BOT_TOKEN: still the example value"),
        ("123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11", "BOT_TOKEN: still the example value"),
    ],
)
def test_empty_malformed_or_placeholder_token_is_one_clear_line(token: str, says: str, tmp_path: Path) -> None:
    """What the README promises: one line naming BOT_TOKEN and what to do, exit code 2, no traceback."""
    result = run_bot({**BASE, "BOT_TOKEN": token}, tmp_path)
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"Configuration error: {says}") and "@BotFather" in line


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL: must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ({"DATABASE_URL": "postgres://db.example.org/doorstep"}, "DATABASE_URL: driver 'postgres' is not supported"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL: not a database URL"),
        ({"REDIS_URL": "127.0.0.1:6379"}, "REDIS_URL: must start with redis://"),
    ],
)
def test_other_bad_settings_are_one_clear_line(env: dict[str, str], says: str, tmp_path: Path) -> None:
    """A bad log level, database or Redis URL: one line, exit code 2."""
    result = run_bot({**BASE, "BOT_TOKEN": REAL_SHAPE, **env}, tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [f"Configuration error: {says}"] or (
        len(result.stderr.strip().splitlines()) == 1 and says in result.stderr
    ), result.stderr


def test_log_level_in_any_case(tmp_path: Path) -> None:
    """LOG_LEVEL=debug (lower case) is DEBUG, not a traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "db", "current"], cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **BASE, "BOT_TOKEN": REAL_SHAPE, "LOG_LEVEL": "debug",
             "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/d.db"},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and result.stdout.startswith("database at")


def watch_bot(env: dict[str, str], tmp_path: Path, until: str, then: float) -> tuple[int | None, str]:
    """Start `python -m bot`, wait (up to a minute) for a line containing `until`, let it run `then`
    seconds more, stop it with Ctrl-C. Its exit code before Ctrl-C (None: it was still running) and
    everything it printed."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **BASE,
             "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/d.db", **env},
    )
    assert proc.stdout is not None
    lines: list[str] = []
    seen = threading.Event()

    def read() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            lines.append(line)
            if until in line:
                seen.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    seen.wait(60)
    try:
        code = proc.wait(then)
    except subprocess.TimeoutExpired:
        code = None
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    reader.join(10)
    return code, "".join(lines)


@pytest.mark.parametrize(
    ("api_url", "reason"),
    [("http://127.0.0.1:9", "127.0.0.1:9"), ("http://doorstep-nowhere.invalid", "doorstep-nowhere.invalid")],
)
def test_unreachable_telegram_is_retried_with_one_line(api_url: str, reason: str, tmp_path: Path) -> None:
    """Connection refused or a name that does not resolve: the bot keeps trying (still running 7 s after
    the first failure, several attempts later) and says so in one line, once a minute, not a traceback."""
    code, out = watch_bot({"BOT_TOKEN": REAL_SHAPE, "TELEGRAM_API_URL": api_url}, tmp_path, "Telegram unreachable", 7)
    assert code is None, out  # still waiting for Telegram
    lines = [line for line in out.splitlines() if "Telegram unreachable" in line]
    assert len(lines) == 1 and reason in lines[0] and "retrying" in lines[0], out
    assert "Traceback" not in out and "Unclosed" not in out, out


def test_telegram_that_never_answers_is_retried_with_one_line(tmp_path: Path) -> None:
    """Dropped packets: a server that takes the connection and never answers. Not a silent minute and a
    traceback: after the 10 s a getMe may take, one line, and the bot keeps trying."""
    with socket.socket() as blackhole:
        blackhole.bind(("127.0.0.1", 0))
        blackhole.listen(64)  # never accepted: the kernel completes the handshake, nobody answers
        api_url = f"http://127.0.0.1:{blackhole.getsockname()[1]}"
        code, out = watch_bot({"BOT_TOKEN": REAL_SHAPE, "TELEGRAM_API_URL": api_url}, tmp_path, "Telegram unreachable", 3)
    assert code is None, out
    lines = [line for line in out.splitlines() if "Telegram unreachable" in line]
    assert len(lines) == 1 and "retrying" in lines[0], out
    assert "Traceback" not in out, out


async def test_rejected_token_is_one_line(fake: Any, tmp_path: Path) -> None:
    """A token of the right shape that Telegram does not know: one line naming BOT_TOKEN, exit code 2."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **BASE, "BOT_TOKEN": REAL_SHAPE,
           "TELEGRAM_API_URL": fake.base_url, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/d.db"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 2, err
    assert err.decode().strip().splitlines()[-1].startswith("Cannot start: Telegram rejected BOT_TOKEN")
    assert "Traceback" not in err.decode()


def test_a_sqlite_too_old_for_the_outbox_lease_is_named(tmp_path: Path) -> None:
    """SQLite before 3.35 has no UPDATE … RETURNING (the outbox's lease): the engine refuses it in one
    clear sentence naming both versions, instead of failing at the first lease."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    with pytest.raises(SQLiteTooOld, match=r"SQLite 3\.31\.1 is too old: Doorstep needs 3\.35\.0"):
        make_engine(url, sqlite_version=(3, 31, 1))
    assert make_engine(url, sqlite_version=(3, 35, 0)) is not None
