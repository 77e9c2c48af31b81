// Package rowsync decides which rows of a dataset's source are already on the
// Collinear platform and which must be sent, sends them, and keeps the record
// of it. It is the one place that answers "is this row already there?", for
// the plan, the apply, the refresh, the import and the recovery after an
// upload whose outcome is unknown. It knows nothing of Terraform and nothing
// of HTTP: the provider turns Terraform values into a Record and back, and
// the client is reached through the Platform interface.
//
// The platform appends and cannot delete, so two rules drive everything here:
// a row is never sent twice, and an id the platform returned is never lost.
//
// # What is known of a row
//
// A source row is known by its Fingerprint: its Digest (everything that is
// sent) and its match Key (only what the platform's lookup shows: the
// conversation, the response's text and the label, not the context). A row
// on the platform that Terraform manages is a Row: its id, its digest and,
// while the id or the digest is not known, its key. A Record holds those
// rows, the ids of rows that left the source (released: still on the
// platform, still not foreign), the rows a lookup found that are not
// Terraform's (foreign), and the requests whose outcome is unknown (doubts).
//
// # One rule for pairing
//
// Every pairing here (source rows with recorded rows, recorded rows without
// an id with platform rows, upload answers with the rows sent, rows in doubt
// with platform rows, source rows with rows found on the platform) goes
// through one function, pairByKey: items pair by an equal key, the k-th
// occurrence of a key on one side with the k-th on the other, in order.
// Identical rows therefore count: a row listed twice is uploaded twice and
// kept twice.
package rowsync
