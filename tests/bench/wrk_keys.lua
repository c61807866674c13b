-- tests/bench/wrk_keys.lua: a wrk script that writes one body to 1,000 existing keys in turn,
-- the overwrite load of http_vs_nginx.sh and inplace_bench.sh. Set in the environment:
--   WRK_BODY    file holding the body (required)
--   WRK_PREFIX  key path before the key number (default "/put/k")
--   WRK_METHOD  PUT (default) or PATCH: a raw PATCH of the body at a random multiple of its
--               size below WRK_SPAN bytes (Content-Range: bytes A-B/*)
--   WRK_SPAN    the PATCHed values' size (default 65536)
--   WRK_TYPE    a Content-Type to send, if set
local f = assert(io.open(assert(os.getenv("WRK_BODY"), "WRK_BODY is not set"), "rb"))
local body = f:read("*a")
f:close()
local prefix = os.getenv("WRK_PREFIX") or "/put/k"
local method = os.getenv("WRK_METHOD") or "PUT"
local slots = math.floor((tonumber(os.getenv("WRK_SPAN")) or 65536) / #body)
local ctype = os.getenv("WRK_TYPE")
local n = math.random(0, 999)
request = function()
    n = (n + 1) % 1000
    local headers = {}
    if ctype then headers["Content-Type"] = ctype end
    if method == "PATCH" then
        local off = math.random(0, slots - 1) * #body
        headers["Content-Range"] = "bytes " .. off .. "-" .. (off + #body - 1) .. "/*"
    end
    return wrk.format(method, prefix .. n, headers, body)
end
