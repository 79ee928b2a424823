-- GETs existing pods l-0 .. l-99 of namespace list100 in turn.
local counter = 0
wrk.headers["Accept"] = "application/json"
wrk.headers["User-Agent"] = "skiff-bench/1.0"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("SKIFF_TOKEN")
request = function()
  counter = counter + 1
  return wrk.format("GET", "/api/v1/namespaces/list100/pods/l-" .. (counter % 100))
end
