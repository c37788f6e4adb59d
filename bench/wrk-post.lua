-- wrk script for bench/relay.sh: POSTs BENCH_BODY with "Authorization: Bearer BENCH_KEY"
-- and, when done, prints one machine-readable line:
--   RESULT requests duration_us p50_us p99_us mean_us status_errors socket_errors
-- wrk records each latency in whole microseconds, so the percentiles have 1 us resolution.
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %.1f %d %d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), latency.mean,
    e.status, e.connect + e.read + e.write + e.timeout))
end
