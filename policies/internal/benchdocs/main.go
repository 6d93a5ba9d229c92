// Command benchdocs writes the documents infra/bench/bench-policy.sh hands to
// opa bench: the data and input as a user of opa eval passes them (data.json,
// input.json) and as the Checker evaluates them, with data.compat_index and
// the parsed input versions (data-checker.json, input-checker.json).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"ringmaster.dev/policies"
)

func main() {
	out := flag.String("o", ".", "directory to write the four files into")
	dataPath := flag.String("data", policies.DefaultDataPath, "compatibility facts")
	inputPath := flag.String("input", "infra/compat/examples/zk3.json", "cluster spec")
	flag.Parse()
	if err := run(*out, *dataPath, *inputPath); err != nil {
		fmt.Fprintln(os.Stderr, "benchdocs:", err)
		os.Exit(1)
	}
}

func run(out, dataPath, inputPath string) error {
	data, err := policies.LoadData(dataPath)
	if err != nil {
		return err
	}
	in, err := policies.LoadInput(inputPath)
	if err != nil {
		return err
	}
	c, err := policies.New(context.Background(), data)
	if err != nil {
		return err
	}
	cdata, cinput, err := c.Documents(in)
	if err != nil {
		return err
	}
	input, err := json.Marshal(in)
	if err != nil {
		return err
	}
	files := map[string][]byte{
		"data.json":          append(append([]byte(`{"compat": `), data...), '}'),
		"input.json":         input,
		"data-checker.json":  cdata,
		"input-checker.json": cinput,
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(out, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
