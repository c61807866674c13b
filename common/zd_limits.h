/* zd_limits.h: hard bounds shared by server and client. Every count or size that arrives from
 * the network or from a stored file is checked against one of these before it is used. */
#ifndef ZD_LIMITS_H
#define ZD_LIMITS_H

#define ZD_MAX_DIMS         32                  /* array rank */
#define ZD_MAX_KEY          1024                /* bytes in a decoded key */
#define ZD_MAX_SHARD_CHUNKS (1u << 24)          /* inner chunks per shard (16 Mi; index 256 MiB) */
#define ZD_MAX_CHUNK_BYTES  ((uint64_t)1 << 32) /* decoded bytes of one (inner) chunk: 4 GiB */

#endif
