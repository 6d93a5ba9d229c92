package stack

import (
	"errors"
	"strings"
	"testing"
)

func TestParseValid(t *testing.T) {
	s, err := Parse("stacks/demo/stack.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if s.Channel != DefaultChannel || s.Components[0].Release != DefaultRelease || s.Components[0].Install[0].Type != TypeFile {
		t.Errorf("defaults not applied: %+v", s)
	}
	if s.Components[1].Dir != "stacks/demo" || s.Components[1].Path("src/appb") != "stacks/demo/src/appb" {
		t.Errorf("dir = %q", s.Components[1].Dir)
	}
}

func TestParseKeepsScalarText(t *testing.T) {
	src := strings.Replace(base, `version: "1.0"`, "version: 1.10", 1)
	src = strings.Replace(src, "dst: /usr/lib/liba/liba.so", "dst: /usr/lib/liba/liba.so\n        mode: 0644", 1)
	s, err := Parse("stack.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Components[0].Version; got != "1.10" {
		t.Errorf("version = %q, want 1.10", got)
	}
	if got := s.Components[0].Install[0].Mode; got != "0644" {
		t.Errorf("mode = %q, want 0644", got)
	}
}

// TestParseRules checks each validation rule and the exact position of its error.
func TestParseRules(t *testing.T) {
	const sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	cases := []struct {
		name     string
		old, new string // replaced once in base
		want     []string
	}{
		{"syntax", "distros: [debian-12]", "distros: [debian-12", []string{
			`stack.yaml:3:1: YAML syntax: ',' or ']' must be specified (fix the YAML)`}},
		{"unknown top field", "name: demo", "name: demo\nowner: me", []string{
			`stack.yaml:2:1: owner: unknown field (known fields: name, distros, channel, components, test)`}},
		{"unknown nested fields all reported", "        dst: /usr/lib/liba/liba.so", "        dst: /usr/lib/liba/liba.so\n        perms: 1\n        kind: x", []string{
			`stack.yaml:18:9: components[0].install[0].perms: unknown field (known fields: src, dst, type, mode, owner, group)`,
			`stack.yaml:19:9: components[0].install[0].kind: unknown field (known fields: src, dst, type, mode, owner, group)`}},
		{"wrong kind", "distros: [debian-12]", "distros: debian-12", []string{
			`stack.yaml:2:10: distros: is a scalar, want a list (write it as a YAML list)`}},
		{"missing name", "name: demo\n", "", []string{
			`stack.yaml:1:1: name: is missing (this field is required)`}},
		{"stack name", "name: demo", "name: Demo", []string{
			`stack.yaml:1:7: name: "Demo" is not a valid stack name (use lowercase letters, digits and '-')`}},
		{"distro", "[debian-12]", "[debian-12, debian12]", []string{
			`stack.yaml:2:22: distros[1]: "debian12" is not a valid distro (write <id>-<version>, e.g. debian-12 or rockylinux-9)`}},
		{"distro twice", "[debian-12]", "[debian-12, debian-12]", []string{
			`stack.yaml:2:22: distros[1]: "debian-12" is listed twice (remove the duplicate)`}},
		{"channel", "name: demo", "name: demo\nchannel: Stable!", []string{
			`stack.yaml:2:10: channel: "Stable!" is not a valid channel (use lowercase letters, digits and '-')`}},
		{"component name uppercase", "- name: liba", "- name: LibA", []string{
			`stack.yaml:4:11: components[0].name: "LibA" is not a valid package name (use at least 2 characters: lowercase letters, digits, '+', '-', '.', starting with a letter or digit)`,
			`stack.yaml:28:23: components[1].build.build_depends[0]: unknown component "liba" (name a component declared in this stack)`}},
		{"component name shell", "- name: appb", "- name: \"appb;rm\"", []string{
			`stack.yaml:18:11: components[1].name: "appb;rm" is not a valid package name (use at least 2 characters: lowercase letters, digits, '+', '-', '.', starting with a letter or digit)`}},
		{"component name slash", "- name: appb", "- name: app/b", []string{
			`stack.yaml:18:11: components[1].name: "app/b" is not a valid package name (use at least 2 characters: lowercase letters, digits, '+', '-', '.', starting with a letter or digit)`}},
		{"duplicate component", "- name: appb", "- name: liba", []string{
			`stack.yaml:18:11: components[1].name: duplicate component name "liba" (components[0] already uses it; rename one)`,
			`stack.yaml:28:23: components[1].build.build_depends[0]: "liba" depends on itself (remove it)`}},
		{"version dash", `version: "1.0"`, `version: "1.0-2"`, []string{
			`stack.yaml:5:14: components[0].version: "1.0-2" contains '-' (the upstream version must not contain '-'; put the package revision in release)`}},
		{"version letter first", `version: "1.0"`, `version: v1.0`, []string{
			`stack.yaml:5:14: components[0].version: "v1.0" is not a valid version (start with a digit and use only letters, digits, '.', '+', '~')`}},
		{"version space", `version: "1.0"`, `version: "1.0 beta"`, []string{
			`stack.yaml:5:14: components[0].version: "1.0 beta" is not a valid version (start with a digit and use only letters, digits, '.', '+', '~')`}},
		{"release dash", `version: "1.0"`, "version: \"1.0\"\n    release: 1-2", []string{
			`stack.yaml:6:14: components[0].release: "1-2" is not a valid release (use only letters, digits, '.', '+', '~', e.g. 1)`}},
		{"missing version", "    version: \"2.0\"\n", "", []string{
			`stack.yaml:18:5: components[1].version: is missing (this field is required)`}},
		{"maintainer", "maintainer: A B <a@example.org>\n    sources:\n      - dir", "maintainer: nobody\n    sources:\n      - dir", []string{
			`stack.yaml:22:17: components[1].maintainer: "nobody" is not a valid maintainer (write "Full Name <email@example.org>")`}},
		{"homepage", "    summary: an app", "    summary: an app\n    homepage: ftp://x", []string{
			`stack.yaml:21:15: components[1].homepage: "ftp://x" is not an http(s) URL (write a full URL such as https://example.org/foo-1.0.tar.gz)`}},
		{"sha256 short", sha, "abc", []string{
			`stack.yaml:11:17: components[0].sources[0].sha256: "abc" is not a sha256 (give 64 lowercase hex digits)`}},
		{"sha256 missing", "\n        sha256: " + sha, "", []string{
			`stack.yaml:10:9: components[0].sources[0].sha256: is missing (this field is required)`}},
		{"url bad", "url: https://example.org/liba-1.0.tar.gz", "url: example.org/liba.tgz", []string{
			`stack.yaml:10:14: components[0].sources[0].url: "example.org/liba.tgz" is not an http(s) URL (write a full URL such as https://example.org/foo-1.0.tar.gz)`}},
		{"url and dir", "      - dir: src/appb", "      - dir: src/appb\n        url: https://x.org/a.tgz", []string{
			`stack.yaml:24:14: components[1].sources[0].dir: is set together with url (give either url + sha256 or dir)`}},
		{"source dir escapes", "dir: src/appb", "dir: ../appb", []string{
			`stack.yaml:24:14: components[1].sources[0].dir: "../appb" contains '..' (keep it inside its base directory)`}},
		{"source dir absolute", "dir: src/appb", "dir: /src/appb", []string{
			`stack.yaml:24:14: components[1].sources[0].dir: "/src/appb" is absolute (write it relative to its base directory)`}},
		{"source dir space", "dir: src/appb", `dir: "src/app b"`, []string{
			`stack.yaml:24:14: components[1].sources[0].dir: "src/app b" contains ' ' (use only letters, digits and . _ + @ = , : ~ / -)`}},
		{"source dir shell", "dir: src/appb", `dir: "src/$(id)"`, []string{
			`stack.yaml:24:14: components[1].sources[0].dir: "src/$(id)" contains '$' (use only letters, digits and . _ + @ = , : ~ / -)`}},
		{"source dir unclean", "dir: src/appb", `dir: src//appb/`, []string{
			`stack.yaml:24:14: components[1].sources[0].dir: "src//appb/" is not clean (write "src/appb")`}},
		{"patch suffix", "    build:\n      image: toolchain-c\n      commands: [make]\n      build_depends", "    patches: [p/fix.txt]\n    build:\n      image: toolchain-c\n      commands: [make]\n      build_depends", []string{
			`stack.yaml:25:15: components[1].patches[0]: "p/fix.txt" is not a .patch or .diff file (name patch files *.patch or *.diff)`}},
		{"patch escapes", "    build:\n      image: toolchain-c\n      commands: [make]\n      build_depends", "    patches: [../fix.patch]\n    build:\n      image: toolchain-c\n      commands: [make]\n      build_depends", []string{
			`stack.yaml:25:15: components[1].patches[0]: "../fix.patch" contains '..' (keep it inside its base directory)`}},
		{"image", "      image: toolchain-c\n      commands: [make]\n      build_depends", "      image: Toolchain C\n      commands: [make]\n      build_depends", []string{
			`stack.yaml:26:14: components[1].build.image: "Toolchain C" is not a valid image name (write a container image reference such as ringmaster/toolchain-c:debian-12)`}},
		{"no commands", "      commands: [make]\n      build_depends", "      commands: []\n      build_depends", []string{
			`stack.yaml:27:17: components[1].build.commands: is missing (list the shell commands that build the component)`}},
		{"env key", "      commands: [make]\n      build_depends", "      commands: [make]\n      env: {\"BAD-KEY\": x}\n      build_depends", []string{
			`stack.yaml:28:13: components[1].build.env.BAD-KEY: "BAD-KEY" is not a valid environment variable name (use letters, digits and '_', not starting with a digit)`}},
		{"unknown build dep", "build_depends: [liba]", "build_depends: [liba, libz]", []string{
			`stack.yaml:28:29: components[1].build.build_depends[1]: unknown component "libz" (name a component declared in this stack)`}},
		{"cycle", "      commands: [make]\n    install:\n      - src: lib", "      commands: [make]\n      build_depends: [appb]\n    install:\n      - src: lib", []string{
			`stack.yaml:29:23: components[1].build.build_depends[0]: dependency cycle liba -> appb -> liba (remove one of these build_depends)`}},
		{"install dst relative", "dst: /usr/lib/appb/appb", "dst: usr/lib/appb/appb", []string{
			`stack.yaml:31:14: components[1].install[0].dst: "usr/lib/appb/appb" is not absolute (start it with /)`}},
		{"install dst dotdot", "dst: /usr/lib/appb/appb", "dst: /usr/lib/../../etc/shadow", []string{
			`stack.yaml:31:14: components[1].install[0].dst: "/usr/lib/../../etc/shadow" is not clean (write "/etc/shadow")`}},
		{"install dst outside trees", "dst: /usr/lib/appb/appb", "dst: /home/appb", []string{
			`stack.yaml:31:14: components[1].install[0].dst: "/home/appb" is outside the package trees (install below /usr/, /etc/, /var/, /opt/, /srv/)`}},
		{"install src dotdot", "src: bin/appb", "src: ../bin/appb", []string{
			`stack.yaml:30:14: components[1].install[0].src: "../bin/appb" contains '..' (keep it inside its base directory)`}},
		{"install src missing", "      - src: bin/appb\n        dst", "      - dst", []string{
			`stack.yaml:30:9: components[1].install[0].src: is missing (this field is required)`}},
		{"install dst twice", "        dst: /usr/lib/appb/appb\n", "        dst: /usr/lib/appb/appb\n      - {src: bin/appc, dst: /usr/lib/appb/appb}\n", []string{
			`stack.yaml:32:30: components[1].install[1].dst: "/usr/lib/appb/appb" is installed twice (components[1].install[0] installs it too)`}},
		{"install type", "dst: /usr/lib/appb/appb", "dst: /usr/lib/appb/appb\n        type: hardlink", []string{
			`stack.yaml:32:15: components[1].install[0].type: "hardlink" is not an install type (use file, dir, conffile or symlink)`}},
		{"conffile outside etc", "dst: /usr/lib/appb/appb", "dst: /usr/lib/appb/appb\n        type: conffile", []string{
			`stack.yaml:31:14: components[1].install[0].dst: conffile "/usr/lib/appb/appb" is not below /etc (install configuration below /etc/<component>/conf)`}},
		{"mode", "dst: /usr/lib/appb/appb", "dst: /usr/lib/appb/appb\n        mode: \"0999\"", []string{
			`stack.yaml:32:15: components[1].install[0].mode: "0999" is not a valid mode (write three octal digits such as 0644)`}},
		{"symlink mode", "dst: /usr/lib/appb/appb", "dst: /usr/lib/appb/appb\n        type: symlink\n        mode: \"0755\"", []string{
			`stack.yaml:33:15: components[1].install[0].mode: is set for a symlink (remove it; symlinks have no mode)`}},
		{"owner", "dst: /usr/lib/appb/appb", "dst: /usr/lib/appb/appb\n        owner: Root", []string{
			`stack.yaml:32:16: components[1].install[0].owner: "Root" is not a valid account name (use a user or group name such as root)`}},
		{"user name", "    install:\n      - src: bin/appb", "    user: {name: \"9x y\"}\n    install:\n      - src: bin/appb", []string{
			`stack.yaml:29:18: components[1].user.name: "9x y" is not a valid account name (use lowercase letters, digits, '_', '-', at most 32, not starting with a digit)`}},
		{"service script absolute", "    install:\n      - src: bin/appb", "    service: {script: /etc/init.d/x}\n    install:\n      - src: bin/appb", []string{
			`stack.yaml:29:23: components[1].service.script: "/etc/init.d/x" is absolute (write it relative to its base directory)`}},
		{"service clashes with install", "    install:\n      - src: bin/appb\n        dst: /usr/lib/appb/appb", "    service: {script: init/appb}\n    install:\n      - src: bin/appb\n        dst: /etc/init.d/appb", []string{
			`stack.yaml:32:14: components[1].install[0].dst: "/etc/init.d/appb" is installed twice (components[1].service installs it too)`}},
		{"relation op", "    install:\n      - src: bin/appb", "    relations:\n      depends: [{name: liba, op: \"~>\", version: \"1.0\"}]\n    install:\n      - src: bin/appb", []string{
			`stack.yaml:30:34: components[1].relations.depends[0].op: "~>" is not an operator (use one of <, <=, =, >=, >)`}},
		{"relation distro not built", "    install:\n      - src: bin/appb", "    relations:\n      depends: [{name: liba, distros: [debian-11]}]\n    install:\n      - src: bin/appb", []string{
			`stack.yaml:30:40: components[1].relations.depends[0].distros[0]: "debian-11" is not a distro the component is built for (name one of the component's (or the stack's) distros)`}},
		{"relation version without op", "    install:\n      - src: bin/appb", "    relations:\n      conflicts: [{name: liba, version: \"1.0\"}]\n    install:\n      - src: bin/appb", []string{
			`stack.yaml:30:20: components[1].relations.conflicts[0].op: is missing while version is set (add op: ">=" (or <, <=, =, >))`}},
		{"relation name", "    install:\n      - src: bin/appb", "    relations:\n      replaces: [{name: \"a b\"}]\n    install:\n      - src: bin/appb", []string{
			`stack.yaml:30:25: components[1].relations.replaces[0].name: "a b" is not a valid package name (use at least 2 characters: lowercase letters, digits, '+', '-', '.', starting with a letter or digit)`}},
		{"provides op", "    install:\n      - src: bin/appb", "    relations:\n      provides: [{name: appx, op: \">=\", version: \"1\"}]\n    install:\n      - src: bin/appb", []string{
			`stack.yaml:30:35: components[1].relations.provides[0].op: provides cannot use ">=" (use op: "=" or no version)`}},
		{"script path", "    install:\n      - src: bin/appb", "    scripts: {postinstall: \"x;y\"}\n    install:\n      - src: bin/appb", []string{
			`stack.yaml:29:28: components[1].scripts.postinstall: "x;y" contains ';' (use only letters, digits and . _ + @ = , : ~ / -)`}},
		{"alias", "name: demo", "name: &n demo\nchannel: *n", []string{
			`stack.yaml:2:10: channel: YAML aliases are not supported (write the value out)`}},
		{"test distro", "name: demo", "name: demo\ntest: {distro: debian-11}", []string{
			`stack.yaml:2:16: test.distro: "debian-11" is not one of the stack's distros [debian-12] (name one of them or leave it out)`}},
		{"test nodes", "name: demo", "name: demo\ntest: {nodes: 12}", []string{
			`stack.yaml:2:15: test.nodes: 12 nodes (give 1 to 9, or leave it out for the smallest cluster the policy allows)`}},
		{"test nodes not a number", "name: demo", "name: demo\ntest: {nodes: three}", []string{
			`stack.yaml:2:15: test.nodes: is a scalar, want a whole number (write a number such as 3)`}},
		{"test role", "name: demo", "name: demo\ntest:\n  nodes: 1\n  roles: {appc: 1, liba: 2}", []string{
			`stack.yaml:4:11: test.roles.appc: unknown component "appc" (name a component declared in this stack)`,
			`stack.yaml:4:20: test.roles.liba: 2 nodes (give 1 to 1)`}},
		{"test skip", "name: demo", "name: demo\ntest: {skip: maybe}", []string{
			`stack.yaml:2:14: test.skip: is a scalar, want true or false (write true or false)`}},
		{"empty", base, "", []string{
			`stack.yaml:1:1: is empty (write a mapping with name, distros and components)`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(base, tc.old) {
				t.Fatalf("base has no %q", tc.old)
			}
			src := strings.Replace(base, tc.old, tc.new, 1)
			s, err := Parse("stack.yaml", []byte(src))
			if err == nil {
				t.Fatalf("no error; stack %+v", s)
			}
			if s != nil {
				t.Error("stack returned along with errors")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error does not match ErrInvalid: %v", err)
			}
			got := strings.Split(err.Error(), "\n")
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestParseTest(t *testing.T) {
	src := strings.Replace(base, "name: demo", "name: demo\ntest:\n  nodes: 2\n  roles: {appb: 1}\n  suites: [packages]\n  memory_mb: 256\n  skip: false", 1)
	s, err := Parse("stack.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if tt := s.Test; tt == nil || tt.Nodes != 2 || tt.Roles["appb"] != 1 || tt.Suites[0] != "packages" || tt.MemoryMB != 256 || tt.Skip {
		t.Errorf("test = %+v", s.Test)
	}
}

func TestParseCollectsAllErrors(t *testing.T) {
	src := strings.NewReplacer(`version: "1.0"`, `version: "1.0-1"`, "dst: /usr/lib/appb/appb", "dst: relative", "name: demo", "name: demo\nbogus: 1").Replace(base)
	_, err := Parse("stack.yaml", []byte(src))
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("not Errors: %v", err)
	}
	if len(errs) != 3 {
		t.Fatalf("got %d errors, want 3:\n%v", len(errs), err)
	}
	for i := 1; i < len(errs); i++ {
		if errs[i].Line < errs[i-1].Line {
			t.Errorf("errors not in file order:\n%v", err)
		}
	}
}

func TestCycleIsErrCycle(t *testing.T) {
	src := strings.Replace(base, "      commands: [make]\n    install:\n      - src: lib", "      commands: [make]\n      build_depends: [appb]\n    install:\n      - src: lib", 1)
	_, err := Parse("stack.yaml", []byte(src))
	if !errors.Is(err, ErrCycle) {
		t.Fatalf("err = %v, want ErrCycle", err)
	}
}
