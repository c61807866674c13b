/* shard_check_tool.c: the shard checker as a command, for operators and scripts:
 *
 *   shard_check SHARD_FILE ZARR_JSON
 *
 * checks one stored shard against its array's zarr.json: index size, crc32c, every entry
 * inside the file, outside the index and not overlapping another, and every inner chunk
 * decoding with the array's inner codecs. Prints a one-line report; exit status 0 when the
 * shard is sound, 1 when it is not, 2 on a usage or zarr.json problem. */
#include "shard_check_file.h"
#include "zd_codec.h"
#include "zd_meta.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s SHARD_FILE ZARR_JSON\n", argv[0]);
        return 2;
    }
    zd_buf json = {0};
    zd_meta *meta = NULL;
    zd_chunk_spec spec;
    zd_codec_chain *chain = NULL;
    zd_error err = {0};
    if (sh_check_read_file(argv[2], &json, &err) != 0 ||
        zd_meta_parse((const char *)json.data, json.len, &meta, &err) != 0 ||
        zd_meta_chunk_spec(meta, &spec) != 0 ||
        zd_codec_chain_new(meta->codecs, &spec, &chain, &err) != 0 ||
        !zd_codec_chain_shard_layout(chain)) {
        fprintf(stderr, "%s: not a sharded array's zarr.json %s\n", argv[2], err.msg);
        zd_codec_chain_free(chain);
        zd_meta_free(meta);
        zd_buf_free(&json);
        return 2;
    }
    sh_check_codec cc = {.inner = zd_codec_chain_inner(chain)};
    sh_check_report rep;
    int rc = zd_codec_ctx_new(&cc.ctx);
    if (rc == 0)
        rc = sh_check_file(argv[1], zd_codec_chain_shard_layout(chain), sh_check_decodes, &cc, &rep,
                           &err);
    if (rc == 0)
        printf("%s: ok, %llu bytes, %llu inner chunks (%llu bytes) live\n", argv[1],
               (unsigned long long)rep.size, (unsigned long long)rep.live_chunks,
               (unsigned long long)rep.live_bytes);
    else
        printf("%s: BAD: %s\n", argv[1], err.msg[0] ? err.msg : zd_strerror(rc));
    zd_codec_ctx_free(cc.ctx);
    zd_buf_free(&cc.decoded);
    zd_codec_chain_free(chain);
    zd_meta_free(meta);
    zd_buf_free(&json);
    return rc == 0 ? 0 : 1;
}
