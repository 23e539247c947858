#!/bin/sh
# Finds the Java that Mycel runs on and prints its home folder (its java.home), so that `mycel`
# and `mvnw` choose the same one. Usage: scripts/find-java.sh [NAME], NAME prefixing messages.
#
# Order: $JAVA_HOME when it is set (the user chose it, so it is never second-guessed), else the
# `java` on PATH when it is Java 25 or newer, else the first JDK 25+ installed in the usual places
# ($MYCEL_JVM_ROOTS, a space-separated list of folders holding JDKs, replaces them; tests use it).
# Exit status: 0 with the home printed; 1 with a message on stderr when no Java, or only an older
# one, was found (the home of the older one is still printed, so a caller may go on with it).
#
# A separate script rather than a function to source, because mvnw is POSIX sh running with
# `set -euf` (no globbing) and the launcher is bash: a subshell keeps both unaffected.
set -eu

name="${1:-mycel}"

# Prints "MAJOR HOME" for a java executable, or nothing if it does not run.
describe() {
  "$1" -XshowSettings:properties -version 2>&1 | awk -F' = ' '
    /^ *java\.specification\.version = / { spec = $2 }
    /^ *java\.home = / { home = $2 }
    END { if (spec != "" && home != "") { sub(/\..*/, "", spec); print spec " " home } }'
}

chosen=""
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
  chosen="$(describe "$JAVA_HOME/bin/java" || true)"
  where="JAVA_HOME ($JAVA_HOME)"
else
  if command -v java >/dev/null 2>&1; then
    chosen="$(describe "$(command -v java)" || true)"
    where="the java on PATH ($(command -v java))"
  fi
  if [ -z "$chosen" ] || [ "${chosen%% *}" -lt 25 ]; then
    # The default java is missing or too old: look for a newer JDK installed beside it.
    set +f
    for root in ${MYCEL_JVM_ROOTS:-/usr/lib/jvm /Library/Java/JavaVirtualMachines}; do
      for candidate in "$root"/*/bin/java "$root"/*/Contents/Home/bin/java; do
        [ -x "$candidate" ] || continue
        found="$(describe "$candidate" || true)"
        if [ -n "$found" ] && [ "${found%% *}" -ge 25 ]; then
          chosen="$found"
          break 2
        fi
      done
    done
  fi
fi

if [ -z "$chosen" ]; then
  echo "$name: no Java found. Install a JDK 25 (for example Eclipse Temurin 25) and set JAVA_HOME to it." >&2
  exit 1
fi
echo "${chosen#* }"
major="${chosen%% *}"
if [ "$major" -lt 25 ]; then
  echo "$name: Mycel needs Java 25 or newer, but $where is Java $major." >&2
  echo "$name: install a JDK 25 (for example Eclipse Temurin 25) and set JAVA_HOME to it." >&2
  exit 1
fi
