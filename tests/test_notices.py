"""Official notices through the real bot and the fake Bot API: a coordinator's /notice to one district in
three languages (each resident reads their own, with the photo), a resident who blocked the bot counted
unreachable in the progress message, Cancel stopping the rest, /notices off, a worker refused, and a
notice never going ahead of an urgent card."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlmodel import col, select

from bot.app import send_notices
from bot.core import clock
from bot.core.config import Settings
from bot.services import notices
from bot.ui.notify import Notifier
from db.models import Notice, NoticeAudience, NoticeStatus, Outbox, Request, RequestKind, Resident, Staff, Urgency
from db.repo import districts
from sandbox.bot_api import FakeTelegram, SentMessage
from tests.conftest import COORDINATOR_ID, STAFF_CHAT, Harness, running
from tests.conversation import TgUser
from tests.helpers import (
    button_data, catalog_plural, catalog_text, register, resident_of, seen, staff_messages, until, visible_text,
)
from tests.test_staff import join

HEADER = "📢 <b>Official notice</b>"
AUDIENCE_Q = ("📢 <b>Official notice</b>\nWho should receive it? Tick one or more districts and press «Next», "
              "or choose residents with daily check-ins or the staff.")
ASK_TEXT = "Send the text of the notice for residents who read {language}, as one message."
ASK_ONE = "Send the text of the notice, one version for everyone, as one message."
ASK_FILE = "Send a photo or a PDF to go with the notice, or press «No photo or file»."
NOT_A_TEXT = ("Please send the text of the notice as a text message (a sticker, a photo or a file cannot be its "
              "text). Nothing is lost: I am still waiting for the text.")
TOO_LONG = ("This text has {n} character; one message holds at most {limit} here. Please send it shorter.",
            "This text has {n} characters; one message holds at most {limit} here. Please send it shorter.")
REST_OF_PASTE = ("This is the rest of the long text above, so it was not kept either. Please send the whole text "
                 "shorter, as one message.")
NOT_A_FILE = "Only a photo or a PDF file can go with a notice. Send one, or press «No photo or file»."
DELIVERED = ("delivered to {n} recipient", "delivered to {n} recipients")
UNREACHABLE = ("{n} unreachable (blocked the bot)", "{n} unreachable (blocked the bot)")
MUTED = ("{n} turned notices off", "{n} turned notices off")
REMAINING = ("{n} remaining", "{n} remaining")
NOT_SENT = ("{n} not sent", "{n} not sent")
RECIPIENTS = ("{n} recipient", "{n} recipients")
TEXTS = {
    "zh": "明天上午9点至12点停水，请提前储水。",
    "ru": "Завтра с 9 до 12 не будет воды. " + "Пожалуйста, наберите воду заранее. " * 40,  # too long for a caption
    "uk": "Завтра з 9 до 12 не буде води, наберіть воду заздалегідь.",
}


def notice_seen(locale: str, text: str) -> str:
    """A notice as its reader sees it."""
    return seen(catalog_text(locale, HEADER)) + "\n\n" + text


async def run_notices(h: Harness) -> None:
    """The notices tick until every notice is finished, delivering in between."""
    assert h.app is not None
    for _ in range(10):
        await send_notices(h.app)
        await h.drain()
        async with h.app.sessions() as session:
            if not (await session.exec(select(Notice).where(Notice.status == NoticeStatus.SENDING))).all():
                return
    raise AssertionError("the notice never finished")


async def the_notice(h: Harness) -> Notice:
    """The one notice stored."""
    assert h.app is not None
    async with h.app.sessions() as session:
        return (await session.exec(select(Notice))).one()


def progress_message(h: Harness, notice: Notice) -> SentMessage:
    """The notice's progress message in the staff chat, as it reads now."""
    return next(m for m in h.fake.messages[STAFF_CHAT] if m.message_id == notice.progress_message_id)


async def start_wizard(h: Harness, coordinator: TgUser, district_labels: list[str]) -> None:
    """/notice, tick the districts, Next."""
    await coordinator.send_command("/notice")
    picker = await coordinator.expect(visible_text("zh", AUDIENCE_Q))
    for label in district_labels:
        await coordinator.press("⬜ " + label, message=picker)
        assert "☑️ " + label in picker.button_texts()  # edited in place
    await coordinator.press(catalog_text("zh", "Next ▶️"), message=picker)


async def test_a_notice_to_one_district_in_three_languages(harness: Harness) -> None:
    """下洋田社区 has a Chinese, a Russian and a Ukrainian reader and one who blocked the bot; 抚琴街道 one
    more. The coordinator writes the three versions (a sticker and an over-long text are refused and lose
    nothing), adds a photo, sees one preview per language, sends. Each reader gets their version with the
    photo (the long Russian one as a message, the photo after it); the other district nothing; the
    progress message ends with 3 delivered and 1 unreachable."""
    h = harness
    coordinator = await join(h, COORDINATOR_ID, "主任", private=False)
    readers = {locale: await register(h, locale, district="xiayangtian") for locale in ("zh", "ru", "uk")}
    blocked = await register(h, "zh", district="xiayangtian")
    elsewhere = await register(h, "zh", district="fuqin")
    h.fake.block_user(blocked.chat_id)
    await h.drain()
    for user in (*readers.values(), blocked, elsewhere):
        user.mark_read()

    await start_wizard(h, coordinator, ["下洋田社区"])
    await coordinator.expect(visible_text("zh", ASK_TEXT, language="中文"))
    await coordinator.send_sticker()
    await coordinator.expect(visible_text("zh", NOT_A_TEXT))
    await coordinator.send_long("水" * 10_000)  # Telegram splits it: 4,096 + 4,096 + 1,808 at once
    limit = 4096 - len((seen(catalog_text("zh", HEADER)) + "\n\n").encode("utf-16-le")) // 2  # 📢 counts 2
    replies = [m.text for m in coordinator.messages()[-3:]]
    assert replies == [seen(catalog_plural("zh", *TOO_LONG, 4096, limit=f"{limit:,}").replace("4096", "4,096")),
                       visible_text("zh", REST_OF_PASTE), visible_text("zh", REST_OF_PASTE)]
    await coordinator.send(TEXTS["zh"])  # nothing was lost: still the Chinese text
    await coordinator.expect(visible_text("zh", ASK_TEXT, language="Русский"))
    await coordinator.send(TEXTS["ru"])
    await coordinator.expect(visible_text("zh", ASK_TEXT, language="Українська"))
    await coordinator.send(TEXTS["uk"])
    await coordinator.expect(visible_text("zh", ASK_FILE))
    await coordinator.send("这不是照片")
    await coordinator.expect(visible_text("zh", NOT_A_FILE))
    before = len(staff_messages(h, STAFF_CHAT))
    await coordinator.send_photo()
    await h.drain()

    shown = staff_messages(h, STAFF_CHAT)[before:]
    previews = [m for m in shown if m.is_photo or m.text.startswith(seen(catalog_text("ru", HEADER)))]
    assert [(m.is_photo, m.text) for m in previews] == [
        (True, notice_seen("zh", TEXTS["zh"])),
        (False, notice_seen("ru", TEXTS["ru"].strip())), (True, None),  # too long for a caption: text, then the photo
        (True, notice_seen("uk", TEXTS["uk"])),
    ]
    confirm = shown[-1]
    assert confirm.text.split("\n") == [
        visible_text("zh", "<b>Above: the notice as each language will see it.</b>"),
        visible_text("zh", "To: {audience}", audience=catalog_text("zh", "residents of {districts}", districts="下洋田社区")),
        catalog_plural("zh", *RECIPIENTS, 4),
        catalog_text("zh", "Send it now?"),
    ]
    send_data = button_data(confirm, catalog_text("zh", "📢 Send"))
    await coordinator.press(catalog_text("zh", "📢 Send"), message=confirm)
    await coordinator.press_data(send_data, message=confirm)  # a double tap: still one notice
    await run_notices(h)

    photo_id = previews[0].photo
    for locale, user in readers.items():
        got = [change.message for change in user.unread()]
        if locale == "ru":
            assert [(m.kind, m.text) for m in got] == [("text", notice_seen("ru", TEXTS["ru"].strip())), ("photo", None)]
        else:
            assert [(m.kind, m.text) for m in got] == [("photo", notice_seen(locale, TEXTS[locale]))]
        assert got[-1].photo == photo_id
    assert elsewhere.unread() == [] and blocked.unread() == []
    notice = await the_notice(h)
    assert (notice.status, notice.sent, notice.unreachable, notice.total) == (NoticeStatus.DONE, 3, 1, 4)
    progress = progress_message(h, notice)
    assert progress.text.split("\n") == [
        visible_text("zh", "📢 <b>Notice №{number}</b> to {audience}", number=notice.id,
                     audience=catalog_text("zh", "residents of {districts}", districts="下洋田社区")),
        catalog_text("zh", "✅ Sent."),
        catalog_plural("zh", *DELIVERED, 3),
        catalog_plural("zh", *UNREACHABLE, 1),
    ]
    assert progress.buttons() == []  # no Cancel once it is sent
    async with h.app.sessions() as session:  # type: ignore[union-attr]
        rows = (await session.exec(select(Outbox).where(col(Outbox.purpose).in_(("notice", "notice_file"))))).all()
    assert {row.priority for row in rows} == {3}  # the lowest class

    await coordinator.send_command("/report today")  # the counts in the report
    await h.drain()
    report = [m.text for m in staff_messages(h, STAFF_CHAT) if not m.is_photo][-1].split("\n")
    heading = report.index(visible_text("zh", "<b>Official notices</b>"))
    assert report[heading + 1] == " · ".join([
        catalog_plural("zh", "{n} notice sent", "{n} notices sent", 1),
        catalog_plural("zh", "reached {n} recipient", "reached {n} recipients", 3),
        catalog_plural("zh", "{n} unreachable", "{n} unreachable", 1)])


@pytest.fixture
async def slow(fake: FakeTelegram, settings: Settings) -> AsyncIterator[Harness]:
    """The bot with a budget of 4 messages a second and one second of notices written ahead; ticks that
    never run by themselves (the test runs them)."""
    limits = settings.limits.model_copy(update={"global_per_second": 4.0})
    ahead = settings.notices.model_copy(update={"lookahead_seconds": 1, "progress_seconds": 0})
    update = {"limits": limits, "notices": ahead, "tick_seconds": 3600}
    async with running(Harness(fake, settings.model_copy(update=update))) as h:
        yield h


async def many_residents(h: Harness, count: int, district_code: str = "fuqin", start: int = 30_000_000) -> list[int]:
    """`count` registered residents made directly; their chat ids."""
    assert h.app is not None
    async with h.app.sessions.begin() as session:
        district = await districts.by_code(session, district_code)
        assert district is not None
        session.add_all(Resident(tg_user_id=start + i, chat_id=start + i, locale=("zh", "ru", "uk")[i % 3],
                                 name=f"居民{i}", district_id=district.id, consent_at=clock.now(),
                                 registered_at=clock.now()) for i in range(count))
    return [start + i for i in range(count)]


async def test_cancel_stops_the_rest_and_only_a_coordinator_may(slow: Harness) -> None:
    """Forty residents of 抚琴街道; the budget writes four a pass. After two passes (the progress message
    shows what was delivered and what remains) the coordinator presses Cancel: the rest never get it. A worker's /notice and a worker's press are refused; a press
    naming another notice (forged) and a second Cancel change nothing."""
    h = slow
    coordinator = await join(h, COORDINATOR_ID, "主任", private=False)
    worker = await join(h, 5001, "王社工", private=False)
    chats = await many_residents(h, 40)

    await worker.send_command("/notice")
    assert worker.last().text == visible_text("zh", "Only a coordinator can do this.")  # type: ignore[union-attr]

    await coordinator.send_command("/notice")
    picker = await coordinator.expect(visible_text("zh", AUDIENCE_Q))
    await worker.press("⬜ 抚琴街道", message=picker)  # not the worker's wizard, nor may they
    await coordinator.press("⬜ 抚琴街道", message=picker)
    assert "☑️ 抚琴街道" in picker.button_texts() and "⬜ 下洋田社区" in picker.button_texts()
    await coordinator.press(catalog_text("zh", "Next ▶️"), message=picker)
    await coordinator.press(catalog_text("zh", "🌐 One version for everyone"),
                            message=await coordinator.expect(visible_text("zh", ASK_TEXT, language="中文")))
    await coordinator.expect(visible_text("zh", ASK_ONE))
    await coordinator.send("社区核酸检测改到周六。")
    await coordinator.press(catalog_text("zh", "No photo or file ▶️"),
                            message=await coordinator.expect(visible_text("zh", ASK_FILE)))
    await h.drain()
    previews = [m for m in staff_messages(h, STAFF_CHAT) if m.text.endswith("社区核酸检测改到周六。")]
    assert [m.text for m in previews] == [notice_seen(code, "社区核酸检测改到周六。") for code in ("zh", "ru", "uk")]
    confirm = staff_messages(h, STAFF_CHAT)[-1]
    assert catalog_plural("zh", *RECIPIENTS, 40) in confirm.text
    await coordinator.press(catalog_text("zh", "📢 Send"), message=confirm)
    await h.drain()

    assert h.app is not None
    await send_notices(h.app)  # four written (one second of a budget of 4 a second)
    notice = await the_notice(h)
    assert (notice.queued, notice.cursor > 0) == (4, True)
    await until(lambda: sum(1 for chat in chats if h.fake.messages.get(chat)) >= 2, timeout=10)
    await asyncio.sleep(1.2)  # the sender records what it delivered at least every second
    await send_notices(h.app)  # the figures changed: the progress message shows them; more are written
    notice = await the_notice(h)
    status, sent, unreachable, skipped, remaining = notice.progress_shown.split(":")  # the figures of that tick
    assert (status, 2 <= int(sent) <= 4, unreachable, skipped, int(remaining)) == ("sending", True, "0", "0", 40 - int(sent))
    progress = progress_message(h, notice)
    expected = [catalog_text("zh", "⏳ Sending…"), catalog_plural("zh", *DELIVERED, int(sent)),
                catalog_plural("zh", *UNREACHABLE, 0), catalog_plural("zh", *REMAINING, 40 - int(sent))]
    await until(lambda: progress.text.split("\n")[1:] == expected, timeout=10)
    stop_label = catalog_text("zh", "⏹ Stop sending")
    await worker.press(stop_label, message=progress)
    assert worker.last_answer["text"] == visible_text("zh", "Only a coordinator can do this.")  # type: ignore[index]
    forged = f"ns:{(notice.id or 0) + 1}"
    await coordinator.press_data(forged, message=progress)
    await coordinator.press(stop_label, message=progress)
    await coordinator.press(stop_label, message=progress)  # a double press
    for _ in range(3):
        await send_notices(h.app)
        await h.drain()

    notice = await the_notice(h)
    assert notice.status == NoticeStatus.CANCELLED and notice.queued <= 8
    got = [chat for chat in chats if h.fake.messages.get(chat)]
    assert len(got) <= 8, f"{len(got)} residents got the notice: more than the two passes before Cancel wrote"
    assert len(got) == notice.sent
    lines = progress_message(h, notice).text.split("\n")
    assert lines[1] == catalog_text("zh", "⏹ Stopped.")
    assert lines[-1] == catalog_plural("zh", *NOT_SENT, 40 - notice.sent)
    assert progress_message(h, notice).buttons() == []


async def test_a_notice_survives_a_restart(slow: Harness) -> None:
    """Twelve residents, four written a pass: the bot restarts after the first pass and the notice goes on
    from its cursor; everyone gets it exactly once and the progress message ends with 12 delivered."""
    h = slow
    await join(h, COORDINATOR_ID, "主任", private=False)
    chats = await many_residents(h, 12)
    assert h.app is not None
    async with h.app.sessions.begin() as session:
        member = (await session.exec(select(Staff).where(Staff.tg_user_id == COORDINATOR_ID))).one()
        district = await districts.by_code(session, "fuqin")
        assert district is not None
        created = await notices.create(session, member, key="restart", chat_id=STAFF_CHAT, thread_id=None,
                                       message_id=None, kind=NoticeAudience.DISTRICTS, district_ids=[district.id or 0],
                                       texts={"zh": "通知", "ru": "Уведомление", "uk": "Повідомлення"}, attachment=None,
                                       file_id=None)
        assert created.notice is not None
    await send_notices(h.app)
    await h.restart()
    await run_notices(h)
    expected = {chat: notice_seen(("zh", "ru", "uk")[i % 3], ("通知", "Уведомление", "Повідомлення")[i % 3])
                for i, chat in enumerate(chats)}
    assert {chat: [m.text for m in h.fake.messages.get(chat, [])] for chat in chats} == {
        chat: [text] for chat, text in expected.items()}
    notice = await the_notice(h)
    assert (notice.status, notice.sent, notice.queued, notice.unreachable) == (NoticeStatus.DONE, 12, 12, 0)


async def test_residents_who_turned_notices_off_get_none(harness: Harness) -> None:
    """A Russian reader sends /notices (off); a notice to all districts reaches only the Ukrainian one and
    the progress message counts the one who turned them off; /notices again turns them on."""
    h = harness
    coordinator = await join(h, COORDINATOR_ID, "主任", private=False)
    muted = await register(h, "ru")
    reader = await register(h, "uk")
    await muted.send_command("/notices")
    await muted.expect(visible_text("ru", "🔕 Official notices are off: you will not receive them. Your requests "
                                          "and daily check-ins go on as before. Send /notices to turn them on again."))
    stored = await resident_of(h, muted)
    assert stored is not None and stored.notices_off

    await coordinator.send_command("/notice")
    picker = await coordinator.expect(visible_text("zh", AUDIENCE_Q))
    await coordinator.press(catalog_text("zh", "🏘 All districts"), message=picker)
    await coordinator.press(catalog_text("zh", "🌐 One version for everyone"),
                            message=await coordinator.expect(visible_text("zh", ASK_TEXT, language="中文")))
    await coordinator.send("Тест")
    await coordinator.press(catalog_text("zh", "No photo or file ▶️"),
                            message=await coordinator.expect(visible_text("zh", ASK_FILE)))
    await h.drain()
    confirm = staff_messages(h, STAFF_CHAT)[-1]
    assert catalog_plural("zh", "of them {n} turned notices off and will be skipped",
                          "of them {n} turned notices off and will be skipped", 1) in confirm.text
    muted.mark_read()
    reader.mark_read()
    await coordinator.press(catalog_text("zh", "📢 Send"), message=confirm)
    await run_notices(h)

    assert muted.unread() == []
    assert [change.text for change in reader.unread()] == [notice_seen("uk", "Тест")]
    notice = await the_notice(h)
    assert catalog_plural("zh", *MUTED, 1) in progress_message(h, notice).text.split("\n")
    assert catalog_plural("zh", *DELIVERED, 1) in progress_message(h, notice).text.split("\n")
    await muted.send_command("/notices")
    await muted.expect(visible_text("ru", "🔔 Official notices from the social workers are on. Send /notices to "
                                          "turn them off."))


@pytest.fixture
async def paced(fake: FakeTelegram, settings: Settings) -> AsyncIterator[Harness]:
    """The bot with a bot-wide budget of 10 messages a second, so a notice to 100 takes seconds."""
    limits = settings.limits.model_copy(update={"global_per_second": 10.0})
    async with running(Harness(fake, settings.model_copy(update={"limits": limits, "tick_seconds": 3600}))) as h:
        yield h


async def test_a_notice_does_not_go_ahead_of_an_urgent_card(paced: Harness) -> None:
    """A notice to 100 residents is written into the outbox and an urgent request's card is queued at the
    same moment: the card goes out within about a second of budget, not after the notice."""
    h = paced
    coordinator = await join(h, COORDINATOR_ID, "主任", private=False)
    chats = await many_residents(h, 100, "xiayangtian")
    assert h.app is not None
    async with h.app.sessions.begin() as session:
        member = (await session.exec(select(Staff).where(Staff.tg_user_id == COORDINATOR_ID))).one()
        district = await districts.by_code(session, "xiayangtian")
        assert district is not None
        created = await notices.create(session, member, key="prio", chat_id=STAFF_CHAT, thread_id=None, message_id=None,
                                       kind=NoticeAudience.DISTRICTS, district_ids=[district.id or 0],
                                       texts={notices.ONE: "通知"}, attachment=None, file_id=None)
        assert created.notice is not None
    await send_notices(h.app)  # all 100 written (a minute of 10 a second has room for 600)
    async with h.app.sessions.begin() as session:
        resident = await session.get(Resident, 1)
        assert resident is not None
        request = Request(resident_id=resident.id or 0, district_id=resident.district_id, kind=RequestKind.SUPPLIES,
                          urgency=Urgency.URGENT, details="药", draft_key="urgent-1")
        session.add(request)
        await session.flush()
        with h.app.i18n.context():
            await Notifier(session, h.app.i18n, h.app.settings).card(request)
    queued_at = len(h.fake.sent_in_order())
    h.app.sender.wake()
    await h.drain(timeout=30)

    sent = h.fake.sent_in_order()
    card_at = next(i for i, m in enumerate(sent) if m.chat_id == STAFF_CHAT and f"№{request.id}" in (m.text or ""))
    notices_at = [i for i, m in enumerate(sent) if m.chat_id in set(chats)]
    assert len(notices_at) == 100
    overtaken = [i for i in notices_at if queued_at <= i < card_at]
    assert len(overtaken) <= 15, f"{len(overtaken)} notice messages went out before the urgent card"
    assert len([i for i in notices_at if i > card_at]) >= 60, "the notice was still going when the card went"
    del coordinator


async def test_a_notice_to_the_staff_goes_to_their_private_chats(harness: Harness) -> None:
    """A wizard left with ✖️ Cancel sends nothing. Then «👥 Staff» with a PDF (a Word file is refused): the
    worker who opened a private chat with the bot gets the PDF with the notice as its caption, in the
    staff chat's language after /chatlang ru."""
    h = harness
    coordinator = await join(h, COORDINATOR_ID, "主任", private=False)
    await coordinator.send_command("/chatlang ru")
    await join(h, 5001, "王社工", private=True)
    worker_private = TgUser(h.fake, 5001, "王社工", language_code="zh")
    worker_private.mark_read()
    await coordinator.send_command("/notice")
    picker = await coordinator.expect(visible_text("ru", AUDIENCE_Q))
    await coordinator.press(catalog_text("ru", "✖️ Cancel"), message=picker)  # changed their mind
    assert picker.text == visible_text("ru", "The notice was cancelled. Nothing was sent.") and picker.buttons() == []
    await coordinator.send_command("/notice")
    picker = await coordinator.expect(visible_text("ru", AUDIENCE_Q))
    await coordinator.press(catalog_text("ru", "👥 Staff"), message=picker)
    await coordinator.press(catalog_text("ru", "🌐 One version for everyone"),
                            message=await coordinator.expect(visible_text("ru", ASK_TEXT, language="中文")))
    await coordinator.send("Собрание в 18:00.")
    await coordinator.expect(visible_text("ru", ASK_FILE))
    await coordinator.send_document("plan.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    await coordinator.expect(visible_text("ru", NOT_A_FILE))
    await coordinator.send_document("plan.pdf")
    await h.drain()
    confirm = staff_messages(h, STAFF_CHAT)[-1]
    assert visible_text("ru", "To: {audience}", audience=catalog_text("ru", "the staff")) in confirm.text.split("\n")
    await coordinator.press(catalog_text("ru", "📢 Send"), message=confirm)
    await run_notices(h)
    got = [change.message for change in worker_private.unread()]
    assert [(m.kind, m.text) for m in got] == [("document", notice_seen("ru", "Собрание в 18:00."))]
    notice = await the_notice(h)
    assert (notice.total, notice.sent) == (1, 1)  # the coordinator never opened a private chat
