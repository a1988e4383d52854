-- wrk script: POST a body of BODY_SIZE bytes (default 1024) to the URL's path.
--   wrk -t1 -c64 -d10s -s loadtest/wrk/post.lua http://127.0.0.1:8080/echo
--   BODY_SIZE=65536 wrk ... -s loadtest/wrk/post.lua http://127.0.0.1:8080/echo
local size = tonumber(os.getenv("BODY_SIZE") or "1024")
wrk.method = "POST"
wrk.body = string.rep("x", size)
wrk.headers["Content-Type"] = "application/octet-stream"
