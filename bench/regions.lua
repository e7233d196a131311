-- regions.lua - wrk script for the durable-write benchmark: every request is a
-- POST /api/v1/regions that adds a grid with a code nobody has used yet.
--
-- Environment:
--   CREST_TOKEN        Bearer token of a user allowed to add regions (admin)
--   CREST_COMMUNITIES  file with one 12-digit community code per line
--   CREST_ORDER        "scattered" (default): consecutive requests go to
--                      different communities, so inserts land all over the
--                      code indexes, as real edits do; "clustered": each
--                      community gets its new grids one after another
--   CREST_THREADS      wrk's -t, so that threads split the codes between them
--
-- The demo's grids use suffixes 001-0xx; this script uses 500-998, so a fresh
-- copy of the demo database never answers 409. Each thread takes its own slice
-- of the communities, so two threads never pick the same code.

local token = os.getenv("CREST_TOKEN") or ""
local file = os.getenv("CREST_COMMUNITIES") or "communities.txt"
local order = os.getenv("CREST_ORDER") or "scattered"
local nthreads = tonumber(os.getenv("CREST_THREADS") or "2")

local all = {}
for line in io.lines(file) do
    if #line == 12 then
        all[#all + 1] = line
    end
end

local threads = {}
function setup(thread)
    thread:set("tid", #threads)
    threads[#threads + 1] = thread
end

local mine, k
function init(args)
    mine = {}
    for i = 1, #all do
        if (i - 1) % nthreads == tid then
            mine[#mine + 1] = all[i]
        end
    end
    k = 0
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
    local n = #mine
    local comm, suffix
    if order == "clustered" then
        comm = mine[math.floor(k / 499) % n + 1]
        suffix = 500 + k % 499
    else
        comm = mine[k % n + 1]
        suffix = 500 + math.floor(k / n) % 499
    end
    k = k + 1
    local code = comm .. string.format("%03d", suffix)
    local body = '{"parent":"' .. comm .. '","code":"' .. code ..
                     '","name":"bench ' .. code .. '","level":"grid"}'
    return wrk.format(nil, "/api/v1/regions", nil, body)
end

-- count answers by status, so that anything but 201 can be explained
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
