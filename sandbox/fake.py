"""The one place the sandbox takes its embedded Telegram Bot API from (sandbox.bot_api, the tests' strict fake)."""

from sandbox.bot_api import FakeTelegram, SentMessage, utf16_len

__all__ = ["FakeTelegram", "SentMessage", "utf16_len"]
