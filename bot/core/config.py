"""Settings: one place for every configuration key (see .env.example)."""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cached_property
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, SecretStr, ValidationError, ValidationInfo, field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.languages import LOCALES  # the bot's languages, one line in bot/core/languages.py


class DistrictConfig(BaseModel):
    """One district of the deployment and where its requests go."""

    code: str = Field(pattern=r"^[a-z0-9_-]{1,32}$")
    name: str = Field(min_length=1, max_length=100)
    names: dict[str, str] = Field(default_factory=dict)
    staff_chat_id: int | None = None
    topic_id: int | None = None
    #: the district's volunteers' chat (a group, with topic_id of a forum topic): delivery cards go there;
    #: without it each approved volunteer of the district gets them privately
    volunteer_chat_id: int | None = None
    volunteer_topic_id: int | None = None
    #: the language of the volunteers' chat (default: STAFF_LOCALE)
    volunteer_locale: str | None = None

    @field_validator("volunteer_locale")
    @classmethod
    def _known_volunteer_locale(cls, value: str | None) -> str | None:
        if value is not None and value not in LOCALES:
            raise ValueError(f"must be one of {', '.join(LOCALES)}")
        return value

    def title(self, locale: str) -> str:
        """The district's name in a locale, falling back to its main name."""
        return self.names.get(locale) or self.name


class FlagConfig(BaseModel):
    """A vulnerability flag residents can tick (and a register can set): a stable code and its names.

    names: per language (zh, ru, uk, and en as the fallback); without them the built-in codes
    (lives_alone, over_65, disability, chronic_illness, low_income, children, veteran, pregnancy)
    use the bot's own translations.
    """

    code: str = Field(pattern=r"^[a-z0-9_]{1,24}$")
    names: dict[str, str] = Field(default_factory=dict)


#: The default VULNERABILITY_FLAGS, in the order residents see them.
DEFAULT_FLAG_CODES = (
    "lives_alone", "over_65", "disability", "chronic_illness", "low_income", "children", "veteran", "pregnancy",
)


class CardName(StrEnum):
    """How a check-in escalation card names the person (the claimer always gets the rest privately)."""

    FULL = "full"  # the name as registered
    SHORT = "short"  # zh: family name and one * per other character (王**); others: first word and initial
    NONE = "none"  # no name on the card


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


class VolunteerSettings(BaseModel):
    """Deliveries handed to volunteers."""

    #: the worker who handed a delivery over is nudged when it has not moved on for this many hours
    #: (nobody took it, or it was not picked up or delivered)
    stall_hours: float = Field(default=3, gt=0)


class CheckinSettings(BaseModel):
    """Daily wellbeing check-ins: grace periods, defaults, batch size of the scheduler tick."""

    reminder_after_minutes: int = Field(default=60, ge=1)
    escalate_after_minutes: int = Field(default=120, ge=1)
    default_time: str = Field(default="09:00", pattern=r"^\d\d:\d\d$")
    quiet_start: str = Field(default="22:00", pattern=r"^\d\d:\d\d$")
    quiet_end: str = Field(default="07:00", pattern=r"^\d\d:\d\d$")
    batch: int = Field(default=100, ge=1)
    card_name: CardName = CardName.SHORT
    #: A wave of due check-ins is written into the outbox as the send budget can take it: at most this
    #: many seconds of the bot's budget ahead, so urgent rows never queue behind the whole wave.
    lookahead_seconds: int = Field(default=60, ge=1)


class MedicineSettings(BaseModel):
    """Regular medicines (bot/services/medicines.py): when the resident is reminded to order more."""

    #: The reminder comes this many days before the supply runs out (at the resident's check-in hour).
    remind_days_before: int = Field(default=3, ge=0, le=30)


class NoticeSettings(BaseModel):
    """Official notices (/notice): how far ahead the tick writes them into the outbox, and how often the
    coordinator's progress message is edited."""

    #: Recipients are written into the outbox as the send budget can take them: at most this many seconds
    #: of the bot's budget ahead (notices of all kinds together), like the check-in wave.
    lookahead_seconds: int = Field(default=60, ge=1)
    batch: int = Field(default=500, ge=1)  # recipients written per transaction
    #: The progress message in the coordinator's chat is edited at most this often (a group takes about
    #: 20 messages a minute, edits included).
    progress_seconds: float = Field(default=10, ge=0)


class ScheduledReports(BaseModel):
    """Reports the bot posts by itself to every staff chat, at local times of the deployment's timezone."""

    #: The weekly report (the 7 days before, with its chart): ISO weekday (1 = Monday … 7 = Sunday) and time.
    weekly: bool = True
    weekly_day: int = Field(default=1, ge=1, le=7)
    weekly_time: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    #: The morning summary of the requests still open from before today.
    morning: bool = True
    morning_time: str = Field(default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")


class Retention(BaseModel):
    """How long personal data and bookkeeping rows are kept; an hourly tick applies it in batches."""

    #: Requests closed (done, received, failed, cancelled) more than this many days ago lose their
    #: address, texts, photos, voice messages and item lists; the claimer's details message says so.
    closed_request_days: int = Field(default=90, ge=1)
    #: Delivered or failed outbox rows (message payloads) are deleted after this many days.
    outbox_days: int = Field(default=30, ge=1)
    #: Processed update ids (duplicate protection; Telegram resends within a day) are forgotten after.
    update_days: int = Field(default=7, ge=1)
    #: Failed updates given up on (raw Telegram JSON, kept for investigation) are deleted after.
    failed_update_days: int = Field(default=14, ge=1)
    #: Rows per transaction.
    batch: int = Field(default=500, ge=1)


#: Real tokens from @BotFather: the bot id, a colon, 35 characters of [A-Za-z0-9_-].
TOKEN_SHAPE = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{30,100}")
#: Any token a Bot API server could accept (a self-hosted server, the tests' fake): the shape aiogram checks.
LOOSE_TOKEN_SHAPE = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{1,100}")
#: Values copied from examples rather than from @BotFather.
PLACEHOLDER_TOKEN = re.compile(r"replace|your|token|xxx|change|example|ABC-DEF1234ghIkl", re.I)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def token_problem(token: str, own_server: bool = False) -> str | None:
    """What is wrong with a bot token, or None. With Telegram's own API (own_server False) the real
    shape is required and example values are refused; another Bot API server (TELEGRAM_API_URL, e.g.
    the tests' fake with 123456:TEST-TOKEN) takes any token of the shape aiogram accepts."""
    if not token:
        return "empty: paste the token @BotFather gave you (or run `python -m bot init`)"
    if not own_server and PLACEHOLDER_TOKEN.search(token):
        return "still the example value: paste the token @BotFather gave you"
    if not (LOOSE_TOKEN_SHAPE if own_server else TOKEN_SHAPE).fullmatch(token):
        return ("not a bot token: it looks like 123456789:AAE… (digits, a colon, 35 letters) "
                "— copy it again from @BotFather")
    return None


class Settings(BaseSettings):
    """Everything the deployment configures, read from the environment and .env."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", env_nested_delimiter="__", extra="ignore"
    )

    telegram_api_url: str | None = None  # before bot_token: its check depends on it
    bot_token: SecretStr
    database_url: str = "sqlite+aiosqlite:///./data/doorstep.db"
    redis_url: str | None = None
    redis_prefix: str = "doorstep"
    staff_chat_id: int
    staff_locale: str = "zh"
    default_locale: str = "zh"
    timezone: str = "Asia/Shanghai"
    phone_region: str = "CN"
    join_window: int = Field(default=30, ge=0)  # seconds (Telegram's message.date) a text joins the previous answer
    emergency_numbers: dict[str, str] = Field(
        default_factory=lambda: {"ambulance": "120", "police": "110"}
    )
    districts: list[DistrictConfig] = Field(min_length=1)
    admins: list[int] = Field(default_factory=list)
    vulnerability_flags: list[FlagConfig] = Field(
        default_factory=lambda: [FlagConfig(code=code) for code in DEFAULT_FLAG_CODES]
    )
    limits: Limits = Field(default_factory=Limits)
    sla: Sla = Field(default_factory=Sla)
    checkins: CheckinSettings = Field(default_factory=CheckinSettings)
    volunteers: VolunteerSettings = Field(default_factory=VolunteerSettings)
    medicines: MedicineSettings = Field(default_factory=MedicineSettings)
    retention: Retention = Field(default_factory=Retention)
    reports: ScheduledReports = Field(default_factory=ScheduledReports)
    notices: NoticeSettings = Field(default_factory=NoticeSettings)
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    auto_migrate: bool = True
    polling_concurrency: int = Field(default=16, ge=1)
    tick_seconds: float = Field(default=15, gt=0)
    #: seconds the updates being handled may take to finish after SIGTERM/SIGINT, before the process exits
    shutdown_timeout: float = Field(default=25, gt=0)
    webhook_secret: SecretStr | None = None
    webhook_path: str = Field(default="/telegram/webhook", pattern=r"^/\S*$")
    webhook_host: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(default=None, ge=1, le=65535)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        token = value.get_secret_value().strip()
        problem = token_problem(token, own_server=bool(info.data.get("telegram_api_url")))
        if problem:
            raise ValueError(problem)
        return SecretStr(token)

    @field_validator("log_level", mode="before")
    @classmethod
    def _known_level(cls, value: object) -> object:
        level = str(value).strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)} (any case)")
        return level

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError("not a database URL: use sqlite+aiosqlite:///./data/doorstep.db or "
                             "postgresql+asyncpg://user:password@host:5432/name") from exc
        if url.drivername not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
            raise ValueError(f"driver {url.drivername!r} is not supported: use sqlite+aiosqlite:///… or "
                             "postgresql+asyncpg://…")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not re.match(r"(redis|rediss|unix)://", value):
            raise ValueError("must start with redis://, rediss:// or unix://, e.g. redis://127.0.0.1:6379/0")
        return value or None

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

    @field_validator("vulnerability_flags")
    @classmethod
    def _unique_flags(cls, value: list[FlagConfig]) -> list[FlagConfig]:
        codes = [f.code for f in value]
        if len(codes) != len(set(codes)):
            raise ValueError("flag codes must be unique")
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
        parts.append(f"{name}: {err['msg'].removeprefix('Value error, ')}")
    return "Configuration error: " + "; ".join(parts)
