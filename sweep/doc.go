// Package sweep expands a sweep file into cells: a base configuration (any
// option, as in a config file) crossed with axes of values (seed, method,
// dataset, separate_epoch, ...). Every cell has a stable ID, its own run
// directory under the sweep's root and its options built and validated as
// the command line would (options.Build), so a bad value is refused before
// any cell runs. The expansion (the plan) is written once to
// <root>/sweep.json; a worker that finds another plan there refuses.
// Workers pick their cells by index: an array task runs cell I and, when
// there are more cells than tasks, I+N, I+2N, ...
package sweep
