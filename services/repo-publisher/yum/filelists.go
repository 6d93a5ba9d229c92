package yum

// filelistsXML writes filelists.xml: every file of every package.
func filelistsXML(pkgs []*Package) []byte {
	w := &xw{b: make([]byte, 0, len(pkgs)*1024+256)}
	w.raw(xmlDecl)
	w.raw(`<filelists xmlns="` + nsFilelists + `"`)
	w.attrInt("packages", int64(len(pkgs)))
	w.raw(">\n")
	for _, p := range pkgs {
		pkgOpen(w, p)
		for _, f := range p.Files {
			fileElem(w, "  ", f)
		}
		w.raw("</package>\n")
	}
	w.raw("</filelists>") // no final newline, as createrepo_c
	return w.b
}

// pkgOpen writes the <package> start and <version> of filelists and other.
func pkgOpen(w *xw, p *Package) {
	w.raw("<package")
	w.attr("pkgid", p.Checksum)
	w.attr("name", p.Name)
	w.attr("arch", p.Arch)
	w.raw(">\n")
	versionElem(w, "  ", p)
}
