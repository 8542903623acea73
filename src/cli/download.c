/* download.c - textclust download-model ORG/NAME[@REV]: puts a hub model
 * into the Hugging Face cache (or finds it there) and prints its folder,
 * so that later runs work offline and scripts can use the path. */
#include "cli/cli.h"

#include <stdio.h>
#include <unistd.h>

int cmd_download_model(cli_opts *o) {
    if (!o->model_id) {
        fputs("textclust: download-model needs a model id: textclust download-model ORG/NAME[@REVISION]\n", stderr);
        return 2;
    }
    if (!tc_hub_is_id(o->model_id)) {
        cli_term_printf(stderr, "textclust: download-model: '%s' is not a Hugging Face model id "
                                "(ORG/NAME or NAME, optionally @REVISION)\n", o->model_id);
        return 2;
    }
    char dir[4096];
    if (tc_hub_resolve(o->model_id, 1, !o->quiet && isatty(STDERR_FILENO), dir, sizeof dir))
        return cli_fail(tc_last_error());
    cli_term_fputs(dir, stdout);  /* the cache path comes from the environment */
    putchar('\n');
    return 0;
}
