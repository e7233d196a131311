-- queue.lua - wrk script for the queue pillar's HTTP benchmark (bench/queue.sh).
-- Every request goes to the next fever clinic of a list, round robin, each
-- wrk thread starting at its own offset:
--   CREST_MODE=tickets   POST /api/v1/queue/clinics/ID/tickets {} (a desk ticket)
--   CREST_MODE=next      POST /api/v1/queue/clinics/ID/call-next {"counter":1}
-- Environment: CREST_TOKEN (a desk for all of them: admin), CREST_CLINICS
-- (file, one clinic id a line), CREST_THREADS (wrk's -t).
local token = os.getenv("CREST_TOKEN") or ""
local file = os.getenv("CREST_CLINICS") or "clinics.txt"
local mode = os.getenv("CREST_MODE") or "tickets"
local nthreads = tonumber(os.getenv("CREST_THREADS") or "2")

local ids = {}
for line in io.lines(file) do
    if #line > 0 then
        ids[#ids + 1] = line
    end
end

local threads = {}
function setup(thread)
    thread:set("tid", #threads)
    threads[#threads + 1] = thread
end

local k
function init(args)
    k = tid * math.floor(#ids / nthreads)
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
    local id = ids[k % #ids + 1]
    k = k + 1
    if mode == "next" then
        return wrk.format(nil, "/api/v1/queue/clinics/" .. id .. "/call-next", nil, '{"counter":1}')
    end
    return wrk.format(nil, "/api/v1/queue/clinics/" .. id .. "/tickets", nil, "{}")
end

statuses = {}
function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
    local total = {}
    for _, t in ipairs(threads) do
        for st, n in pairs(t:get("statuses")) do
            total[st] = (total[st] or 0) + n
        end
    end
    local keys = {}
    for st in pairs(total) do
        keys[#keys + 1] = st
    end
    table.sort(keys)
    io.write("statuses:")
    for _, st in ipairs(keys) do
        io.write(string.format(" %d=%d", st, total[st]))
    end
    io.write("\n")
end
