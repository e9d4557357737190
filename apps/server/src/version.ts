/** Reported to MCP clients; kept in step with package.json by hand. */
export const SERVER_VERSION = "0.1.0";
