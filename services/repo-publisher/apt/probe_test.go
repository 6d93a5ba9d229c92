package apt

import (
	"fmt"
	"testing"
	"time"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
)

func TestProbeXZ(t *testing.T) {
	var b []byte
	for i := 0; i < 20000; i++ {
		p := Package{Name: fmt.Sprintf("pkg%05d", i), Version: fmt.Sprintf("1.%d.%d-1", i%7, i), Architecture: "amd64",
			Fields: []Field{{"Maintainer", "Ringmaster Builders <builders@ringmaster.dev>"}, {"Installed-Size", fmt.Sprint(100 + i)}, {"Depends", "libc6 (>= 2.36), libssl3 (>= 3.0.0)"}, {"Section", "utils"}, {"Priority", "optional"}, {"Homepage", "https://ringmaster.dev/"}, {"Description", fmt.Sprintf("synthetic package %d\nThis is a synthetic package used to measure\nthe APT index builder.", i)}},
			Filename: fmt.Sprintf("pool/main/p/pkg%05d/pkg%05d_1.0_amd64.deb", i, i), Size: int64(1000 + i), MD5: fmt.Sprintf("%032x", i*7919), SHA1: fmt.Sprintf("%040x", i*104729), SHA256: fmt.Sprintf("%064x", i*1299709)}
		b = appendStanza(b, &p)
		b = append(b, '\n')
	}
	t.Logf("size %d", len(b))
	for _, c := range []xz.WriterConfig{{DictCap: 1 << 20, Matcher: lzma.HashTable4}, {DictCap: 8 << 20, Matcher: lzma.HashTable4}, {DictCap: 1 << 20, Matcher: lzma.BinaryTree}} {
		xzConfig = c
		st := time.Now()
		out, err := xzBytes(b)
		t.Logf("%+v %v %d %v", c, time.Since(st), len(out), err)
	}
	st := time.Now()
	out, _ := gzipBytes(b)
	t.Logf("gz %v %d", time.Since(st), len(out))
}
