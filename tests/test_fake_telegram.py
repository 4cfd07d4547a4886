"""Tests for the fake Telegram server and the conversation client, driven by a real aiogram Bot."""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.methods import SendDice
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiohttp import ClientSession, web

from sandbox.bot_api import FakeTelegram, parse_text
from tests.conversation import GroupChat, TgUser

TOKEN = "123456:TEST-TOKEN"
CHAT = 1001


@pytest.fixture
async def ft_fake() -> AsyncIterator[FakeTelegram]:
    """A running FakeTelegram."""
    fake = FakeTelegram(token=TOKEN, bot_id=123456, bot_username="doorstep_test_bot")
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def ft_bot(ft_fake: FakeTelegram) -> AsyncIterator[Bot]:
    """A real aiogram Bot talking to the fake (HTML by default)."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(ft_fake.base_url))
    bot = Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))
    yield bot
    await bot.session.close()


def _echo_router() -> Router:
    """A tiny echo bot exercising text, commands, keyboards, contacts and callbacks."""
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message, command: CommandObject) -> None:
        await message.answer(
            f"Welcome <b>{html.escape(message.from_user.first_name)}</b> ({html.escape(command.args or '-')})",
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[[
                InlineKeyboardButton(text="✅ Confirm", callback_data="confirm"),
                InlineKeyboardButton(text="Cancel", callback_data="cancel"),
            ]]),
        )
        await message.answer(
            "Menu",
            reply_markup=ReplyKeyboardMarkup(keyboard=[
                [KeyboardButton(text="Share my phone", request_contact=True)],
                [KeyboardButton(text="Hello")],
            ], resize_keyboard=True),
        )

    @router.message(Command("bye"))
    async def bye(message: Message) -> None:
        await message.answer("Bye", reply_markup=ReplyKeyboardRemove())

    @router.message(Command("slow"))
    async def slow(message: Message) -> None:
        status = await message.answer("working…")
        await asyncio.sleep(0.05)
        await status.edit_text("done")

    @router.message(F.contact)
    async def contact(message: Message) -> None:
        await message.answer(f"phone: {message.contact.phone_number}")

    @router.message(F.photo)
    async def photo(message: Message) -> None:
        await message.answer_photo(message.photo[-1].file_id, caption=f"got <i>{html.escape(message.caption or '')}</i>")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(f"echo: {html.escape(message.text)}")

    @router.callback_query(F.data == "confirm")
    async def confirm(query: CallbackQuery) -> None:
        await query.answer("ok", show_alert=True)
        await query.message.edit_text("Confirmed")

    @router.callback_query()
    async def other(query: CallbackQuery) -> None:
        await query.answer(f"unknown: {query.data}")

    return router


@pytest.fixture
async def ft_echo(ft_fake: FakeTelegram, ft_bot: Bot) -> AsyncIterator[FakeTelegram]:
    """The echo bot polling the fake in the background."""
    dp = Dispatcher()
    dp.include_router(_echo_router())
    task = asyncio.create_task(
        dp.start_polling(ft_bot, handle_as_tasks=False, polling_timeout=1, handle_signals=False,
                         close_bot_session=False)
    )
    yield ft_fake
    await dp.stop_polling()
    await asyncio.wait_for(task, 5)


# ----------------------------------------------------------------------------- parsing


def test_html_parser_entities_and_escapes() -> None:
    """HTML is parsed into plain text and UTF-16 entities; entities are decoded."""
    parsed = parse_text("  😀<b>hi</b> &lt;3 &amp; &quot;x&quot; &#65; AT&T  ", "HTML")
    assert parsed.text == '😀hi <3 & "x" A AT&T'
    assert parsed.entities == [{"offset": 2, "length": 2, "type": "bold"}]


async def test_html_errors_raise_bad_request(ft_fake: FakeTelegram, ft_bot: Bot) -> None:
    """Malformed HTML gives Telegram's exact 'can't parse entities' errors."""
    cases = {
        "<foo>x</foo>": 'Unsupported start tag "foo" at byte offset 0',
        "1 < 2": 'Unsupported start tag "" at byte offset 2',
        "<b>bold": 'Can\'t find end tag corresponding to start tag "b"',
        "<b>x</i>": 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"',
        "x</b>": "Unexpected end tag at byte offset 1",
        "é<p>": 'Unsupported start tag "p" at byte offset 2',
    }
    for text, detail in cases.items():
        with pytest.raises(TelegramBadRequest) as info:
            await ft_bot.send_message(CHAT, text)
        assert info.value.message == f"Bad Request: can't parse entities: {detail}"
    ok = await ft_bot.send_message(CHAT, '<b>a</b> <a href="https://e.x">l</a> <tg-spoiler>s</tg-spoiler>')
    assert ok.text == "a l s"
    assert [e.type for e in ok.entities] == ["bold", "text_link", "spoiler"]
    stored = ft_fake.messages[CHAT][-1]
    assert stored.raw.startswith("<b>a</b>") and stored.text == "a l s" and stored.parse_mode == "HTML"
    with pytest.raises(TelegramBadRequest, match="unsupported parse_mode"):
        await ft_bot.send_message(CHAT, "x", parse_mode="Bogus")
    plain = await ft_bot.send_message(CHAT, "1 < 2 & <b>", parse_mode=None)
    assert plain.text == "1 < 2 & <b>"
    md = await ft_bot.send_message(CHAT, r"*bold* \. done", parse_mode="MarkdownV2")
    assert md.text == "bold . done"
    with pytest.raises(TelegramBadRequest, match="Character '.' is reserved"):
        await ft_bot.send_message(CHAT, "end.", parse_mode="MarkdownV2")


async def test_text_length_limits(ft_fake: FakeTelegram, ft_bot: Bot) -> None:
    """4096 UTF-16 units pass, 4097 fail; markup does not count; empty text fails."""
    await ft_bot.send_message(CHAT, "a" * 4096)
    await ft_bot.send_message(CHAT, "<b>" + "a" * 4096 + "</b>")
    await ft_bot.send_message(CHAT, "😀" * 2048)
    with pytest.raises(TelegramBadRequest, match="Bad Request: message is too long"):
        await ft_bot.send_message(CHAT, "a" * 4097)
    with pytest.raises(TelegramBadRequest, match="Bad Request: message is too long"):
        await ft_bot.send_message(CHAT, "😀" * 2048 + "a")
    with pytest.raises(TelegramBadRequest, match="Bad Request: message text is empty"):
        await ft_bot.send_message(CHAT, "<b> </b>\n")
    ft_fake.register_file("PHOTO1")
    await ft_bot.send_photo(CHAT, "PHOTO1", caption="c" * 1024)
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await ft_bot.send_photo(CHAT, "PHOTO1", caption="c" * 1025)
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await ft_bot.send_photo(CHAT, "UNKNOWN")


async def test_send_media_group_is_strict(ft_fake: FakeTelegram, ft_bot: Bot) -> None:
    """sendMediaGroup: 2-10 known photos become one message each with a shared media_group_id."""
    from aiogram.types import InputMediaPhoto

    for name in ("P1", "P2", "P3"):
        ft_fake.register_file(name)
    sent = await ft_bot.send_media_group(CHAT, [InputMediaPhoto(media=n) for n in ("P1", "P2", "P3")])
    assert [m.photo[-1].file_id for m in sent] == ["P1", "P2", "P3"]
    assert len({m.media_group_id for m in sent}) == 1 and sent[0].media_group_id
    with pytest.raises(TelegramBadRequest, match="wrong number of media"):
        await ft_bot.send_media_group(CHAT, [InputMediaPhoto(media="P1")])
    with pytest.raises(TelegramBadRequest, match="wrong number of media"):
        await ft_bot.send_media_group(CHAT, [InputMediaPhoto(media="P1")] * 11)
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await ft_bot.send_media_group(CHAT, [InputMediaPhoto(media="P1"), InputMediaPhoto(media="UNKNOWN")])


async def test_reply_markup_validation(ft_fake: FakeTelegram, ft_bot: Bot) -> None:
    """callback_data is limited to 64 bytes (not characters); text-only inline buttons are refused."""
    ok = "é" * 32  # 64 bytes
    await ft_bot.send_message(CHAT, "x", reply_markup=InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="ok", callback_data=ok)]]))
    with pytest.raises(TelegramBadRequest, match="Bad Request: BUTTON_DATA_INVALID"):
        await ft_bot.send_message(CHAT, "x", reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="bad", callback_data="a" * 65)]]))
    with pytest.raises(TelegramBadRequest, match="Bad Request: BUTTON_DATA_INVALID"):
        await ft_bot.send_message(CHAT, "x", reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="bad", callback_data=ok + "a")]]))
    with pytest.raises(TelegramBadRequest, match="Text buttons are unallowed"):
        await ft_bot.send_message(CHAT, "x", reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="bad")]]))
    assert ft_fake.messages[CHAT][-1].reply_markup == {
        "inline_keyboard": [[{"text": "ok", "callback_data": ok}]]}


async def test_error_classes(ft_fake: FakeTelegram, ft_bot: Bot) -> None:
    """Injected and state errors map to the right aiogram exception classes."""
    ft_fake.fail_next("sendMessage", CHAT, status=429, retry_after=7)
    with pytest.raises(TelegramRetryAfter) as retry:
        await ft_bot.send_message(CHAT, "x")
    assert retry.value.retry_after == 7 and "Too Many Requests: retry after 7" in retry.value.message
    ft_fake.fail_next(status=500)
    with pytest.raises(TelegramServerError, match="Internal Server Error"):
        await ft_bot.send_message(CHAT, "x")
    ft_fake.fail_next("getMe", status=502)
    with pytest.raises(TelegramServerError, match="Bad Gateway"):
        await ft_bot.get_me()
    await ft_bot.send_message(CHAT, "works again")

    ft_fake.block_user(CHAT)
    with pytest.raises(TelegramForbiddenError, match="Forbidden: bot was blocked by the user"):
        await ft_bot.send_message(CHAT, "x")
    ft_fake.deactivate_user(CHAT)
    with pytest.raises(TelegramForbiddenError, match="Forbidden: user is deactivated"):
        await ft_bot.send_message(CHAT, "x")
    ft_fake.unblock_user(CHAT)
    await ft_bot.send_message(CHAT, "x")

    ft_fake.migrate_group(-500, -100500)
    with pytest.raises(TelegramMigrateToChat) as migrate:
        await ft_bot.send_message(-500, "x")
    assert migrate.value.migrate_to_chat_id == -100500
    assert "group chat was upgraded to a supergroup chat" in migrate.value.message
    await ft_bot.send_message(-100500, "fine")

    with pytest.raises(TelegramNotFound, match="Not Found"):
        await ft_bot(SendDice(chat_id=CHAT))
    bad_bot = Bot("1:WRONG", session=AiohttpSession(api=TelegramAPIServer.from_base(ft_fake.base_url)))
    with pytest.raises(TelegramUnauthorizedError):
        await bad_bot.get_me()
    await bad_bot.session.close()
    with pytest.raises(TelegramBadRequest, match="query is too old and response timeout expired"):
        await ft_bot.answer_callback_query("nope")
    assert ("sendDice", {"chat_id": str(CHAT)}, 404) in ft_fake.calls


async def test_edit_rules(ft_fake: FakeTelegram, ft_bot: Bot) -> None:
    """Not-modified, not-found, keyboard removal on edit, and edit history."""
    kb = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="a")]])
    sent = await ft_bot.send_message(CHAT, "<b>v1</b>", reply_markup=kb)
    with pytest.raises(TelegramBadRequest, match="message is not modified: specified new message content"):
        await ft_bot.edit_message_text("<b>v1</b>", chat_id=CHAT, message_id=sent.message_id, reply_markup=kb)
    with pytest.raises(TelegramBadRequest, match="Bad Request: message to edit not found"):
        await ft_bot.edit_message_text("x", chat_id=CHAT, message_id=999)
    edited = await ft_bot.edit_message_text("v1", chat_id=CHAT, message_id=sent.message_id, reply_markup=kb)
    assert edited.text == "v1" and not edited.entities
    await ft_bot.edit_message_text("v2", chat_id=CHAT, message_id=sent.message_id)
    stored = ft_fake.find_message(CHAT, sent.message_id)
    assert stored is not None and stored.text == "v2" and stored.reply_markup is None
    assert [e.text for e in stored.edits] == ["v1", "v1"]
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await ft_bot.edit_message_reply_markup(chat_id=CHAT, message_id=sent.message_id)
    assert await ft_bot.delete_message(CHAT, sent.message_id) is True
    assert stored.deleted
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await ft_bot.delete_message(CHAT, sent.message_id)


async def test_commands_and_misc_methods(ft_fake: FakeTelegram, ft_bot: Bot) -> None:
    """Commands are stored per scope/language; chat/member/file/copy methods work."""
    await ft_bot.set_my_commands([BotCommand(command="start", description="Start")])
    await ft_bot.set_my_commands([BotCommand(command="help", description="帮助")],
                                 scope=BotCommandScopeAllPrivateChats(), language_code="zh")
    assert ft_fake.get_commands()[0]["command"] == "start"
    assert ft_fake.get_commands({"type": "all_private_chats"}, "zh") == [{"command": "help", "description": "帮助"}]
    got = await ft_bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="zh")
    assert got[0].command == "help"
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await ft_bot.set_my_commands([BotCommand(command="Bad-Name", description="x")])
    me = await ft_bot.get_me()
    assert me.username == "doorstep_test_bot"
    ft_fake.set_chat_member(-100500, 7, "administrator")
    assert (await ft_bot.get_chat_member(-100500, 7)).status == "administrator"
    assert (await ft_bot.get_chat_member(-100500, 8)).status == "member"
    assert (await ft_bot.get_chat(CHAT)).type == "private"
    assert await ft_bot.send_chat_action(CHAT, "typing")
    original = await ft_bot.send_message(CHAT, "copy me")
    copied = await ft_bot.copy_message(-100500, CHAT, original.message_id)
    assert ft_fake.find_message(-100500, copied.message_id).text == "copy me"
    forwarded = await ft_bot.forward_message(-100500, CHAT, original.message_id)
    assert forwarded.text == "copy me" and forwarded.forward_origin is not None
    info = ft_fake.register_file("DOC1", content=b"hello")
    file = await ft_bot.get_file("DOC1")
    assert file.file_path == info["file_path"]
    assert ft_fake.stats["sendMessage"] == 1


async def test_long_polling_semantics(ft_fake: FakeTelegram, ft_bot: Bot) -> None:
    """getUpdates waits for updates, honours offset/limit, and confirms on the next offset."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    assert await ft_bot.get_updates(timeout=1) == []
    assert loop.time() - start >= 0.9
    waiter = asyncio.create_task(ft_bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    first = ft_fake.push_update({"message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"},
                                             "text": "hi"}})
    updates = await asyncio.wait_for(waiter, 2)
    assert [u.update_id for u in updates] == [first]
    second = ft_fake.push_update({"message": {"message_id": 2, "date": 0, "chat": {"id": 5, "type": "private"},
                                              "text": "there"}})
    assert [u.update_id for u in await ft_bot.get_updates(limit=1)] == [first]
    processed = asyncio.create_task(ft_fake.wait_processed(first, timeout=2))
    assert [u.update_id for u in await ft_bot.get_updates(offset=first + 1)] == [second]
    await processed
    with pytest.raises(TimeoutError):
        await ft_fake.wait_processed(second, timeout=0.1)
    assert await ft_bot.get_updates(offset=second + 1) == []
    await ft_fake.wait_processed(second, timeout=0.1)
    await ft_bot.set_webhook("https://example.org/hook", secret_token="s3cret")
    with pytest.raises(TelegramConflictError):
        await ft_bot.get_updates()
    assert (await ft_bot.get_webhook_info()).url == "https://example.org/hook"
    await ft_bot.delete_webhook()


async def test_delay_provokes_client_timeout(ft_fake: FakeTelegram, ft_bot: Bot) -> None:
    """delay_next makes a request exceed the client timeout."""
    ft_fake.delay_next("sendMessage", seconds=1.5)
    with pytest.raises(TelegramNetworkError):
        await ft_bot.send_message(CHAT, "late", request_timeout=1)
    await ft_bot.send_message(CHAT, "on time", request_timeout=1)


async def test_wait_new_message_wakes_on_that_chats_message_only(ft_fake: FakeTelegram, ft_bot: Bot) -> None:
    """wait_new_message returns once the bot sent the chat one more message; another chat's message does
    not end the wait, and without a message it times out."""
    await ft_bot.send_message(CHAT, "first")
    waiting = asyncio.create_task(ft_fake.wait_new_message(CHAT, 1, timeout=5))
    await ft_bot.send_message(CHAT + 1, "elsewhere")
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await ft_bot.send_message(CHAT, "second")
    await asyncio.wait_for(waiting, 1)
    await ft_fake.wait_new_message(CHAT, 1, timeout=0.1)  # already more than one: returns at once
    with pytest.raises(asyncio.TimeoutError):
        await ft_fake.wait_new_message(CHAT, 2, timeout=0.1)


async def test_enforce_limits(ft_fake: FakeTelegram, ft_bot: Bot) -> None:
    """Per-private-chat, per-group and global windows produce realistic 429s."""
    ft_fake.enforce_limits(global_per_sec=6, per_private_chat_per_sec=1, per_group_per_min=3)
    await ft_bot.send_message(CHAT, "1")
    with pytest.raises(TelegramRetryAfter) as info:
        await ft_bot.send_message(CHAT, "2")
    assert info.value.retry_after == 1
    for i in range(3):
        await ft_bot.send_message(-100777, str(i))
    with pytest.raises(TelegramRetryAfter) as group_info:
        await ft_bot.send_message(-100777, "too many")
    assert 50 <= group_info.value.retry_after <= 60
    await ft_bot.send_message(2002, "other chat")
    await ft_bot.send_message(2003, "other chat")
    with pytest.raises(TelegramRetryAfter):
        await ft_bot.send_message(2004, "global limit")
    assert ft_fake.stats["429"] == 3
    assert ft_fake.refused_by_window == {"global": 1, "group": 1, "private": 1}  # which budget ran out
    ft_fake.disable_limits()
    assert ft_fake.refused_by_window == {}
    await ft_bot.send_message(CHAT, "free again")


async def test_conversation_round_trip(ft_echo: FakeTelegram) -> None:
    """send/send_command/press/tap/expect against the echo bot."""
    fake = ft_echo
    user = TgUser(fake, user_id=1001, first_name="林", language_code="zh-hans")
    new = await user.send_command("/start abc")
    assert [m.text for m in new] == ["Welcome 林 (abc)", "Menu"]
    assert user.keyboard_labels(new[0]) == ["✅ Confirm", "Cancel"]
    assert user.keyboard_labels() == ["Share my phone", "Hello"]
    welcome = new[0]

    new = await user.send("2斤青菜 <b>")
    assert [m.text for m in new] == ["echo: 2斤青菜 <b>"]
    assert fake.user_messages[CHAT][-1]["text"] == "2斤青菜 <b>"

    new = await user.press("confirm")
    assert [m.text for m in new] == ["Confirmed"] and new[0] is welcome
    assert welcome.edits[0].text == "Welcome 林 (abc)" and welcome.reply_markup is None
    assert user.last_answer == {"text": "ok", "show_alert": True, "url": None, "cache_time": 0}
    with pytest.raises(AssertionError, match="Confirm"):
        await user.press("Confirm", message=welcome)

    await user.press_data("forged:data", message=welcome)
    assert user.last_answer is not None and user.last_answer["text"] == "unknown: forged:data"

    user.phone = "+8613800138000"
    new = await user.tap("share my PHONE")
    assert [m.text for m in new] == ["phone: +8613800138000"]
    assert (await user.tap("Hello"))[0].text == "echo: Hello"

    new = await user.send_command("/slow")
    assert [m.text for m in new] == ["done"] and new[0].edits[0].text == "working…"
    assert (await user.expect("done")).message_id == new[0].message_id
    with pytest.raises(AssertionError, match="last texts"):
        await user.expect("never said", timeout=0.2)

    new = await user.send_photo(caption="look")
    assert new[0].is_photo and new[0].text == "got look"
    await user.send_command("/bye")
    assert user.keyboard_labels() == []
    for sender in (user.send_sticker(), user.send_voice(), user.send_location(1.0, 2.0), user.send_document()):
        assert await sender == []  # echo bot ignores these
    assert user.texts()[-1] == "Bye"


async def test_group_conversation(ft_echo: FakeTelegram) -> None:
    """Users in a group send messages and press buttons on group messages."""
    group = GroupChat(id=-100500, title="Staff")
    worker = TgUser(ft_echo, user_id=2001, first_name="Worker", chat=group)
    other = TgUser(ft_echo, user_id=2002, first_name="Other", chat=group)
    new = await worker.send_command("/start")
    assert new[0].chat_id == group.id and new[0].text == "Welcome Worker (-)"
    await other.press("Cancel")
    assert other.last_answer is not None and other.last_answer["text"] == "unknown: cancel"
    assert ft_echo.user_messages[group.id][0]["from"]["id"] == 2001
    assert ft_echo.user_messages[group.id][0]["chat"]["type"] == "supergroup"


async def test_expect_nothing_more_lists_what_the_test_did_not_read(ft_echo: FakeTelegram, ft_bot: Bot) -> None:
    """expect() reads up to the message it finds; expect_nothing_more() fails listing the bot's later
    messages and edits in that chat (not other chats', not deleted ones) and passes once they are read.
    In a group the cursor is the chat's, shared by everyone in it."""
    user = TgUser(ft_echo, user_id=CHAT, first_name="Ann")
    await user.send("hello")
    await user.expect("echo: hello")
    await user.expect_nothing_more()

    await ft_bot.send_message(CHAT, "an extra <b>note</b>")
    status = await ft_bot.send_message(CHAT, "working")
    await ft_bot.edit_message_text("done", chat_id=CHAT, message_id=status.message_id)
    gone = await ft_bot.send_message(CHAT, "deleted at once")
    await ft_bot.delete_message(CHAT, gone.message_id)
    await ft_bot.send_message(CHAT + 1, "another chat")
    with pytest.raises(AssertionError) as failure:
        await user.expect_nothing_more()
    report = str(failure.value)
    assert f"3 more message(s) or edit(s) to chat {CHAT}" in report
    assert "by sendMessage: 'an extra note'" in report and "by sendMessage: 'working'" in report
    assert f"message {status.message_id} by editMessageText: 'done'" in report
    assert "deleted at once" not in report and "another chat" not in report
    assert [change.method for change in user.unread()] == ["sendMessage", "sendMessage", "editMessageText"]

    await user.expect("done")  # reading the last one reads what came before it too
    await user.expect_nothing_more()

    group = GroupChat(id=-100501, title="Staff")
    worker = TgUser(ft_echo, user_id=2001, first_name="Worker", chat=group)
    other = TgUser(ft_echo, user_id=2002, first_name="Other", chat=group)
    await worker.send("card")
    with pytest.raises(AssertionError, match="echo: card"):
        await other.expect_nothing_more()
    await worker.expect("echo: card")
    await other.expect_nothing_more()


async def test_blocked_user_in_conversation(ft_echo: FakeTelegram) -> None:
    """A blocked user's updates are processed but the bot's replies fail with 403."""
    user = TgUser(ft_echo, user_id=3003, first_name="B")
    ft_echo.block_user(3003)
    assert await user.send("hi") == []
    assert ("sendMessage", 403) in [(m, s) for m, _, s in ft_echo.calls]


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    """Serve an aiohttp app on a free loopback port; its runner (to clean up) and base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"


async def test_webhook_delivery(ft_fake: FakeTelegram, ft_bot: Bot) -> None:
    """feed_webhook POSTs updates with the secret header and runs webhook-reply methods."""
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler

    dp = Dispatcher()

    @dp.message()
    async def reply(message: Message) -> None:
        await message.answer(f"hook: {html.escape(message.text or '')}")

    app = web.Application()
    SimpleRequestHandler(dp, ft_bot, secret_token="s3cret", handle_in_background=False).register(app, "/hook")
    runner, url = await serve(app)
    try:
        ft_fake.feed_webhook(url + "/hook", "s3cret")
        user = TgUser(ft_fake, user_id=4004, first_name="W")
        new = await user.send("ping")
        assert [m.text for m in new] == ["hook: ping"]
        ft_fake.feed_webhook(url + "/hook", "wrong")
        user.timeout = 0.5
        with pytest.raises(TimeoutError):
            await user.send("rejected")
        assert "401" in (ft_fake.webhook["last_error_message"] or "")
        ft_fake.feed_webhook(None)
    finally:
        await runner.cleanup()


async def test_webhook_sends_chats_at_once_and_each_chat_in_order(ft_fake: FakeTelegram) -> None:
    """Like Telegram: updates of different chats are POSTed at the same time (up to max_connections),
    one chat's next update only once its last was answered 2xx; a failure holds back only its chat."""
    active: dict[int, int] = {}
    most_at_once = 0
    same_chat_overlap = False
    accepted: dict[int, list[str]] = {}
    failed: set[int] = set()

    async def hook(request: web.Request) -> web.Response:
        nonlocal most_at_once, same_chat_overlap
        update = await request.json()
        chat, text = update["message"]["chat"]["id"], update["message"]["text"]
        same_chat_overlap |= active.get(chat, 0) > 0
        active[chat] = active.get(chat, 0) + 1
        most_at_once = max(most_at_once, sum(active.values()))
        await asyncio.sleep(0.1)
        active[chat] -= 1
        if chat == 5003 and update["update_id"] not in failed:  # this chat's first try fails once
            failed.add(update["update_id"])
            return web.Response(status=500)
        accepted.setdefault(chat, []).append(text)
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner, url = await serve(app)
    try:
        users = [TgUser(ft_fake, user_id=5001 + i, first_name=f"U{i}") for i in range(3)]
        ids = [ft_fake.push_update({"message": user._message(text=str(n))}) for n in range(3) for user in users]
        ft_fake.feed_webhook(url + "/hook")
        for update_id in ids:
            await ft_fake.wait_processed(update_id, timeout=10)
        assert accepted == {user.chat_id: ["0", "1", "2"] for user in users}
        assert len(failed) == 3  # each of chat 5003's updates failed once and was sent again, in order
        assert most_at_once >= 2 and not same_chat_overlap
        ft_fake.feed_webhook(None)
    finally:
        await runner.cleanup()


async def test_raw_http_requests(ft_fake: FakeTelegram) -> None:
    """JSON bodies and GET query strings work too; unknown methods give Telegram's 404 body."""
    async with ClientSession() as http:
        async with http.post(f"{ft_fake.base_url}/bot{TOKEN}/sendMessage",
                             json={"chat_id": CHAT, "text": "<i>json</i>", "parse_mode": "HTML"}) as resp:
            body = await resp.json()
        assert resp.status == 200 and body["result"]["text"] == "json"
        async with http.get(f"{ft_fake.base_url}/bot{TOKEN}/noSuchMethod") as resp:
            assert resp.status == 404
            assert await resp.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        async with http.get(f"{ft_fake.base_url}/bot{TOKEN}/sendMessage?chat_id={CHAT}") as resp:
            assert resp.status == 400
            assert (await resp.json())["description"] == "Bad Request: message text is empty"


async def test_many_messages_memory(ft_fake: FakeTelegram) -> None:
    """Storing 100k messages stays cheap (slots dataclasses, O(1) lookups)."""
    fake = FakeTelegram()
    params: dict[str, str] = {"chat_id": "1", "text": "hello"}
    for i in range(100_000):
        await fake._api_sendMessage({**params, "chat_id": str(i % 1000 + 1)})
    assert sum(len(v) for v in fake.messages.values()) == 100_000
    assert fake.find_message(1000, 100) is not None
