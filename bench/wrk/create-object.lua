-- POSTs SKIFF_BODY (its "NAME" replaced by a name unique across runs and threads) to SKIFF_PATH.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local counter = 0
local prefix
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.headers["User-Agent"] = "skiff-bench/1.0"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("SKIFF_TOKEN")

function init(args)
  prefix = (os.getenv("SKIFF_TAG") or tostring(os.time())) .. "t" .. tostring(tid)
end

request = function()
  counter = counter + 1
  local body = string.gsub(os.getenv("SKIFF_BODY"), "NAME", "w" .. prefix .. "-" .. counter)
  return wrk.format(nil, os.getenv("SKIFF_PATH"), nil, body)
end
