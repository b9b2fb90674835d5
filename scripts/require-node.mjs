// Guard: every npm script must run on Node 22 or newer. The pinned `node` devDependency puts
// its binary first on PATH inside npm scripts; if it is missing (npm ci not run, or an install
// script was blocked), the machine's Node would be used silently. Refuse loudly instead.
const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  process.stderr.write(
    `\nERROR: Node ${process.versions.node} is too old: this project needs Node 22 or newer.\n` +
      'Run `npm ci` first: it installs the pinned Node (devDependency "node") that npm scripts use.\n\n',
  );
  process.exit(1);
}
