package lambdalocal

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
)

// RIE invokes a function running under the Lambda Runtime Interface Emulator
// through its invoke endpoint.
type RIE struct {
	// URL is the emulator's base URL, such as "http://127.0.0.1:9000".
	URL    string
	Client *http.Client // Default: http.DefaultClient
}

// Invoke implements Invoker.
func (r *RIE) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL+"/2015-03-31/functions/function/invocations", bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("invoke: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	c := r.Client
	if c == nil {
		c = http.DefaultClient
	}
	res, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("invoke: %w", err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(io.LimitReader(res.Body, MaxPayloadBytes+1))
	if err != nil {
		return nil, fmt.Errorf("invoke: read response: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("invoke: emulator answered %s: %s", res.Status, bytes.TrimSpace(out))
	}
	return out, nil
}
