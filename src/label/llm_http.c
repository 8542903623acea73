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
 * this file makes passes through tc_redact first. */
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

#define BODY_MAX (8u << 20)    /* a longer reply is cut off and counts as malformed */
#define RETRY_AFTER_MAX 300.0  /* seconds; a longer Retry-After is shortened to this */
#define BACKOFF_MAX 60.0

/* ---------------------------------------------------------------- secrets */

void tc_redact(char *dst, size_t cap, const char *src, const char *secret) {
    size_t sl = secret ? strlen(secret) : 0, o = 0;
    if (cap == 0) return;
    for (const char *p = src; *p && o + 1 < cap;) {
        if (sl >= 4 && !strncmp(p, secret, sl)) {
            /* no markdown characters: answers are parsed after this */
            for (const char *r = "[hidden]"; *r && o + 1 < cap; r++) dst[o++] = *r;
            p += sl;
        } else {
            dst[o++] = *p++;
        }
    }
    dst[o] = 0;
}

static char *read_token_file(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char buf[1024];
    char *t = fgets(buf, sizeof buf, f) ? buf : NULL;
    fclose(f);
    if (!t) return NULL;
    size_t n = strlen(t);
    while (n && isspace((unsigned char)t[n - 1])) t[--n] = 0;
    while (*t && isspace((unsigned char)*t)) t++;
    return *t ? strdup(t) : NULL;
}

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
    if (p->llm_token_file) return read_token_file(p->llm_token_file);
    tc_sb path = {0};
    if ((e = getenv("HF_HOME")) && e[0]) tc_sb_printf(&path, "%s/token", e);
    else if ((e = getenv("XDG_CACHE_HOME")) && e[0]) tc_sb_printf(&path, "%s/huggingface/token", e);
    else if ((e = getenv("HOME")) && e[0]) tc_sb_printf(&path, "%s/.cache/huggingface/token", e);
    char *t = path.s && !path.oom ? read_token_file(path.s) : NULL;
    tc_sb_free(&path);
    return t;
}

/* ---------------------------------------------------------------- endpoint */

static int ends_with(const char *s, size_t n, const char *suffix) {
    size_t m = strlen(suffix);
    return n >= m && !strncmp(s + n - m, suffix, m);
}

char *tc_llm_endpoint(const tc_label_params *p) {
    tc_sb b = {0};
    const char *u = p->llm_url && p->llm_url[0] ? p->llm_url : NULL;
    if (p->api == TC_LLM_HF) {
        if (!u) {
            if (!p->llm_model || !p->llm_model[0]) {
                tc_error(TC_EINVAL, "label: the Hugging Face API needs a model id (llm_model) "
                                    "or an endpoint URL (llm_url)");
                return NULL;
            }
            tc_sb_printf(&b, "https://api-inference.huggingface.co/models/%s", p->llm_model);
        } else {
            size_t n = strlen(u);
            while (n > 0 && u[n - 1] == '/') n--;
            tc_sb_append(&b, u, n);
            if (!ends_with(u, n, "/generate") && !strstr(b.s ? b.s : "", "/models/"))
                tc_sb_puts(&b, "/generate");
        }
    } else if (p->api == TC_LLM_OPENAI) {
        if (!u) u = "https://api.openai.com/v1";
        size_t n = strlen(u);
        while (n > 0 && u[n - 1] == '/') n--;
        tc_sb_append(&b, u, n);
        if (!ends_with(u, n, "/chat/completions")) tc_sb_puts(&b, "/chat/completions");
    } else {
        tc_error(TC_EINVAL, "label: no LLM api selected");
        return NULL;
    }
    if (b.oom || !b.s) {
        tc_sb_free(&b);
        tc_error(TC_ENOMEM, "label: out of memory");
        return NULL;
    }
    if (strncmp(b.s, "http://", 7) && strncmp(b.s, "https://", 8)) {
        tc_error(TC_EINVAL, "label: endpoint URL \"%s\" must start with http:// or https://",
                 b.s);
        tc_sb_free(&b);
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

/* The generated text of a reply (malloc'd), or NULL when the reply is not
 * the API's JSON. */
static char *answer_text(const tc_label_params *p, const char *body, const char *prompt) {
    cJSON *j = cJSON_Parse(body);
    if (!j) return NULL;
    const char *t = NULL;
    if (p->api == TC_LLM_HF) {
        cJSON *o = cJSON_IsArray(j) ? cJSON_GetArrayItem(j, 0) : j;
        t = cJSON_GetStringValue(cJSON_GetObjectItem(o, "generated_text"));
        /* some servers ignore return_full_text=false */
        size_t pl = strlen(prompt);
        if (t && pl && !strncmp(t, prompt, pl)) t += pl;
    } else {
        cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "choices"), 0);
        t = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(c, "message"), "content"));
        if (!t) t = cJSON_GetStringValue(cJSON_GetObjectItem(c, "text"));
    }
    char *out = t ? strdup(t) : NULL;
    cJSON_Delete(j);
    return out;
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
    int state;             /* 0 waiting, 1 in flight, 2 done */
    int n_net;             /* retries used on errors (max_retries) */
    int n_bad;             /* retries used on malformed answers (1) */
    char errbuf[CURL_ERROR_SIZE];
} xfer;

static size_t on_body(char *d, size_t sz, size_t nm, void *ctx) {
    xfer *x = ctx;
    size_t n = sz * nm;
    if (x->body.len + n > BODY_MAX) { x->too_long = 1; return 0; }
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
        if (end != s && *end == 0 && secs >= 0) x->retry_after = secs;
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

static int start(CURLM *m, xfer *x, const tc_label_params *p, const char *url,
                 const char *token) {
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
        if (token) {
            tc_sb a = {0};
            tc_sb_printf(&a, "Authorization: Bearer %s", token);
            if (a.s) x->hdr = curl_slist_append(x->hdr, a.s);
            tc_sb_free(&a);
        }
    }
    long to = (long)ceil(p->timeout_s * 1000);
    curl_easy_setopt(x->h, CURLOPT_URL, url);
    curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, x->hdr);
    curl_easy_setopt(x->h, CURLOPT_POSTFIELDS, x->req);
    curl_easy_setopt(x->h, CURLOPT_POSTFIELDSIZE, (long)strlen(x->req));
    curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(x->h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(x->h, CURLOPT_HEADERDATA, x);
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
    x->state = 1;
    x->job->attempts++;
    return 0;
}

static void fail(xfer *x, const char *token, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fail(xfer *x, const char *token, int code, const char *fmt, ...) {
    char raw[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    tc_redact(x->job->error, sizeof x->job->error, raw, token);
    x->job->status = code;
}

/* a short printable excerpt of a reply, for error messages */
static void excerpt(const char *body, char *out, size_t cap) {
    size_t o = 0;
    for (const char *p = body ? body : ""; *p && o + 4 < cap; p++)
        out[o++] = (unsigned char)*p < 0x20 ? ' ' : *p;
    if (body && strlen(body) > o) { out[o++] = '.'; out[o++] = '.'; out[o++] = '.'; }
    out[o] = 0;
}

/* After a finished transfer: done, or when to try again. */
static void finish(xfer *x, CURLcode res, const tc_label_params *p, const char *token,
                   tc_rng *rng) {
    long code = 0;
    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
    tc_llm_job *j = x->job;
    char ex[160];
    excerpt(x->body.s, ex, sizeof ex);
    int retry = 0;
    double delay = 0;
    if (res != CURLE_OK && !(res == CURLE_WRITE_ERROR && x->too_long)) {
        fail(x, token, TC_ENET, "%s%s%s", curl_easy_strerror(res), x->errbuf[0] ? ": " : "",
             x->errbuf);
        retry = 1;
    } else if (code == 429) {
        fail(x, token, TC_ENET, "HTTP 429 (rate limited): %s", ex);
        retry = 1;
        if (x->retry_after >= 0) delay = fmin(x->retry_after, RETRY_AFTER_MAX) + 1e-3;
    } else if (code >= 500) {
        fail(x, token, TC_ENET, "HTTP %ld: %s", code, ex);
        retry = 1;
    } else if (code < 200 || code >= 300) {
        fail(x, token, TC_ENET, "HTTP %ld (not retried): %s", code, ex);
    } else {
        char *t = x->too_long ? NULL : answer_text(p, x->body.s ? x->body.s : "", j->prompt);
        int ok = t && (!j->check || j->check(j->check_ctx, t) == 0);
        if (!ok && x->n_bad < 1) {  /* one more try, at once */
            x->n_bad++;
            free(t);
            x->state = 0;
            x->not_before = tc_now();
            return;
        }
        free(j->answer);
        if (t) j->answer = t;
        else {  /* keep what came, cut to the longest summary */
            const char *b = x->body.s ? x->body.s : "";
            size_t n = tc_utf8_cut(b, strlen(b), TC_SUMMARY_MAX);
            j->answer = malloc(n + 1);
            if (j->answer) { memcpy(j->answer, b, n); j->answer[n] = 0; }
        }
        j->malformed = ok ? 0 : t ? 1 : 2;
        j->status = 0;
        j->error[0] = 0;
        x->state = 2;
        return;
    }
    if (retry && x->n_net < p->max_retries) {
        x->n_net++;
        if (delay == 0) {
            delay = p->retry_delay_s * pow(2.0, x->n_net - 1);
            delay = fmin(delay, BACKOFF_MAX) * (0.5 + tc_rng_uniform(rng));
        }
        char msg[sizeof j->error + 64];
        snprintf(msg, sizeof msg, "LLM request failed (%s); retry %d of %d in %.1f s", j->error,
                 x->n_net, p->max_retries, delay);
        tc_log(TC_LOG_INFO, "%s", msg);
        x->state = 0;
        x->not_before = tc_now() + delay;
        return;
    }
    if (retry) {
        char last[sizeof j->error];
        memcpy(last, j->error, sizeof last);
        snprintf(j->error, sizeof j->error, "gave up after %d attempts: %.200s", j->attempts, last);
    }
    x->state = 2;
}

int tc_llm_run(const tc_label_params *p, tc_llm_job *jobs, size_t n_jobs, size_t progress_base,
               size_t progress_total) {
    if (n_jobs == 0) return 0;
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return tc_error(TC_ENET, "label: libcurl initialisation failed: %s",
                        curl_easy_strerror(curl_init_rc));
    char *url = tc_llm_endpoint(p);
    if (!url) return TC_EINVAL;
    char *token = tc_llm_token(p);
    xfer *xs = calloc(n_jobs, sizeof *xs);
    CURLM *m = curl_multi_init();
    int rc = 0;
    if (!xs || !m) { rc = tc_error(TC_ENOMEM, "label: out of memory"); goto done; }
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
    /* jitter only; answers do not depend on it */
    tc_rng rng = tc_rng_derive(p->seed, 0x6c6c6d);
    size_t n_done = 0, next = 0;
    int in_flight = 0;
    while (n_done < n_jobs) {
        double now = tc_now(), wake = now + 1.0;
        /* start waiting jobs in order, oldest first */
        for (size_t i = next; i < n_jobs && in_flight < p->concurrency; i++) {
            if (xs[i].state != 0) continue;
            if (xs[i].not_before > now) continue;
            if (start(m, &xs[i], p, url, token)) {
                fail(&xs[i], token, TC_ENOMEM, "cannot start a transfer");
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
            finish(x, res, p, token, &rng);
            curl_multi_remove_handle(m, h);
            curl_easy_cleanup(h);
            x->h = NULL;
            in_flight--;
            if (x->state == 2) {
                n_done++;
                tc_progress(p->progress, p->progress_ctx, "label", progress_base + n_done,
                            progress_total);
            }
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
    tc_llm_token_free(token);
    return rc;
}
