package provider

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/collinear-ai/terraform-provider-collinear/internal/emulator"
)

const (
	testAPIKey  = "test-key-5f0c1d2e9a8b7c6d"
	testSpaceID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
)

var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"collinear": providerserver.NewProtocol6WithError(New("test")()),
}

// runTempDir holds what the whole test run shares: the CLI configuration and
// the provider binary the CLI tests build once.
var runTempDir string

// TestMain gives Terraform a CLI configuration of its own: the machine's
// TF_CLI_CONFIG_FILE may point at a file that does not exist, and the tests
// must never write to the home folder.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "collinear-provider-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	runTempDir = dir
	if _, err := os.Stat(os.Getenv("TF_CLI_CONFIG_FILE")); err != nil {
		cfg := filepath.Join(dir, "terraform.rc")
		if err := os.WriteFile(cfg, []byte("disable_checkpoint = true\n"), 0o600); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Setenv("TF_CLI_CONFIG_FILE", cfg)
	}
	os.Setenv("CHECKPOINT_DISABLE", "1")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// accEnv is one acceptance test's world: an emulator of the API and a folder
// for source files.
type accEnv struct {
	t   *testing.T
	emu *emulator.Server
	dir string
}

func newAccEnv(t *testing.T) *accEnv {
	t.Helper()
	emu, err := emulator.Start(emulator.Options{APIKey: testAPIKey})
	if err != nil {
		t.Fatalf("starting the emulator: %v", err)
	}
	t.Cleanup(emu.Close)
	return &accEnv{t: t, emu: emu, dir: t.TempDir()}
}

// provider is the provider block for this environment's emulator.
func (e *accEnv) provider() string {
	return e.providerWithKey(testAPIKey)
}

func (e *accEnv) providerWithKey(key string) string {
	return fmt.Sprintf(`
provider "collinear" {
  base_url    = %q
  api_key     = %q
  max_retries = 2
}
`, e.emu.URL(), key)
}

// write puts a source file in the test's folder and returns its path.
func (e *accEnv) write(name, content string) string {
	e.t.Helper()
	p := filepath.Join(e.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// fileResource is a collinear_dataset named "test" over a file.
func (e *accEnv) fileResource(name, file string, extra ...string) string {
	return e.provider() + datasetBlock(name, file, extra...)
}

// datasetBlock is the collinear_dataset "test" over a file, without a
// provider block.
func datasetBlock(name, file string, extra ...string) string {
	return fmt.Sprintf(`
resource "collinear_dataset" "test" {
  space_id     = %q
  dataset_name = %q
  file         = %q
%s
}
`, testSpaceID, name, file, strings.Join(extra, "\n"))
}

// uploads returns the rows of each upload the emulator received, as compact
// JSON strings.
func (e *accEnv) uploads() [][]string {
	var out [][]string
	for _, r := range e.emu.Requests() {
		if r.Path != "/api/v1/dataset/upload" {
			continue
		}
		var rows []string
		for _, raw := range r.Rows {
			rows = append(rows, compact(e.t, raw))
		}
		out = append(out, rows)
	}
	return out
}

func compact(t *testing.T, raw []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("invalid JSON %q: %v", raw, err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// checkRowIDsMatchEmulator checks that row_ids are exactly the ids the
// emulator stored for the dataset, in order.
func (e *accEnv) checkRowIDsMatchEmulator(name string) func(*terraform.State) error {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources["collinear_dataset.test"]
		if !ok {
			return fmt.Errorf("collinear_dataset.test not in state")
		}
		stored := e.emu.Rows(testSpaceID, name)
		if got := rs.Primary.Attributes["row_ids.#"]; got != fmt.Sprint(len(stored)) {
			return fmt.Errorf("row_ids has %s elements, emulator stored %d rows", got, len(stored))
		}
		for i, row := range stored {
			if got := rs.Primary.Attributes[fmt.Sprintf("row_ids.%d", i)]; got != row.ID {
				return fmt.Errorf("row_ids[%d] = %q, emulator stored id %q", i, got, row.ID)
			}
		}
		return nil
	}
}

// rowJSON builds one source row as JSON.
func rowJSON(user, assistant string, groundTruth int) string {
	return fmt.Sprintf(`{"conv_prefix":[{"role":"user","content":%q}],"response":{"role":"assistant","content":%q},"ground_truth":%d}`, user, assistant, groundTruth)
}

func jsonl(rows ...string) string { return strings.Join(rows, "\n") + "\n" }
