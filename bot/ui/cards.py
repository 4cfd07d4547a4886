"""Plans what a request's card row sends: edits of every message showing it, and a new card or digest.

A request is shown by its own card, or by a line in a digest that lists several new requests when a
group's message budget is short. Everything is rendered when the row is sent, so it shows the request
as it is then; a message whose rendering did not change is not edited again.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from typing import Any

from aiogram import methods
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.ui import checkin_texts, followup_texts, staff_texts, texts, volunteer_texts

from bot.core import clock
from bot.ui import keyboards as kb
from bot.core.config import Settings
from bot.telegram.delivery import Plan, Step
from bot.ui.i18n import ngettext
from bot.ui.notify import Notifier
from bot.domain.items import Item
from bot.domain.names import card_name
from db.models import CardView, DeliveryStatus, Outbox, Request, RequestKind, RequestStatus
from db.repo import cards, residents
from db.repo import districts as districts_repo
from db.repo import checkins as checkins_repo
from db.repo import followups as followups_repo
from db.repo import requests as requests_repo
from db.repo import staff as staff_repo
from db.repo import volunteers as volunteers_repo

DIGEST_MAX = 10
OPEN = (RequestStatus.NEW, RequestStatus.CLAIMED, RequestStatus.ON_THE_WAY)
log = logging.getLogger(__name__)


def topic_gone(error: str) -> bool:
    """Whether Telegram refused a send because its forum topic no longer exists (or is closed)."""
    error = error.lower()
    return "thread not found" in error or "topic_deleted" in error or "topic_closed" in error


def message_gone(error: str) -> bool:
    """Whether Telegram refused an edit because the message no longer exists."""
    error = error.lower()
    return "message to edit not found" in error or "message_id_invalid" in error


def fingerprint(text: str, markup: Any) -> str:
    """A short hash of what a message shows."""
    body = text + "\x00" + (markup.model_dump_json() if markup is not None else "")
    return hashlib.sha256(body.encode()).hexdigest()[:32]


class CardPlanner:
    """Turns a syncCard outbox row into the Bot API calls that bring the staff chats up to date."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], i18n: I18n, settings: Settings) -> None:
        self.sessions = sessions
        self.i18n = i18n
        self.settings = settings

    async def plan(self, row: Outbox, owner: str) -> Plan:
        """Edits for every message that shows the request, plus a card or digest where it has none."""
        async with self.sessions.begin() as session:
            request = await requests_repo.by_id(session, row.payload["request_id"])
            if request is None:
                return Plan([])
            notify = Notifier(session, self.i18n, self.settings)
            route, thread = await notify.chat_of(request)
            views = await cards.views_of(session, request.id or 0)
            steps = [await self._edit(session, notify, view, route, thread) for view in self._messages(views)]
            steps = [s for s in steps if s is not None]
            plan = Plan(steps)
            in_route = [v for v in views if v.chat_id == route]
            needs_card = request.status in OPEN and not any(not v.digest for v in in_route) and (
                not in_route or request.status != RequestStatus.NEW
            )
            if needs_card:
                await self._add_new(session, notify, plan, row, owner, request, route, thread, bool(in_route))
            return plan

    @staticmethod
    def _messages(views: list[CardView]) -> list[CardView]:
        """One view per distinct message."""
        seen: dict[tuple[int, int], CardView] = {}
        for view in views:
            seen.setdefault((view.chat_id, view.message_id), view)
        return list(seen.values())

    async def _add_new(
        self, session: AsyncSession, notify: Notifier, plan: Plan, row: Outbox, owner: str,
        request: Request, route: int, thread: int | None, in_digest: bool,
    ) -> None:
        """A card for the request, or, when more new ones wait in the same chat, one digest for all."""
        siblings: list[Outbox] = []
        if request.status == RequestStatus.NEW and not in_digest and route < 0:
            siblings = await cards.lease_waiting_siblings(
                session, row, owner, clock.now(), timedelta(seconds=self.settings.limits.lease_seconds), DIGEST_MAX - 1
            )
        if siblings:
            members = await cards.requests_by_ids(session, [request.id or 0, *(s.request_id or 0 for s in siblings)])
            text, markup = await self._digest_content(session, notify, route, members)
            plan.absorbed.extend(siblings)
            plan.steps.append(await self._post(notify, route, thread, text, markup, [m.id or 0 for m in members], True))
            return
        text, markup = await self._card_content(session, notify, route, request)
        plan.steps.append(await self._post(notify, route, thread, text, markup, [request.id or 0], False))

    async def _post(
        self, notify: Notifier, chat_id: int, thread: int | None, text: str, markup: Any, request_ids: list[int], digest: bool,
    ) -> Step:
        """A new card or digest; when its forum topic is gone, in the chat's main thread saying so."""
        rendered = fingerprint(text, markup)
        recorder = self._recorder(chat_id, request_ids, digest, rendered)
        with self.i18n.context(), self.i18n.use_locale(await notify.staff_locale(chat_id)):
            warning = staff_texts.topic_unreachable()

        async def main_thread(exc: Any) -> Step | None:
            if thread is None or not topic_gone(exc.message):
                raise exc
            log.warning("chat %s: forum topic %s unreachable (%s); card posted in the main thread", chat_id, thread, exc.message)
            # recorded with the card's own fingerprint: the next change re-renders it without the warning
            return Step(methods.SendMessage(chat_id=chat_id, text=f"{warning}\n\n{text}", reply_markup=markup), recorder)

        return Step(methods.SendMessage(chat_id=chat_id, text=text, reply_markup=markup, message_thread_id=thread),
                    recorder, main_thread)

    def _recorder(self, chat_id: int, request_ids: list[int], digest: bool, rendered: str) -> Any:
        """Remember the message a new card or digest became."""
        async def record(result: Any) -> None:
            message_id = getattr(result, "message_id", None)
            if message_id is None:
                return
            async with self.sessions.begin() as session:
                cards.add_views(session, chat_id, message_id, request_ids, digest, rendered)
        return record

    async def _edit(
        self, session: AsyncSession, notify: Notifier, view: CardView, route: int, thread: int | None
    ) -> Step | None:
        """Re-render one message; None when it shows the same as last time. When the message was
        deleted in the chat, its views are forgotten and the requests it showed get new cards."""
        if view.digest:
            members = await cards.requests_by_ids(
                session, [v.request_id for v in await cards.message_views(session, view.chat_id, view.message_id)]
            )
            text, markup = await self._digest_content(session, notify, view.chat_id, members)
        else:
            request = await requests_repo.by_id(session, view.request_id)
            assert request is not None
            text, markup = await self._card_content(session, notify, view.chat_id, request)
        rendered = fingerprint(text, markup)
        if rendered == view.rendered:
            return None

        async def record(_result: Any) -> None:
            async with self.sessions.begin() as s:
                await cards.set_rendered(s, view.chat_id, view.message_id, rendered)

        # The request's own card where it belongs, still open: what to post if the message is gone.
        own = not view.digest and view.chat_id == route and markup is not None
        repost = await self._post(notify, route, thread, text, markup, [view.request_id], False) if own else None

        async def deleted(exc: Any) -> Step | None:
            if not message_gone(exc.message):
                raise exc
            log.warning("chat %s: card message %s was deleted; its open requests get new cards", view.chat_id, view.message_id)
            with self.i18n.context():
                async with self.sessions.begin() as s:
                    shown = await cards.forget_message(s, view.chat_id, view.message_id)
                    if view.digest:  # each request of the digest gets a card row of its own
                        again = Notifier(s, self.i18n, self.settings)
                        for member in await cards.requests_by_ids(s, shown):
                            if member.status in OPEN:
                                await again.card(member)
            return repost

        return Step(methods.EditMessageText(chat_id=view.chat_id, message_id=view.message_id, text=text, reply_markup=markup),
                    record, deleted)

    async def _card_content(self, session: AsyncSession, notify: Notifier, chat_id: int, request: Request) -> tuple[str, Any]:
        """A request's own card as seen in one chat (a note only, if it moved to another station)."""
        route, _thread = await notify.chat_of(request)
        locale = await notify.staff_locale(chat_id)
        with self.i18n.context(), self.i18n.use_locale(locale):
            district = await notify.district_title(request.district_id, locale)
            if route != chat_id:
                return staff_texts.transferred_card(request, district), None
            resident = await residents.by_id(session, request.resident_id)
            assert resident is not None
            items = [Item(i.name, i.quantity) for i in await requests_repo.items_of(session, request.id or 0)]
            claimer = await staff_repo.by_id(session, request.claimed_by)
            on_duty = await staff_repo.on_duty(session, chat_id, request.district_id) if request.status == RequestStatus.NEW else []
            when = texts.fmt_when(request.created_at, locale, self.settings.timezone)
            extra = await self._wellbeing(session, request, locale) if request.kind == RequestKind.WELLBEING else []
            extra = [*extra, *await self._referrals(session, notify, request, locale)]
            wrote = [(texts.fmt_when(e.at, locale, self.settings.timezone), e.data)
                     for e in await requests_repo.follow_ups_of(session, request.id or 0)]
            extra = [*extra, *staff_texts.follow_up_lines(wrote, claimer)]
            deliveries = await volunteers_repo.deliveries_of(session, request.id or 0)
            steps = []
            for delivery in deliveries:
                at = delivery.finished_at or delivery.picked_up_at or delivery.taken_at or delivery.offered_at
                steps.append((delivery, await volunteers_repo.by_id(session, delivery.volunteer_id),
                              texts.fmt_when(at, locale, self.settings.timezone)))
            extra = [*extra, *volunteer_texts.card_lines(steps), *await self._follow_ups(session, request, locale)]
            handover = request.kind in (RequestKind.SUPPLIES, RequestKind.MEDICINE) and not any(
                d.status in (DeliveryStatus.OFFERED, DeliveryStatus.TAKEN, DeliveryStatus.PICKED_UP) for d in deliveries)
            who = card_name(resident.name, self.settings.checkins.card_name) if request.kind == RequestKind.WELLBEING else None
            text = staff_texts.card(request, items, resident, district, when, claimer, on_duty, extra,
                                    self.settings.vulnerability_flags, who)
            choose = (request.kind == RequestKind.PSYCH and request.follow_up_days is None
                      and request.status in (RequestStatus.DONE, RequestStatus.RECEIVED))
            return text, kb.staff_card(request.id or 0, request.status, request.kind, handover, follow_up=choose)

    async def _follow_ups(self, session: AsyncSession, request: Request, locale: str) -> list[str]:
        """The follow-up lines: which request this one follows up (and the answer that opened it); when
        its own follow-up is planned, or how it went."""
        lines = []
        if request.follows_request_id is not None:
            lines.append(followup_texts.linked(request.follows_request_id,
                                               await followups_repo.opened(session, request.id or 0)))
        if request.follow_up_days is None:
            return lines
        asked = await followups_repo.of_request(session, request.id or 0)
        tz = self.settings.timezone
        if asked is not None:
            lines.append(followup_texts.asked(asked, texts.fmt_when(asked.sent_at or asked.asked_at, locale, tz),
                                              asked.new_request_id))
        elif request.follow_up_at is not None or not request.follow_up_days:
            when = texts.fmt_when(request.follow_up_at, locale, tz) if request.follow_up_at else ""
            lines.append(followup_texts.planned(request, when))
        return lines

    async def _referrals(self, session: AsyncSession, notify: Notifier, request: Request, locale: str) -> list[str]:
        """From the audit trail: the request's transfers and why, so the new station sees where it came
        from; and, while it waits again, that its worker left the chat."""
        history, left = [], None
        for event in await requests_repo.events_of(session, request.id or 0):
            if event.action == "left_chat":
                left = event
            elif event.action in ("claimed", "transferred"):
                left = None
            if event.action != "transferred":
                continue
            source = await districts_repo.by_code(session, event.data.get("source") or "")
            member = await staff_repo.by_id(session, event.actor_id)
            history.append((await notify.district_title(source.id, locale) if source else "—",
                            member.name if member else "—", texts.fmt_when(event.at, locale, self.settings.timezone),
                            staff_texts.referral_reason(event.data.get("reason"), event.data.get("note"))))
        lines = staff_texts.referrals(history)
        if left is not None and request.status == RequestStatus.NEW:
            member = await staff_repo.by_id(session, left.actor_id)
            lines.append(staff_texts.released_left(member.name if member else "—"))
        return lines

    async def _wellbeing(self, session: AsyncSession, request: Request, locale: str) -> list[str]:
        """Why a check-in escalated, the last answer and the resident's open requests."""
        checkin = await checkins_repo.of_request(session, request.id or 0)
        last = await checkins_repo.last_answered(session, request.resident_id)
        mine = await requests_repo.of_resident(session, request.resident_id)
        open_ = [r for r in mine if r.status in OPEN and r.id != request.id]
        return checkin_texts.wellbeing_lines(request, last, open_, locale, self.settings.timezone)

    async def _digest_content(self, session: AsyncSession, notify: Notifier, chat_id: int, members: list[Request]) -> tuple[str, Any]:
        """Several requests in one message, each with its own Claim button while it is new here."""
        locale = await notify.staff_locale(chat_id)
        lines, claimable = [], []
        with self.i18n.context(), self.i18n.use_locale(locale):
            for request in members:
                route, _thread = await notify.chat_of(request)
                district = await notify.district_title(request.district_id, locale)
                resident = await residents.by_id(session, request.resident_id)
                items = [Item(i.name, i.quantity) for i in await requests_repo.items_of(session, request.id or 0)]
                claimer = await staff_repo.by_id(session, request.claimed_by)
                if route != chat_id:
                    status = staff_texts.transferred_card(request, district)
                else:
                    status = staff_texts.status_line(request, claimer)
                    if request.status == RequestStatus.NEW:
                        claimable.append(request.id or 0)
                who = (card_name(resident.name, self.settings.checkins.card_name)
                       if resident is not None and request.kind == RequestKind.WELLBEING else None)
                lines.append(staff_texts.digest_line(request, items, resident, district, status,
                                                     self.settings.vulnerability_flags, who))
            head = ngettext("🆕 {n} new request", "🆕 {n} new requests", len(members)).format(n=len(members))
            on_duty = await staff_repo.on_duty(session, chat_id, members[0].district_id) if claimable else []
            if on_duty:
                lines.append(_("On duty: {names}").format(names=", ".join(staff_texts.mention(m) for m in on_duty)))
            return "\n\n".join([head, *lines]), kb.digest(claimable)
