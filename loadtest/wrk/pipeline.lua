-- wrk script: pipeline DEPTH (default 16) GETs of the URL's path per write.
--   DEPTH=16 wrk -t1 -c64 -d10s -s loadtest/wrk/pipeline.lua http://127.0.0.1:8080/hello
local depth = tonumber(os.getenv("DEPTH") or "16")
init = function(args)
   local r = {}
   for i = 1, depth do
      r[i] = wrk.format(nil)
   end
   req = table.concat(r)
end
request = function()
   return req
end
