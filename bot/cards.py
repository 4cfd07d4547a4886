"""Renders a request's staff card at send time, so the card always shows the request as it is now."""

from __future__ import annotations

from typing import Any

from aiogram import methods
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import keyboards as kb
from bot import staff_texts, texts
from bot.config import Settings
from bot.notify import Notifier
from bot.services.items import Item
from db.models import Outbox, RequestStatus
from db.repo import requests as requests_repo
from db.repo import residents
from db.repo import staff as staff_repo


class CardRenderer:
    """Turns a syncCard outbox row into sendMessage (first time) or editMessageText (after)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], i18n: I18n, settings: Settings) -> None:
        self.sessions = sessions
        self.i18n = i18n
        self.settings = settings

    async def render(self, row: Outbox) -> methods.TelegramMethod[Any] | None:
        """The Bot API call for the card's current state, or None when there is nothing to show."""
        async with self.sessions() as session:
            request = await requests_repo.by_id(session, row.payload["request_id"])
            if request is None:
                return None
            notify = Notifier(session, self.i18n, self.settings)
            chat_id, thread_id = await notify.chat_of(request)
            if chat_id != row.payload["chat_id"] and request.card_chat_id != row.payload["chat_id"]:
                return None  # transferred before this card was ever shown
            resident = await residents.by_id(session, request.resident_id)
            if resident is None:
                return None
            locale = await notify.staff_locale(chat_id)
            items = [Item(i.name, i.quantity) for i in await requests_repo.items_of(session, request.id or 0)]
            claimer = await staff_repo.by_id(session, request.claimed_by)
            on_duty = await staff_repo.on_duty(session, chat_id, request.district_id) if request.status == RequestStatus.NEW else []
            with self.i18n.context(), self.i18n.use_locale(locale):
                district = await notify.district_title(request.district_id, locale)
                when = texts.fmt_when(request.created_at, locale, self.settings.timezone)
                text = staff_texts.card(request, items, resident, district, when, claimer, on_duty)
                markup = kb.staff_card(request.id or 0, request.status)
        if request.card_message_id is not None and request.card_chat_id == chat_id:
            return methods.EditMessageText(chat_id=chat_id, message_id=request.card_message_id, text=text, reply_markup=markup)
        return methods.SendMessage(chat_id=chat_id, text=text, reply_markup=markup, message_thread_id=thread_id)

    async def sent(self, row: Outbox, result: Any) -> None:
        """Remember where a newly sent card lives so later changes edit it."""
        message_id = getattr(result, "message_id", None)
        chat = getattr(result, "chat", None)
        if message_id is None or chat is None:
            return
        async with self.sessions.begin() as session:
            request = await requests_repo.by_id(session, row.payload["request_id"])
            if request is not None and request.card_message_id is None:
                request.card_chat_id, request.card_message_id = chat.id, message_id
                session.add(request)
