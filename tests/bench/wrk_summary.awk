# tests/bench/wrk_summary.awk: reads the output of `wrk --latency` and prints
# "REQ_PER_S P99_MS NON_2XX" for the benchmark scripts' tables (http_vs_nginx.sh,
# inplace_bench.sh).
/^Requests\/sec:/ { rps = $2 }
/^ +99%/ {
    v = $2; u = v; sub(/[a-z]+$/, "", v); sub(/^[0-9.]+/, "", u)
    p99 = (u == "us") ? v / 1000 : (u == "s") ? v * 1000 : v
}
/Non-2xx or 3xx responses:/ { bad = $NF }
END { printf "%s %s %d\n", rps, p99, bad }
