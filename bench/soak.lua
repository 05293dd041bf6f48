-- wrk: counts responses whose status is not the one expected (BENCH_EXPECT), and, when
-- BENCH_TOKENS names a file, sends its lines in turn as the Authorization header (invalid tokens:
-- bad signatures, unknown key ids). `done` prints "unexpected <n>" for the soak's verdict.
local expected = tonumber(os.getenv("BENCH_EXPECT") or "200")
local tokens = {}
local file = os.getenv("BENCH_TOKENS")
if file ~= nil and file ~= "" then
  for line in io.lines(file) do tokens[#tokens + 1] = line end
end
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  unexpected = 0
  index = 0
end

function request()
  if #tokens == 0 then return wrk.format("GET") end
  index = index % #tokens + 1
  return wrk.format("GET", nil, { ["Authorization"] = tokens[index] })
end

function response(status, headers, body)
  if status ~= expected then unexpected = unexpected + 1 end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("unexpected") end
  io.write(string.format("unexpected %d\n", total))
end
