-- One purchase per request for a random customer out of 100,000. KEY comes from the environment.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("KEY") or "")
local body = '{"type":"purchase","amount":1299,"currency":"eur"}'
request = function()
  return wrk.format(nil, "/v1/customers/c" .. math.random(1, 100000) .. "/activities", nil, body)
end
