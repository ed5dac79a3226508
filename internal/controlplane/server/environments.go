package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/simulator"
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

var (
	dnsLabel   = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)
	labelKey   = regexp.MustCompile(`^[a-z][a-z0-9_./-]{0,62}$`)
	secretName = regexp.MustCompile(`^[A-Z_][A-Z0-9_]{0,127}$`)
)

const (
	maxNameLen     = 40
	maxLabels      = 64
	maxLabelValue  = 255
	maxSecrets     = 100
	maxSecretBytes = 64 << 10
)

// envImmutable explains fields PATCH refuses.
var envImmutable = map[string]string{
	"name":        "cannot be changed after creation; create a new environment (Terraform replaces it)",
	"region":      "cannot be changed after creation; create a new environment in the other region (Terraform replaces it)",
	"id":          "is assigned by the control plane",
	"status":      "is read-only",
	"power_state": "is read-only; set desired_state instead",
	"gateway_url": "is read-only",
	"etag":        "is read-only; send it in the If-Match header",
	"created_at":  "is read-only",
	"updated_at":  "is read-only",
}

func validateName(field, name string) []api.FieldError {
	switch {
	case name == "":
		return []api.FieldError{fieldErr(field, "is required")}
	case len(name) > maxNameLen:
		return []api.FieldError{fieldErr(field, "must be at most %d characters, got %d", maxNameLen, len(name))}
	case !dnsLabel.MatchString(name):
		return []api.FieldError{fieldErr(field, "must be a DNS label: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen")}
	}
	return nil
}

func validateLabels(labels map[string]string) []api.FieldError {
	var errs []api.FieldError
	if len(labels) > maxLabels {
		errs = append(errs, fieldErr("labels", "at most %d labels, got %d", maxLabels, len(labels)))
	}
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		if !labelKey.MatchString(k) {
			errs = append(errs, fieldErr("labels."+k, "label keys are 1-63 characters of lowercase letters, digits, '_', '.', '-' and '/', starting with a letter"))
		}
		if len(labels[k]) > maxLabelValue {
			errs = append(errs, fieldErr("labels."+k, "label values are at most %d characters", maxLabelValue))
		}
	}
	return errs
}

func validateSecrets(secrets map[string]string) []api.FieldError {
	var errs []api.FieldError
	if len(secrets) > maxSecrets {
		errs = append(errs, fieldErr("secrets", "at most %d secrets, got %d", maxSecrets, len(secrets)))
	}
	for _, k := range slices.Sorted(maps.Keys(secrets)) {
		if !secretName.MatchString(k) {
			errs = append(errs, fieldErr("secrets."+k, "secret names are environment variable names: uppercase letters, digits and '_', not starting with a digit"))
		}
		if v := secrets[k]; v == "" || len(v) > maxSecretBytes {
			errs = append(errs, fieldErr("secrets."+k, "secret values are 1 to %d bytes", maxSecretBytes))
		}
	}
	return errs
}

func validateSize(sz api.Size) []api.FieldError {
	var errs []api.FieldError
	if sz.CPUs < 1 || sz.CPUs > 64 {
		errs = append(errs, fieldErr("size.cpus", "must be between 1 and 64, got %d", sz.CPUs))
	}
	if sz.MemoryMB < 1024 || sz.MemoryMB > 524288 || sz.MemoryMB%256 != 0 {
		errs = append(errs, fieldErr("size.memory_mb", "must be a multiple of 256 between 1024 and 524288, got %d", sz.MemoryMB))
	}
	return errs
}

func validateVolume(gb int64) []api.FieldError {
	if gb < 1 || gb > 16384 {
		return []api.FieldError{fieldErr("state_volume_gb", "must be between 1 and 16384, got %d", gb)}
	}
	return nil
}

func validateDesiredState(v string) []api.FieldError {
	if v != api.DesiredRunning && v != api.DesiredStopped {
		return []api.FieldError{fieldErr("desired_state", "must be %q or %q, got %q", api.DesiredRunning, api.DesiredStopped, v)}
	}
	return nil
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
	if err := p.require(api.ScopeEnvironmentsWrite); err != nil {
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
		ReleaseChannel:     cmp(req.ReleaseChannel, defaultChannel),
		Size:               api.Size{CPUs: defaultCPUs, MemoryMB: defaultMemoryMB},
		StateVolumeGB:      defaultStateVolumeGB,
		DesiredState:       cmp(req.DesiredState, api.DesiredRunning),
		DeletionProtection: req.DeletionProtection,
	}
	if req.Size != nil {
		spec.Size = *req.Size
	}
	if req.StateVolumeGB != nil {
		spec.StateVolumeGB = *req.StateVolumeGB
	}
	if spec.OpenClawVersion == "" {
		spec.OpenClawVersion = CurrentReleases[spec.ReleaseChannel]
	}
	var errs []api.FieldError
	errs = append(errs, validateName("name", req.Name)...)
	errs = append(errs, s.validateRegion(req.Region)...)
	errs = append(errs, validateRelease(spec.ReleaseChannel, spec.OpenClawVersion)...)
	errs = append(errs, validateSize(spec.Size)...)
	errs = append(errs, validateVolume(spec.StateVolumeGB)...)
	errs = append(errs, validateDesiredState(spec.DesiredState)...)
	errs = append(errs, validateLabels(req.Labels)...)
	errs = append(errs, validateSecrets(req.Secrets)...)
	if len(errs) > 0 {
		return invalid(errs...)
	}

	now := s.now()
	res := &store.Resource{
		Kind:      store.KindEnvironment,
		ID:        newID("env"),
		Name:      req.Name,
		Spec:      mustJSON(spec),
		Status:    mustJSON(envStatus{Status: api.EnvStatusProvisioning, PowerState: api.PowerOff}),
		Labels:    orEmpty(req.Labels),
		CreatedAt: now,
		UpdatedAt: now,
	}
	op := s.newOperation("environment.create", store.KindEnvironment, res.ID)
	op.Message = "queued"
	err := s.store.InTx(r.Context(), func(tx store.Tx) error {
		if err := tx.CreateResource(r.Context(), res); err != nil {
			return err
		}
		secrets, err := s.sealSecrets(res.ID, req.Secrets, nil)
		if err != nil {
			return err
		}
		if err := tx.PutSecrets(r.Context(), res.ID, secrets); err != nil {
			return err
		}
		return tx.CreateOperation(r.Context(), op)
	})
	if errors.Is(err, store.ErrConflict) {
		detail := fmt.Sprintf("an environment named %q already exists", req.Name)
		if existing, gerr := s.store.GetResourceByName(r.Context(), store.KindEnvironment, "", req.Name); gerr == nil && p.seesEnvironment(existing.ID) {
			detail += fmt.Sprintf(" (id %s); choose another name or import it", existing.ID)
		}
		e := errorf(http.StatusConflict, api.CodeConflict, "%s", detail)
		e.problem.Errors = []api.FieldError{fieldErr("name", "is already used by another environment")}
		return e
	}
	if err != nil {
		return err
	}
	setAuditTarget(r.Context(), store.KindEnvironment, res.ID)
	s.engine.kick()
	return s.accepted(w, op)
}

func (s *Server) accepted(w http.ResponseWriter, op *store.Operation) error {
	w.Header().Set("Location", "/v1/operations/"+op.ID)
	writeJSON(w, http.StatusAccepted, toAPIOperation(op))
	return nil
}

// loadEnvironment reads an environment the principal may see; others are
// not found, so a bound key cannot learn that they exist.
func (s *Server) loadEnvironment(ctx context.Context, p *principal, id string) (*store.Resource, error) {
	if !p.seesEnvironment(id) {
		return nil, notFound("environment", id)
	}
	res, err := s.store.GetResource(ctx, store.KindEnvironment, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("environment", id)
	}
	return res, err
}

func (s *Server) getEnvironment(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := p.require(api.ScopeEnvironmentsRead); err != nil {
		return err
	}
	res, err := s.loadEnvironment(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	env, err := s.environmentView(r.Context(), s.store, res)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", strconv.Quote(env.ETag))
	writeJSON(w, http.StatusOK, env)
	return nil
}

func (s *Server) listEnvironments(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := p.require(api.ScopeEnvironmentsRead); err != nil {
		return err
	}
	f, err := listFilter(r, store.KindEnvironment)
	if err != nil {
		return err
	}
	if bound := p.boundEnvironment(); bound != "" {
		f.IDs = []string{bound}
	}
	return listPage(s, w, r, f, func(ctx context.Context, res *store.Resource) (api.Environment, error) {
		return s.environmentView(ctx, s.store, res)
	})
}

// listFilter reads page_size, page_token, name and label=k=v parameters.
func listFilter(r *http.Request, kind string) (store.ListFilter, error) {
	q := r.URL.Query()
	f := store.ListFilter{Kind: kind, Name: q.Get("name"), PageToken: q.Get("page_token")}
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return f, invalid(fieldErr("page_size", "must be an integer between 1 and 500, got %q", v))
		}
		f.PageSize = n
	}
	for _, l := range q["label"] {
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" {
			return f, invalid(fieldErr("label", "must be key=value, got %q", l))
		}
		if f.Labels == nil {
			f.Labels = map[string]string{}
		}
		f.Labels[k] = v
	}
	return f, nil
}

func (s *Server) updateEnvironment(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := p.require(api.ScopeEnvironmentsWrite); err != nil {
		return err
	}
	var req api.EnvironmentUpdate
	if err := decodeJSON(r, &req, envImmutable); err != nil {
		return err
	}
	id := r.PathValue("id")
	res, err := s.loadEnvironment(r.Context(), p, id)
	if err != nil {
		return err
	}
	if err := checkIfMatch(r, res); err != nil {
		return err
	}
	var st envStatus
	var spec envSpec
	if err := json.Unmarshal(res.Status, &st); err != nil {
		return err
	}
	if err := json.Unmarshal(res.Spec, &spec); err != nil {
		return err
	}
	if st.Status == api.EnvStatusDeleting {
		return errorf(http.StatusConflict, api.CodeConflict, "environment %s is being deleted", id)
	}
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
		errs = append(errs, validateSize(spec.Size)...)
	}
	if req.StateVolumeGB != nil {
		spec.StateVolumeGB = *req.StateVolumeGB
		if errs = append(errs, validateVolume(spec.StateVolumeGB)...); len(errs) == 0 && spec.StateVolumeGB < old.StateVolumeGB {
			errs = append(errs, fieldErr("state_volume_gb", "can only grow (from %d to %d GB refused): shrinking would lose gateway state; snapshot and restore into a new environment instead", old.StateVolumeGB, spec.StateVolumeGB))
		}
	}
	if req.DesiredState != nil {
		spec.DesiredState = *req.DesiredState
		errs = append(errs, validateDesiredState(spec.DesiredState)...)
	}
	if req.DeletionProtection != nil {
		spec.DeletionProtection = *req.DeletionProtection
	}
	if req.OpenClawVersion != nil || req.ReleaseChannel != nil {
		relErrs := validateRelease(spec.ReleaseChannel, spec.OpenClawVersion)
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
		errs = append(errs, validateLabels(labels)...)
	}
	if req.Secrets != nil {
		errs = append(errs, validateSecrets(*req.Secrets)...)
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
	changed := provisioning || spec.DeletionProtection != old.DeletionProtection || !maps.Equal(labels, res.Labels)
	// An update of a failed environment retries provisioning, even when the
	// spec is the same: that is how a failed change is repaired.
	provisioning = provisioning || st.Status == api.EnvStatusFailed

	op := s.newOperation("environment.update", store.KindEnvironment, id)
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
	return s.commitUpdate(w, r, res, changed, op, "environment", func(tx store.Tx) error {
		if secretsChanged {
			return tx.PutSecrets(r.Context(), id, newSecrets)
		}
		return nil
	})
}

func (s *Server) deleteEnvironment(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := p.require(api.ScopeEnvironmentsWrite); err != nil {
		return err
	}
	id := r.PathValue("id")
	res, err := s.loadEnvironment(r.Context(), p, id)
	if err != nil {
		return err
	}
	if err := checkIfMatch(r, res); err != nil {
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
		pools, err := s.poolsOf(r.Context(), id)
		if err != nil {
			return err
		}
		if len(pools) > 0 {
			names := make([]string, len(pools))
			for i, p := range pools {
				names[i] = fmt.Sprintf("%s (%s)", p.Name, p.ID)
			}
			return errorf(http.StatusConflict, api.CodeConflict,
				"environment %q still has %d GPU pool(s): %s; delete them first, or delete with ?cascade=true to delete them too", res.Name, len(pools), strings.Join(names, ", "))
		}
	}
	return s.startDelete(w, r, res, "environment.delete", "environment", func(res *store.Resource) error {
		return setStatus(res, func(st *envStatus) { st.Status = api.EnvStatusDeleting })
	})
}

// checkIfMatch enforces an optional If-Match against the spec generation.
func checkIfMatch(r *http.Request, res *store.Resource) error {
	h := r.Header.Get("If-Match")
	if h == "" || h == "*" {
		return nil
	}
	current := etagOf(res)
	for _, candidate := range strings.Split(h, ",") {
		c := strings.TrimSpace(candidate)
		c = strings.TrimPrefix(c, "W/")
		if unq, err := strconv.Unquote(c); err == nil {
			c = unq
		}
		if c == current {
			return nil
		}
	}
	return errorf(http.StatusPreconditionFailed, api.CodePreconditionFailed,
		"%s %s changed since it was read (If-Match %s, current ETag %q); read it again and retry", res.Kind, res.ID, h, current)
}

func etagOf(res *store.Resource) string { return strconv.FormatInt(res.Generation, 10) }

// environmentView renders the API representation of a stored environment.
func (s *Server) environmentView(ctx context.Context, tx store.Tx, res *store.Resource) (api.Environment, error) {
	var spec envSpec
	var st envStatus
	if err := json.Unmarshal(res.Spec, &spec); err != nil {
		return api.Environment{}, fmt.Errorf("decode spec of %s: %w", res.ID, err)
	}
	if err := json.Unmarshal(res.Status, &st); err != nil {
		return api.Environment{}, fmt.Errorf("decode status of %s: %w", res.ID, err)
	}
	secrets, err := tx.ListSecrets(ctx, res.ID)
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
		PowerState:         st.PowerState,
		GatewayURL:         simulator.GatewayURL(res.Name, spec.Region),
		ETag:               etagOf(res),
		CreatedAt:          res.CreatedAt.UTC(),
		UpdatedAt:          res.UpdatedAt.UTC(),
	}, nil
}

// sealSecrets encrypts values, keeping the stored ciphertext and version of
// values that did not change.
func (s *Server) sealSecrets(resourceID string, values map[string]string, current []store.Secret) ([]store.Secret, error) {
	byName := map[string]store.Secret{}
	for _, c := range current {
		byName[c.Name] = c
	}
	now := s.now()
	out := make([]store.Secret, 0, len(values))
	for _, name := range slices.Sorted(maps.Keys(values)) {
		fp := s.keyring.Fingerprint(values[name])
		if prev, ok := byName[name]; ok && prev.Fingerprint == fp {
			out = append(out, prev)
			continue
		}
		nonce, ct, err := s.keyring.Seal(values[name], resourceID+"/"+name)
		if err != nil {
			return nil, err
		}
		out = append(out, store.Secret{
			ResourceID:  resourceID,
			Name:        name,
			Nonce:       nonce,
			Ciphertext:  ct,
			Version:     byName[name].Version + 1,
			Fingerprint: fp,
			UpdatedAt:   now,
		})
	}
	return out, nil
}

func sameSecrets(a, b []store.Secret) bool {
	if len(a) != len(b) {
		return false
	}
	fa := map[string]string{}
	for _, s := range a {
		fa[s.Name] = s.Fingerprint
	}
	for _, s := range b {
		if fp, ok := fa[s.Name]; !ok || fp != s.Fingerprint {
			return false
		}
	}
	return true
}

// SecretValue decrypts one stored secret of a resource. The API never
// returns secret values; this exists for the gateway injection path and for
// tests proving that write-only values reached the control plane.
func (s *Server) SecretValue(ctx context.Context, resourceID, name string) (string, error) {
	secrets, err := s.store.ListSecrets(ctx, resourceID)
	if err != nil {
		return "", err
	}
	for _, sec := range secrets {
		if sec.Name == name {
			return s.keyring.Open(sec.Nonce, sec.Ciphertext, resourceID+"/"+name)
		}
	}
	return "", store.ErrNotFound
}

func setStatus(res *store.Resource, fn func(*envStatus)) error {
	var st envStatus
	if err := json.Unmarshal(res.Status, &st); err != nil {
		return err
	}
	fn(&st)
	res.Status = mustJSON(st)
	return nil
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("marshal %T: %v", v, err))
	}
	return b
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func cmp(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
