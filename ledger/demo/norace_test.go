//go:build !race

package demo_test

import "github.com/unionledger/unionledger/ledger/demo"

// Without the race detector the demo test loads the full profile (800
// members, 2024–2026): `go test ./ledger/demo`.
var testProfile = demo.Full
