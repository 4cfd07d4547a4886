"""End to end: registration in zh/ru/uk, language guessing and switching, command menus, changing details."""

from __future__ import annotations

import pytest

from bot.domain.phones import format_phone
from tests.conftest import Harness
from tests.helpers import (
    ADDRESSES,
    CONSENT,
    DISTRICT_OF,
    DISTRICT_PROMPT,
    FLAG_LABELS,
    FLAGS_PROMPT,
    ITEMS_PROMPT,
    LANGUAGE_QUESTION,
    MENU,
    NAME_PROMPT,
    PHONE_PROMPT,
    PHONES,
    chat_scope,
    district_code,
    district_title,
    expected_commands,
    new_user,
    register,
    resident_of,
    catalog_text,
    visible_text,
)

LOCALES = ("zh", "ru", "uk")
NAMES = {"zh": "林婆婆", "ru": "Мария Ивановна", "uk": "Олена Петрівна"}


@pytest.mark.parametrize("locale", LOCALES)
async def test_registration_by_buttons(harness: Harness, locale: str) -> None:
    """Consent, Telegram name button, shared contact, address, district, flag toggles, Done."""
    user = new_user(harness, locale, first_name=NAMES[locale])
    await user.send_command("/start")
    consent = await user.expect(visible_text(locale, CONSENT))
    assert consent.button_texts() == [catalog_text(locale, "✅ I agree"), catalog_text(locale, "I do not agree")]
    assert await resident_of(harness, user) is None  # nothing stored before consent

    await user.press(catalog_text(locale, "✅ I agree"))
    await user.expect(visible_text(locale, NAME_PROMPT))
    assert NAMES[locale] in user.keyboard_labels()  # the «use my Telegram name» button
    await user.tap(NAMES[locale])
    await user.expect(visible_text(locale, PHONE_PROMPT))
    assert catalog_text(locale, "📱 Share my phone number") in user.keyboard_labels()
    await user.tap(catalog_text(locale, "📱 Share my phone number"))  # sends the contact
    await user.send(ADDRESSES[locale])
    readback = await user.expect(ADDRESSES[locale])  # read back before it is stored
    assert readback.button_texts() == [catalog_text(locale, "✅ Correct"), catalog_text(locale, "✏️ Change")]
    await user.press(catalog_text(locale, "✅ Correct"))
    await user.expect(visible_text(locale, DISTRICT_PROMPT))
    await user.press(district_title(DISTRICT_OF[locale], locale))
    flags_message = await user.expect(visible_text(locale, FLAGS_PROMPT))
    for flag in ("lives_alone", "over_65", "chronic_illness", "chronic_illness"):  # the last one toggles off
        await user.press(catalog_text(locale, FLAG_LABELS[flag]), message=flags_message)
    labels = user.fake.find_message(user.chat_id, flags_message.message_id).button_texts()
    assert "☑️ " + catalog_text(locale, FLAG_LABELS["lives_alone"]) in labels
    assert "☑️ " + catalog_text(locale, FLAG_LABELS["over_65"]) in labels
    assert "⬜ " + catalog_text(locale, FLAG_LABELS["chronic_illness"]) in labels
    assert "⬜ " + catalog_text(locale, FLAG_LABELS["disability"]) in labels
    await user.press(catalog_text(locale, "✅ Done"))
    await user.expect(visible_text(locale, "✅ You are registered. Whenever you need help, choose below."))
    assert set(user.keyboard_labels()) == {catalog_text(locale, label) for label in MENU.values()}

    resident = await resident_of(harness, user)
    assert resident is not None
    assert (resident.locale, resident.name, resident.phone, resident.address) == (
        locale, NAMES[locale], PHONES[locale], ADDRESSES[locale]
    )
    assert await district_code(harness, resident.district_id) == DISTRICT_OF[locale]
    assert (resident.lives_alone, resident.over_65, resident.disability, resident.chronic_illness) == (
        True, True, False, False
    )
    assert resident.consent_at is not None and resident.registered_at is not None


async def test_typed_name_and_chinese_phone(harness: Harness) -> None:
    """A typed name and a number typed the way people say it (region CN) are stored normalised."""
    user = await register(harness, "zh", name="  林婆婆  ", typed_phone="138 0013 8000", phone="+8613900000000")
    resident = await resident_of(harness, user)
    assert resident is not None
    assert resident.name == "林婆婆"
    assert resident.phone == "+8613800138000"


async def test_consent_refused_stores_nothing(harness: Harness) -> None:
    """Refusing the privacy notice stores nothing and still gives the emergency numbers."""
    user = new_user(harness, "ru")
    await user.send_command("/start")
    await user.press(catalog_text("ru", "I do not agree"))
    refusal = await user.expect(visible_text("ru", "We store nothing without your consent. If you change your mind, send /start.\n\n"))
    assert "120" in refusal.text and "110" in refusal.text
    assert await resident_of(harness, user) is None


@pytest.mark.parametrize(
    ("language_code", "locale"), [("zh-hant-tw", "zh"), ("zh-hans-raw", "zh"), ("uk", "uk"), ("ru", "ru")]
)
async def test_language_guessed_from_telegram(harness: Harness, language_code: str, locale: str) -> None:
    """Telegram's language_code, however spelled, picks the locale without asking."""
    user = harness.user(language_code=language_code)
    await user.send_command("/start")
    await user.expect(visible_text(locale, CONSENT))
    assert LANGUAGE_QUESTION not in user.texts()
    await user.press(catalog_text(locale, "✅ I agree"))
    await user.expect(visible_text(locale, NAME_PROMPT))
    resident = await resident_of(harness, user)
    assert resident is not None and resident.locale == locale


@pytest.mark.parametrize("language_code", [None, "en"])
async def test_language_picker_first_when_unsure(harness: Harness, language_code: str | None) -> None:
    """No or an unsupported language_code: the picker comes first, then everything is in the choice."""
    user = harness.user(language_code=language_code, phone=PHONES["uk"])
    await user.send_command("/start")
    picker = await user.expect(LANGUAGE_QUESTION)
    assert picker.button_texts() == ["中文", "Русский", "Українська"]
    await user.press("Українська")
    await user.expect(visible_text("uk", "Language: {name}", name="Українська"))
    await user.expect(visible_text("uk", CONSENT))
    assert user.fake.get_commands(chat_scope(user)) == expected_commands("uk")
    await register(harness, "uk", user=user)  # /start continues the unfinished registration in Ukrainian
    resident = await resident_of(harness, user)
    assert resident is not None and resident.locale == "uk" and resident.registered_at is not None


async def test_language_switch_mid_wizard(harness: Harness) -> None:
    """/language at any time: the next messages and the chat's command menu are in the new language."""
    user = await register(harness, "zh")
    await user.tap(catalog_text("zh", MENU["supplies"]))
    await user.expect(visible_text("zh", ITEMS_PROMPT))
    await user.send_command("/language")
    await user.expect(LANGUAGE_QUESTION)
    await user.press("Русский")
    await user.expect(visible_text("ru", "Language: {name}", name="Русский"))
    await user.expect(visible_text("ru", ITEMS_PROMPT))  # the same step, asked again in Russian
    assert user.fake.get_commands(chat_scope(user)) == expected_commands("ru")
    resident = await resident_of(harness, user)
    assert resident is not None and resident.locale == "ru"

    await user.send("хлеб, молоко 2 л")
    await user.expect("1. хлеб")
    await user.press(catalog_text("ru", "✅ Yes, that's right"))
    await user.expect(visible_text("ru", "How urgent is it?"))

    await user.send_command("/language")
    await user.press("Українська")
    await user.expect(visible_text("uk", "How urgent is it?"))
    assert user.fake.get_commands(chat_scope(user)) == expected_commands("uk")
    await user.send_command("/cancel")
    await user.expect(visible_text("uk", "Cancelled. Nothing was sent."))
    assert set(user.keyboard_labels()) == {catalog_text("uk", label) for label in MENU.values()}


async def test_command_menus_set_per_language_at_startup(harness: Harness) -> None:
    """setMyCommands for zh, ru, uk and the default (the deployment's default locale)."""
    for locale in LOCALES:
        assert harness.fake.get_commands(None, locale) == expected_commands(locale)
    assert harness.fake.get_commands(None) == expected_commands(harness.settings.default_locale)


@pytest.mark.parametrize("locale", LOCALES)
async def test_change_phone_and_district_from_my_details(harness: Harness, locale: str) -> None:
    """«👤 My details» shows what is stored; one field at a time can be changed."""
    user = await register(harness, locale, name=NAMES[locale])
    await user.tap(catalog_text(locale, MENU["profile"]))
    details = await user.expect(visible_text(locale, "<b>Your details</b>"))
    assert visible_text(locale, "Name: {value}", value=NAMES[locale]) in details.text
    assert visible_text(locale, "Phone: {value}", value=format_phone(PHONES[locale])) in details.text
    assert visible_text(locale, "Address: {address}", address=ADDRESSES[locale]) in details.text

    await user.press(catalog_text(locale, "Change: {field}", field=catalog_text(locale, "Phone")))
    await user.expect(visible_text(locale, PHONE_PROMPT))
    await user.send("+86 139 1234 5678")
    saved = await user.expect(visible_text(locale, "Saved."))
    assert visible_text(locale, "Phone: {value}", value="+86 139 1234 5678") in saved.text

    await user.press(catalog_text(locale, "Change: {field}", field=catalog_text(locale, "District")), message=saved)
    await user.expect(visible_text(locale, DISTRICT_PROMPT))
    await user.press(district_title("fuqin", locale))
    saved = await user.expect(visible_text(locale, "Saved."))
    assert visible_text(locale, "District: {district}", district=district_title("fuqin", locale)) in saved.text

    resident = await resident_of(harness, user)
    assert resident is not None
    assert resident.phone == "+8613912345678"
    assert await district_code(harness, resident.district_id) == "fuqin"
    assert (resident.name, resident.address, resident.locale) == (NAMES[locale], ADDRESSES[locale], locale)
    assert resident.lives_alone and resident.over_65  # untouched flags survive an edit


async def test_back_while_changing_a_detail_returns_to_my_details(harness: Harness) -> None:
    """«◀️ Back» on the district or situation question of «My details» leads back, not nowhere."""
    user = await register(harness, "ru", name=NAMES["ru"])
    await user.tap(catalog_text("ru", MENU["profile"]))
    details = await user.expect(visible_text("ru", "<b>Your details</b>"))
    for field, question in (("District", DISTRICT_PROMPT), ("My situation", FLAGS_PROMPT)):
        await user.press(catalog_text("ru", "Change: {field}", field=catalog_text("ru", field)), message=details)
        await user.expect(visible_text("ru", question))
        replies = await user.press(catalog_text("ru", "◀️ Back"))
        assert any(m.text.startswith(visible_text("ru", "<b>Your details</b>")) for m in replies), [m.text for m in replies]
        details = next(m for m in replies if m.text.startswith(visible_text("ru", "<b>Your details</b>")))
    resident = await resident_of(harness, user)
    assert resident is not None and await district_code(harness, resident.district_id) == DISTRICT_OF["ru"]
    assert resident.lives_alone and resident.over_65


async def test_delete_erases_personal_data_and_keeps_anonymous_counts(harness: Harness) -> None:
    """/delete asks first; yes erases name, phone, address and request details, cancels open requests
    (their staff card says so) and stops check-ins; the request rows stay for statistics."""
    from db.models import CheckinPlan, RequestStatus, Resident
    from tests.helpers import all_requests, items_of, send_request, staff_messages, supplies_to_summary
    from tests.conftest import STAFF_CHAT
    from sqlmodel import select

    user = await register(harness, "ru")
    await user.press(catalog_text("ru", "✅ Yes, every day at {time}", time="09:00"))
    summary = await supplies_to_summary(user, "ru", "хлеб, молоко 2 л, гречка")
    await send_request(user, "ru", summary)
    await harness.drain()
    await user.send_command("/delete")
    await user.press(catalog_text("ru", "No, keep it"))
    before = await resident_of(harness, user)
    assert before is not None and before.name is not None
    await user.send_command("/delete")
    await user.press(catalog_text("ru", "Yes, delete my data"))
    await user.expect(visible_text("ru", "Your personal data has been deleted. Send /start if you need help again."))
    await harness.drain()
    assert await resident_of(harness, user) is None  # not even the Telegram id is kept
    assert harness.app is not None
    async with harness.app.sessions() as session:
        resident = await session.get(Resident, before.id)
    assert resident is not None  # an anonymous shell the requests still count against
    assert (resident.name, resident.phone, resident.address, resident.consent_at) == (None, None, None, None)
    (request,) = await all_requests(harness)
    assert (request.status, request.address, request.details) == (RequestStatus.CANCELLED, None, None)
    assert {name for name, _ in await items_of(harness, request.id)} == {""}
    card = next(m for m in staff_messages(harness, STAFF_CHAT) if f"№{request.id} ·" in m.text)
    assert visible_text("zh", "🚫 Cancelled by the resident") in card.text and "хлеб" not in card.text
    assert harness.app is not None
    async with harness.app.sessions() as session:
        plan = (await session.exec(select(CheckinPlan))).one()
    assert (plan.active, plan.next_due_at) == (False, None)
