/* zt_peer.c: a hand-made TCP peer for client tests (see zt_peer.h). */
#include "zt_peer.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void *peer_main(void *arg)
{
    zt_peer *p = arg;
    while (!atomic_load(&p->stop)) {
        struct pollfd l = {.fd = p->listen_fd, .events = POLLIN};
        if (poll(&l, 1, 50) <= 0) continue;
        int fd = accept(p->listen_fd, NULL, NULL);
        if (fd < 0) continue;
        atomic_fetch_add(&p->connections, 1);
        p->serve(p, fd);
        close(fd);
    }
    return NULL;
}

void zt_peer_start(zt_peer *p, void (*serve)(zt_peer *p, int fd), void *arg)
{
    p->serve = serve;
    p->arg = arg;
    atomic_store(&p->connections, 0);
    atomic_store(&p->stop, false);
    p->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert_geq(p->listen_fd, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    cr_assert_eq(bind(p->listen_fd, (struct sockaddr *)&sa, sizeof sa), 0);
    cr_assert_eq(listen(p->listen_fd, 4), 0);
    cr_assert_eq(getsockname(p->listen_fd, (struct sockaddr *)&sa, &sl), 0);
    snprintf(p->url, sizeof p->url, "http://127.0.0.1:%d", ntohs(sa.sin_port));
    cr_assert_eq(pthread_create(&p->thread, NULL, peer_main, p), 0);
}

void zt_peer_stop(zt_peer *p)
{
    atomic_store(&p->stop, true);
    pthread_join(p->thread, NULL);
    close(p->listen_fd);
}
