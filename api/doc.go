// Package api serves the site and the JSON API with echo. Until the API
// issue lands it answers only /healthz and the release list.
package api
