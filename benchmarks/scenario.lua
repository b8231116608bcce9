-- wrk script for the caredesk API benchmark (driven by benchmarks/load.py).
--
--   wrk -t1 -c8 -d20s --latency -s benchmarks/scenario.lua http://127.0.0.1:PORT -- MODE TOKEN [DATAFILE] [SITE]
--
-- MODE: detail (GET /api/v1/cases/{id}, ids from DATAFILE), list (GET /api/v1/cases),
--       search (GET /api/v1/cases?q=word, words from DATAFILE), create (POST /api/v1/cases).
-- done() prints one line "JSON {...}" with the figures load.py records.

local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

local mode, items, headers
local counter = 0
non2xx = 0

local subjects = { "router", "switch", "firewall", "gateway", "controller", "transceiver", "power supply" }
local symptoms = { "reboots", "drops packets", "overheats", "is unreachable", "shows alarms", "fails the upgrade" }

function init(args)
  mode = args[1]
  headers = { ["Authorization"] = "Bearer " .. args[2], ["Accept"] = "application/json" }
  items = {}
  if args[3] and args[3] ~= "" then
    for line in io.lines(args[3]) do
      if line ~= "" then items[#items + 1] = line end
    end
  end
  site = args[4] or ""
  math.randomseed(os.time() * 1000 + (tid or 0))
  if mode == "create" then headers["Content-Type"] = "application/json" end
end

local function pick(list)
  return list[math.random(#list)]
end

function request()
  if mode == "detail" then
    return wrk.format("GET", "/api/v1/cases/" .. pick(items), headers)
  elseif mode == "list" then
    return wrk.format("GET", "/api/v1/cases", headers)
  elseif mode == "entitlement" then
    return wrk.format("GET", "/api/v1/entitlements?q=" .. pick(items), headers)
  elseif mode == "search" then
    return wrk.format("GET", "/api/v1/cases?q=" .. pick(items), headers)
  elseif mode == "create" then
    counter = counter + 1
    local body = string.format(
      '{"kind":"admin","request_type":"general-inquiry","request_subtype":"other","priority":"P3",' ..
      '"follow_up_method":"email","callback_phone":"+1 408 555 0100","site_code":"%s",' ..
      '"summary":"Load test: %s %s (%d)",' ..
      '"description":"Opened by the benchmark. The %s %s since this morning; logs follow by e-mail."}',
      site, pick(subjects), pick(symptoms), counter, pick(subjects), pick(symptoms))
    return wrk.format("POST", "/api/v1/cases", headers, body)
  end
  error("unknown mode " .. tostring(mode))
end

function response(status, hdrs, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if non2xx <= 3 then io.stderr:write("HTTP " .. status .. ": " .. string.sub(body or "", 1, 300) .. "\n") end
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("non2xx") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'JSON {"requests":%d,"duration_us":%d,"mean_us":%.1f,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"err_connect":%d,"err_read":%d,"err_write":%d,"err_timeout":%d,"err_status":%d,"non2xx":%d}\n',
    summary.requests, summary.duration, latency.mean, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout, e.status, bad))
end
