package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// canonicalUUID returns the lower-case hyphenated form of a UUID written as
// the platform accepts it: hyphenated or not, in braces, or as a urn:uuid:
// URN, in either case. ok is false for anything else.
func canonicalUUID(s string) (string, bool) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimPrefix(t, "urn:uuid:")
	if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
		t = t[1 : len(t)-1]
	}
	if len(t) == 36 {
		if t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-' {
			return "", false
		}
		t = t[:8] + t[9:13] + t[14:18] + t[19:23] + t[24:]
	}
	if len(t) != 32 {
		return "", false
	}
	for i := 0; i < len(t); i++ {
		if (t[i] < '0' || t[i] > '9') && (t[i] < 'a' || t[i] > 'f') {
			return "", false
		}
	}
	return t[:8] + "-" + t[8:12] + "-" + t[12:16] + "-" + t[16:20] + "-" + t[20:], true
}

// sameUUID reports whether two ids are the same UUID, however written.
func sameUUID(a, b string) bool {
	ca, okA := canonicalUUID(a)
	cb, okB := canonicalUUID(b)
	return okA && okB && ca == cb
}

// replacedUnlessSameUUID replaces the resource when a UUID argument names
// another object, not when it only spells the same one another way (upper
// case, without hyphens, in braces): that is an in-place change that sends
// nothing.
func replacedUnlessSameUUID(description string) []planmodifier.String {
	return []planmodifier.String{stringplanmodifier.RequiresReplaceIf(otherUUID, description, description)}
}

func otherUUID(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
	resp.RequiresReplace = !sameUUID(req.StateValue.ValueString(), req.PlanValue.ValueString())
}

// uuidValidator checks that an id is a UUID the platform accepts.
type uuidValidator struct{}

func (uuidValidator) Description(context.Context) string {
	return "must be a UUID such as 3c90c3cc-0d44-4b50-8888-8dd25736052a"
}

func (v uuidValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (uuidValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, ok := canonicalUUID(req.ConfigValue.ValueString()); !ok {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid UUID",
			fmt.Sprintf("Attribute %s must be a UUID such as 3c90c3cc-0d44-4b50-8888-8dd25736052a, as the Collinear UI shows it; got %q.", req.Path, req.ConfigValue.ValueString()))
	}
}
