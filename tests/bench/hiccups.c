/* hiccups.c: how long this machine stops a running thread by itself. The thread does nothing
 * but read the monotonic clock; any gap between two readings is time the thread did not run
 * (an interrupt, the kernel, another task, or the hypervisor taking the virtual CPU). On a
 * quiet machine the gaps bound from below the tail latency any server can show here: a
 * request that arrives during a 3 ms gap waits 3 ms, whatever the server does.
 *
 * Prints how many gaps exceeded 10 us, 50 us, 100 us, 500 us, 1 ms and 5 ms, the longest,
 * and the share of the time lost in gaps over 10 us. A program, not a test: numbers are
 * reported, never asserted. Pin it with taskset to watch one CPU.
 *
 *   hiccups [SECONDS]   (default 5)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    static const uint64_t limit_ns[] = {10000, 50000, 100000, 500000, 1000000, 5000000};
    enum { NLIMITS = sizeof(limit_ns) / sizeof(limit_ns[0]) };
    double seconds = argc > 1 ? strtod(argv[1], NULL) : 5.0;
    if (argc > 2 || !(seconds > 0 && seconds <= 3600)) {
        fprintf(stderr, "usage: hiccups [SECONDS]   (0 < SECONDS <= 3600)\n");
        return 2;
    }
    uint64_t over[NLIMITS] = {0}, longest = 0, lost = 0;
    uint64_t start = now_ns(), end = start + (uint64_t)(seconds * 1e9), last = start;
    for (uint64_t t = start; t < end; last = t) {
        t = now_ns();
        uint64_t gap = t - last;
        if (gap > longest) longest = gap;
        if (gap <= limit_ns[0]) continue;
        lost += gap;
        for (int i = 0; i < NLIMITS; i++)
            over[i] += gap > limit_ns[i];
    }
    printf("hiccups over %.1f s: >10us %llu, >50us %llu, >100us %llu, >500us %llu, >1ms %llu, "
           ">5ms %llu; longest %.3f ms; time in gaps >10us %.2f%%\n",
           seconds, (unsigned long long)over[0], (unsigned long long)over[1],
           (unsigned long long)over[2], (unsigned long long)over[3], (unsigned long long)over[4],
           (unsigned long long)over[5], (double)longest / 1e6,
           100.0 * (double)lost / ((double)(end - start)));
    return 0;
}
