// Package events is Ringmaster's contract: the typed catalog of every command
// and fact event, the NATS subjects and JetStream streams they travel on, and
// the CloudEvents 1.0 attributes carried as NATS headers.
//
// A command ("*.requested") goes to exactly one service, on that service's
// work-queue stream. A fact is something that happened; facts go to the FACTS
// limits stream where any number of readers may replay them.
package events
