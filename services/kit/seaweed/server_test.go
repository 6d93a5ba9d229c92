package seaweed

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseAddr(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Addr
		err  string
	}{
		{"weed-master:9333", Addr{"weed-master", 9333, 19333}, ""},
		{"127.0.0.1:41000.41001", Addr{"127.0.0.1", 41000, 41001}, ""},
		{"[::1]:8888", Addr{"::1", 8888, 18888}, ""},
		{"weed-master", Addr{}, "want host:port"},
		{":9333", Addr{}, "want host:port"},
		{"h:http", Addr{}, `port "http"`},
		{"h:9333.x", Addr{}, `gRPC port "x"`},
		{"h:60000", Addr{}, "gRPC port would be 70000"},
	} {
		got, err := ParseAddr(tc.in)
		if tc.err != "" {
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err %v, want ErrInvalid with %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: %+v %v, want %+v", tc.in, got, err, tc.want)
		}
		if round, err := ParseAddr(got.String()); err != nil || round != got {
			t.Errorf("%q: String() %q reads back as %+v %v", tc.in, got.String(), round, err)
		}
	}
}

func TestServerArgs(t *testing.T) {
	master := Addr{"weed-master", 9333, 19333}
	filer := Addr{"weed-filer", 8888, 18888}
	for _, tc := range []struct {
		name string
		s    Server
		want string // the command line, space-separated
		err  string
	}{
		{"master", Server{Role: Master, Self: master, Bind: "0.0.0.0", Dir: "/d/m"},
			"master -ip=weed-master -ip.bind=0.0.0.0 -mdir=/d/m -peers=none -defaultReplication=001 -volumeSizeLimitMB=64 -port=9333 -port.grpc=19333", ""},
		{"master, other replication, bound to its address", Server{Role: Master, Self: Addr{"127.0.0.1", 1, 2}, Dir: "/d", Replication: "010"},
			"master -ip=127.0.0.1 -ip.bind=127.0.0.1 -mdir=/d -peers=none -defaultReplication=010 -volumeSizeLimitMB=64 -port=1 -port.grpc=2", ""},
		{"volume", Server{Role: Volume, Self: Addr{"weed-volume-2", 8080, 18080}, Bind: "0.0.0.0", Dir: "/d/v2", Master: master},
			"volume -ip=weed-volume-2 -ip.bind=0.0.0.0 -master=weed-master:9333.19333 -dir=/d/v2 -max=0 -dataCenter=dc1 -rack=rack1 -minFreeSpace=1GiB -port=8080 -port.grpc=18080", ""},
		{"filer", Server{Role: Filer, Self: filer, Bind: "0.0.0.0", Dir: "/d/f", Master: master},
			"filer -ip=weed-filer -ip.bind=0.0.0.0 -master=weed-master:9333.19333 -defaultStoreDir=/d/f -port=8888 -port.grpc=18888", ""},
		{"s3", Server{Role: S3, Self: Addr{"weed-s3", 8333, 18333}, Bind: "0.0.0.0", Filer: filer, S3Config: "/d/s3.json"},
			"s3 -ip.bind=0.0.0.0 -filer=weed-filer:8888.18888 -config=/d/s3.json -port=8333 -port.grpc=18333", ""},
		{"unknown role", Server{Role: "gateway", Self: filer}, "", `role "gateway"`},
		{"no address", Server{Role: Master, Dir: "/d"}, "", "master has no address"},
		{"volume without master", Server{Role: Volume, Self: filer, Dir: "/d"}, "", "needs the master's address"},
		{"filer without dir", Server{Role: Filer, Self: filer, Master: master}, "", "needs a data directory"},
		{"s3 without identities", Server{Role: S3, Self: filer, Filer: filer}, "", "needs an identities file"},
	} {
		got, err := tc.s.Args()
		if tc.err != "" {
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want ErrInvalid with %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || strings.Join(got, " ") != tc.want {
			t.Errorf("%s:\n got %q %v\nwant %q", tc.name, strings.Join(got, " "), err, tc.want)
		}
	}
}

func TestWriteS3Config(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s3", "s3.json")
	for range 2 { // a second write replaces the 0400 file
		if err := WriteS3Config(p, "ak", "sk"); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm() != 0o400 {
		t.Fatalf("%v %v, want mode 0400", fi, err)
	}
	var conf struct {
		Identities []struct {
			Credentials []struct{ AccessKey, SecretKey string }
			Actions     []string
		}
	}
	b, _ := os.ReadFile(p)
	if err := json.Unmarshal(b, &conf); err != nil || len(conf.Identities) != 1 || conf.Identities[0].Credentials[0].SecretKey != "sk" ||
		!slices.Contains(conf.Identities[0].Actions, "Admin") {
		t.Fatalf("%s: %v", b, err)
	}
	if err := WriteS3Config(p, "", "sk"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("no access key: %v", err)
	}
}
