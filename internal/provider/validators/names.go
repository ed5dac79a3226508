package validators

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// The control plane's naming rules, checked at plan time by every family.
var (
	dnsLabel = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)
	labelKey = regexp.MustCompile(`^[a-z][a-z0-9_./-]{0,62}$`)
)

// Name accepts resource names: DNS labels of at most 40 characters. One
// validator, so that one mistake (an empty name) is one error.
func Name() []validator.String {
	return []validator.String{stringFunc{
		desc:  "a DNS label of 1 to 40 characters: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen",
		check: checkName,
	}}
}

func checkName(s string) error {
	const rule = "lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen"
	switch {
	case s == "":
		return fmt.Errorf("the name is empty; a name is 1 to 40 characters: %s, such as \"prod-eu\"", rule)
	case utf8.RuneCountInString(s) > 40:
		return fmt.Errorf("%q is %d characters long; a name is at most 40", s, utf8.RuneCountInString(s))
	case !dnsLabel.MatchString(s):
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
	if len(out) > 40 {
		out = strings.TrimRight(out[:40], "-")
	}
	if out == "" {
		return "prod-eu"
	}
	return out
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
