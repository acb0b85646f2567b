// Fallback build of the Temporal CLI for tags that `go install pkg@version` refuses (see TEMPORAL_CLI_FALLBACK_TAGS
// in src/testing/temporal-cli.ts, which builds this module in a temp copy; nothing here is built by npm scripts).
//
// The module path sits under github.com/temporalio/cli/ on purpose: from v1.6.0 the CLI's entry point lives in
// github.com/temporalio/cli/internal/temporalcli, and Go allows importing an internal package only from import paths
// under its parent. No package of the CLI module has this path, so the import is unambiguous.
module github.com/temporalio/cli/durableagentsbuild

go 1.26.8

require (
	github.com/temporalio/cli v1.9.1
	github.com/temporalio/cli/cliext v0.0.0
)

// The same replace directive as the tag's own go.mod. Replace directives of a dependency are ignored, so it must be
// repeated here; the build copies cliext's source, fetched at the tag's commit, into ./cliext next to this file.
replace github.com/temporalio/cli/cliext => ./cliext
