package dashboard

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"

	"ringmaster.dev/events"
	"ringmaster.dev/policies"
)

// Cell states of the compatibility matrix.
const (
	Good     = "good"     // measured to work: a sweep's pass, or a cited fact
	Bad      = "bad"      // measured (or cited) not to work
	Denied   = "denied"   // a rule of the policy refuses the pair
	Untested = "untested" // nothing is known
)

// CompatCell is one version pair of the matrix.
type CompatCell struct {
	Row, Col string // the row and column components' versions
	State    string
	// Text is the reason of a bad or denied cell.
	Text string
	// Rule is the policy rule of a denied cell.
	Rule string
	// Run and Date are the sweep that measured it; Source the URL that
	// cites it.
	Run, Date, Source string
}

// Grid is one pair of components: rows × columns of versions.
type Grid struct {
	Row, Col       string // component names
	Rows, Cols     []string
	Cells          [][]CompatCell
	Good, Bad, Den int
}

// CompatView is the compatibility page.
type CompatView struct {
	Path            string
	Stack, Distro   string
	Stacks, Distros []string
	Grids           []Grid
	// Others are facts of one component or of more than two: not a cell.
	Others []CompatCell
}

// fact is one measured or cited statement about a set of versions.
type fact struct {
	versions map[string]string
	distros  []string // empty: any
	cell     CompatCell
}

// Compat builds the matrix from the compatibility facts (compat.json's
// JSON), the sweeps' results and the policy's decisions, for one stack
// ("" any) and one distro ("" any). A bad measurement outweighs a good one;
// a measured cell is not asked of the policy; an unmeasured one is denied
// when a version or distro rule refuses it, else untested.
func Compat(ctx context.Context, data []byte, sweeps []Sweep, stack, distro string) (CompatView, error) {
	v := CompatView{Stack: stack, Distro: distro}
	facts, err := policies.ParseData(data)
	if err != nil {
		return v, err
	}
	var all []fact
	for _, list := range []string{"known_good", "known_bad"} {
		entries, _ := facts[list].([]any)
		for _, e := range entries {
			if f, ok := factOf(list, e); ok {
				all = append(all, f)
			}
		}
	}
	stacks := map[string]bool{}
	inStack := map[string]bool{} // components the stack's sweeps measured
	for _, s := range sweeps {
		stacks[s.Stack] = true
		if stack != "" && s.Stack != stack {
			continue
		}
		for _, r := range s.Results {
			for c := range r.Versions {
				inStack[c] = true
			}
			all = append(all, sweepFact(s, r))
		}
	}
	v.Stacks = slices.Sorted(maps.Keys(stacks))
	distros := map[string]bool{}
	if m, ok := facts["distros"].(map[string]any); ok {
		for _, l := range m {
			for _, d := range asStrings(l) {
				distros[d] = true
			}
		}
	}
	for _, f := range all {
		for _, d := range f.distros {
			distros[d] = true
		}
	}
	v.Distros = slices.Sorted(maps.Keys(distros))

	// The grids: every pair of components some fact names.
	type pairKey struct{ a, b string }
	grids := map[pairKey]*Grid{}
	var order []pairKey
	measured := map[pairKey]map[[2]string]CompatCell{}
	for _, f := range all {
		if distro != "" && len(f.distros) > 0 && !slices.Contains(f.distros, distro) {
			continue
		}
		names := slices.Sorted(maps.Keys(f.versions))
		if len(names) != 2 {
			v.Others = append(v.Others, f.cell)
			continue
		}
		if stack != "" && (!inStack[names[0]] || !inStack[names[1]]) {
			continue
		}
		k := pairKey{names[0], names[1]}
		g := grids[k]
		if g == nil {
			g = &Grid{Row: k.a, Col: k.b}
			grids[k] = g
			order = append(order, k)
			measured[k] = map[[2]string]CompatCell{}
		}
		a, b := f.versions[k.a], f.versions[k.b]
		addVersion(&g.Rows, a)
		addVersion(&g.Cols, b)
		c := f.cell
		c.Row, c.Col = a, b
		if old, ok := measured[k][[2]string{a, b}]; ok && !outweighs(c, old) {
			continue
		}
		measured[k][[2]string{a, b}] = c
	}
	var checker *policies.Checker
	sort.Slice(order, func(i, j int) bool { return order[i].a+"/"+order[i].b < order[j].a+"/"+order[j].b })
	for _, k := range order {
		g := grids[k]
		sortVersions(g.Rows)
		sortVersions(g.Cols)
		for _, a := range g.Rows {
			row := make([]CompatCell, 0, len(g.Cols))
			for _, b := range g.Cols {
				c, ok := measured[k][[2]string{a, b}]
				if !ok {
					if checker == nil {
						if checker, err = policies.New(ctx, data); err != nil {
							return v, err
						}
					}
					if c, err = ruled(ctx, checker, k.a, a, k.b, b, distro); err != nil {
						return v, err
					}
				}
				switch c.State {
				case Good:
					g.Good++
				case Bad:
					g.Bad++
				case Denied:
					g.Den++
				}
				row = append(row, c)
			}
			g.Cells = append(g.Cells, row)
		}
		v.Grids = append(v.Grids, *g)
	}
	return v, nil
}

// outweighs tells whether c replaces old in a cell: bad over good over
// denied over unmeasured (a failure anywhere outweighs a pass elsewhere);
// of two alike, the newer.
func outweighs(c, old CompatCell) bool {
	if rank[c.State] != rank[old.State] {
		return rank[c.State] > rank[old.State]
	}
	return c.Date > old.Date
}

var rank = map[string]int{Untested: 0, Denied: 1, Good: 2, Bad: 3}

// ruled asks the policy about an unmeasured pair: only the rules about
// versions and distros (the cluster's shape is not the matrix's question).
func ruled(ctx context.Context, ch *policies.Checker, a, va, b, vb, distro string) (CompatCell, error) {
	c := CompatCell{Row: va, Col: vb, State: Untested}
	dec, err := ch.Check(ctx, policies.Input{Components: map[string]string{a: va, b: vb}, Distro: distro})
	if err != nil {
		return c, fmt.Errorf("compatibility policy on %s %s, %s %s: %w", a, va, b, vb, err)
	}
	for _, r := range dec.Deny {
		if strings.HasPrefix(r.Rule, "version-") || r.Rule == "distro" || r.Rule == "known-bad-pair" {
			c.State, c.Rule = Denied, r.Rule
			if c.Text != "" {
				c.Text += "; "
			}
			c.Text += r.Message
		}
	}
	return c, nil
}

// factOf reads a known_good or known_bad entry of the facts file.
func factOf(list string, e any) (fact, bool) {
	o, ok := e.(map[string]any)
	if !ok {
		return fact{}, false
	}
	f := fact{versions: map[string]string{}, distros: asStrings(o["distros"])}
	pair, _ := o["pair"].([]any)
	for _, m := range pair {
		mo, _ := m.(map[string]any)
		c, _ := mo["component"].(string)
		ver, _ := mo["version"].(string)
		if c == "" || ver == "" {
			return fact{}, false
		}
		f.versions[c] = ver
	}
	f.cell.State = Good
	if list == "known_bad" {
		f.cell.State = Bad
	}
	f.cell.Text, _ = o["reason"].(string)
	f.cell.Run, _ = o["run"].(string)
	f.cell.Date, _ = o["date"].(string)
	f.cell.Source, _ = o["source"].(string)
	if f.cell.Row == "" {
		f.cell.Row = policies.VersionList(f.versions)
	}
	return f, true
}

// sweepFact is one result of a sweep.
func sweepFact(s Sweep, r events.SweepResult) fact {
	f := fact{versions: r.Versions, distros: []string{r.Distro}}
	f.cell = CompatCell{Row: policies.VersionList(r.Versions), Run: s.Run, Date: s.Finished.UTC().Format(policies.DateLayout), Text: r.Detail}
	switch r.Outcome {
	case "passed":
		f.cell.State = Good
	case "failed":
		f.cell.State = Bad
	case "denied":
		f.cell.State, f.cell.Rule = Denied, "policy"
	default: // error: the infrastructure failed; nothing was measured
		f.cell.State = Untested
		f.cell.Text = "the sweep could not measure it: " + r.Detail
	}
	return f
}

// compatPage is the compatibility matrix: GET /compat?stack=S&distro=D.
func (d *Dashboard) compatPage(w http.ResponseWriter, r *http.Request) {
	p := page{Title: "Compatibility", Tab: "compat"}
	q := r.URL.Query()
	if d.src.Compat == nil {
		p.Notes = append(p.Notes, notAvailable("compatibility facts"))
		p.Data = CompatView{}
		d.render(w, http.StatusOK, "compat.html", p)
		return
	}
	data, path, err := d.src.Compat()
	if err != nil {
		p.Notes = append(p.Notes, "compatibility facts: "+err.Error())
		p.Data = CompatView{}
		d.render(w, http.StatusOK, "compat.html", p)
		return
	}
	var sweeps []Sweep
	if d.src.Sweeps != nil {
		if sweeps, err = d.src.Sweeps.Sweeps(r.Context()); err != nil {
			p.Notes = append(p.Notes, "sweeps: "+err.Error())
		}
	} else {
		p.Notes = append(p.Notes, notAvailable("sweep results"))
	}
	v, err := Compat(r.Context(), data, sweeps, q.Get("stack"), q.Get("distro"))
	if err != nil {
		p.Notes = append(p.Notes, path+": "+err.Error())
	}
	v.Path = path
	p.Data = v
	d.render(w, http.StatusOK, "compat.html", p)
}
