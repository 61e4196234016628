package sapb1

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"

	"github.com/datawald/datawald/internal/sandbox"
)

// batchPart is one parsed operation of a $batch request.
type batchPart struct {
	req       request
	contentID string
	err       *apiError // a part that could not be parsed
	// ref is set when the request addresses the entity created by an
	// earlier request of the same changeset ("PATCH $1", "POST $1/Close"):
	// the referenced Content-ID and the rest of the path.
	ref, refRest string
}

// batchItem is a top-level $batch entry: one operation, or a changeset of
// operations applied all or nothing.
type batchItem struct {
	single    *batchPart
	changeset []batchPart
}

// handleBatch serves POST /b1s/v1/$batch (multipart/mixed). Operations run
// in order; each changeset runs under a journal and, when any of its
// operations fails, is rolled back and answered by that failure alone, as
// OData v3 prescribes. The answer is 202 with a multipart/mixed body.
func (v *Vendor) handleBatch(w http.ResponseWriter, r *http.Request) {
	items, err := parseBatch(r)
	if err != nil {
		writeError(w, err)
		return
	}
	boundary := "batchresponse_" + randomID()
	var out bytes.Buffer
	mw := multipart.NewWriter(&out)
	_ = mw.SetBoundary(boundary)

	v.mu.Lock()
	for _, item := range items {
		if item.single != nil {
			writeHTTPPart(mw, "", v.execPart(*item.single, r))
			continue
		}
		v.store.begin()
		results := make([]result, 0, len(item.changeset))
		created := map[string]string{} // Content-ID → resource path
		failed := -1
		for i, part := range item.changeset {
			res := v.execPart(resolveRef(part, created), r)
			if loc := res.header.Get("Location"); loc != "" && part.contentID != "" {
				_, path, _ := strings.Cut(loc, servicePath+"/")
				created[part.contentID] = path
			}
			results = append(results, res)
			if res.status >= 400 {
				failed = i
				break
			}
		}
		if failed >= 0 {
			v.store.rollback()
			writeHTTPPart(mw, item.changeset[failed].contentID, results[failed])
			continue
		}
		v.store.commit()
		csBoundary := "changesetresponse_" + randomID()
		var cs bytes.Buffer
		cw := multipart.NewWriter(&cs)
		_ = cw.SetBoundary(csBoundary)
		for i, res := range results {
			writeHTTPPart(cw, item.changeset[i].contentID, res)
		}
		_ = cw.Close()
		h := textproto.MIMEHeader{}
		h.Set("Content-Type", "multipart/mixed;boundary="+csBoundary)
		pw, _ := mw.CreatePart(h)
		_, _ = pw.Write(cs.Bytes())
	}
	v.mu.Unlock()
	_ = mw.Close()

	w.Header().Set("Content-Type", "multipart/mixed;boundary="+boundary)
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write(out.Bytes())
}

// resolveRef turns a "$<Content-ID>" address into the resource created by
// that earlier request of the changeset.
func resolveRef(p batchPart, created map[string]string) batchPart {
	if p.ref == "" || p.err != nil {
		return p
	}
	path, ok := created[p.ref]
	if !ok {
		p.err = badRequest(codeBatch, "$%s does not name an entity created earlier in this changeset", p.ref)
		return p
	}
	req, err := parseResource(p.req.method, path+p.refRest)
	if err != nil {
		p.err = err
		return p
	}
	req.query, req.header, req.body = p.req.query, p.req.header, p.req.body
	p.req, p.ref = req, ""
	return p
}

func (v *Vendor) execPart(p batchPart, outer *http.Request) result {
	if p.ref != "" && p.err == nil {
		return errorResult(badRequest(codeBatch, "$%s references are allowed inside a changeset only", p.ref))
	}
	if p.err != nil {
		return errorResult(p.err)
	}
	p.req.base = sandbox.BaseURL(outer)
	return v.exec(p.req)
}

// writeHTTPPart writes one application/http response part.
func writeHTTPPart(mw *multipart.Writer, contentID string, res result) {
	h := textproto.MIMEHeader{}
	h.Set("Content-Type", "application/http")
	h.Set("Content-Transfer-Encoding", "binary")
	if contentID != "" {
		h.Set("Content-ID", contentID)
	}
	pw, _ := mw.CreatePart(h)
	fmt.Fprintf(pw, "HTTP/1.1 %d %s\r\n", res.status, http.StatusText(res.status))
	for k, vs := range res.header {
		for _, val := range vs {
			fmt.Fprintf(pw, "%s: %s\r\n", k, val)
		}
	}
	fmt.Fprint(pw, "\r\n")
	_, _ = pw.Write(res.body)
	fmt.Fprint(pw, "\r\n")
}

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// parseBatch reads the multipart/mixed body of a $batch request.
func parseBatch(r *http.Request) ([]batchItem, *apiError) {
	mediaType, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/mixed" || params["boundary"] == "" {
		return nil, badRequest(codeBatch, "A $batch request needs Content-Type: multipart/mixed;boundary=...")
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	var items []batchItem
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, badRequest(codeBatch, "Malformed $batch body: %v", err)
		}
		pt, pp, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		switch pt {
		case "application/http":
			p := parseHTTPPart(part, part.Header.Get("Content-ID"))
			items = append(items, batchItem{single: &p})
		case "multipart/mixed":
			cs, err := parseChangeset(part, pp["boundary"])
			if err != nil {
				return nil, err
			}
			items = append(items, batchItem{changeset: cs})
		default:
			return nil, badRequest(codeBatch, "Unsupported $batch part Content-Type '%s'", part.Header.Get("Content-Type"))
		}
	}
	if len(items) == 0 {
		return nil, badRequest(codeBatch, "The $batch request contains no operations")
	}
	return items, nil
}

func parseChangeset(body io.Reader, boundary string) ([]batchPart, *apiError) {
	if boundary == "" {
		return nil, badRequest(codeBatch, "A changeset needs a boundary")
	}
	mr := multipart.NewReader(body, boundary)
	var parts []batchPart
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, badRequest(codeBatch, "Malformed changeset: %v", err)
		}
		p := parseHTTPPart(part, part.Header.Get("Content-ID"))
		if p.err == nil && p.req.method == http.MethodGet {
			return nil, badRequest(codeBatch, "A changeset cannot contain GET requests")
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return nil, badRequest(codeBatch, "Empty changeset")
	}
	return parts, nil
}

// parseHTTPPart reads an embedded request: a request line ("POST
// /b1s/v1/Orders HTTP/1.1", the version optional), headers, a blank line and
// the body.
func parseHTTPPart(r io.Reader, contentID string) batchPart {
	br := bufio.NewReader(r)
	tp := textproto.NewReader(br)
	line, err := tp.ReadLine()
	for err == nil && strings.TrimSpace(line) == "" {
		line, err = tp.ReadLine()
	}
	if err != nil {
		return batchPart{contentID: contentID, err: badRequest(codeBatch, "Empty $batch operation")}
	}
	fields := strings.Fields(line)
	if len(fields) < 2 {
		return batchPart{contentID: contentID, err: badRequest(codeBatch, "Malformed request line '%s'", line)}
	}
	header, err := tp.ReadMIMEHeader()
	if err != nil && err != io.EOF {
		return batchPart{contentID: contentID, err: badRequest(codeBatch, "Malformed headers in '%s': %v", line, err)}
	}
	body, _ := io.ReadAll(br)
	body = bytes.TrimRight(body, "\r\n")

	target := fields[1]
	if u, err := url.Parse(target); err == nil && u.IsAbs() {
		target = u.RequestURI()
	}
	target = strings.TrimPrefix(target, servicePath+"/")
	target = strings.TrimPrefix(target, "/")
	path, rawQuery, _ := strings.Cut(target, "?")
	if unescaped, err := url.PathUnescape(path); err == nil {
		path = unescaped
	}
	method := strings.ToUpper(fields[0])
	query, _ := url.ParseQuery(rawQuery)
	if ref, ok := strings.CutPrefix(path, "$"); ok {
		id, rest, _ := strings.Cut(ref, "/")
		if rest != "" {
			rest = "/" + rest
		}
		return batchPart{contentID: contentID, ref: id, refRest: rest,
			req: request{method: method, query: query, header: http.Header(header), body: body}}
	}
	req, perr := parseResource(method, path)
	if perr != nil {
		return batchPart{contentID: contentID, err: perr}
	}
	req.query, req.header, req.body = query, http.Header(header), body
	return batchPart{req: req, contentID: contentID}
}
