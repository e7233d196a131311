-- followups.lua - wrk script for the community benchmark: every request is a
-- follow-up (POST /api/v1/community/episodes/{id}/followups) on one of the
-- open isolation entries, as grid workers record them on a peak day: mostly
-- ordinary readings, one in twenty with SpO2 <= 93 (an alert, so the reply
-- also ranks hospitals for a transfer).
--
-- Environment:
--   CREST_TOKEN     Bearer token of a user whose scope holds the entries
--   CREST_EPISODES  file with one open episode id per line
--   CREST_THREADS   wrk's -t, so threads split the entries between them

local token = os.getenv("CREST_TOKEN") or ""
local file = os.getenv("CREST_EPISODES") or "episodes.txt"
local nthreads = tonumber(os.getenv("CREST_THREADS") or "2")

local all = {}
for line in io.lines(file) do
    all[#all + 1] = line
end

local threads = {}
local counter = 0
function setup(thread)
    thread:set("tid", counter)
    counter = counter + 1
    table.insert(threads, thread)
end

function init(args)
    ids = {}
    for i = 1 + tid, #all, nthreads do
        ids[#ids + 1] = all[i]
    end
    n = 0
    math.randomseed(1000 + tid)
    wrk.headers["Authorization"] = "Bearer " .. token
    wrk.headers["Content-Type"] = "application/json"
end

function request()
    n = n + 1
    local id = ids[(n % #ids) + 1]
    local spo2 = 94 + math.random(0, 5)
    if math.random(1, 20) == 1 then
        spo2 = 90 + math.random(0, 3)
    end
    local temp = 36.5 + math.random(0, 25) / 10
    local body = string.format('{"temp":%.1f,"spo2":%d,"symptoms":["cough"]}', temp, spo2)
    return wrk.format("POST", "/api/v1/community/episodes/" .. id .. "/followups", nil, body)
end

function response(status, headers, body)
    if status ~= 201 then
        errors_seen = (errors_seen or 0) + 1
        if errors_seen <= 3 then
            io.stderr:write("followups.lua: status " .. status .. ": " .. body .. "\n")
        end
    end
end
