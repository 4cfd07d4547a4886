"""The peer: the request wizard as a team would build it on the popular template Latand/tgbot_template_v3
(aiogram 3), measured beside Doorstep by bench/updates_throughput.py (issue #12).

Written the way that template is written, neither crippled nor tuned beyond it:
- a DatabaseMiddleware, registered as an outer middleware on messages and callback queries, opens an
  SQLAlchemy AsyncSession per update from `async_sessionmaker(expire_on_commit=False)`, wraps it in a
  `RequestsRepo` holding the repositories, and upserts the user on every update
  (`get_or_create_user`: INSERT … ON CONFLICT DO UPDATE … RETURNING, then commit), as the template's does;
- the engine as the template's `create_engine` (query_cache_size=1200, pool_size=20, max_overflow=200);
- a ConfigMiddleware puts the config into the handler data;
- the conversation's state lives in aiogram's FSM storage: MemoryStorage, or RedisStorage with
  DefaultKeyBuilder(with_bot_id=True, with_destiny=True) when a Redis URL is given (the template's get_storage);
- one handler per step, keyboards from aiogram's builders, texts written in (no i18n), Bot API calls
  straight from the handler (the confirmation and the staff card are sent inside the Send handler).

It shows the same messages and buttons as Doorstep's registration and supplies request (so the
benchmark's residents drive both with the same steps and both make the same Bot API calls per update)
and writes the user and the request to PostgreSQL, its own tables (`peer_users`, `peer_requests`).

What it does not do, because the template does not: no update-id ledger (a redelivered update is handled
twice), no outbox (a message whose call fails is lost), no rate limiting, no ordering per chat beyond
what polling gives, the state is outside the database transaction.
"""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher, F, Router
from aiogram.filters import CommandStart
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, ReplyKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder, ReplyKeyboardBuilder
from sqlalchemy import BIGINT, Boolean, ForeignKey, String, Text, func, select, text
from sqlalchemy.dialects.postgresql import JSONB, TIMESTAMP, insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# ---------------------------------------------------------------- infrastructure/database/models


class Base(DeclarativeBase):
    pass


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())


class User(Base, TimestampMixin):
    __tablename__ = "peer_users"

    user_id: Mapped[int] = mapped_column(BIGINT, primary_key=True, autoincrement=False)
    username: Mapped[str | None] = mapped_column(String(128))
    full_name: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    language: Mapped[str] = mapped_column(String(10), server_default=text("'en'"))
    name: Mapped[str | None] = mapped_column(String(128))
    phone: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(Text)
    district: Mapped[str | None] = mapped_column(String(64))
    flags: Mapped[list[str]] = mapped_column(JSONB, server_default=text("'[]'"))
    registered: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class Request(Base, TimestampMixin):
    __tablename__ = "peer_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BIGINT, ForeignKey("peer_users.user_id"))
    kind: Mapped[str] = mapped_column(String(16))
    items: Mapped[list[list[str]]] = mapped_column(JSONB)
    raw_items: Mapped[str] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(Text)
    district: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), server_default=text("'new'"))


# ---------------------------------------------------------------- infrastructure/database/setup + repo


def create_engine(url: str, echo: bool = False) -> AsyncEngine:
    return create_async_engine(url, query_cache_size=1200, pool_size=20, max_overflow=200, future=True, echo=echo)


def create_session_pool(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(bind=engine, expire_on_commit=False)


async def create_tables(engine: AsyncEngine) -> None:
    """What the template's first alembic migration would do."""
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)


class BaseRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session: AsyncSession = session


class UserRepo(BaseRepo):
    async def get_or_create_user(self, user_id: int, full_name: str, language: str | None, username: str | None = None) -> User:
        insert_stmt = (
            insert(User)
            .values(user_id=user_id, username=username, full_name=full_name, language=language or "en")
            .on_conflict_do_update(index_elements=[User.user_id], set_=dict(username=username, full_name=full_name))
            .returning(User)
        )
        result = await self.session.execute(insert_stmt)
        await self.session.commit()
        return result.scalar_one()

    async def register(self, user_id: int, name: str, phone: str, address: str, district: str, flags: list[str]) -> None:
        user = await self.session.get(User, user_id)
        assert user is not None
        user.name, user.phone, user.address, user.district, user.flags = name, phone, address, district, flags
        user.registered = True
        await self.session.commit()


class RequestRepo(BaseRepo):
    async def create_request(self, user: User, kind: str, items: list[list[str]], raw_items: str, urgency: str, address: str) -> Request:
        request = Request(user_id=user.user_id, kind=kind, items=items, raw_items=raw_items, urgency=urgency,
                          address=address, district=user.district)
        self.session.add(request)
        await self.session.commit()
        return request

    async def count_requests(self) -> int:
        return (await self.session.execute(select(func.count()).select_from(Request))).scalar_one()


@dataclass
class RequestsRepo:
    session: AsyncSession

    @property
    def users(self) -> UserRepo:
        return UserRepo(self.session)

    @property
    def requests(self) -> RequestRepo:
        return RequestRepo(self.session)


# ---------------------------------------------------------------- tgbot/config + middlewares


@dataclass
class Config:
    staff_chat_id: int
    districts: dict[str, str]


Handler = Callable[[Any, dict[str, Any]], Awaitable[Any]]


class ConfigMiddleware(BaseMiddleware):
    def __init__(self, config: Config) -> None:
        self.config = config

    async def __call__(self, handler: Handler, event: Any, data: dict[str, Any]) -> Any:
        data["config"] = self.config
        return await handler(event, data)


class DatabaseMiddleware(BaseMiddleware):
    def __init__(self, session_pool: async_sessionmaker[AsyncSession]) -> None:
        self.session_pool = session_pool

    async def __call__(self, handler: Handler, event: Any, data: dict[str, Any]) -> Any:
        async with self.session_pool() as session:
            repo = RequestsRepo(session)
            user = await repo.users.get_or_create_user(
                event.from_user.id, event.from_user.full_name, event.from_user.language_code, event.from_user.username
            )
            data["session"] = session
            data["repo"] = repo
            data["user"] = user
            result = await handler(event, data)
        return result


# ---------------------------------------------------------------- tgbot/misc/states + keyboards


class Registration(StatesGroup):
    consent = State()
    name = State()
    phone = State()
    address = State()
    address_check = State()
    district = State()
    flags = State()


class RequestForm(StatesGroup):
    items = State()
    items_review = State()
    urgency = State()
    address = State()
    handover = State()
    confirm = State()


class StepCallbackData(CallbackData, prefix="st"):
    step: str
    value: str


class SendCallbackData(CallbackData, prefix="cf"):
    ok: bool


BACK, CANCEL = "◀️ 返回", "✖️ 取消"
SUPPLIES, MEDICINE, PSYCH, MY_REQUESTS, PROFILE, HELP = "🛒 生活物资", "💊 药品", "💬 找人聊聊", "📋 我的需求", "👤 我的信息", "ℹ️ 帮助"
FLAGS = {
    "lives_alone": "独居", "over_65": "65岁以上", "disability": "有残疾", "chronic_illness": "慢性病",
    "low_income": "低保/低收入/特困", "children": "有孩子的家庭", "veteran": "退役军人", "pregnancy": "孕妇",
}


def step_keyboard(step: str, *buttons: tuple[str, str], back: bool = True, columns: int = 1) -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    for label, value in buttons:
        keyboard.button(text=label, callback_data=StepCallbackData(step=step, value=value))
    keyboard.adjust(columns)
    if back:
        keyboard.row(*InlineKeyboardBuilder().button(text=BACK, callback_data=StepCallbackData(step=step, value="_back")).buttons)
    return keyboard.as_markup()


def back_cancel() -> ReplyKeyboardMarkup:
    keyboard = ReplyKeyboardBuilder()
    keyboard.button(text=BACK)
    keyboard.button(text=CANCEL)
    return keyboard.as_markup(resize_keyboard=True)


def name_keyboard(name: str) -> ReplyKeyboardMarkup:
    keyboard = ReplyKeyboardBuilder()
    keyboard.button(text=name)
    keyboard.row(*back_cancel().keyboard[0])
    return keyboard.as_markup(resize_keyboard=True)


def phone_keyboard() -> ReplyKeyboardMarkup:
    keyboard = ReplyKeyboardBuilder()
    keyboard.button(text="📱 发送我的手机号", request_contact=True)
    keyboard.row(*back_cancel().keyboard[0])
    return keyboard.as_markup(resize_keyboard=True)


def main_menu() -> ReplyKeyboardMarkup:
    keyboard = ReplyKeyboardBuilder()
    for label in (SUPPLIES, MEDICINE, PSYCH, MY_REQUESTS, PROFILE, HELP):
        keyboard.button(text=label)
    keyboard.adjust(2, 1, 2, 1)
    return keyboard.as_markup(resize_keyboard=True, is_persistent=True)


def flags_keyboard(chosen: list[str]) -> InlineKeyboardMarkup:
    buttons = [(("☑️ " if code in chosen else "⬜ ") + label, code) for code, label in FLAGS.items()]
    return step_keyboard("flags", *buttons, ("✅ 完成", "done"))


def confirm_keyboard() -> InlineKeyboardMarkup:
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text="✅ 发送需求", callback_data=SendCallbackData(ok=True))
    keyboard.button(text=BACK, callback_data=StepCallbackData(step="confirm", value="_back"))
    keyboard.button(text=CANCEL, callback_data=StepCallbackData(step="confirm", value="_cancel"))
    keyboard.adjust(1, 2)
    return keyboard.as_markup()


# ---------------------------------------------------------------- tgbot/services

ITEM_SPLIT = re.compile(r"[,，、;；\n]+")
QUANTITY = re.compile(r"^\s*(\d+(?:[.,]\d+)?\s*[^\d\s]{0,2}?[斤克升个包瓶盒袋箱]?)\s*(.+)$")


def parse_items(raw: str) -> list[list[str]]:
    """'2斤青菜、2斤肉' → [['青菜', '2斤'], ['肉', '2斤']]."""
    items = []
    for part in ITEM_SPLIT.split(raw):
        part = part.strip()
        if not part:
            continue
        match = QUANTITY.match(part)
        items.append([match.group(2).strip(), match.group(1).strip()] if match else [part, ""])
    return items


def items_text(items: list[list[str]]) -> str:
    return "\n".join(f"{i}. {html.escape(name)}" + (f" — {html.escape(qty)}" if qty else "") for i, (name, qty) in enumerate(items, 1))


def card_text(request: Request, user: User, config: Config) -> str:
    flags = "、".join(FLAGS[f] for f in user.flags) or "—"
    return (
        f"<b>№{request.id}</b> · 生活物资\n社区：{html.escape(config.districts.get(user.district or '', ''))}\n"
        f"居民情况：{flags}\n<b>共{len(request.items)}样物品:</b>\n{items_text(request.items)}\n"
        f"提交时间：{datetime.now():%Y年%m月%d日 %H:%M}\n\n🆕 等待社工接单"
    )


# ---------------------------------------------------------------- tgbot/handlers/registration

registration_router = Router()


@registration_router.message(CommandStart())
async def user_start(message: Message, state: FSMContext, user: User) -> None:
    if user.registered:
        await state.clear()
        await message.answer("您已登记。需要帮助时，随时在下方选择。", reply_markup=main_menu())
        return
    await state.set_state(Registration.consent)
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text="✅ 我同意", callback_data=StepCallbackData(step="consent", value="yes"))
    keyboard.button(text="我不同意", callback_data=StepCallbackData(step="consent", value="no"))
    keyboard.adjust(1)
    await message.answer(
        "👋 欢迎！本机器人帮您联系您所在社区的社工：生活物资、药品，或者找人聊聊。\n\n<b>隐私说明：</b>为了帮助您，我们会保存"
        "您的姓名、电话、地址和您的需求。社工能看到您的需求；只有接单的社工才能看到您的电话和地址。您随时可以发送 /delete "
        "删除您的信息。\n\n您同意吗？",
        reply_markup=keyboard.as_markup(),
    )


@registration_router.callback_query(Registration.consent, StepCallbackData.filter(F.step == "consent"))
async def consent(query: CallbackQuery, callback_data: StepCallbackData, state: FSMContext) -> None:
    await query.answer()
    if callback_data.value != "yes":
        await state.clear()
        await query.message.answer("好的，我们不会保存您的信息。")
        return
    await state.set_state(Registration.name)
    await query.message.answer("请问您怎么称呼？也可以按下方的按钮，使用您在 Telegram 上的名字。",
                               reply_markup=name_keyboard(query.from_user.full_name))


@registration_router.message(Registration.name, F.text)
async def name(message: Message, state: FSMContext) -> None:
    await state.update_data(name=message.text[:128])
    await state.set_state(Registration.phone)
    await message.answer("请留下您的电话号码，方便社工给您打电话。\n请按下方的“📱 发送我的手机号”，或者直接输入号码。",
                         reply_markup=phone_keyboard())


@registration_router.message(Registration.phone, F.contact)
async def phone(message: Message, state: FSMContext) -> None:
    await state.update_data(phone=message.contact.phone_number)
    await state.set_state(Registration.address)
    await message.answer("请写下您的家庭住址（街道、小区、楼栋、门牌号），帮助会送到这里。", reply_markup=back_cancel())


@registration_router.message(Registration.address, F.text)
async def address(message: Message, state: FSMContext) -> None:
    await state.update_data(address=message.text[:500])
    await state.set_state(Registration.address_check)
    await message.answer(f"请核对地址：\n<b>{html.escape(message.text[:500])}</b>\n\n对吗？",
                         reply_markup=step_keyboard("addr_check", ("✅ 对", "ok"), ("✏️ 修改", "change"), back=False, columns=2))


@registration_router.callback_query(Registration.address_check, StepCallbackData.filter(F.step == "addr_check"))
async def address_check(query: CallbackQuery, callback_data: StepCallbackData, state: FSMContext, config: Config) -> None:
    await query.answer()
    if callback_data.value != "ok":
        await state.set_state(Registration.address)
        await query.message.answer("请写下您的家庭住址（街道、小区、楼栋、门牌号），帮助会送到这里。", reply_markup=back_cancel())
        return
    await state.set_state(Registration.district)
    await query.message.answer("您住在哪个社区？",
                               reply_markup=step_keyboard("district", *((n, c) for c, n in config.districts.items()), columns=2))


@registration_router.callback_query(Registration.district, StepCallbackData.filter(F.step == "district"))
async def district(query: CallbackQuery, callback_data: StepCallbackData, state: FSMContext) -> None:
    await query.answer()
    await state.update_data(district=callback_data.value, flags=[])
    await state.set_state(Registration.flags)
    await query.message.answer("为了更好地帮助您，请点选所有符合您情况的选项，然后按“完成”。", reply_markup=flags_keyboard([]))


@registration_router.callback_query(Registration.flags, StepCallbackData.filter((F.step == "flags") & (F.value != "done")))
async def flag(query: CallbackQuery, callback_data: StepCallbackData, state: FSMContext) -> None:
    await query.answer()
    flags = list((await state.get_data()).get("flags", []))
    if callback_data.value in flags:
        flags.remove(callback_data.value)
    else:
        flags.append(callback_data.value)
    await state.update_data(flags=flags)
    await query.message.edit_reply_markup(reply_markup=flags_keyboard(flags))


@registration_router.callback_query(Registration.flags, StepCallbackData.filter((F.step == "flags") & (F.value == "done")))
async def flags_done(query: CallbackQuery, state: FSMContext, repo: RequestsRepo) -> None:
    await query.answer()
    data = await state.get_data()
    await repo.users.register(query.from_user.id, data["name"], data["phone"], data["address"], data["district"], data["flags"])
    await state.clear()
    await query.message.answer("✅ 登记完成。需要帮助时，随时在下方选择。", reply_markup=main_menu())
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text="✅ 好的，每天 09:00", callback_data="cp:s:")
    keyboard.button(text="不用了，谢谢", callback_data="cp:n:")
    keyboard.adjust(1)
    await query.message.answer("您希望我们每天问问您是否安好吗？如果您没有回复，我们会通知社工。", reply_markup=keyboard.as_markup())


# ---------------------------------------------------------------- tgbot/handlers/request_form

request_router = Router()


@request_router.message(F.text == SUPPLIES)
async def supplies(message: Message, state: FSMContext, user: User) -> None:
    if not user.registered:
        await message.answer("请先发送 /start 登记。")
        return
    await state.set_state(RequestForm.items)
    await state.update_data(kind="supplies")
    await message.answer("您需要什么？请写下每样东西和数量，用逗号隔开，或者每行写一样。\n例如：<i>5公斤大米，牛奶1升，面包</i>\n"
                         "也可以发语音。\n清单最多可写3000个字。", reply_markup=back_cancel())


@request_router.message(RequestForm.items, F.text)
async def items(message: Message, state: FSMContext) -> None:
    raw = message.text[:3000]
    parsed = parse_items(raw)
    await state.update_data(items=parsed, raw_items=raw)
    await state.set_state(RequestForm.items_review)
    await message.answer(f"您的清单是这样的：\n{items_text(parsed)}\n\n对吗？",
                         reply_markup=step_keyboard("review", ("✅ 对，没错", "ok"), ("✏️ 重新写", "redo")))


@request_router.callback_query(RequestForm.items_review, StepCallbackData.filter(F.step == "review"))
async def items_review(query: CallbackQuery, callback_data: StepCallbackData, state: FSMContext) -> None:
    await query.answer()
    if callback_data.value != "ok":
        await state.set_state(RequestForm.items)
        await query.message.answer("请重新写下您需要的东西。", reply_markup=back_cancel())
        return
    await state.set_state(RequestForm.urgency)
    await query.message.answer("有多紧急？", reply_markup=step_keyboard("urgency", ("🔴 紧急：今天就需要", "urgent"), ("1–2天内", "normal")))


@request_router.callback_query(RequestForm.urgency, StepCallbackData.filter(F.step == "urgency"))
async def urgency(query: CallbackQuery, callback_data: StepCallbackData, state: FSMContext, user: User) -> None:
    await query.answer()
    await state.update_data(urgency=callback_data.value)
    await state.set_state(RequestForm.address)
    await query.message.answer("帮助送到哪里？", reply_markup=step_keyboard(
        "addr", (f"📍 {user.address}", "reg"), ("其他地址", "other")))


@request_router.callback_query(RequestForm.address, StepCallbackData.filter(F.step == "addr"))
async def request_address(query: CallbackQuery, callback_data: StepCallbackData, state: FSMContext, user: User) -> None:
    await query.answer()
    await state.update_data(address=user.address)
    await state.set_state(RequestForm.handover)
    await query.message.answer("东西送到后怎么交给您？", reply_markup=step_keyboard(
        "hand", ("🚪 放在门口并敲门", "door"), ("🤝 当面交给我", "person"), ("🏠 交给邻居", "neighbour")))


@request_router.callback_query(RequestForm.handover, StepCallbackData.filter(F.step == "hand"))
async def request_handover(query: CallbackQuery, callback_data: StepCallbackData, state: FSMContext, user: User) -> None:
    await query.answer()
    await state.update_data(handover=callback_data.value)
    await state.set_state(RequestForm.confirm)
    data = await state.get_data()
    await query.message.answer(
        f"<b>请核对您的需求</b>\n类型：生活物资\n<b>共{len(data['items'])}样物品:</b>\n{items_text(data['items'])}\n"
        f"紧急程度：{'紧急' if data['urgency'] == 'urgent' else '一般'}\n地址：{html.escape(user.address or '')}\n"
        "内容都对吗？请按“发送需求”。",
        reply_markup=confirm_keyboard(),
    )


@request_router.callback_query(RequestForm.confirm, SendCallbackData.filter())
async def send_request(query: CallbackQuery, state: FSMContext, repo: RequestsRepo, user: User, config: Config, bot: Bot) -> None:
    data = await state.get_data()
    request = await repo.requests.create_request(user, data["kind"], data["items"], data["raw_items"], data["urgency"], data["address"])
    await state.clear()
    await query.answer("已发送")
    await query.message.edit_reply_markup(reply_markup=None)
    await query.message.answer(f"✅ 您的需求 №{request.id}（生活物资）已登记。\n社工很快会接单，每一步我们都会告诉您。\n"
                               "您可以在“📋 我的需求”里查看进度。", reply_markup=main_menu())
    claim = InlineKeyboardBuilder()
    claim.button(text=f"✋ 接单 №{request.id}", callback_data=f"sf:c:{request.id}:")
    await bot.send_message(config.staff_chat_id, card_text(request, user, config), reply_markup=claim.as_markup())


@request_router.message(F.text.in_({MY_REQUESTS, HELP}))
async def menu_other(message: Message) -> None:
    await message.answer("ℹ️ 需要帮助时，在下方选择。", reply_markup=main_menu())


# ---------------------------------------------------------------- bot.py


def get_storage(redis_url: str | None) -> BaseStorage:
    if redis_url:
        from aiogram.fsm.storage.redis import DefaultKeyBuilder, RedisStorage

        return RedisStorage.from_url(redis_url, key_builder=DefaultKeyBuilder(with_bot_id=True, with_destiny=True))
    return MemoryStorage()


def register_global_middlewares(dp: Dispatcher, config: Config, session_pool: async_sessionmaker[AsyncSession]) -> None:
    for middleware in (ConfigMiddleware(config), DatabaseMiddleware(session_pool)):
        dp.message.outer_middleware(middleware)
        dp.callback_query.outer_middleware(middleware)


def peer_dispatcher(session_pool: async_sessionmaker[AsyncSession], config: Config, redis_url: str | None = None) -> Dispatcher:
    """The peer's dispatcher (the bot it runs with sends HTML: DefaultBotProperties(parse_mode='HTML'))."""
    dp = Dispatcher(storage=get_storage(redis_url))
    dp.include_routers(registration_router, request_router)
    register_global_middlewares(dp, config, session_pool)
    return dp
