"""Official notices as people read them: the notice itself (in the recipient's language, with its photo or
PDF), the coordinator's wizard, the previews, the progress message, and a resident's /notices answer."""

from __future__ import annotations

import html
import re
from typing import Any

from aiogram.utils.i18n import gettext as _

from bot.services import notices
from bot.services.notices import CAPTION_LIMIT, TEXT_LIMIT, Refusal, text_for, utf16_len
from bot.ui.i18n import ngettext
from bot.ui.keyboards import LANGUAGE_NAMES
from bot.ui.report_texts import num
from db.models import Notice, NoticeAudience, NoticeStatus

TAG = re.compile(r"<[^>]+>")
#: The notice's photo or PDF: the Bot API method and its file field.
FILE_CALLS = {"photo": ("sendPhoto", "photo"), "document": ("sendDocument", "document")}


def visible(html_text: str) -> str:
    """What Telegram shows of an HTML text (tags gone, entities decoded)."""
    return html.unescape(TAG.sub("", html_text))


def header() -> str:
    """The first line of every notice, in the current locale."""
    return _("📢 <b>Official notice</b>")


def body(texts_: dict[str, str], locale: str) -> str:
    """The notice's message in `locale` (the current locale must be the same): the header, then the
    coordinator's text for that language (bot.services.notices.text_for)."""
    return header() + "\n\n" + text_for(texts_, locale)


def text_limit() -> int:
    """How long the coordinator's text may be (UTF-16 units) for the message to stay within Telegram's
    4096, header included, in the current locale."""
    return TEXT_LIMIT - utf16_len(visible(header() + "\n\n"))


def calls(texts_: dict[str, str], locale: str, attachment: str | None, file_id: str | None, chat_id: int,
          thread_id: int | None = None) -> list[tuple[str, dict[str, Any]]]:
    """The Bot API calls that deliver the notice to one chat in `locale` (the current locale): the message,
    or the photo or PDF with the message as its caption when it fits Telegram's 1024 characters; a longer
    message goes first and the file after it."""
    message = body(texts_, locale)
    base: dict[str, Any] = {"chat_id": chat_id}
    if thread_id:
        base["message_thread_id"] = thread_id
    if not attachment or not file_id or attachment not in FILE_CALLS:
        return [("sendMessage", {**base, "text": message})]
    method, field = FILE_CALLS[attachment]
    if utf16_len(visible(message)) <= CAPTION_LIMIT:
        return [(method, {**base, field: file_id, "caption": message})]
    return [("sendMessage", {**base, "text": message}), (method, {**base, field: file_id})]


def ask_audience() -> str:
    """The wizard's first question."""
    return _("📢 <b>Official notice</b>\nWho should receive it? Tick one or more districts and press «Next», "
             "or choose residents with daily check-ins or the staff.")


def ask_text(locale: str, first: bool, one: bool) -> str:
    """The question for one language's text (or the one text for everyone)."""
    if one:
        return _("Send the text of the notice, one version for everyone, as one message.")
    question = _("Send the text of the notice for residents who read {language}, as one message.").format(
        language=LANGUAGE_NAMES[locale])
    if first:
        question += "\n" + _("Or press «One version for everyone» and send one text for all.")
    return question


def not_a_text() -> str:
    """A sticker, a photo or anything but a text where the notice's text was asked for."""
    return _("Please send the text of the notice as a text message (a sticker, a photo or a file cannot be its "
             "text). Nothing is lost: I am still waiting for the text.")


def too_long(length: int, limit: int, locale: str) -> str:
    """A text beyond Telegram's limit (the header of the notice included)."""
    return ngettext("This text has {n} character; one message holds at most {limit} here. Please send it shorter.",
                    "This text has {n} characters; one message holds at most {limit} here. Please send it shorter.",
                    length).format(n=num(length, locale), limit=num(limit, locale))


def rest_of_paste() -> str:
    """A part of a long paste that came right after a part that was too long."""
    return _("This is the rest of the long text above, so it was not kept either. Please send the whole "
             "text shorter, as one message.")


def ask_file() -> str:
    """The question for a photo or a PDF."""
    return _("Send a photo or a PDF to go with the notice, or press «No photo or file».")


def not_a_file() -> str:
    """Anything but a photo or a PDF where the attachment was asked for."""
    return _("Only a photo or a PDF file can go with a notice. Send one, or press «No photo or file».")


def audience_line(kind: NoticeAudience, district_titles: list[str]) -> str:
    """Who the notice goes to."""
    if kind == NoticeAudience.STAFF:
        return _("the staff")
    if kind == NoticeAudience.CHECKINS:
        return _("residents with daily check-ins")
    return _("residents of {districts}").format(districts=", ".join(district_titles))


def confirm(audience: notices.Audience, district_titles: list[str], languages: list[str], locale: str) -> str:
    """Under the previews: who it goes to, how many, and Send?"""
    lines = [
        _("<b>Above: the notice as each language will see it.</b>") if len(languages) > 1
        else _("<b>Above: the notice as it will be seen.</b>"),
        _("To: {audience}").format(audience=audience_line(audience.kind, district_titles)),
        ngettext("{n} recipient", "{n} recipients", audience.total).format(n=num(audience.total, locale)),
    ]
    if audience.muted:
        lines.append(ngettext("of them {n} turned notices off and will be skipped",
                              "of them {n} turned notices off and will be skipped", audience.muted).format(
            n=num(audience.muted, locale)))
    lines.append(_("Send it now?"))
    return "\n".join(lines)


def progress(notice: Notice, district_titles: list[str], locale: str) -> str:
    """The progress message in the coordinator's chat: sent, unreachable, notices off, remaining."""
    if notice.status == NoticeStatus.DONE:
        state = _("✅ Sent.")
    elif notice.status == NoticeStatus.CANCELLED:
        state = _("⏹ Stopped.")
    else:
        state = _("⏳ Sending…")
    lines = [
        _("📢 <b>Notice №{number}</b> to {audience}").format(
            number=notice.id, audience=audience_line(notice.audience, district_titles)),
        state,
        ngettext("delivered to {n} recipient", "delivered to {n} recipients", notice.sent).format(
            n=num(notice.sent, locale)),
        ngettext("{n} unreachable (blocked the bot)", "{n} unreachable (blocked the bot)", notice.unreachable).format(
            n=num(notice.unreachable, locale)),
    ]
    if notice.skipped:
        lines.append(ngettext("{n} turned notices off", "{n} turned notices off", notice.skipped).format(
            n=num(notice.skipped, locale)))
    if notice.status == NoticeStatus.SENDING:
        left = notices.remaining(notice)
        lines.append(ngettext("{n} remaining", "{n} remaining", left).format(n=num(left, locale)))
    elif notice.status == NoticeStatus.CANCELLED:
        left = notices.not_sent(notice)
        lines.append(ngettext("{n} not sent", "{n} not sent", left).format(n=num(left, locale)))
    return "\n".join(lines)


def stopped() -> str:
    """The answer to Cancel on a progress message."""
    return _("⏹ Stopped.")


def refusal(reason: Refusal) -> str:
    """Why a notice button or Send did nothing."""
    if reason == Refusal.NOT_COORDINATOR:
        return _("Only a coordinator can do this.")
    if reason == Refusal.FINISHED:
        return _("This notice is no longer being sent.")
    if reason == Refusal.NOBODY:
        return _("Nobody is in this audience yet: nothing was sent.")
    if reason == Refusal.NO_TEXT:
        return _("The notice has no text yet.")
    return _("This button is no longer active.")


def cancelled() -> str:
    """The wizard was left."""
    return _("The notice was cancelled. Nothing was sent.")


def resident_switch(on: bool) -> str:
    """A resident's /notices answer."""
    if on:
        return _("🔔 Official notices from the social workers are on. Send /notices to turn them off.")
    return _("🔕 Official notices are off: you will not receive them. Your requests and daily check-ins go on as "
             "before. Send /notices to turn them on again.")


def resident_not_registered() -> str:
    """/notices from someone who has not registered."""
    return _("Official notices go to registered residents. Send /start to register.")
