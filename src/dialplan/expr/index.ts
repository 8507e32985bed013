/**
 * Public face of expr/: substitution, `$[ ]` expressions and variable helpers. The executor,
 * applications and the CLI import from here.
 */
export { substitute, assign, readFunction, asSubstEnv, withFunctions, valueOf, parseVariableName, substring, evaluateWith } from './substitute.ts';
export type { SubstEnv } from './substitute.ts';
export { evaluateExpression, formatNumber } from './expression.ts';
export type { ExpressionHost } from './expression.ts';
export { readVariable, setVariable, inheritVariables, getVar, baseName, mergeCallerId } from './variables.ts';
export type { VariableScope } from './variables.ts';
export { splitArgs, stripQuoted, decodeEncodedChar, decodeEncodedString, checkCondition, scanInt, scanFloat, atoi } from './args.ts';
export type { SplitOptions } from './args.ts';
export { compileEre } from './posix-regex.ts';
