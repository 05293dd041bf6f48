-- wrk: `GET /api/private` with a DPoP-bound token and a fresh proof per request, read from the file
-- `bench/dpop.mjs` wrote (the token on the first line, one proof per line after it). Threads take
-- every `n`-th proof so no proof is sent twice; when they run out the bench says so.
local proofs, token = {}, nil
local path = os.getenv("BENCH_DPOP_FILE")
for line in io.lines(path) do
  if token == nil then token = line else proofs[#proofs + 1] = line end
end
local counter, threads = 0, {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  next_index = id + 1
  step = tonumber(os.getenv("BENCH_WRK_THREADS") or "1")
  exhausted = 0
end

function request()
  local proof = proofs[next_index]
  if proof == nil then
    exhausted = exhausted + 1
    proof = proofs[1]
  end
  next_index = next_index + step
  return wrk.format("GET", nil, { ["Authorization"] = "DPoP " .. token, ["DPoP"] = proof })
end
