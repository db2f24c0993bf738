#!/usr/bin/env bash
# Start a FHIR server on a fresh PostgreSQL database, measure start-up to the first successful
# /metadata, run the load driver, report memory, restart the server on the filled database and measure
# start-up again, stop the server.
#
#   bench/bench.sh                  # this server (build it first: mvn package -DskipTests)
#   SERVER=starter STARTER_WAR=/path/ROOT.war bench/bench.sh   # stock HAPI JPA starter 8.8.0
#
# Extra load-driver arguments go in DRIVER_ARGS (e.g. "--threads 16 --scale 2", or "--review-only"
# for only the $attendance / $medical-necessity phases on 12-, 26- and 52-week episodes), extra server
# arguments in SERVER_ARGS (e.g. "--hapi.fhir.reuse_cached_search_results_millis=0"), JVM options in
# JVM_OPTS; with -XX:NativeMemoryTracking=summary among them the JVM's memory by area is printed at the end.
#
# SECURITY=on (default for this server): a throw-away RSA key pair is generated, the server trusts
# its public half as the token issuer, and the driver signs a clinician's bearer token with the
# private half - authentication, SMART scopes, Part 2 labelling and consent, audit all on.
# SECURITY=off: the same server with security, labelling and audit turned off, for the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
SERVER=${SERVER:-iop}
PORT=${PORT:-8090}
PGPORT=${BENCH_PGPORT:-55432}
DB="bench_${SERVER}"
JVM_OPTS=${JVM_OPTS:-"-Xmx2g"}
log=$(mktemp -t "bench-$SERVER-XXXX.log")

bench/postgres.sh start || true
bench/postgres.sh createdb "$DB"
url="jdbc:postgresql://localhost:$PGPORT/$DB"

SECURITY=${SECURITY:-on}
driver_security=()
case "$SERVER" in
  iop)
    # Unpacked, as the image runs it (docker/Dockerfile): classes load from plain jars, not nested ones.
    rm -rf target/bench-app
    java -Djarmode=tools -jar target/iop-fhir-server.jar extract --destination target/bench-app >/dev/null
    cmd=(java $JVM_OPTS -jar target/bench-app/iop-fhir-server.jar --server.port="$PORT"
         --spring.datasource.url="$url" --spring.datasource.username=postgres)
    if [ "$SECURITY" = on ]; then
      keys=$(mktemp -d -t bench-keys-XXXX)
      openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$keys/issuer.key" 2>/dev/null
      openssl pkey -in "$keys/issuer.key" -pubout -out "$keys/issuer.pub"
      issuer=https://login.bench.test
      cmd+=(--iop.security.issuer-uri=$issuer --iop.security.public-key-location=file:$keys/issuer.pub)
      driver_security=(--token-key "$keys/issuer.key" --issuer $issuer)
    else
      cmd+=(--iop.security.enabled=false --iop.security.part2-labelling=false --iop.security.audit.enabled=false)
    fi ;;
  starter)
    # The war as the starter's image runs it (nested jars).
    cmd=(java $JVM_OPTS -jar "${STARTER_WAR:?set STARTER_WAR to the path of the starter war}" --server.port="$PORT"
         --spring.datasource.url="$url" --spring.datasource.username=postgres --spring.datasource.password=
         --spring.datasource.driverClassName=org.postgresql.Driver
         --spring.jpa.properties.hibernate.dialect=ca.uhn.fhir.jpa.model.dialect.HapiFhirPostgresDialect
         --hapi.fhir.fhir_version=R4) ;;
  *) echo "SERVER must be iop or starter" >&2; exit 2 ;;
esac

start=$(date +%s.%N)
"${cmd[@]}" ${SERVER_ARGS:-} >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
until curl -sf -o /dev/null "http://localhost:$PORT/fhir/metadata"; do
  kill -0 $pid 2>/dev/null || { echo "server died, see $log" >&2; exit 1; }
  sleep 0.2
done
startup=$(echo "$(date +%s.%N) - $start" | bc)
rss_idle=$(( $(ps -o rss= -p $pid) / 1024 ))
mode="security $SECURITY"; [ "$SERVER" = starter ] && mode="its defaults"
echo "server: $SERVER ($mode)  start-up to first /metadata: ${startup}s  RSS after start: ${rss_idle} MiB"

iop_args=""
if [ "$SERVER" = iop ]; then
  # Copies of the example episode (other ids) for $attendance and $medical-necessity, the 12-week one
  # too: the profiled/unprofiled phases add their sessions to the example episode itself.
  episodes=$(mktemp -d -t bench-episodes-XXXX)
  for weeks in 12 26 52; do
    python3 profiles/examples/build_example_episode.py --weeks "$weeks" --prefix "bench$weeks" \
      "$episodes/episode-$weeks.json" >/dev/null
    iop_args="$iop_args --episode $weeks=$episodes/episode-$weeks.json"
  done
  iop_args="--iop$iop_args"
fi
java bench/LoadDriver.java --base "http://localhost:$PORT/fhir" --server-pid $pid --clock-ticks "$(getconf CLK_TCK)" \
  $iop_args "${driver_security[@]}" ${DRIVER_ARGS:-}

rss_load=$(( $(ps -o rss= -p $pid) / 1024 ))
echo "RSS after load: ${rss_load} MiB (JVM options: $JVM_OPTS)"
# What the server keeps once the load is over: with -XX:G1PeriodicGCInterval among the JVM options an idle
# JVM collects and gives unused heap back to the system (IDLE_SECONDS=0 skips the wait).
idle=${IDLE_SECONDS:-30}
if [ "$idle" -gt 0 ]; then
  sleep "$idle"
  echo "RSS after ${idle} s idle: $(( $(ps -o rss= -p $pid) / 1024 )) MiB"
fi
if [[ "$JVM_OPTS" == *NativeMemoryTracking* ]]; then
  # Where the resident memory is, by JVM area (committed KiB): heap, classes, code, threads, GC, ...
  jcmd $pid VM.native_memory summary | grep -E '^-? *[A-Z][A-Za-z ]+ \(reserved=' | sed 's/^- *//'
fi

# Start-up again on the database the load has filled (RESTART=0 skips it): what a restart or a new replica
# costs, with the schema, the guide and the data already there.
if [ "${RESTART:-1}" = 1 ]; then
  kill $pid; wait $pid 2>/dev/null || true
  start=$(date +%s.%N)
  "${cmd[@]}" ${SERVER_ARGS:-} >>"$log" 2>&1 &
  pid=$!
  until curl -sf -o /dev/null "http://localhost:$PORT/fhir/metadata"; do
    kill -0 $pid 2>/dev/null || { echo "server died on restart, see $log" >&2; exit 1; }
    sleep 0.2
  done
  echo "start-up with existing data to first /metadata: $(echo "$(date +%s.%N) - $start" | bc)s"
fi
