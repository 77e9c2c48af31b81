package main

import (
	"context"
	"flag"
	"log"

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
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers such as delve")
	flag.Parse()
	if commit != "" {
		log.SetPrefix("terraform-provider-collinear " + version + " (" + commit + "): ")
	}

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/collinear-ai/collinear",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
