-- POSTs pod-sized bodies with names unique across runs (SKIFF_TAG) and wrk threads (setup).
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
  local body = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"w' .. prefix .. '-' .. counter ..
    '","labels":{"app":"bench","tier":"web"},"annotations":{"bench/note":"' .. string.rep("x", 200) ..
    '"}},"spec":{"containers":[{"name":"app","image":"registry.example/app:1.2.3","ports":[{"containerPort":8080,"name":"http"}],' ..
    '"env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],"resources":{"requests":{"cpu":"100m","memory":"128Mi"}}}]}}'
  return wrk.format(nil, os.getenv("SKIFF_PATH") or "/api/v1/namespaces/default/pods", nil, body)
end
