package apt

import "testing"

func TestPoolPath(t *testing.T) {
	for _, c := range []struct{ name, version, arch, want string }{
		{"ringtest", "1.0", "all", "pool/main/r/ringtest/ringtest_1.0_all.deb"},
		{"ringtest", "1.0-1", "amd64", "pool/main/r/ringtest/ringtest_1.0-1_amd64.deb"},
		{"ringtest", "2:1.0-1", "amd64", "pool/main/r/ringtest/ringtest_1.0-1_amd64.deb"},
		{"libc6", "2.36-9+deb12u4", "amd64", "pool/main/libc/libc6/libc6_2.36-9+deb12u4_amd64.deb"},
		{"libssl3", "3.0.11-1~deb12u2", "arm64", "pool/main/libs/libssl3/libssl3_3.0.11-1~deb12u2_arm64.deb"},
		{"lib", "1", "all", "pool/main/l/lib/lib_1_all.deb"},
		{"liba", "1", "all", "pool/main/liba/liba/liba_1_all.deb"},
		{"0ad", "0.0.26-3", "amd64", "pool/main/0/0ad/0ad_0.0.26-3_amd64.deb"},
		{"g++", "4:12.2.0-3", "amd64", "pool/main/g/g++/g++_12.2.0-3_amd64.deb"},
		{"weird", "1:2.0:3-1", "amd64", "pool/main/w/weird/weird_2.0%3a3-1_amd64.deb"},
	} {
		if got := PoolPath(c.name, c.version, c.arch); got != c.want {
			t.Errorf("PoolPath(%q, %q, %q) = %q, want %q", c.name, c.version, c.arch, got, c.want)
		}
	}
}
