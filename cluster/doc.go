// Package cluster splits each class of a training set into a fast-learnable
// and a slow-learnable cluster, the clustering step of USEFUL (NeurIPS 2024):
// after a few epochs of training, the logit vectors of every class are
// clustered with k-means (k = 2) and the cluster whose examples have the
// higher mean loss is the slow-learnable one that later gets upsampled.
//
// KMeans is a general Lloyd k-means with k-means++ seeding and restarts.
// SplitClasses runs it once per class and picks the slow cluster;
// SlowIndices collects the examples to upsample.
//
// # Determinism
//
// All randomness derives from Config.Seed through math/rand/v2 PCG
// generators: restart r of a run and class c of SplitClasses each get their
// own generator, derived from the seed and r (or c) only. Restarts may run in
// parallel, but each restart is computed sequentially and the kept restart is
// chosen by (inertia, restart index), so results are identical bit for bit
// for the same Config whatever GOMAXPROCS is.
//
// # Tie-breaking and canonical labels
//
//   - A row equally near two centroids goes to the one with the lower
//     index (during Lloyd iterations, before renumbering).
//   - Restarts with equal inertia: the lower restart index wins.
//   - An empty cluster is re-seeded with the row farthest from its centroid;
//     equal distances go to the lower row index.
//   - Finally clusters are renumbered in order of their lowest row index, so
//     cluster 0 always holds row 0 and the labelling does not depend on which
//     restart won. Empty clusters come last.
//
// # Performance
//
// Data are read as one flat row-major slice (the matrix's own storage when
// it has no row gaps). Restarts share the data and run on up to GOMAXPROCS
// goroutines, each reusing its buffers, so iterations allocate nothing.
// Lloyd iterations skip rows whose bounds prove they keep their cluster:
// with two clusters, a lower bound on the row's distance-like margin from
// the bisecting hyperplane; with more, Hamerly's distance bounds.
//
// # Degenerate input
//
//   - Fewer distinct rows than k (including fewer rows than k, or all rows
//     identical): every distinct row gets its own cluster, the other clusters
//     are empty (size 0, NaN centroid row) and the inertia is 0. With all
//     rows identical everything is in cluster 0.
//   - A class with one example, or whose logit rows are all identical, has
//     no split: SlowCluster is -1 and nothing is upsampled.
//   - A class with no examples gives a ClassSplit with no members and
//     SlowCluster -1.
//   - Equal mean losses (within a relative 1e-12) in the two clusters of a
//     class: no split, because nothing tells the clusters apart.
//   - NaN or ±Inf in the data or logits, or values so large that squared
//     distances could overflow, give an error naming the row, column and
//     value; a NaN or ±Inf loss or an out-of-range label gives an error
//     naming the row and value.
package cluster
