package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

func runPost(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("post", "[flags] [FILE]   (JSON lines; '-' or no FILE reads standard input)", stderr)
	client := addServerFlags(fs)
	workers := fs.Int("workers", 4, "commands sent in parallel")
	if err := parse(fs, args, stdout); err != nil {
		return done(err)
	}
	if fs.NArg() > 1 {
		return usageError{"post takes at most one FILE"}
	}
	if *workers < 1 {
		return usageError{"--workers must be at least 1"}
	}
	in := stdin
	if name := fs.Arg(0); name != "" && name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	c := client()

	type job struct {
		line int
		body []byte
	}
	jobs := make(chan job)
	var (
		mu       sync.Mutex
		refused  int
		fatalErr error
		wg       sync.WaitGroup
	)
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for range *workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				var res json.RawMessage
				_, err := c.do(ctx, "POST", "/api/v1/commands", j.body, &res)
				mu.Lock()
				var ae *apiError
				switch {
				case err == nil:
					_ = enc.Encode(map[string]any{"line": j.line, "ok": true, "result": res})
				case errors.As(err, &ae):
					refused++
					_ = enc.Encode(map[string]any{"line": j.line, "ok": false, "code": ae.Code, "message": ae.Message})
				default:
					if fatalErr == nil {
						fatalErr = fmt.Errorf("line %d: %w", j.line, err)
					}
				}
				mu.Unlock()
			}
		}()
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 || b[0] == '#' {
			continue
		}
		select {
		case jobs <- job{line, append([]byte(nil), b...)}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(jobs)
	wg.Wait()
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading commands: %w", err)
	}
	if fatalErr != nil {
		return fatalErr
	}
	if refused > 0 {
		return failedError{fmt.Sprintf("%d command(s) refused", refused)}
	}
	return nil
}
