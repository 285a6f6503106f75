package lambdalocal

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// RIE invokes a function running under the Lambda Runtime Interface Emulator
// through its invoke endpoint. A function error is returned as its error
// document ({"errorMessage": …, "errorType": …}), not as an error.
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
		// A function that failed (a crash, a response too large) gets a
		// non-200 with its error document; like the Lambda Invoke API (and
		// RuntimeAPI.Invoke), hand that document on as the output, so that
		// callers see one form of function error.
		var fe struct {
			Message string `json:"errorMessage"`
		}
		if json.Unmarshal(out, &fe) == nil && fe.Message != "" {
			return out, nil
		}
		return nil, fmt.Errorf("invoke: emulator answered %s: %s", res.Status, bytes.TrimSpace(out))
	}
	return out, nil
}
