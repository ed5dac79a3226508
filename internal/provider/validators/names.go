package validators

import (
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// The control plane's naming rules, checked at plan time by every family.
var (
	dnsLabel = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)
	labelKey = regexp.MustCompile(`^[a-z][a-z0-9_./-]{0,62}$`)
)

// Name accepts resource names: DNS labels of at most 40 characters.
func Name() []validator.String {
	return []validator.String{
		stringvalidator.LengthBetween(1, 40),
		stringvalidator.RegexMatches(dnsLabel, "must be a DNS label: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen"),
	}
}

// Labels accepts up to 64 labels with keys of [a-z0-9_./-] starting with a
// letter (at most 63 characters) and values of at most 255 characters.
func Labels() []validator.Map {
	return []validator.Map{
		mapvalidator.SizeAtMost(64),
		mapvalidator.KeysAre(stringvalidator.RegexMatches(labelKey, "label keys are 1-63 characters of lowercase letters, digits, '_', '.', '-' and '/', starting with a letter")),
		mapvalidator.ValueStringsAre(stringvalidator.LengthAtMost(255)),
	}
}
