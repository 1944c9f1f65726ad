package deploy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/earshot/earshot/config"
)

// isHelmTemplate reports whether path is a Helm template: Go templates, not
// YAML until rendered.
func isHelmTemplate(path string) bool {
	return strings.Contains(filepath.ToSlash(path), "/templates/") && strings.Contains(filepath.ToSlash(path), "helm/")
}

// filesWithExt returns the files under the package directory whose names end
// in one of exts, sorted.
func filesWithExt(t *testing.T, exts ...string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		for _, ext := range exts {
			if strings.HasSuffix(path, ext) {
				out = append(out, path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPlainYAMLParses(t *testing.T) {
	files := filesWithExt(t, ".yaml", ".yml")
	if len(files) < 5 {
		t.Fatalf("found only %d YAML files under deploy/: %v", len(files), files)
	}
	for _, path := range files {
		if isHelmTemplate(path) {
			continue
		}
		t.Run(path, func(t *testing.T) {
			dec := yaml.NewDecoder(bytes.NewReader(readFile(t, path)))
			docs := 0
			for {
				var v any
				err := dec.Decode(&v)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				docs++
			}
			if docs == 0 {
				t.Errorf("%s: no YAML document", path)
			}
		})
	}
}

func TestJSONParses(t *testing.T) {
	for _, path := range filesWithExt(t, ".json") {
		t.Run(path, func(t *testing.T) {
			var v any
			if err := json.Unmarshal(readFile(t, path), &v); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
		})
	}
}

// fakeEnv stands in for the environment of a configured deployment: the
// Slack variables hold tokens of the right shape that say where they came
// from.
var fakeEnv = map[string]string{
	"EARSHOT_SLACK_BOT_TOKEN":      "xoxb-from-env",
	"EARSHOT_SLACK_APP_TOKEN":      "xapp-from-env",
	"EARSHOT_SLACK_SIGNING_SECRET": "from-env",
}

// loadConfig loads an earshot config as the daemon does (strict decoding,
// defaults, validation; every problem with file, line and field), once with
// the Slack variables set and once with none (alerts to the log), and
// returns the first.
func loadConfig(t *testing.T, name string, doc []byte) *config.Config {
	t.Helper()
	c, err := config.Parse(name, doc, func(k string) (string, bool) { v, ok := fakeEnv[k]; return v, ok })
	if err != nil {
		t.Fatalf("%s with Slack variables set:\n%v", name, err)
	}
	if _, err := config.Parse(name, doc, nil); err != nil {
		t.Errorf("%s without Slack variables:\n%v", name, err)
	}
	return c
}

func TestEarshotConfigsDecode(t *testing.T) {
	t.Run("systemd", func(t *testing.T) {
		c := loadConfig(t, "systemd/earshot.yaml", readFile(t, "systemd/earshot.yaml"))
		if c.DataDir != "/var/lib/earshot" {
			t.Errorf("data_dir = %q, want the unit's StateDirectory /var/lib/earshot", c.DataDir)
		}
		if c.NATS.URL != "" {
			t.Errorf("nats.url = %q, want the embedded server", c.NATS.URL)
		}
		if !strings.HasPrefix(c.HTTP.Listen, "127.0.0.1:") {
			t.Errorf("http.listen = %q, want loopback", c.HTTP.Listen)
		}
		checkSecretsFromEnv(t, c)
	})
	t.Run("compose", func(t *testing.T) {
		c := loadConfig(t, "compose/earshot.yaml", readFile(t, "compose/earshot.yaml"))
		if got, want := c.NATS.URL, "nats://nats1:4222,nats://nats2:4222,nats://nats3:4222"; got != want {
			t.Errorf("nats.url = %q, want %q", got, want)
		}
		if c.NATS.Replicas != 3 {
			t.Errorf("nats.replicas = %d, want 3", c.NATS.Replicas)
		}
		if c.HTTP.Listen != "0.0.0.0:9464" {
			t.Errorf("http.listen = %q, want 0.0.0.0:9464 inside the container", c.HTTP.Listen)
		}
		checkSecretsFromEnv(t, c)
	})
	t.Run("helm values", func(t *testing.T) {
		var values struct {
			Config yaml.Node `yaml:"config"`
		}
		if err := yaml.Unmarshal(readFile(t, "helm/earshot/values.yaml"), &values); err != nil {
			t.Fatal(err)
		}
		doc, err := yaml.Marshal(&values.Config)
		if err != nil {
			t.Fatal(err)
		}
		var owned struct {
			DataDir any `yaml:"data_dir"`
			HTTP    any `yaml:"http"`
			NATS    any `yaml:"nats"`
		}
		if err := values.Config.Decode(&owned); err != nil {
			t.Fatal(err)
		}
		if owned.DataDir != nil || owned.HTTP != nil || owned.NATS != nil {
			t.Errorf("values.config sets data_dir, http or nats, which the chart owns")
		}
		c := loadConfig(t, "helm/earshot/values.yaml: config", doc)
		checkSecretsFromEnv(t, c)
	})
}

// checkSecretsFromEnv fails when a Slack secret is written into the file
// instead of referenced from the environment as ${EARSHOT_...}.
func checkSecretsFromEnv(t *testing.T, c *config.Config) {
	t.Helper()
	for name, s := range map[string]config.Secret{
		"slack.bot_token":      c.Slack.BotToken,
		"slack.app_token":      c.Slack.AppToken,
		"slack.signing_secret": c.Slack.SigningSecret,
	} {
		if v := s.Value(); v != "" && !strings.HasSuffix(v, "from-env") {
			t.Errorf("%s is written into the file; reference ${EARSHOT_...} instead", name)
		}
	}
}

// unit parses a systemd unit file into section.key -> values, in order.
func unit(t *testing.T, path string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, path)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("%s: not a key=value line: %q", path, line)
			}
			out[section+"."+k] = append(out[section+"."+k], v)
		}
	}
	return out
}

func TestSystemdUnitHardening(t *testing.T) {
	u := unit(t, "systemd/earshot.service")
	want := map[string]string{
		"DynamicUser":             "yes",
		"StateDirectory":          "earshot",
		"ConfigurationDirectory":  "earshot",
		"ProtectSystem":           "strict",
		"ProtectHome":             "yes",
		"PrivateTmp":              "yes",
		"PrivateDevices":          "yes",
		"NoNewPrivileges":         "yes",
		"CapabilityBoundingSet":   "",
		"AmbientCapabilities":     "",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
		"SystemCallArchitectures": "native",
		"MemoryDenyWriteExecute":  "yes",
		"LockPersonality":         "yes",
		"RestrictNamespaces":      "yes",
		"RestrictRealtime":        "yes",
		"ProtectKernelTunables":   "yes",
		"ProtectKernelModules":    "yes",
		"ProtectKernelLogs":       "yes",
		"ProtectControlGroups":    "yes",
		"ProtectClock":            "yes",
		"ProtectHostname":         "yes",
		"UMask":                   "0077",
		"ExecReload":              "/bin/kill -HUP $MAINPID",
		"TimeoutStartSec":         "5min",
		"Restart":                 "on-failure",
		"EnvironmentFile":         "-/etc/earshot/env",
		"IPAddressDeny":           "169.254.0.0/16 fe80::/10",
		"MemoryMax":               "512M",
		"Environment":             "GOMEMLIMIT=400MiB",
	}
	for k, v := range want {
		got := u["Service."+k]
		if len(got) != 1 || got[0] != v {
			t.Errorf("[Service] %s = %q, want exactly %q", k, got, v)
		}
	}
	if got := u["Service.SystemCallFilter"]; !slices.Equal(got, []string{"@system-service", "~@privileged @resources"}) {
		t.Errorf("[Service] SystemCallFilter = %q, want @system-service minus @privileged @resources", got)
	}
	if got := u["Service.LimitNOFILE"]; len(got) != 1 || got[0] == "" {
		t.Errorf("[Service] LimitNOFILE = %q, want a fixed limit (Go would otherwise call setrlimit, which the filter refuses)", got)
	}
	start := u["Service.ExecStart"]
	if len(start) != 1 || !strings.Contains(start[0], " run --config /etc/earshot/") {
		t.Errorf("[Service] ExecStart = %q, want `earshot run --config /etc/earshot/...`", start)
	}
	for _, k := range []string{"User", "Group", "ReadWritePaths"} {
		if got, ok := u["Service."+k]; ok {
			t.Errorf("[Service] %s = %q: DynamicUser and StateDirectory cover it", k, got)
		}
	}
}

// stage is one build stage of a Dockerfile: its FROM line and instructions.
type stage struct {
	from  string
	lines []string
}

// dockerfileStages splits a Dockerfile into stages, joining continued lines.
func dockerfileStages(t *testing.T, path string) []stage {
	t.Helper()
	var stages []stage
	var cur strings.Builder
	flush := func() {
		line := strings.TrimSpace(cur.String())
		cur.Reset()
		if line == "" {
			return
		}
		if strings.HasPrefix(strings.ToUpper(line), "FROM ") {
			stages = append(stages, stage{from: line})
			return
		}
		if len(stages) > 0 {
			stages[len(stages)-1].lines = append(stages[len(stages)-1].lines, line)
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, path)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			cur.WriteString(strings.TrimSuffix(line, `\`) + " ")
			continue
		}
		cur.WriteString(line)
		flush()
	}
	flush()
	return stages
}

func TestDockerfileFinalStageIsNonRoot(t *testing.T) {
	stages := dockerfileStages(t, "Dockerfile")
	if len(stages) < 2 {
		t.Fatalf("want a multi-stage build, got %d stages", len(stages))
	}
	final := stages[len(stages)-1]
	if !strings.Contains(final.from, "distroless/static") && !strings.Contains(final.from, "scratch") {
		t.Errorf("final stage %q: want a static base (distroless/static or scratch)", final.from)
	}
	user := ""
	var volumes, exposes []string
	for _, l := range final.lines {
		f := strings.Fields(l)
		switch strings.ToUpper(f[0]) {
		case "USER":
			user = f[1]
		case "VOLUME":
			volumes = append(volumes, f[1:]...)
		case "EXPOSE":
			exposes = append(exposes, f[1:]...)
		}
	}
	name, _, _ := strings.Cut(user, ":")
	if name == "" || name == "0" || name == "root" {
		t.Errorf("final stage USER = %q, want a non-root user", user)
	}
	if !regexp.MustCompile(`^[1-9][0-9]*$`).MatchString(name) {
		t.Errorf("final stage USER = %q, want a numeric uid so that runAsNonRoot can check it", user)
	}
	if !slices.Contains(volumes, "/var/lib/earshot") {
		t.Errorf("final stage VOLUME = %q, want /var/lib/earshot", volumes)
	}
	if !slices.Contains(exposes, "9464") {
		t.Errorf("final stage EXPOSE = %q, want 9464", exposes)
	}
	var build string
	for _, l := range stages[0].lines {
		if strings.Contains(l, "go build") {
			build = l
		}
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-X main.version=", "./cmd/earshot"} {
		if !strings.Contains(build, want) {
			t.Errorf("build stage's go build %q lacks %q", build, want)
		}
	}
}

func TestDockerignoreKeepsSecretsOut(t *testing.T) {
	lines := strings.Split(string(readFile(t, "Dockerfile.dockerignore")), "\n")
	for _, want := range []string{".git", ".env", "**/*.creds"} {
		if !slices.Contains(lines, want) {
			t.Errorf("Dockerfile.dockerignore lacks %q", want)
		}
	}
}

func TestSlackManifest(t *testing.T) {
	var m struct {
		Features struct {
			SlashCommands []struct {
				Command string `yaml:"command"`
			} `yaml:"slash_commands"`
		} `yaml:"features"`
		OAuth struct {
			Scopes struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
		Settings struct {
			Interactivity struct {
				IsEnabled bool `yaml:"is_enabled"`
			} `yaml:"interactivity"`
			SocketMode bool `yaml:"socket_mode_enabled"`
		} `yaml:"settings"`
	}
	if err := yaml.Unmarshal(readFile(t, "slack-app-manifest.yaml"), &m); err != nil {
		t.Fatal(err)
	}
	got := slices.Sorted(slices.Values(m.OAuth.Scopes.Bot))
	want := []string{"chat:write", "commands", "files:write", "im:write", "users:read", "users:read.email"}
	if !slices.Equal(got, want) {
		t.Errorf("bot scopes = %q, want exactly %q", got, want)
	}
	if !m.Settings.SocketMode || !m.Settings.Interactivity.IsEnabled {
		t.Errorf("socket_mode_enabled = %v, interactivity = %v, want both", m.Settings.SocketMode, m.Settings.Interactivity.IsEnabled)
	}
	if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != "/earshot" {
		t.Errorf("slash commands = %+v, want /earshot", m.Features.SlashCommands)
	}
}

func TestComposeNATSCluster(t *testing.T) {
	conf := string(readFile(t, "compose/nats.conf"))
	for _, want := range []string{"sync_interval: always", "server_name: $NATS_SERVER_NAME", "nats-route://nats1:6222", "nats-route://nats2:6222", "nats-route://nats3:6222"} {
		if !strings.Contains(conf, want) {
			t.Errorf("compose/nats.conf lacks %q", want)
		}
	}
	var c struct {
		Services map[string]struct {
			Image       string   `yaml:"image"`
			Command     []string `yaml:"command"`
			Environment map[string]string
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(readFile(t, "compose/compose.yaml"), &c); err != nil {
		t.Fatal(err)
	}
	var nats, earshot []string
	for name, s := range c.Services {
		switch {
		case strings.HasPrefix(s.Image, "nats:"):
			nats = append(nats, name)
		case s.Image == "earshot:local":
			earshot = append(earshot, name)
			if len(s.Command) == 0 || s.Command[0] != "run" {
				t.Errorf("service %s command = %q, want run", name, s.Command)
			}
		}
	}
	if len(nats) != 3 || len(earshot) != 2 {
		t.Errorf("compose services: nats %v, earshot %v; want three and two", nats, earshot)
	}
}

// metricName finds earshot metric names in PromQL.
var metricName = regexp.MustCompile(`\bearshot_[a-z0-9_]+\b`)

// TestQueriedMetricsExist checks that every earshot metric the dashboard and
// the alerting rules query is defined somewhere in the code, so a renamed
// metric cannot silently empty a panel or mute an alert. It skips while the
// code defines no earshot metric yet.
func TestQueriedMetricsExist(t *testing.T) {
	queried := map[string][]string{}
	for _, path := range []string{"grafana/earshot-dashboard.json", "prometheus/earshot-alerts.yaml"} {
		for _, m := range metricName.FindAllString(string(readFile(t, path)), -1) {
			if !slices.Contains(queried[m], path) {
				queried[m] = append(queried[m], path)
			}
		}
	}
	var src bytes.Buffer
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "deploy", ".git", "testdata", "node_modules":
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			src.Write(readFile(t, path))
			src.WriteByte('\n')
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	code := src.String()
	// A name is defined where a string literal starts with it: whole, or
	// followed by its labels.
	literal := func(name string) bool {
		return regexp.MustCompile("[\"`]" + regexp.QuoteMeta(name) + "[\"`{]").MatchString(code)
	}
	defined := func(name string) bool {
		// A histogram's series carry suffixes its definition does not.
		for _, suffix := range []string{"_bucket", "_count", "_sum"} {
			if base, ok := strings.CutSuffix(name, suffix); ok && literal(base) {
				return true
			}
		}
		return literal(name)
	}
	any := false
	for name := range queried {
		any = any || defined(name)
	}
	if !any {
		t.Skip("the code defines no earshot metric yet")
	}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range queried {
			if !yield(k) {
				return
			}
		}
	}) {
		if !defined(name) {
			t.Errorf("%s is queried by %v but not defined in the code", name, queried[name])
		}
	}
}
