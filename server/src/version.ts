// The release version, in a module of its own so the CLI can print it without loading the app.
export const NODEPILOT_VERSION = "0.1.0";
