package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// maxAdminBody bounds the JSON bodies accepted by the /_sandbox/ routes.
const maxAdminBody = 1 << 20

// AdminError is the JSON body of a failed /_sandbox/ request.
type AdminError struct {
	Error string `json:"error"`
}

func (s *Server) handleGetFaults(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Faults())
}

// handlePutFaults replaces the faults with the body; fields left out are
// zero, unknown fields are rejected.
func (s *Server) handlePutFaults(w http.ResponseWriter, r *http.Request) {
	var f Faults
	if err := decodeJSON(r, &f); err != nil {
		writeJSON(w, http.StatusBadRequest, AdminError{Error: fmt.Sprintf("decoding faults: %v", err)})
		return
	}
	if err := f.Validate(); err != nil {
		writeJSON(w, http.StatusBadRequest, AdminError{Error: fmt.Sprintf("validating faults: %v", err)})
		return
	}
	s.SetFaults(f)
	writeJSON(w, http.StatusOK, f)
}

func (s *Server) handleStats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Stats())
}

func (s *Server) handleMutate(w http.ResponseWriter, r *http.Request) {
	var req MutateRequest
	if err := decodeJSON(r, &req); err != nil {
		writeJSON(w, http.StatusBadRequest, AdminError{Error: fmt.Sprintf("decoding mutate request: %v", err)})
		return
	}
	if req.Entity == "" {
		writeJSON(w, http.StatusBadRequest, AdminError{Error: "mutate request: entity is required"})
		return
	}
	if req.Count < 0 {
		writeJSON(w, http.StatusBadRequest, AdminError{Error: fmt.Sprintf("mutate request: count must not be negative, got %d", req.Count)})
		return
	}
	res, err := s.vendor.Mutate(req)
	if err != nil {
		var bad *BadRequestError
		if errors.As(err, &bad) {
			writeJSON(w, http.StatusBadRequest, AdminError{Error: fmt.Sprintf("mutating %s: %v", req.Entity, err)})
			return
		}
		writeJSON(w, http.StatusInternalServerError, AdminError{Error: fmt.Sprintf("mutating %s: %v", req.Entity, err)})
		return
	}
	if res.Changed == nil {
		res.Changed = []string{}
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) handleReset(w http.ResponseWriter, _ *http.Request) {
	s.Reset()
	w.WriteHeader(http.StatusNoContent)
}

// decodeJSON reads one JSON value from the body, rejecting unknown fields
// and trailing data.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxAdminBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("empty body")
		}
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, fmt.Sprintf("encoding response: %v", err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
