// Command temporal is the Temporal CLI built from a pinned tag; the body mirrors the tag's cmd/temporal/main.go.
package main

import (
	"context"

	"github.com/temporalio/cli/internal/temporalcli"

	// The CLI pins its SQLite driver this way so the dev server's persistence stays on the tested version.
	_ "modernc.org/sqlite"
	// Time zone data as a fallback for hosts without a zoneinfo database.
	_ "time/tzdata"
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	temporalcli.Execute(ctx, temporalcli.CommandOptions{})
}
