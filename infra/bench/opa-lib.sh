# opa-lib.sh — sourced by the bench scripts that compare a policy with the
# real OPA CLI: opa_install DIR builds OPA v1.20.2 from the Go module proxy
# into DIR/bin (go install from an empty directory, so no workspace or
# module applies); on failure it says so, shows the end of the log, and
# returns 1 (the caller then skips the comparison).
OPA_MODULE="github.com/open-policy-agent/opa@v1.20.2"
opa_install() {
	if ! (cd "$1" && GOWORK=off GOFLAGS='' GOBIN="$1/bin" go install "$OPA_MODULE") >"$1/install.log" 2>&1; then
		echo "note: could not build the opa CLI (go install $OPA_MODULE failed), so there is no comparison:"
		tail -5 "$1/install.log" | sed 's/^/  /'
		return 1
	fi
}
