#!/usr/bin/env bash
# The whole test suite, on a fresh machine, in one command:
#   bash tests/run.sh
# 1. installs what the tests need from Debian's packages if missing (PostgreSQL, Chromium and
#    ChromeDriver for the browser tests, poppler-utils to read PDFs back as text);
# 2. builds and runs every test on SQLite;
# 3. starts a throwaway PostgreSQL on loopback and runs the same tests on it.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Plugins are compiled from source to wasm32 by the plugin host's build script.
rustup target add wasm32-unknown-unknown wasm32-wasip2 >/dev/null

# Builds are kept outside the clone so that a second run on the same machine is incremental.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${HOME:-/tmp}/.cache/induct-target}"
export INDUCT_REQUIRE_BROWSER=1

# componentize-js from npm, for the test that builds and runs a plugin written in JavaScript.
js_dir="${HOME:-/tmp}/.cache/induct-componentize-js"
if [ ! -d "$js_dir/node_modules/@bytecodealliance/componentize-js" ]; then
  echo "== installing componentize-js from npm"
  mkdir -p "$js_dir"
  (cd "$js_dir" && npm install --no-audit --no-fund --silent @bytecodealliance/componentize-js@0.23.0 >/dev/null)
fi
export INDUCT_COMPONENTIZE_JS="$js_dir"
export INDUCT_REQUIRE_JS=1
export RUST_BACKTRACE=0

echo "== building"
cargo build --workspace --all-targets --locked

echo "== tests on SQLite"
cargo test --workspace --locked

echo "== starting PostgreSQL on loopback"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pgdir=$(mktemp -d /tmp/induct-pg.XXXXXX)
pgport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then chown postgres "$pgdir"; fi
stop_pg() { run_pg "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$pgdir"; }
trap stop_pg EXIT
run_pg "$pgbin/initdb" -D "$pgdir/data" -U induct --auth=trust -E UTF8 >/dev/null
# Durability settings are off: the cluster is thrown away after the run.
run_pg "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w start \
  -o "-p $pgport -k $pgdir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
export INDUCT_TEST_PG_URL="postgres://induct@127.0.0.1:$pgport/postgres"

echo "== tests on PostgreSQL"
cargo test --workspace --locked
echo "== all tests passed on SQLite and PostgreSQL"
