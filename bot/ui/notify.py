"""Notifier: turns decisions into outbox rows (cards, status messages, reminders) in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.ui import keyboards as kb
from bot.ui import checkin_texts, followup_texts, medicine_texts, notice_texts, staff_texts, texts, volunteer_texts
from bot.core import clock
from bot.core.config import Settings
from bot.domain.items import Item
from bot.domain.priority import is_urgent, outbox_priority
from bot.domain import uploads
from bot.services import decisions as d
from db.models import (
    Checkin, Delivery, DeliveryStatus, District, FollowUp, Medicine, Notice, NoticeStatus, Request, RequestKind,
    RequestStatus, Resident, Staff, Volunteer,
)
from db.repo import districts, outbox, residents
from db.repo import notices as notices_repo
from db.repo import requests as requests_repo
from db.repo import staff as staff_repo
from db.repo import volunteers as volunteers_repo

SYNC_CARD = outbox.SYNC_CARD
#: Outbox purposes whose sent message ids are kept (bot.app), so that the messages can be edited and a
#: press on them checked: a volunteer's application card, a delivery card, a taker's private copy.
VOLUNTEER_CARD = "volunteer_card"
DELIVERY_CARD = "delivery_card"
DELIVERY_COPY = "delivery_copy"
#: Messages that name a volunteer (the resident's «a volunteer is bringing», the worker's «came back»): their
#: ids are kept so that the name can be replaced when the volunteer erases their data.
VOLUNTEER_NAMED = "volunteer_named"
#: Telegram sends at most 10 photos in one album (sendMediaGroup)
ALBUM_MAX = 10


class Notifier:
    """Everything the services tell people, queued in the caller's transaction."""

    def __init__(self, session: AsyncSession, i18n: I18n, settings: Settings) -> None:
        self.session = session
        self.i18n = i18n
        self.settings = settings
        #: the language of private chats whose volunteer row no longer holds their Telegram id (erased)
        self.chat_locales: dict[int, str] = {}

    async def tell(self, told: Iterable[d.Decision]) -> None:
        """Render and queue what the services decided, in order, in this transaction."""
        for news in told:
            match news:
                case d.CardChanged(request):
                    await self.card(request)
                case d.Confirmed(resident, request):
                    self.confirmation(resident, request)
                case d.DetailsOwed(request, member):
                    await self.worker_details(request, member)
                case d.StatusChanged(request, member, status):
                    await self.resident_status(request, member, status)
                case d.Transferred(request, target, reason):
                    await self.resident_transferred(request, target, reason)
                case d.WroteAgain(request, member, text, voice, photo):
                    await self.follow_up(request, member, text, voice, photo)
                case d.Corrected(request, text):
                    await self.correction(request, text)
                case d.DetailsRemoved(chat_id, message_id, request_id, method, retention_days):
                    await self.details_removed(chat_id, message_id, request_id, method, retention_days)
                case d.CheckinDue(resident, checkin, reminder):
                    await self.checkin(resident, checkin, reminder)
                case d.SlaAlert(request, d.SlaAction.REMIND):
                    await self.reminder(request)
                case d.SlaAlert(request, d.SlaAction.ESCALATE):
                    await self.escalation(request)
                case d.SlaAlert(request, d.SlaAction.NUDGE):
                    await self.nudge(request)
                case d.NotReceived(request):
                    await self.not_received(request)
                case d.MemberLeft(chat_id, member, released, coordinator):
                    await self.member_left(chat_id, member, released, coordinator)
                case d.VolunteerApplied(volunteer):
                    await self.volunteer_applied(volunteer)
                case d.VolunteerDecided(volunteer, member, status):
                    await self.volunteer_decided(volunteer, member)
                case d.DeliveryOffered(delivery, request):
                    await self.delivery_offered(delivery, request)
                case d.DeliveryTaken(delivery, request, volunteer):
                    await self.delivery_taken(delivery, request, volunteer)
                case d.DeliveryMoved(delivery, request, volunteer, status):
                    await self.delivery_moved(delivery, request, volunteer, status)
                case d.DeliveryPhoto(delivery, request, file_id):
                    await self.delivery_photo(delivery, request, file_id)
                case d.DeliveryStalled(delivery, request):
                    await self.delivery_stalled(delivery, request)
                case d.FollowUpDue(resident, followup, worker):
                    self.follow_up_question(resident, followup, worker)
                case d.FollowUpHeard(followup, request, worker):
                    await self.follow_up_heard(followup, request, worker)
                case d.MedicineDue(resident, medicine):
                    self.medicine_reminder(resident, medicine)
                case d.NoticeDue(notice, recipient):
                    await self.notice(notice, recipient)
                case d.NoticeProgress(notice):
                    await self.notice_progress(notice)
                case d.VolunteerErased(volunteer, tg_user_id, locale, finished):
                    await self.volunteer_erased(volunteer, tg_user_id, locale, finished)
                case d.MentionRemoved(chat_id, message_id, request_id, text, names, resident_id):
                    await self.mention_removed(chat_id, message_id, request_id, text, names, resident_id)
                case _:
                    raise TypeError(f"the Notifier cannot tell {type(news).__name__}")

    def confirmation(self, resident: Resident, request: Request) -> None:
        """The resident's confirmation of a filed request, with the main menu."""
        assert resident.chat_id is not None, "only a resident who talks to the bot files requests"
        with self.i18n.use_locale(resident.locale):
            text, markup = texts.confirmation(request), kb.main_menu()
        self._enqueue(
            resident.chat_id, "sendMessage",
            {"chat_id": resident.chat_id, "text": text, "reply_markup": markup.model_dump(exclude_none=True)},
            purpose="confirmation", resident_id=resident.id, request_id=request.id,
        )

    async def chat_of(self, request: Request) -> tuple[int, int | None]:
        """The staff chat (and forum topic) serving the request's district."""
        district = await districts.by_id(self.session, request.district_id)
        chat = (district.staff_chat_id if district else None) or self.settings.staff_chat_id
        return await districts.resolve_chat(self.session, chat), district.topic_id if district else None

    async def staff_locale(self, chat_id: int) -> str:
        """A staff chat's language."""
        return await staff_repo.chat_locale(self.session, chat_id) or self.settings.staff_locale

    async def district_title(self, district_id: int | None, locale: str) -> str:
        """A district's name in a locale."""
        district = await districts.by_id(self.session, district_id)
        conf = self.settings.district(district.code) if district else None
        return conf.title(locale) if conf else (district.name if district else "—")

    def _enqueue(self, chat_id: int, method: str, payload: dict[str, Any], *, purpose: str, **fields: Any) -> None:
        """Queue a Bot API call in this transaction; its priority class follows from the purpose
        (bot.domain.priority.outbox_priority)."""
        outbox.enqueue(self.session, chat_id, method, payload, purpose=purpose, priority=outbox_priority(purpose), **fields)

    def _send(self, chat_id: int, text: str, purpose: str, request: Request | None = None, *,
              markup: InlineKeyboardMarkup | None = None, thread_id: int | None = None,
              resident_id: int | None = None) -> None:
        """Queue a message; its priority class follows from the purpose (bot.domain.priority)."""
        payload: dict[str, Any] = {"chat_id": chat_id, "text": text}
        if markup is not None:
            payload["reply_markup"] = markup.model_dump(exclude_none=True)
        if thread_id:
            payload["message_thread_id"] = thread_id
        self._enqueue(chat_id, "sendMessage", payload, purpose=purpose,
                      request_id=request.id if request else None, resident_id=resident_id)

    def messages(self, chat_id: int, texts: list[str], purpose: str, thread_id: int | None = None) -> None:
        """Several messages to one chat, in this order (a report, a list split at Telegram's limit)."""
        for text in texts:
            self._send(chat_id, text, purpose, thread_id=thread_id)

    def upload(self, chat_id: int, call: str, filename: str, data: bytes, purpose: str, *, caption: str | None = None,
               thread_id: int | None = None) -> None:
        """A file the bot made (a chart: sendPhoto, a workbook: sendDocument), queued with its bytes
        (bot.telegram.uploads), after the chat's rows queued before it."""
        params: dict[str, Any] = {}
        if caption:
            params["caption"] = caption
        if thread_id:
            params["message_thread_id"] = thread_id
        self._enqueue(chat_id, uploads.UPLOAD, uploads.payload(call, chat_id, filename, data, **params), purpose=purpose)

    async def card(self, request: Request) -> None:
        """Bring every message showing the request up to date (a new card where it has none)."""
        chat_id, _ = await self.chat_of(request)
        outbox.enqueue(self.session, chat_id, SYNC_CARD, {"request_id": request.id, "chat_id": chat_id},
                       purpose="card", request_id=request.id, priority=outbox_priority("card", urgent=is_urgent(request)))

    async def card_undeliverable(self, request: Request, chat_id: int) -> None:
        """The card could not be posted in `chat_id` (the bot was removed): tell the main staff chat,
        unless that is the chat in question."""
        main = await districts.resolve_chat(self.session, self.settings.staff_chat_id)
        if main == chat_id:
            return
        locale = await self.staff_locale(main)
        with self.i18n.use_locale(locale):
            text = staff_texts.card_undeliverable(request, await self.district_title(request.district_id, locale))
        self._send(main, text, "staff", request)

    async def worker_details(self, request: Request, member: Staff) -> None:
        """Phone, address and full details, privately to the claimer (if they started the bot)."""
        if not member.has_private_chat:
            return
        resident = await residents.by_id(self.session, request.resident_id)
        if resident is None:
            return
        locale = member.locale or await self.staff_locale(member.chat_id)
        items = [Item(i.name, i.quantity) for i in await requests_repo.items_of(self.session, request.id or 0)]
        with self.i18n.use_locale(locale):
            district = await self.district_title(request.district_id, locale)
            text = staff_texts.worker_details(request, items, resident, district, self.settings.vulnerability_flags)
        self._send(member.tg_user_id, text, "details", request)
        photos = request.photo_file_ids or ([request.photo_file_id] if request.photo_file_id else [])
        for start in range(0, len(photos), ALBUM_MAX):  # every photo: an album of up to 10 per message
            part = photos[start:start + ALBUM_MAX]
            if len(part) == 1:
                self._enqueue(member.tg_user_id, "sendPhoto",
                               {"chat_id": member.tg_user_id, "photo": part[0]},
                               purpose="details", request_id=request.id)
            else:
                self._enqueue(member.tg_user_id, "sendMediaGroup",
                               {"chat_id": member.tg_user_id, "media": [{"type": "photo", "media": p} for p in part]},
                               purpose="details", request_id=request.id)
        for voice in request.voice_file_ids:
            self._enqueue(member.tg_user_id, "sendVoice",
                           {"chat_id": member.tg_user_id, "voice": voice}, purpose="details", request_id=request.id)
        for event in await requests_repo.follow_ups_of(self.session, request.id or 0):  # written before the claim
            data = event.data
            with self.i18n.use_locale(locale):
                message = staff_texts.follow_up(request, data.get("text"), data.get("voice"), data.get("photo"))
            self._send(member.tg_user_id, message, "details", request)
            self._files(member.tg_user_id, request, data.get("voice"), data.get("photo"))

    async def follow_up(self, request: Request, member: Staff, text: str | None, voice: str | None,
                        photo: str | None) -> None:
        """What the resident wrote again, privately to the claimer (if they started the bot)."""
        if not member.has_private_chat:
            return
        locale = member.locale or await self.staff_locale(member.chat_id)
        with self.i18n.use_locale(locale):
            message = staff_texts.follow_up(request, text, voice, photo)
        self._send(member.tg_user_id, message, "details", request)
        self._files(member.tg_user_id, request, voice, photo)

    def _files(self, chat_id: int, request: Request, voice: str | None, photo: str | None) -> None:
        """A voice note and a photo, by Telegram file id, to a private chat."""
        if photo:
            self._enqueue(chat_id, "sendPhoto", {"chat_id": chat_id, "photo": photo},
                           purpose="details", request_id=request.id)
        if voice:
            self._enqueue(chat_id, "sendVoice", {"chat_id": chat_id, "voice": voice},
                           purpose="details", request_id=request.id)

    async def correction(self, request: Request, text: str) -> None:
        """A resident's correction after sending: the card shows it, the claimer also gets it privately."""
        await self.card(request)
        member = await staff_repo.by_id(self.session, request.claimed_by)
        if member is None or not member.has_private_chat:
            return
        locale = member.locale or await self.staff_locale(member.chat_id)
        with self.i18n.use_locale(locale):
            self._send(member.tg_user_id, staff_texts.corrected(request, text), "details", request)

    async def details_removed(self, chat_id: int, message_id: int, request_id: int, method: str,
                              retention_days: int | None) -> None:
        """Replace a claimer's delivered details message: a text is edited to say the resident erased their
        data (retention_days None) or that it aged out; a photo or voice message is deleted."""
        if method != "sendMessage":
            self._enqueue(chat_id, "deleteMessage", {"chat_id": chat_id, "message_id": message_id},
                           purpose="erase", request_id=request_id)
            return
        member = await staff_repo.by_tg_user(self.session, chat_id)
        volunteer = None if member else await volunteers_repo.by_tg_user(self.session, chat_id)  # a delivery's copy
        locale = (member.locale if member else None) or (
            await self.staff_locale(member.chat_id) if member else volunteer.locale if volunteer else self.settings.staff_locale)
        with self.i18n.use_locale(locale):
            text = staff_texts.details_removed(request_id, retention_days)
        self._enqueue(chat_id, "editMessageText",
                       {"chat_id": chat_id, "message_id": message_id, "text": text}, purpose="erase", request_id=request_id)

    async def resident_status(self, request: Request, member: Staff, status: RequestStatus | None = None) -> None:
        """Tell the resident, in their language, what just happened to their request (`status`: the one
        it reached then; default its status now)."""
        resident = await residents.by_id(self.session, request.resident_id)
        if resident is None or resident.consent_at is None or resident.chat_id is None:
            return
        status = status or request.status
        markup = None
        with self.i18n.use_locale(resident.locale):
            if status == RequestStatus.CLAIMED:
                text = staff_texts.accepted(request, member.name)
            elif status == RequestStatus.ON_THE_WAY:
                text = staff_texts.on_the_way(request)
            elif status == RequestStatus.DONE and request.kind == RequestKind.WELLBEING:
                return
            elif status == RequestStatus.DONE:
                text, markup = staff_texts.done(request), kb.feedback(request.id or 0)
            elif status == RequestStatus.FAILED:
                text = staff_texts.failed(request)
            else:
                return
        self._send(resident.chat_id, text, "status", request, markup=markup, resident_id=resident.id)

    async def checkin(self, resident: Resident, checkin: Checkin, reminder: bool) -> None:
        """The daily question, with its three big buttons."""
        if resident.chat_id is None:
            return
        with self.i18n.use_locale(resident.locale):
            text, markup = checkin_texts.question(resident, reminder), kb.checkin(checkin.id or 0)
        payload = {"chat_id": resident.chat_id, "text": text, "reply_markup": markup.model_dump(exclude_none=True)}
        purpose = "checkin_reminder" if reminder else "checkin"
        self._enqueue(resident.chat_id, "sendMessage", payload, purpose=purpose, resident_id=resident.id, ref_id=checkin.id)

    def follow_up_question(self, resident: Resident, followup: FollowUp, worker: Staff | None) -> None:
        """«How are you now?» with the check-in's three buttons (its delivery starts the silence grace)."""
        if resident.chat_id is None:
            return
        with self.i18n.use_locale(resident.locale):
            text, markup = followup_texts.question(resident, worker), kb.follow_up_question(followup.id or 0)
        payload = {"chat_id": resident.chat_id, "text": text, "reply_markup": markup.model_dump(exclude_none=True)}
        self._enqueue(resident.chat_id, "sendMessage", payload, purpose="followup", resident_id=resident.id,
                      ref_id=followup.id)

    def medicine_reminder(self, resident: Resident, medicine: Medicine) -> None:
        """A medicine runs out soon: the resident's reminder, with «order it» and «not now»."""
        if resident.chat_id is None:
            return
        today = clock.now().astimezone(self._tz(resident)).date()
        with self.i18n.use_locale(resident.locale):
            text = medicine_texts.reminder(resident, medicine, (medicine.runs_out_on - today).days, resident.locale)
            markup = kb.medicine_reminder(medicine.id or 0)
        payload = {"chat_id": resident.chat_id, "text": text, "reply_markup": markup.model_dump(exclude_none=True)}
        self._enqueue(resident.chat_id, "sendMessage", payload, purpose="medicine", resident_id=resident.id,
                      ref_id=medicine.id)

    def _tz(self, resident: Resident) -> Any:
        """The resident's timezone (the deployment's unless they have their own)."""
        return ZoneInfo(resident.timezone) if resident.timezone else self.settings.tz

    async def follow_up_heard(self, followup: FollowUp, request: Request, worker: Staff | None) -> None:
        """The worker hears how the follow-up went: privately when they are still staff and started the
        bot, else in the station's chat (mentioning them)."""
        grace = self.settings.checkins.escalate_after_minutes
        if worker is not None and worker.left_at is None and worker.has_private_chat:
            with self.i18n.use_locale(worker.locale or await self.staff_locale(worker.chat_id)):
                text = followup_texts.heard(followup, request, worker, grace, in_group=False)
            self._send(worker.tg_user_id, text, "staff", request)
            return

        async def render(chat_id: int) -> str:
            return followup_texts.heard(followup, request, worker, grace, in_group=True)
        await self._to_chat(request, render)

    async def resident_transferred(self, request: Request, target: District, reason: str | None = None) -> None:
        """Tell the resident another station took over (and why, for the reasons residents are told)."""
        resident = await residents.by_id(self.session, request.resident_id)
        if resident is None or resident.consent_at is None or resident.chat_id is None:
            return
        with self.i18n.use_locale(resident.locale):
            text = staff_texts.transferred(request, await self.district_title(target.id, resident.locale), reason)
        self._send(resident.chat_id, text, "status", request, resident_id=resident.id)

    async def _to_chat(self, request: Request, render: Any, purpose: str = "staff") -> None:
        chat_id, thread = await self.chat_of(request)
        with self.i18n.use_locale(await self.staff_locale(chat_id)):
            text = await render(chat_id)
        self._send(chat_id, text, purpose, request, thread_id=thread)

    async def reminder(self, request: Request) -> None:
        """Unclaimed for a while: remind the chat and the on-duty workers."""
        async def render(chat_id: int) -> str:
            on_duty = await staff_repo.on_duty(self.session, chat_id, request.district_id)
            return staff_texts.reminder(request, self._minutes_waiting(request), on_duty)
        await self._to_chat(request, render)

    async def escalation(self, request: Request) -> None:
        """Still unclaimed: call the coordinators."""
        async def render(chat_id: int) -> str:
            coordinators = await staff_repo.coordinators(self.session, chat_id)
            return staff_texts.escalation(request, self._minutes_waiting(request), coordinators)
        await self._to_chat(request, render, "escalation")

    async def nudge(self, request: Request) -> None:
        """Claimed long ago and not done: ask the claimer."""
        async def render(chat_id: int) -> str:
            claimer = await staff_repo.by_id(self.session, request.claimed_by)
            return staff_texts.nudge(request, max(1, round(self.settings.sla.nudge_hours)), claimer)
        await self._to_chat(request, render)

    async def not_received(self, request: Request) -> None:
        """The resident says the help did not arrive."""
        async def render(chat_id: int) -> str:
            return staff_texts.not_received(request)
        await self._to_chat(request, render)

    async def member_left(self, chat_id: int, member: Staff, released: list[Request], coordinator: Staff | None) -> None:
        """Someone left the staff chat: which of their requests are back in the queue, who coordinates now."""
        with self.i18n.use_locale(await self.staff_locale(chat_id)):
            text = staff_texts.member_left(member.name, released, coordinator)
        self._send(chat_id, text, "staff")
        if released and member.has_private_chat:  # so nobody goes on working on a request that is back in the queue
            with self.i18n.use_locale(member.locale or await self.staff_locale(chat_id)):
                self._send(member.tg_user_id, staff_texts.you_left(released), "staff")

    @staticmethod
    def _minutes_waiting(request: Request) -> int:
        return max(1, int((clock.now() - request.created_at).total_seconds() // 60))

    # ------------------------------------------------------------------ volunteers

    async def districts_named(self, codes: list[str], locale: str) -> str:
        """District codes as their names in a locale (escaped)."""
        names = []
        for code in codes:
            conf = self.settings.district(code)
            names.append(texts.q(conf.title(locale) if conf else code, 100))
        return ", ".join(names) or "—"

    async def volunteer_applied(self, volunteer: Volunteer) -> None:
        """The application card, with Approve and Decline, in the main staff chat."""
        chat_id = await districts.resolve_chat(self.session, self.settings.staff_chat_id)
        locale = await self.staff_locale(chat_id)
        with self.i18n.use_locale(locale):
            text = volunteer_texts.application_card(volunteer, await self.districts_named(volunteer.districts, locale))
            markup = kb.application(volunteer.id or 0)
        payload = {"chat_id": chat_id, "text": text, "reply_markup": markup.model_dump(exclude_none=True)}
        self._enqueue(chat_id, "sendMessage", payload, purpose=VOLUNTEER_CARD, ref_id=volunteer.id)

    async def volunteer_decided(self, volunteer: Volunteer, member: Staff) -> None:
        """The application card shows the decision (no buttons any more); the volunteer is told."""
        for chat_id, message_id in await volunteers_repo.sent_messages(self.session, VOLUNTEER_CARD, volunteer.id or 0):
            locale = await self.staff_locale(chat_id)
            with self.i18n.use_locale(locale):
                text = volunteer_texts.application_card(
                    volunteer, await self.districts_named(volunteer.districts, locale), member)
            self._enqueue(chat_id, "editMessageText", {"chat_id": chat_id, "message_id": message_id, "text": text},
                          purpose="volunteer_edit", ref_id=volunteer.id)
        chats, here = [], []
        for code in volunteer.districts:
            district = await districts.by_code(self.session, code)
            named = await self.districts_named([code], volunteer.locale)
            (chats if district is not None and district.volunteer_chat_id else here).append(named)
        with self.i18n.use_locale(volunteer.locale):
            text = volunteer_texts.decided(volunteer, chats, here)
        self._send(volunteer.tg_user_id, text, "volunteer")

    async def volunteer_erased(self, volunteer: Volunteer, tg_user_id: int, locale: str,
                               finished: tuple[tuple[Delivery, Request], ...]) -> None:
        """A volunteer erased their data: their application cards say so (no buttons), the delivery cards of
        their finished deliveries show the neutral label."""
        self.chat_locales[tg_user_id] = locale
        for chat_id, message_id in await volunteers_repo.sent_messages(self.session, VOLUNTEER_CARD, volunteer.id or 0):
            with self.i18n.use_locale(await self.staff_locale(chat_id)):
                text = volunteer_texts.application_erased(volunteer.id or 0)
            self._enqueue(chat_id, "editMessageText", {"chat_id": chat_id, "message_id": message_id, "text": text},
                          purpose="erase", ref_id=volunteer.id)
        for delivery, request in finished:
            await self.delivery_cards(delivery, request)

    async def mention_removed(self, chat_id: int, message_id: int, request_id: int | None, text: str,
                              names: tuple[str, ...], resident_id: int | None) -> None:
        """A sent message that named a volunteer who erased their data shows the neutral label instead, in
        its reader's language."""
        resident = await residents.by_id(self.session, resident_id) if resident_id else None
        member = None if resident else await staff_repo.by_tg_user(self.session, chat_id)
        if resident is not None:
            locale = resident.locale
        elif member is not None:
            locale = member.locale or await self.staff_locale(member.chat_id)
        else:
            locale = await self.staff_locale(chat_id)
        with self.i18n.use_locale(locale):
            label = volunteer_texts.erased_label()
        for name in sorted(names, key=len, reverse=True):
            text = text.replace(name, label)
        self._enqueue(chat_id, "editMessageText", {"chat_id": chat_id, "message_id": message_id, "text": text},
                      purpose="erase", request_id=request_id)

    async def _delivery_content(self, delivery: Delivery, request: Request, locale: str) -> str:
        """The delivery card's text in a locale (never the flat, the phone or anything about health)."""
        items = [Item(i.name, i.quantity) for i in await requests_repo.items_of(self.session, request.id or 0)]
        volunteer = await volunteers_repo.by_id(self.session, delivery.volunteer_id)
        with self.i18n.use_locale(locale):
            return volunteer_texts.delivery_card(
                delivery, request, items, await self.district_title(request.district_id, locale), volunteer)

    async def _chat_locale(self, chat_id: int) -> str:
        """A volunteer's private chat speaks their language; a volunteers' chat the staff chats' way."""
        if chat_id in self.chat_locales:
            return self.chat_locales[chat_id]
        volunteer = await volunteers_repo.by_tg_user(self.session, chat_id) if chat_id > 0 else None
        return volunteer.locale if volunteer else await self.staff_locale(chat_id)

    async def delivery_offered(self, delivery: Delivery, request: Request) -> None:
        """The delivery card with «I'll take it»: in the district's volunteers' chat, or privately to each
        approved volunteer of the district who can do it."""
        district = await districts.by_id(self.session, request.district_id)
        if district is not None and district.volunteer_chat_id:
            targets = [(district.volunteer_chat_id, district.volunteer_topic_id)]
        else:
            skill = "medicine" if request.kind == RequestKind.MEDICINE else "deliver"
            people = await volunteers_repo.approved_in(self.session, district.code, skill) if district else []
            targets = [(v.tg_user_id, None) for v in people]
        for chat_id, thread in targets:
            text = await self._delivery_content(delivery, request, await self._chat_locale(chat_id))
            with self.i18n.use_locale(await self._chat_locale(chat_id)):
                markup = kb.delivery_offer(delivery.id or 0)
            payload: dict[str, Any] = {"chat_id": chat_id, "text": text, "reply_markup": markup.model_dump(exclude_none=True)}
            if thread:
                payload["message_thread_id"] = thread
            self._enqueue(chat_id, "sendMessage", payload, purpose=DELIVERY_CARD, ref_id=delivery.id, request_id=request.id)

    async def delivery_cards(self, delivery: Delivery, request: Request) -> None:
        """Every delivery card that was sent shows the delivery as it is now (without its button once
        taken); the cards not sent yet are not sent any more."""
        await volunteers_repo.drop_unsent(self.session, DELIVERY_CARD, delivery.id or 0, clock.now())
        for chat_id, message_id in await volunteers_repo.sent_messages(self.session, DELIVERY_CARD, delivery.id or 0):
            text = await self._delivery_content(delivery, request, await self._chat_locale(chat_id))
            self._enqueue(chat_id, "editMessageText", {"chat_id": chat_id, "message_id": message_id, "text": text},
                          purpose="delivery_edit", ref_id=delivery.id, request_id=request.id)

    async def _private_copy(self, delivery: Delivery, request: Request, volunteer: Volunteer) -> tuple[str, Any] | None:
        """The taker's private copy and its buttons, in their language."""
        resident = await residents.by_id(self.session, request.resident_id)
        if resident is None:
            return None
        items = [Item(i.name, i.quantity) for i in await requests_repo.items_of(self.session, request.id or 0)]
        with self.i18n.use_locale(volunteer.locale):
            text = volunteer_texts.private_copy(delivery, request, items, resident)
            markup = kb.delivery_steps(delivery.id or 0, delivery.status == DeliveryStatus.PICKED_UP)
        return text, markup

    async def delivery_taken(self, delivery: Delivery, request: Request, volunteer: Volunteer) -> None:
        """The cards say who took it; the taker gets the full address, first name and phone privately;
        the resident hears who is bringing the order."""
        await self.delivery_cards(delivery, request)
        copy = await self._private_copy(delivery, request, volunteer)
        if copy is not None:
            text, markup = copy
            payload = {"chat_id": volunteer.tg_user_id, "text": text, "reply_markup": markup.model_dump(exclude_none=True)}
            self._enqueue(volunteer.tg_user_id, "sendMessage", payload, purpose=DELIVERY_COPY, ref_id=delivery.id,
                          request_id=request.id)
        resident = await residents.by_id(self.session, request.resident_id)
        if resident is not None and resident.consent_at is not None and resident.chat_id is not None:
            with self.i18n.use_locale(resident.locale):
                self._send(resident.chat_id, volunteer_texts.resident_told(request, volunteer), VOLUNTEER_NAMED, request,
                           resident_id=resident.id)

    async def delivery_moved(self, delivery: Delivery, request: Request, volunteer: Volunteer | None, status: str) -> None:
        """The cards and the taker's private copy follow the delivery (no address or phone once it
        ended); a delivery that came back is the worker's again, and they are told."""
        await self.delivery_cards(delivery, request)
        copies = await volunteers_repo.sent_messages(self.session, DELIVERY_COPY, delivery.id or 0)
        for chat_id, message_id in copies:
            payload: dict[str, Any] = {"chat_id": chat_id, "message_id": message_id}
            if status == DeliveryStatus.PICKED_UP and volunteer is not None:
                copy = await self._private_copy(delivery, request, volunteer)
                if copy is None:
                    continue
                payload["text"], payload["reply_markup"] = copy[0], copy[1].model_dump(exclude_none=True)
            else:
                with self.i18n.use_locale(volunteer.locale if volunteer else self.settings.default_locale):
                    payload["text"] = volunteer_texts.private_copy_closed(request, status)
            self._enqueue(chat_id, "editMessageText", payload, purpose="delivery_edit", ref_id=delivery.id,
                          request_id=request.id)
        if status == DeliveryStatus.DELIVERED and volunteer is not None:
            with self.i18n.use_locale(volunteer.locale):
                self._send(volunteer.tg_user_id, volunteer_texts.photo_offer(), "volunteer", request)
        if status == DeliveryStatus.FAILED or (status == DeliveryStatus.RETURNED and delivery.reason != "withdrawn"):
            await self._to_worker(request, lambda: volunteer_texts.back_to_worker(request, volunteer, status, delivery.reason),
                                  VOLUNTEER_NAMED)

    async def _to_worker(self, request: Request, render: Any, purpose: str = "staff") -> None:
        """To the request's worker privately (or in the staff chat, mentioning them, if they never opened the bot)."""
        worker = await staff_repo.by_id(self.session, request.claimed_by)
        if worker is not None and worker.has_private_chat:
            with self.i18n.use_locale(worker.locale or await self.staff_locale(worker.chat_id)):
                self._send(worker.tg_user_id, render(), purpose, request)
            return
        chat_id, thread = await self.chat_of(request)
        with self.i18n.use_locale(await self.staff_locale(chat_id)):
            text = (staff_texts.mention(worker) + ": " if worker else "") + render()
        self._send(chat_id, text, purpose, request, thread_id=thread)

    async def delivery_photo(self, delivery: Delivery, request: Request, file_id: str) -> None:
        """The volunteer's photo of the delivered order, privately to the worker."""
        worker = await staff_repo.by_id(self.session, request.claimed_by)
        if worker is not None and worker.has_private_chat:
            self._enqueue(worker.tg_user_id, "sendPhoto", {"chat_id": worker.tg_user_id, "photo": file_id,
                          "caption": texts.number(request.id or 0)}, purpose="details", request_id=request.id)

    async def delivery_stalled(self, delivery: Delivery, request: Request) -> None:
        """The worker is nudged in the staff chat: the handed-over delivery did not move on."""
        async def render(chat_id: int) -> str:
            worker = await staff_repo.by_id(self.session, request.claimed_by)
            return volunteer_texts.stalled(request, max(1, round(self.settings.volunteers.stall_hours)), worker)
        await self._to_chat(request, render)

    async def notice(self, notice: Notice, recipient: Resident | Staff) -> None:
        """An official notice to one resident (or staff member, privately) in their language: the message,
        with its photo or PDF (bot.ui.notice_texts.calls); the lowest priority class."""
        if isinstance(recipient, Resident):
            if recipient.chat_id is None:
                return
            chat_id, locale, resident_id = recipient.chat_id, recipient.locale, recipient.id
        else:
            chat_id, resident_id = recipient.tg_user_id, None
            locale = recipient.locale or await self.staff_locale(recipient.chat_id)
        with self.i18n.use_locale(locale):
            planned = notice_texts.calls(notice.texts, locale, notice.attachment, notice.file_id, chat_id)
        for index, (method, payload) in enumerate(planned):
            self._enqueue(chat_id, method, payload, purpose="notice" if index == 0 else "notice_file",
                          resident_id=resident_id, ref_id=notice.id)

    def notice_previews(self, chat_id: int, thread_id: int | None, texts_: dict[str, str], attachment: str | None,
                        file_id: str | None, languages: list[str]) -> None:
        """The notice exactly as each language's readers will see it, one preview per language, into the
        coordinator's chat (a reply to the person at the wizard: the highest class)."""
        for locale in languages:
            with self.i18n.use_locale(locale):
                planned = notice_texts.calls(texts_, locale, attachment, file_id, chat_id, thread_id)
            for method, payload in planned:
                self._enqueue(chat_id, method, payload, purpose="reply")

    def notice_confirm(self, chat_id: int, thread_id: int | None, text: str, markup: InlineKeyboardMarkup) -> None:
        """The question under the previews (Send / Cancel), after them in the chat."""
        self._send(chat_id, text, "reply", markup=markup, thread_id=thread_id)

    async def notice_progress(self, notice: Notice) -> None:
        """The notice's progress message in the coordinator's chat, edited to show its figures now (with
        Cancel while it is being sent)."""
        if notice.progress_message_id is None:
            return
        locale = await self.staff_locale(notice.chat_id)
        with self.i18n.use_locale(locale):
            titles = [await self.district_title(i, locale) for i in notice.district_ids]
            text = notice_texts.progress(notice, [texts.q(t, 60) for t in titles], locale)
            markup = kb.notice_stop(notice.id or 0) if notice.status == NoticeStatus.SENDING else None
        payload: dict[str, Any] = {"chat_id": notice.chat_id, "message_id": notice.progress_message_id, "text": text,
                                   "reply_markup": (markup or InlineKeyboardMarkup(inline_keyboard=[])).model_dump(exclude_none=True)}
        self._enqueue(notice.chat_id, "editMessageText", payload, purpose=notices_repo.PROGRESS, ref_id=notice.id)
