package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/earshot/earshot/config"
)

const reloadBase = `data_dir: %DATA%
http: {listen: "127.0.0.1:0"}
brand: {terms: [ACME]}
rules:
  packs: [en]
  custom:
    - {name: late, topic: delivery, criticism: true, query: 'late'}
`

// TestReload runs the classifier role and changes its config three ways: a
// rename save (picked up by the folder watch), an invalid file (refused,
// the running config stays), and POST /-/reload.
func TestReload(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "earshot.yaml")
	base := strings.ReplaceAll(reloadBase, "%DATA%", filepath.Join(dir, "data"))
	writeFile(t, path, base)

	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := newLineWriter(), newLineWriter()
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, []string{"run", "--roles", "classifier", "--config", path}, strings.NewReader(""), stdout, stderr)
	}()
	defer func() {
		cancel()
		if code := <-exit; code != exitOK {
			t.Errorf("exit code %d\n%s", code, stderr)
		}
	}()
	started := waitLine(t, stderr.lines, regexp.MustCompile(`earshot running`), "start")
	addr := "http://" + regexp.MustCompile(`http=(\S+)`).FindStringSubmatch(started)[1]

	metric := func(name string) string {
		t.Helper()
		resp, err := http.Get(addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		m := regexp.MustCompile(`(?m)^` + name + ` (\S+)$`).FindSubmatch(b)
		if m == nil {
			t.Fatalf("no metric %s", name)
		}
		return string(m[1])
	}
	if got := metric("earshot_config_last_reload_successful"); got != "1" {
		t.Errorf("reload_successful at start = %s, want 1", got)
	}
	hash0 := metric("earshot_config_hash")

	// A web page cannot reload (CSRF), nor reach the loopback endpoint
	// under a name of its own (DNS rebinding); localhost can.
	for _, c := range []struct {
		method, path string
		header       map[string]string
		want         int
	}{
		{"POST", "/-/reload", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"POST", "/-/reload", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"GET", "/metrics", map[string]string{"Host": "evil.example:9464"}, http.StatusMisdirectedRequest},
		{"POST", "/-/reload", map[string]string{"Host": "evil.example"}, http.StatusMisdirectedRequest},
		{"GET", "/metrics", map[string]string{"Host": "localhost:9464"}, http.StatusOK},
		{"GET", "/readyz", nil, http.StatusOK},
	} {
		req, err := http.NewRequest(c.method, addr+c.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range c.header {
			req.Header.Set(k, v)
			if k == "Host" {
				req.Host = v
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s %s with %v = %d, want %d", c.method, c.path, c.header, resp.StatusCode, c.want)
		}
	}
	if got := metric("earshot_config_hash"); got != hash0 {
		t.Errorf("config hash changed by a refused request")
	}

	// An editor's save: write a temporary file and rename it over.
	tmp := filepath.Join(dir, ".earshot.yaml.tmp")
	writeFile(t, tmp, base+"    - {name: broken, topic: product, criticism: true, query: 'broken'}\n")
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	waitLine(t, stderr.lines, regexp.MustCompile(`config reloaded.*trigger="file change"`), "reload after rename")
	hash1 := metric("earshot_config_hash")
	if hash1 == hash0 {
		t.Error("config hash unchanged after reload")
	}

	// An invalid change is refused and the running config stays.
	writeFile(t, path, base+"    - {name: bad, topic: product, criticism: true, query: '(unclosed'}\n")
	waitLine(t, stderr.lines, regexp.MustCompile(`config reload refused`), "refusal")
	if got := metric("earshot_config_last_reload_successful"); got != "0" {
		t.Errorf("reload_successful after a bad file = %s, want 0", got)
	}
	if got := metric("earshot_config_hash"); got != hash1 {
		t.Errorf("config hash changed to %s by a refused reload", got)
	}
	resp, err := http.Post(addr+"/-/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "rules.custom[1].query") {
		t.Errorf("POST /-/reload with a bad file = %d %q, want 400 naming rules.custom[1].query", resp.StatusCode, body)
	}

	// Fixed again, reloaded through the endpoint.
	writeFile(t, path, base)
	waitLine(t, stderr.lines, regexp.MustCompile(`config reloaded`), "reload after fix")
	resp, err = http.Post(addr+"/-/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("POST /-/reload = %d, want 200", resp.StatusCode)
	}
	if got := metric("earshot_config_last_reload_successful"); got != "1" {
		t.Errorf("reload_successful after the fix = %s, want 1", got)
	}
	if got := metric("earshot_config_hash"); got != hash0 {
		t.Errorf("config hash %s, want the original %s", got, hash0)
	}

	// A reload storm: many reloads at once, valid and invalid files in
	// turn. Every answer is a clean 200 or 400, and the last valid file wins.
	var wg sync.WaitGroup
	codes := make(chan int, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%10 == 0 {
				content := base
				if i%20 == 0 {
					content += "    - {name: x, topic: t, query: '(bad'}\n"
				}
				tmp := filepath.Join(dir, fmt.Sprintf(".storm-%d", i))
				if os.WriteFile(tmp, []byte(content), 0o600) == nil {
					_ = os.Rename(tmp, path)
				}
			}
			resp, err := http.Post(addr+"/-/reload", "", nil)
			if err != nil {
				codes <- 0
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusOK && c != http.StatusBadRequest {
			t.Errorf("reload during a storm answered %d", c)
		}
	}
	writeFile(t, path, base)
	resp, err = http.Post(addr+"/-/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || metric("earshot_config_hash") != hash0 {
		t.Errorf("after the storm: reload %d, hash %s, want 200 and %s", resp.StatusCode, metric("earshot_config_hash"), hash0)
	}
}

// TestReloadNamesRestartFields: a reload that changes data_dir, nats, http
// or store names the fields that wait for a restart; one that puts back
// the values the process started with says nothing (it compared with the
// last reload's values and warned again).
func TestReloadNamesRestartFields(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "earshot.yaml")
	base := strings.ReplaceAll(reloadBase, "%DATA%", filepath.Join(dir, "data"))
	writeFile(t, path, base)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder // tryReload logs from this goroutine only
	d := &daemon{path: path, log: slog.New(slog.NewTextHandler(&logs, nil)), boot: cfg}
	d.metrics()
	d.current.Store(b)
	writeFile(t, path, strings.Replace(base, "127.0.0.1:0", "127.0.0.1:1", 1))
	if err := d.tryReload(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), `msg="changes take effect at the next restart" fields=http`) {
		t.Errorf("changed http: log\n%s", logs.String())
	}
	writeFile(t, path, base)
	before := strings.Count(logs.String(), "next restart")
	if err := d.tryReload(); err != nil {
		t.Fatal(err)
	}
	if strings.Count(logs.String(), "next restart") != before {
		t.Errorf("the values the process runs with, put back, still wait for a restart:\n%s", logs.String())
	}
}

func TestLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "localhost:9464": true, "LOCALHOST.": true, "a.localhost:1": true,
		"127.0.0.1": true, "127.0.0.1:9464": true, "127.1.2.3": true, "[::1]:9464": true, "::1": true,
		"[::ffff:127.0.0.1]:80": true, "": true,
		"evil.example": false, "evil.example:9464": false, "localhost.evil.example": false,
		"10.0.0.1:9464": false, "0.0.0.0": false, "[::]:9464": false,
	} {
		if got := loopbackHost(host); got != want {
			t.Errorf("loopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
}
