-- wrk script for the RMA benchmarks (driven by benchmarks/rma.py).
--
--   wrk -t1 -c8 -d20s --latency -s benchmarks/rma.lua http://127.0.0.1:PORT -- MODE TOKEN DATAFILE THREADS
--
-- MODE: receive (POST /api/v1/rma-receipts; DATAFILE lines "scanned<TAB>serial")
--       approve (POST /api/v1/rmas/{validation number}/approve; DATAFILE lines: the numbers)
-- Each item is sent once: every wrk thread walks its own slice of DATAFILE in order (a line
-- can be received once, a request approved once). done() prints one line "JSON {...}".

local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

local mode, items, headers, first, last
local next_item = 0
non2xx = 0
unexpected = 0  -- 2xx answers that are not what the mode expects (a box not "received")
exhausted = 0

function init(args)
  mode = args[1]
  headers = {
    ["Authorization"] = "Bearer " .. args[2],
    ["Accept"] = "application/json",
    ["Content-Type"] = "application/json",
  }
  items = {}
  for line in io.lines(args[3]) do
    if line ~= "" then items[#items + 1] = line end
  end
  local n = tonumber(args[4] or "1")
  local slice = math.floor(#items / n)
  first = ((tid or 1) - 1) * slice + 1
  last = first + slice - 1
  next_item = first
end

local function take()
  if next_item > last then
    exhausted = exhausted + 1
    next_item = first  -- wraps: repeats answer 409 and show as errors
  end
  local item = items[next_item]
  next_item = next_item + 1
  return item
end

function request()
  local item = take()
  if mode == "receive" then
    local scanned, serial = item:match("^([^\t]*)\t?(.*)$")
    local body = string.format('{"scanned":"%s","serial":"%s"}', scanned, serial or "")
    return wrk.format("POST", "/api/v1/rma-receipts", headers, body)
  elseif mode == "approve" then
    return wrk.format("POST", "/api/v1/rmas/" .. item .. "/approve", headers, "")
  end
  error("unknown mode " .. tostring(mode))
end

function response(status, hdrs, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if non2xx <= 3 then io.stderr:write("HTTP " .. status .. ": " .. string.sub(body or "", 1, 300) .. "\n") end
  elseif mode == "receive" and not string.find(body or "", '"outcome":%s*"received"') then
    unexpected = unexpected + 1
    if unexpected <= 3 then io.stderr:write("not received: " .. string.sub(body or "", 1, 300) .. "\n") end
  elseif mode == "approve" and not string.find(body or "", '"status":%s*"approved"') then
    unexpected = unexpected + 1
    if unexpected <= 3 then io.stderr:write("not approved: " .. string.sub(body or "", 1, 300) .. "\n") end
  end
end

function done(summary, latency, requests)
  local bad, odd, wrapped = 0, 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("non2xx") or 0)
    odd = odd + (thread:get("unexpected") or 0)
    wrapped = wrapped + (thread:get("exhausted") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'JSON {"requests":%d,"duration_us":%d,"mean_us":%.1f,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"err_connect":%d,"err_read":%d,"err_write":%d,"err_timeout":%d,"err_status":%d,"non2xx":%d,' ..
    '"unexpected":%d,"exhausted":%d}\n',
    summary.requests, summary.duration, latency.mean, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout, e.status, bad, odd, wrapped))
end
