"""Settings: every key documented, bad values stop the bot with one clear line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from bot.config import Settings

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
