package mirror

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// RepoData is one <data> entry of repomd.xml.
type RepoData struct {
	Type     string
	Href     string // relative to the repository root (the dir holding repodata/)
	Size     int64  // -1 if absent
	SHA256   string
	OpenSize int64
}

type xmlChecksum struct {
	Type  string `xml:"type,attr"`
	Value string `xml:",chardata"`
}

type xmlLocation struct {
	Href string `xml:"href,attr"`
	Base string `xml:"http://www.w3.org/XML/1998/namespace base,attr"`
}

// ParseRepomd parses (verified) repomd.xml. Every entry must carry a sha256
// checksum.
func ParseRepomd(b []byte) ([]RepoData, error) {
	var doc struct {
		XMLName xml.Name `xml:"repomd"`
		Data    []struct {
			Type     string      `xml:"type,attr"`
			Checksum xmlChecksum `xml:"checksum"`
			Location xmlLocation `xml:"location"`
			Size     string      `xml:"size"`
		} `xml:"data"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("repomd.xml: %w", err)
	}
	var out []RepoData
	seen := map[string]bool{}
	for _, d := range doc.Data {
		what := fmt.Sprintf("repomd.xml: data %q", d.Type)
		if d.Location.Base != "" {
			return nil, fmt.Errorf("%s: location xml:base is not supported", what)
		}
		if err := checkRelPath(d.Location.Href); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		sum, err := sha256Of(d.Checksum)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		size := int64(-1)
		if s := strings.TrimSpace(d.Size); s != "" {
			if size, err = strconv.ParseInt(s, 10, 64); err != nil || size < 0 {
				return nil, fmt.Errorf("%s: size %q", what, s)
			}
		}
		if seen[d.Location.Href] {
			continue
		}
		seen[d.Location.Href] = true
		out = append(out, RepoData{Type: d.Type, Href: d.Location.Href, Size: size, SHA256: sum})
	}
	if len(out) == 0 {
		return nil, errors.New("repomd.xml lists no data")
	}
	return out, nil
}

func sha256Of(c xmlChecksum) (string, error) {
	t := strings.ToLower(c.Type)
	if t != "sha256" {
		return "", fmt.Errorf("checksum type %q: only sha256 is supported", c.Type)
	}
	v := strings.ToLower(strings.TrimSpace(c.Value))
	if !validSHA256(v) {
		return "", fmt.Errorf("checksum %q is not a sha256", c.Value)
	}
	return v, nil
}

// RPM is one package of primary.xml.
type RPM struct {
	Name, Arch string
	Href       string // relative to the repository root; may start with ../
	Size       int64
	SHA256     string
}

// ParsePrimary streams primary.xml and returns its packages.
func ParsePrimary(r io.Reader) ([]RPM, error) {
	dec := xml.NewDecoder(r)
	var out []RPM
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("primary.xml: %w", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "package" {
			continue
		}
		var p struct {
			Name     string      `xml:"name"`
			Arch     string      `xml:"arch"`
			Checksum xmlChecksum `xml:"checksum"`
			Location xmlLocation `xml:"location"`
			Size     struct {
				Package string `xml:"package,attr"`
			} `xml:"size"`
		}
		if err := dec.DecodeElement(&p, &se); err != nil {
			return nil, fmt.Errorf("primary.xml: package %d: %w", len(out)+1, err)
		}
		what := fmt.Sprintf("primary.xml: package %s.%s", p.Name, p.Arch)
		if p.Location.Base != "" {
			return nil, fmt.Errorf("%s: location xml:base is not supported", what)
		}
		if p.Location.Href == "" {
			return nil, fmt.Errorf("%s: no location href", what)
		}
		sum, err := sha256Of(p.Checksum)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		size := int64(-1)
		if s := p.Size.Package; s != "" {
			if size, err = strconv.ParseInt(s, 10, 64); err != nil || size < 0 {
				return nil, fmt.Errorf("%s: size %q", what, s)
			}
		}
		out = append(out, RPM{Name: p.Name, Arch: p.Arch, Href: p.Location.Href, Size: size, SHA256: sum})
	}
	return out, nil
}

// looksLikeRepomd tells a repomd.xml from an HTML error page.
func looksLikeRepomd(b []byte) bool { return bytes.Contains(b, []byte("<repomd")) }
