// Package config holds the options of a useful-pipeline run, their dataset
// defaults and their validation. cmd/useful-pipeline fills Options from flags;
// pipeline and stages read them.
package config
