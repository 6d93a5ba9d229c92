// Package bus is Ringmaster's messaging runtime over NATS JetStream: it
// connects, declares the streams of the events catalog, publishes events with
// CloudEvents headers and de-duplication ids, and runs a service's worker loop
// (handlers, middleware, heartbeats, retries, dead letters, done markers).
package bus
