export interface TargetInfo {
  name: string;
  problems: string[];
  sizeBytes?: number;
  vendor?: string;
  model?: string;
  removable?: boolean;
  partitions?: string[];
}
export declare function inspectTarget(name: string, env: { sys: string; mounts: string; swaps?: string; rootDev?: string; imageBytes?: number }): TargetInfo;
export declare function describeTarget(t: TargetInfo): string;
export declare function gib(bytes: number): string;
export declare function writeAndVerify(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  target: string,
  o?: { exclusive?: boolean; flush?: () => Promise<void>; onProgress?: (bytes: number) => void },
): Promise<{ bytes: number; sha256: string; verified: boolean; readBack: string }>;
