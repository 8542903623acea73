/* mpi.c - infer over MPI ranks (make MPI=1; compiled only then).
 *
 * `mpirun -np N textclust infer ... --output OUT` is N shards of one job:
 * rank r runs `--num_shards N --shard_index r` (checkpoint.c: resumable, a
 * marker when complete) with its own --threads, then the ranks gather their
 * exit status and first error message on rank 0, which merges the shards
 * into OUT in-process (merge.c) or names the ranks that failed. Every rank
 * returns the job's status, so mpirun exits non-zero when any shard failed.
 * Run again, the same command continues each rank's shard from its
 * checkpoint; complete shards are not redone.
 *
 * MPI_Init is called only when a launcher started us (mpirun, mpiexec,
 * srun --mpi): a singleton MPI_Init can take seconds or fail where no MPI
 * daemon can be spawned, and the plain command must keep working. */
#include "cli/checkpoint.h"
#include "cli/mpi.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MPI_MSG 512 /* bytes of each rank's error message gathered on rank 0 */

/* Set by Open MPI's mpirun, PMIx launchers (prterun, srun --mpi=pmix) and
 * PMI-1/2 ones (MPICH's hydra, srun --mpi=pmi2). */
static int launched(void) {
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        if (getenv(vars[i])) return 1;
    return 0;
}

/* Rank 0: the n shards of --output merged into it, as `textclust merge`. */
static int merge_ranks(cli_opts *o, int n) {
    char **names = calloc((size_t)n, sizeof *names);
    cli_opts m = *o;
    m.paths = calloc((size_t)n, sizeof *m.paths);
    m.n_paths = n;
    int rc = 1;
    if (!names || !m.paths) goto oom;
    for (int i = 0; i < n; i++)
        if (!(m.paths[i] = names[i] = infer_shard_path(o->output, i, n))) goto oom;
    rc = cmd_merge(&m); /* frees m.paths */
    m.paths = NULL;
    goto done;
oom:
    cli_fail("out of memory");
done:
    for (int i = 0; names && i < n; i++) free(names[i]);
    free(names);
    free((void *)m.paths);
    return rc;
}

static int infer_ranks(cli_opts *o, int rank, int size) {
    int rc;
    if (!o->output)
        rc = cli_fail("infer under mpirun needs --output FILE: each rank writes its shard of it, and "
                      "rank 0 merges them into it");
    else if (o->num_shards > 1)
        rc = cli_failf("infer under mpirun: the %d ranks are the shards; drop --num_shards %d", size,
                       o->num_shards);
    else {
        o->num_shards = size, o->shard_index = rank;
        rc = cmd_infer(o);
    }
    char msg[MPI_MSG] = "";
    if (rc) snprintf(msg, sizeof msg, "%s", cli_first_failure()[0] ? cli_first_failure() : "failed");
    int *codes = NULL;
    char *msgs = NULL;
    if (rank == 0) {
        codes = calloc((size_t)size, sizeof *codes);
        msgs = calloc((size_t)size, MPI_MSG);
        if (!codes || !msgs) {
            cli_fail("out of memory");
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
    }
    MPI_Gather(&rc, 1, MPI_INT, codes, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Gather(msg, MPI_MSG, MPI_CHAR, msgs, MPI_MSG, MPI_CHAR, 0, MPI_COMM_WORLD);
    int job = 0;
    if (rank == 0) {
        int failed = 0;
        for (int r = 0; r < size; r++)
            if (codes[r]) {
                failed++;
                msgs[(size_t)r * MPI_MSG + MPI_MSG - 1] = 0;
                cli_failf("rank %d of %d (shard %d) failed: %s", r, size, r, msgs + (size_t)r * MPI_MSG);
            }
        if (failed)
            cli_failf("%d of %d ranks failed, nothing merged into %s; the same mpirun command continues "
                      "their shards from their checkpoints (complete shards are not redone)",
                      failed, size, o->output);
        job = failed ? 1 : merge_ranks(o, size);
    }
    free(codes);
    free(msgs);
    MPI_Bcast(&job, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return job;
}

int cli_mpi_run(cli_opts *o, int (*fn)(cli_opts *)) {
    if (!launched()) return fn(o);
    int rank = 0, size = 1, rc;
    if (MPI_Init(NULL, NULL) != MPI_SUCCESS) return cli_fail("MPI_Init failed");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size == 1) rc = fn(o);
    else if (fn == cmd_infer) rc = infer_ranks(o, rank, size);
    else {
        rc = 2;
        if (rank == 0)
            cli_failf("%s under mpirun with %d ranks: only infer runs across ranks (one shard each); "
                      "run %s as one process", o->mode, size, o->mode);
    }
    MPI_Finalize();
    return rc;
}
