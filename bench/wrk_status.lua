-- wrk script for bench/load_bench.sh: counts every answer that is not 2xx across all threads
-- (wrk's own "Non-2xx or 3xx" line lets redirects to the login page pass as success).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  not_2xx = 0
  server_errors = 0
end

function response(status, headers, body)
  if status < 200 or status >= 300 then
    not_2xx = not_2xx + 1
  end
  if status >= 500 then
    server_errors = server_errors + 1
  end
end

function done(summary, latency, requests)
  local bad, fatal = 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("not_2xx")
    fatal = fatal + thread:get("server_errors")
  end
  local errors = summary.errors
  io.write(string.format(
    "RESULT requests=%d rps=%.1f p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f "
      .. "not_2xx=%d 5xx=%d socket_errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    bad, fatal, errors.connect + errors.read + errors.write + errors.timeout
  ))
end
