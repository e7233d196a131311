/*
 * sse.c - Server-Sent Events without a thread per watcher (added for the
 * queue pillar's live views; topic-agnostic).
 *
 * A watcher is a long response built with MHD_create_response_from_callback.
 * Its reader hands MHD the next event when there is one; when there is none
 * it suspends its own connection (libmicrohttpd's intended use: suspended
 * connections cost no polling and no thread) and returns 0. A publish stores
 * the topic's latest message, bumps its sequence number and resumes the
 * topic's suspended watchers, whose readers then copy the message out. Every
 * message is a full snapshot, so a watcher that was slow sees only the
 * latest one: nothing queues up per watcher.
 *
 * A ticker thread resumes every watcher every SSE_PING_S seconds with a
 * comment line: proxies keep the stream open, and a watcher whose client has
 * gone away is found (MHD cannot see a disconnect while suspended) and freed.
 * Before the daemon stops, http_sse_shutdown() resumes everything and ends
 * the streams (stopping with suspended connections is an API violation).
 *
 * One mutex guards the hub. Lock order: hub, then libmicrohttpd's own.
 */
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../base/mem.h"
#include "../base/util.h"
#include "http.h"

#define SSE_BUCKETS 1024
#define SSE_PING_S 15

struct watcher;

struct topic {
    uint64_t id;
    uint64_t seq;
    char *msg; /* the latest event, framed ("event: …\ndata: …\n\n") */
    size_t len;
    struct watcher *watchers;
    int nwatchers;
    struct topic *next;
};

struct watcher {
    struct topic *t;
    struct MHD_Connection *conn;
    uint64_t seq; /* the last message sent */
    char *out;    /* what is being sent now */
    size_t len, off;
    bool suspended; /* by its reader, waiting for a publish */
    bool ping;      /* a heartbeat is due */
    struct watcher *prev, *next;
};

static pthread_mutex_t hub_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hub_cv = PTHREAD_COND_INITIALIZER;  /* a watcher went away */
static pthread_cond_t tick_cv = PTHREAD_COND_INITIALIZER; /* closing */
static struct topic *buckets[SSE_BUCKETS];
static int total_watchers;
static bool closing;
static bool ticker_on;
static pthread_t ticker;

static struct topic *topic_get(uint64_t id, bool make)
{
    struct topic **b = &buckets[id % SSE_BUCKETS];
    for (struct topic *t = *b; t; t = t->next)
        if (t->id == id)
            return t;
    if (!make)
        return NULL;
    struct topic *t = xcalloc(1, sizeof *t);
    t->id = id;
    t->next = *b;
    *b = t;
    return t;
}

static char *frame(uint64_t seq, const char *event, const char *json, size_t *len)
{
    size_t n = strlen(json) + strlen(event) + 64;
    char *m = xmalloc(n);
    int k =
        snprintf(m, n, "id: %llu\nevent: %s\ndata: %s\n\n", (unsigned long long)seq, event, json);
    *len = k < 0 ? 0 : (size_t)k;
    return m;
}

/* Resume a suspended watcher (hub lock held). */
static void wake(struct watcher *w)
{
    if (w->suspended) {
        w->suspended = false;
        MHD_resume_connection(w->conn);
    }
}

void http_sse_publish(uint64_t topic, const char *event, const char *json)
{
    pthread_mutex_lock(&hub_mu);
    struct topic *t = topic_get(topic, true);
    t->seq++;
    free(t->msg);
    t->msg = frame(t->seq, event, json, &t->len);
    for (struct watcher *w = t->watchers; w; w = w->next)
        wake(w);
    pthread_mutex_unlock(&hub_mu);
}

int http_sse_watchers(uint64_t topic)
{
    pthread_mutex_lock(&hub_mu);
    struct topic *t = topic_get(topic, false);
    int n = t ? t->nwatchers : 0;
    pthread_mutex_unlock(&hub_mu);
    return n;
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct watcher *w = cls;
    pthread_mutex_lock(&hub_mu);
    if (w->off == w->len) {
        free(w->out);
        w->out = NULL;
        w->len = w->off = 0;
        if (closing) {
            pthread_mutex_unlock(&hub_mu);
            return MHD_CONTENT_READER_END_OF_STREAM;
        }
        if (w->t->seq != w->seq && w->t->msg) {
            w->out = xmalloc(w->t->len);
            memcpy(w->out, w->t->msg, w->t->len);
            w->len = w->t->len;
            w->seq = w->t->seq;
        } else if (w->ping) {
            static const char ping[] = ": ping\n\n";
            w->out = xmalloc(sizeof ping);
            memcpy(w->out, ping, sizeof ping - 1);
            w->len = sizeof ping - 1;
        }
        w->ping = false;
        if (!w->out) { /* nothing to say: sleep until a publish */
            w->suspended = true;
            MHD_suspend_connection(w->conn);
            pthread_mutex_unlock(&hub_mu);
            return 0;
        }
    }
    size_t n = w->len - w->off < max ? w->len - w->off : max;
    memcpy(buf, w->out + w->off, n);
    w->off += n;
    pthread_mutex_unlock(&hub_mu);
    return (ssize_t)n;
}

static void reader_free(void *cls)
{
    struct watcher *w = cls;
    pthread_mutex_lock(&hub_mu);
    if (w->prev)
        w->prev->next = w->next;
    else
        w->t->watchers = w->next;
    if (w->next)
        w->next->prev = w->prev;
    w->t->nwatchers--;
    total_watchers--;
    pthread_cond_broadcast(&hub_cv);
    pthread_mutex_unlock(&hub_mu);
    free(w->out);
    free(w);
}

static void *ticker_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&hub_mu);
    while (!closing) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += SSE_PING_S;
        pthread_cond_timedwait(&tick_cv, &hub_mu, &ts);
        if (closing)
            break;
        for (int i = 0; i < SSE_BUCKETS; i++)
            for (struct topic *t = buckets[i]; t; t = t->next)
                for (struct watcher *w = t->watchers; w; w = w->next) {
                    w->ping = true;
                    wake(w);
                }
    }
    pthread_mutex_unlock(&hub_mu);
    return NULL;
}

void *http_sse_response(struct http_req *r)
{
    struct watcher *w = xcalloc(1, sizeof *w);
    w->conn = r->conn;
    pthread_mutex_lock(&hub_mu);
    if (!ticker_on && !closing && pthread_create(&ticker, NULL, ticker_main, NULL) == 0)
        ticker_on = true;
    struct topic *t = topic_get(r->sse_topic, true);
    w->t = t;
    w->seq = t->seq;
    /* the first event: the handler's snapshot, read from the database */
    w->out = frame(t->seq, r->sse_event, r->resp.p ? r->resp.p : "{}", &w->len);
    w->next = t->watchers;
    if (t->watchers)
        t->watchers->prev = w;
    t->watchers = w;
    t->nwatchers++;
    total_watchers++;
    pthread_mutex_unlock(&hub_mu);
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, reader, w, reader_free);
    if (!resp)
        reader_free(w);
    return resp;
}

void http_sse_shutdown(void)
{
    pthread_mutex_lock(&hub_mu);
    closing = true;
    pthread_cond_broadcast(&tick_cv);
    for (int i = 0; i < SSE_BUCKETS; i++)
        for (struct topic *t = buckets[i]; t; t = t->next)
            for (struct watcher *w = t->watchers; w; w = w->next)
                wake(w);
    bool joined = ticker_on;
    ticker_on = false;
    pthread_mutex_unlock(&hub_mu);
    if (joined)
        pthread_join(ticker, NULL);
    /* the resumed streams end on their next read; wait for them (bounded) */
    int64_t until = util_mono_us() + 2000000;
    pthread_mutex_lock(&hub_mu);
    while (total_watchers > 0 && util_mono_us() < until) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 50000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&hub_cv, &hub_mu, &ts);
    }
    pthread_mutex_unlock(&hub_mu);
}

void http_sse_free_all(void)
{
    pthread_mutex_lock(&hub_mu);
    for (int i = 0; i < SSE_BUCKETS; i++) {
        struct topic *t = buckets[i];
        while (t) {
            struct topic *n = t->next;
            if (t->nwatchers == 0) {
                free(t->msg);
                free(t);
            }
            t = n;
        }
        buckets[i] = NULL;
    }
    closing = false;
    pthread_mutex_unlock(&hub_mu);
}
