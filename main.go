// Command terraform-provider-openclaw is the OpenClaw Terraform provider.
package main

import (
	"context"
	"flag"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/openclaw/terraform-provider-openclaw/internal/provider"
)

// Run "go generate" to format example Terraform files and generate the docs.
//go:generate terraform fmt -recursive ./examples/
//go:generate go tool tfplugindocs generate --provider-name openclaw

// version is set by goreleaser.
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	for _, name := range sdkLogsOff(os.Environ()) {
		_ = os.Setenv(name, "OFF")
	}
	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/openclaw/openclaw",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
