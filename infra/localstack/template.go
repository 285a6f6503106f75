package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/goapigw/webapp/infra/lambdaweb"
)

// api is what the local stack needs from a synthesized template.
type api struct {
	Stage              string
	BinaryMediaTypes   []string
	Resources          []string // resource paths that have a method, such as "/" and "/{proxy+}"
	IntegrationTimeout time.Duration
	Function           function
}

type function struct {
	Entry        string
	MemorySize   int
	Timeout      time.Duration
	Architecture string // "arm64" or "x86_64", as the template says
	Environment  map[string]string
}

type cfnResource struct {
	Type       string          `json:"Type"`
	Properties json.RawMessage `json:"Properties"`
	Metadata   map[string]any  `json:"Metadata"`
}

// readTemplate reads the API and its function from a CloudFormation template
// written by the WebApp construct. It expects one REST API and one function.
func readTemplate(path string) (*api, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	var t struct {
		Resources map[string]cfnResource `json:"Resources"`
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("template %s: %w", path, err)
	}
	a := &api{}
	var restAPI, fnID string
	type resourceNode struct {
		parent any
		part   string
	}
	resources := map[string]resourceNode{}
	var methods []struct {
		resource any
		timeout  int
	}
	for id, r := range t.Resources {
		switch r.Type {
		case "AWS::ApiGateway::RestApi":
			if restAPI != "" {
				return nil, errors.New("template has more than one REST API; the local stack serves one")
			}
			restAPI = id
			var p struct{ BinaryMediaTypes []string }
			if err := json.Unmarshal(r.Properties, &p); err != nil {
				return nil, fmt.Errorf("RestApi %s: %w", id, err)
			}
			a.BinaryMediaTypes = p.BinaryMediaTypes
		case "AWS::ApiGateway::Stage":
			var p struct{ StageName string }
			if err := json.Unmarshal(r.Properties, &p); err != nil {
				return nil, fmt.Errorf("stage %s: %w", id, err)
			}
			a.Stage = p.StageName
		case "AWS::ApiGateway::Resource":
			var p struct {
				ParentID any `json:"ParentId"`
				PathPart string
			}
			if err := json.Unmarshal(r.Properties, &p); err != nil {
				return nil, fmt.Errorf("resource %s: %w", id, err)
			}
			resources[id] = resourceNode{parent: p.ParentID, part: p.PathPart}
		case "AWS::ApiGateway::Method":
			var p struct {
				ResourceID  any `json:"ResourceId"`
				Integration struct {
					TimeoutInMillis int
					Type            string
				}
			}
			if err := json.Unmarshal(r.Properties, &p); err != nil {
				return nil, fmt.Errorf("method %s: %w", id, err)
			}
			if p.Integration.Type == "AWS_PROXY" {
				methods = append(methods, struct {
					resource any
					timeout  int
				}{p.ResourceID, p.Integration.TimeoutInMillis})
			}
		case "AWS::Lambda::Function":
			if fnID != "" {
				return nil, errors.New("template has more than one Lambda function; the local stack serves one")
			}
			fnID = id
			var p struct {
				MemorySize    int
				Timeout       int
				Architectures []string
				Environment   struct{ Variables map[string]any }
			}
			if err := json.Unmarshal(r.Properties, &p); err != nil {
				return nil, fmt.Errorf("function %s: %w", id, err)
			}
			a.Function = function{MemorySize: p.MemorySize, Timeout: time.Duration(p.Timeout) * time.Second, Architecture: "x86_64", Environment: map[string]string{}}
			if len(p.Architectures) > 0 {
				a.Function.Architecture = p.Architectures[0]
			}
			for k, v := range p.Environment.Variables {
				if s, ok := v.(string); ok {
					a.Function.Environment[k] = s
				} else {
					fmt.Fprintf(os.Stderr, "localstack: environment variable %s is resolved at deploy time (%v); left unset locally\n", k, v)
				}
			}
			if entry, ok := r.Metadata[lambdaweb.EntryMetadataKey].(string); ok {
				a.Function.Entry = entry
			}
		}
	}
	if restAPI == "" || fnID == "" {
		return nil, fmt.Errorf("template %s has no REST API or no Lambda function", path)
	}
	if a.Function.Entry == "" {
		return nil, fmt.Errorf("template %s: the function has no %q metadata; was it made by lambdaweb.WebApp?", path, lambdaweb.EntryMetadataKey)
	}

	var pathOf func(ref any, depth int) (string, error)
	pathOf = func(ref any, depth int) (string, error) {
		if depth > 64 {
			return "", errors.New("resource tree too deep")
		}
		m, ok := ref.(map[string]any)
		if !ok {
			return "", fmt.Errorf("unexpected resource reference %v", ref)
		}
		if ga, ok := m["Fn::GetAtt"].([]any); ok && len(ga) == 2 && ga[1] == "RootResourceId" {
			return "", nil
		}
		if r, ok := m["Ref"].(string); ok {
			node, ok := resources[r]
			if !ok {
				return "", fmt.Errorf("unknown resource %s", r)
			}
			parent, err := pathOf(node.parent, depth+1)
			return parent + "/" + node.part, err
		}
		return "", fmt.Errorf("unexpected resource reference %v", ref)
	}
	for _, m := range methods {
		p, err := pathOf(m.resource, 0)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", path, err)
		}
		if p == "" {
			p = "/"
		}
		if !slices.Contains(a.Resources, p) {
			a.Resources = append(a.Resources, p)
		}
		if d := time.Duration(m.timeout) * time.Millisecond; d > a.IntegrationTimeout {
			a.IntegrationTimeout = d
		}
	}
	slices.Sort(a.Resources)
	if a.IntegrationTimeout == 0 {
		a.IntegrationTimeout = 29 * time.Second
	}
	if a.Stage == "" {
		return nil, fmt.Errorf("template %s has no API stage", path)
	}
	return a, nil
}

func (a *api) String() string {
	return fmt.Sprintf("stage %q, resources %s, binary media types %v, integration timeout %v; function %s: %d MB, %v, %s",
		a.Stage, strings.Join(a.Resources, " "), a.BinaryMediaTypes, a.IntegrationTimeout,
		a.Function.Entry, a.Function.MemorySize, a.Function.Timeout, a.Function.Architecture)
}
