package client

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"
)

// The streaming decoders must behave as the encoding/json decoders they
// replaced (reference_test.go): the same results, or the same kind of error
// with the same ids or annotations read before it. Only the wording of
// syntax errors and the offsets may differ.

// nested is n nested empty arrays.
func nested(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

// prefixes returns every strict prefix of s, to check answers cut off at
// every byte.
func prefixes(s string) []string {
	out := make([]string, 0, len(s))
	for i := range len(s) {
		out = append(out, s[:i])
	}
	return out
}

func uploadSeeds() []string {
	seeds := []string{
		// Shapes.
		`[{"id":"a"},{"id":2}]`, `[]`, ` [ ] `, `{}`, `{"dataset_id":"d","message":"m"}`,
		`{"dataset_id":12,"message":null}`, `{"dataset_id":"a","dataset_id":null}`, `{"dataset_id":null,"dataset_id":"b"}`,
		`{"message":"a","message":null}`, `{"message":{"a":[1, 2, "x y"]}}`, `{"message":12.5e1}`, `{"message":true}`,
		`{"message":"\u00e9\ud83d\ude00"}`, `{"Dataset_ID":"x","MESSAGE":"y"}`, `{"dataset\u005fid":"x"}`,
		`{"dataset_id":true}`, `{"dataset_id":""}`, `{"dataset_id":[1]}`, `{"dataset_id":{"a":1}}`, `{"x":[1,{"y":null}]}`,
		// Rows and their ids.
		`[{"id":"a"},{"name":"b"}]`, `[{"id":"a"},"b"]`, `[[1]]`, `[null]`, `[1]`, `[true]`, `[false]`, `["a"]`, `[{}]`,
		`[{"id":null}]`, `[{"id":true}]`, `[{"id":{"x":1}}]`, `[{"id":[]}]`, `[{"id":""}]`,
		`[{"id":"a","id":"b"}]`, `[{"id":"a","ID":null}]`, `[{"ID":"a"}]`, `[{"Id":"a"},{"iD":"b"}]`, `[{"\u0069d":"a"}]`,
		"[{\"\u0131d\":\"dotless\"}]", "[{\"\u0130D\":\"dotted\"}]", `[{"i\u0064":"a"}]`, `[{"id ":"a"}]`,
		`[{"response":{"id":"inner"},"id":"outer"}]`, `[{"x":{"y":[1,{"z":null}],"w":"\u1234"},"id":"a"}]`,
		`[{"id":"a","conv_prefix":[{"role":"user","content":"x"}],"response":{"role":"assistant","content":"y"},"ground_truth":1,"context":"c"}]`,
		// Numbers.
		`[{"id":1},{"id":-7},{"id":98765432109876543210},{"id":1e3}]`, `[{"id":-0}]`, `[{"id":1e400}]`, `[{"id":1.5}]`,
		`[{"id":1E+2}]`, `[{"id":0.0e-0}]`, `[{"id":-}]`, `[{"id":01}]`, `[{"id":1.}]`, `[{"id":1e}]`, `[{"id":1e+}]`,
		`[{"id":.5}]`, `[{"id":+1}]`, `[{"id":-a}]`, `[{"id":1.5.3}]`, `[1x]`, `[0"]`, `[0`, `[-`, `[1.`, `12`, `-`,
		// Strings: escapes, surrogates, UTF-8.
		`[{"id":"a\"b\\c\/d\b\f\n\r\t\u0041\u00e9\u20ac"}]`, `[{"id":"\ud83d\ude00"}]`, `[{"id":"\uD83D\uDE00"}]`,
		`[{"id":"\ud800"}]`, `[{"id":"\udc00x"}]`, `[{"id":"\ud800\ud800\udc00"}]`, `[{"id":"\ud800\u0041"}]`,
		`[{"id":"\ud800\u00"}]`, `[{"id":"\ud800\"}]`, `[{"id":"\ud800\\"}]`, `[{"id":"\u0000"}]`,
		"[{\"id\":\"\xff\xfe\"}]", "[{\"id\":\"a\xc3\"}]", "[{\"id\":\"\xe2\x82\"}]", "[{\"id\":\"\xed\xa0\x80\"}]",
		"[{\"id\":\"\xef\xbf\xbd\"}]", "[{\"id\":\"\xf0\x9f\x98\x80\"}]", "[{\"id\":\"a\x01\"}]", "[{\"id\":\"a\x7f\"}]",
		`[{"id":"\x"}]`, `[{"id":"\u12"}]`, `[{"id":"\u12g4"}]`, `[{"id":"\'"}]`, `"ok"`, `"` + strings.Repeat("é", 41) + `"`,
		// Literals and structure.
		`true`, `false`, `null`, `nul`, `tru`, `nulx`, `[nul]`, `[nulx]`, `[truex]`, ``, `   `, "\n\t\r ", "\v[]",
		`{`, `[`, `]`, `}`, `,`, `:`, `[,]`, `[,1]`, `[{"id":"a"},]`, `{"a":1,}`, `{,}`, `{"a" 1}`, `{"a":1 "b":2}`, `{1:2}`,
		`[{"id":"a"} {"id":"b"}]`, `[{"id":"a"}}`, `[}`, `{]`, `[{"id":"a"}]x`, `[{"id":"a"}] x`, `[{"id":"a"}][]`,
		"[{\"id\":\"a\"}]\n\n", `<html><body>502 Bad Gateway</body></html>`, "\xef\xbb\xbf[]",
		" \t\r\n[ \n{ \"id\" : \"a\" } , { \"id\":1 } ]\n ",
		// Id lengths.
		`[{"id":"` + strings.Repeat("i", maxIDLength) + `"}]`, `[{"id":"` + strings.Repeat("i", maxIDLength+1) + `"}]`,
		`[{"id":"` + strings.Repeat(`\u00e9`, maxIDLength/2) + `"}]`, `[{"id":"` + strings.Repeat(`\u00e9`, maxIDLength/2+1) + `"}]`,
		`[{"id":` + strings.Repeat("9", maxIDLength) + `}]`, `[{"id":` + strings.Repeat("9", maxIDLength+1) + `}]`,
	}
	seeds = append(seeds, prefixes(`[{"id":"a","x":[1,-2.5e+3,"\u00e9\ud83d\ude00",true,null,{}]},{"id":12},{"ID":"\"c\""}]`)...)
	seeds = append(seeds, prefixes(`{"dataset_id":"d-1","message":{"a":[1, true]},"x":null}`)...)
	seeds = append(seeds, prefixes(`{"message":{"\u00e9\"":["\\"]}}`)...)
	return seeds
}

func datasetSeeds() []string {
	seeds := []string{
		`{"dataset_id":"d","dataset_annotations":[{"id":"a","conv_prefix":[{"role":"user","content":"x"}],"response":"y","ground_truth":1}]}`,
		`{"dataset_annotations":[{"id":7,"response":{"content":"z"}}],"x":[1]}`,
		`{"unknown":[1,{"a":2}],"dataset_id":"d-9","dataset_annotations":[
			{"id":"r1","db_id":"u1","conv_prefix":[{"role":"user","content":"Hey"}],"response":"Hi","ground_truth":1,"created_at":"2025-01-01T00:00:00Z","judge_feedback":{}},
			{"id":7,"conv_prefix":[],"response":{"role":"assistant","content":"obj"},"ground_truth":null}
		],"trailing":true}`,
		`{"dataset_id":"d","dataset_annotations":null}`, `{"dataset_annotations":[]}`, `{}`, ` { } `,
		`{"dataset_annotations":[{"id":"a","ground_truth":"2","conv_prefix":[{"role":"user","content":[{"type":"text","text":"hi"}]}],"response":null}]}`,
		// The top level.
		`[1]`, `[`, `"x"`, `"x`, `12`, `-`, `true`, `tru`, `null`, ``, `  `, `{`, `}`, `]`, `,`, `<html>`, `{"a" 1}`, `{"a":1 "b":2}`,
		`{"dataset_annotations":{}}`, `{"dataset_annotations":{`, `{"dataset_annotations":"x"}`, `{"dataset_annotations":1`,
		`{"dataset_annotations":1}`, `{"dataset_annotations":true}`, `{"dataset_annotations":nul`, `{"dataset_annotations":]`,
		`{"dataset_annotations":[]} trailing`, `{"dataset_annotations":[]}}`, `{"dataset_annotations":[]]`,
		`{"dataset_annotations":[{"id":"a"}],"dataset_annotations":[{"id":"b"}]}`, `{"dataset_annotations":[{"id":"a"},]}`,
		`{"dataset_annotations":[{"id":"a"} {"id":"b"}]}`, `{"dataset_annotations":[,{"id":"a"}]}`,
		`{"dataset_id":"a","dataset_id":null}`, `{"dataset_id":"a","dataset_id":"b"}`, `{"dataset_id":true}`, `{"dataset_id":""}`,
		`{"dataset_id":12,"dataset_annotations":[]}`, `{"dataset_id":1`, `{"Dataset_ID":"x"}`, `{"dataset\u005fid":"x"}`,
		`{"DATASET_ANNOTATIONS":[{"id":"a"}]}`,
		// Annotations that are not objects.
		`{"dataset_annotations":[null]}`, `{"dataset_annotations":[1]}`, `{"dataset_annotations":["a"]}`,
		`{"dataset_annotations":[[]]}`, `{"dataset_annotations":[true]}`, `{"dataset_annotations":[1x]}`,
		`{"dataset_annotations":[{"id":"a"},null]}`, `{"dataset_annotations":[{"response":"x"}]}`,
		// Ids.
		`{"dataset_annotations":[{"id":null}]}`, `{"dataset_annotations":[{"id":true}]}`, `{"dataset_annotations":[{"id":[]}]}`,
		`{"dataset_annotations":[{"id":{}}]}`, `{"dataset_annotations":[{"id":""}]}`, `{"dataset_annotations":[{"id":-0}]}`,
		`{"dataset_annotations":[{"id":1e400,"ID":"b"}]}`, `{"dataset_annotations":[{"id":"a","db_id":null}]}`,
		`{"dataset_annotations":[{"id":"a","db_id":""}]}`, `{"dataset_annotations":[{"id":"a","db_id":1.5}]}`,
		`{"dataset_annotations":[{"id":"a","db_id":true}]}`, `{"dataset_annotations":[{"id":"a","db_id":"u","db_id":null}]}`,
		`{"dataset_annotations":[{"id":"` + strings.Repeat("i", maxIDLength+1) + `"}]}`,
		// Keys matched as encoding/json matches struct fields.
		`{"dataset_annotations":[{"Id":"a","DB_ID":"b","Conv_Prefix":[{"ROLE":"user","CONTENT":"hi"}],"RESPONSE":"r","Ground_Truth":3,"Created_At":"t"}]}`,
		"{\"dataset_annotations\":[{\"id\":\"a\",\"re\u017fpon\u017fe\":\"long s\"}]}",
		`{"dataset_annotations":[{"id":"a","re\u017fpon\u017fe":"escaped long s"}]}`,
		"{\"dataset_annotations\":[{\"id\":\"a\",\"\u212a\":1,\"RE\u017fPONSE\":\"x\"}]}",
		"{\"dataset_annotations\":[{\"\u0131d\":\"dotless\",\"id\":\"a\"}]}", "{\"dataset_annotations\":[{\"\u0130D\":\"a\"}]}",
		`{"dataset_annotations":[{"\u0069d":"a","conv_prefix ":[1]}]}`,
		// conv_prefix merged into a reused slice.
		`{"dataset_annotations":[{"id":"a","conv_prefix":[{"role":"r1","content":"c1"},{"role":"r2"}],"conv_prefix":[{"content":"x"}],"conv_prefix":[null,{}]}]}`,
		`{"dataset_annotations":[{"id":"a","conv_prefix":[{"role":"a"}],"conv_prefix":[],"conv_prefix":[{}]}]}`,
		`{"dataset_annotations":[{"id":"a","conv_prefix":[{"role":"a"}],"conv_prefix":null,"conv_prefix":[{}]}]}`,
		`{"dataset_annotations":[{"id":"a","conv_prefix":[null,{"role":"x","role":null,"content":"c","content":null}]}]}`,
		`{"dataset_annotations":[{"id":"a","conv_prefix":[{"role":"u","content":1.50},{"role":"u","content":true},{"content":{"a" : [ 1 ]}}]}]}`,
		// Values of the wrong type.
		`{"dataset_annotations":[{"id":"a","conv_prefix":"text"}]}`, `{"dataset_annotations":[{"id":"a","conv_prefix":{}}]}`,
		`{"dataset_annotations":[{"id":"a","conv_prefix":1}]}`, `{"dataset_annotations":[{"id":"a","conv_prefix":true}]}`,
		`{"dataset_annotations":[{"id":"a","conv_prefix":[1]}]}`, `{"dataset_annotations":[{"id":"a","conv_prefix":["x"]}]}`,
		`{"dataset_annotations":[{"id":"a","conv_prefix":[[]]}]}`, `{"dataset_annotations":[{"id":"a","conv_prefix":[{"role":1}]}]}`,
		`{"dataset_annotations":[{"id":"a","conv_prefix":[{"role":[]}]}]}`, `{"dataset_annotations":[{"id":"a","conv_prefix":[{"role":{}},2]}]}`,
		`{"dataset_annotations":[{"conv_prefix":[1],"id":null}]}`, `{"dataset_annotations":[{"id":"a","conv_prefix":[1],"conv_prefix":[{"role":true}]}]}`,
		// Responses.
		`{"dataset_annotations":[{"id":"a","response":{"role":"assistant","content":"obj"}}]}`,
		`{"dataset_annotations":[{"id":"a","response":{"content":null}}]}`, `{"dataset_annotations":[{"id":"a","response":{}}]}`,
		`{"dataset_annotations":[{"id":"a","response":{ "x" : [ 1 , { "y" : "z w" } ] , "role" : 5 }}]}`,
		`{"dataset_annotations":[{"id":"a","response":{"ROLE":"a","Content":[1, 2]}}]}`,
		`{"dataset_annotations":[{"id":"a","response":{"role":null,"content":"x"}}]}`,
		`{"dataset_annotations":[{"id":"a","response":{"content":"a","content":"b"}}]}`,
		`{"dataset_annotations":[{"id":"a","response":{"content":"a","role":1,"role":"x"}}]}`,
		`{"dataset_annotations":[{"id":"a","response":[1, 2]}]}`, `{"dataset_annotations":[{"id":"a","response":12}]}`,
		`{"dataset_annotations":[{"id":"a","response":true}]}`, `{"dataset_annotations":[{"id":"a","response":"x","response":null}]}`,
		`{"dataset_annotations":[{"id":"a","response":{"content":{"role":"x"}}}]}`,
		// Ground truths.
		`{"dataset_annotations":[{"id":"a","ground_truth":1.0},{"id":"b","ground_truth":1e0},{"id":"c","ground_truth":-0},{"id":"d","ground_truth":"-3"}]}`,
		`{"dataset_annotations":[{"id":"a","ground_truth":1.5}]}`, `{"dataset_annotations":[{"id":"a","ground_truth":1e400}]}`,
		`{"dataset_annotations":[{"id":"a","ground_truth":9007199254740993}]}`, `{"dataset_annotations":[{"id":"a","ground_truth":9007199254740993.0}]}`,
		`{"dataset_annotations":[{"id":"a","ground_truth":9007199254740995.0}]}`, `{"dataset_annotations":[{"id":"a","ground_truth":98765432109876543210}]}`,
		`{"dataset_annotations":[{"id":"a","ground_truth":-9223372036854775808}]}`, `{"dataset_annotations":[{"id":"a","ground_truth":"2.0"}]}`,
		`{"dataset_annotations":[{"id":"a","ground_truth":" 2"}]}`, `{"dataset_annotations":[{"id":"a","ground_truth":"0x10"}]}`,
		`{"dataset_annotations":[{"id":"a","ground_truth":"0x1p4"}]}`, `{"dataset_annotations":[{"id":"a","ground_truth":"inf"}]}`,
		`{"dataset_annotations":[{"id":"a","ground_truth":"NaN"}]}`, `{"dataset_annotations":[{"id":"a","ground_truth":"+5"}]}`,
		`{"dataset_annotations":[{"id":"a","ground_truth":"1_000"}]}`, `{"dataset_annotations":[{"id":"a","ground_truth":""}]}`,
		`{"dataset_annotations":[{"id":"a","ground_truth":true}]}`, `{"dataset_annotations":[{"id":"a","ground_truth":[1]}]}`,
		`{"dataset_annotations":[{"id":"a","ground_truth":{"a" : 1}}]}`, `{"dataset_annotations":[{"id":"a","ground_truth":"\u0032"}]}`,
		`{"dataset_annotations":[{"id":"a","ground_truth":1.5,"ground_truth":2}]}`, `{"dataset_annotations":[{"id":"a","ground_truth":2,"ground_truth":null}]}`,
		// created_at.
		`{"dataset_annotations":[{"id":"a","created_at":"t1","created_at":1}]}`, `{"dataset_annotations":[{"id":"a","created_at":null}]}`,
		`{"dataset_annotations":[{"id":"a","created_at":"t\n\u00e9"}]}`, `{"dataset_annotations":[{"id":"a","created_at":{}}]}`,
		// Unknown fields are validated.
		`{"dataset_annotations":[{"id":"a","judge_feedback":{"a":[1,{"b":null}],"c":"\u00e9"},"human_feedback":{}}]}`,
		`{"dataset_annotations":[{"id":"a","judge_feedback":{"a":[1,}}]}`, `{"dataset_annotations":[{"id":"a","x":"\q"}]}`,
		`{"dataset_annotations":[{"id":"a","x":01}]}`, `{"x":01,"dataset_annotations":[]}`, `{"x":"\ud800","dataset_annotations":[]}`,
		// Whitespace.
		" \t\r\n{ \"dataset_id\" : \"d\" ,\n \"dataset_annotations\" : [ { \"id\" : \"a\" , \"conv_prefix\" : [ { \"role\" : \"u\" , \"content\" : [ 1 , 2 ] } ] } \n ] } \n",
	}
	seeds = append(seeds, prefixes(`{"dataset_annotations":[{"id":"a","conv_prefix":[{"content":{"\u00e9\"":["\\"]}}],"response":{"role":1,"x":"\\"}}]}`)...)
	seeds = append(seeds, prefixes(`{"dataset_id":"d","dataset_annotations":[{"id":"a","db_id":"u","conv_prefix":[{"role":"user","content":"x\u00e9"},{"role":"s","content":[{"t":1}]}],"response":{"role":"r","content":"y"},"ground_truth":"2","created_at":"t","judge_feedback":{"a":[true,null,-1.5e3]}},{"id":7}],"z":1}`)...)
	return seeds
}

func FuzzUploadDecoderMatchesReference(f *testing.F) {
	for _, seed := range uploadSeeds() {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		want, wantErr := referenceDecodeUploadResponse(bytes.NewReader(data), noRedact)
		// The scanner must not depend on how the answer arrives.
		for _, r := range readersOf(data) {
			got, err := decodeUploadResponse(r.reader, noRedact)
			if msg := compareUpload(got, err, want, wantErr); msg != "" {
				t.Fatalf("%s reader, input %q: %s", r.name, data, msg)
			}
		}
	})
}

func FuzzDatasetDecoderMatchesReference(f *testing.F) {
	for _, seed := range datasetSeeds() {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		want := runDataset(referenceDecodeDataset, bytes.NewReader(data))
		for _, r := range readersOf(data) {
			got := runDataset(decodeDataset, r.reader)
			if msg := compareDataset(got, want); msg != "" {
				t.Fatalf("%s reader, input %q: %s", r.name, data, msg)
			}
		}
		// A callback's error stops the read and is returned as is.
		want = runDatasetStopping(referenceDecodeDataset, bytes.NewReader(data))
		got := runDatasetStopping(decodeDataset, bytes.NewReader(data))
		if msg := compareDataset(got, want); msg != "" {
			t.Fatalf("stopping callback, input %q: %s", data, msg)
		}
	})
}

type namedReader struct {
	name   string
	reader io.Reader
}

// readersOf gives data whole, a byte at a time, and with the end of the
// input reported together with the last bytes.
func readersOf(data []byte) []namedReader {
	return []namedReader{
		{"whole", bytes.NewReader(data)},
		{"one-byte", iotest.OneByteReader(bytes.NewReader(data))},
		{"data-EOF", iotest.DataErrReader(iotest.HalfReader(bytes.NewReader(data)))},
	}
}

func compareUpload(got *UploadResult, gotErr error, want *UploadResult, wantErr error) string {
	if (gotErr == nil) != (wantErr == nil) {
		return fmt.Sprintf("error %v, reference error %v", gotErr, wantErr)
	}
	if wantErr == nil {
		if !reflect.DeepEqual(got, want) {
			return fmt.Sprintf("result %#v, reference %#v", got, want)
		}
		return ""
	}
	if got != nil {
		return fmt.Sprintf("result %+v together with error %v", got, gotErr)
	}
	gotKind, gotIDs, gotReason := uploadErrorParts(gotErr)
	wantKind, wantIDs, wantReason := uploadErrorParts(wantErr)
	if gotKind != wantKind || !reflect.DeepEqual(gotIDs, wantIDs) {
		return fmt.Sprintf("%s error with ids %q (%v), reference %s error with ids %q (%v)", gotKind, gotIDs, gotErr, wantKind, wantIDs, wantErr)
	}
	if msg := compareReasons(gotReason, wantReason); msg != "" {
		return msg
	}
	return ""
}

// uploadErrorParts is what the upload's callers can tell of an error.
func uploadErrorParts(err error) (kind string, ids []string, reason string) {
	var ue *UnexpectedResponseError
	var unknown *OutcomeUnknownError
	switch {
	case errors.As(err, &ue):
		return "unexpected-answer", ue.PartialIDs, ue.Reason
	case errors.As(err, &unknown):
		return "outcome-unknown", unknown.PartialIDs, unknown.Error()
	}
	return fmt.Sprintf("%T", err), nil, err.Error()
}

// compareReasons checks that two problems are worded the same, except for
// malformed JSON, which the decoders may describe differently.
func compareReasons(got, want string) string {
	if isSyntaxReason(got) != isSyntaxReason(want) || !isSyntaxReason(want) && got != want {
		return fmt.Sprintf("reason %q, reference %q", got, want)
	}
	return ""
}

func isSyntaxReason(reason string) bool {
	for _, prefix := range []string{"the answer is not valid JSON: ", "invalid character ", "expected comma ", "expected colon ", `expected "]"`, `expected "}"`} {
		if strings.HasPrefix(reason, prefix) {
			return true
		}
	}
	return false
}

// datasetOutcome is everything decodeDataset's caller sees.
type datasetOutcome struct {
	id          string
	annotations []Annotation
	err         error
}

var errStop = errors.New("stop")

func runDataset(decode func(io.Reader, func(string) string, func(*Annotation) error) (string, error), r io.Reader) datasetOutcome {
	var out datasetOutcome
	out.id, out.err = decode(r, noRedact, func(a *Annotation) error {
		out.annotations = append(out.annotations, a.clone())
		return nil
	})
	return out
}

// runDatasetStopping is runDataset with a callback that fails on the second
// annotation.
func runDatasetStopping(decode func(io.Reader, func(string) string, func(*Annotation) error) (string, error), r io.Reader) datasetOutcome {
	var out datasetOutcome
	out.id, out.err = decode(r, noRedact, func(a *Annotation) error {
		if len(out.annotations) == 1 {
			return fmt.Errorf("callback: %w", errStop)
		}
		out.annotations = append(out.annotations, a.clone())
		return nil
	})
	return out
}

func compareDataset(got, want datasetOutcome) string {
	if got.id != want.id || !reflect.DeepEqual(got.annotations, want.annotations) {
		return fmt.Sprintf("dataset %q with %#v (error %v), reference %q with %#v (error %v)", got.id, got.annotations, got.err, want.id, want.annotations, want.err)
	}
	if (got.err == nil) != (want.err == nil) {
		return fmt.Sprintf("error %v, reference error %v", got.err, want.err)
	}
	if want.err == nil {
		return ""
	}
	var gotUE, wantUE *UnexpectedResponseError
	switch gotIs, wantIs := errors.As(got.err, &gotUE), errors.As(want.err, &wantUE); {
	case gotIs != wantIs:
		return fmt.Sprintf("error %v, reference error %v", got.err, want.err)
	case wantIs:
		if len(gotUE.PartialIDs) != 0 || len(wantUE.PartialIDs) != 0 {
			return "partial ids in a lookup error"
		}
		return compareReasons(gotUE.Reason, wantUE.Reason)
	case got.err.Error() != want.err.Error() || errors.Is(got.err, errStop) != errors.Is(want.err, errStop):
		return fmt.Sprintf("error %v, reference error %v", got.err, want.err)
	}
	return ""
}

// encoding/json allows 10000 nested arrays and objects within each value it
// decodes whole: a row, an annotation, a member of the top-level object.
// These inputs are too large to seed the fuzz targets with (the fuzzer would
// spend its time minimizing them).
func TestNestingLimitMatchesReference(t *testing.T) {
	for _, in := range []string{
		`[{"x":` + nested(maxNestingDepth-1) + `,"id":"a"}]`, `[{"x":` + nested(maxNestingDepth) + `,"id":"a"}]`,
		`[` + nested(maxNestingDepth) + `]`, `[` + nested(maxNestingDepth+1) + `]`,
		`{"x":` + nested(maxNestingDepth) + `}`, `{"x":` + nested(maxNestingDepth+1) + `}`,
	} {
		want, wantErr := referenceDecodeUploadResponse(strings.NewReader(in), noRedact)
		got, err := decodeUploadResponse(strings.NewReader(in), noRedact)
		if msg := compareUpload(got, err, want, wantErr); msg != "" {
			t.Errorf("upload of %.40s…: %.500s", in, msg)
		}
	}
	for _, in := range []string{
		`{"dataset_annotations":[{"id":"a","x":` + nested(maxNestingDepth-1) + `}]}`,
		`{"dataset_annotations":[{"id":"a","x":` + nested(maxNestingDepth) + `}]}`,
		`{"x":` + nested(maxNestingDepth) + `,"dataset_annotations":[]}`,
		`{"x":` + nested(maxNestingDepth+1) + `,"dataset_annotations":[]}`,
		`{"dataset_annotations":[{"id":"a","conv_prefix":[{"content":` + nested(maxNestingDepth-3) + `}]}]}`,
		`{"dataset_annotations":[{"id":"a","conv_prefix":[{"content":` + nested(maxNestingDepth-2) + `}]}]}`,
		`{"dataset_annotations":[{"id":"a","response":{"content":` + nested(maxNestingDepth-2) + `}}]}`,
		`{"dataset_annotations":[{"id":"a","response":{"content":` + nested(maxNestingDepth-1) + `}}]}`,
	} {
		want := runDataset(referenceDecodeDataset, strings.NewReader(in))
		if msg := compareDataset(runDataset(decodeDataset, strings.NewReader(in)), want); msg != "" {
			t.Errorf("lookup of %.60s…: %.500s", in, msg)
		}
	}
}

// The clone that decodeAll keeps must not change when the decoder reuses
// its buffers for the next annotation.
func TestDecodeAllKeepsEachAnnotation(t *testing.T) {
	in := `{"dataset_annotations":[
		{"id":"a","conv_prefix":[{"role":"user","content":"one"},{"role":"assistant","content":"two"}],"response":"r1","ground_truth":1},
		{"id":"b","conv_prefix":[{"role":"system","content":"three"}],"response":"r2","ground_truth":2},
		{"id":"c"}]}`
	got, err := decodeAll(strings.NewReader(in), noRedact)
	if err != nil {
		t.Fatal(err)
	}
	want, err := referenceDecodeAll(strings.NewReader(in), noRedact)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

// Large answers cross the scanner's buffer many times over.
func TestDecodersMatchReferenceOnLargeAnswers(t *testing.T) {
	data := lookupAnswer(t, 3000)
	want := runDataset(referenceDecodeDataset, bytes.NewReader(data))
	for _, r := range readersOf(data) {
		if msg := compareDataset(runDataset(decodeDataset, r.reader), want); msg != "" {
			t.Errorf("%s reader: %.2000s", r.name, msg)
		}
	}

	var buf bytes.Buffer
	buf.WriteByte('[')
	for i := range 3000 {
		if i > 0 {
			buf.WriteString(",\n")
		}
		fmt.Fprintf(&buf, `{"conv_prefix":[{"role":"user","content":"%s \u00e9 %d"}],"id":"row-%d","response":{"role":"assistant","content":"ok"}}`, strings.Repeat("x", i%300), i, i)
	}
	buf.WriteByte(']')
	wantRes, wantErr := referenceDecodeUploadResponse(bytes.NewReader(buf.Bytes()), noRedact)
	for _, r := range readersOf(buf.Bytes()) {
		got, err := decodeUploadResponse(r.reader, noRedact)
		if msg := compareUpload(got, err, wantRes, wantErr); msg != "" {
			t.Errorf("%s reader: %.2000s", r.name, msg)
		}
	}
}

// failingAfter gives data, then fails with err: alone in a later read, or
// together with the last bytes.
func failingAfter(data string, err error, together bool) io.Reader {
	if together {
		return iotest.DataErrReader(io.MultiReader(strings.NewReader(data), errReader{err}))
	}
	return io.MultiReader(strings.NewReader(data), errReader{err})
}

// A connection that fails at any byte of a well-formed answer loses the same
// rows or annotations, and fails the same way, with either decoder; after
// the whole answer, it loses nothing.
func TestDecodersMatchReferenceOnReadErrors(t *testing.T) {
	const rows = ` [{"id":"a","x":[1,"\u00e9"]},{"id":12},{"ID":"c"}] `
	for cut := range len(rows) + 1 {
		for _, together := range []bool{false, true} {
			want, wantErr := referenceDecodeUploadResponse(failingAfter(rows[:cut], syscall.ECONNRESET, together), noRedact)
			got, err := decodeUploadResponse(failingAfter(rows[:cut], syscall.ECONNRESET, together), noRedact)
			if msg := compareUpload(got, err, want, wantErr); msg != "" {
				t.Errorf("upload cut at %d (%q), error with the data %v: %s", cut, rows[:cut], together, msg)
			}
			if errors.Is(err, syscall.ECONNRESET) != errors.Is(wantErr, syscall.ECONNRESET) {
				t.Errorf("upload cut at %d: error %v, reference error %v", cut, err, wantErr)
			}
		}
	}

	const lookup = ` {"dataset_id":"d","dataset_annotations":[{"id":"a","conv_prefix":[{"role":"u","content":"x"}],"ground_truth":1.0},{"id":7}],"z":[true]} `
	for cut := range len(lookup) + 1 {
		for _, together := range []bool{false, true} {
			want := runDataset(referenceDecodeDataset, failingAfter(lookup[:cut], syscall.ECONNRESET, together))
			got := runDataset(decodeDataset, failingAfter(lookup[:cut], syscall.ECONNRESET, together))
			if msg := compareDataset(got, want); msg != "" {
				t.Errorf("lookup cut at %d (%q), error with the data %v: %s", cut, lookup[:cut], together, msg)
			}
			if errors.Is(got.err, syscall.ECONNRESET) != errors.Is(want.err, syscall.ECONNRESET) {
				t.Errorf("lookup cut at %d: error %v, reference error %v", cut, got.err, want.err)
			}
		}
	}
}
