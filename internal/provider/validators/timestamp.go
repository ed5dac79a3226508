package validators

import (
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// RFC3339 accepts timestamps such as 2027-01-31T12:00:00Z.
func RFC3339() validator.String {
	return stringFunc{
		desc: "an RFC 3339 timestamp such as 2027-01-31T12:00:00Z",
		check: func(s string) error {
			if _, err := time.Parse(time.RFC3339, s); err != nil {
				return fmt.Errorf("%q is not an RFC 3339 timestamp such as \"2027-01-31T12:00:00Z\" (or use timeadd(timestamp(), \"720h\") in a variable)", s)
			}
			return nil
		},
	}
}
