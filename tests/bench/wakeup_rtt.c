/* wakeup_rtt.c: the shortest request-response this machine allows between two processes. A
 * parent sends 100 bytes, a child that waits in read() answers 150, and the parent waits in
 * read() for them: one round trip, two wakeups, as between any client and server. Measured
 * over a Unix socket pair and over TCP on 127.0.0.1 (TCP_NODELAY), and for comparison with
 * both ends in one thread (the same system calls, no wakeup). A one-request array read over
 * the network cannot take less than the round trip, whatever either side does. Last, the two
 * processes again with both ends busy-polling (recv with MSG_DONTWAIT in a loop, a core each
 * spinning while it waits): what removing the wakeups would buy, at the price of those cores.
 *
 * Prints the best and the median of ROUNDS rounds of N round trips each, in us per round
 * trip. A program, not a test: numbers are reported, never asserted.
 *
 *   wakeup_rtt [N] [ROUNDS]   (default 20000, 5)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ASK        100
#define ANSWER     150
#define MAX_ROUNDS 99

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Read exactly n bytes, waiting in read() or spinning on a non-blocking recv(); 0 ok, -1 on
 * error or end of stream. */
static int read_all(int fd, char *buf, size_t n, bool spin)
{
    for (size_t got = 0; got < n;) {
        ssize_t r =
            spin ? recv(fd, buf + got, n - got, MSG_DONTWAIT) : read(fd, buf + got, n - got);
        if (r < 0 && spin && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;
        if (r <= 0) return -1;
        got += (size_t)r;
    }
    return 0;
}

static int exchange(int fd, char *buf, size_t out, size_t in, bool spin)
{
    return write(fd, buf, out) == (ssize_t)out ? read_all(fd, buf, in, spin) : -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *name, double *us, int rounds)
{
    qsort(us, (size_t)rounds, sizeof(*us), cmp_double);
    printf("%-38s best %7.2f us, median %7.2f us per round trip\n", name, us[0], us[rounds / 2]);
}

/* Both ends in this thread: a's request, b's answer, each read right after its write. */
static int same_thread(int a, int b, long n, int rounds, const char *name)
{
    char buf[ANSWER] = {0};
    double us[MAX_ROUNDS];
    for (int r = 0; r < rounds; r++) {
        double t0 = now_s();
        for (long i = 0; i < n; i++)
            if (write(a, buf, ASK) != ASK || read_all(b, buf, ASK, false) ||
                write(b, buf, ANSWER) != ANSWER || read_all(a, buf, ANSWER, false))
                return -1;
        us[r] = (now_s() - t0) / (double)n * 1e6;
    }
    report(name, us, rounds);
    return 0;
}

/* A child answers on b until the parent closes a; the parent times its round trips on a. */
static int two_processes(int a, int b, long n, int rounds, bool spin, const char *name)
{
    char buf[ANSWER] = {0};
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        close(a);
        while (read_all(b, buf, ASK, spin) == 0)
            if (write(b, buf, ANSWER) != ANSWER) break;
        _exit(0);
    }
    close(b);
    double us[MAX_ROUNDS];
    int rc = 0;
    for (int r = 0; r < rounds && !rc; r++) {
        double t0 = now_s();
        for (long i = 0; i < n && !rc; i++)
            rc = exchange(a, buf, ASK, ANSWER, spin);
        us[r] = (now_s() - t0) / (double)n * 1e6;
    }
    close(a);
    waitpid(pid, NULL, 0);
    if (!rc) report(name, us, rounds);
    return rc;
}

/* A connected pair of TCP sockets on 127.0.0.1 with Nagle off; 0 ok. */
static int tcp_pair(int sv[2])
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);
    if (l < 0) return -1;
    int ok = bind(l, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(l, 1) == 0 &&
             getsockname(l, (struct sockaddr *)&sa, &len) == 0 &&
             (sv[0] = socket(AF_INET, SOCK_STREAM, 0)) >= 0 &&
             connect(sv[0], (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
             (sv[1] = accept(l, NULL, NULL)) >= 0;
    close(l);
    for (int i = 0; ok && i < 2; i++)
        ok = setsockopt(sv[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0;
    return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    if (argc > 3 || n < 1 || n > 10000000 || rounds < 1 || rounds > MAX_ROUNDS) {
        fprintf(stderr, "usage: wakeup_rtt [N 1..10000000] [ROUNDS 1..%d]\n", MAX_ROUNDS);
        return 2;
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) ||
        same_thread(sv[0], sv[1], n, rounds, "unix socket, one thread"))
        goto fail;
    close(sv[0]);
    close(sv[1]);
    if (tcp_pair(sv) || same_thread(sv[0], sv[1], n, rounds, "tcp 127.0.0.1, one thread"))
        goto fail;
    close(sv[0]);
    close(sv[1]);
    for (int spin = 0; spin <= 1; spin++) {
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) ||
            two_processes(sv[0], sv[1], n, rounds, spin,
                          spin ? "unix socket, two processes spinning"
                               : "unix socket, two processes"))
            goto fail;
        if (tcp_pair(sv) || two_processes(sv[0], sv[1], n, rounds, spin,
                                          spin ? "tcp 127.0.0.1, two processes spinning"
                                               : "tcp 127.0.0.1, two processes"))
            goto fail;
    }
    return 0;
fail:
    perror("wakeup_rtt");
    return 1;
}
