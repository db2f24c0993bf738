#!/usr/bin/env bash
# One command for the side-by-side comparison: the stock HAPI JPA starter, this server with security
# off, and this server in production configuration (security, Part 2 labelling and audit on), one after
# another on the same PostgreSQL and machine, with the same load; then a Markdown table of the ratios,
# written to bench/results/<date>-<commit>.md (machine, date, commit and every raw line included).
#
#   mvn package -DskipTests
#   STARTER_WAR=/path/to/hapi-fhir-jpaserver-starter/target/ROOT.war bench/compare.sh
#
# DRIVER_ARGS go to every run (e.g. "--scale 0.5"); ROUNDS (default 3) is how many times the core phases run
# (the driver's --rounds): the tables give the first round, on servers just started whose code is still being
# compiled, and the last, on servers as they are after a while; JVM_OPTS to every server (default -Xmx1g, the memory
# target being 1 GiB resident after the load, with the G1 options below). Without STARTER_WAR the starter run is skipped and
# the table shows this server only. PROFILE=1 records a JFR profile of each of this server's runs and
# adds its cost centres per phase (bench/JfrPhases.java) to the report.
set -euo pipefail
cd "$(dirname "$0")/.."
# The G1 options let an idle JVM collect fully and give unused heap back (the "after N s idle" figure), as the
# image does (docker/Dockerfile) but after 10 s instead of 30 s, within bench.sh's 30 s wait, and keep one copy of equal
# long-lived strings and return the native memory glibc keeps unused, as the image does (every 30 s there); the
# same for every server, as is the image's MALLOC_ARENA_MAX.
export JVM_OPTS=${JVM_OPTS:-"-Xmx1g -XX:G1PeriodicGCInterval=10000 -XX:-G1PeriodicGCInvokesConcurrent -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=15 -XX:+UseStringDeduplication -XX:TrimNativeHeapInterval=10000"}
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
stamp=$(date -u +%Y-%m-%dT%H%MZ)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
out_dir=bench/results
mkdir -p "$out_dir"
work=$(mktemp -d -t bench-compare-XXXX)
export DRIVER_ARGS="--rounds ${ROUNDS:-3} ${DRIVER_ARGS:-}"

run() { # name, then environment assignments for bench.sh
  local name=$1; shift
  local jvm=$JVM_OPTS
  if [ "${PROFILE:-0}" = 1 ] && [ "$name" != starter ]; then
    jvm="$jvm -XX:StartFlightRecording=filename=$work/$name.jfr,settings=profile,dumponexit=true"
  fi
  echo "== $name" >&2
  env "$@" JVM_OPTS="$jvm" bench/bench.sh >"$work/$name.out" 2>"$work/$name.err"
  cat "$work/$name.out" >&2
}

if [ -n "${STARTER_WAR:-}" ]; then
  run starter SERVER=starter STARTER_WAR="$STARTER_WAR" DRIVER_ARGS="${DRIVER_ARGS:-}"
fi
run off SECURITY=off DRIVER_ARGS="--core-only ${DRIVER_ARGS:-}"
run production SECURITY=on DRIVER_ARGS="${DRIVER_ARGS:-}"

report="$out_dir/$stamp-$commit.md"
python3 - "$work" "$report" "$stamp" "$commit" <<'PY'
import os, platform, re, subprocess, sys
work, report, stamp, commit = sys.argv[1:5]

def parse(name):
    path = os.path.join(work, name + ".out")
    if not os.path.exists(path):
        return None
    text = open(path).read()
    phases = {}
    for line in text.splitlines():
        m = re.match(r"^(\S+)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)"
                     r"(?:\s+([\d.]+|-)\s+([\d.]+|-))?(?:\s+([\d.]+|-)(?=\s*$|\s+[\d.]+ resources/s))?"
                     r"(?:\s+([\d.]+) resources/s)?", line)
        if m:
            number = lambda g: float(g) if g and g != "-" else None
            phases[m.group(1)] = {"errors": int(m.group(3)), "ops": float(m.group(4)), "p95": float(m.group(6)),
                                  "server_cpu": number(m.group(9)), "pg_cpu": number(m.group(10)),
                                  "jit_cpu": number(m.group(11)), "res": number(m.group(12))}
    start = re.search(r"start-up to first /metadata: ([\d.]+)s", text)
    restart = re.search(r"start-up with existing data to first /metadata: ([\d.]+)s", text)
    rss = re.search(r"RSS after load: (\d+) MiB", text)
    rss_idle = re.search(r"RSS after (\d+) s idle: (\d+) MiB", text)
    return {"phases": phases, "startup": float(start.group(1)) if start else None,
            "restart": float(restart.group(1)) if restart else None,
            "rss": int(rss.group(1)) if rss else None, "raw": text,
            "idle": (int(rss_idle.group(1)), int(rss_idle.group(2))) if rss_idle else None}

runs = {n: parse(n) for n in ("starter", "off", "production")}
def rate(run, phase):
    p = run and run["phases"].get(phase)
    if not p:
        return None
    return p["res"] if p["res"] is not None else p["ops"]
def ratio(a, b):
    return "%.2f" % (a / b) if a and b else "-"
def fmt(v):
    return "-" if v is None else ("%.1f" % v)

cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True, text=True).stdout.strip()
lines = [f"# Side by side, {stamp}, commit {commit}", "",
         f"Machine: {os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}, "
         f"load average at the end {os.getloadavg()[0]:.1f}; same PostgreSQL for every run; JVM options "
         f"`{os.environ.get('JVM_OPTS', '')}`, `MALLOC_ARENA_MAX={os.environ.get('MALLOC_ARENA_MAX', '')}`; "
         f"driver arguments `{os.environ.get('DRIVER_ARGS', '')}`. Each server runs as its image runs it: "
         "the starter's war as it is, ours unpacked (`java -Djarmode=tools -jar ... extract`).", "",
         "Throughput (operations/s; transaction and ingest: stored resources/s). Production = security, "
         "Part 2 labelling and audit on, a program clinician's token."]
def cpu(run, phase):
    p = run and run["phases"].get(phase)
    return (p["server_cpu"] or 0) + (p["pg_cpu"] or 0) if p and p["server_cpu"] is not None else None
def jit(run, phase):
    p = run and run["phases"].get(phase)
    return p["jit_cpu"] if p else None
def table(value, suffix):
    """The core workloads of one round, one value per server, with the production ratios."""
    rows = ["", "| workload | starter | ours, security off | ours, production | production / starter | production / off |",
            "|---|---:|---:|---:|---:|---:|"]
    for phase in ("create", "transaction", "search", "read", "ingest"):
        s, o, p = (value(runs[n], phase + suffix) for n in ("starter", "off", "production"))
        rows.append(f"| {phase} | {fmt(s)} | {fmt(o)} | {fmt(p)} | {ratio(p, s)} | {ratio(p, o)} |")
    return rows
rounds = [("", "the last round of the core phases: servers whose code the earlier rounds compiled, as after a while in service")]
if any(r and "create@1" in r["phases"] for r in runs.values()):
    rounds.append(("@1", "the first round: servers just started, compiling the code each phase reaches for the first time"))
for suffix, what in rounds:
    lines += ["", f"### {what[0].upper() + what[1:]}", "", "Throughput:"]
    lines += table(rate, suffix)
    lines += ["", "CPU time per call (ms): the server process plus all PostgreSQL processes, during the measured calls. "
              "Steadier than throughput on a shared machine; a ratio above 1 means production needs more CPU per call."]
    lines += table(cpu, suffix)
    lines += ["", "Of the server's CPU per call, the JIT compiler threads' (ms):"]
    lines += table(jit, suffix)
prod = runs["production"]["phases"] if runs["production"] else {}
lines += ["", "This server in production configuration, p95 latency (ms); phases named NAME/1 ran with one client alone "
          "(the response time of a call), the others with all client threads at once:", "",
          "| phase | ops/s | p95 ms |", "|---|---:|---:|"]
for phase, v in prod.items():
    if phase.split("@")[0] not in ("create", "transaction", "search", "read", "ingest"):
        lines.append(f"| {phase} | {v['ops']:.1f} | {v['p95']:.1f} |")
if "profiled" in prod and "unprofiled" in prod:
    lines += ["", f"Profiled create (validated) / the same create unvalidated: "
              f"**{prod['profiled']['ops'] / prod['unprofiled']['ops']:.2f}**"]
lines += ["", "| | starter | ours, security off | ours, production |", "|---|---:|---:|---:|"]
lines.append("| start-up to first /metadata, empty database (s) | " + " | ".join(fmt(runs[n] and runs[n]["startup"]) for n in ("starter", "off", "production")) + " |")
lines.append("| start-up to first /metadata, the database the load filled (s) | " + " | ".join(fmt(runs[n] and runs[n]["restart"]) for n in ("starter", "off", "production")) + " |")
lines.append("| resident memory after the load (MiB) | " + " | ".join(str(runs[n]["rss"]) if runs[n] and runs[n]["rss"] else "-" for n in ("starter", "off", "production")) + " |")
idle = next((r["idle"][0] for r in runs.values() if r and r["idle"]), None)
if idle:
    lines.append(f"| resident memory {idle} s after the load (MiB) | " + " | ".join(str(runs[n]["idle"][1]) if runs[n] and runs[n]["idle"] else "-" for n in ("starter", "off", "production")) + " |")
errors = {n: sum(v["errors"] for v in r["phases"].values()) for n, r in runs.items() if r}
lines += ["", "Errors per run: " + ", ".join(f"{n} {e}" for n, e in errors.items()), "", "## Raw output", ""]
for n, r in runs.items():
    if r:
        lines += [f"### {n}", "", "```", r["raw"].rstrip(), "```", ""]
open(report, "w").write("\n".join(lines) + "\n")
print("\n".join(lines[:lines.index("## Raw output")]))
print("written to " + report)
PY

if [ "${PROFILE:-0}" = 1 ]; then
  for name in off production; do
    { echo; echo "## Where $name spent its CPU (JFR, bench/JfrPhases.java)"
      java bench/JfrPhases.java "$work/$name.jfr" "$work/$name.err"; } | tee -a "$report"
  done
fi
