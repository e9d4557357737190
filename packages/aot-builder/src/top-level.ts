import type * as A from "acorn";

/**
 * The program's top-level statements with `export` unwrapped: each yields the statement as
 * written (`raw`, for its position) and the declaration it carries (`stmt`). An `export { … }`
 * list or `export default <expression>` declares nothing and is skipped.
 */
export function* topLevelStatements(
  program: A.Program,
): Generator<{ raw: A.Statement | A.ModuleDeclaration; stmt: A.Node }> {
  for (const raw of program.body) {
    if (raw.type === "ExportNamedDeclaration" || raw.type === "ExportDefaultDeclaration") {
      const decl = (raw as A.ExportNamedDeclaration).declaration;
      if (decl) yield { raw, stmt: decl };
    } else {
      yield { raw, stmt: raw };
    }
  }
}
