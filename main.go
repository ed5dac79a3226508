// Command terraform-provider-openclaw is the OpenClaw Terraform provider.
package main

import (
	"flag"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

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

	for _, name := range logsOff(os.Environ()) {
		_ = os.Setenv(name, "OFF")
	}
	tuneGC()
	stopProfiles := startProfiles()
	var opts []tf6server.ServeOpt
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	}
	err := tf6server.Serve("registry.terraform.io/openclaw/openclaw", provider.NewServer(version), opts...)
	stopProfiles()
	if err != nil {
		log.Fatal(err.Error())
	}
}
