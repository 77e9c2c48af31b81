package rowsync

import (
	"errors"
	"fmt"
	"time"
)

var (
	// ErrDatasetExists: the dataset a create would make is already on the
	// platform, and IfExists refuses it.
	ErrDatasetExists = errors.New("the dataset already exists on the platform")
	// ErrPlanChanged: the apply would adopt other rows than the plan showed,
	// because the platform changed since the plan.
	ErrPlanChanged = errors.New("the rows on the platform changed since the plan")
)

// DoubtError means an upload's outcome is unknown and no lookup has yet
// settled it: its rows may or may not be on the platform. They are recorded
// as in doubt, and neither recorded as Terraform's nor sent again until a
// lookup settles them.
type DoubtError struct {
	Rows int
	// Cause is why the outcome is unknown.
	Cause error
	// LookupErr is why the dataset could not be looked up, if it could not.
	LookupErr error
	// Until is when a lookup that still misses the rows proves they were
	// never stored: the request may still be running on the platform until
	// then. Zero when any later lookup settles them.
	Until time.Time
}

func (e *DoubtError) Error() string {
	msg := fmt.Sprintf("the outcome of uploading %d row(s) is unknown (%v)", e.Rows, e.Cause)
	if e.LookupErr != nil {
		msg += fmt.Sprintf(", and looking the dataset up failed (%v)", e.LookupErr)
	} else {
		msg += ", and the dataset does not show them yet"
	}
	when := "the next plan or apply"
	if !e.Until.IsZero() {
		when = fmt.Sprintf("a plan or apply after %s (UTC), when the request can no longer be running,", e.Until.UTC().Format(time.DateTime))
	}
	return msg + ". They were not sent again. The next refresh looks the dataset up and records the rows it finds as Terraform's, never sending them again; " +
		"rows still missing in " + when + " are sent again then"
}

func (e *DoubtError) Unwrap() error { return e.Cause }

// AmbiguousError means a lookup cannot tell which rows on the platform are
// the ones an upload whose outcome is unknown stored: the platform holds more
// copies of them than were sent, or only some of them. Nothing is claimed
// and nothing is sent again.
type AmbiguousError struct {
	Rows  int
	Cause error
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("the outcome of uploading %d row(s) is unknown (%v), and the dataset holds rows that match them ambiguously "+
		"(more copies than were sent, or only some of them: someone else may be uploading the same rows). Nothing was sent again and no row was claimed. "+
		"Check the dataset in the Collinear UI. To take the rows that are there as Terraform's, run `terraform state rm <address>` and "+
		"`terraform import <address> <space_id>/<dataset_name>`; to upload them again anyway, wait until the other upload is done and run `terraform apply`", e.Rows, e.Cause)
}

func (e *AmbiguousError) Unwrap() error { return e.Cause }

// TooManyRowsError means an apply would upload more rows than it may
// (Change.MaxSend); nothing was sent.
type TooManyRowsError struct {
	Rows, Max int
}

func (e *TooManyRowsError) Error() string {
	return fmt.Sprintf("this apply would upload %d row(s), more than the %d allowed; nothing was sent", e.Rows, e.Max)
}
