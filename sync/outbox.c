// SPDX-License-Identifier: Apache-2.0
/*
 * outbox — one sink's side of the outbox worker (see outbox.h).
 *
 * outbox_check() is the one place that decides to send: nothing in flight,
 * no back-off or rate-limit wait due, and either a full batch or one whose
 * oldest row has waited batch_max_age (or `sync now`). Everything else only
 * arms the sink's timer (outbox_arm), which keeps the earliest due time.
 */
#include "sync/outbox.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "firmware/base/clock.h"
#include "firmware/base/log.h"
#include "firmware/config/config.h"
#include "firmware/runtime/loop.h"
#include "firmware/store/store.h"
#include "firmware/store/store_meta.h"
#include "firmware/store/store_sync_state.h"
#include "sync/rate.h"
#include "sync/retry.h"
#include "sync/sink.h"
#include "sync/xfer.h"

#define RESP_MAX_SINK     (64u * 1024) /* enough for any error reason */
#define REJECTED_LIST_MAX 50
#define RESENDS_MAX       3 /* token exchanges in a row before the batch backs off */

struct outbox {
    const struct outbox_host *h;
    struct sink sink;
    struct loop_timer *timer;
    uint64_t timer_due; /* loop ms; 0: not armed */
    int limit;          /* rows per batch */
    uint64_t max_age_ms;
    struct xfer *job; /* in flight */
    struct sink_entry *batch;
    size_t batch_n;
    size_t loaded_n;       /* rows loaded for the batch, before the type's group op */
    struct sink_batch cur; /* the batch as the type saw it (request, answer) */
    unsigned resends;      /* answer ops' resends of the current batch */
    int64_t replay_first;  /* same_rows types: the first row and size of the last */
    size_t replay_n;       /* partial batch sent (0: none), also in the meta table */
    /* Failure state (also in table sync_state, so a restart honours it). */
    unsigned attempts;
    uint64_t retry_at; /* loop ms */
    bool retry_after_given;
    long last_status;
    char last_error[512];
    int64_t last_ok_ms, last_attempt_ms, sent;
    int single_left; /* after a rejected batch: send its rows one by one */
    bool flush;      /* `sync now`: do not wait for a full batch */
    unsigned hint;   /* rows a check found waiting + lead events since */
    struct rate rate;
};

static int64_t now_real(void)
{
    struct clock_stamp c;
    clock_now(&c);
    return c.real_ms;
}

static uint64_t rnd64(void)
{
    uint64_t r = 0;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) != sizeof r)
        r = (uint64_t)random() << 31 ^ (uint64_t)random();
    return r;
}

static int64_t sync_int(const struct outbox *ob, const char *key)
{
    return config_int(ob->h->cfg, "sync", key);
}

int64_t outbox_count(struct store *s, const char *sink, enum store_outbox_state state)
{
    struct err e = {0};
    int64_t n = store_outbox_count(s, sink, state, &e);
    if (n < 0) {
        log_warn("sync", "%s", e.msg);
        return 0;
    }
    return n;
}

/* Makes sure the sink is checked within delay_ms. */
static void outbox_arm(struct outbox *ob, uint64_t delay_ms)
{
    uint64_t due = loop_now_ms() + delay_ms;
    if (ob->timer_due && ob->timer_due <= due)
        return;
    ob->timer_due = due;
    loop_timer_reset(ob->timer, delay_ms);
}

static void on_timer(struct loop *l, void *ud)
{
    struct outbox *ob = ud;
    ob->timer_due = 0;
    outbox_check(ob);
}

/* ---- the batch ------------------------------------------------------------ */

static void batch_free(struct outbox *ob)
{
    for (size_t i = 0; i < ob->batch_n; i++)
        cJSON_Delete(ob->batch[i].lead);
    free(ob->batch);
    ob->batch = NULL;
    ob->batch_n = ob->loaded_n = 0;
    ob->resends = 0;
}

/*
 * Loads up to limit pending rows (oldest first), without their documents.
 * Returns the number loaded (0: nothing pending), or -1. *oldest_ms is the
 * queue time of the first row.
 */
static int batch_load(struct outbox *ob, int limit, int64_t *oldest_ms, struct err *e)
{
    struct store_outbox_row *rows = calloc((size_t)limit, sizeof *rows);
    ob->batch = calloc((size_t)limit, sizeof *ob->batch);
    if (!rows || !ob->batch) {
        free(rows);
        batch_free(ob);
        return err_set(e, ERR_INTERNAL, "out of memory");
    }
    int n = store_outbox_pending(ob->h->store, ob->sink.name, limit, rows, e);
    for (int i = 0; i < n; i++) {
        struct sink_entry *en = &ob->batch[i];
        en->outbox_id = rows[i].id;
        en->version = rows[i].version;
        memcpy(en->lead_id, rows[i].lead_id, sizeof en->lead_id);
    }
    if (n > 0)
        *oldest_ms = rows[0].created_ms;
    free(rows);
    if (n < 0) {
        batch_free(ob);
        return -1;
    }
    ob->batch_n = (size_t)n;
    return n;
}

struct docs {
    struct outbox *ob;
    struct err *e;
};

static int docs_read(struct store *s, void *ud)
{
    struct docs *d = ud;
    for (size_t i = 0; i < d->ob->batch_n; i++) {
        struct sink_entry *en = &d->ob->batch[i];
        if (store_lead_json(s, en->lead_id, false, &en->lead, d->e) < 0)
            return -1;
        /* Single thread: the document is the version the row names, or a
         * newer one if the row was raised; send what we have, mark by it. */
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(en->lead, "version");
        if (cJSON_IsNumber(v) && (int64_t)v->valuedouble > en->version)
            en->version = (int64_t)v->valuedouble;
    }
    return 0;
}

/* Loads the lead documents of the batch in one read snapshot (and the WAL
 * read lock taken once instead of per statement). */
static int batch_docs(struct outbox *ob, struct err *e)
{
    struct docs d = {ob, e};
    return store_outbox_snapshot(ob->h->store, docs_read, &d);
}

/* ---- outcomes -------------------------------------------------------------- */

struct outcome {
    struct outbox *ob;
    enum retry_class cls;
    const char *reason;
    const struct sink_row_verdict *rows; /* per-row results, or NULL: every row is cls */
    int64_t now_ms;
    int64_t marked;
    struct err *e;
};

static enum sink_row row_of(enum retry_class cls)
{
    return cls == RETRY_DONE     ? SINK_ROW_DONE
           : cls == RETRY_REJECT ? SINK_ROW_REJECT
                                 : SINK_ROW_AGAIN;
}

/* Saves the sink's failure state and last success (table sync_state). */
static int state_save(struct outbox *ob, int64_t now_ms, struct err *e)
{
    uint64_t now = loop_now_ms();
    struct store_sync_state st = {
        .attempts = (int)ob->attempts,
        .retry_ms = ob->retry_at > now ? now_ms + (int64_t)(ob->retry_at - now) : 0,
        .last_status = ob->last_status,
        .last_attempt_ms = ob->last_attempt_ms,
        .last_ok_ms = ob->last_ok_ms,
        .sent = ob->sent,
    };
    snprintf(st.last_error, sizeof st.last_error, "%s", ob->last_error);
    return store_sync_state_put(ob->h->store, ob->sink.name, &st, e);
}

/* Inside one transaction: the rows' new states and the sink's state. */
static int outcome_tx(struct store *store, void *ud)
{
    struct outcome *o = ud;
    struct outbox *ob = o->ob;
    for (size_t i = 0; i < ob->batch_n; i++) {
        enum sink_row row = o->rows ? o->rows[i].r : row_of(o->cls);
        enum store_outbox_result r = row == SINK_ROW_DONE     ? STORE_OUTBOX_DELIVERED
                                     : row == SINK_ROW_REJECT ? STORE_OUTBOX_REFUSED
                                                              : STORE_OUTBOX_FAILED;
        const char *why = o->rows && o->rows[i].reason[0] ? o->rows[i].reason : o->reason;
        int changed = store_outbox_mark(store, ob->batch[i].outbox_id, ob->batch[i].version, r, why,
                                        o->now_ms, o->e);
        if (changed < 0)
            return -1;
        if (r == STORE_OUTBOX_DELIVERED)
            o->marked += changed;
    }
    ob->sent += o->marked;
    return state_save(ob, o->now_ms, o->e);
}

static void outcome_log(const struct outbox *ob, const struct outcome *o, long status,
                        uint64_t next)
{
    const char *name = ob->sink.name;
    if (o->cls == RETRY_REJECT)
        /* A server's reason may quote the visitor's data: it goes to the
         * store (sync status), and to the log only at debug level. */
        log_warn("sync", "[sink.%s] lead %s rejected with HTTP %ld (see `matchbooth sync status`)",
                 name, ob->batch_n ? ob->batch[0].lead_id : "?", status);
    else if (o->cls == RETRY_AGAIN && status && !ob->sink.type->classify)
        log_info("sync", "[sink.%s] %zu leads not delivered (HTTP %ld): retry %u in %.1f s", name,
                 ob->batch_n, status, ob->attempts, (double)next / 1000);
    else if (o->cls == RETRY_AGAIN)
        log_info("sync", "[sink.%s] %zu leads not delivered (%s): retry %u in %.1f s", name,
                 ob->batch_n, o->reason, ob->attempts, (double)next / 1000);
    if (o->cls != RETRY_DONE)
        log_debug("sync", "[sink.%s] %s", name, o->reason);
    if (o->cls == RETRY_DONE)
        log_debug("sync", "[sink.%s] %lld of %zu leads delivered", name, (long long)o->marked,
                  ob->batch_n);
}

/*
 * Records the outcome of the batch in flight (or just written) and decides
 * when the sink looks again. rows (NULL: every row is cls) are a type's
 * per-row results; cls is then the batch's: again if any row is, else done
 * if any row is. pause_ms > 0 holds the sink back like a Retry-After.
 */
static void outbox_outcome(struct outbox *ob, enum retry_class cls, long status, const char *reason,
                           int64_t retry_after_ms, const struct sink_row_verdict *rows,
                           int64_t pause_ms)
{
    struct err e = {0};
    struct outcome o = {
        .ob = ob, .cls = cls, .reason = reason, .rows = rows, .now_ms = now_real(), .e = &e};
    ob->last_status = status;
    ob->last_attempt_ms = o.now_ms;
    uint64_t next = 0;
    switch (cls) {
    case RETRY_DONE:
        ob->attempts = 0;
        ob->retry_at = 0;
        ob->retry_after_given = false;
        ob->last_error[0] = '\0';
        ob->last_ok_ms = *ob->h->last_ok_ms = o.now_ms;
        break;
    case RETRY_REJECT:
        /* The server is fine; this batch is not. Split it so that only the
         * offending leads are parked (unless the server said which). */
        ob->attempts = 0;
        ob->retry_at = 0;
        snprintf(ob->last_error, sizeof ob->last_error, "%s", reason);
        if (ob->batch_n > 1 && !rows) {
            ob->single_left = (int)ob->batch_n;
            batch_free(ob);
            outbox_arm(ob, 0);
            if (state_save(ob, o.now_ms, &e) < 0)
                log_warn("sync", "[sink.%s] %s", ob->sink.name, e.msg);
            return;
        }
        break;
    case RETRY_AGAIN:
        next = retry_delay_ms(ob->attempts, (uint64_t)sync_int(ob, "backoff_base_ms"),
                              (uint64_t)sync_int(ob, "backoff_max") * 1000,
                              retry_after_ms > 0 ? (uint64_t)retry_after_ms : 0, rnd64());
        ob->attempts++;
        ob->retry_at = loop_now_ms() + next;
        ob->retry_after_given = retry_after_ms > 0;
        snprintf(ob->last_error, sizeof ob->last_error, "%s", reason);
        break;
    }
    if (pause_ms > 0 && loop_now_ms() + (uint64_t)pause_ms > ob->retry_at) {
        next = (uint64_t)pause_ms;
        ob->retry_at = loop_now_ms() + next;
        ob->retry_after_given = true;
    }
    if (store_tx(ob->h->store, outcome_tx, &o, &e) < 0)
        log_error("sync", "[sink.%s] cannot record the outcome: %s (rows stay pending)",
                  ob->sink.name, e.msg);
    outcome_log(ob, &o, status, next);
    batch_free(ob);
    if (ob->single_left > 0 && cls != RETRY_AGAIN)
        ob->single_left--;
    outbox_arm(ob, next);
}

static void outbox_send(struct outbox *ob);

/*
 * The type's answer op reads what the server said (or, with r->status 0
 * and no transfer, decides rows it did not send). The rows are preset from
 * cls; the batch's class follows from the rows.
 */
static void outbox_answer(struct outbox *ob, enum retry_class cls, const struct sink_reply *r,
                          const char *reason, int64_t ra)
{
    struct sink_verdict v = {.rows = calloc(ob->batch_n ? ob->batch_n : 1, sizeof *v.rows)};
    if (!v.rows) {
        outbox_outcome(ob, RETRY_AGAIN, r->status, "out of memory", -1, NULL, 0);
        return;
    }
    for (size_t i = 0; i < ob->batch_n; i++)
        v.rows[i].r = row_of(cls);
    snprintf(v.reason, sizeof v.reason, "%s", reason);
    ob->sink.type->answer(&ob->sink, &ob->cur, r, &v);
    if (v.resend && ob->resends < RESENDS_MAX) {
        ob->resends++;
        free(v.rows);
        outbox_send(ob);
        return;
    }
    bool again = v.resend, done = false;
    size_t refused = 0;
    for (size_t i = 0; i < ob->batch_n; i++) {
        again |= v.rows[i].r == SINK_ROW_AGAIN;
        done |= v.rows[i].r == SINK_ROW_DONE;
        refused += v.rows[i].r == SINK_ROW_REJECT;
    }
    cls = again ? RETRY_AGAIN : done || !refused ? RETRY_DONE : RETRY_REJECT;
    if (refused && cls != RETRY_REJECT) /* (a whole refusal is logged by the outcome) */
        log_warn("sync", "[sink.%s] %zu of %zu leads refused (see `matchbooth sync status`)",
                 ob->sink.name, refused, ob->batch_n);
    if (v.resend) /* a token exchange that keeps asking for another */
        for (size_t i = 0; i < ob->batch_n; i++)
            v.rows[i].r = SINK_ROW_AGAIN;
    outbox_outcome(ob, cls, r->status, v.reason, ra, v.rows, v.pause_ms);
    free(v.rows);
}

static void on_done(struct xfer *x, CURLcode cc, long status, void *ud)
{
    struct outbox *ob = ud;
    const struct sink_type *type = ob->sink.type;
    /* Another protocol than HTTP (smtp) says itself what its codes mean. */
    enum sink_row own = type->classify
                            ? type->classify(cc, status, cc == CURLE_OK ? "" : xfer_error(x, cc))
                            : SINK_ROW_DONE;
    enum retry_class cls = !type->classify         ? retry_classify(cc, status)
                           : own == SINK_ROW_DONE  ? RETRY_DONE
                           : own == SINK_ROW_AGAIN ? RETRY_AGAIN
                                                   : RETRY_REJECT;
    char reason[600];
    int64_t ra = -1;
    if (cc != CURLE_OK)
        snprintf(reason, sizeof reason, "%s", xfer_error(x, cc));
    else if (cls == RETRY_DONE)
        snprintf(reason, sizeof reason, "HTTP %ld", status);
    else
        retry_reason(x->resp.data, x->resp.len, status, reason, sizeof reason);
    if (cls == RETRY_AGAIN && x->retry_after[0])
        ra = retry_after_parse(x->retry_after, now_real());
    ob->job = NULL;
    if ((cc == CURLE_OK || type->classify) && type->answer) {
        struct sink_reply r = {status, x->resp.data, x->resp.len,
                               x->resp_headers.data ? x->resp_headers.data : ""};
        outbox_answer(ob, cls, &r, reason, ra);
    } else {
        outbox_outcome(ob, cls, status, reason, ra, NULL, 0);
    }
    xfer_free(x);
}

/* same_rows types: remembers (in the meta table, so that a restart knows
 * it) the first row and size of a partial batch about to be sent, so that
 * a retry loads exactly the same rows. A full batch needs no record: the
 * oldest rows are the same rows. */
static void replay_note(struct outbox *ob)
{
    if (!ob->sink.type->same_rows || !ob->loaded_n || ob->loaded_n >= (size_t)ob->limit ||
        (ob->replay_first == ob->batch[0].outbox_id && ob->replay_n == ob->loaded_n))
        return;
    char key[300], val[64];
    snprintf(key, sizeof key, "sync.batch.%s", ob->sink.name);
    snprintf(val, sizeof val, "%lld %zu", (long long)ob->batch[0].outbox_id, ob->loaded_n);
    struct err e = {0};
    if (store_meta_set(ob->h->store, key, val, &e) < 0)
        log_warn("sync", "[sink.%s] %s", ob->sink.name, e.msg);
    ob->replay_first = ob->batch[0].outbox_id;
    ob->replay_n = ob->loaded_n;
}

/* ---- sending ----------------------------------------------------------------- */

/* Hands the loaded batch to the sink type: written at once, or a request
 * on its way. */
static void outbox_send(struct outbox *ob)
{
    struct err e = {0};
    struct sink_batch *b = &ob->cur;
    *b = (struct sink_batch){.v = ob->batch, .n = ob->batch_n, .now_ms = now_real()};
    uuid_v7(b->now_ms, b->batch_id);
    sink_idem_key(ob->sink.name, ob->batch, ob->batch_n, b->idem_key);
    if (!ob->resends)
        replay_note(ob);
    if (ob->sink.type->write) {
        rate_note(&ob->rate, loop_now_ms());
        if (ob->sink.type->write(&ob->sink, b, &e) < 0)
            outbox_outcome(ob, RETRY_AGAIN, 0, e.msg, -1, NULL, 0);
        else
            outbox_outcome(ob, RETRY_DONE, 0, "written", -1, NULL, 0);
        return;
    }
    struct xfer *x = xfer_new(ob->h->multi, RESP_MAX_SINK, false, on_done, ob);
    if (!x) {
        batch_free(ob);
        outbox_arm(ob, 1000);
        return;
    }
    const char *pin = config_str(ob->h->cfg, ob->sink.section, "pinned_pubkey");
    if (!pin || !*pin)
        pin = config_str(ob->h->cfg, "sync", "pinned_pubkey");
    int rc = ob->sink.type->request(&ob->sink, b, &x->http, x->easy, &e);
    if (rc == 1 && ob->sink.type->answer) { /* nothing to send: every row decided here */
        xfer_free(x);
        struct sink_reply r = {0, NULL, 0, ""};
        outbox_answer(ob, RETRY_DONE, &r, "not sent", -1);
        return;
    }
    /* The rate limit counts requests made: rows decided here made none. */
    rate_note(&ob->rate, loop_now_ms());
    if (rc != 0 || xfer_start(x, pin, &e) < 0) {
        xfer_free(x);
        /* A request we cannot even build: count it as a failed attempt so
         * that the sink backs off instead of spinning. */
        outbox_outcome(ob, RETRY_AGAIN, 0, e.msg[0] ? e.msg : "cannot build request", -1, NULL, 0);
        return;
    }
    ob->job = x;
}

void outbox_check(struct outbox *ob)
{
    if (ob->job || ob->batch_n)
        return;
    uint64_t now = loop_now_ms(), wait = 0;
    if (ob->retry_at > now) {
        outbox_arm(ob, ob->retry_at - now);
        return;
    }
    if (!rate_ok(&ob->rate, now, &wait)) {
        outbox_arm(ob, wait);
        return;
    }
    int limit = ob->single_left > 0 ? 1 : ob->limit;
    int64_t oldest = 0;
    struct err e = {0};
    ob->hint = 0;
    int n = batch_load(ob, limit, &oldest, &e);
    if (n <= 0) {
        if (n < 0)
            log_error("sync", "[sink.%s] %s", ob->sink.name, e.msg);
        ob->flush = false;
        batch_free(ob);
        return; /* woken by the next lead event or the poll timer */
    }
    bool replay = ob->replay_n && ob->batch[0].outbox_id == ob->replay_first;
    if (replay && (size_t)n > ob->replay_n) /* the rows of the attempt that failed, no more */
        ob->batch_n = (size_t)(n = (int)ob->replay_n);
    ob->loaded_n = (size_t)n;
    int64_t age = now_real() - oldest;
    if (n < limit && !replay && !ob->flush && age >= 0 && (uint64_t)age < ob->max_age_ms) {
        /* Count the n waiting, so that the lead event that fills the batch
         * sends it at once (counting from 0 made it wait for the poll). */
        ob->hint = (unsigned)n;
        batch_free(ob);
        outbox_arm(ob, ob->max_age_ms - (uint64_t)age);
        return;
    }
    if (batch_docs(ob, &e) < 0) {
        log_error("sync", "[sink.%s] loading leads: %s", ob->sink.name, e.msg);
        batch_free(ob);
        outbox_arm(ob, 1000);
        return;
    }
    if (ob->sink.type->group) {
        size_t k = ob->sink.type->group(&ob->sink, ob->batch, ob->batch_n);
        for (size_t i = k; i < ob->batch_n; i++)
            cJSON_Delete(ob->batch[i].lead);
        ob->batch_n = k;
    }
    outbox_send(ob);
}

void outbox_lead_event(struct outbox *ob)
{
    ob->hint++;
    if (ob->job)
        return;
    /* A full batch goes at once; a partial one after its maximum age. */
    outbox_arm(ob, ob->hint >= (unsigned)ob->limit ? 0 : ob->max_age_ms);
}

void outbox_wake(struct outbox *ob)
{
    ob->retry_at = 0;
    ob->retry_after_given = false;
    ob->flush = true;
    outbox_arm(ob, 0);
}

void outbox_online(struct outbox *ob)
{
    if (!ob->job && !ob->retry_after_given && ob->retry_at > loop_now_ms()) {
        ob->retry_at = 0;
        outbox_arm(ob, 0);
    }
}

const char *outbox_name(const struct outbox *ob)
{
    return ob->sink.name;
}

struct sink *outbox_sink(struct outbox *ob)
{
    return &ob->sink;
}

/* ---- status ------------------------------------------------------------------- */

static void add_refusal(const struct store_outbox_refusal *r, void *ud)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "lead", r->lead_id);
    cJSON_AddNumberToObject(o, "version", (double)r->version);
    cJSON_AddNumberToObject(o, "attempts", r->attempts);
    cJSON_AddStringToObject(o, "reason", r->reason);
    cJSON_AddItemToArray(ud, o);
}

cJSON *outbox_status(struct outbox *ob, bool detail)
{
    struct store *store = ob->h->store;
    cJSON *o = cJSON_CreateObject();
    uint64_t now = loop_now_ms();
    cJSON_AddStringToObject(o, "name", ob->sink.name);
    cJSON_AddStringToObject(o, "type", ob->sink.type->name);
    cJSON_AddStringToObject(o, "state",
                            ob->job              ? "sending"
                            : ob->retry_at > now ? "backoff"
                            : ob->last_error[0]  ? "error"
                                                 : "idle");
    cJSON_AddNumberToObject(o, "pending",
                            (double)outbox_count(store, ob->sink.name, STORE_OUTBOX_PENDING));
    cJSON_AddNumberToObject(o, "rejected",
                            (double)outbox_count(store, ob->sink.name, STORE_OUTBOX_REJECTED));
    cJSON_AddNumberToObject(o, "sent", (double)ob->sent);
    cJSON_AddNumberToObject(o, "attempts", ob->attempts);
    cJSON_AddNumberToObject(o, "retry_in_s",
                            ob->retry_at > now ? (double)(ob->retry_at - now) / 1000 : 0);
    cJSON_AddNumberToObject(o, "last_status", ob->last_status);
    if (ob->last_error[0])
        cJSON_AddStringToObject(o, "last_error", ob->last_error);
    else
        cJSON_AddNullToObject(o, "last_error");
    char iso[40];
    if (ob->last_ok_ms) {
        clock_format_utc(ob->last_ok_ms, iso, sizeof iso);
        cJSON_AddStringToObject(o, "last_success", iso);
    } else {
        cJSON_AddNullToObject(o, "last_success");
    }
    cJSON_AddBoolToObject(o, "confirms_delivery", ob->sink.type->confirms);
    if (!ob->sink.type->confirms)
        cJSON_AddStringToObject(o, "note",
                                "the server does not confirm that a lead was created: 'sent' "
                                "means posted");
    if (!detail)
        return o;
    cJSON *rej = cJSON_AddArrayToObject(o, "rejected_leads");
    struct err e = {0};
    if (store_outbox_rejected(store, ob->sink.name, REJECTED_LIST_MAX, add_refusal, rej, &e) < 0)
        log_warn("sync", "[sink.%s] %s", ob->sink.name, e.msg);
    return o;
}

/* ---- open / close ---------------------------------------------------------------- */

/* Takes over what the last run knew: a back-off still due, the last error
 * and success, the count of rows sent. */
static void state_load(struct outbox *ob)
{
    struct store_sync_state st;
    struct err e = {0};
    int rc = store_sync_state_get(ob->h->store, ob->sink.name, &st, &e);
    if (rc < 0)
        log_warn("sync", "[sink.%s] %s", ob->sink.name, e.msg);
    if (rc != 0)
        return;
    ob->attempts = (unsigned)st.attempts;
    int64_t retry = st.retry_ms - now_real();
    uint64_t cap = (uint64_t)sync_int(ob, "backoff_max") * 1000;
    if (retry > 0)
        ob->retry_at = loop_now_ms() + ((uint64_t)retry < cap ? (uint64_t)retry : cap);
    ob->last_status = st.last_status;
    snprintf(ob->last_error, sizeof ob->last_error, "%s", st.last_error);
    ob->last_attempt_ms = st.last_attempt_ms;
    ob->last_ok_ms = st.last_ok_ms;
    ob->sent = st.sent;
    if (ob->last_ok_ms > *ob->h->last_ok_ms)
        *ob->h->last_ok_ms = ob->last_ok_ms;
}

/* same_rows types: the partial batch the last run sent (replay_note). */
static void replay_load(struct outbox *ob)
{
    char key[300], *val = NULL;
    snprintf(key, sizeof key, "sync.batch.%s", ob->sink.name);
    struct err e = {0};
    long long first = 0;
    size_t n = 0;
    if (store_meta_get(ob->h->store, key, &val, &e) < 0)
        log_warn("sync", "[sink.%s] %s", ob->sink.name, e.msg);
    if (val && sscanf(val, "%lld %zu", &first, &n) == 2 && n > 0) {
        ob->replay_first = first;
        ob->replay_n = n;
    }
    free(val);
}

static int outbox_init(struct outbox *ob, struct err *e)
{
    const struct config *cfg = ob->h->cfg;
    const char *section = ob->sink.section;
    const char *type = config_str(cfg, section, "type");
    if (!(ob->sink.type = sink_find(type ? type : "")))
        return err_set(e, ERR_INVALID, "[%s] type: unknown sink type '%s'", section,
                       type ? type : "");
    if (ob->sink.type->open(&ob->sink, e) < 0)
        return -1;
    ob->limit = (int)config_int(cfg, section, "batch_size");
    if (ob->sink.type->max_batch && ob->limit > ob->sink.type->max_batch)
        ob->limit = ob->sink.type->max_batch;
    ob->max_age_ms = (uint64_t)config_int(cfg, section, "batch_max_age") * 1000;
    /* rate_limit: > 0 overrides, 0 takes the type's own limit, < 0 none. */
    int64_t rl = config_int(cfg, section, "rate_limit");
    int max = rl > 0 ? (int)rl : rl == 0 ? ob->sink.type->rate_max : 0;
    uint64_t window_ms = (uint64_t)(rl > 0 ? config_int(cfg, section, "rate_window")
                                           : ob->sink.type->rate_window_s) *
                         1000;
    if (rate_init(&ob->rate, ob->sink.name, max, window_ms) < 0 ||
        !(ob->timer = loop_timer_add(ob->h->loop, 0, on_timer, ob)))
        return err_set(e, ERR_INTERNAL, "out of memory");
    ob->timer_due = loop_now_ms();
    state_load(ob);
    if (ob->sink.type->same_rows)
        replay_load(ob);
    return 0;
}

struct outbox *outbox_open(const struct outbox_host *h, const char *name, const char *section,
                           struct err *e)
{
    struct outbox *ob = calloc(1, sizeof *ob);
    if (!ob) {
        err_set(e, ERR_INTERNAL, "out of memory");
        return NULL;
    }
    ob->h = h;
    ob->sink.name = name;
    ob->sink.section = section;
    ob->sink.cfg = h->cfg;
    ob->sink.device_id = h->device_id;
    ob->sink.store = h->store;
    ob->sink.show = h->show;
    if (outbox_init(ob, e) < 0) {
        outbox_close(ob);
        return NULL;
    }
    return ob;
}

void outbox_close(struct outbox *ob)
{
    if (!ob)
        return;
    xfer_free(ob->job); /* its rows stay pending: sent again next time */
    batch_free(ob);
    loop_timer_del(ob->timer);
    rate_keep(&ob->rate, ob->sink.name);
    if (ob->sink.type && ob->sink.type->close)
        ob->sink.type->close(&ob->sink);
    free(ob);
}
