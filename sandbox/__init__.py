"""The offline sandbox, kept apart from the bot (the bot never imports it; it knows only TELEGRAM_API_URL
and the clock): bot_api, the strict fake Telegram Bot API that the tests use too; and `python -m bot
sandbox`, the real bot run against it and shown in a web page (app: the command line; runtime: the fake,
the bot and the world started together; world and people: the seeded station and its personas; web,
render and static/: the page; tour: the guided tour for training)."""
