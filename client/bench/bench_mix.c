/* bench_mix.c: parsing and sampling of the load generator's operation mix (see bench_mix.h). */
#include "bench_mix.h"

#include "bench_opts.h"
#include "zd_error.h"

#include <string.h>

static const char *const op_names[ZB_OP_COUNT] = {"get", "range", "put", "patch", "shard", "batch"};

const char *zb_op_name(zb_op op)
{
    return (unsigned)op < ZB_OP_COUNT ? op_names[op] : "?";
}

int zb_mix_parse(const char *s, zb_mix *mix)
{
    memset(mix, 0, sizeof(*mix));
    if (!s || !*s) return ZD_EINVAL;
    bool seen[ZB_OP_COUNT] = {false};
    while (*s) {
        size_t item = strcspn(s, ",");
        const char *eq = memchr(s, '=', item);
        if (!eq) return ZD_EINVAL;
        size_t name_len = (size_t)(eq - s);
        int op = -1;
        for (int i = 0; i < ZB_OP_COUNT; i++)
            if (strlen(op_names[i]) == name_len && memcmp(s, op_names[i], name_len) == 0) op = i;
        if (op < 0 || seen[op]) return ZD_EINVAL;
        seen[op] = true;
        char num[16];
        size_t num_len = item - name_len - 1;
        if (num_len == 0 || num_len >= sizeof(num)) return num_len == 0 ? ZD_EINVAL : ZD_ERANGE;
        memcpy(num, eq + 1, num_len);
        num[num_len] = 0;
        uint64_t w;
        int rc = zb_parse_u64(num, 0, ZB_MIX_MAX_WEIGHT, &w);
        if (rc) return rc;
        mix->weight[op] = (uint32_t)w;
        mix->total += (uint32_t)w; /* at most 6 * 1e6: no overflow */
        s += item;
        if (*s == ',') {
            s++;
            if (!*s) return ZD_EINVAL;
        }
    }
    return mix->total > 0 ? 0 : ZD_EINVAL;
}

zb_op zb_mix_pick(const zb_mix *mix, uint64_t r)
{
    uint32_t x = (uint32_t)(r % mix->total);
    for (int i = 0; i < ZB_OP_COUNT; i++) {
        if (x < mix->weight[i]) return (zb_op)i;
        x -= mix->weight[i];
    }
    return ZB_OP_GET; /* unreachable while total is the sum of the weights */
}
