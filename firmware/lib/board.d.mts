export declare const REPO: string;
export declare function listBoards(): string[];
export declare function loadRecipe(): Record<string, any>;
export declare function loadBoard(name: string): Record<string, any>;
export declare function packageVersion(): string;
export declare function buildPaths(boardName: string, version: string): {
  out: string; work: string; image: string; imageXz: string; manifest: string; kernel: string; initrd: string;
};
export declare function cachePaths(arch: string): { cache: string; debs: string; boot: string };
