/*
 * hello.c - the bare libmicrohttpd server that the read benchmark compares
 * crest against: the same daemon flags and pool as src/http/server.c
 * (internal polling thread, epoll, turbo, suspend/resume allowed, a pool of
 * THREADS workers, connection limit and backlog), and a handler that answers every request with
 * a fixed 13-byte body. No routing, no auth, no database, no log: it is the
 * ceiling that libmicrohttpd and the kernel set on this machine.
 *
 * It is not part of crest and is never installed; bench/run.sh starts it.
 *
 *   hello PORT [THREADS]    serve 127.0.0.1:PORT until SIGINT or SIGTERM
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char BODY[] = "Hello, world\n";

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    (void)upload_data;
    if (!*con_cls) { /* first call: headers only, as in crest */
        *con_cls = (void *)1;
        return MHD_YES;
    }
    *upload_data_size = 0;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(sizeof BODY - 1, (void *)BODY, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
    enum MHD_Result ok = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ok;
}

static long arg_long(const char *s, long min, long max)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    return v;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fputs("usage: hello PORT [THREADS]\n", stderr);
        return 2;
    }
    long port = arg_long(argv[1], 1, 65535);
    long threads = argc == 3 ? arg_long(argv[2], 1, 256) : 2;
    if (port < 0 || threads < 0) {
        fputs("hello: PORT wants 1..65535, THREADS 1..256\n", stderr);
        return 2;
    }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* workers inherit: signals come to sigwait */
    signal(SIGPIPE, SIG_IGN);

    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, &sa,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
        MHD_OPTION_CONNECTION_LIMIT, 4000u, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "hello: cannot listen on 127.0.0.1:%ld\n", port);
        return 1;
    }
    int sig = 0;
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    return 0;
}
