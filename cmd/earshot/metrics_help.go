package main

import (
	"bytes"
	"maps"
	"strings"

	"github.com/earshot/earshot/classifier"
	"github.com/earshot/earshot/listener"
	"github.com/earshot/earshot/workflow"
)

// metricsHelp is the help text of each of earshot's metrics: the daemon's
// own here, the stages' from their packages.
var metricsHelp = func() map[string]string {
	h := map[string]string{
		"earshot_config_last_reload_successful":                "Whether the last reload attempt succeeded (1) or was refused (0).",
		"earshot_config_last_reload_success_timestamp_seconds": "Time of the last successful config load.",
		"earshot_config_hash":                                  "The first 48 bits of the running config file's SHA-256.",
		"earshot_slack_request_seconds":                        "Slack Web API calls by method and HTTP status (429: rate limited).",
		"earshot_stream_messages":                              "Messages stored in a stream.",
		"earshot_stream_bytes":                                 "Bytes stored in a stream.",
		"earshot_consumer_pending_messages":                    "Messages a stage has not yet received (its lag).",
		"earshot_consumer_ack_pending_messages":                "Messages a stage received but has not yet finished.",
	}
	for _, m := range []map[string]string{listener.MetricsHelp, workflow.MetricsHelp, classifier.StageMetricsHelp, runtimeHelp} {
		maps.Copy(h, m)
	}
	return h
}()

// withHelp fills the empty "# HELP name" lines of a text exposition (the
// metrics library writes no help text) from metricsHelp.
func withHelp(exposition []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(exposition) + 4096)
	for line := range bytes.Lines(exposition) {
		name, ok := bytes.CutPrefix(line, []byte("# HELP "))
		if ok {
			name = bytes.TrimSuffix(name, []byte("\n"))
			if help := metricsHelp[string(name)]; help != "" && !bytes.ContainsRune(name, ' ') {
				out.WriteString("# HELP " + string(name) + " " + helpEscape.Replace(help) + "\n")
				continue
			}
		}
		out.Write(line)
	}
	return out.Bytes()
}

// helpEscape escapes a help text for the text exposition format.
var helpEscape = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
