// Package apt builds a signed APT repository: it reads .deb control data
// (Inspect), names pool files (PoolPath) and renders the index files of one
// suite (Build): Packages, Packages.gz and Packages.xz per architecture,
// their by-hash copies, Release, Release.gpg and InRelease, each tagged with
// the upload stage that keeps the repository consistent for readers.
//
// Release lists only SHA256 hashes (no MD5Sum or SHA1 sections): with
// "Acquire-By-Hash: yes" every hash Release lists must exist under by-hash,
// and current apt checks SHA256 only, so one by-hash copy per index file is
// enough. Packages stanzas still carry MD5sum, SHA1 and SHA256 for the .debs.
package apt
