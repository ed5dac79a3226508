package kubeobjects

import (
	"context"
	"errors"
	"net"
	"net/url"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// IsTransient reports whether retrying the call that failed with err may
// succeed without anything else changing: the API server was unreachable,
// overloaded, timed out or failed internally. An invalid object, a refusal
// (ErrResizeRefused, forbidden) or an invalid Spec is not transient.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, ErrResizeRefused) {
		return false
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) || apierrors.IsTooManyRequests(err) ||
			apierrors.IsServiceUnavailable(err) || apierrors.IsInternalError(err) || status.Status().Code >= 500
	}
	var netErr net.Error
	var urlErr *url.Error
	return errors.As(err, &netErr) || errors.As(err, &urlErr) || errors.Is(err, context.DeadlineExceeded)
}
