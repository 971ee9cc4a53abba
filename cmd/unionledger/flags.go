package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// newFlags builds a subcommand's flag set; parse turns -h into a nil
// error after printing help, and bad flags into a usage error.
func newFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: unionledger %s %s\n\nFlags:\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

var errHelp = errors.New("help shown")

func parse(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	fs.SetOutput(stdout)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return errHelp
	}
	if err != nil {
		return usageError{err.Error()}
	}
	return nil
}

// done maps errHelp to success.
func done(err error) error {
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}
