// Package config reads Chronicle's config.yaml into plain option structs.
//
// # Loading
//
// [Default] returns the built-in settings. [Parse] reads YAML from any
// reader on top of those defaults and validates the result; [Load] is a thin
// wrapper that reads a file. The CLI loads the configuration once and hands
// plain values down to the stages: nothing in this package is global.
//
// # Validation
//
// Validation is strict. An unknown key, a value of the wrong YAML type, a
// bad duration, size, URL, CSS selector, regular expression, cron schedule
// or time zone is reported as an [*Error] naming the file, the line and the
// dotted key path, for example:
//
//	config.yaml:14: sources[0].article.match: invalid regexp "(": missing closing )
//
// Top-level keys starting with "x-" are ignored: they hold YAML anchors for
// settings shared by several sources (merge them with "<<: *name").
//
// When a file has several problems, Parse reports them all as an
// [ErrorList], sorted by line; errors.As finds the first [*Error] in it.
//
// # Paths
//
// Relative paths (archive, export.hexo.out) are resolved against the
// directory of the config file, so a crontab entry works from any working
// directory.
//
// # Units
//
// Durations are Go durations extended with d (24h) and w (7d): "250ms",
// "7d", "1d12h". Sizes are plain byte counts or carry a unit: "512KiB",
// "10MiB", "1GiB" (binary) or "500KB", "10MB" (decimal). See
// [ParseDuration] and [ParseSize].
package config
