package stack

// base is a minimal valid stack; line numbers matter to the tests.
const base = `name: demo
distros: [debian-12]
components:
  - name: liba
    version: "1.0"
    summary: a library
    license: MIT
    maintainer: A B <a@example.org>
    sources:
      - url: https://example.org/liba-1.0.tar.gz
        sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    build:
      image: toolchain-c
      commands: [make]
    install:
      - src: lib/liba.so
        dst: /usr/lib/liba/liba.so
  - name: appb
    version: "2.0"
    summary: an app
    license: MIT
    maintainer: A B <a@example.org>
    sources:
      - dir: src/appb
    build:
      image: toolchain-c
      commands: [make]
      build_depends: [liba]
    install:
      - src: bin/appb
        dst: /usr/lib/appb/appb
`
