"""/needs through the real bot: the open supplies summed by name and unit (2斤 + 1斤 青菜 = 3斤, or 1.5 kg
when asked), "一包5公斤重的大米" listed with its request, medicines by name and dose with the number of
residents, resident text escaped, the delivery round with addresses only privately; plus the split at
Telegram's 4096 characters (reading the amounts themselves: tests/unit/test_quantities.py)."""

from __future__ import annotations

from bot.domain.quantities import add_up
from bot.services.needs import Needs
from bot.services.reports import Scope
from bot.ui import needs_texts
from tests.conftest import COORDINATOR_ID, STAFF_CHAT, Harness
from tests.helpers import (
    _catalogue, catalog_plural, catalog_text, register, staff_messages, submit, to_summary, visible_text,
)
from tests.test_staff import file_request, join

REQUESTS = ("{n} request", "{n} requests")
RESIDENTS = ("{n} resident", "{n} residents")


def group_texts(harness: Harness, since: int) -> list[str]:
    """The bot's texts in the staff chat after message number `since`."""
    return [m.text for m in staff_messages(harness, STAFF_CHAT)[since:]]


async def test_needs_list_in_the_group_and_the_round_privately(harness: Harness) -> None:
    coordinator = await join(harness, COORDINATOR_ID, "主任")  # with a private chat: gets the round
    worker = await join(harness, 5001, "王社工", private=False)
    _, first = await file_request(harness, "zh")  # 2斤青菜、2斤肉、一包5公斤重的大米
    _, second = await file_request(harness, "zh", "1斤青菜、牛奶 2盒、<b>糖</b> 1包")
    pills = []
    for text in ("布洛芬 200mg 两盒", "布洛芬 200毫克"):
        user = await register(harness, "zh")
        pills.append(await submit(harness, user, "zh", await to_summary(user, "zh", "medicine", text)))
    await harness.drain()

    before = len(staff_messages(harness, STAFF_CHAT))
    await coordinator.send_command("/needs")
    await harness.drain()
    (text,) = group_texts(harness, before)
    lines = text.split("\n")
    request = lambda n: catalog_plural("zh", *REQUESTS, n)  # noqa: E731
    assert f"• 青菜 — {catalog_text('zh', '{n} jin', n=3)} · {request(2)}" in lines
    assert f"• 肉 — {catalog_text('zh', '{n} jin', n=2)} · {request(1)}" in lines
    assert f"• 牛奶 — {catalog_plural('zh', '{n} box', '{n} boxes', 2)} · {request(1)}" in lines
    assert f"• <b>糖</b> — {catalog_plural('zh', '{n} pack', '{n} packs', 1)} · {request(1)}" in lines  # as typed, not bold
    assert visible_text("zh", "<b>Quantity not read</b> (check the request)") in lines
    assert f"• №{first.id} 大米 — 一包5公斤重" in lines
    assert f"• 布洛芬 200 mg — {catalog_plural('zh', *RESIDENTS, 2)} (№{pills[0].id}, №{pills[1].id})" in lines
    assert lines[-1] == visible_text("zh", "The delivery round (addresses) was sent to you privately.")
    assert "501" not in text  # no address in the group
    raw = staff_messages(harness, STAFF_CHAT)[-1].raw or ""
    assert "&lt;b&gt;糖&lt;/b&gt;" in raw

    private = harness.fake.messages[COORDINATOR_ID][-1].text
    assert private.startswith(visible_text("zh", "<b>Delivery round</b> · {where}", where=catalog_text("zh", "all districts")))
    assert f"№{first.id}: 青菜 2斤, 肉 2斤, 大米 一包5公斤重" in private
    assert f"№{pills[0].id}: 💊 布洛芬 200mg 两盒" in private

    before = len(staff_messages(harness, STAFF_CHAT))
    await worker.send_command("/needs kg")  # a worker without a private chat: told how to get the round
    await harness.drain()
    (text,) = group_texts(harness, before)
    lines = text.split("\n")
    assert f"• 青菜 — {catalog_text('zh', '{n} kg', n='1.5')} · {request(2)}" in lines
    assert lines[-1] == visible_text(
        "zh", "To get the delivery round with the addresses, open a private chat with me and press Start.")
    await worker.send_command("/needs week")
    assert worker.last().text == visible_text(  # type: ignore[union-attr]
        "zh", "Use: /needs, /needs followed by a district code, and «kg» to count 斤 and 克 in kilograms.")
    assert second.id is not None


async def test_needs_when_nothing_is_open(harness: Harness) -> None:
    coordinator = await join(harness, COORDINATOR_ID, "Координатор", private=False)
    await coordinator.send_command("/chatlang uk")
    await coordinator.send_command("/needs fuqin")
    await harness.drain()
    assert staff_messages(harness, STAFF_CHAT)[-1].text.split("\n")[1] == visible_text(
        "uk", "No open supplies or medicine requests.")



def test_a_long_list_is_split_at_telegrams_limit() -> None:
    items = [(i, f"商品{i:04d}" + "很长的名字" * 5, "1斤") for i in range(1, 400)]
    lines, unread = add_up(items)
    needs = Needs(Scope([], True), lines, unread, [], [], False, False)
    settings = None
    with _catalogue().context(), _catalogue().use_locale("zh"):
        messages = needs_texts.render(needs, settings, "zh", None)  # type: ignore[arg-type]
    assert len(messages) > 1 and all(len(m) <= 4096 for m in messages)
    shown = "\n".join(messages)
    assert all(f"商品{i:04d}" in shown for i in range(1, 400))
