# shellcheck shell=bash
# Sourced by .ci/run: start a throwaway PostgreSQL server for the journal's PostgreSQL tests,
# export KNEECOACH_TEST_POSTGRES_URL, and stop the server (and remove its files) on exit.
# Installs the Debian `postgresql` package when no server binaries are found (CI runs as
# root on Debian). The server listens on a Unix socket in a temporary folder only.
# With KNEECOACH_REQUIRE_POSTGRES set (.ci/run sets it), no server is an error, not a skip.

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$pg_bin" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing the Debian postgresql package for the journal's PostgreSQL tests"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
fi

if [ -z "$pg_bin" ]; then
    if [ "${KNEECOACH_REQUIRE_POSTGRES:-0}" != 0 ]; then
        echo "PostgreSQL not found and KNEECOACH_REQUIRE_POSTGRES is set: cannot run the journal's PostgreSQL tests" >&2
        return 1 2>/dev/null || exit 1
    fi
    echo "PostgreSQL not found: the journal's PostgreSQL tests will be skipped" >&2
else
    pg_dir=$(mktemp -d /tmp/kneecoach-pg.XXXXXX)
    pg_port=${KNEECOACH_CI_PG_PORT:-54329}
    as_pg=()
    if [ "$(id -u)" = 0 ]; then  # initdb refuses root: run the server as an unprivileged user
        id kneecoach-ci >/dev/null 2>&1 || useradd --system --no-create-home kneecoach-ci
        chown kneecoach-ci "$pg_dir"
        as_pg=(runuser -u kneecoach-ci --)
    fi
    "${as_pg[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U kneecoach --auth=trust -E UTF8 >/dev/null
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
        -o "-k $pg_dir -p $pg_port -c listen_addresses=''" start >/dev/null
    stop_postgres() {
        "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$pg_dir"
    }
    trap stop_postgres EXIT
    export KNEECOACH_TEST_POSTGRES_URL="postgresql+psycopg://kneecoach@/postgres?host=$pg_dir&port=$pg_port"
    echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') running for the tests ($pg_dir)"
fi
