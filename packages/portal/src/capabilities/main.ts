// Entry point of /opt/portal/capabilities.cjs. `boot`: boot stage 80 (snapshot, agent guide, links, banner).
// `print [include]`: the static manifest on stdout, vast-capabilities' fallback when the portal does not answer.
import { assembleCapabilities } from '@vast/conventions/capabilities';
import { applyCapabilitiesStage } from './apply-stage';
import { readCapabilitiesFacts } from './read-facts';

const [command] = process.argv.slice(2);
if (command === 'boot') {
  process.exitCode = applyCapabilitiesStage({ env: process.env, log: (line) => console.log(line) }) ? 0 : 1;
} else if (command === 'print') {
  process.stdout.write(`${JSON.stringify(assembleCapabilities(readCapabilitiesFacts({ env: process.env })), null, 2)}\n`);
} else {
  console.error(`capabilities.cjs: unknown command '${command ?? ''}'. Use 'boot' (boot stage 80) or 'print' (the static manifest).`);
  process.exitCode = 2;
}
