// Package sharpness estimates the top of the spectrum of a training loss's
// Hessian: the largest eigenvalue lambda_max and the ratio lambda_max /
// lambda_5 reported in Table 1 of the USEFUL paper. It only needs
// Hessian-vector products (the SavedModel's "hvp" signature provides them);
// the Hessian itself is never formed.
//
// # Method
//
// Lanczos runs up to Config.Iterations steps of the Lanczos iteration from a
// seeded random start vector. One step costs one Hessian-vector product.
// By default (Config.Reorthogonalize nil or true) every new vector is
// reorthogonalised against the whole stored basis Q (classical Gram-Schmidt,
// two passes: n*m floats of memory and O(n m²) flops for m steps). The
// projections computed on the way are the entries of G = Qᵀ H Q (Arnoldi
// form: the tridiagonal alpha_j, beta_j plus rounding-size terms, and the
// couplings after a restart), and the Ritz values are the eigenvalues of G,
// computed with gonum's mat.EigenSym; the K largest are returned, largest
// first.
//
// Without reorthogonalisation (Config.Reorthogonalize pointing at false) it
// is the three-term recurrence with the tridiagonal T. The basis then loses
// orthogonality as soon as a Ritz value converges and spurious copies
// ("ghosts") of converged eigenvalues appear among the Ritz values, so
// lambda_5 comes out wrong; that mode exists for comparison only.
//
// # Invariant subspaces, repeated eigenvalues and restarts
//
// The Krylov space of one start vector holds only one eigenvector of each
// distinct eigenvalue, so plain Lanczos reports a triple eigenvalue once and
// shifts lambda_5 down. With reorthogonalisation the iteration therefore
// continues from a fresh seeded random vector, orthogonalised against the
// basis (a new "chain"; Result.Restarts counts them), in two cases:
//
//   - The residual norm beta_j falls to rounding level (<= 1e-10 times the
//     largest |alpha_i| or beta_i seen): the basis spans an invariant
//     subspace of H. If it spans all of R^n, Lanczos stops instead, with
//     the exact eigenvalues.
//   - The K largest Ritz values of G and the largest Ritz value of the
//     current chain have converged (residual bound <= Config.Tol times
//     the largest |Ritz value|). A chain that starts after the first is
//     Lanczos on H restricted to the complement of the earlier basis; if
//     its largest Ritz value converges below lambda_K (by more than 10 Tol
//     relative), there is no missed eigenvalue above lambda_K and Lanczos
//     stops early, with fewer than Iterations steps. If it converges at or
//     above lambda_K it was a missed copy, now part of G, and yet another
//     chain starts.
//
// Since G = Qᵀ H Q is formed over the whole basis, restarts never lose
// what earlier chains found. They are only tried once the K largest Ritz
// values have converged, so on spectra without repeated eigenvalues the run
// is plain Lanczos with full reorthogonalisation until then. Without
// restarts a missed copy still appears eventually, because full
// reorthogonalisation lets its rounding-level components grow, but later;
// and when the K largest Ritz values include the top of a dense bulk that
// does not converge within the budget, no restart is tried, so exact
// multiplicities above such a bulk may be missed (a known limit of
// single-vector Krylov methods; block methods avoid it). Hessians of
// trained networks have no exact multiplicities, only clusters, which the
// Krylov space does see.
//
// # Accuracy
//
// Result.Residuals[i] bounds ||H y - theta y|| for the Ritz pair (theta_i,
// y): the sum over chain ends e of beta_e |s_e| (s the eigenvector of G,
// beta_e the residual norm left at the last vector of chain e), so some
// eigenvalue of H lies within it, and usually within residual²/gap. The HVP
// of a float32 SavedModel carries relative noise around 1e-7, which limits
// the attainable accuracy to about that level; DefaultTol = 1e-6 is above
// it, so convergence and restarts still work (see TestFloat32HVP).
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
