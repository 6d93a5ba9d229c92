package stack

import (
	"fmt"
	"strings"
)

// check applies r to v at path; an empty value is skipped (see required).
func (d *decoder) check(path, v string, rules ...rule) {
	if v == "" {
		return
	}
	for _, r := range rules {
		if p, h := r(v); p != "" {
			d.errorAt(path, p, h)
			return
		}
	}
}

func (d *decoder) required(path, v string) bool {
	if strings.TrimSpace(v) == "" {
		d.errorAt(path, "is missing", "this field is required")
		return false
	}
	return true
}

func (d *decoder) validate(s *Stack) {
	if d.required("name", s.Name) {
		d.check("name", s.Name, matches(slugRE, "stack name", "use lowercase letters, digits and '-'"))
	}
	if len(s.Distros) == 0 {
		d.errorAt("distros", "is missing", "list at least one distro, e.g. debian-12")
	}
	seen := map[string]bool{}
	for i, dist := range s.Distros {
		p := fmt.Sprintf("distros[%d]", i)
		if d.required(p, dist) {
			d.check(p, dist, matches(distroRE, "distro", "write <id>-<version>, e.g. debian-12 or rockylinux-9"))
			if seen[dist] {
				d.errorAt(p, fmt.Sprintf("%q is listed twice", dist), "remove the duplicate")
			}
			seen[dist] = true
		}
	}
	d.check("channel", s.Channel, matches(slugRE, "channel", "use lowercase letters, digits and '-'"))
	if len(s.Components) == 0 {
		d.errorAt("components", "is missing", "declare at least one component")
	}
	byName := map[string]int{}
	for i, c := range s.Components {
		p := fmt.Sprintf("components[%d]", i)
		if c == nil {
			d.errorAt(p, "is empty", "declare the component's fields")
			continue
		}
		for j, dist := range c.Distros {
			if !seen[dist] {
				d.errorAt(fmt.Sprintf("%s.distros[%d]", p, j), fmt.Sprintf("%q is not one of the stack's distros %v", dist, s.Distros), "add it to the stack's distros or remove it here")
			}
		}
		if first, dup := byName[c.Name]; dup && c.Name != "" {
			d.errorAt(p+".name", fmt.Sprintf("duplicate component name %q", c.Name),
				fmt.Sprintf("components[%d] already uses it; rename one", first))
		} else if c.Name != "" {
			byName[c.Name] = i
		}
		d.component(p, c)
		d.relationDistros(p, c, seen)
	}
	for i, c := range s.Components {
		if c == nil {
			continue
		}
		for j, dep := range c.Build.BuildDepends {
			p := fmt.Sprintf("components[%d].build.build_depends[%d]", i, j)
			switch _, known := byName[dep]; {
			case dep == "":
			case dep == c.Name:
				d.errorAt(p, fmt.Sprintf("%q depends on itself", dep), "remove it")
			case !known:
				d.errorAt(p, fmt.Sprintf("unknown component %q", dep), "name a component declared in this stack")
			}
		}
	}
	if s.Test != nil {
		d.test(s, seen, byName)
	}
	if len(d.errs) == 0 {
		if cyc := findCycle(s.Components); cyc != nil {
			e := &FieldError{Problem: "dependency cycle " + strings.Join(cyc.names, " -> "),
				Hint: "remove one of these build_depends", cycle: true}
			at := d.at[cyc.path]
			e.File, e.Line, e.Col, e.Path = d.file, at.line, at.col, cyc.path
			d.errs = append(d.errs, e)
		}
	}
}

func (d *decoder) component(p string, c *Component) {
	if d.required(p+".name", c.Name) {
		d.check(p+".name", c.Name, debName)
	}
	if d.required(p+".version", c.Version) {
		d.check(p+".version", c.Version, version)
	}
	d.check(p+".release", c.Release, release)
	if d.required(p+".summary", c.Summary) && strings.Contains(c.Summary, "\n") {
		d.errorAt(p+".summary", "spans several lines", "keep the summary to one line; use description for more")
	}
	d.required(p+".license", c.License)
	if d.required(p+".maintainer", c.Maintainer) {
		d.check(p+".maintainer", c.Maintainer, matches(mainterRE, "maintainer", `write "Full Name <email@example.org>"`))
	}
	d.check(p+".homepage", c.Homepage, webURL)

	if len(c.Sources) == 0 {
		d.errorAt(p+".sources", "is missing", "list at least one source: {url, sha256} or {dir}")
	}
	for i, src := range c.Sources {
		sp := fmt.Sprintf("%s.sources[%d]", p, i)
		switch {
		case src.URL != "" && src.Dir != "":
			d.errorAt(sp+".dir", "is set together with url", "give either url + sha256 or dir")
		case src.URL == "" && src.Dir == "":
			d.errorAt(sp, "has neither url nor dir", "give either url + sha256 or dir")
		case src.URL != "":
			d.check(sp+".url", src.URL, webURL)
			if d.required(sp+".sha256", src.SHA256) && !sha256RE.MatchString(src.SHA256) {
				d.errorAt(sp+".sha256", fmt.Sprintf("%q is not a sha256", src.SHA256), "give 64 lowercase hex digits")
			}
		default:
			d.check(sp+".dir", src.Dir, relPath)
			if src.SHA256 != "" {
				d.errorAt(sp+".sha256", "is set for a local dir", "remove it; only url sources are checksummed")
			}
		}
	}
	for i, patch := range c.Patches {
		pp := fmt.Sprintf("%s.patches[%d]", p, i)
		if d.required(pp, patch) {
			d.check(pp, patch, relPath, func(v string) (string, string) {
				if strings.HasSuffix(v, ".patch") || strings.HasSuffix(v, ".diff") {
					return "", ""
				}
				return fmt.Sprintf("%q is not a .patch or .diff file", v), "name patch files *.patch or *.diff"
			})
		}
	}
	d.build(p+".build", &c.Build)
	d.install(p, c)
	if u := c.User; u != nil {
		acct := matches(accountRE, "account name", "use lowercase letters, digits, '_', '-', at most 32, not starting with a digit")
		if d.required(p+".user.name", u.Name) {
			d.check(p+".user.name", u.Name, acct)
		}
		d.check(p+".user.group", u.Group, acct)
		d.check(p+".user.home", u.Home, absPath)
	}
	if sv := c.Service; sv != nil {
		if d.required(p+".service.script", sv.Script) {
			d.check(p+".service.script", sv.Script, relPath)
		}
		d.check(p+".service.name", sv.Name, debName)
	}
	d.relations(p+".relations.depends", c.Relations.Depends, false)
	d.relations(p+".relations.conflicts", c.Relations.Conflicts, false)
	d.relations(p+".relations.provides", c.Relations.Provides, true)
	d.relations(p+".relations.replaces", c.Relations.Replaces, false)
	d.check(p+".scripts.preinstall", c.Scripts.PreInstall, relPath)
	d.check(p+".scripts.postinstall", c.Scripts.PostInstall, relPath)
	d.check(p+".scripts.preremove", c.Scripts.PreRemove, relPath)
	d.check(p+".scripts.postremove", c.Scripts.PostRemove, relPath)
}

func (d *decoder) build(p string, b *Build) {
	if d.required(p+".image", b.Image) {
		d.check(p+".image", b.Image, matches(imageRE, "image name", "write a container image reference such as ringmaster/toolchain-c:debian-12"))
	}
	if len(b.Commands) == 0 {
		d.errorAt(p+".commands", "is missing", "list the shell commands that build the component")
	}
	for i, cmd := range b.Commands {
		d.required(fmt.Sprintf("%s.commands[%d]", p, i), cmd)
	}
	for k := range b.Env {
		d.check(p+".env."+k, k, matches(envKeyRE, "environment variable name", "use letters, digits and '_', not starting with a digit"))
	}
}

var installTypes = map[string]bool{TypeFile: true, TypeDir: true, TypeConffile: true, TypeSymlink: true}

func (d *decoder) install(p string, c *Component) {
	if len(c.Install) == 0 {
		d.errorAt(p+".install", "is missing", "list the files the package installs")
	}
	dsts := map[string]string{}
	if c.Service != nil && c.Service.Name != "" {
		dsts[c.Service.InitPath()] = p + ".service"
	}
	acct := matches(accountRE, "account name", "use a user or group name such as root")
	for i, in := range c.Install {
		ip := fmt.Sprintf("%s.install[%d]", p, i)
		if !installTypes[in.Type] {
			d.errorAt(ip+".type", fmt.Sprintf("%q is not an install type", in.Type), "use file, dir, conffile or symlink")
			continue
		}
		if d.required(ip+".dst", in.Dst) {
			d.check(ip+".dst", in.Dst, absPath, fhsPath)
			if first, dup := dsts[in.Dst]; dup {
				d.errorAt(ip+".dst", fmt.Sprintf("%q is installed twice", in.Dst), first+" installs it too")
			}
			dsts[in.Dst] = ip
		}
		switch in.Type {
		case TypeFile, TypeConffile:
			if d.required(ip+".src", in.Src) {
				d.check(ip+".src", in.Src, relPath)
			}
		case TypeDir:
			d.check(ip+".src", in.Src, relPath)
		case TypeSymlink:
			if d.required(ip+".src", in.Src) {
				d.check(ip+".src", in.Src, safeChars)
			}
			if in.Mode != "" {
				d.errorAt(ip+".mode", "is set for a symlink", "remove it; symlinks have no mode")
			}
		}
		if in.Type == TypeConffile && in.Dst != "" && !strings.HasPrefix(in.Dst, "/etc/") {
			d.errorAt(ip+".dst", fmt.Sprintf("conffile %q is not below /etc", in.Dst), "install configuration below /etc/<component>/conf")
		}
		d.check(ip+".mode", in.Mode, matches(modeRE, "mode", "write three octal digits such as 0644"))
		d.check(ip+".owner", in.Owner, acct)
		d.check(ip+".group", in.Group, acct)
	}
}

var relOps = map[string]bool{"<": true, "<=": true, "=": true, ">=": true, ">": true}

// relationDistros checks that a relation limited to some distros names only
// distros the component is built for.
func (d *decoder) relationDistros(p string, c *Component, stackDistros map[string]bool) {
	built := stackDistros
	if len(c.Distros) > 0 {
		built = map[string]bool{}
		for _, dist := range c.Distros {
			built[dist] = true
		}
	}
	for _, kind := range []struct {
		name string
		rels []Relation
	}{{"depends", c.Relations.Depends}, {"conflicts", c.Relations.Conflicts}, {"provides", c.Relations.Provides}, {"replaces", c.Relations.Replaces}} {
		for i, r := range kind.rels {
			for j, dist := range r.Distros {
				if !built[dist] {
					d.errorAt(fmt.Sprintf("%s.relations.%s[%d].distros[%d]", p, kind.name, i, j),
						fmt.Sprintf("%q is not a distro the component is built for", dist), "name one of the component's (or the stack's) distros")
				}
			}
		}
	}
}

func (d *decoder) relations(p string, rels []Relation, provides bool) {
	for i, r := range rels {
		rp := fmt.Sprintf("%s[%d]", p, i)
		if d.required(rp+".name", r.Name) {
			d.check(rp+".name", r.Name, debName)
		}
		switch {
		case r.Op == "" && r.Version != "":
			d.errorAt(rp+".op", "is missing while version is set", `add op: ">=" (or <, <=, =, >)`)
		case r.Op != "" && !relOps[r.Op]:
			d.errorAt(rp+".op", fmt.Sprintf("%q is not an operator", r.Op), "use one of <, <=, =, >=, >")
		case r.Op != "" && r.Version == "":
			d.errorAt(rp+".version", "is missing while op is set", "add the version or remove op")
		case provides && r.Op != "" && r.Op != "=":
			d.errorAt(rp+".op", fmt.Sprintf("provides cannot use %q", r.Op), `use op: "=" or no version`)
		}
		d.check(rp+".version", r.Version, relVersion)
	}
}

// test checks the test: section against the stack's distros and components.
func (d *decoder) test(s *Stack, distros map[string]bool, components map[string]int) {
	t := s.Test
	if t.Distro != "" && !distros[t.Distro] {
		d.errorAt("test.distro", fmt.Sprintf("%q is not one of the stack's distros %v", t.Distro, s.Distros), "name one of them or leave it out")
	}
	if t.Nodes < 0 || t.Nodes > MaxTestNodes {
		d.errorAt("test.nodes", fmt.Sprintf("%d nodes", t.Nodes), fmt.Sprintf("give 1 to %d, or leave it out for the smallest cluster the policy allows", MaxTestNodes))
	}
	for name, n := range t.Roles {
		p := "test.roles." + name
		if _, ok := components[name]; !ok {
			d.errorAt(p, fmt.Sprintf("unknown component %q", name), "name a component declared in this stack")
		} else if n < 1 || (t.Nodes > 0 && n > t.Nodes) {
			d.errorAt(p, fmt.Sprintf("%d nodes", n), fmt.Sprintf("give 1 to %d", max(t.Nodes, 1)))
		}
	}
	for i, suite := range t.Suites {
		d.check(fmt.Sprintf("test.suites[%d]", i), suite, matches(slugRE, "suite name", "name a suite, e.g. packages"))
	}
	if t.MemoryMB != 0 && t.MemoryMB < 64 {
		d.errorAt("test.memory_mb", fmt.Sprintf("%d MB", t.MemoryMB), "give at least 64, or leave it out")
	}
}
