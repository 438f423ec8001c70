// tsc does not keep the executable bit: npx would answer "Permission denied" on the bin.
import { chmodSync, cpSync } from 'node:fs';
chmodSync(new URL('../dist/harness/cli/main.js', import.meta.url), 0o755);
// tsc copies no assets: the report schemas (JSON Schema, and the JUnit XSD) ship beside the code
// that writes the reports, in dist/harness/report/schemas/ (package export `interleave/schemas/*`).
cpSync(new URL('../harness/report/schemas/', import.meta.url), new URL('../dist/harness/report/schemas/', import.meta.url), { recursive: true });
