package config

import (
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
