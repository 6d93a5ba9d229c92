// Package dashboard is the gateway's web pages: the runs and a run's live
// build matrix, the compatibility matrix of the measured and cited facts,
// the repositories' channels, the clusters and the dead letters. Pages are
// server-rendered from embedded templates and read without JavaScript; one
// small embedded script (static/live.js) turns a run page's cells as the
// run's facts arrive over Server-Sent Events. Everything the pages show
// comes through the small interfaces of Sources, declared here.
package dashboard
