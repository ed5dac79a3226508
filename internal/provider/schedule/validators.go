package schedule

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	sched "github.com/openclaw/terraform-provider-openclaw/internal/schedule"
)

// Plan-time checks are the shared schedule package's own rules, so the
// provider refuses exactly what the control plane would.

type check struct {
	desc string
	fn   func(string) error
}

func (c check) Description(context.Context) string         { return c.desc }
func (c check) MarkdownDescription(context.Context) string { return c.desc }

func (c check) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := c.fn(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+lastStep(req.Path), fmt.Sprintf("%s %s.", req.Path, err))
	}
}

func lastStep(p path.Path) string {
	s := p.String()
	if i := strings.LastIndexAny(s, ".["); i >= 0 {
		return strings.Trim(s[i+1:], "]")
	}
	return s
}

var (
	zoneCheck  = check{"an IANA time zone such as Europe/Berlin", func(v string) error { _, err := sched.LoadZone(v); return err }}
	dayCheck   = check{"a day name: mon, tue, wed, thu, fri, sat or sun", sched.ValidateDay}
	startCheck = check{"a time HH:MM from 00:00 to 23:59", func(v string) error { _, err := sched.ParseClock(v, false); return err }}
	stopCheck  = check{"a time HH:MM from 00:00 to 24:00", func(v string) error { _, err := sched.ParseClock(v, true); return err }}
	cronCheck  = check{"a 5-field cron expression", func(v string) error { _, err := sched.ParseCron(v); return err }}
	stateCheck = check{"running or stopped", sched.ValidateState}
	boundCheck = check{"a date YYYY-MM-DD, a wall time YYYY-MM-DDTHH:MM or an RFC 3339 timestamp", func(v string) error {
		_, err := sched.ParseBound(v, time.UTC, false)
		return err
	}}
)

// attrPath turns a shared-package field ("windows[0].days[1]") into an
// attribute path.
func attrPath(field string) path.Path {
	var p path.Path
	first := true
	for _, seg := range strings.Split(field, ".") {
		name, rest, _ := strings.Cut(seg, "[")
		if first {
			p, first = path.Root(name), false
		} else {
			p = p.AtName(name)
		}
		for rest != "" {
			var idx string
			idx, rest, _ = strings.Cut(rest, "]")
			var i int
			_, _ = fmt.Sscanf(idx, "%d", &i)
			p = p.AtListIndex(i)
			rest = strings.TrimPrefix(rest, "[")
		}
	}
	return p
}
