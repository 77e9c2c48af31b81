// Package dataset reads, validates and fingerprints the rows of a Collinear
// evaluation dataset. It knows nothing of Terraform or HTTP: the provider uses
// it to plan and the uploader uses it to build request bodies.
//
// # Sources
//
// A file is read once, as a stream, in constant memory whatever its size
// (only the row being read is held). Its format comes from its extension:
//
//   - .json: one JSON array of row objects.
//   - .jsonl, .ndjson: one row object per line; blank lines are ignored. A row
//     written across several lines is one error, at its first line.
//   - .csv: a header row naming the columns conv_prefix and response, and
//     optionally ground_truth and context, in any order. conv_prefix and
//     response are plain text: the user's message and the assistant's reply.
//     Empty ground_truth and context cells mean absent, so an empty context
//     string cannot be written in CSV.
//
// A UTF-8 byte order mark at the start is skipped; CRLF line ends are read
// like LF. No byte is changed on the way: text that is not valid UTF-8, and a
// JSON escape of half a UTF-16 surrogate pair, are errors (a JSON decoder
// would read either as U+FFFD).
//
// # Checks
//
// Errors stop the plan: malformed input, a row that is not an object, a
// missing or mistyped conv_prefix, response, role or content, an empty
// conv_prefix or role, a ground_truth that is not a 64-bit integer (null is
// absent), a context that is not a string (null is absent), a key given twice,
// text that is not UTF-8 or an unpaired surrogate, a key or CSV column that is
// a field's name misspelt (nearField), no rows at all. A row with an error is
// not hashed nor handed on; after MaxErrors errors the scan stops.
//
// Warnings do not: a role other than system, user, assistant, tool, developer
// or function; a response role other than assistant; a conv_prefix whose last
// turn is not the user's; keys a row or message has beyond the schema (they
// are dropped: only the schema's fields are hashed and uploaded). Each kind of
// warning is one Problem listing where it occurs (MaxListed places, then a
// count; for unknown keys, each key with its places), so that no two
// warnings share a summary.
//
// # Fingerprints
//
// Summary.SHA256 is the SHA-256 of the canonical array of all rows, exactly
// the bytes an ArrayWriter writes for them: equal rows give equal hashes
// whatever the source format or its formatting, inline rows (CheckRows)
// included.
package dataset
