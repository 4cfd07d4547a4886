#!/usr/bin/env bash
# The wheel installs and works outside the source tree: build it, install it into a fresh venv in a
# temporary folder, and from there run `python -m bot --help`, `python -m bot db upgrade` (SQLite) and
# load the catalogues that the build compiled into the package.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

rm -rf build  # setuptools' own build folder: a stale copy of a removed module would ride along
"$PY" -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" .
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet "$work"/dist/doorstep-*.whl

cd "$work"
export BOT_TOKEN="123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0" DATABASE_URL="sqlite+aiosqlite:///$work/doorstep.db" \
  STAFF_CHAT_ID=-1001000000001 DISTRICTS='[{"code": "a", "name": "A"}]'
"$work/venv/bin/python" -m bot --help >/dev/null
"$work/venv/bin/python" -m bot db upgrade
"$work/venv/bin/python" -m bot sandbox --help >/dev/null
# the real-looking BOT_TOKEN above talks to Telegram: the sandbox must refuse it (exit code 2), never start
status=0; "$work/venv/bin/python" -m bot sandbox --dir "$work/sandbox-data" 2>/dev/null || status=$?
[ "$status" -eq 2 ] || { echo "wheel: the sandbox did not refuse a real BOT_TOKEN (exit $status)"; exit 1; }
"$work/venv/bin/python" - <<'PYCODE'
from pathlib import Path

from bot.core.languages import LOCALES
from bot.ui.i18n import LOCALES_DIR, PACKAGED_LOCALES, build_i18n

assert LOCALES_DIR == PACKAGED_LOCALES, f"catalogues read from {LOCALES_DIR}, not the package"
before = sorted(p.name for p in Path(LOCALES_DIR).rglob("*"))
i18n = build_i18n("zh")
assert set(LOCALES) <= set(i18n.available_locales), i18n.available_locales  # every language, packaged
assert i18n.gettext("Cancelled. Nothing was sent.", locale="ru") != "Cancelled. Nothing was sent."
assert sorted(p.name for p in Path(LOCALES_DIR).rglob("*")) == before, "something was written into the install"
print("wheel: catalogues", ", ".join(sorted(i18n.available_locales)), "from the package")

from sandbox.web import STATIC

missing = [name for name in ("index.html", "app.js", "style.css") if not (STATIC / name).is_file()]
assert not missing, f"the sandbox's page is not in the wheel: {missing}"
PYCODE
echo "wheel: installs outside the tree, migrates and runs"
