/* mpi.h - textclust under mpirun (built with make MPI=1). Without MPI the
 * commands run as they are. */
#ifndef TC_CLI_MPI_H
#define TC_CLI_MPI_H

#include "cli/cli.h"

#ifdef TC_MPI
/* Runs the command fn. Launched by mpirun or srun with N > 1 ranks (found
 * in the launcher's environment), infer runs shard rank of N on each rank,
 * the ranks gather their exit status and first error message, and rank 0
 * merges the shards into --output (merge.c) or says which ranks failed;
 * every rank then returns the job's status. Other commands are refused
 * with N > 1. Not launched by MPI: fn(o). */
int cli_mpi_run(cli_opts *o, int (*fn)(cli_opts *));
#else
static inline int cli_mpi_run(cli_opts *o, int (*fn)(cli_opts *)) { return fn(o); }
#endif

#endif
