/* llm_http.c - the HTTP client for LLM endpoints (libcurl multi interface,
 * one thread): at most `concurrency` requests in flight, a timeout per
 * request, retries with exponential backoff and +-50% jitter on network
 * errors and 5xx, Retry-After honoured on 429 (seconds or HTTP date), one
 * more try for an answer that is not what the API promises, and a final
 * error per request that leaves the others alone.
 *
 * Two APIs:
 *   HF    text generation (TGI POST /generate, the serverless inference API
 *         POST /models/<id>): {"inputs": prompt, "parameters": {...}} ->
 *         {"generated_text": ...} or a list of those;
 *   OPENAI chat completions (POST /chat/completions): {"model", "messages",
 *         "max_tokens", "temperature"} -> choices[0].message.content.
 * The bearer token goes only into the Authorization header: every message
 * this file makes passes through tc_redact first, with the token and the
 * URL's password and query values as the secrets (secret.c).
 *
 * What a reply may do is bounded: its body is read up to TC_LLM_BODY_MAX
 * bytes (the transfer is aborted past it), a 2xx body that is not the
 * API's JSON is a failed request, a Retry-After wait is cut to the request
 * timeout (with a warning), and once a cluster's time since its first
 * request would pass (retries + 1) x timeout, it stops waiting for
 * Retry-After and gives up. TLS peer and host name verification stay on:
 * libcurl's defaults, set again here so that no build can turn them off. */
#include "io/hub.h"
#include "label/label.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RETRY_AFTER_MAX 300.0  /* seconds; no Retry-After wait is longer, whatever the timeout */
#define BACKOFF_MAX 60.0

/* ---------------------------------------------------------------- secrets */

void tc_llm_token_free(char *token) {
    if (!token) return;
    for (volatile char *t = token; *t; t++) *t = 0;  /* volatile: the stores stay */
    free(token);
}

char *tc_llm_token(const tc_label_params *p) {
    if (p->llm_api_key && p->llm_api_key[0]) return strdup(p->llm_api_key);
    const char *e;
    if (p->api == TC_LLM_OPENAI) {
        e = getenv("OPENAI_API_KEY");
        return e && e[0] ? strdup(e) : NULL;
    }
    if ((e = getenv("HF_TOKEN")) && e[0]) return strdup(e);
    if ((e = getenv("HUGGING_FACE_HUB_TOKEN")) && e[0]) return strdup(e);
    if (p->llm_token_file) return tc_secret_read_file(p->llm_token_file);
    return tc_hub_token();   /* the token file the hub client reads too */
}

/* ---------------------------------------------------------------- endpoint */

static int ends_with(const char *s, size_t n, const char *suffix) {
    size_t m = strlen(suffix);
    return n >= m && !strncmp(s + n - m, suffix, m);
}

static int scheme_is(const tc_url *u, const char *name) {
    return u->scheme_len == strlen(name) && !strncasecmp(u->scheme, name, u->scheme_len);
}

char *tc_llm_endpoint(const tc_label_params *p) {
    tc_sb b = {0};
    char *dflt = NULL;
    const char *u = p->llm_url && p->llm_url[0] ? p->llm_url : NULL;
    if (p->api == TC_LLM_HF && !u) {
        if (!p->llm_model || !p->llm_model[0]) {
            tc_error(TC_EINVAL, "label: the Hugging Face API needs a model id (llm_model) "
                                "or an endpoint URL (llm_url)");
            return NULL;
        }
        tc_sb d = {0};
        tc_sb_printf(&d, "https://api-inference.huggingface.co/models/%s", p->llm_model);
        if (d.oom) { tc_sb_free(&d); tc_error(TC_ENOMEM, "label: out of memory"); return NULL; }
        u = dflt = d.s;
    } else if (p->api == TC_LLM_OPENAI && !u) {
        u = "https://api.openai.com/v1";
    } else if (p->api != TC_LLM_HF && p->api != TC_LLM_OPENAI) {
        tc_error(TC_EINVAL, "label: no LLM api selected");
        return NULL;
    }
    tc_url x;
    if (tc_url_split(u, &x) || !(scheme_is(&x, "http") || scheme_is(&x, "https")) ||
        x.host_len == 0) {
        char *shown = tc_url_redact(u);
        tc_error(TC_EINVAL, "label: endpoint URL \"%s\" must start with http:// or https:// "
                            "and name a host", shown ? shown : "***");
        free(shown);
        free(dflt);
        return NULL;
    }
    /* scheme://authority + path + the API's path + ?query; the fragment is
     * never sent */
    size_t pl = x.path_len;
    while (pl > 0 && x.path[pl - 1] == '/') pl--;
    tc_sb_append(&b, u, (size_t)(x.path - u));
    tc_sb_append(&b, x.path, pl);
    if (p->api == TC_LLM_HF) {
        char *path = strndup(x.path, pl);
        if (!path) b.oom = 1;
        else if (!ends_with(path, pl, "/generate") && !strstr(path, "/models/"))
            tc_sb_puts(&b, "/generate");
        free(path);
    } else if (!ends_with(x.path, pl, "/chat/completions")) {
        tc_sb_puts(&b, "/chat/completions");
    }
    if (x.query && x.query_len) {
        tc_sb_puts(&b, "?");
        tc_sb_append(&b, x.query, x.query_len);
    }
    free(dflt);
    if (b.oom || !b.s) {
        tc_sb_free(&b);
        tc_error(TC_ENOMEM, "label: out of memory");
        return NULL;
    }
    return b.s;
}

/* ---------------------------------------------------------------- bodies */

static char *request_body(const tc_label_params *p, const char *prompt) {
    cJSON *j = cJSON_CreateObject();
    if (!j) return NULL;
    /* the float as its user wrote it: 0.7, not 0.699999988 */
    char tb[32];
    snprintf(tb, sizeof tb, "%.6g", (double)p->temperature);
    double temp = strtod(tb, NULL);
    if (p->api == TC_LLM_HF) {
        cJSON_AddStringToObject(j, "inputs", prompt);
        cJSON *g = cJSON_AddObjectToObject(j, "parameters");
        cJSON_AddNumberToObject(g, "max_new_tokens", p->max_new_tokens);
        cJSON_AddBoolToObject(g, "return_full_text", 0);
        if (p->temperature > 0) {
            cJSON_AddBoolToObject(g, "do_sample", 1);
            cJSON_AddNumberToObject(g, "temperature", temp);
        } else {
            cJSON_AddBoolToObject(g, "do_sample", 0);  /* greedy; TGI refuses temperature 0 */
        }
    } else {
        if (p->llm_model && p->llm_model[0]) cJSON_AddStringToObject(j, "model", p->llm_model);
        cJSON *ms = cJSON_AddArrayToObject(j, "messages");
        cJSON *m = cJSON_CreateObject();
        cJSON_AddItemToArray(ms, m);
        cJSON_AddStringToObject(m, "role", "user");
        cJSON_AddStringToObject(m, "content", prompt);
        cJSON_AddNumberToObject(j, "max_tokens", p->max_new_tokens);
        cJSON_AddNumberToObject(j, "temperature", temp);
    }
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return s;
}

/* body[0..len) as JSON, nothing but white space after it; NULL otherwise */
static cJSON *parse_json(const char *body, size_t len) {
    const char *end = NULL;
    if (!body || len == 0) return NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(body, len, &end, 0);
    if (!j) return NULL;
    for (const char *q = end ? end : body + len; q < body + len; q++)
        if (!isspace((unsigned char)*q)) {
            cJSON_Delete(j);
            return NULL;
        }
    return j;
}

static int take_string(cJSON *j, const char *t, size_t skip, char **answer) {
    char *out = t ? strdup(t + skip) : NULL;
    cJSON_Delete(j);
    if (!t) return TC_EFORMAT;
    if (!out) return tc_error(TC_ENOMEM, "label: out of memory");
    *answer = out;
    return 0;
}

int tc_llm_answer_openai(const char *body, size_t len, char **answer) {
    *answer = NULL;
    cJSON *j = parse_json(body, len);
    cJSON *ch = cJSON_IsObject(j) ? cJSON_GetObjectItemCaseSensitive(j, "choices") : NULL;
    cJSON *c = cJSON_IsArray(ch) ? cJSON_GetArrayItem(ch, 0) : NULL;
    const char *t = NULL;
    if (cJSON_IsObject(c)) {
        cJSON *m = cJSON_GetObjectItemCaseSensitive(c, "message");
        if (cJSON_IsObject(m)) t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "content"));
        else t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "text"));
    }
    return take_string(j, t, 0, answer);
}

/* Bytes of t that echo the prompt: some servers ignore return_full_text=false
 * and send the whole prompt back, some only its end, whose "Topic: <topic>"
 * would otherwise be read as the answer. An echo ends with the prompt's last
 * bytes and starts at some point of the prompt. */
static size_t echo_len(const char *t, const char *prompt) {
    size_t pl = prompt ? strlen(prompt) : 0;
    if (!t || !pl) return 0;
    if (!strncmp(t, prompt, pl)) return pl;
    size_t k = pl < 32 ? pl : 32;
    if (k < 16) return 0; /* too short to tell an echo from an answer */
    const char *q = strstr(t, prompt + pl - k);
    if (!q) return 0;
    size_t end = (size_t)(q - t) + k;
    return end <= pl && !memcmp(t, prompt + pl - end, end) ? end : 0;
}

int tc_llm_answer_hf(const char *body, size_t len, const char *prompt, char **answer) {
    *answer = NULL;
    cJSON *j = parse_json(body, len);
    cJSON *o = cJSON_IsArray(j) ? cJSON_GetArrayItem(j, 0) : j;
    const char *t = cJSON_IsObject(o)
                        ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "generated_text"))
                        : NULL;
    return take_string(j, t, echo_len(t, prompt), answer);
}

/* ---------------------------------------------------------------- transfers */

typedef struct {
    tc_llm_job *job;
    CURL *h;
    struct curl_slist *hdr;
    char *req;             /* request body */
    tc_sb body;            /* reply */
    int too_long;
    double retry_after;    /* seconds from the latest reply's Retry-After, -1 none */
    double not_before;     /* tc_now() time it may (re)start */
    double t_first;        /* tc_now() time of its first request */
    int state;             /* 0 waiting, 1 in flight, 2 done */
    int n_net;             /* retries used on errors (max_retries) */
    int n_bad;             /* retries used on malformed answers (1) */
    char errbuf[CURL_ERROR_SIZE];
} xfer;

/* what every transfer of one tc_llm_run shares */
typedef struct {
    const tc_label_params *p;
    const char *url;
    const char *token;
    const char *const *secrets;  /* NULL-terminated: token, URL password, query values */
    tc_rng rng;                  /* jitter only; answers do not depend on it */
    int warned_retry_after;
} run_ctx;

static size_t on_body(char *d, size_t sz, size_t nm, void *ctx) {
    xfer *x = ctx;
    size_t n = sz * nm;
    if (x->body.len + n > TC_LLM_BODY_MAX) { x->too_long = 1; return 0; }  /* aborts */
    tc_sb_append(&x->body, d, n);
    return x->body.oom ? 0 : n;
}

static size_t on_header(char *d, size_t sz, size_t nm, void *ctx) {
    xfer *x = ctx;
    size_t n = sz * nm;
    static const char name[] = "retry-after:";
    if (n > sizeof name && !strncasecmp(d, name, sizeof name - 1)) {
        char v[128];
        size_t m = n - (sizeof name - 1);
        if (m >= sizeof v) m = sizeof v - 1;
        memcpy(v, d + sizeof name - 1, m);
        v[m] = 0;
        char *s = v;
        while (isspace((unsigned char)*s)) s++;
        size_t l = strlen(s);
        while (l && isspace((unsigned char)s[l - 1])) s[--l] = 0;
        char *end;
        double secs = strtod(s, &end);
        if (end != s && *end == 0 && secs >= 0 && isfinite(secs)) x->retry_after = secs;
        else {
            time_t t = curl_getdate(s, NULL);
            if (t != (time_t)-1) x->retry_after = fmax(0.0, difftime(t, time(NULL)));
        }
    }
    return n;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;
static void curl_init(void) { curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

static int start(CURLM *m, xfer *x, const run_ctx *r) {
    const tc_label_params *p = r->p;
    tc_sb_free(&x->body);
    x->too_long = 0;
    x->retry_after = -1;
    x->errbuf[0] = 0;
    x->h = curl_easy_init();
    if (!x->h) return -1;
    if (!x->hdr) {
        x->hdr = curl_slist_append(x->hdr, "Content-Type: application/json");
        x->hdr = curl_slist_append(x->hdr, "Accept: application/json");
        x->hdr = curl_slist_append(x->hdr, "Expect:");
        if (r->token) {
            tc_sb a = {0};
            tc_sb_printf(&a, "Authorization: Bearer %s", r->token);
            if (a.s) x->hdr = curl_slist_append(x->hdr, a.s);
            if (a.s) for (volatile char *q = a.s; *q; q++) *q = 0;
            tc_sb_free(&a);
        }
    }
    long to = (long)ceil(p->timeout_s * 1000);
    curl_easy_setopt(x->h, CURLOPT_URL, r->url);
    curl_easy_setopt(x->h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(x->h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(x->h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, x->hdr);
    curl_easy_setopt(x->h, CURLOPT_POSTFIELDS, x->req);
    curl_easy_setopt(x->h, CURLOPT_POSTFIELDSIZE, (long)strlen(x->req));
    curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(x->h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(x->h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(x->h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)TC_LLM_BODY_MAX);
    curl_easy_setopt(x->h, CURLOPT_TIMEOUT_MS, to);
    curl_easy_setopt(x->h, CURLOPT_CONNECTTIMEOUT_MS, to < 30000 ? to : 30000L);
    curl_easy_setopt(x->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(x->h, CURLOPT_PRIVATE, x);
    curl_easy_setopt(x->h, CURLOPT_USERAGENT, "textclust/" TC_VERSION);
    curl_easy_setopt(x->h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(x->h, CURLOPT_FOLLOWLOCATION, 0L);  /* never resend the token elsewhere */
    if (curl_multi_add_handle(m, x->h) != CURLM_OK) {
        curl_easy_cleanup(x->h);
        x->h = NULL;
        return -1;
    }
    if (x->job->attempts == 0) x->t_first = tc_now();
    x->state = 1;
    x->job->attempts++;
    return 0;
}

static void fail(xfer *x, const run_ctx *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fail(xfer *x, const run_ctx *r, int code, const char *fmt, ...) {
    char raw[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    tc_redact(x->job->error, sizeof x->job->error, raw, r->secrets);
    x->job->status = code;
}

/* A short printable excerpt of a reply, for error messages: the secrets
 * are masked in the whole body first, so that the cut cannot keep a part. */
static void excerpt(const char *body, size_t len, const run_ctx *r, char *out, size_t cap) {
    char *m = body ? tc_secret_mask(body, len, r->secrets) : NULL;
    const char *s = m ? m : body ? "[reply hidden: out of memory]" : "";
    size_t n = strlen(s), k = tc_utf8_cut(s, n, cap - 4), o = 0;
    for (size_t i = 0; i < k; i++) out[o++] = (unsigned char)s[i] < 0x20 ? ' ' : s[i];
    if (n > k) { out[o++] = '.'; out[o++] = '.'; out[o++] = '.'; }
    out[o] = 0;
    free(m);
}

/* After a finished transfer: done, or when to try again. */
static void finish(xfer *x, CURLcode res, run_ctx *r) {
    const tc_label_params *p = r->p;
    long code = 0;
    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
    tc_llm_job *j = x->job;
    char ex[160];
    excerpt(x->body.s, x->body.len, r, ex, sizeof ex);
    int too_long = x->too_long || res == CURLE_FILESIZE_EXCEEDED;
    int retry = 0, retry_after = 0;
    double delay = 0;
    if (res != CURLE_OK && !too_long) {
        fail(x, r, TC_ENET, "%s%s%s", curl_easy_strerror(res), x->errbuf[0] ? ": " : "",
             x->errbuf);
        retry = 1;
    } else if (code == 429) {
        fail(x, r, TC_ENET, "HTTP 429 (rate limited): %s", ex);
        retry = 1;
        if (x->retry_after >= 0) {
            /* a wait longer than a request may take is the server's wish, not ours */
            double cap = fmin(p->timeout_s, RETRY_AFTER_MAX);
            if (x->retry_after > cap && !r->warned_retry_after) {
                tc_warn("label: the server asked to wait %.0f s before retrying (Retry-After); "
                        "waiting %.1f s, the request timeout, instead", x->retry_after, cap);
                r->warned_retry_after = 1;
            }
            delay = fmin(x->retry_after, cap) + 1e-3;
            retry_after = 1;
        }
    } else if (code >= 500) {
        fail(x, r, TC_ENET, "HTTP %ld: %s", code, ex);
        retry = 1;
    } else if (code < 200 || code >= 300) {
        fail(x, r, TC_ENET, "HTTP %ld (not retried): %s", code, ex);
    } else {
        char *t = NULL;
        int shape = TC_EFORMAT;
        if (!too_long) {
            const char *b = x->body.s ? x->body.s : "";
            shape = p->api == TC_LLM_HF ? tc_llm_answer_hf(b, x->body.len, j->prompt, &t)
                                        : tc_llm_answer_openai(b, x->body.len, &t);
        }
        int ok = shape == 0 && (!j->check || j->check(j->check_ctx, t) == 0);
        if (!ok && shape != TC_ENOMEM && x->n_bad < 1) {  /* one more try, at once */
            x->n_bad++;
            free(t);
            x->state = 0;
            x->not_before = tc_now();
            return;
        }
        free(j->answer);
        j->answer = NULL;
        if (shape != 0) {  /* garbage is never a name: the cluster keeps its keywords */
            if (too_long)
                fail(x, r, TC_EFORMAT, "HTTP %ld but the reply is over %u bytes; cut off",
                     code, TC_LLM_BODY_MAX);
            else if (shape == TC_ENOMEM)
                fail(x, r, TC_ENOMEM, "out of memory reading the reply");
            else
                fail(x, r, TC_EFORMAT, "HTTP %ld but the reply is not the %s API's JSON: %s",
                     code, p->api == TC_LLM_HF ? "text-generation" : "chat-completions", ex);
            x->state = 2;
            return;
        }
        j->answer = t;
        j->malformed = !ok;
        j->status = 0;
        j->error[0] = 0;
        x->state = 2;
        return;
    }
    if (retry && x->n_net < p->max_retries) {
        double budget = (p->max_retries + 1) * p->timeout_s, now = tc_now();
        if (retry_after && now + delay - x->t_first > budget) {
            char last[sizeof j->error];
            memcpy(last, j->error, sizeof last);
            snprintf(j->error, sizeof j->error,
                     "gave up after %d attempts: waiting as asked would pass %.0f s "
                     "((retries + 1) x timeout): %.150s", j->attempts, budget, last);
            x->state = 2;
            return;
        }
        x->n_net++;
        if (!retry_after) {
            delay = p->retry_delay_s * pow(2.0, x->n_net - 1);
            delay = fmin(delay, BACKOFF_MAX) * (0.5 + tc_rng_uniform(&r->rng));
        }
        char msg[sizeof j->error + 64];
        snprintf(msg, sizeof msg, "LLM request failed (%s); retry %d of %d in %.1f s", j->error,
                 x->n_net, p->max_retries, delay);
        tc_log(TC_LOG_INFO, "%s", msg);
        x->state = 0;
        x->not_before = now + delay;
        return;
    }
    if (retry) {
        char last[sizeof j->error];
        memcpy(last, j->error, sizeof last);
        snprintf(j->error, sizeof j->error, "gave up after %d attempts: %.200s", j->attempts, last);
    }
    x->state = 2;
}

int tc_llm_run(const tc_label_params *p, tc_llm_job *jobs, size_t n_jobs, const char *stage,
               size_t progress_base, size_t progress_total) {
    if (n_jobs == 0) return 0;
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return tc_error(TC_ENET, "label: libcurl initialisation failed: %s",
                        curl_easy_strerror(curl_init_rc));
    char *url = tc_llm_endpoint(p);
    if (!url) return TC_EINVAL;
    char *token = tc_llm_token(p);
    char **secrets = tc_url_secrets(url, token);
    xfer *xs = calloc(n_jobs, sizeof *xs);
    CURLM *m = curl_multi_init();
    int rc = 0;
    if (!xs || !m || !secrets) { rc = tc_error(TC_ENOMEM, "label: out of memory"); goto done; }
    run_ctx r = {p, url, token, (const char *const *)secrets, tc_rng_derive(p->seed, 0x6c6c6d), 0};
    for (size_t i = 0; i < n_jobs; i++) {
        xs[i].job = &jobs[i];
        jobs[i].answer = NULL;
        jobs[i].status = 0;
        jobs[i].malformed = 0;
        jobs[i].attempts = 0;
        jobs[i].error[0] = 0;
        xs[i].req = request_body(p, jobs[i].prompt);
        if (!xs[i].req) { rc = tc_error(TC_ENOMEM, "label: out of memory"); goto done; }
    }
    size_t n_done = 0, next = 0;
    int in_flight = 0;
    /* llm.c reported the start; each pass of the loop (at least one a
     * second) reports again, and a cancel drops the transfers in flight */
    tc_meter meter = {p->progress, p->progress_ctx, stage, progress_total, progress_base, 0, tc_now(), 0};
    while (n_done < n_jobs) {
        meter.done = progress_base + n_done;
        if ((rc = tc_meter_tick(&meter))) goto done;
        double now = tc_now(), wake = now + 1.0;
        /* start waiting jobs in order, oldest first */
        for (size_t i = next; i < n_jobs && in_flight < p->concurrency; i++) {
            if (xs[i].state != 0) continue;
            if (xs[i].not_before > now) continue;
            if (start(m, &xs[i], &r)) {
                fail(&xs[i], &r, TC_ENOMEM, "cannot start a transfer");
                xs[i].state = 2;
                n_done++;
                continue;
            }
            if (p->stats) {
                p->stats->n_requests++;
                p->stats->n_retries += jobs[i].attempts > 1;
            }
            in_flight++;
        }
        while (next < n_jobs && xs[next].state == 2) next++;
        for (size_t i = next; i < n_jobs; i++)
            if (xs[i].state == 0 && xs[i].not_before < wake) wake = xs[i].not_before;
        int running = 0, wait_ms = (int)fmax(0.0, ceil((wake - now) * 1000));
        if (in_flight > 0 && wait_ms > 100) wait_ms = 100;
        curl_multi_poll(m, NULL, 0, wait_ms, NULL);
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE) continue;
            xfer *x;
            CURL *h = msg->easy_handle;
            CURLcode res = msg->data.result;
            curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&x);
            finish(x, res, &r);
            curl_multi_remove_handle(m, h);
            curl_easy_cleanup(h);
            x->h = NULL;
            in_flight--;
            if (x->state == 2) n_done++;
        }
    }
done:
    for (size_t i = 0; xs && i < n_jobs; i++) {
        if (xs[i].h) {
            curl_multi_remove_handle(m, xs[i].h);
            curl_easy_cleanup(xs[i].h);
        }
        curl_slist_free_all(xs[i].hdr);
        free(xs[i].req);
        tc_sb_free(&xs[i].body);
    }
    if (m) curl_multi_cleanup(m);
    free(xs);
    free(url);
    tc_secrets_free(secrets);
    tc_llm_token_free(token);
    return rc;
}
