"""Settings: one place for every configuration key (see .env.example)."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LOCALES = ("zh", "ru", "uk")


class DistrictConfig(BaseModel):
    """One district of the deployment and where its requests go."""

    code: str = Field(pattern=r"^[a-z0-9_-]{1,32}$")
    name: str = Field(min_length=1, max_length=100)
    names: dict[str, str] = Field(default_factory=dict)
    staff_chat_id: int | None = None
    topic_id: int | None = None

    def title(self, locale: str) -> str:
        """The district's name in a locale, falling back to its main name."""
        return self.names.get(locale) or self.name


class Limits(BaseModel):
    """Outbox sender limits, shaped like Telegram's."""

    global_per_second: float = 30.0
    private_chat_per_second: float = 1.0
    group_per_minute: float = 20.0
    max_attempts: int = 8
    lease_seconds: int = 60
    request_timeout: float = 10.0
    #: With REDIS_URL: every instance's windows live in Redis, so together they keep to one bot's
    #: budget (Telegram counts per bot). False: each instance paces itself; give each a share.
    shared: bool = True
    #: A row of a lower priority class (check-ins, notices) that has waited this long is served as if it
    #: were of the highest class, so bulk work is never starved by a steady stream of urgent rows.
    starve_after_seconds: float = Field(default=120, gt=0)


class Sla(BaseModel):
    """When unclaimed requests bring reminders and escalations, and claimed ones a nudge."""

    remind_minutes: int = Field(default=15, ge=1)
    urgent_remind_minutes: int = Field(default=5, ge=1)
    escalate_minutes: int = Field(default=45, ge=1)
    urgent_escalate_minutes: int = Field(default=15, ge=1)
    nudge_hours: float = Field(default=4, gt=0)


class CheckinSettings(BaseModel):
    """Daily wellbeing check-ins: grace periods, defaults, batch size of the scheduler tick."""

    reminder_after_minutes: int = Field(default=60, ge=1)
    escalate_after_minutes: int = Field(default=120, ge=1)
    default_time: str = Field(default="09:00", pattern=r"^\d\d:\d\d$")
    quiet_start: str = Field(default="22:00", pattern=r"^\d\d:\d\d$")
    quiet_end: str = Field(default="07:00", pattern=r"^\d\d:\d\d$")
    batch: int = Field(default=100, ge=1)
    #: A wave of due check-ins is written into the outbox as the send budget can take it: at most this
    #: many seconds of the bot's budget ahead, so urgent rows never queue behind the whole wave.
    lookahead_seconds: int = Field(default=60, ge=1)


class Settings(BaseSettings):
    """Everything the deployment configures, read from the environment and .env."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", env_nested_delimiter="__", extra="ignore"
    )

    bot_token: SecretStr
    telegram_api_url: str | None = None
    database_url: str = "sqlite+aiosqlite:///./data/doorstep.db"
    redis_url: str | None = None
    redis_prefix: str = "doorstep"
    staff_chat_id: int
    staff_locale: str = "zh"
    default_locale: str = "zh"
    timezone: str = "Asia/Shanghai"
    phone_region: str = "CN"
    emergency_numbers: dict[str, str] = Field(
        default_factory=lambda: {"ambulance": "120", "police": "110"}
    )
    districts: list[DistrictConfig] = Field(min_length=1)
    admins: list[int] = Field(default_factory=list)
    limits: Limits = Field(default_factory=Limits)
    sla: Sla = Field(default_factory=Sla)
    checkins: CheckinSettings = Field(default_factory=CheckinSettings)
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    auto_migrate: bool = True
    polling_concurrency: int = Field(default=16, ge=1)
    tick_seconds: float = Field(default=15, gt=0)
    webhook_secret: SecretStr | None = None
    webhook_path: str = Field(default="/telegram/webhook", pattern=r"^/\S*$")
    webhook_host: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(default=None, ge=1, le=65535)

    @field_validator("default_locale", "staff_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in LOCALES:
            raise ValueError(f"must be one of {', '.join(LOCALES)}")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", value.get_secret_value()):
            raise ValueError("16 to 256 characters A-Z, a-z, 0-9, _ and - (e.g. `openssl rand -hex 32`)")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("unknown IANA timezone, e.g. Asia/Shanghai or Europe/Kyiv") from exc
        return value

    @field_validator("districts")
    @classmethod
    def _unique_codes(cls, value: list[DistrictConfig]) -> list[DistrictConfig]:
        codes = [d.code for d in value]
        if len(codes) != len(set(codes)):
            raise ValueError("district codes must be unique")
        return value

    @cached_property
    def tz(self) -> ZoneInfo:
        """The deployment's default timezone."""
        return ZoneInfo(self.timezone)

    def district(self, code: str) -> DistrictConfig | None:
        """Look up a configured district by code."""
        return next((d for d in self.districts if d.code == code), None)


def describe_error(exc: ValidationError) -> str:
    """One clear line naming each bad or missing setting."""
    parts = []
    for err in exc.errors():
        name = "__".join(str(p) for p in err["loc"]).upper() or "settings"
        parts.append(f"{name}: {err['msg']}")
    return "Configuration error: " + "; ".join(parts)
