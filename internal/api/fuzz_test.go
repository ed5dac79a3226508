package api

import "testing"

// FuzzValidateNameAndLabels: the shared rules never panic, report on the
// field they were given, and accept only what their patterns allow.
func FuzzValidateNameAndLabels(f *testing.F) {
	f.Fuzz(func(t *testing.T, name, key, value string) {
		errs := ValidateName("name", name)
		if ok := name != "" && len(name) <= MaxNameLen && NamePattern.MatchString(name); ok != (len(errs) == 0) {
			t.Fatalf("name %q: %v", name, errs)
		}
		for _, e := range errs {
			if e.Field != "name" || e.Message == "" {
				t.Fatalf("name %q: %+v", name, e)
			}
		}
		labelErrs := ValidateLabels(map[string]string{key: value})
		for _, e := range labelErrs {
			if e.Field != "labels."+key || e.Message == "" {
				t.Fatalf("label %q=%q: %+v", key, value, e)
			}
		}
		if len(labelErrs) == 0 && (!LabelKeyPattern.MatchString(key) || len(value) > MaxLabelValueLen) {
			t.Fatalf("label %q=%q accepted", key, value)
		}
	})
}
