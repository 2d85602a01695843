// Package monitor turns the registry into oversight: compliance rules, scans
// that keep flags in step, scheduled jobs and the weekly report. It knows
// nothing of HTTP.
package monitor
