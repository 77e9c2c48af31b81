package main

import (
	"context"
	"flag"
	"log"
	"os"
	"runtime/debug"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/collinear-ai/terraform-provider-collinear/internal/provider"
)

// version and commit are set at build time with
// -ldflags "-X main.version=... -X main.commit=...".
var (
	version = "dev"
	commit  = ""
)

func main() {
	var debugMode bool
	flag.BoolVar(&debugMode, "debug", false, "run the provider with support for debuggers such as delve")
	flag.Parse()
	if os.Getenv("GOGC") == "" {
		// Most of what a large dataset's plan allocates is short-lived
		// (decoding, hashing): collecting at 50% growth instead of 100% lowers
		// the provider's peak RSS at no measurable cost in time (make bench;
		// the figures are in README's Performance section).
		debug.SetGCPercent(50)
	}
	if commit != "" {
		log.SetPrefix("terraform-provider-collinear " + version + " (" + commit + "): ")
	}

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/collinear-ai/collinear",
		Debug:   debugMode,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
