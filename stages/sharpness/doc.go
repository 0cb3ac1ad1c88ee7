// Package sharpness estimates the top of the spectrum of a training loss's
// Hessian: the largest eigenvalue lambda_max and the ratio lambda_max /
// lambda_5 reported in Table 1 of the USEFUL paper. It only needs
// Hessian-vector products (the SavedModel's "hvp" signature provides them);
// the Hessian itself is never formed.
//
// # Method
//
// Lanczos runs up to Config.Iterations steps of the Lanczos iteration from a
// seeded random start vector, building an orthonormal basis Q of the Krylov
// space and the symmetric tridiagonal T = Qᵀ H Q. The eigenvalues of T (Ritz
// values, computed with gonum's mat.EigenSym) approximate the extreme
// eigenvalues of H; the K largest are returned, largest first. One step costs
// one Hessian-vector product.
//
// By default every new Lanczos vector is reorthogonalised against the whole
// basis (classical Gram-Schmidt, two passes). This costs n*m floats of
// memory for m steps and O(n m²) flops, and keeps the basis orthogonal to
// working precision. Without it (Config.Reorthogonalize pointing at false)
// the basis loses orthogonality as soon as a Ritz value converges and
// spurious copies ("ghosts") of converged eigenvalues appear among the Ritz
// values, so lambda_5 would be wrong; that mode exists for comparison only.
//
// # Invariant subspaces and repeated eigenvalues
//
// If the residual norm beta_j falls to rounding level (beta_j <= 1e-10 times
// the largest |alpha_i| or beta_i so far), the basis spans an invariant
// subspace of H and its Ritz values are exact eigenvalues. If the basis
// already spans all of R^n, Lanczos stops early. Otherwise (with
// reorthogonalisation) it does not stop but continues from a fresh seeded
// random vector orthogonalised against the basis, leaving a zero in T's
// off-diagonal (Result.Restarts counts these). This matters for repeated
// eigenvalues: the Krylov space of one start vector holds only one
// eigenvector of each distinct eigenvalue, so stopping there would report a
// triple eigenvalue once and shift lambda_5 down. Without
// reorthogonalisation Lanczos stops at the first invariant subspace.
//
// When the Krylov space is not exhausted within the step budget, a second
// copy of a repeated eigenvalue can only appear through rounding errors,
// which full reorthogonalisation lets grow (see TestRepeatedTopEigenvalues);
// for exactly repeated eigenvalues with a small gap below them that may take
// more steps than the budget. Hessians of trained networks have no exact
// multiplicities, only clusters, which the Krylov space does see.
//
// # Accuracy
//
// Result.Residuals[i] = |beta_m s_{m,i}| (s_i the eigenvector of T, beta_m
// the final residual norm) bounds |theta_i - lambda| for some eigenvalue
// lambda of H when the basis is orthogonal (with reorthogonalisation), and
// is a cheap convergence check: a residual much smaller than the gap to the
// neighbouring Ritz value means theta_i has converged. The HVP of a float32
// SavedModel carries relative noise around 1e-7, which limits the attainable
// accuracy to about that level.
//
// # Determinism
//
// The start vector (and any restart vector) comes from a math/rand/v2 PCG
// generator seeded by Config.Seed, and all arithmetic is sequential, so the
// same Config and a deterministic hvp give bit-identical results.
//
// # Errors
//
// An error from hvp, or a NaN or ±Inf in its output (including entries of
// dst it left unwritten: dst is filled with NaN before each call), stops the
// iteration with an error naming the Lanczos step and the index.
package sharpness
