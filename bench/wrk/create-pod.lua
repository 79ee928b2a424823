-- POSTs pod-sized bodies with unique names; wrk's per-thread counter keeps names distinct.
local counter = 0
-- Each run names its pods apart from earlier runs (wrk does not seed math.random).
local tag = os.getenv("SKIFF_TAG") or tostring(os.time())
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("SKIFF_TOKEN")
request = function()
  counter = counter + 1
  local body = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"w' .. tag .. '-' .. counter ..
    '","labels":{"app":"bench","tier":"web"},"annotations":{"bench/note":"' .. string.rep("x", 200) ..
    '"}},"spec":{"containers":[{"name":"app","image":"registry.example/app:1.2.3","ports":[{"containerPort":8080,"name":"http"}],' ..
    '"env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],"resources":{"requests":{"cpu":"100m","memory":"128Mi"}}}]}}'
  return wrk.format(nil, os.getenv("SKIFF_PATH") or "/api/v1/namespaces/default/pods", nil, body)
end
