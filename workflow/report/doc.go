// Package report measures whether listening pays: it reads what earshot
// stored (verdicts, cases, source health) for a period, computes the figures
// a manager asks for (mentions against the previous period, criticism share
// and tonality per day, top topics, sources and authors, response times per
// owner and topic, open and overdue cases, each rule's false-positive rate,
// source health, and the small successes worth telling), and renders them as
// Markdown, CSV files and a PNG chart, or posts them to Slack on a schedule.
//
// The flow is Collect (store → Data), Compute (Data → Report, pure and
// deterministic), then Markdown, WriteDir or Post. Scheduler runs the
// configured reports on their cron schedules.
package report
