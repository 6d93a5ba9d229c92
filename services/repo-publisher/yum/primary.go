package yum

const (
	nsCommon    = "http://linux.duke.edu/metadata/common"
	nsRPM       = "http://linux.duke.edu/metadata/rpm"
	nsFilelists = "http://linux.duke.edu/metadata/filelists"
	nsOther     = "http://linux.duke.edu/metadata/other"
	nsRepo      = "http://linux.duke.edu/metadata/repo"
	xmlDecl     = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"
)

// primaryXML writes primary.xml in createrepo_c's layout.
func primaryXML(pkgs []*Package) []byte {
	w := &xw{b: make([]byte, 0, len(pkgs)*2048+256)}
	w.raw(xmlDecl)
	w.raw(`<metadata xmlns="` + nsCommon + `" xmlns:rpm="` + nsRPM + `"`)
	w.attrInt("packages", int64(len(pkgs)))
	w.raw(">\n")
	for _, p := range pkgs {
		w.raw("<package type=\"rpm\">\n")
		w.elem("  ", "name", p.Name)
		w.elem("  ", "arch", p.Arch)
		versionElem(w, "  ", p)
		w.raw(`  <checksum type="sha256" pkgid="YES">`)
		w.text(p.Checksum)
		w.raw("</checksum>\n")
		w.elem("  ", "summary", p.Summary)
		w.elem("  ", "description", p.Description)
		w.elem("  ", "packager", p.Packager)
		w.elem("  ", "url", p.URL)
		w.raw("  <time")
		w.attrInt("file", p.FileTime)
		w.attrInt("build", p.BuildTime)
		w.raw("/>\n  <size")
		w.attrUint("package", p.PackageSize)
		w.attrUint("installed", p.InstalledSize)
		w.attrUint("archive", p.ArchiveSize)
		w.raw("/>\n  <location")
		w.attr("href", p.Href)
		w.raw("/>\n  <format>\n")
		w.elem("    ", "rpm:license", p.License)
		w.elem("    ", "rpm:vendor", p.Vendor)
		w.elem("    ", "rpm:group", p.Group)
		w.elem("    ", "rpm:buildhost", p.BuildHost)
		w.elem("    ", "rpm:sourcerpm", p.SourceRPM)
		w.raw("    <rpm:header-range")
		w.attrUint("start", p.HeaderStart)
		w.attrUint("end", p.HeaderEnd)
		w.raw("/>\n")
		depsElem(w, "rpm:provides", p.Provides, false)
		depsElem(w, "rpm:requires", p.Requires, true)
		depsElem(w, "rpm:conflicts", p.Conflicts, false)
		depsElem(w, "rpm:obsoletes", p.Obsoletes, false)
		depsElem(w, "rpm:suggests", p.Suggests, false)
		depsElem(w, "rpm:enhances", p.Enhances, false)
		depsElem(w, "rpm:recommends", p.Recommends, false)
		depsElem(w, "rpm:supplements", p.Supplements, false)
		for _, f := range p.Files {
			if isPrimaryFile(f.Path) {
				fileElem(w, "    ", f)
			}
		}
		w.raw("  </format>\n</package>\n")
	}
	w.raw("</metadata>") // no final newline, as createrepo_c
	return w.b
}

func versionElem(w *xw, indent string, p *Package) {
	w.raw(indent)
	w.raw("<version")
	w.attr("epoch", p.Epoch)
	w.attr("ver", p.Version)
	w.attr("rel", p.Release)
	w.raw("/>\n")
}

func depsElem(w *xw, name string, deps []Dependency, requires bool) {
	if len(deps) == 0 {
		return
	}
	w.raw("    <" + name + ">\n")
	for _, d := range deps {
		w.raw("      <rpm:entry")
		w.attr("name", d.Name)
		if d.Flags != "" {
			w.attr("flags", d.Flags)
			if d.Epoch != "" {
				w.attr("epoch", d.Epoch)
			}
			if d.Version != "" {
				w.attr("ver", d.Version)
			}
			if d.Release != "" {
				w.attr("rel", d.Release)
			}
		}
		if requires && d.Pre {
			w.raw(` pre="1"`)
		}
		w.raw("/>\n")
	}
	w.raw("    </" + name + ">\n")
}

func fileElem(w *xw, indent string, f File) {
	w.raw(indent)
	switch f.Type {
	case FileDir:
		w.raw(`<file type="dir">`)
	case FileGhost:
		w.raw(`<file type="ghost">`)
	default:
		w.raw("<file>")
	}
	w.text(f.Path)
	w.raw("</file>\n")
}
