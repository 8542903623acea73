/* flags.c - command-line flags: the reference script's spelling
 * (--save_load_path) and dashed spelling (--save-load-path) alike, as
 * "--flag value" or "--flag=value". One table drives parsing and --help;
 * a flag that sets tc_params is the library's setting of that flag
 * (tc_params_flag), parsed, checked and described by tc_params_set/help,
 * so the command, the Python keywords and C callers share one list. */
#include "cli/cli.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { T_STR, T_INT, T_LONG, T_LL, T_DOUBLE, T_FLOAT, T_BOOL, T_SECTION, T_SETTING };

typedef struct flag {
    const char *name;
    int type;
    void *ptr;             /* T_SETTING: the tc_params to set */
    const char *help;
    const char *setting;   /* T_SETTING: the library's name ("umap.n_neighbors") */
    int is_bool;           /* T_SETTING: takes no value (true/false) */
    int is_number;         /* T_SETTING: its value is a number (for --help) */
} flag;

#define MAX_FLAGS 160
static int n_flags;
static flag flags[MAX_FLAGS];

static void def(const char *name, int type, void *ptr, const char *help) {
    if (n_flags >= MAX_FLAGS) { /* a table grown past its array: a bug, caught by any run */
        fprintf(stderr, "textclust: internal error: more than %d flags\n", MAX_FLAGS);
        abort();
    }
    flags[n_flags++] = (flag){name, type, ptr, help, NULL, 0, 0};
}

/* The library's setting whose command-line flag is name, placed here in the
 * help; its help line is the library's. */
static void def_setting(tc_params *p, const char *name) {
    for (size_t i = 0; tc_params_name(i); i++) {
        const char *f = tc_params_flag(i);
        if (!f || strcmp(f, name) != 0) continue;
        def(name, T_SETTING, p, tc_params_help(i));
        flag *fl = &flags[n_flags - 1];
        fl->setting = tc_params_name(i);
        char v[64], *end;
        tc_params value = tc_default_params();
        if (tc_params_get(&value, fl->setting, v, sizeof v) == 0) {
            fl->is_bool = !strcmp(v, "true") || !strcmp(v, "false");
            strtod(v, &end);
            fl->is_number = end != v && !*end;
        }
        return;
    }
    fprintf(stderr, "textclust: internal error: no setting has the flag --%s\n", name);
    abort();
}

/* Settings with a flag that no section above placed. */
static void def_other_settings(tc_params *p) {
    int section = 0;
    for (size_t i = 0; tc_params_name(i); i++) {
        const char *f = tc_params_flag(i);
        int placed = !f;
        for (int k = 0; k < n_flags && !placed; k++) placed = !strcmp(flags[k].name, f);
        if (placed) continue;
        if (!section++) def("More settings", T_SECTION, NULL, NULL);
        def_setting(p, f);
    }
}

static void build_table(cli_opts *o) {
    tc_params *p = &o->p;
    n_flags = 0;
    def("Pipeline (the reference script's flags)", T_SECTION, NULL, NULL);
    def("mode", T_STR, &o->mode, "run | load | infer | show | embed | project | cluster (or give it as the first word)");
    def("save_load_path", T_STR, &o->save_load_path, "save folder (default ./cc_100k)");
    def("input", T_STR, &o->input, "local input: JSONL, CSV, TSV or text (one per line), optionally .gz, or a folder of them; - = standard input");
    def("input_dataset", T_STR, &o->input_dataset, "a Hugging Face hub dataset ORG/NAME[@REVISION] (downloaded into the hub cache), or a local path as --input");
    def("data_subset", T_STR, &o->data_subset, "the hub dataset's config (default \"default\"); for a local folder, the subfolder to read");
    def("split", T_STR, &o->split, "the hub dataset's split (default train)");
    def("input_content", T_STR, &o->input_content, "text field / column (default content)");
    def("id_field", T_STR, &o->id_field, "id field copied to infer output when present (default id)");
    def("input_format", T_STR, &o->input_format, "auto | jsonl | csv | tsv | text | parquet (default auto: by extension)");
    def("max_text_bytes", T_LONG, &o->max_text_bytes, "longest text kept, in bytes: longer ones are cut with a warning, records over 16x are refused (default 1048576)");
    def("n_samples", T_LONG, &o->n_samples, "texts to use when --start is not given (default 100000)");
    def("start", T_LONG, &o->start, "first text of a range (run: > 0 selects; infer: >= 0 selects; default -1)");
    def("end", T_LONG, &o->end, "end of that range, exclusive (default 100000)");
    def_setting(p, "topic_mode");
    def_setting(p, "dbscan_eps");
    def_setting(p, "dbscan_min_samples");
    def("build_hf_ds", T_BOOL, &o->build_hf_ds, "write the Hugging Face datasets (Parquet) into the save folder; infer: beside --output");
    def("inference_repo_name", T_STR, &o->inference_repo_name, "infer: hub dataset repository (NAME under --username, or USER/NAME) its per-cluster dataset is pushed to");
    def("username", T_STR, &o->username, "hub user or organization the datasets are pushed to");
    def("public", T_BOOL, &o->public_repo, "create the pushed hub repositories public (default: private)");
    def("repo", T_STR, &o->repo, "push: the hub dataset USER/NAME that FILE goes to");
    def("device", T_STR, &o->device, "cpu (textclust runs on the CPU; cuda is accepted with a warning)");
    def_setting(p, "seed");
    def_setting(p, "threads");
    def("quiet", T_BOOL, &o->quiet, "no progress bars or summary lines");

    def("Inputs and outputs", T_SECTION, NULL, NULL);
    def("output", T_STR, &o->output, "infer: JSONL results (default and - : stdout, not resumable; a file is checkpointed and resumes); stage commands: the .npy to write; show: folder");
    def("embeddings", T_STR, &o->embeddings, "run: precomputed embeddings .npy, one row per input text, used as given");
    def("overlay", T_STR, &o->overlay, "show: infer's JSONL output drawn over map.png and map.html (more files may follow: shards)");
    def("output_embeddings", T_STR, &o->output_embeddings, "infer: also write the new texts' embeddings to this .npy");
    def("top_k", T_INT, &o->top_k, "infer: neighbours that vote for a text's label (default 1)");
    def("batch_size", T_INT, &o->batch_size, "infer/embed: texts per batch (default 4096)");
    def("no_plots", T_BOOL, &o->no_plots, "run/load: do not write map.png and map.html");
    def("overwrite", T_BOOL, &o->overwrite, "run: write into a non-empty folder that holds no save (only the save's files are written)");
    def("max_distance", T_DOUBLE, &o->max_distance, "infer: label -1 for a text whose nearest training text is farther (squared distance, as in the output; default: no limit)");
    def("on_error", T_STR, &o->on_error, "infer: stop | skip a malformed line or record (skip: counted, first 20 shown; default stop)");
    def("num_shards", T_INT, &o->num_shards, "infer: split the input into this many parts (see --shard_index); textclust merge joins them");
    def("shard_index", T_INT, &o->shard_index, "infer: the part this process runs, 0 to num_shards - 1 (e.g. $SLURM_ARRAY_TASK_ID)");
    def("restart", T_BOOL, &o->restart, "infer: start over, deleting the checkpoint and partial output of an interrupted run");

    def("Embedding", T_SECTION, NULL, NULL);
    def_setting(p, "embed_model");
    def_setting(p, "embed_batch_size");
    def_setting(p, "embed_max_length");
    def_setting(p, "embed_dtype");
    def_setting(p, "embed_dim");
    def_setting(p, "embed_hybrid_weight");

    def("UMAP", T_SECTION, NULL, NULL);
    def_setting(p, "umap_n_neighbors");
    def_setting(p, "umap_min_dist");
    def_setting(p, "umap_spread");
    def_setting(p, "umap_n_epochs");
    def_setting(p, "umap_learning_rate");
    def_setting(p, "umap_negative_sample_rate");
    def_setting(p, "umap_repulsion_strength");
    def_setting(p, "umap_local_connectivity");
    def_setting(p, "umap_set_op_mix_ratio");
    def_setting(p, "umap_a");
    def_setting(p, "umap_b");
    def_setting(p, "umap_init");
    def_setting(p, "umap_knn");
    def_setting(p, "umap_n_components");

    def("Clustering", T_SECTION, NULL, NULL);
    def_setting(p, "cluster");
    def_setting(p, "min_cluster_size");
    def_setting(p, "min_samples");
    def_setting(p, "cluster_selection_method");
    def_setting(p, "cluster_selection_epsilon");
    def_setting(p, "assign_noise");
    def_setting(p, "assign_noise_max_distance");

    def("Cluster names", T_SECTION, NULL, NULL);
    def_setting(p, "summary_n_examples");
    def_setting(p, "summary_chunk_size");
    def("summary_template", T_STR, &o->summary_template, "prompt template file with {examples} and {instruction}");
    def("summary_instruction", T_STR, &o->summary_instruction, "instruction file replacing the built-in one");
    def("summary_model", T_STR, &o->summary_model, "Hugging Face model id: names clusters with its text-generation API");
    def("llm_url", T_STR, &o->llm_url, "OpenAI-compatible endpoint (vLLM, llama.cpp, Ollama, ...), or a TGI server with --summary_model");
    def("llm_model", T_STR, &o->llm_model, "model name sent to --llm_url");
    def("llm_api_key", T_STR, &o->llm_api_key, "refused: set $OPENAI_API_KEY, or $HF_TOKEN for Hugging Face");
    def_setting(p, "llm_max_new_tokens");
    def_setting(p, "llm_temperature");
    def_setting(p, "llm_concurrency");
    def_setting(p, "llm_timeout");
    def_setting(p, "llm_retries");
    def("llm_api", T_STR, &o->llm_api, "hf | openai: the API at --llm_url (default: hf with --summary_model, else openai)");
    def_setting(p, "llm_token_file");
    def_setting(p, "llm_retry_delay");
    def("llm_cache", T_STR, &o->llm_cache, "answer cache folder (default <save folder>.llm-cache)");
    def_setting(p, "llm_max_requests");
    def_setting(p, "summary_examples");
    def_setting(p, "summary_mmr_lambda");
    def("depth", T_INT, &o->depth, "load/run: levels of the topic tree printed (default 3; 0 = none)");

    def("Plots", T_SECTION, NULL, NULL);
    def("plot_width", T_INT, &o->plot.width, "map.png width in pixels (default 3600)");
    def("plot_height", T_INT, &o->plot.height, "map.png height in pixels (default 2400)");
    def("plot_dpi", T_FLOAT, &o->plot.dpi, "map.png resolution; a width or height of 0 means 12 x 8 in at this dpi (default 300)");
    def("plot_font_size", T_FLOAT, &o->plot.font_size, "label text size in pixels (default 0 = by image size)");
    def("plot_point_size", T_FLOAT, &o->plot.point_size, "point radius in pixels (default 0 = by N)");
    def("plot_alpha", T_FLOAT, &o->plot.alpha, "point opacity (default 0 = by N)");
    def("plot_max_names", T_INT, &o->plot.max_names, "map.png: most topic names, chosen from the topic tree by size and spread (default 0 = 12)");
    def_setting(p, "map_max_points");
    def_other_settings(p);
}

void cli_usage(FILE *f) {
    cli_opts o;
    memset(&o, 0, sizeof o);
    build_table(&o);
    fprintf(f,
            "usage: textclust COMMAND [flags]      (or: textclust --mode COMMAND [flags])\n"
            "\n"
            "Find and name the topics in a collection of texts.\n"
            "\n"
            "commands:\n"
            "  run      read texts, embed, project (UMAP), cluster, name clusters, save, plot\n"
            "  load     check a save folder, print its clusters, redraw its plots\n"
            "  infer    label new texts by their nearest training texts (JSONL out)\n"
            "  merge    --output OUT SHARD...: join the shards of infer --num_shards, print per-cluster counts\n"
            "  show     redraw the plots of a save folder (--output: another folder; --overlay infer's output)\n"
            "  embed    texts -> embeddings .npy          (--input, --output)\n"
            "  project  embeddings .npy -> 2-D .npy (UMAP) (--input, --output)\n"
            "  cluster  points .npy -> int64 labels .npy   (--input, --output)\n"
            "  download-model ORG/NAME[@REV]\n"
            "           fetch a Hugging Face model into the Hugging Face cache, print its folder\n"
            "  push     push a save folder's hf_clusters.parquet and hf_texts.parquet (--build_hf_ds)\n"
            "           to the hub as USER/<folder> and USER/<folder>_clusters (--username, --public);\n"
            "           push --repo USER/NAME FILE pushes one Parquet file (infer's .clusters.parquet)\n"
            "\n"
            "Flags take a value as --flag VALUE or --flag=VALUE; --flag_name and --flag-name\n"
            "are the same flag.\n");
    for (int i = 0; i < n_flags; i++) {
        const flag *fl = &flags[i];
        if (fl->type == T_SECTION) { fprintf(f, "\n%s:\n", fl->name); continue; }
        const char *meta = fl->type == T_BOOL || fl->is_bool                       ? ""
                           : fl->type == T_STR || (fl->type == T_SETTING && !fl->is_number) ? " S"
                                                                                          : " N";
        char left[64];
        snprintf(left, sizeof left, "--%s%s", fl->name, meta);
        fprintf(f, "  %-30s %s\n", left, fl->help);
    }
    fprintf(f, "\nenvironment: TEXTCLUST_MODEL_DIR (model folder), OPENAI_API_KEY, HF_TOKEN (or the file\n"
               "HF_TOKEN_PATH), HF_HUB_CACHE / HF_HOME (model and dataset cache), HF_ENDPOINT, HF_HUB_OFFLINE=1\n");
}

static void set_defaults(cli_opts *o) {
    memset(o, 0, sizeof *o);
    o->save_load_path = "./cc_100k";
    o->n_samples = 100000, o->start = -1, o->end = 100000;
    o->input_content = "content", o->id_field = "id", o->input_format = "auto", o->split = "train";
    o->top_k = 1, o->batch_size = 4096;
    o->max_distance = -1, o->on_error = "stop";
    o->max_text_bytes = TC_MAX_TEXT_BYTES_DEFAULT;
    o->depth = 3;
    o->p = tc_default_params();
    o->plot = tc_plot_default_params();
}

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad(const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fputs("textclust: ", stderr);
    cli_term_fputs(msg, stderr);  /* values may be pasted from anywhere */
    fputs("\n(textclust --help lists every flag)\n", stderr);
    return 2;
}

/* The values each numeric flag of the command's own accepts (the library
 * checks its settings), checked while parsing so that a bad value stops the
 * command before it reads, embeds or maps anything. A flag not listed takes
 * any value of its type (integers that fit, finite reals). lo_open: lo
 * itself is refused. */
static const struct range {
    const char *name;
    double lo, hi;
    int lo_open;
} ranges[] = {
    {"n_samples", 0, INFINITY, 0},          {"start", -1, INFINITY, 0},
    {"max_distance", 0, INFINITY, 0},       {"num_shards", 1, 1 << 20, 0},
    {"shard_index", 0, (1 << 20) - 1, 0},
    {"end", 0, INFINITY, 0},                {"top_k", 1, INFINITY, 0},
    {"batch_size", 1, INFINITY, 0},
    {"plot_width", 0, 32000, 0},            {"plot_height", 0, 32000, 0},
    {"plot_dpi", 0, INFINITY, 0},           {"plot_font_size", 0, INFINITY, 0},
    {"plot_point_size", 0, INFINITY, 0},    {"plot_alpha", 0, 1, 0},
    {"max_text_bytes", 1, TC_MAX_TEXT_BYTES_LIMIT, 0},
    {"depth", 0, 1000, 0},
    {"plot_max_names", 0, 10000, 0},
};

static int check_range(const flag *fl, const char *v, double x) {
    for (size_t i = 0; i < sizeof ranges / sizeof *ranges; i++) {
        const struct range *r = &ranges[i];
        if (strcmp(r->name, fl->name) != 0) continue;
        if (x > r->lo && x <= r->hi) return 0;
        if (x == r->lo && !r->lo_open) return 0;
        if (isinf(r->hi))
            return bad("--%s: '%s' is out of range: it must be %s %g", fl->name, v, r->lo_open ? ">" : ">=", r->lo);
        return bad("--%s: '%s' is out of range: it must be from %g to %g", fl->name, v, r->lo, r->hi);
    }
    return 0;
}

/* A library setting: its error reads "umap.n_neighbors: ...", which the
 * command says as "--umap_n_neighbors: ...". */
static int set_setting(const flag *fl, const char *v) {
    if (tc_params_set((tc_params *)fl->ptr, fl->setting, v) == 0) return 0;
    const char *msg = tc_last_error();
    size_t len = strlen(fl->setting);
    if (strncmp(msg, fl->setting, len) == 0 && msg[len] == ':') return bad("--%s%s", fl->name, msg + len);
    return bad("--%s: %s", fl->name, msg);
}

static int set_value(const flag *fl, const char *arg) {
    if (fl->type == T_SETTING) return set_setting(fl, arg);
    char *end, num[64];
    const char *v = arg;
    if (fl->type != T_STR) {
        /* as Python's int() and float() read the reference's flags: spaces
         * around the number are fine, hexadecimal is not a number */
        while (*v == ' ' || *v == '\t') v++;
        size_t n = strlen(v);
        while (n && (v[n - 1] == ' ' || v[n - 1] == '\t')) n--;
        if (n >= sizeof num || strpbrk(v, "xX")) return bad("--%s: '%s' is not a number", fl->name, arg);
        /* Python's literals allow one underscore between two digits (100_000) */
        size_t w = 0;
        for (size_t k = 0; k < n; k++) {
            if (v[k] != '_') { num[w++] = v[k]; continue; }
            if (!k || k + 1 >= n || !isdigit((unsigned char)v[k - 1]) || !isdigit((unsigned char)v[k + 1]))
                return bad("--%s: '%s' is not a number", fl->name, arg);
        }
        num[w] = 0;
        v = num;
    }
    errno = 0;
    switch (fl->type) {
    case T_STR: *(const char **)fl->ptr = v; return 0;
    case T_INT: case T_LONG: case T_LL: {
        long long x = strtoll(v, &end, 10);
        if (end == v || *end) {
            strtod(v, &end);  /* "1e99", "2.5": a number, but not a whole one */
            if (end != v && !*end) return bad("--%s: '%s' is not a whole number", fl->name, v);
            break;
        }
        long long lo = fl->type == T_INT ? INT_MIN : fl->type == T_LONG ? LONG_MIN : LLONG_MIN;
        long long hi = fl->type == T_INT ? INT_MAX : fl->type == T_LONG ? LONG_MAX : LLONG_MAX;
        if ((errno == ERANGE && x < 0) || x < lo)
            return bad("--%s: '%s' is too small (the least is %lld)", fl->name, v, lo);
        if (errno == ERANGE || x > hi)
            return bad("--%s: '%s' is too large (the most is %lld)", fl->name, v, hi);
        if (check_range(fl, v, (double)x)) return 2;
        if (fl->type == T_INT) *(int *)fl->ptr = (int)x;
        else if (fl->type == T_LONG) *(long *)fl->ptr = (long)x;
        else *(long long *)fl->ptr = x;
        return 0;
    }
    case T_DOUBLE: case T_FLOAT: {
        double x = strtod(v, &end);
        if (end == v || *end) break;
        if (!isfinite(x)) return bad("--%s: '%s' is not a finite number", fl->name, v);
        if ((errno == ERANGE && x != 0) || (fl->type == T_FLOAT && fabs(x) > FLT_MAX))
            return bad("--%s: '%s' is too large (the most is %g)", fl->name, v,
                       fl->type == T_FLOAT ? (double)FLT_MAX : DBL_MAX);
        if (check_range(fl, v, x)) return 2;
        if (fl->type == T_DOUBLE) *(double *)fl->ptr = x;
        else *(float *)fl->ptr = (float)x;
        return 0;
    }
    }
    return bad("--%s: '%s' is not a number", fl->name, v);
}

/* The flag called name, or, as Python's argparse allows, the one flag whose
 * name starts with it (--n_samp, --save_load); an ambiguous prefix is an
 * error naming the candidates. */
static const flag *find_flag(const char *name) {
    const flag *hit = NULL;
    char cands[512] = "";
    int n = 0;
    size_t len = strlen(name);
    for (int k = 0; k < n_flags; k++) {
        if (flags[k].type == T_SECTION) continue;
        if (strcmp(flags[k].name, name) == 0) return &flags[k];
        if (len && strncmp(flags[k].name, name, len) == 0) {
            hit = &flags[k];
            size_t used = strlen(cands);
            if (used + strlen(hit->name) + 5 < sizeof cands)
                snprintf(cands + used, sizeof cands - used, "%s--%s", n ? ", " : "", hit->name);
            n++;
        }
    }
    if (n == 1) return hit;
    if (n > 1) bad("ambiguous flag '--%s': it could be %s", name, cands);
    else bad("unknown flag '--%s'", name);
    return NULL;
}

int cli_parse(int argc, char **argv, cli_opts *o, int *help) {
    set_defaults(o);
    build_table(o);
    *help = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) { *help = 1; return 0; }
        if (strncmp(a, "--", 2) != 0) {
            if (o->mode && !strcmp(o->mode, "download-model") && !o->model_id) { o->model_id = a; continue; }
            if (o->mode && !strcmp(o->mode, "push") && !o->push_file) { o->push_file = a; continue; }
            if (o->mode && (!strcmp(o->mode, "merge") || !strcmp(o->mode, "show"))) {
                if (!o->paths && !(o->paths = calloc((size_t)argc, sizeof *o->paths))) return bad("out of memory");
                o->paths[o->n_paths++] = a;  /* lives until exit */
                continue;
            }
            if (o->mode) return bad("unexpected argument '%s'", a);
            o->mode = a;
            continue;
        }
        char name[128];
        const char *eq = strchr(a + 2, '=');
        size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        if (len >= sizeof name) return bad("unknown flag '%s'", a);
        for (size_t k = 0; k < len; k++) name[k] = a[2 + k] == '-' ? '_' : a[2 + k];
        name[len] = 0;
        const flag *fl = find_flag(name);
        if (!fl) return 2;
        if (fl->type == T_BOOL || fl->is_bool) {
            if (eq && strcmp(eq + 1, "true") && strcmp(eq + 1, "1") && strcmp(eq + 1, "false") && strcmp(eq + 1, "0"))
                return bad("--%s takes no value (got '%s')", name, eq + 1);
            int on = !eq || !strcmp(eq + 1, "true") || !strcmp(eq + 1, "1");
            if (fl->is_bool) {
                if (set_setting(fl, on ? "true" : "false")) return 2;
            } else {
                *(int *)fl->ptr = on;
            }
            continue;
        }
        const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!v) return bad("--%s needs a value", name);
        if (set_value(fl, v)) return 2;
    }
    if (!o->mode) o->mode = "run";
    return 0;
}

int cli_resolve(cli_opts *o) {
    tc_params *p = &o->p;
    /* "-" is the standard stream, as for other Unix tools: a file named "-"
     * is still reachable as ./- */
    if (o->input && strcmp(o->input, "-") == 0) o->input = "/dev/stdin";
    if (o->output && strcmp(o->output, "-") == 0) {
        if (strcmp(o->mode, "infer") != 0)
            return bad("--output -: only infer writes to standard output (a .npy or a plot folder needs a path)");
        o->output = NULL;
    }
    /* single values were range-checked while parsing; these involve two */
    if (p->umap.min_dist > p->umap.spread)
        return bad("--umap_min_dist %g is larger than --umap_spread %g", (double)p->umap.min_dist,
                   (double)p->umap.spread);
    if (o->n_samples == 0 && strcmp(o->mode, "infer") != 0)
        return bad("--n_samples: '0' is out of range for %s: it must be >= 1 (0, every text, is for infer)", o->mode);
    if (strcmp(o->on_error, "stop") && strcmp(o->on_error, "skip"))
        return bad("--on_error: '%s' is not stop or skip", o->on_error);
    if (o->num_shards > 1 && o->shard_index >= o->num_shards)
        return bad("--shard_index %d: expected 0 to %d (--num_shards %d)", o->shard_index,
                   o->num_shards - 1, o->num_shards);
    if (o->num_shards <= 1 && o->shard_index > 0)
        return bad("--shard_index %d needs --num_shards", o->shard_index);
    if (o->start > 0 && o->end <= o->start)
        return bad("--end %ld must be larger than --start %ld", o->end, o->start);
    double dpi = o->plot.dpi > 0 ? o->plot.dpi : 300;
    double w = o->plot.width > 0 ? o->plot.width : round(12 * dpi);
    double h = o->plot.height > 0 ? o->plot.height : round(8 * dpi);
    if (w < 16 || h < 16 || w > 32000 || h > 32000)
        return bad("the map would be %.0f x %.0f pixels (--plot_width, --plot_height, --plot_dpi): "
                   "each side must be from 16 to 32000", w, h);
    if (o->device && strcmp(o->device, "cpu") != 0)
        cli_term_printf(stderr, "textclust: warning: --device %s: textclust runs on the CPU\n", o->device);
    /* Labeller: an LLM when an endpoint is named, else keywords offline. */
    if (o->llm_api_key)  /* argv is readable by every user (ps) and lands in shell history */
        return bad("--llm_api_key: a key on the command line is visible to other users; set "
                   "$OPENAI_API_KEY (or $HF_TOKEN, or the Hugging Face token file)");
    if ((o->llm_model || o->llm_api_key) && !o->llm_url && !o->summary_model)
        return bad("--llm_model and --llm_api_key need an endpoint: --llm_url or --summary_model");
    if (o->llm_api && strcmp(o->llm_api, "hf") && strcmp(o->llm_api, "openai"))
        return bad("--llm_api: '%s' is not hf or openai", o->llm_api);
    if (o->llm_api && !o->llm_url && !o->summary_model)
        return bad("--llm_api %s needs --llm_url or --summary_model", o->llm_api);
    /* what the labeller would find wrong only after embedding and mapping */
    if (o->llm_url && strncmp(o->llm_url, "http://", 7) && strncmp(o->llm_url, "https://", 8))
        return bad("--llm_url '%s' must start with http:// or https://", o->llm_url);
    if (p->label.llm_token_file && access(p->label.llm_token_file, R_OK) != 0)
        return bad("--llm_token_file %s: %s", p->label.llm_token_file, strerror(errno));
    struct stat st;
    /* a path that is not there may still be a hub id (ORG/NAME) */
    if (p->embed_model && strchr(p->embed_model, '/') && stat(p->embed_model, &st) != 0 &&
        !tc_hub_is_id(p->embed_model))
        return bad("--embed_model %s: %s", p->embed_model, strerror(errno));
    if (o->llm_url || o->summary_model) {
        p->label.api = o->llm_url && !o->summary_model ? TC_LLM_OPENAI : TC_LLM_HF;
        if (o->llm_api) p->label.api = strcmp(o->llm_api, "hf") == 0 ? TC_LLM_HF : TC_LLM_OPENAI;
        p->label.llm_url = o->llm_url;
        p->label.llm_model = o->summary_model ? o->summary_model : o->llm_model;
        p->label.llm_api_key = o->llm_api_key;
    }
    return 0;
}
