#!/bin/sh
# Compiles ZooKeeper 3.8.0 from upstream's source tarball without Maven and
# without network, with javac against the distro's own Java libraries (the
# toolchain-java image installs them from Debian packages), and stages a
# Bigtop-style tree in $OUT:
#
#   lib/zookeeper-jute.jar  jute runtime + record classes generated from
#                           zookeeper.jute (jute compiler made with javacc)
#   lib/zookeeper.jar       zookeeper-server's main sources + version Info
#   lib/*.jar               the runtime dependencies, copied from /usr/share/java
#   bin/ conf/              upstream's scripts and configuration
#
# Run by the demo stack from the source root (/build) as
# `sh source1/build.sh`; source1 is this directory. What is not built, and
# why (see docs/services/builder.md):
#   - Apache Yetus audience annotations are not packaged by Debian: the two
#     annotation holders are stubbed (stubs/), compile-time only — the
#     annotations mark API audience and have no runtime behaviour, so the
#     stubs are not shipped;
#   - zookeeper-metrics-providers (Prometheus) needs the Prometheus Java
#     client, which Debian does not package: not built (it is an optional
#     plug-in, not part of zookeeper.jar; the default metrics provider is);
#   - netty-tcnative (OpenSSL through JNI) is not shipped: netty falls back
#     to the JDK's TLS, and nothing in zookeeper-server's sources needs it;
#   - zookeeper-client-c, contrib, recipes, docs and tests are not built.
set -eu

ZK_VERSION=3.8.0
# The upstream release commit (what `git rev-parse release-3.8.0^{commit}`
# gives, and what Apache's own 3.8.0 binaries report).
REVISION_HASH=5a02a05eddb59aee6ac762f7ea82e92a68eb9c0f
J=/usr/share/java
TOP=$(pwd)

echo "zookeeper build: $(. /etc/os-release && echo "$PRETTY_NAME"), $(javac -version 2>&1), $(javacc 2>&1 | sed -n 's/^Java Compiler Compiler Version \([^ ]*\).*/javacc \1/p')"

HERE=$(cd "$(dirname "$0")" && pwd)
W=$TOP/ring-build
G=$W/generated
C=$W/classes
rm -rf "$W"
mkdir -p "$G/org/apache/jute/compiler/generated" "$G/org/apache/zookeeper/version" \
	"$C/stubs" "$C/rcc" "$C/jute" "$C/server"

# Upstream compiles for Java 8; keep its language level and API.
# -implicit:none: Debian jars that carry sources (findbugs-annotations) must
# not have them compiled into ours.
JAVAC="javac -J-Xmx700m --release 8 -encoding UTF-8 -nowarn -Xlint:none -g -implicit:none"

# Every jar this build compiles against must exist: a missing Debian package
# fails here, by name, rather than as a page of javac errors.
need() {
	for j in "$@"; do
		test -f "$J/$j.jar" || { echo "missing $J/$j.jar (install its Debian package in the toolchain-java image)" >&2; exit 1; }
	done
}

# 1. stub annotations (compile time only)
$JAVAC -d "$C/stubs" $(find "$HERE/stubs" -name '*.java' | LC_ALL=C sort)

# 2. the jute compiler: its parser from rcc.jj with javacc (the options of
#    upstream's javacc-maven-plugin execution), then the compiler itself
javacc -LOOKAHEAD=2 -STATIC=false -OUTPUT_DIRECTORY="$G/org/apache/jute/compiler/generated" \
	zookeeper-jute/src/main/java/org/apache/jute/compiler/generated/rcc.jj
JUTE_SRC=$(find zookeeper-jute/src/main/java "$G/org/apache/jute" -name '*.java' | LC_ALL=C sort)
$JAVAC -cp "$C/stubs" -d "$C/rcc" $JUTE_SRC

# 3. the record classes from zookeeper.jute, then zookeeper-jute.jar
(cd "$G" && java -cp "$C/rcc" org.apache.jute.compiler.generated.Rcc -l java \
	"$TOP/zookeeper-jute/src/main/resources/zookeeper.jute")
$JAVAC -cp "$C/stubs" -d "$C/jute" $(find zookeeper-jute/src/main/java "$G" -name '*.java' | LC_ALL=C sort)

# 4. the version classes Maven filters from src/main/java-filtered. The
#    build time is SOURCE_DATE_EPOCH when set, else the release's own date
#    (the tarball's pom.xml), so that rebuilds give the same string.
if [ "${SOURCE_DATE_EPOCH:-0}" -gt 0 ]; then
	EPOCH=$SOURCE_DATE_EPOCH
else
	EPOCH=$(date -u -r "${SRC:-.}/pom.xml" +%s)
fi
BUILD_TIME=$(date -u -d "@$EPOCH" '+%Y-%m-%d %H:%M UTC')
MAJOR=${ZK_VERSION%%.*}; rest=${ZK_VERSION#*.}; MINOR=${rest%%.*}; MICRO=${rest#*.}
F=zookeeper-server/src/main/java-filtered/org/apache/zookeeper/version
sed -e "s/\${parsedVersion.majorVersion}/$MAJOR/" -e "s/\${parsedVersion.minorVersion}/$MINOR/" \
	-e "s/\${parsedVersion.incrementalVersion}/$MICRO/" -e 's/\${parsedVersion.qualifier}//g' \
	-e "s/\${mvngit.commit.id}/$REVISION_HASH/" -e "s/\${build.time}/$BUILD_TIME/" \
	"$F/Info.java" > "$G/org/apache/zookeeper/version/Info.java"
sed -e "s/\${project.version}/$ZK_VERSION/" -e "s/\${build.time}/$BUILD_TIME/" \
	"$F/VersionInfoMain.java" > "$G/org/apache/zookeeper/version/VersionInfoMain.java"
if grep -n '\${' "$G/org/apache/zookeeper/version/"*.java; then
	echo "unfiltered Maven property left in the version classes" >&2; exit 1
fi

# 5. zookeeper-server's main sources against the distro's jars. The
#    compile-only ones (annotations) are not shipped.
COMPILE_ONLY="findbugs-annotations jetty9-client"
RUNTIME="slf4j-api logback-classic logback-core commons-cli commons-io
	jackson-annotations jackson-core jackson-databind
	jetty9-http jetty9-io jetty9-security jetty9-server jetty9-servlet jetty9-util jetty9-util-ajax servlet-api
	jline2 metrics-core snappy-java
	netty-buffer netty-codec netty-common netty-handler netty-resolver netty-transport
	netty-transport-native-epoll netty-transport-native-unix-common"
need $COMPILE_ONLY $RUNTIME slf4j-nop
CP=$C/stubs:$C/jute
for j in $COMPILE_ONLY $RUNTIME; do CP=$CP:$J/$j.jar; done
$JAVAC -cp "$CP" -d "$C/server" \
	$(find zookeeper-server/src/main/java "$G/org/apache/zookeeper/version" -name '*.java' | LC_ALL=C sort)

# 6. jars, reproducible: a manifest written here (the one jar makes has no
#    fixed time), entries sorted, timestamps fixed
jarof() { # jar classes-dir title
	mkdir -p "$2/META-INF"
	printf 'Manifest-Version: 1.0\r\nImplementation-Title: %s\r\nImplementation-Vendor: The Apache Software Foundation\r\nImplementation-Version: %s\r\n\r\n' \
		"$3" "$ZK_VERSION" > "$2/META-INF/MANIFEST.MF"
	find "$2" -exec touch -h -d "@$EPOCH" {} +
	(cd "$2" && find . -type f | LC_ALL=C sort | sed 's|^\./||') > "$W/entries"
	(cd "$2" && jar --create --no-manifest --file "$1" @"$W/entries")
}
mkdir -p "$OUT/lib" "$OUT/bin" "$OUT/conf"
jarof "$OUT/lib/zookeeper-jute.jar" "$C/jute" zookeeper-jute
jarof "$OUT/lib/zookeeper.jar" "$C/server" zookeeper
for j in $RUNTIME; do cp -L "$J/$j.jar" "$OUT/lib/$j.jar"; done

# 7. upstream's scripts and configuration
cp bin/zkEnv.sh bin/zkServer.sh bin/zkCli.sh bin/zkCleanup.sh "$OUT/bin/"
sed 's|^dataDir=.*|dataDir=/var/lib/zookeeper|' conf/zoo_sample.cfg > "$OUT/conf/zoo.cfg"
cp conf/logback.xml "$OUT/conf/"

# 8. it runs: the compiled version class answers with this version
RUN_CP=$OUT/lib/zookeeper.jar:$OUT/lib/zookeeper-jute.jar:$J/slf4j-api.jar:$J/slf4j-nop.jar
java -cp "$RUN_CP" org.apache.zookeeper.Version --full
java -cp "$RUN_CP" org.apache.zookeeper.Version --short | grep -qx "$ZK_VERSION"
rm -rf "$W"
