import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "./helpers/server.js";

const KEY = "mcp-key-0123456789abcdef";
let t: TestServer;
beforeAll(async () => {
  t = await startServer({ apiKeys: [KEY] });
});
afterAll(() => t.close());

const textOf = (r: unknown) => JSON.parse((r as { content: { text: string }[] }).content[0]!.text);

async function connect(key?: string): Promise<Client> {
  const client = new Client({ name: "test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), {
    requestInit: { headers: key ? { authorization: `Bearer ${key}` } : {} },
  });
  await client.connect(transport);
  return client;
}

describe("MCP over streamable HTTP (/mcp)", () => {
  it("lists execute_code and analyze_code and runs code through the audited pipeline", async () => {
    const client = await connect(KEY);
    const tools = await client.listTools();
    expect(tools.tools.map((x) => x.name).sort()).toEqual(["analyze_code", "execute_code"]);
    const res = await client.callTool({
      name: "execute_code",
      arguments: { code: "console.log(greeting + ' ' + (2 ** 10))", context: { greeting: "hi" } },
    });
    expect(res.isError).toBeFalsy();
    const result = textOf(res);
    expect(result).toMatchObject({ status: "completed", output: "hi 1024\n" });
    const row = (await (
      await t.req(`/api/audit/execution/${result.id}`, { key: KEY })
    ).json()) as any;
    expect(row).toMatchObject({ status: "completed", apiKeyId: expect.stringMatching(/^key_/) });
    const blocked = await client.callTool({
      name: "execute_code",
      arguments: { code: "require('child_process').execSync('id')", policy: "strict" },
    });
    expect(blocked.isError).toBe(true);
    expect(textOf(blocked).status).toBe("blocked");
    const analysis = textOf(
      await client.callTool({ name: "analyze_code", arguments: { code: "eval(x)" } }),
    );
    expect(analysis.findings.map((f: { rule: string }) => f.rule)).toContain("eval-call");
    await client.close();
  });

  it("refuses a client without the API key (deny beside the allow above)", async () => {
    await expect(connect()).rejects.toThrow(/401|Unauthorized|API key/i);
    await expect(connect("wrong-key-0123456789abcd")).rejects.toThrow();
  });
});

describe("MCP over stdio (airlock-mcp)", () => {
  const root = dirname(dirname(fileURLToPath(import.meta.url)));
  const dir = mkdtempSync(join(tmpdir(), "airlock-mcp-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("serves the same tools to a spawned client", async () => {
    expect(existsSync(join(root, "dist", "mcp", "stdio.js")), "build apps/server first").toBe(true);
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [join(root, "bin", "airlock-mcp.js")],
      env: {
        PATH: process.env.PATH ?? "",
        DATABASE_PATH: join(dir, "audit.db"),
        LOG_LEVEL: "warn",
      },
      stderr: "pipe",
    });
    const client = new Client({ name: "stdio-test", version: "1.0.0" });
    await client.connect(transport);
    const res = await client.callTool({
      name: "execute_code",
      arguments: { code: "console.log(JSON.stringify(process.env))" },
    });
    expect(textOf(res)).toMatchObject({ status: "completed", output: "{}\n" });
    await client.close();
  }, 20_000);
});
