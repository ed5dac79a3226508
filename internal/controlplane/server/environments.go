package server

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
	"github.com/openclaw/terraform-provider-openclaw/internal/ocversion"
)

// envSpec is what the user asked for; stored as the resource's spec.
type envSpec struct {
	Region             string   `json:"region"`
	OpenClawVersion    string   `json:"openclaw_version"`
	ReleaseChannel     string   `json:"release_channel"`
	Size               api.Size `json:"size"`
	StateVolumeGB      int64    `json:"state_volume_gb"`
	DesiredState       string   `json:"desired_state"`
	DeletionProtection bool     `json:"deletion_protection"`
	// RestoreFrom is the snapshot the environment was created from.
	RestoreFrom   *api.RestoreFrom   `json:"restore_from,omitempty"`
	FinalSnapshot *api.FinalSnapshot `json:"final_snapshot,omitempty"`
}

// envStatus is what the control plane observed; stored as the status.
type envStatus struct {
	Status     string `json:"status"`
	PowerState string `json:"power_state"`
	// StoppedBy is set while a schedule or an operator holds the gateway
	// stopped (power, not configuration: desired_state stays running).
	StoppedBy string `json:"stopped_by,omitempty"`
	// PowerOverride is an operator's power action with an end (power.go).
	PowerOverride *powerOverride `json:"power_override,omitempty"`
	// Message says why a gateway failed (its last log lines) or was restarted.
	Message string `json:"message,omitempty"`
	// GatewayToken is the gateway's shared token, encrypted with the keyring.
	GatewayToken *sealed `json:"gateway_token,omitempty"`
	// Restored: the restore_from snapshot is in the state directory (a
	// retried create step does not restore again).
	Restored bool `json:"restored,omitempty"`
}

// Defaults for omitted create fields.
const (
	defaultChannel       = "stable"
	defaultCPUs          = 2
	defaultMemoryMB      = 4096
	defaultStateVolumeGB = 10 // OpenClaw's Kubernetes deployments use a 10Gi volume.
)

// CurrentReleases is the version a new environment gets on each channel when
// it names none.
var CurrentReleases = map[string]string{
	"stable":          "2026.11.3",
	"extended-stable": "2026.8.14",
	"beta":            "2026.12.0-beta.2",
	"dev":             "2026.12.0-beta.5",
}

// envImmutable explains fields PATCH refuses.
var envImmutable = map[string]string{
	"name":         "cannot be changed after creation; create a new environment (Terraform replaces it)",
	"region":       "cannot be changed after creation; create a new environment in the other region (Terraform replaces it)",
	"id":           "is assigned by the control plane",
	"status":       "is read-only",
	"power_state":  "is read-only; set desired_state instead",
	"gateway_url":  "is read-only",
	"restore_from": "is set when the environment is created; restoring always creates a new environment (Terraform replaces it when snapshot_id changes)",
	"etag":         "is read-only; send it in the If-Match header",
	"created_at":   "is read-only",
	"updated_at":   "is read-only",
}

// validateRelease checks channel, version syntax and that the channel may run
// the version.
func validateRelease(channel, version string) []api.FieldError {
	if !slices.Contains(api.ReleaseChannels, channel) {
		return []api.FieldError{fieldErr("release_channel", "must be one of %s, got %q", strings.Join(api.ReleaseChannels, ", "), channel)}
	}
	v, err := ocversion.Parse(version)
	if err != nil {
		return []api.FieldError{fieldErr("openclaw_version", "%s", err.Error())}
	}
	if !ocversion.ChannelAllows(channel, v) {
		return []api.FieldError{fieldErr("openclaw_version", "%s is a beta build; it runs only on the beta or dev release_channel, not %q", version, channel)}
	}
	return nil
}

func (s *Server) validateRegion(id string) []api.FieldError {
	if id == "" {
		return []api.FieldError{fieldErr("region", "is required")}
	}
	for _, r := range s.regions {
		if r.ID == id {
			if !r.Available {
				return []api.FieldError{fieldErr("region", "%s is not accepting new environments; choose another region from /v1/regions", id)}
			}
			return nil
		}
	}
	ids := make([]string, 0, len(s.regions))
	for _, r := range s.regions {
		ids = append(ids, r.ID)
	}
	return []api.FieldError{fieldErr("region", "unknown region %q; choose one of %s", id, strings.Join(ids, ", "))}
}

func (s *Server) createEnvironment(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := p.require(environments.writeScope); err != nil {
		return err
	}
	if p.boundEnvironment() != "" {
		return errorf(http.StatusForbidden, api.CodePermissionDenied, "API key %s is bound to one environment and cannot create environments", p.key.Prefix)
	}
	var req api.EnvironmentCreate
	if err := decodeJSON(r, &req, map[string]string{"id": "is assigned by the control plane", "status": "is read-only", "etag": "is read-only"}); err != nil {
		return err
	}
	spec := envSpec{
		Region:             req.Region,
		OpenClawVersion:    req.OpenClawVersion,
		ReleaseChannel:     cmp.Or(req.ReleaseChannel, defaultChannel),
		Size:               api.Size{CPUs: defaultCPUs, MemoryMB: defaultMemoryMB},
		StateVolumeGB:      defaultStateVolumeGB,
		DesiredState:       cmp.Or(req.DesiredState, api.DesiredRunning),
		DeletionProtection: req.DeletionProtection,
		RestoreFrom:        req.RestoreFrom,
		FinalSnapshot:      req.FinalSnapshot,
	}
	if req.Size != nil {
		spec.Size = *req.Size
	}
	if req.StateVolumeGB != nil {
		spec.StateVolumeGB = *req.StateVolumeGB
	}
	if spec.OpenClawVersion == "" {
		spec.OpenClawVersion = s.defaultVersion(spec.ReleaseChannel)
	}
	var errs []api.FieldError
	errs = append(errs, api.ValidateName("name", req.Name)...)
	errs = append(errs, s.validateRegion(req.Region)...)
	errs = append(errs, validateRelease(spec.ReleaseChannel, spec.OpenClawVersion)...)
	errs = append(errs, api.ValidateSize(spec.Size)...)
	errs = append(errs, api.ValidateStateVolume(spec.StateVolumeGB)...)
	errs = append(errs, api.ValidateDesiredState(spec.DesiredState)...)
	errs = append(errs, api.ValidateLabels(req.Labels)...)
	errs = append(errs, s.validateSimulatorLabels(req.Labels)...)
	errs = append(errs, api.ValidateSecrets(req.Secrets)...)
	errs = append(errs, validateFinalSnapshot(spec.FinalSnapshot)...)
	if len(errs) == 0 {
		errs = append(errs, s.validateInstalled(spec.OpenClawVersion)...)
	}
	if len(errs) > 0 {
		return invalid(errs...)
	}
	if err := s.checkRestoreFrom(r.Context(), p, spec); err != nil {
		return err
	}

	now := s.now()
	id := newID("env")
	token, err := s.newGatewayToken(id)
	if err != nil {
		return err
	}
	res := &store.Resource{
		Kind:      store.KindEnvironment,
		ID:        id,
		Name:      req.Name,
		Spec:      mustJSON(spec),
		Status:    mustJSON(envStatus{Status: api.EnvStatusProvisioning, PowerState: api.PowerOff, GatewayToken: token}),
		Labels:    orEmpty(req.Labels),
		CreatedAt: now,
		UpdatedAt: now,
	}
	op := s.newOperation(opEnvironmentCreate, store.KindEnvironment, res.ID)
	op.Message = "queued"
	return s.commitCreate(w, r, res, op, func(tx store.Tx) error {
		if len(req.Secrets) == 0 {
			return nil // a new environment has no secrets to replace
		}
		secrets, err := s.sealSecrets(res.ID, req.Secrets, nil)
		if err != nil {
			return err
		}
		return tx.PutSecrets(r.Context(), res.ID, secrets)
	}, func(*store.UniqueViolation) error {
		detail := fmt.Sprintf("an environment named %q already exists", req.Name)
		if existing, gerr := s.store.GetResourceByName(r.Context(), store.KindEnvironment, "", req.Name); gerr == nil && p.seesEnvironment(existing.ID) {
			detail += fmt.Sprintf(" (id %s); choose another name or import it", existing.ID)
		}
		e := errorf(http.StatusConflict, api.CodeConflict, "%s", detail)
		e.problem.Errors = []api.FieldError{fieldErr("name", "is already used by another environment")}
		return e
	})
}

func (s *Server) getEnvironment(w http.ResponseWriter, r *http.Request, p *principal) error {
	return serveGet(s, w, r, p, environments, s.environmentViewOf)
}

func (s *Server) listEnvironments(w http.ResponseWriter, r *http.Request, p *principal) error {
	return serveList(s, w, r, p, environments, s.environmentListItem, s.keptEnvironmentListItem)
}

// environmentListItem is environmentView as JSON, encoded again only when
// the environment, its secrets or its gateway URL changed.
func (s *Server) environmentListItem(ctx context.Context, res *store.Resource) (json.RawMessage, error) {
	spec, _, err := s.envViews.of(res)
	if err != nil {
		return nil, err
	}
	gw := driver.Gateway{ID: res.ID, Name: res.Name, Region: spec.Region}
	inputs, err := s.environmentListInputs(ctx, gw)
	if err != nil {
		return nil, err
	}
	return s.envJSON.of(res.ID, res.Revision, gw, inputs, func() (any, error) {
		return s.environmentView(ctx, s.store, res)
	})
}

// keptEnvironmentListItem is environmentListItem from the kept encoding of
// the environment at ref's revision, when its secrets and gateway URL are
// still those it was encoded with.
func (s *Server) keptEnvironmentListItem(ctx context.Context, ref store.ResourceRef) (json.RawMessage, bool, error) {
	e, ok := s.envJSON.at(ref.ID, ref.Revision)
	if !ok {
		return nil, false, nil
	}
	inputs, err := s.environmentListInputs(ctx, e.gateway)
	if err != nil || inputs != e.inputs {
		return nil, false, err
	}
	return e.raw, true, nil
}

// environmentListInputs is what an environment's view shows from outside
// its stored row: the driver's gateway URL and its secrets' metadata.
func (s *Server) environmentListInputs(ctx context.Context, gw driver.Gateway) (string, error) {
	secrets, err := s.secretInfos(ctx, s.store, gw.ID)
	if err != nil {
		return "", err
	}
	b := make([]byte, 0, 64+len(secrets)*64)
	b = append(b, s.gw.URL(gw)...)
	for _, sec := range secrets {
		b = append(b, 0)
		b = append(b, sec.Name...)
		b = append(b, 0)
		b = strconv.AppendInt(b, sec.Version, 10)
		b = append(b, 0)
		b = append(b, sec.Fingerprint...)
		b = append(b, 0)
		b = strconv.AppendInt(b, sec.UpdatedAt.UnixNano(), 10)
	}
	return string(b), nil
}

func (s *Server) environmentViewOf(ctx context.Context, res *store.Resource) (api.Environment, error) {
	return s.environmentView(ctx, s.store, res)
}

func (s *Server) updateEnvironment(w http.ResponseWriter, r *http.Request, p *principal) error {
	u, err := beginUpdate[api.EnvironmentUpdate, envSpec, envStatus](s, r, p, environments, envImmutable)
	if err != nil {
		return err
	}
	req, res, spec, st, id := u.req, u.res, u.spec, u.status, u.res.ID
	old := spec
	var errs []api.FieldError
	if req.OpenClawVersion != nil {
		spec.OpenClawVersion = *req.OpenClawVersion
	}
	if req.ReleaseChannel != nil {
		spec.ReleaseChannel = *req.ReleaseChannel
	}
	if req.Size != nil {
		spec.Size = *req.Size
		errs = append(errs, api.ValidateSize(spec.Size)...)
	}
	if req.StateVolumeGB != nil {
		spec.StateVolumeGB = *req.StateVolumeGB
		if errs = append(errs, api.ValidateStateVolume(spec.StateVolumeGB)...); len(errs) == 0 && spec.StateVolumeGB < old.StateVolumeGB {
			errs = append(errs, fieldErr("state_volume_gb", "can only grow (from %d to %d GB refused): shrinking would lose gateway state; create a new environment with the smaller volume instead", old.StateVolumeGB, spec.StateVolumeGB))
		}
	}
	if req.DesiredState != nil {
		spec.DesiredState = *req.DesiredState
		errs = append(errs, api.ValidateDesiredState(spec.DesiredState)...)
	}
	if req.DeletionProtection != nil {
		spec.DeletionProtection = *req.DeletionProtection
	}
	if req.FinalSnapshot != nil {
		spec.FinalSnapshot = req.FinalSnapshot
		if !spec.FinalSnapshot.Enabled && spec.FinalSnapshot.RetentionDays == 0 {
			spec.FinalSnapshot = nil
		}
		errs = append(errs, validateFinalSnapshot(spec.FinalSnapshot)...)
	}
	if req.OpenClawVersion != nil || req.ReleaseChannel != nil {
		relErrs := validateRelease(spec.ReleaseChannel, spec.OpenClawVersion)
		if len(relErrs) == 0 && spec.OpenClawVersion != old.OpenClawVersion {
			relErrs = s.validateInstalled(spec.OpenClawVersion)
		}
		errs = append(errs, relErrs...)
		if len(relErrs) == 0 {
			oldV, _ := ocversion.Parse(old.OpenClawVersion)
			newV, _ := ocversion.Parse(spec.OpenClawVersion)
			if ocversion.Compare(newV, oldV) < 0 {
				errs = append(errs, fieldErr("openclaw_version", "cannot move back from %s to %s: OpenClaw's database migrations are forward-only", old.OpenClawVersion, spec.OpenClawVersion))
			}
		}
	}
	labels := res.Labels
	if req.Labels != nil {
		labels = orEmpty(*req.Labels)
		errs = append(errs, api.ValidateLabels(labels)...)
		errs = append(errs, s.validateSimulatorLabels(labels)...)
	}
	if req.Secrets != nil {
		errs = append(errs, api.ValidateSecrets(*req.Secrets)...)
	}
	if len(errs) > 0 {
		return invalid(errs...)
	}

	var newSecrets []store.Secret
	secretsChanged := false
	if req.Secrets != nil {
		current, err := s.store.ListSecrets(r.Context(), id)
		if err != nil {
			return err
		}
		if newSecrets, err = s.sealSecrets(id, *req.Secrets, current); err != nil {
			return err
		}
		secretsChanged = !sameSecrets(current, newSecrets)
	}
	// Labels and deletion protection are metadata: they change without
	// touching the gateway. Anything else is a provisioning operation.
	provisioning := spec.OpenClawVersion != old.OpenClawVersion || spec.ReleaseChannel != old.ReleaseChannel ||
		spec.Size != old.Size || spec.StateVolumeGB != old.StateVolumeGB || spec.DesiredState != old.DesiredState || secretsChanged
	changed := provisioning || spec.DeletionProtection != old.DeletionProtection || !maps.Equal(labels, res.Labels) ||
		!jsonEqual(spec.FinalSnapshot, old.FinalSnapshot)
	// An update of a failed environment retries provisioning, even when the
	// spec is the same: that is how a failed change is repaired.
	provisioning = provisioning || st.Status == api.EnvStatusFailed

	op := s.newOperation(opEnvironmentUpdate, store.KindEnvironment, id)
	op.Message = "queued"
	if !provisioning {
		msg := "no provisioning needed"
		if !changed {
			msg = "no changes"
		}
		s.metadataOnly(op, msg)
	}
	res.Spec = mustJSON(spec)
	res.Labels = labels
	return s.commitUpdate(w, r, environments, res, changed, op, func(tx store.Tx) error {
		if secretsChanged {
			return tx.PutSecrets(r.Context(), id, newSecrets)
		}
		return nil
	})
}

func (s *Server) deleteEnvironment(w http.ResponseWriter, r *http.Request, p *principal) error {
	res, err := s.beginDelete(r, p, environments)
	if err != nil {
		return err
	}
	var spec envSpec
	if err := json.Unmarshal(res.Spec, &spec); err != nil {
		return err
	}
	if spec.DeletionProtection {
		e := errorf(http.StatusConflict, api.CodeConflict,
			"environment %q has deletion_protection enabled; set deletion_protection to false first (in Terraform: deletion_protection = false, apply, then destroy)", res.Name)
		e.problem.Errors = []api.FieldError{fieldErr("deletion_protection", "must be false to delete the environment")}
		return e
	}
	if r.URL.Query().Get("cascade") != "true" {
		if err := s.guardChildren(r.Context(), environments, res); err != nil {
			return err
		}
	}
	return s.startDelete(w, r, environments, res, opEnvironmentDelete)
}

// environmentView renders the API representation of a stored environment.
func (s *Server) environmentView(ctx context.Context, tx store.Tx, res *store.Resource) (api.Environment, error) {
	spec, st, err := s.envViews.of(res)
	if err != nil {
		return api.Environment{}, err
	}
	secrets, err := s.secretInfos(ctx, tx, res.ID)
	if err != nil {
		return api.Environment{}, err
	}
	infos := make([]api.SecretInfo, 0, len(secrets))
	for _, sec := range secrets {
		infos = append(infos, api.SecretInfo{Name: sec.Name, Version: sec.Version, Fingerprint: sec.Fingerprint, UpdatedAt: sec.UpdatedAt.UTC()})
	}
	slices.SortFunc(infos, func(a, b api.SecretInfo) int { return strings.Compare(a.Name, b.Name) })
	return api.Environment{
		ID:                 res.ID,
		Name:               res.Name,
		Region:             spec.Region,
		OpenClawVersion:    spec.OpenClawVersion,
		ReleaseChannel:     spec.ReleaseChannel,
		Size:               spec.Size,
		StateVolumeGB:      spec.StateVolumeGB,
		DesiredState:       spec.DesiredState,
		Labels:             orEmpty(res.Labels),
		DeletionProtection: spec.DeletionProtection,
		Secrets:            infos,
		Status:             st.Status,
		StatusMessage:      st.Message,
		PowerState:         st.PowerState,
		GatewayURL:         s.gw.URL(driver.Gateway{ID: res.ID, Name: res.Name, Region: spec.Region}),
		RestoreFrom:        spec.RestoreFrom,
		FinalSnapshot:      spec.FinalSnapshot,
		ETag:               etagOf(res),
		CreatedAt:          res.CreatedAt.UTC(),
		UpdatedAt:          res.UpdatedAt.UTC(),
	}, nil
}

// setStatus changes an environment's status document.
func setStatus(res *store.Resource, fn func(*envStatus)) error {
	var st envStatus
	if err := json.Unmarshal(res.Status, &st); err != nil {
		return err
	}
	fn(&st)
	res.Status = mustJSON(st)
	return nil
}
