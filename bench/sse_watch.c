/*
 * sse_watch.c - the live-view benchmark of the queue pillar: N watchers of
 * one clinic's event stream (GET /api/v1/queue/clinics/ID/events,
 * Accept: text/event-stream), then ROUNDS calls of the next number through
 * the API; for each call, the time from sending the call-next request until
 * each watcher has received the event naming the called number. Prints the
 * slowest watcher's delay and the 50th/99th percentile per round, and overall.
 *
 *   sse_watch HOST PORT CLINIC_ID TOKEN [WATCHERS=1000] [ROUNDS=5]
 *
 * One thread, epoll over all sockets; plain HTTP/1.1. Exit 1 when a watcher
 * missed an event within 10 s.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct w {
    int fd;
    char buf[16384];
    size_t n;
    int64_t got_us; /* when the awaited event arrived, 0 = not yet */
};

static struct sockaddr_in sa;

static int dial(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        perror("connect");
        exit(2);
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void send_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t k = write(fd, s, n);
        if (k <= 0) {
            perror("write");
            exit(2);
        }
        s += k;
        n -= (size_t)k;
    }
}

/* Keep the last part of a watcher's stream (events are small; a needle is
 * never split past half the buffer). */
static void feed(struct w *w, const char *p, size_t n)
{
    if (n > sizeof w->buf - 1) {
        p += n - (sizeof w->buf - 1);
        n = sizeof w->buf - 1;
    }
    if (w->n + n > sizeof w->buf - 1) {
        size_t keep = sizeof w->buf / 2;
        if (keep > w->n)
            keep = w->n;
        memmove(w->buf, w->buf + w->n - keep, keep);
        w->n = keep;
        if (w->n + n > sizeof w->buf - 1)
            w->n = 0;
    }
    memcpy(w->buf + w->n, p, n);
    w->n += n;
    w->buf[w->n] = '\0';
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* POST call-next; returns the called number ("A012") in out. */
static int call_next(const char *clinic, const char *token, char *out, size_t cap)
{
    int fd = dial();
    char req[1024];
    const char *body = "{\"counter\":1}";
    int n = snprintf(req, sizeof req,
                     "POST /api/v1/queue/clinics/%s/call-next HTTP/1.1\r\nHost: x\r\n"
                     "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                     clinic, token, strlen(body), body);
    send_all(fd, req, (size_t)n);
    char resp[65536];
    size_t got = 0;
    ssize_t k;
    while (got < sizeof resp - 1 && (k = read(fd, resp + got, sizeof resp - 1 - got)) > 0)
        got += (size_t)k;
    resp[got] = '\0';
    close(fd);
    const char *p = strstr(resp, "\"number\":\"");
    if (strncmp(resp, "HTTP/1.1 200", 12) != 0 || !p) {
        fprintf(stderr, "call-next failed: %.300s\n", resp);
        return -1;
    }
    p += 10;
    size_t i = 0;
    while (p[i] && p[i] != '"' && i + 1 < cap) {
        out[i] = p[i];
        i++;
    }
    out[i] = '\0';
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: sse_watch HOST PORT CLINIC_ID TOKEN [WATCHERS] [ROUNDS]\n");
        return 2;
    }
    int nw = argc > 5 ? (int)strtol(argv[5], NULL, 10) : 1000;
    int rounds = argc > 6 ? (int)strtol(argv[6], NULL, 10) : 5;
    if (nw < 1 || nw > 100000 || rounds < 1 || rounds > 1000) {
        fprintf(stderr, "sse_watch: WATCHERS 1..100000, ROUNDS 1..1000\n");
        return 2;
    }
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)strtol(argv[2], NULL, 10));
    inet_pton(AF_INET, argv[1], &sa.sin_addr);
    struct w *ws = calloc((size_t)nw, sizeof *ws);
    int ep = epoll_create1(0);
    char req[512];
    int rn = snprintf(req, sizeof req,
                      "GET /api/v1/queue/clinics/%s/events HTTP/1.1\r\nHost: x\r\nAccept: "
                      "text/event-stream\r\n\r\n",
                      argv[3]);
    for (int i = 0; i < nw; i++) {
        ws[i].fd = dial();
        send_all(ws[i].fd, req, (size_t)rn);
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, ws[i].fd, &ev);
    }
    /* every watcher's first event */
    int ready = 0;
    int64_t until = now_us() + 20000000;
    struct epoll_event evs[256];
    while (ready < nw && now_us() < until) {
        int n = epoll_wait(ep, evs, 256, 200);
        for (int k = 0; k < n; k++) {
            struct w *w = &ws[evs[k].data.u32];
            char b[8192];
            ssize_t got = read(w->fd, b, sizeof b);
            if (got <= 0)
                continue;
            bool before = strstr(w->buf, "event: queue") != NULL;
            feed(w, b, (size_t)got);
            if (!before && strstr(w->buf, "event: queue"))
                ready++;
        }
    }
    printf("watchers: %d connected, %d with a first event\n", nw, ready);
    int64_t *d = calloc((size_t)nw, sizeof *d), *all = calloc((size_t)nw * rounds, sizeof *all);
    int nall = 0, missed = 0;
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < nw; i++) {
            ws[i].n = 0;
            ws[i].buf[0] = '\0';
            ws[i].got_us = 0;
        }
        char num[32], needle[64];
        int64_t t0 = now_us();
        if (call_next(argv[3], argv[4], num, sizeof num) != 0)
            return 1;
        snprintf(needle, sizeof needle, "\"label\":\"%s\"", num);
        int have = 0;
        until = now_us() + 10000000;
        while (have < nw && now_us() < until) {
            int n = epoll_wait(ep, evs, 256, 100);
            int64_t t = now_us();
            for (int k = 0; k < n; k++) {
                struct w *w = &ws[evs[k].data.u32];
                char b[8192];
                ssize_t got = read(w->fd, b, sizeof b);
                if (got <= 0)
                    continue;
                feed(w, b, (size_t)got);
                if (!w->got_us && strstr(w->buf, needle)) {
                    w->got_us = t;
                    have++;
                }
            }
        }
        int m = 0;
        for (int i = 0; i < nw; i++)
            if (ws[i].got_us) {
                d[m++] = ws[i].got_us - t0;
                all[nall++] = ws[i].got_us - t0;
            }
        missed += nw - m;
        qsort(d, (size_t)m, sizeof *d, cmp64);
        if (m)
            printf("round %d: %s reached %d/%d watchers; p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
                   r + 1, num, m, nw, d[m / 2] / 1000.0, d[(int)(0.99 * (m - 1))] / 1000.0,
                   d[m - 1] / 1000.0);
    }
    qsort(all, (size_t)nall, sizeof *all, cmp64);
    if (nall)
        printf("all rounds: %d deliveries, p50 %.1f ms, p99 %.1f ms, max %.1f ms, missed %d\n",
               nall, all[nall / 2] / 1000.0, all[(int)(0.99 * (nall - 1))] / 1000.0,
               all[nall - 1] / 1000.0, missed);
    for (int i = 0; i < nw; i++)
        close(ws[i].fd);
    free(ws);
    free(d);
    free(all);
    return missed ? 1 : 0;
}
