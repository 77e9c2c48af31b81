package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// tflogAdapter lets the client, which knows nothing of Terraform, log through
// tflog with structured fields. ctx is the context of the request being
// logged: it carries the calling RPC's logger and fields, and the masking of
// the API key.
type tflogAdapter struct {
	ctx context.Context
}

func fields(kv []any) map[string]any {
	if len(kv) == 0 {
		return nil
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return m
}

func (a tflogAdapter) Debug(msg string, kv ...any) { tflog.Debug(a.ctx, msg, fields(kv)) }
func (a tflogAdapter) Warn(msg string, kv ...any)  { tflog.Warn(a.ctx, msg, fields(kv)) }
