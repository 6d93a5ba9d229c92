// Package yum builds the metadata of a YUM/DNF repository: it reads RPM
// headers (Inspect) and writes repodata/ (Build) the way createrepo_c
// --no-database does: <sha256>-primary.xml.gz, -filelists.xml.gz,
// -other.xml.gz, repomd.xml and its armored detached signature
// repomd.xml.asc (for repo_gpgcheck=1).
//
// Location hrefs are written verbatim. dnf resolves them against the
// repository base URL (the directory that holds repodata/); see
// PoolHref for how the publisher should lay out a shared pool.
package yum
