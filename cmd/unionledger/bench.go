package main

import (
	"context"
	"io"
)

func runBench(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	return usageError{"bench: not built yet"}
}
