import { accessSync, constants, existsSync, readdirSync } from "node:fs";
import type { Accel } from "./qemu.js";

/** Which accelerator to use and why. */
export interface AccelReport {
  accel: Accel;
  reason: string;
}

/**
 * Host-side KVM checks that need no VM: returns why KVM is unusable, or undefined.
 * A real `kvm_intel`/`kvm_amd` must be present: a nested hypervisor (e.g. `kvm_pvm`) also
 * offers /dev/kvm but stock kernels never finish booting on it.
 */
export function kvmHostProblem(): string | undefined {
  if (!existsSync("/dev/kvm")) return "no /dev/kvm";
  try {
    accessSync("/dev/kvm", constants.R_OK | constants.W_OK);
  } catch {
    return "/dev/kvm is not readable and writable by this user";
  }
  let kvmModules: string[] = [];
  try {
    kvmModules = readdirSync("/sys/module").filter((m) => m.startsWith("kvm"));
  } catch {
    return "cannot read /sys/module";
  }
  if (!kvmModules.includes("kvm_intel") && !kvmModules.includes("kvm_amd")) {
    return `no kvm_intel or kvm_amd module (found: ${kvmModules.join(", ") || "none"})`;
  }
  return undefined;
}

let cached: Promise<AccelReport> | undefined;

/**
 * Picks KVM only when the host checks pass AND a KVM boot probe answers within
 * `probeTimeoutMs`; otherwise software emulation (TCG). The result is cached per process.
 */
export function detectAccel(
  options: { image?: string; probeTimeoutMs?: number } = {},
): Promise<AccelReport> {
  cached ??= (async (): Promise<AccelReport> => {
    const problem = kvmHostProblem();
    if (problem) return { accel: "tcg", reason: problem };
    // Imported lazily: vm.ts uses this module too.
    const { createMicroVm } = await import("./vm.js");
    try {
      const vm = await createMicroVm({
        accel: "kvm",
        bootTimeoutMs: options.probeTimeoutMs ?? 10_000,
        ...(options.image ? { image: options.image } : {}),
      });
      try {
        const r = await vm.exec({ argv: ["true"] });
        if (r.exitCode !== 0) return { accel: "tcg", reason: "KVM boot probe: `true` failed" };
      } finally {
        await vm.close();
      }
      return { accel: "kvm", reason: "KVM boot probe succeeded" };
    } catch (e) {
      return {
        accel: "tcg",
        reason: `KVM boot probe failed: ${(e as Error).message.split("\n")[0]}`,
      };
    }
  })();
  return cached;
}
