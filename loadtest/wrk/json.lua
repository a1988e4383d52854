-- wrk script: POST a JSON document of exactly BODY_SIZE bytes (default 65536) to the URL's path,
-- the document RequestMix's json kind sends: [{"id":0,"name":"item-0"},...] padded with spaces.
--   BODY_SIZE=65536 wrk -t1 -c64 -d10s -s loadtest/wrk/json.lua http://127.0.0.1:8080/json
local size = tonumber(os.getenv("BODY_SIZE") or "65536")
local parts = {"["}
local length = 1
local i = 0
while true do
  local sep = ""
  if i > 0 then sep = "," end
  local object = sep .. '{"id":' .. i .. ',"name":"item-' .. i .. '"}'
  if length + #object + 1 > size then break end
  parts[#parts + 1] = object
  length = length + #object
  i = i + 1
end
parts[#parts + 1] = string.rep(" ", size - length - 1) .. "]"
wrk.method = "POST"
wrk.body = table.concat(parts)
wrk.headers["Content-Type"] = "application/json"
