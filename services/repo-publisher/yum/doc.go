// Package yum builds the metadata of a YUM/DNF repository: it reads RPM
// headers (Inspect) and writes repodata/ (Build) the way createrepo_c
// --no-database does: <sha256>-primary.xml.gz, -filelists.xml.gz,
// -other.xml.gz, repomd.xml and its armored detached signature
// repomd.xml.asc (for repo_gpgcheck=1).
//
// Location hrefs are written verbatim and resolved by dnf against the
// repository base URL (the directory that holds repodata/). An href that
// climbs out of the repository into a shared pool, such as
// "../../pool/r/ringtest/ringtest-1.0-1.x86_64.rpm" for the repository
// root yum/<distro>-<channel>/, works with dnf 4.14: librepo/curl remove the
// dot segments on the client, so the server (S3) is asked for the
// normalized key pool/r/ringtest/… (dnf_integration_test.go checks this).
package yum
