export declare const MiB: number;
export interface PartSpec { name: string; sizeMiB: number; type: string; bootable?: boolean; [k: string]: unknown }
export interface PlacedPart extends PartSpec { number: number; startMiB: number; offset: number; bytes: number }
export declare function partitionMiB(spec: number | 'fit' | undefined, contentBytes: number, o?: { headroomMiB?: number; headroomPercent?: number; name?: string }): number;
export declare function planLayout(parts: PartSpec[], alignMiB?: number): { parts: PlacedPart[]; totalMiB: number; totalBytes: number };
export declare function sfdiskScript(plan: { parts: PlacedPart[] }, diskId: number): string;
