package server_test

import (
	"bytes"
	"context"
	"database/sql"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/snapshotblob/s3test"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

func init() {
	addRouteFixtures(map[string]routeFixture{
		"GET /v1/snapshots": {
			scope: api.ScopeSnapshotsRead, bound: http.StatusOK,
			request: func(t *testing.T, w *routeWorld) req {
				return req{method: http.MethodGet, path: "/v1/snapshots?environment_id=" + w.a.ID}
			},
		},
		"POST /v1/snapshots": {
			scope: api.ScopeSnapshotsWrite, bound: http.StatusNotFound,
			request: func(t *testing.T, w *routeWorld) req {
				return req{method: http.MethodPost, path: "/v1/snapshots", body: api.SnapshotCreate{EnvironmentID: w.a.ID, Name: uniqueName("route-snap")}}
			},
		},
		"GET /v1/snapshots/{id}": {
			scope: api.ScopeSnapshotsRead, bound: http.StatusNotFound,
			request: func(t *testing.T, w *routeWorld) req {
				return req{method: http.MethodGet, path: "/v1/snapshots/" + w.c.takeSnapshot(t, w.a.ID, api.SnapshotCreate{}).ID}
			},
		},
		"PATCH /v1/snapshots/{id}": {
			scope: api.ScopeSnapshotsWrite, bound: http.StatusNotFound,
			request: func(t *testing.T, w *routeWorld) req {
				return req{method: http.MethodPatch, path: "/v1/snapshots/" + w.c.takeSnapshot(t, w.a.ID, api.SnapshotCreate{}).ID, body: map[string]any{"labels": map[string]string{"touched": "yes"}}}
			},
		},
		"DELETE /v1/snapshots/{id}": {
			scope: api.ScopeSnapshotsWrite, bound: http.StatusNotFound,
			request: func(t *testing.T, w *routeWorld) req {
				return req{method: http.MethodDelete, path: "/v1/snapshots/" + w.c.takeSnapshot(t, w.a.ID, api.SnapshotCreate{}).ID}
			},
		},
		"POST /v1/snapshots/{id}/verify": {
			scope: api.ScopeSnapshotsWrite, bound: http.StatusNotFound,
			request: func(t *testing.T, w *routeWorld) req {
				return req{method: http.MethodPost, path: "/v1/snapshots/" + w.c.takeSnapshot(t, w.a.ID, api.SnapshotCreate{}).ID + "/verify"}
			},
		},
	})
}

// takeSnapshot snapshots an environment and waits until it is available.
func (c *cp) takeSnapshot(t testing.TB, envID string, body api.SnapshotCreate) api.Snapshot {
	t.Helper()
	body.EnvironmentID = envID
	if body.Name == "" {
		body.Name = uniqueName("snap")
	}
	r := c.do(t, req{method: http.MethodPost, path: "/v1/snapshots", key: c.admin, body: body})
	wantStatus(t, r, http.StatusAccepted)
	op := decode[api.Operation](t, r)
	if op.Kind != "snapshot.create" || op.TargetKind != store.KindDataSnapshot {
		t.Fatalf("unexpected operation %+v", op)
	}
	c.waitSucceeded(t, op.ID)
	return c.snapshot(t, op.TargetID)
}

func (c *cp) snapshot(t testing.TB, id string) api.Snapshot {
	t.Helper()
	r := c.get(t, c.admin, "/v1/snapshots/"+id)
	wantStatus(t, r, http.StatusOK)
	return decode[api.Snapshot](t, r)
}

// blobPath is the file of a snapshot's archive in the default store ("" when
// there is none).
func (c *cp) blobPath(id string) string {
	m, _ := filepath.Glob(filepath.Join(c.dataDir, "snapshots", id+"-*.tar.gz.age"))
	if len(m) != 1 {
		return ""
	}
	return m[0]
}

func writeState(t *testing.T, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestSnapshotLifecycle(t *testing.T) {
	t.Parallel()
	c := start(t)
	env := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("prod"), Region: "us-east"})
	writeState(t, c.stateDir(env.ID), "credentials/whatsapp.json", `{"token":"prod-whatsapp-credential"}`)
	writeState(t, c.stateDir(env.ID), "workspace/memory/notes.md", "prod memory\n")

	snap := c.takeSnapshot(t, env.ID, api.SnapshotCreate{Name: "before-migration", Description: "d", RetentionDays: ptr[int64](30), Labels: map[string]string{"team": "platform"}})
	if snap.Status != api.SnapshotAvailable || snap.EnvironmentID != env.ID || snap.EnvironmentName != env.Name ||
		snap.OpenClawVersion != env.OpenClawVersion || snap.FileCount < 5 || snap.SizeBytes == 0 || len(snap.SHA256) != 64 || snap.CompletedAt == nil {
		t.Fatalf("snapshot %+v", snap)
	}
	if snap.ExpiresAt == nil || !snap.ExpiresAt.Equal(snap.CreatedAt.Add(30*24*time.Hour)) {
		t.Errorf("expires_at %v, want created_at + 30 days", snap.ExpiresAt)
	}
	// The store holds ciphertext only.
	raw, err := os.ReadFile(c.blobPath(snap.ID))
	if err != nil {
		t.Fatal(err)
	}
	for _, plain := range []string{"prod-whatsapp-credential", "prod memory", "manifest.json"} {
		if bytes.Contains(raw, []byte(plain)) {
			t.Errorf("the stored blob contains %q in plaintext", plain)
		}
	}
	// Verify passes and records verified_at.
	r := c.do(t, req{method: http.MethodPost, path: "/v1/snapshots/" + snap.ID + "/verify", key: c.admin})
	wantStatus(t, r, http.StatusOK)
	if v := decode[api.Snapshot](t, r); v.VerifiedAt == nil || v.Status != api.SnapshotAvailable {
		t.Errorf("after verify: %+v", v)
	}
	// Retention changes in place; shortening is fine while unlocked.
	r = c.do(t, req{method: http.MethodPatch, path: "/v1/snapshots/" + snap.ID, key: c.admin, body: api.SnapshotUpdate{RetentionDays: ptr[int64](7)}})
	wantStatus(t, r, http.StatusAccepted)
	if got := c.snapshot(t, snap.ID); *got.RetentionDays != 7 || got.ETag == snap.ETag {
		t.Errorf("after PATCH: retention %v, etag %s (was %s)", *got.RetentionDays, got.ETag, snap.ETag)
	}
	// Listed newest first, filtered by environment.
	second := c.takeSnapshot(t, env.ID, api.SnapshotCreate{})
	list := decode[api.List[api.Snapshot]](t, c.get(t, c.admin, "/v1/snapshots?environment_id="+env.ID))
	if len(list.Items) != 2 || list.Items[0].ID != second.ID || list.Items[1].ID != snap.ID {
		t.Errorf("list: %+v", list.Items)
	}
	// A flipped byte behind the control plane's back: verify marks it corrupt.
	raw[len(raw)/2] ^= 0x40
	if err := os.WriteFile(c.blobPath(snap.ID), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	r = c.do(t, req{method: http.MethodPost, path: "/v1/snapshots/" + snap.ID + "/verify", key: c.admin})
	wantStatus(t, r, http.StatusOK)
	if v := decode[api.Snapshot](t, r); v.Status != api.SnapshotCorrupt || !strings.Contains(v.StatusMessage, "decrypt") {
		t.Errorf("after corrupting the blob: %s %q", v.Status, v.StatusMessage)
	}
	// Deleting removes the blob and the row.
	r = c.do(t, req{method: http.MethodDelete, path: "/v1/snapshots/" + snap.ID, key: c.admin})
	wantStatus(t, r, http.StatusAccepted)
	c.waitSucceeded(t, decode[api.Operation](t, r).ID)
	wantProblem(t, c.get(t, c.admin, "/v1/snapshots/"+snap.ID), http.StatusNotFound, api.CodeNotFound)
	if _, err := os.Stat(c.blobPath(snap.ID)); !os.IsNotExist(err) {
		t.Errorf("blob still there after delete: %v", err)
	}
}

// A stopped environment is snapshotted too, and snapshotting changes
// nothing about the environment.
func TestSnapshotOfStoppedEnvironment(t *testing.T) {
	t.Parallel()
	c := start(t)
	env := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("stopped"), Region: "us-east", DesiredState: api.DesiredStopped})
	snap := c.takeSnapshot(t, env.ID, api.SnapshotCreate{})
	if snap.Status != api.SnapshotAvailable || snap.FileCount == 0 {
		t.Fatalf("snapshot of a stopped environment: %+v", snap)
	}
	after, _ := c.env(t, env.ID)
	if after.Status != env.Status || after.PowerState != env.PowerState || after.ETag != env.ETag {
		t.Errorf("snapshotting changed the environment: %s/%s etag %s, was %s/%s etag %s", after.Status, after.PowerState, after.ETag, env.Status, env.PowerState, env.ETag)
	}
}

func TestSnapshotLock(t *testing.T) {
	t.Parallel()
	c := start(t)
	env := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("locked"), Region: "us-east"})
	until := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	snap := c.takeSnapshot(t, env.ID, api.SnapshotCreate{RetentionDays: ptr[int64](30), Locked: true, LockUntil: &until})

	p := wantProblem(t, c.do(t, req{method: http.MethodDelete, path: "/v1/snapshots/" + snap.ID, key: c.admin}), http.StatusConflict, api.CodeConflict)
	if !strings.Contains(p.Detail, until.Format(time.RFC3339)) || !strings.Contains(p.Detail, "admins included") {
		t.Errorf("delete of a locked snapshot: %q", p.Detail)
	}
	for name, body := range map[string]api.SnapshotUpdate{
		"shorten retention": {RetentionDays: ptr[int64](1)},
		"unlock":            {Locked: ptr(false)},
		"shorten lock":      {LockUntil: ptr(until.Add(-time.Hour))},
	} {
		p := wantProblem(t, c.do(t, req{method: http.MethodPatch, path: "/v1/snapshots/" + snap.ID, key: c.admin, body: body}), http.StatusConflict, api.CodeConflict)
		if len(p.Errors) == 0 {
			t.Errorf("%s: no field errors in %+v", name, p)
		}
	}
	wantStatus(t, c.do(t, req{method: http.MethodPatch, path: "/v1/snapshots/" + snap.ID, key: c.admin, body: api.SnapshotUpdate{RetentionDays: ptr[int64](90)}}), http.StatusAccepted)
	// The environment can go; its snapshots stay, with its ID and name.
	r := del(t, c, env.ID, "")
	wantStatus(t, r, http.StatusAccepted)
	c.waitSucceeded(t, decode[api.Operation](t, r).ID)
	if got := c.snapshot(t, snap.ID); got.EnvironmentID != env.ID || got.EnvironmentName != env.Name || got.Status != api.SnapshotAvailable {
		t.Errorf("after the environment was deleted: %+v", got)
	}
}

func TestRestoreIntoNewEnvironment(t *testing.T) {
	t.Parallel()
	c := start(t)
	prod := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("prod"), Region: "us-east", OpenClawVersion: "2026.11.4"})
	dir := c.stateDir(prod.ID)
	writeState(t, dir, "credentials/whatsapp.json", `{"token":"prod-only"}`)
	writeState(t, dir, "workspace/memory/2026-12-01.md", "what prod learned\n")
	writeState(t, dir, "agents/main/agent/notes.txt", "agent state\n")
	snap := c.takeSnapshot(t, prod.ID, api.SnapshotCreate{})

	// Onto an older version: refused, naming the field.
	r := c.do(t, req{method: http.MethodPost, path: "/v1/environments", key: c.admin, body: api.EnvironmentCreate{
		Name: uniqueName("old"), Region: "us-east", OpenClawVersion: "2026.11.3", RestoreFrom: &api.RestoreFrom{SnapshotID: snap.ID}}})
	p := wantProblem(t, r, http.StatusBadRequest, api.CodeInvalidArgument)
	if !strings.Contains(fieldMessage(p, "openclaw_version"), "forward-only") {
		t.Errorf("older version: %+v", p)
	}
	wantProblem(t, c.do(t, req{method: http.MethodPost, path: "/v1/environments", key: c.admin, body: api.EnvironmentCreate{
		Name: uniqueName("nosnap"), Region: "us-east", RestoreFrom: &api.RestoreFrom{SnapshotID: "snap_missing"}}}), http.StatusBadRequest, api.CodeInvalidArgument)

	staging := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("staging"), Region: "us-east", OpenClawVersion: "2026.11.4",
		RestoreFrom: &api.RestoreFrom{SnapshotID: snap.ID}})
	if staging.RestoreFrom == nil || staging.RestoreFrom.SnapshotID != snap.ID {
		t.Errorf("restore_from not recorded: %+v", staging.RestoreFrom)
	}
	sdir := c.stateDir(staging.ID)
	for _, rel := range []string{"workspace/memory/2026-12-01.md", "agents/main/agent/notes.txt", "workspace/AGENTS.md"} {
		want, _ := os.ReadFile(filepath.Join(dir, rel))
		got, err := os.ReadFile(filepath.Join(sdir, rel))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: restored %q (%v), want %q", rel, got, err, want)
		}
	}
	// The gateway's SQLite state came through the online backup intact.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(sdir, "state", "openclaw.sqlite")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	var check string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("restored state/openclaw.sqlite: integrity_check %q, %v", check, err)
	}
	db.Close()
	if _, err := os.Stat(filepath.Join(sdir, "credentials", "whatsapp.json")); !os.IsNotExist(err) {
		t.Errorf("prod's credentials were restored into staging (%v)", err)
	}
	env, err := os.ReadFile(filepath.Join(sdir, ".env"))
	if err != nil || strings.Contains(string(env), "prod") {
		t.Errorf("staging's .env: %q, %v", env, err)
	}

	// With include_credentials they come along.
	full := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("dr"), Region: "us-east", OpenClawVersion: "2026.11.4",
		RestoreFrom: &api.RestoreFrom{SnapshotID: snap.ID, IncludeCredentials: true}})
	if got, err := os.ReadFile(filepath.Join(c.stateDir(full.ID), "credentials", "whatsapp.json")); err != nil || !strings.Contains(string(got), "prod-only") {
		t.Errorf("include_credentials: %q, %v", got, err)
	}
}

func TestFinalSnapshotOnDelete(t *testing.T) {
	t.Parallel()
	c := start(t)
	env := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("final"), Region: "us-east",
		FinalSnapshot: &api.FinalSnapshot{Enabled: true, RetentionDays: 30}})
	if env.FinalSnapshot == nil || !env.FinalSnapshot.Enabled {
		t.Fatalf("final_snapshot not recorded: %+v", env.FinalSnapshot)
	}
	writeState(t, c.stateDir(env.ID), "workspace/memory/last.md", "last words\n")
	r := del(t, c, env.ID, "")
	wantStatus(t, r, http.StatusAccepted)
	c.waitSucceeded(t, decode[api.Operation](t, r).ID)
	list := decode[api.List[api.Snapshot]](t, c.get(t, c.admin, "/v1/snapshots?environment_id="+env.ID))
	if len(list.Items) != 1 {
		t.Fatalf("final snapshots: %+v", list.Items)
	}
	s := list.Items[0]
	if !strings.HasPrefix(s.Name, env.Name+"-final-") || s.Status != api.SnapshotAvailable || s.RetentionDays == nil || *s.RetentionDays != 30 {
		t.Errorf("final snapshot %+v", s)
	}
	if _, err := os.Stat(c.stateDir(env.ID)); !os.IsNotExist(err) {
		t.Errorf("the environment's state directory is still there: %v", err)
	}
}

func TestReaperDeletesExpiredUnlocked(t *testing.T) {
	t.Parallel()
	var ahead atomic.Int64 // how far the control plane's clock is ahead
	c := start(t, func(o *controlplane.Options) {
		o.Now = func() time.Time { return time.Now().UTC().Add(time.Duration(ahead.Load())) }
	})
	env := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("reap"), Region: "us-east"})
	soon := time.Now().Add(time.Hour)
	expiring := c.takeSnapshot(t, env.ID, api.SnapshotCreate{ExpiresAt: &soon})
	lockUntil := time.Now().Add(72 * time.Hour)
	locked := c.takeSnapshot(t, env.ID, api.SnapshotCreate{ExpiresAt: &soon, Locked: true, LockUntil: &lockUntil})
	keep := c.takeSnapshot(t, env.ID, api.SnapshotCreate{})

	if n, err := c.app.Server.ReapSnapshots(context.Background()); err != nil || n != 0 {
		t.Fatalf("nothing has expired yet: %d, %v", n, err)
	}
	// Two hours later (the server's clock moved, nothing slept).
	ahead.Store(int64(2 * time.Hour))
	n, err := c.app.Server.ReapSnapshots(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("reaped %d (%v), want 1", n, err)
	}
	if n, _ := c.app.Server.ReapSnapshots(context.Background()); n != 0 {
		t.Errorf("a second pass reaped %d again", n)
	}
	if !eventually(5*time.Second, func() bool { return c.get(t, c.admin, "/v1/snapshots/"+expiring.ID).status == http.StatusNotFound }) {
		t.Fatal("the expired snapshot was not deleted")
	}
	for _, id := range []string{locked.ID, keep.ID} {
		wantStatus(t, c.get(t, c.admin, "/v1/snapshots/"+id), http.StatusOK)
	}
}

// TestSnapshotsOnS3 runs a snapshot and a restore through an s3:// snapshot
// store (gocloud's s3blob and the AWS SDK against an in-process S3 server).
func TestSnapshotsOnS3(t *testing.T) {
	url := s3test.Start(t, "openclaw-snapshots") // sets AWS_* variables: not parallel
	c := start(t, func(o *controlplane.Options) { o.SnapshotStore = url })
	prod := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("prod"), Region: "us-east"})
	writeState(t, c.stateDir(prod.ID), "workspace/memory/s3.md", "stored in S3\n")
	snap := c.takeSnapshot(t, prod.ID, api.SnapshotCreate{})
	if _, err := os.Stat(c.blobPath(snap.ID)); !os.IsNotExist(err) {
		t.Errorf("the archive went to the local directory, not S3: %v", err)
	}
	r := c.do(t, req{method: http.MethodPost, path: "/v1/snapshots/" + snap.ID + "/verify", key: c.admin})
	wantStatus(t, r, http.StatusOK)
	if v := decode[api.Snapshot](t, r); v.Status != api.SnapshotAvailable || v.VerifiedAt == nil {
		t.Errorf("verify on S3: %+v", v)
	}
	staging := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("staging"), Region: "us-east", RestoreFrom: &api.RestoreFrom{SnapshotID: snap.ID}})
	if got, err := os.ReadFile(filepath.Join(c.stateDir(staging.ID), "workspace", "memory", "s3.md")); err != nil || string(got) != "stored in S3\n" {
		t.Errorf("restored from S3: %q, %v", got, err)
	}
}
