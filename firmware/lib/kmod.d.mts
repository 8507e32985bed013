export interface ModuleEntry { path: string; deps: string[] }
export declare function moduleName(path: string): string;
export declare function parseModulesDep(text: string): Map<string, ModuleEntry>;
export declare function resolveModules(dep: Map<string, ModuleEntry>, wanted: string[]): { order: { name: string; path: string }[]; missing: string[] };
