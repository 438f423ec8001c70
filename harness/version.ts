/** Kept equal to package.json's version (a test checks it); reports carry it. */
export const HARNESS_VERSION = '0.1.0';
