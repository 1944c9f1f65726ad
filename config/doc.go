// Package config holds earshot's config file: its schema, strict loading,
// defaults, validation, secrets and the watch that triggers reloads.
//
// Loading is strict because managers edit the file by hand: an unknown or
// duplicate key, or a value of the wrong type, is an error that names the
// file, line, column and field, with a hint when a known field is close.
// Validation then reports every problem at once, each with its path
// ("routes[1].respond_within: ..."). Secrets are of type Secret, which prints
// as <secret>. The config package imports no other earshot package.
package config
