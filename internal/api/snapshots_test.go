package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

func days(n int64) *int64 { return &n }

func at(t time.Time) *time.Time { return &t }

func TestSnapshotExpiry(t *testing.T) {
	created := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	if got := (api.SnapshotPolicy{RetentionDays: days(30)}).Expiry(created); got == nil || !got.Equal(created.Add(30*24*time.Hour)) {
		t.Errorf("30 days: %v", got)
	}
	abs := created.Add(time.Hour)
	if got := (api.SnapshotPolicy{ExpiresAt: &abs}).Expiry(created); got == nil || !got.Equal(abs) {
		t.Errorf("absolute: %v", got)
	}
	if got := (api.SnapshotPolicy{}).Expiry(created); got != nil {
		t.Errorf("no retention expires at %v", got)
	}
}

func TestSnapshotPolicyValidate(t *testing.T) {
	now := time.Now()
	cases := []struct {
		p     api.SnapshotPolicy
		field string
	}{
		{api.SnapshotPolicy{RetentionDays: days(7), ExpiresAt: at(now.Add(time.Hour))}, "expires_at"},
		{api.SnapshotPolicy{RetentionDays: days(0)}, "retention_days"},
		{api.SnapshotPolicy{RetentionDays: days(3651)}, "retention_days"},
		{api.SnapshotPolicy{Locked: true}, "lock_until"},
		{api.SnapshotPolicy{LockUntil: at(now)}, "locked"},
	}
	for _, tc := range cases {
		errs := tc.p.Validate(now)
		if len(errs) != 1 || errs[0].Field != tc.field {
			t.Errorf("%+v: %v, want one error on %s", tc.p, errs, tc.field)
		}
	}
	if errs := (api.SnapshotPolicy{RetentionDays: days(7), Locked: true, LockUntil: at(now.Add(time.Hour))}).Validate(now); len(errs) != 0 {
		t.Errorf("valid policy: %v", errs)
	}
}

func TestSnapshotLockRules(t *testing.T) {
	created := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	now := created.Add(24 * time.Hour)
	until := created.Add(90 * 24 * time.Hour)
	locked := api.SnapshotPolicy{RetentionDays: days(30), Locked: true, LockUntil: &until}
	if !locked.LockedAt(now) || locked.LockedAt(until) {
		t.Fatal("LockedAt: the lock holds before lock_until and not from it on")
	}
	cases := []struct {
		name  string
		next  api.SnapshotPolicy
		field string // "" = allowed
	}{
		{"extend retention", api.SnapshotPolicy{RetentionDays: days(60), Locked: true, LockUntil: &until}, ""},
		{"extend lock", api.SnapshotPolicy{RetentionDays: days(30), Locked: true, LockUntil: at(until.Add(time.Hour))}, ""},
		{"keep forever", api.SnapshotPolicy{Locked: true, LockUntil: &until}, ""},
		{"shorten retention", api.SnapshotPolicy{RetentionDays: days(7), Locked: true, LockUntil: &until}, "retention_days"},
		{"earlier absolute expiry", api.SnapshotPolicy{ExpiresAt: at(created.Add(time.Hour)), Locked: true, LockUntil: &until}, "expires_at"},
		{"unlock", api.SnapshotPolicy{RetentionDays: days(30)}, "locked"},
		{"shorten lock", api.SnapshotPolicy{RetentionDays: days(30), Locked: true, LockUntil: at(until.Add(-time.Hour))}, "lock_until"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			errs := api.CheckSnapshotChange(now, created, locked, tc.next)
			if tc.field == "" {
				if len(errs) != 0 {
					t.Fatalf("refused: %v", errs)
				}
				return
			}
			if len(errs) == 0 || errs[0].Field != tc.field || !strings.Contains(errs[0].Message, until.Format(time.RFC3339)) {
				t.Fatalf("errors %v, want one on %s naming %s", errs, tc.field, until.Format(time.RFC3339))
			}
		})
	}
	// Once lock_until has passed, anything goes.
	if errs := api.CheckSnapshotChange(until, created, locked, api.SnapshotPolicy{RetentionDays: days(1)}); len(errs) != 0 {
		t.Errorf("after the lock: %v", errs)
	}
	// A fixed expiry can be added to a snapshot kept forever only when unlocked.
	forever := api.SnapshotPolicy{Locked: true, LockUntil: &until}
	if errs := api.CheckSnapshotChange(now, created, forever, api.SnapshotPolicy{RetentionDays: days(3650), Locked: true, LockUntil: &until}); len(errs) == 0 {
		t.Error("adding an expiry to a locked keep-forever snapshot shortens its retention")
	}
}

func TestCheckRestoreVersion(t *testing.T) {
	if err := api.CheckRestoreVersion("2026.11.3", "2026.11.4"); err == nil || !strings.Contains(err.Error(), "forward-only") {
		t.Errorf("older target: %v", err)
	}
	for _, ok := range [][2]string{{"2026.11.4", "2026.11.3"}, {"2026.11.3", "2026.11.3"}} {
		if err := api.CheckRestoreVersion(ok[0], ok[1]); err != nil {
			t.Errorf("%v: %v", ok, err)
		}
	}
}

func TestSnapshotExcludedByDefault(t *testing.T) {
	for p, want := range map[string]bool{".env": true, "credentials": true, "credentials/wa.json": true, "credentialsx": false, "workspace/.env": false, "workspace/AGENTS.md": false} {
		if got := api.SnapshotExcludedByDefault(p); got != want {
			t.Errorf("%s: %v", p, got)
		}
	}
}
