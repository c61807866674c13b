/* s3_service.c: the S3 front-end's configuration, opened once by main.c: --s3-keys (loaded
 * here; without it the endpoint accepts any request, the embedded default like the native API
 * without --token-file, and says so at start-up), --s3-domain, --s3-upload-ttl, and a warning
 * when the data directory cannot keep object metadata (no user extended attributes). */
#include "s3_internal.h"

#include "log.h"
#include "zd_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int s3_service_open(const opt_config *cfg, st_store *store, s3_service **out, char *err,
                    size_t errlen)
{
    s3_service *svc = calloc(1, sizeof *svc);
    if (!svc) {
        snprintf(err, errlen, "out of memory");
        return ZD_ENOMEM;
    }
    svc->store = store;
    svc->cfg = cfg;
    svc->domain = cfg->s3_domain;
    svc->domain_len = cfg->s3_domain ? strlen(cfg->s3_domain) : 0;
    svc->upload_ttl_ns = cfg->s3_upload_ttl_s * 1000000000ULL;
    if (cfg->s3_keys) {
        char why[512];
        int rc = s3_keys_load(cfg->s3_keys, &svc->keys, why, sizeof why);
        if (rc) {
            snprintf(err, errlen, "--s3-keys: %s", why);
            free(svc);
            return rc;
        }
        lg_log(LG_INFO, "s3: %zu credential(s) from %s; requests must be signed (SigV4)",
               svc->keys.n, cfg->s3_keys);
    } else {
        lg_log(LG_WARN, "s3: no --s3-keys: the S3 endpoint accepts any request, signed or not");
    }
    if (!store->keeps_meta)
        lg_log(LG_WARN, "s3: the data directory has no user extended attributes: object "
                        "metadata (Content-Type, x-amz-meta-*, MD5 ETags) cannot be kept; "
                        "x-amz-meta-* uploads are refused and ETags are not MD5s");
    *out = svc;
    return 0;
}

void s3_service_close(s3_service *svc)
{
    if (!svc) return;
    s3_keys_free(&svc->keys);
    free(svc);
}
