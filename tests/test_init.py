"""`python -m bot init`: .env for the deployment's country (emergency and crisis numbers, phone region,
timezone, language), the token checked with getMe, an existing .env never overwritten by accident."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.core.config import Settings
from sandbox.bot_api import FakeTelegram
from tests.conftest import STAFF_CHAT, TOKEN, Harness, running
from tests.helpers import emergency_text, register, to_summary

ROOT = Path(__file__).resolve().parent.parent


async def init(args: list[str], cwd: Path, answers: str = "") -> tuple[int, str, str]:
    """Run `python -m bot init ARGS` (answers on its stdin) without blocking the fake's event loop."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "init", *args, cwd=cwd, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(answers.encode()), 60)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_ukrainian_deployment_shows_ukrainian_numbers_to_a_resident_in_crisis(
    fake: FakeTelegram, settings: Settings, tmp_path: Path
) -> None:
    """Uman: init for UA writes 112/103/102 and Lifeline Ukraine's 7333, region UA, Europe/Kyiv, uk; the
    token is checked with getMe; a resident who writes «не хочу жити» sees those numbers, not 120 and 110."""
    code, out, err = await init(["--country", "UA", "--token", TOKEN, "--api-url", fake.base_url, "--non-interactive"], tmp_path)
    assert code == 0, err
    assert "Token accepted by Telegram: @doorstep_test_bot" in out
    written = Settings(_env_file=tmp_path / ".env")  # type: ignore[call-arg]
    assert (written.phone_region, written.timezone, written.default_locale, written.staff_locale) == ("UA", "Europe/Kyiv", "uk", "uk")
    assert written.emergency_numbers["ambulance"] == "103" and "7333" in written.emergency_numbers["crisis_line"]
    assert oct(os.stat(tmp_path / ".env").st_mode & 0o777) == "0o600"  # the token is a secret

    deployment = settings.model_copy(update={
        name: getattr(written, name) for name in ("emergency_numbers", "phone_region", "timezone", "default_locale")
    })
    async with running(Harness(fake, deployment)) as harness:
        user = await register(harness, "uk")
        await to_summary(user, "uk", "psych", "не хочу жити", danger=True)
        emergency = next(m for m in user.messages() if emergency_text("uk") in (m.text or ""))
        assert "103" in emergency.text and "7333" in emergency.text and "112" in emergency.text
        assert "120" not in emergency.text and "110" not in emergency.text


async def test_rejected_token_writes_nothing(fake: FakeTelegram, tmp_path: Path) -> None:
    """A token of the right shape that Telegram does not know: one line, exit code 2, no .env."""
    code, _out, err = await init(["--country", "RU", "--token", "7012345678:AAE1b2C3d4E5f6G7h8I9j0KkLlMmNnOoPpQ",
                                  "--api-url", fake.base_url, "--non-interactive"], tmp_path)
    assert code == 2 and err.strip().startswith("Telegram rejected this token") and "Traceback" not in err
    assert not (tmp_path / ".env").exists()


async def test_existing_env_is_kept_unless_forced(fake: FakeTelegram, tmp_path: Path) -> None:
    """An existing .env is not overwritten without --force."""
    (tmp_path / ".env").write_text("BOT_TOKEN=mine\n")
    args = ["--country", "CN", "--token", TOKEN, "--api-url", fake.base_url, "--non-interactive"]
    code, _out, err = await init(args, tmp_path)
    assert code == 1 and "--force" in err
    assert (tmp_path / ".env").read_text() == "BOT_TOKEN=mine\n"
    code, _out, err = await init([*args, "--force", "--staff-chat-id", str(STAFF_CHAT)], tmp_path)
    assert code == 0, err
    written = Settings(_env_file=tmp_path / ".env")  # type: ignore[call-arg]
    assert written.staff_chat_id == STAFF_CHAT and written.emergency_numbers["ambulance"] == "120"
    assert (written.timezone, written.phone_region, written.default_locale) == ("Asia/Shanghai", "CN", "zh")


async def test_interactive_asks_again_until_answers_are_usable(fake: FakeTelegram, tmp_path: Path) -> None:
    """Moscow, answering the questions: a wrong country and a malformed token are asked again."""
    answers = "\n".join(["DE", "ru", "12345", TOKEN, "", "Пресненский", "9001 9002", ""])
    code, out, err = await init(["--api-url", fake.base_url], tmp_path, answers)
    assert code == 0, err
    assert "Choose one of" in out and "not a bot token" in out
    written = Settings(_env_file=tmp_path / ".env", staff_chat_id=STAFF_CHAT)  # type: ignore[call-arg]
    assert (written.timezone, written.phone_region, written.default_locale) == ("Europe/Moscow", "RU", "ru")
    assert written.emergency_numbers["ambulance"] == "103" and written.admins == [9001, 9002]
    assert [d.name for d in written.districts] == ["Пресненский"]
    assert "STAFF_CHAT_ID=0" in (tmp_path / ".env").read_text()
