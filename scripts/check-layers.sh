#!/usr/bin/env bash
# Holds Joule's layer order (scripts/layers.txt, explained in docs/layout.md): every
# #include "joule/<folder>/...", "kernels/..." and "datasets/..." (with "" or <>) in lib/joule,
# kernels/ and datasets/ (.h, .hpp, .inc, .cpp, .cu, .cuh) must name the file's own folder or one
# listed above it. Any other include is resolved as the compiler would (relative to the file,
# then lib/, the top, kernels/), so "../ops/x.h" or "cpu/gemm.h" is judged by the file it reaches.
# Also: kernels/ includes nothing from joule/, datasets/ or lib/; nothing includes through
# "lib/..." or includes the umbrella joule/joule.h from inside the library; every folder of
# lib/joule has a place in the order. Prints file:line, the rule and the offending include for
# each violation and exits 1.
#
#   bash scripts/check-layers.sh [ROOT]    # ROOT: the source tree (default: this repository)
#
# Needs bash, find and awk only.
set -euo pipefail

root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
cd "$root"
layers_file=scripts/layers.txt
[[ -r $layers_file ]] || { echo "check-layers: cannot read $root/$layers_file" >&2; exit 2; }

# Known exceptions, "<file> <include>", each waiting for a redesign: none today. Add one only with
# its reason and a note in docs/layout.md; the script warns about an exception that no longer
# matches.
exceptions=(
)

files=()
while IFS= read -r -d '' f; do files+=("$f"); done < <(
  find lib/joule kernels datasets -type f \
    \( -name '*.h' -o -name '*.hpp' -o -name '*.inc' -o -name '*.cpp' -o -name '*.cu' \
       -o -name '*.cuh' \) \
    -print0 | sort -z)
folders=$(find lib/joule -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)

awk -v layers_file="$layers_file" -v folders="$folders" \
    -v exceptions="$(printf '%s\n' "${exceptions[@]}")" '
# "a/b/../c/./d.h" -> "a/c/d.h"; "" when the path climbs out of the tree.
function normalize(path,    parts, k, i, out, m) {
  k = split(path, parts, "/")
  m = 0
  for (i = 1; i <= k; i++) {
    if (parts[i] == "" || parts[i] == ".") continue
    if (parts[i] == "..") { if (m == 0) return ""; m--; continue }
    out[++m] = parts[i]
  }
  path = ""
  for (i = 1; i <= m; i++) path = path (i > 1 ? "/" : "") out[i]
  return path
}
function exists(path,    line, r) {
  if (path == "") return 0
  r = (getline line < path)
  close(path)
  return r >= 0
}
# The tree path an include names: relative to the folder of the including file (quoted includes),
# then to the include roots of the build (lib/, the top, kernels/); "" for a system header.
function resolve(file, inc, quoted,    d, p) {
  if (quoted) {
    d = file
    sub(/\/[^\/]*$/, "", d)
    p = normalize(d "/" inc)
    if (exists(p)) return p
  }
  p = normalize("lib/" inc); if (exists(p)) return p
  p = normalize(inc); if (exists(p)) return p
  p = normalize("kernels/" inc); if (exists(p)) return p
  return ""
}
function fail(file, line, msg) {
  printf "%s:%d: %s\n", file, line, msg
  bad++
}
BEGIN {
  bad = 0; n = 0; broken = 0; nfiles = 0
  while ((getline l < layers_file) > 0) {
    sub(/#.*/, "", l)
    sub(/^[ \t]+/, "", l)
    sub(/[ \t]+$/, "", l)
    if (l == "") continue
    if (split(l, f, /[ \t]+/) != 2) {
      printf "check-layers: %s: a line should be <folder> <path>: %s\n", layers_file, l
      broken = 1
      continue
    }
    rank[f[1]] = ++n; dir[f[1]] = f[2]; name[n] = f[1]
  }
  close(layers_file)
  if (n == 0) { printf "check-layers: no layers in %s\n", layers_file; broken = 1 }
  k = split(folders, fs, "\n")
  for (i = 1; i <= k; i++) {
    if (fs[i] == "") continue
    if (!(fs[i] in rank) || dir[fs[i]] != "lib/joule/" fs[i])
      fail("lib/joule/" fs[i], 0, "folder lib/joule/" fs[i] " has no place in " layers_file)
  }
  k = split(exceptions, ex, "\n")
  for (i = 1; i <= k; i++) if (ex[i] != "") { allowed[ex[i]] = 1; used[ex[i]] = 0 }
}
# The layer of a file, from its path; "" for the umbrella lib/joule/joule.h.
FNR == 1 {
  nfiles++
  src = ""
  if (FILENAME ~ /^lib\/joule\/[^\/]+\//) { split(FILENAME, p, "/"); src = p[3] }
  else if (FILENAME ~ /^kernels\//) src = "kernels"
  else if (FILENAME ~ /^datasets\//) src = "datasets"
}
/^[ \t]*#[ \t]*include[ \t]*["<]/ {
  inc = $0
  quoted = (inc ~ /^[ \t]*#[ \t]*include[ \t]*"/)
  sub(/^[ \t]*#[ \t]*include[ \t]*["<]/, "", inc)
  sub(/[">].*$/, "", inc)
  target = ""
  # An include by a relative path ("../ops/x.h", "pattern.h") or through another include root
  # ("cpu/gemm.h" from kernels/): judged by the file it reaches, named as written.
  if (inc !~ /^(lib|joule|kernels|datasets)\//) {
    path = resolve(FILENAME, inc, quoted)
    if (path ~ /^lib\/joule\/[^\/]+\//) {
      split(path, p, "/")
      target = p[3]
      if (!(target in rank) || dir[target] != "lib/joule/" target) next  # reported as a folder
    } else if (path ~ /^lib\/joule\/joule\.h$/) {
      if (src != "")
        fail(FILENAME, FNR, "includes the umbrella joule/joule.h (include what it uses)")
      next
    } else if (path ~ /^kernels\//) {
      target = "kernels"
    } else if (path ~ /^datasets\//) {
      target = "datasets"
    } else {
      next  # a system or third-party header, or a file outside the checked folders
    }
    if (src == "kernels" && target != "kernels") {
      fail(FILENAME, FNR, "kernels/ includes nothing from the framework, found " inc)
      next
    }
  }
  if (target != "") {
    # resolved above
  } else if (inc ~ /^lib\//) {
    fail(FILENAME, FNR, "includes through lib/ (include <joule/...> instead): " inc)
    next
  } else if (inc == "joule/joule.h") {
    if (src != "") fail(FILENAME, FNR, "includes the umbrella joule/joule.h (include what it uses)")
    next
  } else if (inc ~ /^joule\/[^\/]+\//) {
    split(inc, p, "/")
    target = p[2]
    if (!(target in rank) || dir[target] != "lib/joule/" target) {
      fail(FILENAME, FNR, "includes " inc ": joule/" target " has no place in " layers_file)
      next
    }
  } else if (inc ~ /^kernels\//) {
    target = "kernels"
  } else if (inc ~ /^datasets\//) {
    target = "datasets"
  } else {
    next  # a system or third-party header
  }
  if (src == "") next  # the umbrella joule.h may include any layer
  if (src == "kernels" && target != "kernels") {
    fail(FILENAME, FNR, "kernels/ includes nothing from the framework, found " inc)
    next
  }
  if (rank[target] > rank[src]) {
    key = FILENAME " " inc
    if (key in allowed) { used[key] = 1; next }
    fail(FILENAME, FNR, src " (layer " rank[src] ") includes " inc ": " target " is layer " \
         rank[target] ", above it")
  }
}
END {
  if (broken) exit 2
  for (key in used) {
    if (!used[key]) {
      printf "check-layers: warning: the exception \"%s\" no longer matches: remove it\n", key
    }
  }
  if (bad > 0) {
    printf "check-layers: %d violation(s) of the layer order in %s (see docs/layout.md)\n", \
           bad, layers_file
    exit 1
  }
  order = name[1]
  for (i = 2; i <= n; i++) order = order " < " name[i]
  printf "check-layers: %d files follow the layer order: %s\n", nfiles, order
}
' "${files[@]}"
