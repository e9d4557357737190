// The subset of the WebAssembly JS API this package uses internally (TypeScript's ES libs and
// @types/node 20 do not declare it; Node 20 provides it at runtime). Public types use the
// structural `FrozenInstance` instead, so consumers need no WebAssembly declarations.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: ArrayBufferView | ArrayBuffer);
    static customSections(module: Module, name: string): ArrayBuffer[];
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  function validate(bytes: ArrayBufferView | ArrayBuffer): boolean;
  class Global {
    value: number;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
}
