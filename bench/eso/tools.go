//go:build tools

// Package tools pins External Secrets Operator, the peer bench_eso.sh runs next to the operator.
// Nothing of it is product code: it is built from the Go module proxy by build.sh.
package tools

import _ "github.com/external-secrets/external-secrets"
