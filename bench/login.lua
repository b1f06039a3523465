-- wrk script for the sign-in flood: every request is POST /api/v1/auth/login with a
-- demo account's real credentials, so each one runs a full argon2id verification and
-- opens a session. At the end it prints how many answers of each status it got (a
-- 429 or 503 costs the server nothing, so the flood only counts if they are absent).
--   wrk -t1 -c32 -d20s -s bench/login.lua http://127.0.0.1:8080/api/v1/auth/login
-- LOGIN_EMAIL / LOGIN_PASSWORD override the demo sponsor's credentials.

local email = os.getenv("LOGIN_EMAIL") or "sponsor@openfund.test"
local password = os.getenv("LOGIN_PASSWORD") or "demo-sponsor-amber-lantern"

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"email":"%s","password":"%s"}', email, password)

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(total) do
    table.insert(parts, status .. "=" .. n)
  end
  table.sort(parts)
  io.write("Statuses: " .. table.concat(parts, " ") .. "\n")
end
