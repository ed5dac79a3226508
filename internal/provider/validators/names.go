package validators

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// The control plane's naming rules (internal/api/rules.go), checked at plan
// time by every family.

// Name accepts resource names: DNS labels of at most api.MaxNameLen
// characters. One validator, so that one mistake (an empty name) is one
// error.
func Name() []validator.String {
	return []validator.String{stringFunc{
		desc:  fmt.Sprintf("a DNS label of 1 to %d characters: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen", api.MaxNameLen),
		check: checkName,
	}}
}

func checkName(s string) error {
	const rule = "lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen"
	switch {
	case s == "":
		return fmt.Errorf("the name is empty; a name is 1 to %d characters: %s, such as \"prod-eu\"", api.MaxNameLen, rule)
	case utf8.RuneCountInString(s) > api.MaxNameLen:
		return fmt.Errorf("%q is %d characters long; a name is at most %d", s, utf8.RuneCountInString(s), api.MaxNameLen)
	case !api.NamePattern.MatchString(s):
		return fmt.Errorf("%q is not a DNS label: use %s, such as %q", s, rule, suggestName(s))
	}
	return nil
}

// suggestName is s made into a valid name, for the error's example.
func suggestName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	out := strings.TrimLeft(strings.Trim(b.String(), "-"), "0123456789-")
	if len(out) > api.MaxNameLen {
		out = strings.TrimRight(out[:api.MaxNameLen], "-")
	}
	if out == "" {
		return "prod-eu"
	}
	return out
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
