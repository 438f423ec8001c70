// tsc does not keep the executable bit: npx would answer "Permission denied" on the bin.
import { chmodSync } from 'node:fs';
chmodSync(new URL('../dist/harness/cli/main.js', import.meta.url), 0o755);
