-- 1,000 activities per request, for random customers out of 100,000: logins, or purchases with BATCH_TYPE=purchase.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("KEY") or "")
local fields = os.getenv("BATCH_TYPE") == "purchase" and '"type":"purchase","amount":1299,"currency":"eur"}' or '"type":"login"}'
request = function()
  local items = {}
  for i = 1, 1000 do
    items[i] = '{"customerId":"c' .. math.random(1, 100000) .. '",' .. fields
  end
  return wrk.format(nil, "/v1/activities/batch", nil, '{"activities":[' .. table.concat(items, ",") .. ']}')
end
