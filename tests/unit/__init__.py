"""Unit tests of the domain modules (bot/domain): one file per module, no bot, no database, no HTTP."""
