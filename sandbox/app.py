"""`python -m bot sandbox`: the real bot against the embedded Telegram Bot API, shown in a web page.

Nothing to configure and no network: the bot runs unchanged (handlers, services, outbox sender, ticks)
on SQLite in the data folder, talks to the fake Bot API on 127.0.0.1, and the page (sandbox.web) lets
you be its users. The bot knows it is in a sandbox only by TELEGRAM_API_URL and by the clock the page
moves.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from dotenv import dotenv_values

from bot.core.config import TOKEN_SHAPE
from bot.core.logs import setup_logging
from bot.telegram.startup import StartupError
from db.migrate import SchemaOutdated
from sandbox.runtime import Sandbox, wipe
from sandbox.web import make_web_app

log = logging.getLogger(__name__)

DEFAULT_PORT = 8470
DEFAULT_DIR = Path("sandbox-data")


# ------------------------------------------------------------------ command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """`python -m bot sandbox` options."""
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"the page's port (default {DEFAULT_PORT})")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to serve the page on (default 127.0.0.1; any other needs --password)")
    parser.add_argument("--password", help="require this password (HTTP basic auth, any user name)")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR,
                        help=f"where the sandbox keeps its database (default ./{DEFAULT_DIR})")
    parser.add_argument("--fresh", action="store_true", help="start over: a new database and world")


def is_loopback(host: str) -> bool:
    """Whether a host name or address stays on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def real_telegram_problem(environ: dict[str, str] | None = None, env_file: Path = Path(".env")) -> str | None:
    """Why the sandbox must not start here: a real bot token configured to talk to Telegram itself (the
    sandbox never uses it, but refusing makes sure a mix-up can never reach real people)."""
    values: dict[str, Any] = dict(dotenv_values(env_file)) if env_file.is_file() else {}
    values.update({k: v for k, v in (os.environ if environ is None else environ).items()
                   if k in ("BOT_TOKEN", "TELEGRAM_API_URL")})
    token = str(values.get("BOT_TOKEN") or "").strip()
    api = str(values.get("TELEGRAM_API_URL") or "").strip()
    host = (urlsplit(api).hostname or "") if api else "api.telegram.org"
    if TOKEN_SHAPE.fullmatch(token) and (host == "telegram.org" or host.endswith(".telegram.org")):
        return ("Refusing to start the sandbox: BOT_TOKEN (environment or .env) is a real bot token and "
                "TELEGRAM_API_URL points at Telegram. Run the sandbox in a folder without that .env, or unset BOT_TOKEN.")
    return None


def check_arguments(args: argparse.Namespace) -> str | None:
    """A problem with the options, or None."""
    if not 0 < args.port < 65536:
        return f"--port {args.port}: not a port"
    if not is_loopback(args.host) and not args.password:
        return (f"--host {args.host} would show the sandbox to other machines: add --password "
                "(the page then asks for it)")
    return None


async def serve(args: argparse.Namespace) -> None:
    """Run the sandbox and its page until SIGINT/SIGTERM."""
    sandbox = Sandbox(args.dir)
    runner = web.AppRunner(make_web_app(sandbox, password=args.password), access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    try:  # the port first: a second sandbox on a busy port must not touch the first one's folder
        await web.TCPSite(runner, args.host, args.port).start()
    except OSError as exc:
        await runner.cleanup()
        raise SystemExit(f"Cannot serve the sandbox on {args.host}:{args.port}: {exc.strerror}") from None
    try:
        if args.fresh:
            wipe(args.dir)
        await sandbox.start()
    except BaseException:
        await runner.cleanup()
        raise
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{host}:{args.port}/"
    print(f"Doorstep sandbox: open {url} (offline; Ctrl+C to stop)", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # Windows
            pass
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await sandbox.stop()


def main(argv: list[str]) -> None:
    """Entry point of `python -m bot sandbox`."""
    parser = argparse.ArgumentParser(prog="python -m bot sandbox",
                                     description="Try Doorstep offline: the real bot, an embedded Telegram, a web page")
    add_arguments(parser)
    args = parser.parse_args(argv)
    problem = check_arguments(args) or real_telegram_problem()
    if problem:
        print(problem, file=sys.stderr)
        raise SystemExit(2)
    setup_logging("WARNING", "text")
    try:
        asyncio.run(serve(args))
    except SchemaOutdated as exc:  # a --dir from a newer Doorstep
        print(f"Cannot start the sandbox: {exc} (or start over with --fresh)", file=sys.stderr)
        raise SystemExit(3) from None
    except StartupError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(exc.exit_code) from None
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main(sys.argv[1:])
