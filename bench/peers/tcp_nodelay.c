/*
 * LD_PRELOAD shim for the benchmark's FalkorDB server (redis-server + FalkorDB module).
 *
 * 1. accept / accept4: set TCP_NODELAY on every accepted TCP socket. FalkorDB's experimental
 *    Bolt writer sends a reply in 4 KB chunks on a socket without TCP_NODELAY, so with Nagle
 *    on, every reply larger than one chunk waits ~40 ms for the client's delayed ACK.
 *    Without this, a benchmark measures the kernel's delayed-ACK timer, not the library.
 *
 * 2. bind: when SHIM_BOLT_PORT is set, a TCP bind of that port to the wildcard address
 *    (0.0.0.0 or ::) is rewritten to loopback (127.0.0.1 or ::1), because the Bolt listener
 *    ignores redis' --bind. Any other bind (redis' own sockets, other ports, unix sockets)
 *    is passed through unchanged. An IPv6 wildcard socket that is dual-stack (IPV6_V6ONLY off)
 *    is rewritten to the v4-mapped loopback ::ffff:127.0.0.1 so 127.0.0.1 clients still reach it.
 *
 * Build: gcc -O2 -shared -fPIC -o tcp_nodelay.so tcp_nodelay.c -ldl
 * Set SHIM_DEBUG=1 to log each rewrite to stderr.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

typedef int (*accept_fn)(int, struct sockaddr *, socklen_t *);
typedef int (*accept4_fn)(int, struct sockaddr *, socklen_t *, int);
typedef int (*bind_fn)(int, const struct sockaddr *, socklen_t);

static int debug_enabled(void) {
    const char *value = getenv("SHIM_DEBUG");
    return value != NULL && value[0] == '1';
}

static void set_nodelay(int fd) {
    if (fd < 0) return;
    int saved = errno;
    struct sockaddr_storage local;
    socklen_t len = sizeof(local);
    if (getsockname(fd, (struct sockaddr *)&local, &len) == 0 &&
        (local.ss_family == AF_INET || local.ss_family == AF_INET6)) {
        int one = 1;
        int rc = setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (debug_enabled()) fprintf(stderr, "tcp_nodelay shim: fd %d TCP_NODELAY rc=%d\n", fd, rc);
    }
    errno = saved;
}

int accept(int fd, struct sockaddr *addr, socklen_t *len) {
    static accept_fn real = NULL;
    if (real == NULL) real = (accept_fn)dlsym(RTLD_NEXT, "accept");
    int client = real(fd, addr, len);
    set_nodelay(client);
    return client;
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    static accept4_fn real = NULL;
    if (real == NULL) real = (accept4_fn)dlsym(RTLD_NEXT, "accept4");
    int client = real(fd, addr, len, flags);
    set_nodelay(client);
    return client;
}

static int bolt_port(void) {
    const char *value = getenv("SHIM_BOLT_PORT");
    if (value == NULL || value[0] == '\0') return -1;
    long port = strtol(value, NULL, 10);
    return (port > 0 && port < 65536) ? (int)port : -1;
}

int bind(int fd, const struct sockaddr *addr, socklen_t len) {
    static bind_fn real = NULL;
    if (real == NULL) real = (bind_fn)dlsym(RTLD_NEXT, "bind");
    int port = bolt_port();
    if (port > 0 && addr != NULL) {
        if (addr->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
            const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
            if (ntohs(in->sin_port) == port && in->sin_addr.s_addr == htonl(INADDR_ANY)) {
                struct sockaddr_in copy = *in;
                copy.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                if (debug_enabled()) fprintf(stderr, "tcp_nodelay shim: bind 0.0.0.0:%d -> 127.0.0.1\n", port);
                return real(fd, (const struct sockaddr *)&copy, sizeof(copy));
            }
        } else if (addr->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
            const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)addr;
            if (ntohs(in6->sin6_port) == port && memcmp(&in6->sin6_addr, &in6addr_any, sizeof(in6addr_any)) == 0) {
                struct sockaddr_in6 copy = *in6;
                int v6only = 0;
                socklen_t optlen = sizeof(v6only);
                getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &optlen);
                if (v6only) {
                    copy.sin6_addr = in6addr_loopback;
                } else {
                    /* dual-stack: keep IPv4 clients working, on loopback only */
                    inet_pton(AF_INET6, "::ffff:127.0.0.1", &copy.sin6_addr);
                }
                if (debug_enabled())
                    fprintf(stderr, "tcp_nodelay shim: bind [::]:%d -> %s\n", port, v6only ? "[::1]" : "[::ffff:127.0.0.1]");
                return real(fd, (const struct sockaddr *)&copy, sizeof(copy));
            }
        }
    }
    return real(fd, addr, len);
}
