package validators

import (
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// The control plane's naming rules (internal/api/rules.go), checked at plan
// time by every family.

// Name accepts resource names: DNS labels of at most api.MaxNameLen characters.
func Name() []validator.String {
	return []validator.String{
		stringvalidator.LengthBetween(1, api.MaxNameLen),
		stringvalidator.RegexMatches(api.NamePattern, api.NameRule),
	}
}

// Labels accepts up to api.MaxLabels labels with keys of [a-z0-9_./-]
// starting with a letter and values of at most api.MaxLabelValueLen characters.
func Labels() []validator.Map {
	return []validator.Map{
		mapvalidator.SizeAtMost(api.MaxLabels),
		mapvalidator.KeysAre(stringvalidator.RegexMatches(api.LabelKeyPattern, api.LabelKeyRule)),
		mapvalidator.ValueStringsAre(stringvalidator.LengthAtMost(api.MaxLabelValueLen)),
	}
}
