package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/mgw-dev/mgw/connectors/cos/costest"
	"github.com/mgw-dev/mgw/connectors/gcs/gcstest"
	"github.com/mgw-dev/mgw/connectors/upyun/upyuntest"
)

// Where nothing listens: a run against it takes the "unreachable" path
// at once (connection refused).
const refusing = "127.0.0.1:1"

// The secrets of TestSecretsNeverShown, one or more per address type,
// each recognisable in any output. The Azure account key must be base64
// to reach the service (and be refused there); the rest are free text.
const (
	secOSSFile   = "SEKRET-oss-file-q8Zr2Lw9Vx"
	secOSSEnv    = "SEKRET-oss-env-m3Ty7Hp1Kc"
	secOSSWrong  = "SEKRET-oss-wrong-d5Ns4Gb6Jf"
	secS3        = "SEKRET-s3-wrong-Hk2Jd8Qp"
	secS3Down    = "SEKRET-s3-unreachable-Pl7Ok3"
	secCOS       = "SEKRET-cos-wrong-Vn5Rt3Lm"
	secAzKey     = "SEKRETazureAccountKey0aZ9bY8cX7dW6eV5fU4gT3hS2iR1jQ0kP9lO8mN7o6pMq5Lr4Ks3Jt2Iu1Hv0Gw9A=="
	secAzConnKey = "SEKRETazureConnStringKey0aZ9bY8cX7dW6eV5fU4gT3hS2iR1jQ0kP9lO8mN7o6pMq5Lr4Ks3Jt2Iu1Hv0A=="
	secAzSAS     = "SEKRET-azure-sas-sig-Wq4Ee7Rr"
	secUpyun     = "SEKRET-upyun-password-Ty6Uu1Ii"
	secSMB       = "SEKRET-smb-password-Op3As9Df"
	secHTTPPass  = "SEKRET-httplist-pass-Gh2Jk5Ll"
	secHTTPSig   = "SEKRET-httplist-sig-Zx8Cv4Bn"
	secGCSBad    = "SEKRETgcsPrivateKeyBody0Mn7Qw1Er4Ty"
	secAzBad     = "SEKRET-azure-key-not-base64-Xc5Vb"
	secEndpoint  = "SEKRET-endpoint-password-Ui9Op2As"
)

// Secrets given inline, through a file and through the environment, for
// every address type that takes one, never show in anything mgw prints
// or keeps, on the paths that succeed and on those that fail (a refused
// signature, an unreachable server, a key that does not parse): run
// output and logs at debug level, --check-config, address list and
// verify, status, job list, failed, skipped, report, explain, check and
// its lists, the agent's log, control API answers and metrics, the
// status_dir files, the reports uploaded to the destination, and the
// state directory's files. Each secret is looked for as written,
// URL-escaped and in base64.
func TestSecretsNeverShown(t *testing.T) {
	secrets := []string{secOSSFile, secOSSEnv, secOSSWrong, secS3, secS3Down, secCOS, secAzKey, secAzConnKey, secAzSAS,
		secUpyun, secSMB, secHTTPPass, secHTTPSig, secGCSBad, secAzBad, secEndpoint}
	srvA := newOSSWith(t, ossKeyID, secOSSFile)
	srvB := newOSSWith(t, ossKeyID, secOSSEnv)
	srvA.Deny(bucket, "denied/") // some files fail, so the failed list has lines
	cosSrv := costest.NewServer(costest.Config{SecretID: cosID, SecretKey: cosKey, Region: cosRegion, Buckets: []string{cosBucket}})
	t.Cleanup(cosSrv.Close)
	upSrv := upyuntest.NewServer(upyuntest.Config{Operator: upOperator, Password: upPassword, Services: []string{upService}})
	t.Cleanup(upSrv.Close)

	s := newSetup(t)
	secretFile := filepath.Join(s.dir, "secret-a")
	writeFile(t, secretFile, []byte(secOSSFile+"\n"))
	upFile := filepath.Join(s.dir, "upyun-password")
	writeFile(t, upFile, []byte(secUpyun+"\n"))
	// A real service-account key the token server does not know: its
	// private key's body is the secret looked for.
	tokens := gcstest.NewTokenServer()
	t.Cleanup(tokens.Close)
	gcsKey := gcsKeyFile(t, tokens, s.dir, true)
	var key struct {
		PrivateKey string `json:"private_key"`
	}
	if err := json.Unmarshal(readFile(t, gcsKey), &key); err != nil {
		t.Fatal(err)
	}
	secGCS := strings.Split(key.PrivateKey, "\n")[1] // a line of the key's base64 body
	// Secrets that do not parse are refused at load: their messages too.
	badGCSKey := filepath.Join(s.dir, "gcs-bad-key.json")
	writeFile(t, badGCSKey, []byte(`{"type":"service_account","project_id":"mgw-test","private_key_id":"k1",`+
		`"private_key":"-----BEGIN PRIVATE KEY-----\n`+secGCSBad+`\n-----END PRIVATE KEY-----\n",`+
		`"client_email":"mgw-e2e@mgw-test.iam.gserviceaccount.com","token_uri":"http://`+refusing+`/token"}`))
	for _, f := range []string{secretFile, upFile, gcsKey, badGCSKey} {
		if err := os.Chmod(f, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	dst := filepath.Join(s.dir, "dst")
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}

	ossA := ossMap("oss-a", srvA)
	delete(ossA, "access_key_secret")
	ossA["access_key_secret_file"] = secretFile
	ossB := ossMap("oss-b", srvB)
	ossB["access_key_secret"] = "${MGW_E2E_SECRET_B}"
	ossW := ossMap("oss-wrong", srvA)
	ossW["access_key_secret"] = "${MGW_E2E_SECRET_WRONG}"
	cosW := cosAddr("cos-wrong", cosSrv)
	cosW["secret_key"] = secCOS
	upW := map[string]any{"name": "upyun-wrong", "type": "upyun", "endpoint": upSrv.URL(), "service": upService,
		"operator": upOperator, "password_file": upFile}
	addrs := []map[string]any{
		localMap("src", s.src), localMap("dst", dst), ossA, ossB, ossW, cosW, upW,
		{"name": "s3-wrong", "type": "s3", "endpoint": "http://" + s3Host, "region": "us-east-1", "bucket": "mgw-e2e-secrets",
			"path_style": true, "access_key_id": s3KeyID, "access_key_secret": secS3},
		{"name": "s3-down", "type": "s3", "endpoint": "http://" + refusing, "region": "us-east-1", "bucket": "mgw-e2e-secrets",
			"path_style": true, "access_key_id": s3KeyID, "access_key_secret": secS3Down},
		{"name": "az-key", "type": "azblob", "account": azAccount, "account_key": secAzKey, "container": "mgw-e2e-secrets",
			"endpoint": "http://" + azHost + "/" + azAccount},
		{"name": "az-conn", "type": "azblob", "container": "mgw-e2e-secrets", "connection_string": azConnString(secAzConnKey)},
		{"name": "az-sas", "type": "azblob", "account": azAccount, "container": "mgw-e2e-secrets",
			"endpoint":  "http://" + azHost + "/" + azAccount,
			"sas_token": "sv=2022-11-02&ss=b&srt=sco&sp=rl&se=2099-01-01T00:00:00Z&spr=http&sig=" + secAzSAS},
		{"name": "smb-wrong", "type": "smb", "server": smbHost, "share": "data", "path": "x", "user": smbUser, "password": secSMB},
		{"name": "http-list", "type": "httplist",
			"list_file": "http://lister:" + secHTTPPass + "@" + refusing + "/list.txt?sig=" + secHTTPSig},
		{"name": "gcs-bad", "type": "gcs", "endpoint": gcsEndpoint, "bucket": "mgw-e2e-secrets", "key_file": gcsKey},
	}
	secrets = append(secrets, secGCS)
	for _, a := range addrs {
		if a["type"] != "local" {
			a["timeout"] = "5s"
		}
	}
	zero := 0
	mk := func(name, src, dst string) job {
		j := newJob(name, src, dst)
		j.Retries = &zero
		return j
	}
	toA := mk("to-a", "src", "oss-a")
	toA.ReportPrefix = "mgw-reports/"
	jobs := []job{toA, mk("to-b", "src", "oss-b"), mk("to-wrong", "src", "oss-wrong"), mk("to-s3", "src", "s3-wrong"),
		mk("to-azure", "src", "az-key"), mk("to-s3-down", "src", "s3-down"), mk("from-cos", "cos-wrong", "dst"), mk("from-upyun", "upyun-wrong", "dst"),
		mk("from-az-conn", "az-conn", "dst"), mk("from-az-sas", "az-sas", "dst"), mk("from-smb", "smb-wrong", "dst"),
		mk("from-http", "http-list", "dst"), mk("from-gcs", "gcs-bad", "dst")}
	statusDir := filepath.Join(s.dir, "status")
	sock := filepath.Join(s.state, "mgw.sock")
	metricsAddr := freePort(t)
	writeSecretsConfig(t, s.config, map[string]any{"state_dir": s.state, "mount": "", "status_dir": statusDir,
		"metrics_listen": metricsAddr, "addresses": addrs, "jobs": jobs})
	writeFile(t, filepath.Join(s.src, "ok.txt"), []byte("fine"))
	writeFile(t, filepath.Join(s.src, "big.bin"), randomBytes(1, 3<<20))
	writeFile(t, filepath.Join(s.src, "denied", "no.txt"), []byte("refused"))

	env := append(os.Environ(), "MGW_E2E_SECRET_B="+secOSSEnv, "MGW_E2E_SECRET_WRONG="+secOSSWrong)
	var outputs []string // every output, labelled
	keep := func(label string, b []byte) { outputs = append(outputs, label+"\n"+string(b)) }
	mgw := func(args ...string) result {
		t.Helper()
		c := s.cmd(append([]string{"--log-level", "debug"}, args...)...)
		c.Env = env
		r := runCmd(t, c)
		keep(fmt.Sprintf("mgw %v: %s", args, r), nil)
		return r
	}
	wantErr := func(r result, args string) {
		t.Helper()
		if r.code == 0 || r.code == 130 {
			t.Errorf("mgw %s: want an error exit, got %s", args, r)
		}
	}

	wantExit(t, mgw("agent", "--check-config"), 0)
	wantExit(t, mgw("address", "list"), 0)
	wantExit(t, mgw("run", "to-a"), 3)
	wantExit(t, mgw("run", "to-b"), 0)
	if r := mgw("run", "to-wrong"); !strings.Contains(r.stderr, "DestAddrSecretKeyInvalid") {
		t.Errorf("the run with a wrong secret does not say DestAddrSecretKeyInvalid:\n%s", r)
	}
	// Each refused where the secret is checked, or where nothing answers.
	wantCode := map[string]string{"to-s3": "DestAddrSecretKeyInvalid", "to-azure": "DestAddrSecretKeyInvalid",
		"to-s3-down": "DestAddr", "from-cos": "SourceAddrSecretIdInvalid", "from-upyun": "SourceAddrPasswordInvalid",
		"from-az-conn": "AzureSourceConnStrAccountInvalid", "from-az-sas": "AzureSourceConnStrAccountInvalid",
		"from-smb": "SourceMountNasFailed", "from-http": "SourceAddrCannotConnectUrl", "from-gcs": "SourcePrivateKeyIDInvalid"}
	// A test server not started makes its runs take the unreachable path:
	// still scanned, their codes not judged.
	server := map[string]string{"to-s3": s3Host, "to-azure": azHost, "from-az-conn": azHost, "from-az-sas": azHost,
		"from-smb": smbHost, "from-gcs": gcsHost}
	for _, j := range jobs[3:] {
		r := mgw("run", j.Name)
		wantErr(r, "run "+j.Name)
		if host := server[j.Name]; host != "" && !listening(host) {
			t.Logf("%s: no server at %s (see test/servers), the run was refused a connection", j.Name, host)
			continue
		}
		if !strings.Contains(r.stderr, wantCode[j.Name]) {
			t.Errorf("mgw run %s does not say %s:\n%s", j.Name, wantCode[j.Name], r)
		}
	}
	for _, a := range addrs {
		mgw("address", "verify", a["name"].(string))
	}
	wantErr(mgw("address", "verify", "oss-wrong"), "address verify oss-wrong")
	wantExit(t, mgw("address", "list"), 0)
	mgw("status")
	mgw("job", "list")
	for _, j := range jobs {
		mgw("report", j.Name)
		mgw("failed", j.Name)
		mgw("skipped", j.Name)
	}
	checkOut := filepath.Join(s.dir, "check")
	mgw("check", "--output", checkOut, "to-a")
	mgw("check", "to-s3")
	mgw("check", "from-az-sas")
	mgw("report", "--fleet", "to-a")

	// The agent: its log, its control API's answers, its metrics, its
	// status_dir; every job runs (and most fail) again under it.
	startAgent := func() *running {
		ag := &running{c: s.cmd("--log-level", "debug", "agent"), exited: make(chan error, 1)}
		ag.c.Env = env
		ag.c.Stdout, ag.c.Stderr = &ag.out, &ag.out
		if err := ag.c.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { ag.exited <- ag.c.Wait() }()
		t.Cleanup(func() {
			if ag.c.ProcessState == nil {
				ag.c.Process.Kill()
				<-ag.exited
			}
		})
		return ag
	}
	ag := startAgent()
	eventually(t, "the control socket", func() bool { return accepts(sock) })
	api := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}}
	call := func(method, u string) []byte {
		t.Helper()
		req, err := http.NewRequest(method, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		cli := api
		if !strings.HasPrefix(u, "http://mgw/") {
			cli = http.DefaultClient
		}
		resp, err := cli.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, u, err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		keep(method+" "+u, b)
		return b
	}
	var states []byte
	eventually(t, "every job's run under the agent over", func() bool {
		var infos []struct{ Name, State string }
		states = call("GET", "http://mgw/v1/jobs")
		if err := json.Unmarshal(states, &infos); err != nil || len(infos) != len(jobs) {
			return false
		}
		for _, ji := range infos {
			if ji.State == "running" || ji.State == "" {
				return false
			}
		}
		return true
	})
	call("GET", "http://mgw/v1/status")
	call("GET", "http://mgw/v1/addresses")
	for _, a := range addrs {
		call("POST", "http://mgw/v1/addresses/"+a["name"].(string)+"/verify")
	}
	for _, j := range jobs {
		for _, what := range []string{"", "/failed", "/skipped", "/report"} {
			call("GET", "http://mgw/v1/jobs/"+j.Name+what)
		}
	}
	metrics := call("GET", "http://mgw/metrics")
	if !bytes.Contains(metrics, []byte("mgw_")) {
		t.Errorf("the agent's metrics are empty:\n%s", metrics)
	}
	call("GET", "http://"+metricsAddr+"/metrics")
	mgw("status") // through the agent
	mgw("address", "list")
	ag.stop(t)
	keep("the agent's output", ag.out.Bytes())

	// What mgw keeps and uploads: the state and status folders, check's
	// lists, the reports in the bucket.
	for _, dir := range []string{s.state, statusDir, checkOut, dst} {
		err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			b, err := os.ReadFile(p)
			keep(p, b)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	reports := 0
	for _, k := range srvA.Keys(bucket) {
		if strings.HasPrefix(k, "mgw-reports/") {
			reports++
			b, _, _ := srvA.Object(bucket, k)
			keep("uploaded "+k, b)
		}
	}
	if reports == 0 {
		t.Errorf("no report uploaded under mgw-reports/: %v", srvA.Keys(bucket))
	}

	// A traceback of every goroutine (SIGQUIT) while the jobs hold their
	// secrets: arguments are printed as words, never as the strings. It
	// comes after the state folder is read, as a killed agent leaves
	// Badger's preallocated files there.
	ag = startAgent()
	eventually(t, "the control socket", func() bool { return accepts(sock) })
	ag.c.Process.Signal(syscall.SIGQUIT)
	<-ag.exited
	if !strings.Contains(ag.out.String(), "goroutine ") {
		t.Errorf("SIGQUIT gave no traceback:\n%s", ag.out.String())
	}
	keep("the agent's traceback", ag.out.Bytes())

	// The codes the runs printed, explained.
	all := strings.Join(outputs, "\n")
	list := mgw("explain")
	for _, l := range lines(list.stdout) {
		if f := strings.Fields(l); len(f) > 0 && strings.Contains(all, f[0]) {
			mgw("explain", f[0])
		}
	}

	// Secrets that cannot be right are refused at load (a password in
	// an endpoint, a key that is not base64 or not PEM), without being
	// shown.
	bad := filepath.Join(s.dir, "bad.yaml")
	writeSecretsConfig(t, bad, map[string]any{"state_dir": filepath.Join(s.dir, "state2"), "addresses": []map[string]any{
		localMap("src", s.src),
		{"name": "s3-cred", "type": "s3", "endpoint": "http://AKID:" + secEndpoint + "@" + refusing, "region": "us-east-1",
			"bucket": "b", "path_style": true, "access_key_id": s3KeyID, "access_key_secret": secS3},
		{"name": "az-bad", "type": "azblob", "account": azAccount, "account_key": secAzBad, "container": "c"},
		{"name": "az-conn-bad", "type": "azblob", "container": "c", "connection_string": azConnString(secAzBad)},
		{"name": "gcs-bad", "type": "gcs", "endpoint": gcsEndpoint, "bucket": "b", "key_file": badGCSKey}},
		"jobs": []job{mk("cred", "src", "s3-cred")}})
	for _, args := range [][]string{{"agent", "--check-config"}, {"address", "list"}, {"run", "cred"}} {
		c := exec.Command(mgwBin, append([]string{"--config", bad, "--log-level", "debug"}, args...)...)
		r := runCmd(t, c)
		keep(fmt.Sprintf("mgw %v on bad.yaml: %s", args, r), nil)
		if r.code != 2 {
			t.Errorf("mgw %v with a password in the endpoint: want exit 2, got %s", args, r)
		}
	}

	all = strings.Join(outputs, "\n")
	for _, out := range outputs {
		wantNoSecret(t, out, secrets...)
	}
	if t.Failed() {
		return
	}
	t.Logf("%d outputs scanned (%d bytes) for %d secrets", len(outputs), len(all), len(secrets))
}

// listening reports whether a server accepts connections at host.
func listening(host string) bool {
	c, err := net.Dial("tcp", host)
	if err == nil {
		c.Close()
	}
	return err == nil
}

// freePort is a 127.0.0.1 address nothing listens on yet.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func writeSecretsConfig(t *testing.T, path string, c map[string]any) {
	t.Helper()
	b, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, b)
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
}

// accepts reports whether the agent's control socket takes connections:
// the file exists from its bind, before the agent listens.
func accepts(sock string) bool {
	c, err := net.Dial("unix", sock)
	if err == nil {
		c.Close()
	}
	return err == nil
}
