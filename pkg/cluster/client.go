package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/ocl-build/ocl-build/internal/regretry"
)

// ConnectOptions say which cluster to talk to and how patiently.
type ConnectOptions struct {
	// Kubeconfig is a kubeconfig file; empty means $KUBECONFIG, then
	// ~/.kube/config, as oc and kubectl do.
	Kubeconfig string
	// Context is the kubeconfig context to use (default: its current one).
	Context string
	// Retry is how often an unreachable or overloaded API server is retried
	// (zero value: regretry's defaults, 3 retries from 1 s, doubling).
	Retry regretry.Policy
	// Timeout bounds one request (default 30 s).
	Timeout time.Duration
	// Notice hears of each retry (may be nil).
	Notice regretry.Notice
}

// Client is a connection to one cluster.
type Client struct {
	Kube    kubernetes.Interface
	Dynamic dynamic.Interface
	// Config is the client configuration (holds credentials: never print it).
	Config *rest.Config
	// Server is the API server URL, Context the kubeconfig context used.
	Server, Context string
	retry           regretry.Policy
	notice          regretry.Notice
}

// Connect loads the kubeconfig and builds the clients. It does not contact
// the server.
func Connect(o ConnectOptions) (*Client, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if o.Kubeconfig != "" {
		rules.ExplicitPath = o.Kubeconfig
	}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: o.Context})
	cfg, err := cc.ClientConfig()
	if err != nil {
		where := o.Kubeconfig
		if where == "" {
			where = "$KUBECONFIG or ~/.kube/config"
		}
		return nil, fmt.Errorf("kubeconfig %s: %w", where, err)
	}
	raw, err := cc.RawConfig()
	if err != nil {
		return nil, err
	}
	ctxName := o.Context
	if ctxName == "" {
		ctxName = raw.CurrentContext
	}
	cfg = rest.CopyConfig(cfg)
	cfg.Timeout = o.Timeout
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	cfg.UserAgent = "ocl-build"
	if cfg.QPS == 0 {
		cfg.QPS, cfg.Burst = 50, 100
	}
	kc, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dc, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &Client{Kube: kc, Dynamic: dc, Config: cfg, Server: cfg.Host, Context: ctxName, retry: o.Retry, notice: o.Notice}, nil
}

// PermissionError is a read or write the API server refused (403).
type PermissionError struct {
	Verb, Resource, Namespace, Name string
	// Without says what works without this permission (a flag to give the
	// object as a file instead), or is empty.
	Without string
	Err     error
}

func (e *PermissionError) Error() string {
	obj := e.Resource
	if e.Name != "" {
		obj += " " + e.Name
	}
	if e.Namespace != "" {
		obj += " in namespace " + e.Namespace
	}
	s := fmt.Sprintf("forbidden: cannot %s %s (the kubeconfig's user needs %q on %q)", e.Verb, obj, e.Verb, e.Resource)
	if e.Without != "" {
		s += "; without it: " + e.Without
	}
	return s
}

func (e *PermissionError) Unwrap() error { return e.Err }

// UnreachableError is an API server that did not answer after the retries.
type UnreachableError struct {
	Server   string
	Attempts int
	Err      error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("API server %s unreachable after %d attempts: %v", e.Server, e.Attempts, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// NotFoundError is a required object that does not exist.
type NotFoundError struct {
	Resource, Namespace, Name, Hint string
}

func (e *NotFoundError) Error() string {
	s := fmt.Sprintf("%s %q not found", e.Resource, e.Name)
	if e.Namespace != "" {
		s = fmt.Sprintf("%s %q not found in namespace %s", e.Resource, e.Name, e.Namespace)
	}
	if e.Hint != "" {
		s += ": " + e.Hint
	}
	return s
}

// request names one API call for errors.
type request struct {
	verb, resource, namespace, name, without string
}

// do runs fn, retrying while the server is unreachable or overloaded, and
// turns the final error into a PermissionError, UnreachableError or a
// plain error naming the call.
func (c *Client) do(ctx context.Context, r request, fn func(context.Context) error) error {
	p := c.retry.Normalized()
	var err error
	for attempt := 0; ; attempt++ {
		err = fn(ctx)
		if err == nil {
			return nil
		}
		if !transient(err) || attempt >= p.Retries || ctx.Err() != nil {
			if transient(err) {
				return &UnreachableError{Server: c.Server, Attempts: attempt + 1, Err: err}
			}
			break
		}
		wait := p.Backoff(attempt)
		if c.notice != nil {
			c.notice(fmt.Errorf("%s %s: %w", r.verb, r.resource, err), wait, attempt+1, p.Retries)
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	switch {
	case apierrors.IsForbidden(err):
		return &PermissionError{Verb: r.verb, Resource: r.resource, Namespace: r.namespace, Name: r.name, Without: r.without, Err: err}
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("API server %s: unauthorized: the kubeconfig's credentials were refused (expired token? log in again): %w", c.Server, err)
	}
	obj := r.resource
	if r.name != "" {
		obj += " " + r.name
	}
	if r.namespace != "" {
		obj += " in namespace " + r.namespace
	}
	return fmt.Errorf("%s %s: %w", r.verb, obj, err)
}

// transient is an API server that is down, unreachable or overloaded.
func transient(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	if apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) || apierrors.IsTooManyRequests(err) ||
		apierrors.IsServiceUnavailable(err) || apierrors.IsInternalError(err) || apierrors.IsUnexpectedServerError(err) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EHOSTUNREACH) {
		return true
	}
	msg := err.Error()
	for _, s := range []string{"connection refused", "connection reset", "i/o timeout", "EOF", "no such host", "TLS handshake timeout"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// resourceName is "machineosconfigs.machineconfiguration.openshift.io"
// style, as RBAC rules and oc name resources.
func resourceName(gvr schema.GroupVersionResource) string {
	if gvr.Group == "" {
		return gvr.Resource
	}
	return gvr.Resource + "." + gvr.Group
}
