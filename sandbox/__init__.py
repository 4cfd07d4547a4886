"""The offline sandbox (an embedded Telegram Bot API and, later, its web page), kept apart from the bot: the bot never imports it."""
