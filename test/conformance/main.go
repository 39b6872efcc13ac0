// Command conformance calls every DCS route the pulumi-dcs-jobs emulator serves through the vendor's
// own Go SDK (huaweicloud-sdk-go-v3 v0.1.207, services/dcs/v2) and decodes every answer into the SDK's
// models. No code of pulumi-dcs-jobs is on this side: requests are built, signed (SDK-HMAC-SHA256,
// core/auth/basic) and decoded by the SDK alone.
//
// It prints one JSON line per call on stdout:
//
//	{"operation":"ShowJobInfo","for":"UpdateSslSwitch","ok":true,"status":200,"error":""}
//
// and exits 1 when any call failed: a decode error (the SDK could not read the answer into its model),
// a refused request (HTTP >= 400), a wrong status, or a check of a format the SDK documents (job times
// as 13-digit epoch-ms strings, the SDK's enums). A route the emulator does not serve (the gateway's
// 404 APIGW.0101 "API not found") is reported as "not served yet" ("served":false); it fails too unless
// -allow-unserved is given. Exit 2: bad usage.
//
// The operations are one table (ops.go): each entry builds one SDK request. Path parameters and
// bodies come from the -params JSON file (see paramsFile); the bodies are decoded into the SDK's own
// request-body models with unknown fields refused, so a body field the SDK does not know is an error.
//
// Plain http:// endpoints: the SDK's HcHttpClientBuilder keeps an endpoint that starts with "http" as
// it is and prefixes "https://" only to bare host names (core/hc_http_client_builder.go SafeBuild), so
// http://127.0.0.1:PORT works without a workaround. -insecure sets HttpConfig.IgnoreSSLVerification for
// an https endpoint with a self-signed certificate.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/httphandler"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	dcs "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/dcs/v2"
)

// result is one output line.
type result struct {
	Operation string `json:"operation"`
	// For follow-up calls (ShowJobInfo, ListBackgroundTask, ShowBackgroundTaskProgress after a start):
	// the operation whose job or task they read.
	For    string `json:"for,omitempty"`
	Target string `json:"target,omitempty"`
	OK     bool   `json:"ok"`
	Served bool   `json:"served"`
	Status int    `json:"status"`
	Error  string `json:"error"`
	// decode | refused | status | check | unserved | network | input
	ErrorKind string `json:"error_kind,omitempty"`
	// The error code the SDK read from a refusal's body (ServiceResponseError.ErrorCode).
	ErrorCode string   `json:"error_code,omitempty"`
	JobID     string   `json:"job_id,omitempty"`
	JobStatus string   `json:"job_status,omitempty"`
	JobType   string   `json:"job_type,omitempty"`
	TaskID    string   `json:"task_id,omitempty"`
	Polls     int      `json:"polls,omitempty"`
	Warnings  []string `json:"warnings,omitempty"`
	// Placeholder: the -params file had no entry for this operation, placeholder IDs were sent.
	Placeholder bool `json:"placeholder,omitempty"`
}

// opParams are the inputs of one operation: path parameters and the request body (raw JSON, decoded
// into the SDK's body model).
type opParams struct {
	InstanceID string          `json:"instance_id,omitempty"`
	GroupID    string          `json:"group_id,omitempty"`
	NodeID     string          `json:"node_id,omitempty"`
	AccountID  string          `json:"account_id,omitempty"`
	Body       json.RawMessage `json:"body,omitempty"`
	// Expected HTTP status of the start call (default 200).
	Status int `json:"status,omitempty"`
	// Skip waiting for the job (the job may never end, e.g. a hung job).
	NoWait bool `json:"no_wait,omitempty"`
	// Expected final job status (SUCCESS, FAIL); empty: either.
	JobStatus string `json:"job_status,omitempty"`
	// The call must be refused with this status and error code (as the SDK's ServiceResponseError
	// reads them from the error body): the error shapes are conformance too.
	ExpectError *expectedError `json:"expect_error,omitempty"`
}

type expectedError struct {
	Status    int    `json:"status"`
	ErrorCode string `json:"error_code"`
}

// paramsFile is the -params JSON file.
type paramsFile struct {
	// Instances read with ShowInstance and ListBackgroundTask.
	Instances []string `json:"instances"`
	// Per operation (SDK name): path parameters and body.
	Operations map[string]opParams `json:"operations"`
}

// placeholder IDs for operations the params file does not mention: a served route then answers 404
// (unknown instance), an unserved one APIGW.0101.
const placeholderID = "00000000-0000-4000-8000-00000000c0f0"

type runner struct {
	client        *dcs.DcsClient
	params        paramsFile
	only          map[string]bool
	allowUnserved bool
	jobTimeout    time.Duration
	poll          time.Duration
	failed        int
	unserved      int
	// job IDs started, in order, with the operation and instance behind them
	started []startedJob
	out     *json.Encoder
	// The body of the last answer, as the SDK's own HttpHandler hands it over (for extraFields).
	lastBody []byte
}

type startedJob struct {
	op, instanceID, jobID string
}

func envOr(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

func main() {
	os.Exit(run())
}

func run() int {
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	endpoint := fs.String("endpoint", envOr("HW_DCS_ENDPOINT"), "DCS endpoint, e.g. http://127.0.0.1:8787 (env HW_DCS_ENDPOINT)")
	projectID := fs.String("project-id", envOr("HW_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID"), "project ID (env HW_PROJECT_ID)")
	ak := fs.String("ak", "", "access key (default: env HW_ACCESS_KEY or HUAWEICLOUD_SDK_AK)")
	sk := fs.String("sk", "", "secret key (default: env HW_SECRET_KEY or HUAWEICLOUD_SDK_SK)")
	paramsPath := fs.String("params", "", "JSON file with instances and per-operation path parameters and bodies")
	only := fs.String("only", "", "comma-separated operations to run (default: all)")
	allowUnserved := fs.Bool("allow-unserved", false, "report routes the endpoint does not serve (404 APIGW.0101) as \"not served yet\" without failing")
	insecure := fs.Bool("insecure", false, "skip TLS verification (HttpConfig.IgnoreSSLVerification) for an https endpoint")
	jobTimeout := fs.Duration("job-timeout", 60*time.Second, "how long to wait for each job to end")
	poll := fs.Duration("poll", 100*time.Millisecond, "ShowJobInfo poll interval")
	timeout := fs.Duration("timeout", 15*time.Second, "HTTP timeout per request (HttpConfig.Timeout)")
	list := fs.Bool("list", false, "print the operation table (one JSON line per operation) and exit")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return 2
	}
	if *list {
		enc := json.NewEncoder(os.Stdout)
		for _, e := range table {
			_ = enc.Encode(map[string]any{"operation": e.name, "kind": e.kind, "path_params": e.pathParams})
		}
		return 0
	}
	if *ak == "" {
		*ak = envOr("HW_ACCESS_KEY", "HUAWEICLOUD_SDK_AK")
	}
	if *sk == "" {
		*sk = envOr("HW_SECRET_KEY", "HUAWEICLOUD_SDK_SK")
	}
	var missing []string
	for name, v := range map[string]string{"-endpoint": *endpoint, "-project-id": *projectID, "-ak": *ak, "-sk": *sk} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(os.Stderr, "conformance: missing %s (flags or HW_DCS_ENDPOINT, HW_PROJECT_ID, HW_ACCESS_KEY, HW_SECRET_KEY)\n", strings.Join(missing, ", "))
		return 2
	}

	r := &runner{allowUnserved: *allowUnserved, jobTimeout: *jobTimeout, poll: *poll, out: json.NewEncoder(os.Stdout)}
	if *paramsPath != "" {
		data, err := os.ReadFile(*paramsPath)
		if err == nil {
			err = json.Unmarshal(data, &r.params)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "conformance: -params %s: %v\n", *paramsPath, err)
			return 2
		}
	}
	known := map[string]bool{}
	for _, e := range table {
		known[e.name] = true
	}
	for name := range r.params.Operations {
		if !known[name] {
			fmt.Fprintf(os.Stderr, "conformance: -params names an unknown operation %q\n", name)
			return 2
		}
	}
	if *only != "" {
		r.only = map[string]bool{}
		for _, n := range strings.Split(*only, ",") {
			n = strings.TrimSpace(n)
			if !known[n] {
				fmt.Fprintf(os.Stderr, "conformance: -only names an unknown operation %q\n", n)
				return 2
			}
			r.only[n] = true
		}
	}

	// The vendor's client, as its README builds one: basic (AK/SK) credentials with a project ID and an
	// explicit endpoint (no region: nothing is asked of IAM).
	cred, err := basic.NewCredentialsBuilder().WithAk(*ak).WithSk(*sk).WithProjectId(*projectID).SafeBuild()
	if err != nil {
		fmt.Fprintf(os.Stderr, "conformance: credentials: %v\n", err)
		return 2
	}
	// The SDK's response hook hands over each answer's body (before its decoder reads it), so fields its
	// models do not have can be reported.
	handler := httphandler.NewHttpHandler().AddResponseHandler(func(resp http.Response) {
		r.lastBody = nil
		if resp.Body != nil {
			r.lastBody, _ = io.ReadAll(resp.Body)
		}
	})
	httpConfig := config.DefaultHttpConfig().WithTimeout(*timeout).WithIgnoreSSLVerification(*insecure).WithHttpHandler(handler)
	hc, err := dcs.DcsClientBuilder().WithEndpoints([]string{*endpoint}).WithCredential(cred).WithHttpConfig(httpConfig).SafeBuild()
	if err != nil {
		fmt.Fprintf(os.Stderr, "conformance: client: %v\n", err)
		return 2
	}
	r.client = dcs.NewDcsClient(hc)

	r.runAll()
	fmt.Fprintf(os.Stderr, "conformance: %d failed, %d not served\n", r.failed, r.unserved)
	if r.failed > 0 || (r.unserved > 0 && !r.allowUnserved) {
		return 1
	}
	return 0
}

func (r *runner) selected(name string) bool { return r.only == nil || r.only[name] }

// emit prints one line and counts it.
func (r *runner) emit(res result) {
	if !res.Served {
		res.OK = false
		r.unserved++
	} else if !res.OK {
		r.failed++
	}
	_ = r.out.Encode(res)
}

// classify turns an SDK error into the line's fields.
func classify(res *result, err error) {
	res.OK = false
	res.Served = true
	res.Error = err.Error()
	var inputErr *inputError
	if errors.As(err, &inputErr) {
		res.ErrorKind = "input"
		return
	}
	var sre *sdkerr.ServiceResponseError
	var sreValue sdkerr.ServiceResponseError
	if errors.As(err, &sre) {
		sreValue = *sre
	} else if !errors.As(err, &sreValue) {
		res.ErrorKind = "network"
		return
	}
	res.Status = sreValue.StatusCode
	res.ErrorCode = sreValue.ErrorCode
	switch {
	case sreValue.StatusCode == 404 && sreValue.ErrorCode == "APIGW.0101":
		res.Served = false
		res.ErrorKind = "unserved"
		res.Error = "not served yet: 404 APIGW.0101 " + sreValue.ErrorMessage
	case sreValue.StatusCode >= 400:
		res.ErrorKind = "refused"
		res.Error = fmt.Sprintf("refused: HTTP %d %s %s", sreValue.StatusCode, sreValue.ErrorCode, sreValue.ErrorMessage)
	default:
		// The SDK wraps a body it could not read into its model as a ServiceResponseError with the
		// (successful) status and the decoder's message (core/hc_http_client.go processError).
		res.ErrorKind = "decode"
		res.Error = fmt.Sprintf("decode: HTTP %d: %s", sreValue.StatusCode, sreValue.ErrorMessage)
	}
}

// finish fills a successful call's status check and checks into the line.
func finish(res *result, status, want int, problems []string) {
	res.Served = true
	res.Status = status
	res.OK = true
	if want == 0 {
		want = 200
	}
	if status != want {
		res.OK = false
		res.ErrorKind = "status"
		res.Error = fmt.Sprintf("status %d, want %d", status, want)
		return
	}
	if len(problems) > 0 {
		res.OK = false
		res.ErrorKind = "check"
		res.Error = "check: " + strings.Join(problems, "; ")
	}
}

func (r *runner) runAll() {
	for _, id := range r.params.Instances {
		if r.selected("ShowInstance") {
			r.showInstance(id)
		}
	}
	for _, e := range table {
		if e.kind != "job" || !r.selected(e.name) {
			continue
		}
		p, ok := r.params.Operations[e.name]
		r.startJob(e, p, !ok)
	}
	for _, id := range r.params.Instances {
		if r.selected("ListBackgroundTask") {
			r.listBackgroundTask(id, "")
		}
	}
	if r.selected("ListCenterTask") {
		r.listCenterTask("")
	}
}
