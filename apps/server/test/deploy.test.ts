import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { z } from "zod";
import { parseEnv } from "../src/env.js";

// Offline schema check of deploy/k8s/*.yaml and the compose example in docs/deploy.md: the fields the
// deployment relies on (kinds, apiVersions, probes, requests, drain grace), not the full Kubernetes schema.

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const k8sDir = join(repo, "deploy", "k8s");

const labels = z.record(z.string(), z.string());
const metadata = z.object({ name: z.string().regex(/^[a-z0-9-]+$/), labels: labels.optional() });
const quantity = z.union([z.string().regex(/^\d+(\.\d+)?(m|Mi|Gi|Ki)?$/), z.number()]);
const probe = z.object({
  httpGet: z.object({ path: z.string(), port: z.union([z.string(), z.number()]) }),
  periodSeconds: z.number().int().positive().optional(),
});
const container = z.object({
  name: z.string(),
  image: z.string().regex(/^[^\s:]+:[^\s:]+$/, "pin an image tag"),
  command: z.array(z.enum(["airlock-server", "airlock-worker"])).length(1),
  envFrom: z
    .array(
      z.union([
        z.object({ configMapRef: z.object({ name: z.string() }) }),
        z.object({ secretRef: z.object({ name: z.string() }) }),
      ]),
    )
    .min(1),
  ports: z.array(z.object({ name: z.string(), containerPort: z.number().int() })).optional(),
  readinessProbe: probe.optional(),
  livenessProbe: probe.optional(),
  resources: z.object({
    requests: z.object({ cpu: quantity, memory: quantity }),
    limits: z.object({ memory: quantity }).optional(),
  }),
});
const deployment = z.object({
  apiVersion: z.literal("apps/v1"),
  kind: z.literal("Deployment"),
  metadata,
  spec: z.object({
    replicas: z.number().int().min(1),
    selector: z.object({ matchLabels: labels }),
    template: z.object({
      metadata: z.object({ labels }),
      spec: z.object({
        terminationGracePeriodSeconds: z.number().int().min(1),
        containers: z.array(container).min(1),
      }),
    }),
  }),
});
const service = z.object({
  apiVersion: z.literal("v1"),
  kind: z.literal("Service"),
  metadata,
  spec: z.object({
    selector: labels,
    ports: z
      .array(z.object({ port: z.number().int(), targetPort: z.union([z.string(), z.number()]) }))
      .min(1),
  }),
});
const configMap = z.object({
  apiVersion: z.literal("v1"),
  kind: z.literal("ConfigMap"),
  metadata,
  data: z.record(z.string(), z.string()),
});
const secret = z.object({
  apiVersion: z.literal("v1"),
  kind: z.literal("Secret"),
  metadata,
  type: z.literal("Opaque"),
  stringData: z.record(z.string(), z.string()),
});
const manifest = z.discriminatedUnion("kind", [deployment, service, configMap, secret]);
type Manifest = z.infer<typeof manifest>;
type Deployment = z.infer<typeof deployment>;

function loadManifests(): Manifest[] {
  const out: Manifest[] = [];
  for (const file of readdirSync(k8sDir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(k8sDir, file), "utf8"))) {
      expect(doc.errors, file).toEqual([]);
      const parsed = manifest.safeParse(doc.toJS());
      expect(parsed.success, `${file}: ${parsed.error?.message}`).toBe(true);
      if (parsed.success) out.push(parsed.data);
    }
  }
  return out;
}

const isSubset = (sub: Record<string, string>, of: Record<string, string>) =>
  Object.entries(sub).every(([k, v]) => of[k] === v);

describe("deploy/k8s manifests", () => {
  const all = loadManifests();
  const deployments = all.filter((m): m is Deployment => m.kind === "Deployment");
  const byCommand = (cmd: string) =>
    deployments.find((d) => d.spec.template.spec.containers[0]?.command[0] === cmd);

  it("have an api and a worker Deployment, a Service on the api, a ConfigMap and a Secret", () => {
    expect(all.map((m) => m.kind).sort()).toEqual(
      ["ConfigMap", "Deployment", "Deployment", "Secret", "Service"].sort(),
    );
    for (const d of deployments) {
      expect(
        isSubset(d.spec.selector.matchLabels, d.spec.template.metadata.labels),
        d.metadata.name,
      ).toBe(true);
    }
    const svc = all.find((m) => m.kind === "Service");
    const api = byCommand("airlock-server")!;
    expect(
      svc &&
        svc.kind === "Service" &&
        isSubset(svc.spec.selector, api.spec.template.metadata.labels),
    ).toBe(true);
    // The Service must not select workers (they serve no HTTP).
    const worker = byCommand("airlock-worker")!;
    expect(
      svc &&
        svc.kind === "Service" &&
        isSubset(svc.spec.selector, worker.spec.template.metadata.labels),
    ).toBe(false);
  });

  it("the api is ready on /health; workers get a drain grace longer than the slowest timeout", () => {
    const api = byCommand("airlock-server")!.spec.template.spec;
    expect(api.containers[0]?.readinessProbe?.httpGet.path).toBe("/health");
    const worker = byCommand("airlock-worker")!.spec.template.spec;
    expect(worker.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(60);
  });

  it("every envFrom reference exists, and the ConfigMap and Secret values pass the server's own parser", () => {
    const cm = all.find((m) => m.kind === "ConfigMap");
    const sec = all.find((m) => m.kind === "Secret");
    for (const d of deployments) {
      for (const ref of d.spec.template.spec.containers[0]!.envFrom) {
        if ("configMapRef" in ref) expect(ref.configMapRef.name).toBe(cm?.metadata.name);
        else expect(ref.secretRef.name).toBe(sec?.metadata.name);
      }
    }
    const env = {
      ...(cm?.kind === "ConfigMap" ? cm.data : {}),
      ...(sec?.kind === "Secret" ? sec.stringData : {}),
    };
    const settings = parseEnv(env);
    expect(settings.redisUrl).toMatch(/^redis:\/\//);
    expect(settings.databaseUrl).toMatch(/^postgres:\/\//);
  });

  it("rejects a Deployment without resource requests or with a bad kind (the schema can fail)", () => {
    const api = structuredClone(byCommand("airlock-server")!) as unknown as {
      spec: { template: { spec: { containers: Record<string, unknown>[] } } };
    };
    delete api.spec.template.spec.containers[0]!.resources;
    expect(manifest.safeParse(api).success).toBe(false);
    expect(
      manifest.safeParse({ ...byCommand("airlock-worker"), apiVersion: "extensions/v1beta1" })
        .success,
    ).toBe(false);
  });
});

describe("docs/deploy.md compose example", () => {
  const md = readFileSync(join(repo, "docs", "deploy.md"), "utf8");
  const block = /```yaml\n# compose\.yaml\n([\s\S]*?)```/.exec(md)?.[1];

  it("parses, has api, worker, redis and postgres, and its environment passes the server's parser", () => {
    expect(block, "a ```yaml block starting with '# compose.yaml'").toBeDefined();
    const compose = z
      .object({
        services: z.record(
          z.string(),
          z.object({
            image: z.string(),
            command: z.unknown().optional(),
            environment: z.record(z.string(), z.string()).optional(),
          }),
        ),
      })
      .parse(parseYaml(block!));
    expect(Object.keys(compose.services).sort()).toEqual(["api", "postgres", "redis", "worker"]);
    for (const name of ["api", "worker"]) {
      const settings = parseEnv(compose.services[name]!.environment ?? {});
      expect(settings.redisUrl, name).toBe("redis://redis:6379/0");
    }
    expect(parseEnv(compose.services.api!.environment ?? {}).databaseUrl).toMatch(
      /^postgres:\/\/.*@postgres:5432\//,
    );
  });
});
