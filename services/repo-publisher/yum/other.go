package yum

// otherXML writes other.xml: the changelogs.
func otherXML(pkgs []*Package) []byte {
	w := &xw{b: make([]byte, 0, len(pkgs)*512+256)}
	w.raw(xmlDecl)
	w.raw(`<otherdata xmlns="` + nsOther + `"`)
	w.attrInt("packages", int64(len(pkgs)))
	w.raw(">\n")
	for _, p := range pkgs {
		pkgOpen(w, p)
		for _, c := range p.Changelog {
			w.raw("  <changelog")
			w.attr("author", c.Author)
			w.attrInt("date", c.Date)
			w.raw(">")
			w.text(c.Text)
			w.raw("</changelog>\n")
		}
		w.raw("</package>\n")
	}
	w.raw("</otherdata>") // no final newline, as createrepo_c
	return w.b
}
