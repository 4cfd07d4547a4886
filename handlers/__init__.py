"""Feature routers, one module per feature; residents are served in private chats only."""

from aiogram import F, Router

from handlers import fallback, intake, my_requests, profile, registration, start


def build_router() -> Router:
    """All resident routers, scoped to private chats, fallback last."""
    root = Router(name="residents")
    root.message.filter(F.chat.type == "private")
    root.callback_query.filter(F.message.chat.type == "private")
    root.include_routers(start.router, registration.router, intake.router, my_requests.router, profile.router)
    root.include_router(fallback.router)
    return root
