# hdbscan_r.R - HDBSCAN* from R's dbscan package (Debian r-cran-dbscan 1.1-11:
# dbscan::hdbscan and the steps it is made of), the reference that
# tests/hdbscan_r_test.py holds tc_hdbscan to.
#
#   Rscript tests/hdbscan_r.R points.f32 min_samples min_cluster_size out.txt
#
# points.f32: int32 n, int32 d, n*d float32 (read as doubles).
#
# Where R's definitions differ from ours (scikit-learn's), and what is done:
#  - dbscan::hdbscan(x, minPts) ties min_samples and min_cluster_size to one
#    minPts. Its steps are run here one by one, as hdbscan() runs them
#    (coredist, mrdist, prims, hclustMergeOrder in order of height,
#    computeStability, extractUnsupervised), with min_samples for the core
#    distances and min_cluster_size for the cluster tree. With the two equal
#    the script first checks that the steps give hdbscan()'s own labels.
#    coredist(x, k) is the distance to the (k-1)-th neighbour not counting the
#    point, i.e. the k-th counting it: our min_samples. It needs k >= 2.
#  - Equal mutual-reachability distances: R's Prim keeps the first edge it
#    finds and orders equal merges as Prim emitted them; we order edges by
#    (weight, a, b). Prim runs here on the ranks of the distances in the order
#    (distance, a, b), which makes R take and order the same edges; the
#    merges keep their true heights.
#  - A point's lambda: R records a point leaving cluster C at the height
#    where it is last merged in the dendrogram (or C's death, if later); we,
#    like scikit-learn and hdbscan, at the height where the group holding it
#    (fewer than min_cluster_size points) leaves C. They agree when every
#    group that leaves is a single point, as with min_cluster_size 2. So the
#    script writes R's stabilities, and a second set computed from R's
#    cluster tree and R's dendrogram with our lambda, and R's FOSC selection
#    (extractUnsupervised) run again on the second set.
#  - lambda = 1 / 0: R's 1/eps - 1/eps_birth is NaN for a cluster born at
#    distance 0; we count a point or cluster leaving at its cluster's birth
#    lambda as 0 (the second set does the same).
#  - R 1.1-11 has no leaf selection and no cluster_selection_epsilon: leaf
#    labels are read from R's cluster tree (clusters without children), and
#    epsilon is not compared.
#
# out.txt, one line each:
#   eom_r L1 .. Ln     R's excess-of-mass labels (0 = noise, else R's cluster id)
#   eom L1 .. Ln       the same selection with our lambda
#   leaf L1 .. Ln      the leaves of R's cluster tree
#   cluster MIN SIZE STAB_R STAB   every cluster but the root: its smallest
#                      point index (0-based), its point count, the two stabilities
args <- commandArgs(TRUE)
ms <- as.integer(args[2])
mcs <- as.integer(args[3])
con <- file(args[1], "rb")
hdr <- readBin(con, "integer", 2, size = 4)
x <- matrix(readBin(con, "numeric", hdr[1] * hdr[2], size = 4), ncol = hdr[2], byrow = TRUE)
close(con)
ns <- asNamespace("dbscan")

core <- dbscan::coredist(x, ms)
mrd <- ns$mrdist(x, ms, coredist = core)
n <- attr(mrd, "Size")

# hdbscan()'s steps from the distances m; o orders the edges of the tree
steps <- function(m, heights = NULL) {
  mst <- ns$prims(m, n)
  o <- order(mst[, 3])
  if (!is.null(heights)) mst[, 3] <- heights[mst[, 3]]
  hc <- ns$hclustMergeOrder(mst, o)
  list(hc = hc, tree = ns$extractUnsupervised(ns$computeStability(hc, mcs)))
}

if (ms == mcs) {
  ref <- dbscan::hdbscan(x, minPts = ms)$cluster
  own <- attr(steps(mrd)$tree, "cluster")
  same <- all((ref == 0) == (own == 0)) &&
    all(tapply(ref, own, function(v) length(unique(v))) == 1) &&
    all(tapply(own, ref, function(v) length(unique(v))) == 1)
  if (!same) stop("the steps do not give dbscan::hdbscan's labels")
}

# R's dist vector lists the pairs (a, b), a < b, in lexicographic order, so
# ranking it with ties.method "first" is the order (distance, a, b). Prim runs
# on the ranks, and the tree's edges get their distances back.
rk <- rank(as.numeric(mrd), ties.method = "first")
s <- steps(structure(rk, class = "dist", Size = n, Diag = FALSE, Upper = FALSE),
           heights = sort(as.numeric(mrd)))
hc <- s$hc
tree <- s$tree
eom_r <- attr(tree, "cluster")

# our lambda of each point: 1 / height of its lowest dendrogram node with
# at least min_cluster_size points (the merge at which its group leaves)
merge <- hc$merge
up_pt <- integer(n)
up_node <- integer(n - 1)
size <- integer(n - 1)
for (k in seq_len(n - 1)) {
  for (j in 1:2) {
    v <- merge[k, j]
    if (v < 0) { up_pt[-v] <- k; size[k] <- size[k] + 1L }
    else { up_node[v] <- k; size[k] <- size[k] + size[v] }
  }
}
leave_h <- numeric(n)
for (p in seq_len(n)) {
  k <- up_pt[p]
  while (size[k] < mcs) k <- up_node[k]
  leave_h[p] <- hc$height[k]
}
mass <- function(lam, birth) ifelse(lam == birth, 0, lam - birth)

ids <- setdiff(names(tree), "0")
ours <- tree
stab2 <- numeric(0)
for (cid in names(tree)) {
  cl <- tree[[cid]]
  lb <- 1 / cl$eps_birth
  v <- sum(mass(1 / leave_h[cl$contains], lb))
  if (cl$n_children > 0) v <- v + cl$n_children * mass(1 / cl$eps_death, lb)
  ours[[cid]]$stability <- v
  stab2[cid] <- v
}
eom <- attr(ns$extractUnsupervised(ours), "cluster")

hier <- attr(tree, "cl_hierarchy")
leaf <- integer(n)
for (cid in ids) {
  if (!(cid %in% names(hier))) leaf[tree[[cid]]$contains] <- as.integer(cid)
}
out <- c(paste("eom_r", paste(eom_r, collapse = " ")),
         paste("eom", paste(eom, collapse = " ")),
         paste("leaf", paste(leaf, collapse = " ")))
for (cid in ids) {
  below <- c(as.integer(cid), ns$all_children(hier, as.integer(cid)))
  pts <- unlist(lapply(as.character(below), function(k) tree[[k]]$contains))
  out <- c(out, sprintf("cluster %d %d %.17g %.17g", min(pts) - 1L, length(pts),
                        tree[[cid]]$stability, stab2[cid]))
}
writeLines(out, args[4])
