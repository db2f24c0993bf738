#!/usr/bin/env bash
# A throw-away PostgreSQL for benchmarks: bench/postgres.sh start|stop|createdb NAME
# Uses Debian's server binaries (installed when missing); data in $BENCH_PGDATA, port $BENCH_PGPORT.
set -euo pipefail
PGDATA_DIR=${BENCH_PGDATA:-/tmp/iop-bench-pg}
PORT=${BENCH_PGPORT:-55432}

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bin" ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
# initdb refuses to run as root: run the server as the postgres user then.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "${1:-}" in
  start)
    if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
      mkdir -p "$PGDATA_DIR"; [ "$(id -u)" -eq 0 ] && chown postgres "$PGDATA_DIR"
      as_pg "$bin/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust >/dev/null
    fi
    as_pg "$bin/pg_ctl" -D "$PGDATA_DIR" -l "$PGDATA_DIR/server.log" -w \
      -o "-p $PORT -k /tmp -c max_connections=200 -c shared_buffers=512MB" start >/dev/null
    echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on port $PORT" ;;
  stop)
    as_pg "$bin/pg_ctl" -D "$PGDATA_DIR" -w stop >/dev/null ;;
  createdb)
    psql -h localhost -p "$PORT" -U postgres -qc "DROP DATABASE IF EXISTS $2" -c "CREATE DATABASE $2" ;;
  *) echo "usage: $0 start|stop|createdb NAME" >&2; exit 2 ;;
esac
