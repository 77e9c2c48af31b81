// Package client talks to the Collinear API. It knows nothing of Terraform:
// the provider hands it a configuration and rows, and gets back ids or errors.
package client

import (
	"context"
	"net/http"
	"time"
)

// Logger receives the client's structured logs. The provider adapts tflog to
// it; keys and values alternate in kv. The API key never reaches it.
type Logger interface {
	Debug(msg string, kv ...any)
	Info(msg string, kv ...any)
	Warn(msg string, kv ...any)
	Error(msg string, kv ...any)
}

// Config configures a Client.
type Config struct {
	BaseURL      string        // absolute http(s) URL, e.g. https://api.collinear.ai
	APIKey       string        // sent only as "Authorization: Bearer <key>"
	UserAgent    string        // e.g. "terraform-provider-collinear/1.2.3 (+https://registry.terraform.io/providers/collinear-ai/collinear) Terraform/1.11.4"
	MaxRetries   int           // retries of a request that certainly did not reach the API or was refused (429, 503); default 4 when <0 is not given... 0 means no retry
	RetryWaitMin time.Duration // default 1s
	RetryWaitMax time.Duration // default 30s
	HTTPClient   *http.Client  // optional transport to start from (tests); nil uses a clean default
	Logger       Logger        // nil: no logs
}

// Client is safe for concurrent use.
type Client struct{}

// New checks the configuration and builds a client.
func New(cfg Config) (*Client, error) { panic("not implemented") }

// Message is one conversation turn as the API carries it.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// UploadResult is what a successful upload returned.
type UploadResult struct {
	// IDs holds one id per row the API streamed back, in the order returned,
	// numbers rendered in decimal. Nil when the API answered with the
	// {dataset_id, message} object and no rows.
	IDs       []string
	DatasetID string // from the object shape, or "" when not given
	Message   string // from the object shape
}

// Upload posts body (a JSON array of rows, already encoded) as the multipart
// "file" field (filename "rows.json", Content-Type application/json) with
// "dataset_name" and "space_id" to POST /api/v1/dataset/upload, and decodes
// the response as a stream. Retries happen only where the request certainly
// did not store anything (see the package's retry policy); otherwise a failure
// after the body may have reached the server is an *OutcomeUnknownError.
func (c *Client) Upload(ctx context.Context, spaceID, datasetName string, body []byte) (*UploadResult, error) {
	panic("not implemented")
}

// Annotation is one stored row as POST /api/v1/dataset/name returns it.
// Response is the assistant's text (not an object).
type Annotation struct {
	ID          string    `json:"id"`
	DBID        string    `json:"db_id"`
	ConvPrefix  []Message `json:"conv_prefix"`
	Response    string    `json:"response"`
	GroundTruth *int64    `json:"ground_truth"`
	CreatedAt   string    `json:"created_at"`
}

// Dataset is a dataset as the lookup returns it.
type Dataset struct {
	DatasetID   string       `json:"dataset_id"`
	Annotations []Annotation `json:"dataset_annotations"`
}

// LookupDataset calls POST /api/v1/dataset/name. A 404 whose detail is about
// the dataset returns ErrDatasetNotFound; a 404 with FastAPI's bare
// {"detail":"Not Found"} or a 405 returns ErrLookupUnavailable (the route
// does not exist on this deployment). The lookup is read-only, so it is
// retried on 429, 5xx and network errors.
func (c *Client) LookupDataset(ctx context.Context, spaceID, datasetName string) (*Dataset, error) {
	panic("not implemented")
}
