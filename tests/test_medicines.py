"""Medicine that never runs out end to end (issue #16, part 2): recorded under «My details» or with /meds,
reminded MEDICINES__REMIND_DAYS_BEFORE (3) days before it runs out at 09:00 in the resident's own
timezone, one tap to a filled-in request at the summary, the run-out day moved on by a received refill,
/meds listing «do not interrupt» first, and a «do not interrupt» reminder with no answer escalated."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlmodel import select

from bot.app import remind_medicines
from bot.core import clock
from db.models import Medicine, RequestKind, RequestStatus, Resident
from tests.conftest import STAFF_CHAT, Harness
from tests.conversation import TgUser
from tests.helpers import (
    button_data,
    catalog_plural,
    catalog_text,
    check_title,
    register,
    requests_of,
    resident_of,
    send_request,
    visible_text,
)
from tests.test_staff import card_of, file_request, join

MOSCOW = ZoneInfo("Europe/Moscow")


async def set_timezone(harness: Harness, user: TgUser, tz: str) -> None:
    """The resident lives in another timezone than the deployment (Asia/Shanghai)."""
    resident = await resident_of(harness, user)
    assert harness.app is not None and resident is not None
    async with harness.app.sessions.begin() as session:
        row = await session.get(Resident, resident.id)
        assert row is not None
        row.timezone = tz


async def medicines_of(harness: Harness, user: TgUser) -> list[Medicine]:
    resident = await resident_of(harness, user)
    assert harness.app is not None and resident is not None
    async with harness.app.sessions() as session:
        return list((await session.exec(select(Medicine).where(Medicine.resident_id == resident.id))).all())


async def tick_at(harness: Harness, at: datetime) -> None:
    """Move the clock to `at` and run the medicine tick."""
    assert harness.app is not None
    clock.advance(at - clock.now())
    await remind_medicines(harness.app)
    await harness.drain()


async def test_ten_days_left_reminds_on_the_right_day_in_moscow_and_one_tap_orders_it(harness: Harness) -> None:
    """ru, Europe/Moscow (5 hours behind the deployment): 10 days left → reminded 7 days on at 09:00
    Moscow time with «3 days»; «Order it» gives the summary filled in; the refill received moves the
    run-out day on by 10 days."""
    worker = await join(harness, 5001, "Ирина")
    user = await register(harness, "ru", flags=())
    await set_timezone(harness, user, "Europe/Moscow")
    await user.send(catalog_text("ru", "👤 My details"))
    await user.press(catalog_text("ru", "💊 My medicines"))
    await user.expect(visible_text("ru", "<b>My medicines</b>\nNothing recorded yet. Record a medicine you take regularly, "
                                         "and we will remind you a few days before it runs out."))
    await user.press(catalog_text("ru", "➕ Record a medicine"))
    await user.expect(visible_text("ru", "Write the medicine, the dose and how many days your current supply lasts (or "
                                         "the date it runs out), separated by «;».\nFor example: <i>Metformin; 500 mg twice a day; 10</i>"))
    await user.send("Метформин; 500 мг; скоро")
    await user.expect(visible_text("ru", "I could not read the number of days or the date."))
    recorded_at = clock.now()
    await user.send("Метформин; 500 мг два раза в день; 10")
    await user.press(catalog_text("ru", "No"))
    await user.expect("Метформин 500 мг два раза в день")
    (medicine,) = await medicines_of(harness, user)
    today = recorded_at.astimezone(MOSCOW).date()
    assert (medicine.runs_out_on, medicine.days_supply, medicine.do_not_interrupt) == (today + timedelta(days=10), 10, False)
    due = datetime.combine(today + timedelta(days=7), time(9, 0), tzinfo=MOSCOW)
    assert medicine.remind_at == due

    await tick_at(harness, due - timedelta(minutes=1))
    await user.expect_nothing_more()
    await tick_at(harness, due + timedelta(seconds=1))
    reminder = await user.expect(visible_text("ru", "Shall we order more? One tap, and you check the request before it is sent."))
    resident = await resident_of(harness, user)
    assert resident is not None and resident.name
    assert reminder.text.startswith(catalog_plural(
        "ru", "💊 {name}, your {medicine} runs out in {n} day, on {date}.",
        "💊 {name}, your {medicine} runs out in {n} days, on {date}.", 3,
        name=resident.name, medicine="Метформин 500 мг два раза в день",
        # «… закончится через 3 дня, 10 дек. 2026 г.»: the sentence's full stop is the abbreviation's, not «г..»
        date=format_date(today + timedelta(days=10), "medium", locale="ru").removesuffix(".")))
    assert ".." not in reminder.text
    await tick_at(harness, due + timedelta(minutes=5))  # reminded once
    await user.expect_nothing_more()

    order = button_data(reminder, catalog_text("ru", "🛒 Order it"))
    await user.press(catalog_text("ru", "🛒 Order it"), message=reminder)
    summary = await user.expect(check_title("ru"))
    await user.press_data(order, message=reminder)  # a double tap: no second summary
    await user.expect_nothing_more()
    ordered = catalog_plural("ru", "{medicine}: enough for {n} day", "{medicine}: enough for {n} days", 10,
                             medicine="Метформин 500 мг два раза в день")
    assert ordered in summary.text
    await send_request(user, "ru", summary)
    await harness.drain()
    (request,) = await requests_of(harness, user)
    assert (request.kind, request.medicine, request.answers) == (RequestKind.MEDICINE, ordered, {"refill": str(medicine.id)})
    card = card_of(harness, request)
    assert ordered in card.text
    await user.press_data(order, message=reminder)  # the old reminder pressed again after sending: no second request
    await user.expect(visible_text("ru", "You have already ordered it: request {number}.", number=f"№{request.id}"))
    assert len(await requests_of(harness, user)) == 1
    await worker.press(f"№{request.id}", message=card)
    await harness.drain()
    await worker.press(catalog_text("zh", "✅ Done"), message=card_of(harness, request))
    await harness.drain()
    await user.press(catalog_text("ru", "👍 Received"))
    await harness.drain()
    (moved,) = await medicines_of(harness, user)
    assert moved.runs_out_on == today + timedelta(days=20) and moved.request_id == request.id
    assert moved.remind_at == datetime.combine(today + timedelta(days=17), time(9, 0), tzinfo=MOSCOW)


async def test_do_not_interrupt_first_in_meds_and_silence_escalates(harness: Harness) -> None:
    """zh: a worker records two medicines with /meds (one «do not interrupt»); /meds lists it first; its
    reminder gets no answer within CHECKINS__ESCALATE_AFTER_MINUTES (120) → an urgent wellbeing card."""
    await join(harness, 5001, "王社工")
    worker = harness.staff(5001, "王社工")
    lin, first = await file_request(harness, "zh")
    other, second = await file_request(harness, "zh")
    await worker.send_command("/meds №99999 二甲双胍; 500毫克; 10")
    await worker.expect(visible_text("zh", "Use: /meds (who runs out in the next 7 days), or /meds №N name; dose; days or date[; !] "
                                           "to record a regular medicine for the resident of request №N («!»: psychiatric treatment, do not interrupt)."))
    await worker.send_command(f"/meds №{second.id} 二甲双胍; 500毫克; 6")
    await worker.send_command(f"/meds №{first.id} 奥氮平; 5毫克 每晚; 7; 不可中断")
    recorded = await worker.expect("奥氮平 5毫克 每晚 🧠")
    today = clock.now().astimezone(ZoneInfo("Asia/Shanghai")).date()
    assert visible_text("zh", "💊 Recorded for the resident of request {number}: {medicine}{marker}, runs out on {date}.",
                        number=f"№{first.id}", medicine="奥氮平 5毫克 每晚", marker=" 🧠",
                        date=format_zh(today + timedelta(days=7))) == recorded.text
    await worker.send_command("/meds")
    listing = await worker.expect(catalog_plural("zh", "<b>💊 {n} medicine runs out in the next 7 days</b>",
                                                 "<b>💊 {n} medicines run out in the next 7 days</b>", 2).replace("<b>", "").replace("</b>", ""))
    lines = listing.text.split("\n")
    assert lines[1].startswith("🧠 ") and "奥氮平" in lines[1] and "二甲双胍" in lines[2]

    (medicine,) = await medicines_of(harness, lin)
    assert medicine.do_not_interrupt and medicine.remind_at is not None
    await tick_at(harness, medicine.remind_at + timedelta(seconds=1))
    await lin.expect(visible_text("zh", "This treatment must not be interrupted: if you do not answer, a social worker will call you."),
                     since_start=True)
    reason = visible_text("zh", "No answer to the reminder that a medicine marked «do not interrupt» (psychiatric treatment) runs out soon.")
    await tick_at(harness, clock.now() + timedelta(minutes=119))
    assert not any(reason in m.text for m in harness.fake.messages[STAFF_CHAT])
    await tick_at(harness, clock.now() + timedelta(minutes=2))
    cards = [m for m in harness.fake.messages[STAFF_CHAT] if reason in m.text]
    assert len(cards) == 1 and catalog_text("zh", "✅ Reached, all fine") in cards[0].button_texts()
    mine = await requests_of(harness, lin)
    assert [r.kind for r in mine].count(RequestKind.WELLBEING) == 1
    assert next(r for r in mine if r.kind == RequestKind.WELLBEING).status == RequestStatus.NEW
    await tick_at(harness, clock.now() + timedelta(hours=3))  # escalated once
    assert len([m for m in harness.fake.messages[STAFF_CHAT] if reason in m.text]) == 1
    (plain,) = await medicines_of(harness, other)
    assert plain.escalate_at is None  # an ordinary medicine never escalates


def format_zh(day: date) -> str:
    """A date as the zh texts show it."""
    return format_date(day, "medium", locale="zh")


async def test_my_medicines_in_uk_with_a_date_do_not_interrupt_and_stop(harness: Harness) -> None:
    """uk: a medicine recorded with its run-out date and «do not interrupt» is listed with 🧠 and the date in
    Ukrainian; «🗑 No longer» removes it and its reminder; a forged stop of another's medicine changes nothing."""
    user = await register(harness, "uk", flags=())
    await user.send(catalog_text("uk", "👤 My details"))
    await user.press(catalog_text("uk", "💊 My medicines"))
    await user.press(catalog_text("uk", "➕ Record a medicine"))
    runs_out = clock.now().astimezone(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=20)
    await user.send(f"Кветіапін; 25 мг на ніч; {runs_out.isoformat()}")
    await user.expect(visible_text("uk", "{medicine}\nIs it psychiatric treatment that must not be interrupted? Then a social "
                                         "worker is told if you do not answer its reminder.",
                                   medicine=f"Кветіапін; 25 мг на ніч; {runs_out.isoformat()}"))
    await user.press(catalog_text("uk", "🧠 Yes, do not interrupt"))
    listing = await user.expect(visible_text("uk", "• {medicine}{marker}: until {date}", medicine="Кветіапін 25 мг на ніч",
                                             marker=" 🧠", date=format_date(runs_out, "medium", locale="uk")))
    (medicine,) = await medicines_of(harness, user)
    assert (medicine.do_not_interrupt, medicine.days_supply, medicine.runs_out_on) == (True, 20, runs_out)
    stranger = await register(harness, "uk", flags=())
    await stranger.press_data(f"md:s:{medicine.id}", message=stranger.last())
    assert stranger.last_answer is not None
    assert stranger.last_answer["text"] == catalog_text("uk", "This button is no longer active.")
    assert len(await medicines_of(harness, user)) == 1 and (await medicines_of(harness, user))[0].active
    await user.press(catalog_text("uk", "🗑 No longer: {name}", name="Кветіапін"), message=listing)
    await user.expect(visible_text("uk", "<b>My medicines</b>\nNothing recorded yet. Record a medicine you take regularly, "
                                         "and we will remind you a few days before it runs out."))
    (stopped,) = await medicines_of(harness, user)
    assert not stopped.active and stopped.remind_at is None


async def test_text_instead_of_the_do_not_interrupt_buttons_asks_again(harness: Harness) -> None:
    """zh: a text where the buttons were expected gets the hint and the question again, nothing is recorded
    until a press."""
    user = await register(harness, "zh", flags=())
    await user.send(catalog_text("zh", "👤 My details"))
    await user.press(catalog_text("zh", "💊 My medicines"))
    await user.press(catalog_text("zh", "➕ Record a medicine"))
    await user.send("二甲双胍；500毫克；10天")
    await user.expect("二甲双胍；500毫克；10天")
    user.mark_read()
    await user.send("嗯")
    again = await user.expect("二甲双胍；500毫克；10天")
    assert catalog_text("zh", "🧠 Yes, do not interrupt") in again.button_texts()
    assert await medicines_of(harness, user) == []
    await user.press(catalog_text("zh", "No"), message=again)
    await user.expect("二甲双胍 500毫克")
    (medicine,) = await medicines_of(harness, user)
    assert (medicine.days_supply, medicine.do_not_interrupt) == (10, False)
