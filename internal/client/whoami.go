package client

import (
	"context"
	"errors"
	"net/http"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// ErrNotAControlPlane is WhoAmI getting an answer that is not the control
// plane's: the endpoint points at something else.
var ErrNotAControlPlane = errors.New("the endpoint did not answer like an OpenClaw control plane")

// WhoAmI reads the calling key (GET /v1/whoami): the cheapest call that
// proves both the endpoint and the key.
func (c *Client) WhoAmI(ctx context.Context) (*api.WhoAmI, error) {
	who, _, err := get[api.WhoAmI](ctx, c, "/v1/whoami", nil)
	var (
		apiErr *APIError
		reqErr *requestError
	)
	switch {
	case errors.As(err, &apiErr) && apiErr.Problem.Code == "" && apiErr.StatusCode != http.StatusTooManyRequests:
		// No problem document: a web server, a proxy's page or an older
		// control plane without this endpoint.
		return nil, &notControlPlaneError{cause: err}
	case err != nil && !errors.As(err, &apiErr) && !errors.As(err, &reqErr):
		// A 2xx that is not the expected JSON.
		return nil, &notControlPlaneError{cause: err}
	case err != nil:
		return nil, err
	case who.KeyID == "" || who.Prefix == "":
		return nil, &notControlPlaneError{cause: errors.New("GET /v1/whoami: 200 without key_id and prefix")}
	}
	return who, nil
}

type notControlPlaneError struct{ cause error }

func (e *notControlPlaneError) Error() string {
	return ErrNotAControlPlane.Error() + ": " + e.cause.Error()
}
func (e *notControlPlaneError) Is(target error) bool { return target == ErrNotAControlPlane }
func (e *notControlPlaneError) Unwrap() error        { return e.cause }
