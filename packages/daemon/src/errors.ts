import { AirlockError } from "@airlock/config/errors";

/** The state directory or socket belongs to another user, or is open to others: not used. */
export class UnsafeStatePathError extends AirlockError {
  constructor(
    readonly path: string,
    why: string,
  ) {
    super(
      "AIRLOCK_UNSAFE_STATE_PATH",
      `${path}: ${why}; remove it or point AIRLOCK_STATE_DIR at a directory only you can use`,
    );
  }
}

/** No daemon answers on the control socket. */
export class DaemonNotRunningError extends AirlockError {
  constructor(readonly socket: string) {
    super(
      "AIRLOCK_DAEMON_NOT_RUNNING",
      `no airlock daemon on ${socket}; start one with \`airlock up <app>\``,
    );
  }
}

/** The daemon did not come up in time after being started. */
export class DaemonStartError extends AirlockError {
  constructor(
    readonly log: string,
    detail: string,
  ) {
    super("AIRLOCK_DAEMON_START", `the daemon did not start (${detail}); see its log: ${log}`);
  }
}

/** A request named an app the daemon has not loaded. */
export class AppNotLoadedError extends AirlockError {
  constructor(readonly app: string) {
    super("AIRLOCK_APP_NOT_LOADED", `${app} is not loaded; load it with \`airlock up ${app}\``);
  }
}

/** The app file cannot be read or is not a program. */
export class AppLoadError extends AirlockError {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super("AIRLOCK_APP_LOAD", `${file}: ${detail}`);
  }
}

/** The daemon answered something the client cannot understand, or reported a failure. */
export class DaemonRequestError extends AirlockError {
  constructor(message: string) {
    super("AIRLOCK_DAEMON_REQUEST", message);
  }
}

/** A daemon option is out of range. */
export class DaemonOptionError extends AirlockError {
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super("AIRLOCK_DAEMON_OPTION", `${field}: ${detail}`);
  }
}
