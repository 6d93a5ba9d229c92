package publisher

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"ringmaster.dev/events"
	"ringmaster.dev/repo-publisher/apt"
	"ringmaster.dev/repo-publisher/yum"
)

func TestValidatePromote(t *testing.T) {
	ok := events.RepoPromoteRequested{From: "nightly", To: "stable", Packages: []string{"ringhello@1.0.0-1"}}
	for _, tc := range []struct {
		name string
		edit func(r *events.RepoPromoteRequested)
		want string // "" = valid
	}{
		{"valid", func(r *events.RepoPromoteRequested) {}, ""},
		{"valid with distros and epoch", func(r *events.RepoPromoteRequested) {
			r.Distros = []string{"debian-12", "rockylinux-9"}
			r.Packages = []string{"a@1:2.0-3"}
		}, ""},
		{"bad from", func(r *events.RepoPromoteRequested) { r.From = "Nightly" }, `from channel "Nightly"`},
		{"empty to", func(r *events.RepoPromoteRequested) { r.To = "" }, `to channel ""`},
		{"same channel", func(r *events.RepoPromoteRequested) { r.To = "nightly" }, "to itself"},
		{"unknown distro", func(r *events.RepoPromoteRequested) { r.Distros = []string{"plan9"} }, `distro "plan9"`},
		{"no packages", func(r *events.RepoPromoteRequested) { r.Packages = nil }, "no packages"},
		{"no version", func(r *events.RepoPromoteRequested) { r.Packages = []string{"ringhello"} }, `"ringhello": want name@version`},
		{"empty version", func(r *events.RepoPromoteRequested) { r.Packages = []string{"ringhello@"} }, "want name@version"},
		{"empty name", func(r *events.RepoPromoteRequested) { r.Packages = []string{"@1.0"} }, "want name@version"},
		{"path", func(r *events.RepoPromoteRequested) { r.Packages = []string{"dist/x.deb@1"} }, "want name@version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ok
			tc.edit(&r)
			err := ValidatePromote(&r)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrBadRequest) {
				t.Fatalf("err = %v, want ErrBadRequest containing %q", err, tc.want)
			}
		})
	}
}

func deb(name, version, arch string) apt.Package {
	return apt.Package{Name: name, Version: version, Architecture: arch, Filename: apt.PoolPath(name, version, arch), SHA256: name + version + arch}
}

func rpm(name, epoch, version, release string) yum.Package {
	return yum.Package{Name: name, Epoch: epoch, Version: version, Release: release, Arch: "x86_64",
		Href: "../pool/" + name[:1] + "/" + name + "/" + name + "-" + version + "-" + release + ".x86_64.rpm"}
}

func TestSelectPackages(t *testing.T) {
	src := newManifest("nightly")
	src.Debs["debian-12"] = []apt.Package{deb("ringhello", "1.0.0-1", "amd64"), deb("ringhello", "1.0.0-1", "arm64"), deb("ringhello", "1.0.1-1", "amd64"), deb("ringtool", "2.0-1", "all")}
	src.Debs["ubuntu-24.04"] = []apt.Package{deb("ringhello", "1.0.0-1", "amd64")}
	src.RPMs["rockylinux-9"] = []yum.Package{rpm("ringhello", "0", "1.0.0", "1"), rpm("ringtool", "2", "2.0", "1")}

	type want struct{ debs, rpms map[string]int } // entries per distro
	for _, tc := range []struct {
		name    string
		distros []string
		pkgs    []string
		want    want
		err     string
	}{
		{"every distro, every arch", nil, []string{"ringhello@1.0.0-1"},
			want{map[string]int{"debian-12": 2, "ubuntu-24.04": 1}, map[string]int{"rockylinux-9": 1}}, ""},
		{"distro filter", []string{"debian-12"}, []string{"ringhello@1.0.0-1", "ringtool@2.0-1"},
			want{map[string]int{"debian-12": 3}, map[string]int{}}, ""},
		{"rpm with epoch", []string{"rockylinux-9"}, []string{"ringtool@2:2.0-1", "ringhello@0:1.0.0-1"},
			want{map[string]int{}, map[string]int{"rockylinux-9": 2}}, ""},
		{"rpm epoch needed to match deb-style ref too", nil, []string{"ringtool@2.0-1"},
			want{map[string]int{"debian-12": 1}, map[string]int{"rockylinux-9": 1}}, ""},
		{"unknown version names what exists", nil, []string{"ringhello@9.9-1"}, want{},
			"ringhello@9.9-1 (nightly has ringhello@1.0.0-1 [debian-12, rockylinux-9, ubuntu-24.04], ringhello@1.0.1-1 [debian-12])"},
		{"unknown name lists packages", nil, []string{"nope@1.0"}, want{}, "no nope; its packages are ringhello, ringtool"},
		{"version only in another distro", []string{"ubuntu-24.04"}, []string{"ringhello@1.0.1-1"}, want{},
			"ringhello@1.0.1-1 (nightly has ringhello@1.0.0-1 [ubuntu-24.04])"},
		{"distro not in channel", []string{"debian-13"}, []string{"ringhello@1.0.0-1"}, want{},
			"channel nightly has no packages for debian-13; it has debian-12, rockylinux-9, ubuntu-24.04"},
		{"one missing fails all", nil, []string{"ringhello@1.0.0-1", "ringhello@2"}, want{}, "not in channel nightly"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sel, err := selectPackages(src, &events.RepoPromoteRequested{From: "nightly", To: "stable", Distros: tc.distros, Packages: tc.pkgs})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !IsPermanent(err) {
					t.Fatalf("err = %v, want a permanent error containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for d, n := range tc.want.debs {
				if len(sel.debs[d]) != n {
					t.Errorf("debs[%s] = %d entries, want %d", d, len(sel.debs[d]), n)
				}
			}
			for d, n := range tc.want.rpms {
				if len(sel.rpms[d]) != n {
					t.Errorf("rpms[%s] = %d entries, want %d", d, len(sel.rpms[d]), n)
				}
			}
			if len(sel.debs) != len(tc.want.debs) || len(sel.rpms) != len(tc.want.rpms) {
				t.Errorf("selected distros %v %v, want %v %v", sortedKeys(sel.debs), sortedKeys(sel.rpms), tc.want.debs, tc.want.rpms)
			}
		})
	}
}

func TestPromote(t *testing.T) {
	ctx := context.Background()
	c := &clock{now: testStart}
	store := newMemStore(c)
	p := newTestPublisher(t, store, c, testKey(t))

	debData := makePkg(t, "deb", "ringhello", "1.0.0-1", "amd64")
	rpmData := makePkg(t, "rpm", "ringhello", "1.0.0-1", "amd64")
	if _, err := p.Publish(ctx, &events.RepoPublishRequested{Channel: "nightly", Distros: []string{"debian-12", "rockylinux-9"},
		Packages: []events.PackageRef{upload(t, store, "a.deb", debData), upload(t, store, "a.rpm", rpmData)}}); err != nil {
		t.Fatal(err)
	}
	c.Add(time.Minute)
	// stable already has another package: promotion adds, it does not replace.
	other := makePkg(t, "deb", "ringother", "3.0-1", "amd64")
	if _, err := p.Publish(ctx, &events.RepoPublishRequested{Channel: "stable", Distros: []string{"debian-12"},
		Packages: []events.PackageRef{upload(t, store, "o.deb", other)}}); err != nil {
		t.Fatal(err)
	}
	c.Add(time.Minute)
	poolBefore := store.count(AptRoot+"pool/") + store.count(YumPool)

	// Unknown version: permanent, nothing written.
	puts := store.puts
	_, err := p.Promote(ctx, &events.RepoPromoteRequested{From: "nightly", To: "stable", Packages: []string{"ringhello@2.0-1"}})
	if !IsPermanent(err) || !strings.Contains(err.Error(), "ringhello@1.0.0-1 [debian-12, rockylinux-9]") {
		t.Fatalf("unknown version: %v", err)
	}
	if store.puts != puts {
		t.Fatalf("a failed promote wrote %d objects", store.puts-puts)
	}

	out, err := p.Promote(ctx, &events.RepoPromoteRequested{From: "nightly", To: "stable", Packages: []string{"ringhello@1.0.0-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Channel != "stable" || strings.Join(out.Distros, ",") != "debian-12,rockylinux-9" || out.Hashes["debian-12/InRelease"] == "" || out.Hashes["rockylinux-9/repomd.xml"] == "" {
		t.Fatalf("result %+v", out)
	}
	if n := store.count(AptRoot+"pool/") + store.count(YumPool); n != poolBefore {
		t.Fatalf("pool objects %d → %d: promote must not copy packages", poolBefore, n)
	}
	nightly, _ := LoadManifest(ctx, store, "nightly")
	stable, _ := LoadManifest(ctx, store, "stable")
	if len(stable.Debs["debian-12"]) != 2 || len(stable.RPMs["rockylinux-9"]) != 1 {
		t.Fatalf("stable has %v %v", stable.Debs, stable.RPMs)
	}
	if stable.Debs["debian-12"][1].Filename != nightly.Debs["debian-12"][0].Filename || stable.RPMs["rockylinux-9"][0].Href != nightly.RPMs["rockylinux-9"][0].Href {
		t.Fatal("promoted entries do not point at the same pool files")
	}
	if stable.Revision != 2 || !stable.Updated.Equal(c.Now()) {
		t.Fatalf("stable revision %d updated %v", stable.Revision, stable.Updated)
	}
	inRelease := readKey(t, store, AptRoot+"dists/debian-12-stable/InRelease")
	if !strings.Contains(inRelease, "Suite: debian-12-stable") {
		t.Fatalf("InRelease:\n%s", inRelease)
	}
	pkgs := readKey(t, store, AptRoot+"dists/debian-12-stable/main/binary-amd64/Packages")
	if !strings.Contains(pkgs, "Package: ringhello") || !strings.Contains(pkgs, "Package: ringother") {
		t.Fatalf("Packages:\n%s", pkgs)
	}
	if len(stable.Retired) == 0 {
		t.Fatal("the replaced stable indexes were not retired")
	}

	// Promoting again changes nothing but the signed dates; the pool is checked.
	c.Add(time.Second)
	store.mu.Lock()
	delete(store.objs, AptRoot+nightly.Debs["debian-12"][0].Filename)
	store.mu.Unlock()
	_, err = p.Promote(ctx, &events.RepoPromoteRequested{From: "nightly", To: "stable", Distros: []string{"debian-12"}, Packages: []string{"ringhello@1.0.0-1"}})
	if !IsPermanent(err) || !strings.Contains(err.Error(), "is missing") {
		t.Fatalf("missing pool file: %v", err)
	}
}

func readKey(t *testing.T, store *memStore, key string) string {
	t.Helper()
	store.mu.Lock()
	defer store.mu.Unlock()
	o, ok := store.objs[key]
	if !ok {
		t.Fatalf("%s is missing", key)
	}
	return string(o.data)
}
