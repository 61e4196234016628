package hubspot

import (
	"context"
	"encoding/json"
	"net/http"
)

// HubSpot's search limits.
const (
	// MaxSearchLimit is the largest search page.
	MaxSearchLimit = 200
	// MaxSearchResults is how far a search can page: asking for an offset
	// at or past it answers 400.
	MaxSearchResults = 10000
)

// Filter operators that take one value (or, for HAS_PROPERTY and
// NOT_HAS_PROPERTY, none).
const (
	OpEQ               = "EQ"
	OpNEQ              = "NEQ"
	OpLT               = "LT"
	OpLTE              = "LTE"
	OpGT               = "GT"
	OpGTE              = "GTE"
	OpContainsToken    = "CONTAINS_TOKEN"
	OpNotContainsToken = "NOT_CONTAINS_TOKEN"
	OpHasProperty      = "HAS_PROPERTY"
	OpNotHasProperty   = "NOT_HAS_PROPERTY"
)

// OperatorTakesValue reports whether a filter operator needs a value.
func OperatorTakesValue(op string) bool { return op != OpHasProperty && op != OpNotHasProperty }

// Sort directions.
const (
	Ascending  = "ASCENDING"
	Descending = "DESCENDING"
)

// Filter is one condition of a filter group.
type Filter struct {
	PropertyName string `json:"propertyName"`
	Operator     string `json:"operator"`
	Value        string `json:"value,omitempty"`
}

// FilterGroup holds filters that must all match (AND); the groups of a
// request are ORed.
type FilterGroup struct {
	Filters []Filter `json:"filters"`
}

// Sort orders search results by one property.
type Sort struct {
	PropertyName string `json:"propertyName"`
	Direction    string `json:"direction"`
}

// SearchRequest is PublicObjectSearchRequest. HubSpot takes one sort.
type SearchRequest struct {
	FilterGroups []FilterGroup `json:"filterGroups"`
	Sorts        []Sort        `json:"sorts,omitempty"`
	Properties   []string      `json:"properties,omitempty"`
	Limit        int           `json:"limit"`
	After        string        `json:"after,omitempty"`
}

// SearchPage is one page of search results, in the requested order. Next
// is the `after` value of the next page, empty on the last page. Total is
// the number of matches over all pages.
type SearchPage struct {
	Total   int
	Results []Object
	Next    string
}

// Search runs POST {prefix}/objects/{objectType}/search and returns one
// page. The call only reads, so httpx may repeat it after a transient
// failure.
//
// HubSpot API docs: https://developers.hubspot.com/docs/api-reference/search/guide
func (c *Client) Search(ctx context.Context, objectType string, req SearchRequest) (SearchPage, error) {
	var out struct {
		Total   int               `json:"total"`
		Results []json.RawMessage `json:"results"`
		Paging  struct {
			Next struct {
				After string `json:"after"`
			} `json:"next"`
		} `json:"paging"`
	}
	if req.FilterGroups == nil {
		req.FilterGroups = []FilterGroup{}
	}
	_, err := c.do(ctx, call{
		method:     http.MethodPost,
		path:       objectsPath(objectType) + "/search",
		endpoint:   "/objects/{objectType}/search",
		body:       req,
		idempotent: true,
	}, &out)
	if err != nil {
		return SearchPage{}, &ObjectError{Op: "searching", ObjectType: objectType, Err: err}
	}
	page := SearchPage{Total: out.Total, Next: out.Paging.Next.After, Results: make([]Object, 0, len(out.Results))}
	for i, raw := range out.Results {
		o, err := decodeObject(raw)
		if err != nil {
			return SearchPage{}, &ObjectError{Op: "searching", ObjectType: objectType, Err: fmtResultErr(i, err)}
		}
		page.Results = append(page.Results, o)
	}
	return page, nil
}
