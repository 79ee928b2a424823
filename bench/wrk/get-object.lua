-- GETs objects l-0 .. l-99 under SKIFF_PATH in turn.
local counter = 0
wrk.headers["Accept"] = os.getenv("SKIFF_ACCEPT") or "application/json"
wrk.headers["User-Agent"] = "skiff-bench/1.0"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("SKIFF_TOKEN")
request = function()
  counter = counter + 1
  return wrk.format("GET", os.getenv("SKIFF_PATH") .. "/l-" .. (counter % 100))
end
