"""The sandbox's world: its deployment settings, the personas, the staff groups and the register.

A small Chinese city station with two districts, each with its staff group; residents who speak
Chinese, Russian or Ukrainian. The staff join their groups through the real bot (/join, then /start in
private) and the residents are enrolled through the real register import, with invite links.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from bot.core import clock
from bot.core.config import DistrictConfig, Settings
from bot.domain.register_file import read_csv
from bot.services import registry
from db.repo import districts as districts_repo
from sandbox.people import Person, Telegram

log = logging.getLogger(__name__)

TOKEN = "7000000001:sandbox-offline-not-a-telegram-token"
BOT_ID = 7000000001
BOT_USERNAME = "doorstep_sandbox_bot"
TIMEZONE = "Asia/Shanghai"

EAST_GROUP = -1001000000101  # 下洋田社区's station: the main staff chat
WEST_GROUP = -1001000000202  # 抚琴街道's station
GROUPS = {EAST_GROUP: "下洋田社区 · 社工站", WEST_GROUP: "抚琴街道 · 社工站"}

DISTRICTS = [
    DistrictConfig(code="xiayangtian", name="下洋田社区", names={"ru": "Сяянтянь", "uk": "Сяянтянь"}),
    DistrictConfig(code="fuqin", name="抚琴街道", names={"ru": "Фуцинь", "uk": "Фуцінь"}, staff_chat_id=WEST_GROUP),
]

COORDINATOR = 9001

#: The staff (a member belongs to one staff chat): the coordinator (in ADMINS) and a social worker at
#: 下洋田社区's station, a social worker at 抚琴街道's (its first member, so the bot makes him its coordinator).
STAFF = [
    Person(COORDINATOR, "陈主任", "zh-hans", "coordinator", "+8613900139001", note="协调员 · coordinator, 下洋田社区",
           groups=[EAST_GROUP]),
    Person(5001, "王芳", "zh-hans", "worker", "+8613900139002", note="社工 · social worker, 下洋田社区",
           groups=[EAST_GROUP]),
    Person(5002, "李强", "zh-hans", "worker", "+8613900139003", note="社工 · social worker, 抚琴街道 (leads it)",
           groups=[WEST_GROUP]),
]

#: The residents who are personas in the page, then two more people of the register.
RESIDENTS = [
    Person(1001, "林婆婆", "zh-hans", "resident", "+8613800138001",
           note="82岁，独居 · 82, lives alone; daily check-in at 09:00"),
    Person(1002, "Николай Петрович", "ru", "resident", "+79161234567",
           note="пенсионер · a pensioner, lives with his wife"),
    Person(1003, "Оксана", "uk", "resident", "+380501234567",
           note="мама дитини з інвалідністю · a mother with a disabled child"),
]

#: The community register as a station would keep it (imported through the real register import).
REGISTER_CSV = """姓名,电话,地址,社区,语言,签到时间,类别
林婆婆,+8613800138001,下洋田社区 3栋 2单元 501,下洋田社区,中文,09:00,独居、65岁以上
Николай Петрович,+79161234567,"抚琴街道 12栋, кв. 34",抚琴街道,русский,,"over_65, low_income"
Оксана,+380501234567,"下洋田社区 7栋, кв. 12",下洋田社区,українська,,"children, disability"
张爷爷,+8613800138004,抚琴街道 5栋 1单元 302,抚琴街道,中文,08:30,65岁以上、慢性病
王阿姨,+8613800138005,下洋田社区 9栋 4单元 201,下洋田社区,中文,,低保
"""

#: Phone numbers for people added in the page, by language (valid mobile shapes of each country).
PHONE_PREFIX = {"zh": "+86137", "ru": "+7916", "uk": "+38067"}
PHONE_DIGITS = {"zh": 8, "ru": 7, "uk": 7}
TG_LANGUAGE = {"zh": "zh-hans", "ru": "ru", "uk": "uk"}


class SandboxSettings(Settings):
    """The bot's settings for the sandbox: exactly what is passed, nothing from the environment or
    .env (a deployment's REDIS_URL or METRICS_PORT must not leak into the sandbox)."""

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def make_settings(api_url: str, data_dir: Path) -> Settings:
    """The deployment the sandbox plays: SQLite in the data folder, the embedded Bot API."""
    return SandboxSettings(
        bot_token=TOKEN,
        telegram_api_url=api_url,
        database_url=f"sqlite+aiosqlite:///{(data_dir / 'doorstep.db').resolve()}",
        staff_chat_id=EAST_GROUP,
        staff_locale="zh",
        default_locale="zh",
        timezone=TIMEZONE,
        phone_region="CN",
        emergency_numbers={"ambulance": "120", "police": "110", "crisis_line": "400-161-9995"},
        districts=DISTRICTS,
        admins=[COORDINATOR],
        tick_seconds=5,
        log_level="WARNING",
    )


@dataclass
class State:
    """What survives a restart of the sandbox (the database keeps the rest): the people, whether the
    world is seeded, and the counters the bot has seen (update and message ids, the clock)."""

    path: Path
    seeded: bool = False
    people: list[dict[str, Any]] = field(default_factory=list)
    next_update_id: int = 1
    message_ids: dict[str, int] = field(default_factory=dict)
    clock_offset: float = 0.0

    @classmethod
    def load(cls, path: Path) -> State:
        """The saved state, or a new one."""
        if not path.exists():
            return cls(path)
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(path, **{k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "path"})

    def save(self) -> None:
        """Write it (atomically)."""
        data = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "path"}
        temp = self.path.with_suffix(".tmp")
        temp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        temp.replace(self.path)


class World:
    """The people and chats of one sandbox run, and the state that outlives it."""

    def __init__(self, telegram: Telegram, state: State) -> None:
        self.telegram = telegram
        self.state = state
        self.people: dict[int, Person] = {}
        self.groups = dict(GROUPS)

    def restore(self) -> None:
        """Make every person and group known to the (new) fake; continue the counters and the clock."""
        if self.state.people:
            people = [Person(**p) for p in self.state.people]
        else:
            people = [Person(**vars(p)) for p in (*STAFF, *RESIDENTS)]
        for person in people:
            self.people[person.user_id] = person
            self.telegram.enter(person)
        for chat_id, title in self.groups.items():
            self.telegram.group(chat_id, title)
        self.telegram.next_update_id = max(self.telegram.next_update_id, self.state.next_update_id)
        fake = self.telegram.fake
        for chat, top in self.state.message_ids.items():
            while fake.allocate_message_id(int(chat)) < top:
                pass
        if self.state.clock_offset:
            clock.reset()
            clock.advance(timedelta(seconds=self.state.clock_offset))

    def remember(self) -> None:
        """Save the state now."""
        fake = self.telegram.fake
        tops: dict[str, int] = dict(self.state.message_ids)
        for chat_id, messages in fake.messages.items():
            if messages:
                tops[str(chat_id)] = max(tops.get(str(chat_id), 0), max(m.message_id for m in messages))
        for chat_id, messages in fake.user_messages.items():
            if messages:
                tops[str(chat_id)] = max(tops.get(str(chat_id), 0), max(m["message_id"] for m in messages))
        self.state.message_ids = tops
        self.state.next_update_id = self.telegram.next_update_id
        self.state.people = [vars(p) for p in self.people.values()]
        self.state.clock_offset = round((clock.now() - datetime.now(UTC)).total_seconds())
        self.state.save()

    async def seed(self, settings: Settings, sessions: Any) -> None:
        """The first start: the register imported (invite codes for the residents), the staff joined."""
        rows = read_csv(REGISTER_CSV.encode("utf-8"), registry.flag_columns(settings))
        entries, rejected = registry.check_rows(rows, settings)
        if rejected:
            raise RuntimeError(f"the sandbox register has bad rows: {rejected}")
        async with sessions.begin() as session:
            await districts_repo.sync(session, [(d.code, d.name, d.staff_chat_id, d.topic_id) for d in settings.districts])
            await session.flush()
            result = await registry.store(session, entries, rejected, settings)
            codes = {p.phone: p.invite_code for p in result.people}
        for person in self.people.values():
            if person.role == "resident":
                person.invite = codes.get(person.phone)
        # the coordinator joins first (a station's first member would otherwise coordinate it)
        for person in sorted(self.staff(), key=lambda p: p.role != "coordinator"):
            for group in person.groups:
                await self.telegram.send_text(person, group, "/join")
        for person in self.staff():
            await self.telegram.send_text(person, person.user_id, "/start")
        self.state.seeded = True
        self.remember()

    def staff(self) -> list[Person]:
        """The staff personas."""
        return [p for p in self.people.values() if p.role != "resident"]

    def add_resident(self, name: str, language: str) -> Person:
        """A new person (not in the register) who will register through the bot."""
        user_id = max([2000, *self.people]) + 1
        digits = str(user_id).rjust(PHONE_DIGITS[language], "0")[-PHONE_DIGITS[language]:]
        person = Person(user_id, name, TG_LANGUAGE[language], "resident", PHONE_PREFIX[language] + digits,
                        note="added in the page")
        self.people[user_id] = person
        self.telegram.enter(person)
        self.remember()
        return person

    def invite_link(self, person: Person) -> str | None:
        """The t.me link printed on the person's invite."""
        return registry.invite_link(BOT_USERNAME, person.invite) if person.invite else None

    def title(self, chat_id: int) -> str:
        """A chat's title as the page shows it."""
        if chat_id in self.groups:
            return self.groups[chat_id]
        person = self.people.get(chat_id)
        return person.name if person else str(chat_id)

    def speakers(self, chat_id: int) -> list[Person]:
        """Who may write in a chat: the owner of a private chat, the members of a group."""
        if chat_id > 0:
            return [self.people[chat_id]] if chat_id in self.people else []
        return [p for p in self.staff() if chat_id in p.groups]
