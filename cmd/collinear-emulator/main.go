// Command collinear-emulator serves a model of the Collinear dataset API on
// 127.0.0.1 for `make demo` and benchmarks. See package emulator for the API
// and the /_emulator/ control routes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/collinear-ai/terraform-provider-collinear/internal/emulator"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "collinear-emulator:", err)
		os.Exit(2)
	}
}

// run parses the flags, starts the emulator and serves until ctx ends or
// SIGINT/SIGTERM arrives.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("collinear-emulator", flag.ContinueOnError)
	flags.SetOutput(stderr)
	listen := flags.String("listen", "127.0.0.1:0", "address to listen on; the host must be 127.0.0.1 or localhost")
	apiKey := flags.String("api-key", getenv("COLLINEAR_API_KEY"), "the API key to accept (default: $COLLINEAR_API_KEY)")
	urlFile := flags.String("url-file", "", "write the base URL to this file once listening")
	shape := flags.String("shape", "rows", "answer of a successful upload: rows (streamed rows with ids) or object ({dataset_id, message})")
	numericIDs := flags.Bool("numeric-ids", false, "return row ids as JSON numbers instead of UUID strings")
	maxBody := flags.Int64("max-body-size", 0, "bytes above which requests get 413 (0: 256 MiB)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flags.Args())
	}
	if *apiKey == "" {
		return errors.New("an API key is required: pass -api-key or set COLLINEAR_API_KEY")
	}
	sh, err := emulator.ParseShape(*shape)
	if err != nil {
		return err
	}

	srv, err := emulator.Start(emulator.Options{
		APIKey:      *apiKey,
		Shape:       sh,
		NumericIDs:  *numericIDs,
		MaxBodySize: *maxBody,
		Addr:        *listen,
	})
	if err != nil {
		return err
	}
	defer srv.Close()

	if *urlFile != "" {
		if err := writeFileAtomic(*urlFile, []byte(srv.URL()+"\n")); err != nil {
			return fmt.Errorf("write -url-file: %w", err)
		}
	}
	fmt.Fprintf(stdout, "collinear emulator listening on %s\n", srv.URL())

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return nil
}

// writeFileAtomic writes through a temporary file and a rename, so a script
// polling for the file never reads it half written.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".url-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}
