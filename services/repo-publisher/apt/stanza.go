package apt

import (
	"strconv"
	"strings"
)

// appendStanza appends p's Packages stanza (without the blank separator
// line): Package, the control fields in their original order (Version and
// Architecture from p where the control file had them, else after Package),
// then Filename, Size, MD5sum, SHA1 and SHA256.
func appendStanza(b []byte, p *Package) []byte {
	b = appendField(b, "Package", p.Name)
	_, hasVer := p.Field("Version")
	_, hasArch := p.Field("Architecture")
	if !hasVer {
		b = appendField(b, "Version", p.Version)
	}
	if !hasArch {
		b = appendField(b, "Architecture", p.Architecture)
	}
	for _, f := range p.Fields {
		switch {
		case equalFold(f.Name, "Version"):
			b = appendField(b, "Version", p.Version)
		case equalFold(f.Name, "Architecture"):
			b = appendField(b, "Architecture", p.Architecture)
		case indexOnlyField(f.Name):
		default:
			b = appendField(b, f.Name, f.Value)
		}
	}
	b = appendField(b, "Filename", p.Filename)
	b = append(b, "Size: "...)
	b = strconv.AppendInt(b, p.Size, 10)
	b = append(b, '\n')
	b = appendField(b, "MD5sum", p.MD5)
	b = appendField(b, "SHA1", p.SHA1)
	b = appendField(b, "SHA256", p.SHA256)
	return b
}

// appendField writes a deb822 field: continuation lines get a leading space,
// empty ones become " .", so no value can end the stanza early.
func appendField(b []byte, name, value string) []byte {
	b = append(b, name...)
	b = append(b, ':')
	value = strings.TrimRight(value, "\n")
	first, rest, more := strings.Cut(value, "\n")
	if first != "" {
		b = append(b, ' ')
		b = append(b, first...)
	}
	b = append(b, '\n')
	for more {
		var line string
		line, rest, more = strings.Cut(rest, "\n")
		if strings.TrimSpace(line) == "" {
			b = append(b, " .\n"...)
			continue
		}
		b = append(b, ' ')
		b = append(b, line...)
		b = append(b, '\n')
	}
	return b
}
