package workertest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// A mock-<host>.json file may also hold MockServer expectations, the
// form `aio asset-compute test-worker` reads: a JSON array (or one
// object) of
//
//	{"httpRequest":  {"method": "GET", "path": "/file",
//	                  "queryStringParameters": {"q": ["a.*"]},
//	                  "headers": {"Authorization": ["Bearer .*"]},
//	                  "body": "exact text" | {"type": "STRING"|"JSON"|"REGEX", ...}},
//	 "httpResponse": {"statusCode": 200, "headers": {"Content-Type": ["text/plain"]},
//	                  "body": "text" | {"type": "STRING"|"JSON"|"BINARY", ...} | {...}},
//	 "times": {"remainingTimes": 1}, "priority": 0}
//
// path, header and parameter values match exactly or as a regular
// expression, as MockServer does; a request nothing matches gets 404 and
// is reported when the case fails. Only httpResponse actions are
// supported (not forwards, callbacks or errors).
//
// The worker reaches such a stand-in under the host's own name, as in
// aio's Docker network: the case's activation runs with HTTPS_PROXY and
// HTTP_PROXY pointing at a local proxy that sends the mocked hosts'
// requests (https through a certificate for the host, signed by a
// per-run authority in SSL_CERT_FILE) to their stand-ins and refuses
// every other host. Go's HTTP clients follow these variables; package
// transfer follows them in local mode (Options.AllowPrivateNetworks).

// msExpectation is one MockServer expectation.
type msExpectation struct {
	HTTPRequest  msRequest       `json:"httpRequest"`
	HTTPResponse *msResponse     `json:"httpResponse"`
	Times        *msTimes        `json:"times"`
	Priority     int             `json:"priority"`
	HTTPForward  json.RawMessage `json:"httpForward"`
	HTTPError    json.RawMessage `json:"httpError"`

	path    *regexp.Regexp
	query   map[string][]*regexp.Regexp
	headers map[string][]*regexp.Regexp
	body    func([]byte) bool
	used    int
}

type msRequest struct {
	Method                string          `json:"method"`
	Path                  string          `json:"path"`
	QueryStringParameters json.RawMessage `json:"queryStringParameters"`
	Headers               json.RawMessage `json:"headers"`
	Body                  json.RawMessage `json:"body"`
}

type msResponse struct {
	StatusCode   int             `json:"statusCode"`
	ReasonPhrase string          `json:"reasonPhrase"`
	Headers      json.RawMessage `json:"headers"`
	Body         json.RawMessage `json:"body"`
}

type msTimes struct {
	RemainingTimes int  `json:"remainingTimes"`
	Unlimited      bool `json:"unlimited"`
}

// isMockServerFile reports whether b holds MockServer expectations (an
// array, or an object with httpRequest) rather than a Mock.
func isMockServerFile(b []byte) bool {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		return true
	}
	var probe map[string]json.RawMessage
	if json.Unmarshal(b, &probe) != nil {
		return false
	}
	_, ok := probe["httpRequest"]
	return ok
}

// parseExpectations reads MockServer expectations.
func parseExpectations(b []byte) ([]*msExpectation, error) {
	b = bytes.TrimSpace(b)
	var list []*msExpectation
	if len(b) > 0 && b[0] == '[' {
		if err := json.Unmarshal(b, &list); err != nil {
			return nil, err
		}
	} else {
		var one msExpectation
		if err := json.Unmarshal(b, &one); err != nil {
			return nil, err
		}
		list = []*msExpectation{&one}
	}
	for i, e := range list {
		if e == nil || e.HTTPResponse == nil || e.HTTPForward != nil || e.HTTPError != nil {
			return nil, fmt.Errorf("expectation %d: only httpResponse actions are supported", i)
		}
		var err error
		if e.path, err = valueMatcher(e.HTTPRequest.Path); err != nil {
			return nil, fmt.Errorf("expectation %d: path: %w", i, err)
		}
		if e.query, err = multiMatcher(e.HTTPRequest.QueryStringParameters); err != nil {
			return nil, fmt.Errorf("expectation %d: queryStringParameters: %w", i, err)
		}
		if e.headers, err = multiMatcher(e.HTTPRequest.Headers); err != nil {
			return nil, fmt.Errorf("expectation %d: headers: %w", i, err)
		}
		if e.body, err = bodyMatcher(e.HTTPRequest.Body); err != nil {
			return nil, fmt.Errorf("expectation %d: body: %w", i, err)
		}
		if _, err := responseBody(e.HTTPResponse.Body); err != nil {
			return nil, fmt.Errorf("expectation %d: httpResponse body: %w", i, err)
		}
		if _, err := multiValues(e.HTTPResponse.Headers); err != nil {
			return nil, fmt.Errorf("expectation %d: httpResponse headers: %w", i, err)
		}
	}
	// MockServer answers with the highest priority first, then in order.
	sort.SliceStable(list, func(i, j int) bool { return list[i].Priority > list[j].Priority })
	return list, nil
}

// valueMatcher matches a value exactly or as a whole regular expression;
// nil (match anything) for "".
func valueMatcher(s string) (*regexp.Regexp, error) {
	if s == "" {
		return nil, nil
	}
	re, err := regexp.Compile("^(?:" + s + ")$")
	if err != nil {
		return regexp.MustCompile("^" + regexp.QuoteMeta(s) + "$"), nil
	}
	return re, nil
}

// multiValues reads MockServer's two forms of multi-valued maps:
// {"name": ["v", ...]} (or "v") and [{"name": "n", "values": ["v"]}].
func multiValues(raw json.RawMessage) (map[string][]string, error) {
	out := map[string][]string{}
	if len(raw) == 0 || string(raw) == "null" {
		return out, nil
	}
	var asMap map[string]json.RawMessage
	if json.Unmarshal(raw, &asMap) == nil {
		for k, v := range asMap {
			var vs []string
			if json.Unmarshal(v, &vs) != nil {
				var one string
				if err := json.Unmarshal(v, &one); err != nil {
					return nil, fmt.Errorf("%s: want a string or a list of strings", k)
				}
				vs = []string{one}
			}
			out[k] = vs
		}
		return out, nil
	}
	var asList []struct {
		Name   string   `json:"name"`
		Values []string `json:"values"`
	}
	if err := json.Unmarshal(raw, &asList); err != nil {
		return nil, fmt.Errorf("want {name: [values]} or [{name, values}]")
	}
	for _, e := range asList {
		out[e.Name] = append(out[e.Name], e.Values...)
	}
	return out, nil
}

func multiMatcher(raw json.RawMessage) (map[string][]*regexp.Regexp, error) {
	vals, err := multiValues(raw)
	if err != nil {
		return nil, err
	}
	out := map[string][]*regexp.Regexp{}
	for k, vs := range vals {
		for _, v := range vs {
			re, err := valueMatcher(v)
			if err != nil {
				return nil, err
			}
			if re == nil {
				re = regexp.MustCompile("^$")
			}
			out[k] = append(out[k], re)
		}
	}
	return out, nil
}

// bodyMatcher reads a request body matcher: a string (exact), or
// {"type": "STRING", "string": ..., "subString": bool},
// {"type": "REGEX", "regex": ...} or {"type": "JSON", "json": ...,
// "matchType": "STRICT"|"ONLY_MATCHING_FIELDS"}.
func bodyMatcher(raw json.RawMessage) (func([]byte) bool, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return func(b []byte) bool { return string(b) == s }, nil
	}
	var m struct {
		Type      string          `json:"type"`
		String    string          `json:"string"`
		SubString bool            `json:"subString"`
		Regex     string          `json:"regex"`
		JSON      json.RawMessage `json:"json"`
		MatchType string          `json:"matchType"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	switch strings.ToUpper(m.Type) {
	case "STRING":
		if m.SubString {
			return func(b []byte) bool { return strings.Contains(string(b), m.String) }, nil
		}
		return func(b []byte) bool { return string(b) == m.String }, nil
	case "REGEX":
		re, err := regexp.Compile("^(?:" + m.Regex + ")$")
		if err != nil {
			return nil, err
		}
		return func(b []byte) bool { return re.Match(b) }, nil
	case "JSON":
		want := m.JSON
		var js string
		if json.Unmarshal(want, &js) == nil {
			want = json.RawMessage(js)
		}
		var w any
		if err := json.Unmarshal(want, &w); err != nil {
			return nil, fmt.Errorf("json: %w", err)
		}
		strict := strings.EqualFold(m.MatchType, "STRICT")
		return func(b []byte) bool {
			var got any
			return json.Unmarshal(b, &got) == nil && jsonMatches(w, got, strict)
		}, nil
	}
	return nil, fmt.Errorf("unsupported body matcher type %q (STRING, REGEX or JSON)", m.Type)
}

// jsonMatches reports whether got has want's fields (every field, and no
// other, when strict).
func jsonMatches(want, got any, strict bool) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || (strict && len(g) != len(w)) {
			return false
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok || !jsonMatches(wv, gv, strict) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !jsonMatches(w[i], g[i], strict) {
				return false
			}
		}
		return true
	}
	wb, _ := json.Marshal(want)
	gb, _ := json.Marshal(got)
	return bytes.Equal(wb, gb)
}

// responseBody reads a response body: a string, {"type": "STRING",
// "string"}, {"type": "JSON", "json"}, {"type": "BINARY", "base64Bytes"},
// or any other JSON value, sent as JSON. It returns the bytes and, when
// the body says, a content type.
func responseBody(raw json.RawMessage) (body []byte, err error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []byte(s), nil
	}
	var m struct {
		Type        string          `json:"type"`
		String      string          `json:"string"`
		JSON        json.RawMessage `json:"json"`
		Base64Bytes string          `json:"base64Bytes"`
	}
	if json.Unmarshal(raw, &m) == nil {
		switch strings.ToUpper(m.Type) {
		case "STRING":
			return []byte(m.String), nil
		case "JSON":
			if json.Unmarshal(m.JSON, &s) == nil {
				return []byte(s), nil
			}
			return m.JSON, nil
		case "BINARY":
			return base64.StdEncoding.DecodeString(m.Base64Bytes)
		case "":
		default:
			return nil, fmt.Errorf("unsupported body type %q (STRING, JSON or BINARY)", m.Type)
		}
	}
	return raw, nil
}

// matches reports whether the expectation answers req with body b.
func (e *msExpectation) matches(req *http.Request, b []byte) bool {
	if e.Times != nil && !e.Times.Unlimited && e.used >= e.Times.RemainingTimes {
		return false
	}
	r := e.HTTPRequest
	if r.Method != "" && !strings.EqualFold(r.Method, req.Method) {
		return false
	}
	if e.path != nil && !e.path.MatchString(req.URL.Path) {
		return false
	}
	if !valuesMatch(e.query, func(k string) []string { return req.URL.Query()[k] }) ||
		!valuesMatch(e.headers, func(k string) []string { return req.Header.Values(k) }) {
		return false
	}
	return e.body == nil || e.body(b)
}

// valuesMatch reports whether every wanted value matches one of the
// request's values of its name.
func valuesMatch(want map[string][]*regexp.Regexp, got func(string) []string) bool {
	for k, res := range want {
		have := got(k)
		for _, re := range res {
			ok := false
			for _, v := range have {
				if re.MatchString(v) {
					ok = true
					break
				}
			}
			if !ok {
				return false
			}
		}
	}
	return true
}

// serveExpectations answers req from the MockServer expectations.
func (m *mockServer) serveExpectations(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(io.LimitReader(req.Body, 64<<20))
	m.mu.Lock()
	var hit *msExpectation
	for _, e := range m.expectations {
		if e.matches(req, b) {
			hit = e
			e.used++
			break
		}
	}
	if hit == nil {
		m.unmatched = append(m.unmatched, req.Method+" "+req.URL.RequestURI())
	}
	m.mu.Unlock()
	if hit == nil {
		http.Error(w, fmt.Sprintf("mock %s: no expectation matches %s %s", m.host, req.Method, req.URL.Path), http.StatusNotFound)
		return
	}
	resp := hit.HTTPResponse
	headers, _ := multiValues(resp.Headers)
	for k, vs := range headers {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	body, _ := responseBody(resp.Body)
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// mockAuthority is the certificate authority of a run's stand-ins.
type mockAuthority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	// file holds the authority's certificate, PEM, for SSL_CERT_FILE.
	file string
}

// newMockAuthority makes an authority and writes its certificate in dir.
func newMockAuthority(dir string) (*mockAuthority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "acs test-worker stand-ins"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, "stand-ins-ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return nil, err
	}
	return &mockAuthority{cert: cert, key: key, file: file}, nil
}

// leaf returns a server certificate for host.
func (a *mockAuthority) leaf(host string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: host},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		tmpl.IPAddresses = []net.IP{net.IP(ip.AsSlice())}
	} else {
		tmpl.DNSNames = []string{host}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, &key.PublicKey, a.key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// startTLS starts m's https listener with a certificate for its host.
func (m *mockServer) startTLS(ca *mockAuthority) error {
	cert, err := ca.leaf(m.host)
	if err != nil {
		return fmt.Errorf("workertest: certificate for %s: %w", m.host, err)
	}
	m.tlsSrv = httptest.NewUnstartedServer(http.HandlerFunc(m.serve))
	m.tlsSrv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	m.tlsSrv.StartTLS()
	return nil
}

// mockProxy is the forward proxy a case's activation uses: it sends the
// requests for mocked hosts to their stand-ins and refuses the others.
type mockProxy struct {
	srv   *httptest.Server
	hosts map[string]*mockServer

	mu      sync.Mutex
	refused []string
}

func newMockProxy(mocks []*mockServer) *mockProxy {
	p := &mockProxy{hosts: map[string]*mockServer{}}
	for _, m := range mocks {
		p.hosts[strings.ToLower(m.host)] = m
	}
	p.srv = httptest.NewServer(p)
	return p
}

func (p *mockProxy) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	host := strings.ToLower(req.URL.Hostname())
	if host == "" {
		host = strings.ToLower(req.Host)
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
	}
	m := p.hosts[host]
	if m == nil {
		p.mu.Lock()
		p.refused = append(p.refused, host)
		p.mu.Unlock()
		http.Error(w, "acs test-worker: no stand-in (mock-"+host+".json) for "+host, http.StatusBadGateway)
		return
	}
	if req.Method != http.MethodConnect {
		m.serve(w, req)
		return
	}
	if m.tlsSrv == nil {
		http.Error(w, "acs test-worker: no https stand-in for "+host, http.StatusBadGateway)
		return
	}
	upstream, err := net.Dial("tcp", m.tlsSrv.Listener.Addr().String())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		_ = upstream.Close()
		http.Error(w, "cannot tunnel", http.StatusInternalServerError)
		return
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		_ = upstream.Close()
		return
	}
	_, _ = conn.Write([]byte("HTTP/1.1 200 Connection Established\r\n\r\n"))
	go tunnel(upstream, rw.Reader, conn)
	go tunnel(conn, upstream, upstream)
}

// tunnel copies from src to dst, then closes both ends it was given.
func tunnel(dst net.Conn, src io.Reader, closer io.Closer) {
	_, _ = io.Copy(dst, src)
	_ = dst.Close()
	_ = closer.Close()
}

// env returns the variables that route an activation through the proxy.
func (p *mockProxy) env(ca *mockAuthority) map[string]string {
	return map[string]string{
		"HTTPS_PROXY":   p.srv.URL,
		"HTTP_PROXY":    p.srv.URL,
		"https_proxy":   p.srv.URL,
		"http_proxy":    p.srv.URL,
		"SSL_CERT_FILE": ca.file,
	}
}

// problems describes the hosts the proxy refused.
func (p *mockProxy) problems() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.refused) == 0 {
		return ""
	}
	return "requests to hosts without a stand-in were refused: " + strings.Join(p.refused, ", ")
}

func (p *mockProxy) close() { p.srv.Close() }
