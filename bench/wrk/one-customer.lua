-- One purchase per request, always for the customer named by CUSTOMER. KEY and CUSTOMER come from the environment.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("KEY") or "")
local path = "/v1/customers/" .. (os.getenv("CUSTOMER") or "c1") .. "/activities"
local body = '{"type":"purchase","amount":1299,"currency":"eur"}'
request = function()
  return wrk.format(nil, path, nil, body)
end
