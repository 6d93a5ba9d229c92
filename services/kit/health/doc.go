// Package health answers whether a process is up (/healthz) and whether
// what it depends on answers (/readyz): named checks run at request time,
// each named in the body, 503 when one fails. Hosts add the checks of
// their connections (NATS, S3) and services those of what they drive
// (Docker), through service.Deps.Health.
package health
