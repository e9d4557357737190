import { AirlockError } from "@airlock/config/errors";

/** The kernel, initramfs or root image is not built. */
export class VmArtifactsMissingError extends AirlockError {
  constructor(
    readonly path: string,
    options?: ErrorOptions,
  ) {
    super(
      "AIRLOCK_VM_ARTIFACTS_MISSING",
      `${path} is missing: build the microVM artifacts with packages/microvm/scripts/build-artifacts.sh ` +
        `(--full for the Debian image), or pass createMicroVm({ image }) pointing at a built image`,
      options,
    );
  }
}

/**
 * The image exists but cannot serve this VM: its init lacks a feature the VM needs (a
 * `directHostDir` mount), or was built from other guest-init sources than this checkout's.
 */
export class VmImageOutdatedError extends AirlockError {
  constructor(
    readonly image: string,
    reason: string,
  ) {
    super(
      "AIRLOCK_VM_IMAGE_OUTDATED",
      `${image}: ${reason}; rebuild it with packages/microvm/scripts/build-artifacts.sh ` +
        `(add --full for the Debian image)`,
    );
  }
}

/** `qemu-system-x86_64` is not installed. */
export class VmQemuMissingError extends AirlockError {
  constructor(
    readonly binary: string,
    options?: ErrorOptions,
  ) {
    super(
      "AIRLOCK_VM_QEMU_MISSING",
      `${binary} not found: install the host tools with packages/microvm/scripts/install-deps.sh`,
      options,
    );
  }
}

/** `accel: "kvm"` was asked for but KVM cannot run guests here. */
export class VmAccelUnavailableError extends AirlockError {
  constructor(readonly reason: string) {
    super(
      "AIRLOCK_VM_ACCEL",
      `KVM is not usable here (${reason}); use accel: "auto" or "tcg" (software emulation)`,
    );
  }
}

/** The options given to createMicroVm or exec are invalid. */
export class VmOptionsError extends AirlockError {
  constructor(
    readonly field: string,
    hint: string,
    options?: ErrorOptions,
  ) {
    super("AIRLOCK_VM_OPTIONS", `${field}: ${hint}`, options);
  }
}

/** The VM stopped or failed before its init answered; `console` is the tail of its serial log. */
export class VmBootError extends AirlockError {
  constructor(
    reason: string,
    readonly console: string,
    options?: ErrorOptions,
  ) {
    super(
      "AIRLOCK_VM_BOOT",
      `microVM failed to boot: ${reason}; check the artifacts (rebuild with ` +
        `packages/microvm/scripts/build-artifacts.sh). Console tail:\n${console || "(empty)"}`,
      options,
    );
  }
}

/** The guest did not answer within `bootTimeoutMs`; its QEMU has been killed. */
export class VmBootTimeoutError extends AirlockError {
  constructor(
    readonly timeoutMs: number,
    readonly console: string,
  ) {
    super(
      "AIRLOCK_VM_BOOT_TIMEOUT",
      `microVM did not become ready within ${timeoutMs} ms and was killed; raise bootTimeoutMs ` +
        `if the host is loaded. Console tail:\n${console || "(empty)"}`,
    );
  }
}

/** The VM (QEMU) went away while a command was running or being started. */
export class VmExitedError extends AirlockError {
  constructor(readonly detail: string) {
    super("AIRLOCK_VM_EXITED", `microVM exited unexpectedly (${detail}); create a new one`);
  }
}

/** The VM was used after close(). */
export class VmDisposedError extends AirlockError {
  constructor() {
    super("AIRLOCK_DISPOSED", "this microVM is closed; create a new one with createMicroVm()");
  }
}

/** The guest and host disagree on the control protocol (version or malformed frames). */
export class VmProtocolError extends AirlockError {
  constructor(detail: string) {
    super(
      "AIRLOCK_VM_PROTOCOL",
      `control protocol error: ${detail}; rebuild the artifacts so the guest init matches this host`,
    );
  }
}

/**
 * The guest could not start the command (what the guest saw, e.g. `ENOENT` for a missing
 * program or cwd); not a failure of the VM itself.
 */
export class VmSpawnError extends AirlockError {
  constructor(
    readonly argv0: string,
    /** Node-style errno name as seen in the guest (`ENOENT`, `EACCES`, …). */
    readonly guestCode: string,
    detail: string,
  ) {
    super("AIRLOCK_VM_SPAWN", `cannot start ${JSON.stringify(argv0)} in the guest: ${detail}`);
  }
}
