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
--   CREST_SHOW_ERRORS  set: print the first few non-201 answers

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

-- Every request is built once, in init(): wrk calls request() for each one,
-- and building it there (string.format, wrk.format) cost the load generator
-- about as much CPU as the server's HTTP threads, on the same two cores.
function init(args)
    math.randomseed(1000 + tid)
    wrk.headers["Authorization"] = "Bearer " .. token
    wrk.headers["Content-Type"] = "application/json"
    reqs = {}
    for i = 1 + tid, #all, nthreads do
        local spo2 = 94 + math.random(0, 5)
        if math.random(1, 20) == 1 then
            spo2 = 90 + math.random(0, 3)
        end
        local temp = 36.5 + math.random(0, 25) / 10
        local body = string.format('{"temp":%.1f,"spo2":%d,"symptoms":["cough"]}', temp, spo2)
        reqs[#reqs + 1] = wrk.format("POST", "/api/v1/community/episodes/" .. all[i] .. "/followups", nil, body)
    end
    n = 0
end

function request()
    n = n + 1
    return reqs[(n % #reqs) + 1]
end

-- A response() function makes wrk hand every answer's headers and body to
-- Lua; wrk counts non-2xx answers by itself, and the benchmark fails on any.
-- CREST_SHOW_ERRORS=1 prints the first few, to see why.
if os.getenv("CREST_SHOW_ERRORS") then
    function response(status, headers, body)
        if status ~= 201 then
            errors_seen = (errors_seen or 0) + 1
            if errors_seen <= 3 then
                io.stderr:write("followups.lua: status " .. status .. ": " .. body .. "\n")
            end
        end
    end
end
