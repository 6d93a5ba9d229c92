package yum

import "strconv"

// repomdXML lists the indexes with their checksums; revision and
// timestamps are the publish time.
func repomdXML(docs []*indexFile, unix int64) []byte {
	ts := strconv.FormatInt(unix, 10)
	w := &xw{b: make([]byte, 0, 2048)}
	w.raw(xmlDecl)
	w.raw(`<repomd xmlns="` + nsRepo + `" xmlns:rpm="` + nsRPM + `">` + "\n")
	w.raw("  <revision>" + ts + "</revision>\n")
	for _, d := range docs {
		w.raw(`  <data type="` + d.kind + `">` + "\n")
		w.raw(`    <checksum type="sha256">` + d.gzSum + "</checksum>\n")
		w.raw(`    <open-checksum type="sha256">` + d.openSum + "</open-checksum>\n")
		w.raw("    <location")
		w.attr("href", d.path())
		w.raw("/>\n")
		w.raw("    <timestamp>" + ts + "</timestamp>\n")
		w.raw("    <size>" + strconv.Itoa(len(d.gz)) + "</size>\n")
		w.raw("    <open-size>" + strconv.Itoa(d.openSize) + "</open-size>\n")
		w.raw("  </data>\n")
	}
	w.raw("</repomd>\n")
	return w.b
}
