// Package deploy holds what it takes to run earshot outside a developer's
// terminal: the hardened systemd unit and its config (systemd/), the
// container image (Dockerfile), a compose file with a three-server NATS
// cluster and two earshot instances (compose/), a Helm chart (helm/earshot),
// the Slack app manifest, a Grafana dashboard and Prometheus alerting rules.
//
// The package has no code of its own. Its tests keep the files honest: every
// plain YAML file parses, the earshot configs decode strictly into
// config.Config, the systemd unit keeps its hardening, the image runs as a
// non-root user, the Slack app asks for exactly the scopes earshot uses, and
// the metrics the dashboard and the alerts query exist in the code.
// docs/operations.md explains how to use the files.
package deploy
