"""Database package: tables, engine, repositories and migrations."""
