package rowsync

import "testing"

func TestEchoes(t *testing.T) {
	sent := []byte(`{"conv_prefix":[{"role":"user","content":"q"}],"response":{"role":"assistant","content":"a"}}`)
	body := string(sent[:len(sent)-1])
	cases := []struct {
		raw, id string
		want    bool
	}{
		{body + `,"id":"r-1"}`, "r-1", true},
		{body + `,"id":42}`, "42", true},
		{body + `,"id":"r-2"}`, "r-1", false},
		{`{"id":"r-1",` + body[1:] + `}`, "r-1", false},
		{body + `,"context":"c","id":"r-1"}`, "r-1", false},
		{body + `,"id":"r-1"}`, "", false},
		{`{"conv_prefix":[{"role":"user","content":"other"}],"response":{"role":"assistant","content":"a"},"id":"r-1"}`, "r-1", false},
		{body + `}`, "r-1", false},
	}
	for _, tc := range cases {
		if got := echoes([]byte(tc.raw), sent, tc.id); got != tc.want {
			t.Errorf("echoes(%s, id %q) = %v, want %v", tc.raw, tc.id, got, tc.want)
		}
	}
}
