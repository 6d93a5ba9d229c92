// Package command is the one grammar of Ringmaster's chat-ops: the words a
// Slack or Mattermost slash command, a `/ring …` comment on a pull request
// or commit, a REST request and `ring --server URL <verb>` all say, read by
// the same code. Parse turns a line ("build fixture --distro debian-12")
// into a Request, whose Line reads back the same; Specs lists every verb
// with its usage line, the front doors that take it and its REST route; a
// Tracker turns the facts of the run a Request started into progress lines
// and a result, for the chat message and for the CLI alike.
//
// The verbs and flags are those of the ring CLI (build --stack S works as
// build S does; repo promote is promote); a malformed line is a
// *UsageError carrying the verb's usage line.
package command
