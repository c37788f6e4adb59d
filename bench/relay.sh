#!/usr/bin/env bash
# Relay benchmark: the same chat completion request sent straight to mock-upstream and
# through the gateway (SQLite, request logging on, a real sk- token), with wrk, for
# c=1 and c=64, non-stream and stream. Prints a Markdown table of requests/s, p50/p99
# latency, the latency the gateway adds, and the gateway's RSS at rest and under load.
#
# Usage: bash bench/relay.sh
# Environment: TELEMETRY=1 (export every trace, sampling 1.0, to an OTLP/HTTP receiver
# the script runs), DURATION (seconds per measured point, default 10), WARMUP (seconds of
# unmeasured load before each point, default 2), THREADS64 (wrk threads at c=64,
# default 1), SKIP_BUILD=1 (use the binaries already in target/release), GATEWAY_BIN and
# MOCK_BIN (the binaries to run, default target/release/gateway and mock-upstream).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

duration="${DURATION:-10}"
warmup="${WARMUP:-2}"
threads64="${THREADS64:-1}"
lua="$root/bench/wrk-post.lua"
gateway_bin="${GATEWAY_BIN:-$root/target/release/gateway}"
mock_bin="${MOCK_BIN:-$root/target/release/mock-upstream}"

work="$(mktemp -d)"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*" >&2; }

# --- tools ---------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
  say "installing wrk (apt-get)"
  apt-get install -y -qq wrk >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null; }
fi
for tool in curl python3; do
  command -v "$tool" >/dev/null || { say "$tool is required"; exit 1; }
done

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  say "building release (cargo build --release)"
  cargo build --release --quiet --bin gateway --bin mock-upstream
fi

json_field() { python3 -c "import sys,json; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
cpu_ticks() { local f; read -ra f <"/proc/$1/stat"; echo $((f[13] + f[14])); }
rss_kb() {
  local k v _
  while read -r k v _; do if [ "$k" = VmRSS: ]; then echo "$v"; fi; done <"/proc/$1/status"
}

# --- mock-upstream -----------------------------------------------------------------------
mock_key="sk-bench-upstream-0123456789"
"$mock_bin" --port 0 --key "$mock_key" >"$work/mock.out" 2>&1 &
mock_pid=$!
pids+=("$mock_pid")
for _ in $(seq 100); do grep -q listening "$work/mock.out" && break; sleep 0.1; done
mock_addr="$(sed -n 's/^listening on //p' "$work/mock.out")"
[ -n "$mock_addr" ] || { say "mock-upstream did not start"; cat "$work/mock.out" >&2; exit 1; }

# --- OTLP receiver (TELEMETRY=1): accepts and counts trace exports ------------------------
telemetry_toml=""
if [ "${TELEMETRY:-0}" = 1 ]; then
  otlp_port="$(free_port)"
  python3 - "$otlp_port" "$work/otlp.count" >"$work/otlp.out" 2>&1 <<'PY' &
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
port, count_file = int(sys.argv[1]), sys.argv[2]
received = [0, 0]
class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        received[0] += 1
        received[1] += len(body)
        with open(count_file, "w") as f:
            f.write(f"{received[0]} exports, {received[1]} bytes\n")
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
ThreadingHTTPServer(("127.0.0.1", port), Receiver).serve_forever()
PY
  pids+=("$!")
  telemetry_toml="[telemetry]
otlp_endpoint = \"http://127.0.0.1:$otlp_port/v1/traces\"
sampling_ratio = 1.0"
  say "telemetry on: traces exported to 127.0.0.1:$otlp_port"
fi

# --- gateway -------------------------------------------------------------------------------
port="$(free_port)"
gw="http://127.0.0.1:$port"
admin_password="bench-admin-password"
cat >"$work/config.toml" <<TOML
[server]
listen = "127.0.0.1:$port"
[database]
url = "sqlite://$work/gateway.db"
[admin]
password = "$admin_password"
$telemetry_toml
TOML
RUST_LOG=warn "$gateway_bin" --config "$work/config.toml" >"$work/gateway.out" 2>&1 &
gw_pid=$!
pids+=("$gw_pid")
for _ in $(seq 100); do
  curl -s -o /dev/null "$gw/v1/models" && break
  kill -0 "$gw_pid" 2>/dev/null || { say "gateway exited"; cat "$work/gateway.out" >&2; exit 1; }
  sleep 0.1
done

api() { # METHOD PATH [JSON]
  curl -sS --fail-with-body -X "$1" "$gw$2" -H "authorization: Bearer $session" \
    -H 'content-type: application/json' ${3:+-d "$3"}
}
session="$(curl -sS --fail-with-body -X POST "$gw/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$admin_password\"}" | json_field token)"
api POST /providers "{\"name\":\"mock\",\"api_type\":\"openai\",\"base_url\":\"http://$mock_addr\"}" >/dev/null
api POST /providers/mock/keys "{\"key\":\"$mock_key\"}" >/dev/null
api POST /models/mock/cache '{"ids":["gpt-4o"]}' >/dev/null
# Builds with billing refuse unpriced models: mark this one free (older builds answer 404).
price_status="$(curl -sS -o "$work/price.out" -w '%{http_code}' -X POST "$gw/prices" \
  -H "authorization: Bearer $session" -H 'content-type: application/json' \
  -d '{"model":"mock/gpt-4o","free":true}')"
case "$price_status" in
  2?? | 404 | 405) ;;
  *) say "POST /prices answered $price_status: $(cat "$work/price.out")"; exit 1 ;;
esac
sk="$(api POST /tokens '{"name":"bench"}' | json_field key)"
case "$sk" in sk-*) ;; *) say "unexpected token: $sk"; exit 1 ;; esac

# Both sides get the same body apart from the model id. Stream requests ask for usage,
# as the gateway does upstream anyway, so the mock does the same work on both paths.
messages='"messages":[{"role":"user","content":"hi"}]'
stream_extra='"stream":true,"stream_options":{"include_usage":true}'
body_for() { # SIDE MODE
  local model=gpt-4o extra=''
  [ "$1" = gateway ] && model=mock/gpt-4o
  [ "$2" = stream ] && extra=",$stream_extra"
  printf '{"model":"%s",%s%s}' "$model" "$messages" "$extra"
}
url_for() { if [ "$1" = gateway ]; then echo "$gw"; else echo "http://$mock_addr"; fi; }
key_for() { if [ "$1" = gateway ]; then echo "$sk"; else echo "$mock_key"; fi; }

# One request per side and mode by curl, so a broken setup fails here and not as a
# table full of error counts.
for side in direct gateway; do
  for mode in non-stream stream; do
    out="$(curl -sS --fail-with-body "$(url_for "$side")/v1/chat/completions" \
      -H "authorization: Bearer $(key_for "$side")" -H 'content-type: application/json' \
      -d "$(body_for "$side" "$mode")")"
    case "$mode:$out" in
      non-stream:*'"choices"'*) ;;
      stream:*'data: [DONE]'*) ;;
      *) say "bad $mode answer from $side: $out"; exit 1 ;;
    esac
  done
done

sleep 1
rss_rest="$(rss_kb "$gw_pid")"

# --- load ------------------------------------------------------------------------------------
sampler_pid=""
start_sampler() {
  (while kill -0 "$gw_pid" 2>/dev/null; do rss_kb "$gw_pid"; sleep 0.05; done) >>"$work/rss64" &
  sampler_pid=$!
  pids+=("$sampler_pid")
}
stop_sampler() { kill "$sampler_pid" 2>/dev/null || true; wait "$sampler_pid" 2>/dev/null || true; }

gateway_requests=0
run_wrk() { # SIDE MODE CONC SECONDS -> RESULT line
  local threads=1
  [ "$3" -gt 1 ] && threads="$threads64"
  BENCH_BODY="$(body_for "$1" "$2")" BENCH_KEY="$(key_for "$1")" \
    wrk -t"$threads" -c"$3" -d"$4s" --timeout 5s -s "$lua" \
    "$(url_for "$1")/v1/chat/completions" | grep '^RESULT'
}

declare -A res cpu
for mode in non-stream stream; do
  for conc in 1 64; do
    for side in direct gateway; do
      warm="$(run_wrk "$side" "$mode" "$conc" "$warmup")"
      [ "$side" = gateway ] && gateway_requests=$((gateway_requests + $(awk '{print $2}' <<<"$warm")))
      [ "$side" = gateway ] && [ "$conc" = 64 ] && start_sampler
      g0="$(cpu_ticks "$gw_pid")" m0="$(cpu_ticks "$mock_pid")"
      line="$(run_wrk "$side" "$mode" "$conc" "$duration")"
      g1="$(cpu_ticks "$gw_pid")" m1="$(cpu_ticks "$mock_pid")"
      [ "$side" = gateway ] && [ "$conc" = 64 ] && stop_sampler
      read -r _ n dur p50 p99 mean err_status err_sock <<<"$line"
      if [ "$err_status" != 0 ] || [ "$err_sock" != 0 ]; then
        say "$side $mode c=$conc: $err_status status errors, $err_sock socket errors"
        exit 1
      fi
      [ "$side" = gateway ] && gateway_requests=$((gateway_requests + n))
      rps="$(python3 -c "print(round($n / ($dur / 1e6)))")"
      res["$mode,$conc,$side"]="$rps $p50 $p99"
      cpu["$mode,$conc,$side"]="$(python3 -c "t = $(getconf CLK_TCK) * $n / 1e6
print(round(($m1 - $m0) / t), round(($g1 - $g0) / t))")"
      say "$mode c=$conc $side: $rps req/s, p50 ${p50} us, p99 ${p99} us, mean ${mean} us ($n requests)"
    done
  done
done

rss_peak="$(sort -n "$work/rss64" | tail -1)"

# Every measured and warm-up request through the gateway must have left a log row. The
# writer may still be working through a backlog: wait until the count stops moving.
log_count() {
  python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from request_logs').fetchone()[0])" "$work/gateway.db"
}
log_rows="$(log_count)"
drain_start=$SECONDS
for _ in $(seq 120); do
  sleep 1
  now="$(log_count)"
  [ "$now" = "$log_rows" ] && break
  log_rows="$now"
done
drain_seconds=$((SECONDS - drain_start - 1))
rss_after="$(rss_kb "$gw_pid")"
expected_rows=$((gateway_requests + 2))
if [ "$log_rows" -lt "$expected_rows" ]; then
  say "request log has $log_rows rows, expected at least $expected_rows"
  exit 1
fi

# --- table ---------------------------------------------------------------------------------------
mb() { python3 -c "print(f'{$1 / 1024:.1f}')"; }
printf '\n'
printf 'wrk %s, %s s per point after %s s warm-up, %s cores, %s\n\n' \
  "$(wrk -v 2>&1 | head -1 | awk '{print $2}')" "$duration" "$warmup" "$(nproc)" "$(date '+%Y-%m-%d %H:%M')"
printf '| mode | c | direct rps | gateway rps | ratio | direct p50/p99 (us) | gateway p50/p99 (us) | added p50/p99 (us) |\n'
printf '| --- | --- | --- | --- | --- | --- | --- | --- |\n'
for mode in non-stream stream; do
  for conc in 1 64; do
    read -r drps dp50 dp99 <<<"${res[$mode,$conc,direct]}"
    read -r grps gp50 gp99 <<<"${res[$mode,$conc,gateway]}"
    ratio="$(python3 -c "print(f'{100 * $grps / $drps:.0f}%')")"
    printf '| %s | %s | %s | %s | %s | %s / %s | %s / %s | %s / %s |\n' "$mode" "$conc" \
      "$drps" "$grps" "$ratio" "$dp50" "$dp99" "$gp50" "$gp99" \
      "$((gp50 - dp50))" "$((gp99 - dp99))"
  done
done
printf '\nCPU time per request in us (utime+stime from /proc over a measured run, / requests):\n\n'
printf '| mode | c | mock, direct | mock, via gateway | gateway |\n| --- | --- | --- | --- | --- |\n'
for mode in non-stream stream; do
  for conc in 1 64; do
    read -r dm _ <<<"${cpu[$mode,$conc,direct]}"
    read -r gm gg <<<"${cpu[$mode,$conc,gateway]}"
    printf '| %s | %s | %s | %s | %s |\n' "$mode" "$conc" "$dm" "$gm" "$gg"
  done
done
printf '\n'
printf '| gateway RSS | MB |\n| --- | --- |\n'
printf '| at rest, after setup | %s |\n' "$(mb "$rss_rest")"
printf '| peak during the c=64 runs | %s |\n' "$(mb "$rss_peak")"
printf '| at rest, after the load | %s |\n' "$(mb "$rss_after")"
printf '\nrequest log: %s rows for %s requests that completed (more rows than requests:\n' \
  "$log_rows" "$expected_rows"
printf 'wrk does not count those in flight when a run ends); the log writer needed %s s\n' \
  "$drain_seconds"
printf 'after the load to catch up.\n'
if [ -f "$work/otlp.count" ]; then
  printf '\ntraces received by the OTLP receiver: %s\n' "$(cat "$work/otlp.count")"
fi
