// Package options holds everything a useful-pipeline run needs: the
// Options struct (grouped as the command's help groups them), the one table
// of defaults per dataset and model (Defaults), the one table of named
// options that flags, config files and sweep files all set (Fields), and
// Validate, which only checks.
//
// A value travels one way: a setting (a flag, a key of a config file, an
// axis of a sweep) names an option of Fields and carries a string; Build
// starts from Defaults for the dataset and model the settings name, applies
// the settings in order (later ones win) through the same Value.Set a flag
// uses, and validates the result once. The package knows no flag syntax:
// cmd/useful-pipeline turns pflag flags into settings.
package options
