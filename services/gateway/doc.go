// Package gateway is the gateway service: Ringmaster's HTTP front door. It
// turns forge webhooks into pipeline runs (a commit of a stack from git
// through build, publish, a test cluster, the suites and its removal) and
// reports each stage back to the forge as a commit status. Nothing it
// receives is trusted: deliveries are verified with the stack's secret,
// their repository and refs checked, and each accepted or refused delivery
// is a fact. The work itself happens on the bus; the gateway answers 202
// with the run id at once.
package gateway
