/* prompt.c - the prompt an LLM gets for one cluster: a template with
 * {examples} and {instruction} placeholders, the examples formatted as
 * "Example i:\n<text>" blocks (the reference's layout, so that users'
 * templates and instructions carry over) and our own instruction wording
 * for the two answer formats:
 *   multiple_topics  "Word, Word, Word"
 *   single_topic     "Topic: <topic>, Educational value rating: <1-10>" */
#include "label/label.h"

#include <stdlib.h>
#include <string.h>

static const char instruction_multiple[] =
    "What subject do these texts have in common? Answer with exactly three short topic "
    "words or phrases separated by commas, such as: Astronomy, Telescopes, Planets. "
    "Do not number them and do not add anything else; the whole answer is one line.";

static const char instruction_single[] =
    "Find the single topic that these web texts share, named in a few words (for "
    "instance: organic chemistry, medieval history, personal finance, software testing). "
    "Then judge, on a scale from 1 (useless) to 10 (excellent), how valuable texts on this "
    "topic would be as teaching material for school or university students; rate "
    "advertising, adult, gambling or other non-educational content low. Reply with one "
    "line in exactly this form and nothing else:\n"
    "Topic: <topic>, Educational value rating: <number from 1 to 10>";

/* Chat endpoints apply the model's own chat format to the message; the raw
 * text-generation API does not, so its template carries the Mistral
 * instruction tags of the reference's default model (Mixtral-8x7B-Instruct). */
static const char template_chat[] =
    "Below are sample texts drawn from one cluster of a larger collection.\n\n"
    "{examples}\n\n{instruction}";

static const char template_inst[] =
    "[INST] Below are sample texts drawn from one cluster of a larger collection.\n\n"
    "{examples}\n\n{instruction} [/INST]";

const char *tc_prompt_instruction(int topic_mode) {
    return topic_mode == TC_TOPIC_SINGLE ? instruction_single : instruction_multiple;
}

const char *tc_prompt_template(int api) {
    return api == TC_LLM_HF ? template_inst : template_chat;
}

char *tc_prompt_examples(const char *const *texts, const size_t *idx, size_t k, int chunk_size) {
    tc_sb b = {0};
    tc_sb_puts(&b, "");
    for (size_t i = 0; i < k; i++) {
        const char *t = texts[idx[i]] ? texts[idx[i]] : "";
        size_t n = tc_utf8_chars(t, strlen(t), (size_t)chunk_size);   /* text[:420], as the reference */
        tc_sb_printf(&b, "%sExample %zu:\n", i ? "\n\n" : "", i + 1);
        tc_sb_append(&b, t, n);
    }
    if (b.oom) { tc_sb_free(&b); return NULL; }
    return b.s;
}

char *tc_prompt_format(const char *tpl, const char *examples, const char *instruction) {
    static const char ke[] = "{examples}", ki[] = "{instruction}";
    tc_sb b = {0};
    tc_sb_puts(&b, "");
    for (const char *p = tpl; *p;) {
        if (!strncmp(p, ke, sizeof ke - 1)) {
            tc_sb_puts(&b, examples);
            p += sizeof ke - 1;
        } else if (!strncmp(p, ki, sizeof ki - 1)) {
            tc_sb_puts(&b, instruction);
            p += sizeof ki - 1;
        } else {
            size_t n = strcspn(p + 1, "{") + 1;  /* up to the next brace */
            tc_sb_append(&b, p, n);
            p += n;
        }
    }
    if (b.oom) { tc_sb_free(&b); return NULL; }
    return b.s;
}
