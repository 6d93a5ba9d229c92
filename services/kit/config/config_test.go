package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHomeAndEnv(t *testing.T) {
	t.Setenv(EnvHome, "rel/home")
	h, err := Home()
	if err != nil || !filepath.IsAbs(h) || !strings.HasSuffix(h, "rel/home") {
		t.Fatalf("Home() = %q, %v", h, err)
	}
	t.Setenv(EnvHome, "")
	t.Setenv("HOME", "/home/someone")
	if h, _ := Home(); h != "/home/someone/.local/share/ringmaster" {
		t.Fatalf("default Home() = %q", h)
	}
	t.Setenv("RING_TEST_X", "")
	if Env("RING_TEST_X", "d") != "d" {
		t.Fatal("empty variable should give the default")
	}
	t.Setenv("RING_TEST_X", "v")
	if Env("RING_TEST_X", "d") != "v" {
		t.Fatal("set variable ignored")
	}
}

func TestProjectDir(t *testing.T) {
	t.Setenv("RING_TEST_DIR", "")
	if d := ProjectDir("RING_TEST_DIR", "."); !filepath.IsAbs(d) {
		t.Fatalf("ProjectDir = %q, want absolute", d)
	}
	t.Setenv("RING_TEST_DIR", "/x/y")
	if d := ProjectDir("RING_TEST_DIR", "infra/stacks"); d != "/x/y" {
		t.Fatalf("ProjectDir with env = %q", d)
	}
}

// TestPathsAfterChdir: the embedded S3 server changes the working
// directory; relative paths still mean what they meant where the process
// started.
func TestPathsAfterChdir(t *testing.T) {
	start, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	t.Setenv("RING_TEST_DIR", "")
	if d := ProjectDir("RING_TEST_DIR", "testdata-or-not"); d != filepath.Join(start, "testdata-or-not") {
		t.Errorf("ProjectDir after chdir = %q, want under %s", d, start)
	}
	if d := ProjectDir("RING_TEST_DIR", "config.go"); d != filepath.Join(start, "config.go") {
		t.Errorf("ProjectDir of an existing file after chdir = %q", d)
	}
	t.Setenv(EnvHome, "rel/home")
	if h, err := Home(); err != nil || h != filepath.Join(start, "rel/home") {
		t.Errorf("Home() after chdir = %q, %v; want %s", h, err, filepath.Join(start, "rel/home"))
	}
}

// Every image build shares one .deb cache: RING_DEB_CACHE, else under RING_HOME.
func TestDebCache(t *testing.T) {
	t.Setenv(EnvHome, "/srv/ring")
	t.Setenv(EnvDebCache, "")
	if d := DebCache(); d != "/srv/ring/cache/debs" {
		t.Errorf("DebCache() = %q, want under RING_HOME", d)
	}
	t.Setenv(EnvDebCache, "/var/cache/ring-debs")
	if d := DebCache(); d != "/var/cache/ring-debs" {
		t.Errorf("DebCache() with %s = %q", EnvDebCache, d)
	}
}
