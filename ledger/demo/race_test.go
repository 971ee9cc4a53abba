//go:build race

package demo_test

import "github.com/unionledger/unionledger/ledger/demo"

// Under the race detector the demo test loads the medium profile: the full
// one takes minutes there on two CPUs. CI (`go test -race ./...`) runs this.
var testProfile = demo.Medium
