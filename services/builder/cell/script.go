package cell

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// script is what the container runs: copy the sources, apply the patches
// in order, run the commands (echoed, stopping at the first failure).
// Ownership is not preserved by cp: the build runs without CAP_CHOWN.
func script(commands []string) string {
	var b strings.Builder
	b.WriteString("set -eu\n")
	b.WriteString("cp -a --no-preserve=ownership " + SrcPath + "/. " + BuildPath + "/\n")
	b.WriteString("cd " + BuildPath + "\n")
	b.WriteString("for p in " + PatchesPath + "/*; do\n")
	b.WriteString("  [ -e \"$p\" ] || continue\n")
	b.WriteString("  echo \"ringmaster: applying ${p##*/}\"\n")
	b.WriteString("  patch -p1 --forward < \"$p\"\n")
	b.WriteString("done\n")
	b.WriteString("set -x\n")
	for _, c := range commands {
		b.WriteString(c)
		b.WriteString("\n")
	}
	return b.String()
}

// patchTargets names the mounted patches so that /patches/* sorts in the
// order of the series.
func patchTargets(files []string) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = path.Join(PatchesPath, fmt.Sprintf("%04d-%s", i+1, filepath.Base(f)))
	}
	return out
}

// env is the container environment, sorted.
func env(s Spec) []string {
	out := []string{
		"OUT=" + OutPath,
		"DEPS=" + DepsPath,
		"SRC=" + SrcPath,
		fmt.Sprintf("JOBS=%d", runtime.NumCPU()),
		"HOME=" + BuildPath,
		// Reproducible builds: tools that stamp dates use this instead of now.
		"SOURCE_DATE_EPOCH=" + strconv.FormatInt(sourceDateEpoch(), 10),
	}
	for _, k := range sortedKeys(s.Env) {
		out = append(out, k+"="+s.Env[k])
	}
	return out
}

// sourceDateEpoch is SOURCE_DATE_EPOCH from the environment, else 0.
func sourceDateEpoch() int64 {
	n, err := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}
